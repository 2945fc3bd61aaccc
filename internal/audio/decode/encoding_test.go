package decode

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
)

func TestOpenReportsEncoding(t *testing.T) {
	dir := t.TempDir()
	opus := audio.Encoding{Codec: audio.CodecOpus}
	if !opusBuiltin {
		// Race builds decode Opus with ffmpeg, which reports no codec.
		opus = audio.Encoding{}
	}
	sox := func(name string, args ...string) string {
		path := filepath.Join(dir, name)
		full := append([]string{"-n", "-r", "44100", "-c", "2"}, args...)
		run(t, "sox", append(full, path, "synth", "0.5", "sine", "440", "vol", "0.5")...)
		return path
	}
	for _, tc := range []struct {
		name string
		path func() string
		want audio.Encoding
		mpd  string
	}{
		{"mp3", fixture{format: "mp3", seconds: 1, freq: 440, rate: 44100}.pathIn(t, dir), audio.Encoding{Codec: audio.CodecMP3, Channels: 2}, "44100:24:2"},
		// go-mp3 delivers stereo, but MPD shows the file's one channel.
		{"mp3-mono", fixture{format: "mp3", seconds: 1, freq: 440, rate: 32000, channels: 1}.pathIn(t, dir), audio.Encoding{Codec: audio.CodecMP3, Channels: 1}, "32000:24:1"},
		{"ogg", fixture{format: "ogg", seconds: 1, freq: 440, rate: 44100}.pathIn(t, dir), audio.Encoding{Codec: audio.CodecVorbis}, "44100:f:2"},
		{"opus", fixture{format: "opus", seconds: 1, freq: 440, rate: 48000}.pathIn(t, dir), opus, opusMPD(opus)},
		{"flac-16", fixture{format: "flac", seconds: 1, freq: 440, rate: 44100}.pathIn(t, dir), audio.Encoding{Codec: audio.CodecFLAC, Bits: 16}, "44100:16:2"},
		{"flac-24", func() string { return sox("24.flac", "-b", "24") }, audio.Encoding{Codec: audio.CodecFLAC, Bits: 24}, "44100:24:2"},
		{"wav-16", func() string { return sox("16.wav", "-e", "signed-integer", "-b", "16") }, audio.Encoding{Codec: audio.CodecPCM, Bits: 16}, "44100:16:2"},
		{"wav-24", func() string { return sox("24.wav", "-e", "signed-integer", "-b", "24") }, audio.Encoding{Codec: audio.CodecPCM, Bits: 24}, "44100:32:2"},
		{"wav-float", func() string { return sox("f.wav", "-e", "floating-point", "-b", "32") }, audio.Encoding{Codec: audio.CodecFloat, Bits: 32}, "44100:f:2"},
		// ffmpeg resamples, so its streams report no encoding and MPD
		// clients get no audio line rather than a wrong rate.
		{"m4a-aac", fixture{format: "m4a-aac", seconds: 1, freq: 440, rate: 44100}.pathIn(t, dir), audio.Encoding{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(context.Background(), fileSource(tc.path(), ""), Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			enc, ok := s.(audio.Encoded)
			if !ok {
				t.Fatalf("stream %T does not report an encoding", s)
			}
			if got := enc.Encoding(); got != tc.want {
				t.Errorf("Encoding() = %+v, want %+v", got, tc.want)
			}
			if got := enc.Encoding().MPDFormat(s.Format()); got != tc.mpd {
				t.Errorf("MPD format = %q, want %q", got, tc.mpd)
			}
		})
	}
}

// pathIn returns a function that writes the fixture into dir and returns
// its path.
func (f fixture) pathIn(t *testing.T, dir string) func() string {
	return func() string { return f.make(t, dir) }
}

func opusMPD(e audio.Encoding) string {
	if e.Codec == "" {
		return ""
	}
	return "48000:16:2"
}
