package decode

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// flac32Fixture encodes 2 s of a 440 Hz tone at 48 kHz stereo as 32-bit
// FLAC with the reference encoder and returns its path.
func flac32Fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone32.wav")
	run(t, "sox", "-n", "-r", "48000", "-c", "2", "-b", "32", "-e", "signed-integer", wav,
		"synth", "2", "sine", "440", "vol", "0.5")
	path := filepath.Join(dir, "tone32.flac")
	run(t, "flac", "--silent", "--force", "-o", path, wav)
	if bps := strings.TrimSpace(string(run(t, "metaflac", "--show-bps", path))); bps != "32" {
		t.Fatalf("metaflac --show-bps = %s, want 32: flac 1.4 or later encodes 32-bit FLAC", bps)
	}
	return path
}

func TestFLAC32FallsBackToFLACCommand(t *testing.T) {
	path := flac32Fixture(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = openKind(kindFLAC, &input{r: f, seeker: f, size: -1, rc: f})
	f.Close()
	if err == nil {
		t.Fatal("the built-in decoder opened 32-bit FLAC, so the fallback is not tested")
	}
	t.Logf("built-in decoder: %v", err)

	s, err := Open(context.Background(), fileSource(path, ""), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, ok := s.(*trimmedStream).c.(*flacCommandCodec); !ok {
		t.Errorf("codec %T, want the flac fallback", s.(*trimmedStream).c)
	}
	if f := s.Format(); f.SampleRate != 48000 || f.Channels != 2 {
		t.Errorf("Format() = %+v, want 48000 Hz stereo", f)
	}
	if n := s.Frames(); n != 96000 {
		t.Errorf("Frames() = %d, want 96000", n)
	}
	got := readAll(t, s)
	if n := len(got) / 2; n != 96000 {
		t.Fatalf("decoded %d frames, want 96000", n)
	}
	var peak float64
	for _, v := range got {
		peak = max(peak, float64(v))
	}
	if peak < 0.49 || peak > 0.51 {
		t.Errorf("peak %.4f, want the tone's 0.5", peak)
	}
	if v := sineSNR(got, 2, 48000, 440); v < 60 {
		t.Errorf("SNR of the 440 Hz tone = %.1f dB, want at least 60", v)
	}

	for _, target := range []int64{48000, 95999, 96000, 0} {
		if err := s.SeekFrame(target); err != nil {
			t.Fatalf("SeekFrame(%d): %v", target, err)
		}
		rest := readAll(t, s)
		if int64(len(rest)/2) != 96000-target {
			t.Fatalf("after SeekFrame(%d): %d frames, want %d", target, len(rest)/2, 96000-target)
		}
		for i, v := range rest {
			if v != got[2*target+int64(i)] {
				t.Fatalf("after SeekFrame(%d): sample %d = %v, want %v", target, i, v, got[2*target+int64(i)])
			}
		}
	}
}

func TestFLAC32TruncatedEndsEarly(t *testing.T) {
	path := flac32Fixture(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Truncate(path, info.Size()/2); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), fileSource(path, ""), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	frames, err := drain(s)
	t.Logf("%d of 96000 frames, err %v", frames, err)
	if frames == 0 || frames >= 96000 {
		t.Errorf("decoded %d frames from half a file of 96000", frames)
	}
	if err == nil {
		t.Error("a truncated file decoded without an error from flac")
	}
	if _, err := s.Read(make([]float32, 64)); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Read after the failure = %v, want the error again", err)
	}
}

func TestFLACCommandMissingFallsToFFmpeg(t *testing.T) {
	path := flac32Fixture(t)
	opts := Options{FLAC: FLACOptions{Path: filepath.Join(t.TempDir(), "no-flac")}, FFmpeg: FFmpegOptions{Disable: true}}
	_, err := Open(context.Background(), fileSource(path, ""), opts)
	if err == nil {
		t.Fatal("Open succeeded without the flac and ffmpeg fallbacks")
	}
	for _, want := range []string{"flac fallback", "flac not found", "install the Debian package flac", "ffmpeg fallback"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
