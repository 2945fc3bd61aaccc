package decode

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// drain reads s to its end or first error and returns the frames read.
func drain(s audio.Stream) (int64, error) {
	buf := make([]float32, 4096*s.Format().Channels)
	var frames int64
	for {
		n, err := s.Read(buf)
		frames += int64(n / s.Format().Channels)
		if errors.Is(err, io.EOF) {
			return frames, nil
		}
		if err != nil {
			return frames, err
		}
	}
}

func copyFixture(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedFiles checks that truncated and corrupted files of each format
// end in an error or a shorter stream, never a panic or a longer stream.
func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	formats := []string{"wav", "flac", "mp3", "ogg", "opus", "m4a-aac", "m4a-alac"}
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			fx := fixture{format: format, seconds: 2, freq: 440, rate: 44100}
			orig := fx.make(t, dir)
			info, err := os.Stat(orig)
			if err != nil {
				t.Fatal(err)
			}
			full := fullFrames(t, orig)
			damages := []struct {
				name  string
				apply func(path string) error
			}{
				{"half", func(p string) error { return fixtures.Truncate(p, info.Size()/2) }},
				{"header only", func(p string) error { return fixtures.Truncate(p, min(100, info.Size())) }},
				{"empty", func(p string) error { return fixtures.Truncate(p, 0) }},
				{"corrupt 1", func(p string) error { return fixtures.Corrupt(p, 1) }},
				{"corrupt 2", func(p string) error { return fixtures.Corrupt(p, 2) }},
			}
			for _, d := range damages {
				path := filepath.Join(dir, format+"-"+d.name+filepath.Ext(orig))
				copyFixture(t, orig, path)
				if err := d.apply(path); err != nil {
					t.Fatal(err)
				}
				for _, src := range []audio.Source{fileSource(path, ""), streamSource(path)} {
					s, err := Open(context.Background(), src, Options{})
					if err != nil {
						t.Logf("%s: Open: %v", d.name, err)
						continue
					}
					frames, err := drain(s)
					s.Close()
					t.Logf("%s: %d of %d frames, err %v", d.name, frames, full, err)
					// Resampling and corrupt frames decoded as noise may add
					// a few frames; a whole second more is a bug.
					if frames > full+int64(s.Format().SampleRate) {
						t.Errorf("%s: decoded %d frames from a file of %d", d.name, frames, full)
					}
				}
			}
		})
	}
}

// fullFrames returns the decoded length of the undamaged file at path.
func fullFrames(t *testing.T, path string) int64 {
	t.Helper()
	s, err := Open(context.Background(), fileSource(path, ""), Options{})
	if err != nil {
		t.Fatalf("Open undamaged %s: %v", path, err)
	}
	defer s.Close()
	frames, err := drain(s)
	if err != nil {
		t.Fatalf("decoding undamaged %s: %v", path, err)
	}
	return frames
}
