package audio

import "testing"

func TestEncodingMPDFormat(t *testing.T) {
	stereo := Format{SampleRate: 44100, Channels: 2}
	for _, tc := range []struct {
		name string
		enc  Encoding
		f    Format
		want string
	}{
		{"mp3", Encoding{Codec: CodecMP3}, stereo, "44100:24:2"},
		{"mono mp3 decoded as stereo", Encoding{Codec: CodecMP3, Channels: 1}, stereo, "44100:24:1"},
		{"opus", Encoding{Codec: CodecOpus}, Format{48000, 2}, "48000:16:2"},
		{"vorbis", Encoding{Codec: CodecVorbis}, stereo, "44100:f:2"},
		{"aac", Encoding{Codec: CodecAAC}, stereo, "44100:f:2"},
		{"float wav", Encoding{Codec: CodecFloat, Bits: 64}, stereo, "44100:f:2"},
		{"8-bit wav", Encoding{Codec: CodecPCM, Bits: 8}, stereo, "44100:16:2"},
		{"24-bit wav", Encoding{Codec: CodecPCM, Bits: 24}, stereo, "44100:32:2"},
		{"wav without bits", Encoding{Codec: CodecPCM}, stereo, ""},
		{"24-bit alac", Encoding{Codec: CodecALAC, Bits: 24}, stereo, "44100:32:2"},
		{"24-bit flac", Encoding{Codec: CodecFLAC, Bits: 24}, Format{96000, 2}, "96000:24:2"},
		{"12-bit flac", Encoding{Codec: CodecFLAC, Bits: 12}, stereo, ""},
		{"unknown codec", Encoding{}, stereo, ""},
		{"nine channels", Encoding{Codec: CodecMP3}, Format{44100, 9}, ""},
		{"no sample rate", Encoding{Codec: CodecMP3}, Format{0, 2}, ""},
	} {
		if got := tc.enc.MPDFormat(tc.f); got != tc.want {
			t.Errorf("%s: MPDFormat(%+v) = %q, want %q", tc.name, tc.f, got, tc.want)
		}
	}
}
