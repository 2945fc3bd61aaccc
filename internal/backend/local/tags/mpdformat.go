package tags

import "github.com/tonearm/tonearm/internal/audio"

// MPDAudioFormat returns the audio format that MPD 0.23.12 shows in the
// song's Format line, as audio.Encoding.MPDFormat computes it, or "" when
// the codec is unknown or MPD would reject the stream.
func (i *Info) MPDAudioFormat() string {
	return audio.Encoding{Codec: i.Codec, Bits: i.BitsPerSample}.MPDFormat(
		audio.Format{SampleRate: i.SampleRate, Channels: i.Channels})
}
