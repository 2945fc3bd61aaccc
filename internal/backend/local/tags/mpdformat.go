package tags

import "strconv"

// maxMPDChannels is the largest channel count MPD 0.23 accepts.
const maxMPDChannels = 8

// MPDAudioFormat returns the audio format that MPD 0.23.12 with Debian
// 12's decoder plugins shows in a song's Format line, "rate:bits:channels"
// with "f" for floating-point samples. It returns "" when the codec is
// unknown or MPD would reject the stream.
//
// MPD shows the format its decoder delivers, which is not always the
// file's. libmad gives 24-bit samples for MP3 and the Opus plugin 16-bit.
// libvorbis and FFmpeg's AAC decoder give floating point. libsndfile gives
// 16 bits for 8- and 16-bit WAV and 32 for wider integer PCM. FFmpeg gives
// 16 or 32 bits for ALAC, and the FLAC plugin the file's 8, 16, 24 or 32.
func (i *Info) MPDAudioFormat() string {
	if i.SampleRate <= 0 || i.Channels <= 0 || i.Channels > maxMPDChannels {
		return ""
	}
	var bits string
	switch i.Codec {
	case CodecMP3:
		bits = "24"
	case CodecOpus:
		bits = "16"
	case CodecVorbis, CodecAAC, CodecFloat:
		bits = "f"
	case CodecPCM:
		switch {
		case i.BitsPerSample <= 0:
			return ""
		case i.BitsPerSample <= 16:
			bits = "16"
		default:
			bits = "32"
		}
	case CodecALAC:
		switch {
		case i.BitsPerSample <= 0:
			return ""
		case i.BitsPerSample <= 16:
			bits = "16"
		default:
			bits = "32"
		}
	case CodecFLAC:
		switch i.BitsPerSample {
		case 8, 16, 24, 32:
			bits = strconv.Itoa(i.BitsPerSample)
		default:
			return ""
		}
	default:
		return ""
	}
	return strconv.Itoa(i.SampleRate) + ":" + bits + ":" + strconv.Itoa(i.Channels)
}
