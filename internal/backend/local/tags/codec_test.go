package tags

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/testlib"
)

// TestCodecAndSampleSize reads files made by real encoders and checks the
// codec and sample size the Go parsers report, and the audio format MPD
// would show for them.
func TestCodecAndSampleSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := testlib.NewGenerator(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var files []testlib.File
	for _, f := range testlib.Formats {
		files = append(files, testlib.File{Path: f, Format: f})
	}
	if err := gen.Write(ctx, dir, files); err != nil {
		t.Fatal(err)
	}
	// Sample sizes other than 16 bits, made by sox and ffmpeg directly.
	for _, cmd := range [][]string{
		{"sox", "-n", "-b", "24", filepath.Join(dir, "flac24.flac"), "synth", "0.5", "sine", "440"},
		{"sox", "-n", "-b", "8", filepath.Join(dir, "wav8.wav"), "synth", "0.5", "sine", "440"},
		{"sox", "-n", "-b", "24", filepath.Join(dir, "wav24.wav"), "synth", "0.5", "sine", "440"},
		{"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.5", "-c:a", "alac", "-sample_fmt", "s32p", filepath.Join(dir, "alac24.m4a")},
		{"sox", "-n", "-e", "floating-point", "-b", "32", filepath.Join(dir, "float.wav"), "synth", "0.5", "sine", "440"},
		// Files that the Go parsers leave to TagLib: an ID3v1 tag at the
		// end, and a constant bit rate without an Info header.
		{"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.5", "-c:a", "libmp3lame", "-metadata", "title=One",
			"-write_id3v1", "1", filepath.Join(dir, "id3v1.mp3")},
		{"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.5", "-c:a", "libmp3lame", "-write_xing", "0", filepath.Join(dir, "noxing.mp3")},
	} {
		if out, err := exec.CommandContext(ctx, cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s (install the Debian packages sox and ffmpeg)", cmd, err, out)
		}
	}
	r, err := NewReader(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	for _, c := range []struct {
		path  string
		codec string
		bits  int
		// mpd is the Format line of MPD 0.23.12 on Debian 12 for a file
		// made the same way.
		mpd string
	}{
		{"mp3-id3v23", CodecMP3, 0, "44100:24:2"},
		{"mp3-id3v24", CodecMP3, 0, "44100:24:2"},
		{"flac", CodecFLAC, 16, "44100:16:2"},
		{"ogg", CodecVorbis, 0, "44100:f:2"},
		{"opus", CodecOpus, 0, "48000:16:2"},
		{"wav", CodecPCM, 16, "44100:16:2"},
		{"m4a-aac", CodecAAC, 0, "44100:f:2"},
		{"m4a-alac", CodecALAC, 16, "44100:16:2"},
		{"flac24.flac", CodecFLAC, 24, "48000:24:1"},
		{"wav8.wav", CodecPCM, 8, "48000:16:1"},
		{"wav24.wav", CodecPCM, 24, "48000:32:1"},
		{"alac24.m4a", CodecALAC, 24, "44100:32:1"},
		{"float.wav", CodecFloat, 0, "48000:f:1"},
		{"id3v1.mp3", CodecMP3, 0, "44100:24:1"},
		{"noxing.mp3", CodecMP3, 0, "44100:24:1"},
	} {
		info, err := r.Read(filepath.Join(dir, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if info.Codec != c.codec || info.BitsPerSample != c.bits {
			t.Errorf("%s: codec %q, %d bits; want %q, %d bits", c.path, info.Codec, info.BitsPerSample, c.codec, c.bits)
		}
		if got := info.MPDAudioFormat(); got != c.mpd {
			t.Errorf("%s: MPD audio format %q, want %q", c.path, got, c.mpd)
		}
		// The audio properties still agree with TagLib's.
		want, err := r.readTagLib(filepath.Join(dir, c.path))
		if err != nil {
			t.Errorf("%s: TagLib: %v", c.path, err)
			continue
		}
		if info.Length != want.Length || info.Bitrate != want.Bitrate || info.SampleRate != want.SampleRate || info.Channels != want.Channels {
			t.Errorf("%s: %v, %d bit/s, %d Hz, %d channels; TagLib %v, %d bit/s, %d Hz, %d channels", c.path,
				info.Length, info.Bitrate, info.SampleRate, info.Channels, want.Length, want.Bitrate, want.SampleRate, want.Channels)
		}
	}
}

func TestMPDAudioFormatOddStreams(t *testing.T) {
	for _, info := range []Info{
		{Codec: CodecFLAC, SampleRate: 44100, Channels: 2, BitsPerSample: 20},
		{Codec: CodecFLAC, SampleRate: 44100, Channels: 9, BitsPerSample: 16},
		{Codec: CodecMP3, SampleRate: 0, Channels: 2},
		{Codec: CodecPCM, SampleRate: 44100, Channels: 2},
		{Codec: "", SampleRate: 44100, Channels: 2, BitsPerSample: 16},
	} {
		if got := info.MPDAudioFormat(); got != "" {
			t.Errorf("%+v: MPD audio format %q, want none", info, got)
		}
	}
}
