package audio

import "strconv"

// The codecs an Encoding names.
const (
	CodecMP3    = "mp3"
	CodecFLAC   = "flac"
	CodecVorbis = "vorbis"
	CodecOpus   = "opus"
	CodecPCM    = "pcm"   // integer PCM in WAV
	CodecFloat  = "float" // floating-point PCM in WAV
	CodecAAC    = "aac"
	CodecALAC   = "alac"
)

// Encoding is the coding of a source's audio: the codec and, for FLAC,
// PCM and ALAC, the bits per sample. The zero value means unknown.
type Encoding struct {
	Codec string
	Bits  int
	// Channels is the source's channel count where the decoder delivers
	// another (go-mp3 turns mono MP3 into stereo), and 0 otherwise.
	Channels int
}

// Encoded is implemented by decoded streams that know their source's
// Encoding.
type Encoded interface {
	Encoding() Encoding
}

// maxMPDChannels is the largest channel count MPD 0.23 accepts.
const maxMPDChannels = 8

// MPDFormat returns the audio format of audio decoded to f from a source
// coded as e. MPD 0.23.12 with Debian 12's decoder plugins shows it in a
// song's Format line and in status as "rate:bits:channels", with "f" for
// floating-point samples. MPDFormat returns "" when the codec is unknown
// or MPD would reject the stream.
//
// MPD shows the format its decoder delivers, which is not always the
// source's. libmad gives 24-bit samples for MP3 and the Opus plugin 16-bit.
// libvorbis and FFmpeg's AAC decoder give floating point. libsndfile gives
// 16 bits for 8- and 16-bit WAV and 32 for wider integer PCM. FFmpeg gives
// 16 or 32 bits for ALAC, and the FLAC plugin the file's 8, 16, 24 or 32.
func (e Encoding) MPDFormat(f Format) string {
	if e.Channels > 0 {
		f.Channels = e.Channels
	}
	if f.SampleRate <= 0 || f.Channels <= 0 || f.Channels > maxMPDChannels {
		return ""
	}
	var bits string
	switch e.Codec {
	case CodecMP3:
		bits = "24"
	case CodecOpus:
		bits = "16"
	case CodecVorbis, CodecAAC, CodecFloat:
		bits = "f"
	case CodecPCM, CodecALAC:
		switch {
		case e.Bits <= 0:
			return ""
		case e.Bits <= 16:
			bits = "16"
		default:
			bits = "32"
		}
	case CodecFLAC:
		switch e.Bits {
		case 8, 16, 24, 32:
			bits = strconv.Itoa(e.Bits)
		default:
			return ""
		}
	default:
		return ""
	}
	return strconv.Itoa(f.SampleRate) + ":" + bits + ":" + strconv.Itoa(f.Channels)
}
