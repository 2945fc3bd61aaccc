package stream

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// toneMP3 returns a 3-second 440 Hz mono MP3 made by lame, encoded once
// per test binary.
var toneMP3 = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "tonearm-stream-fixture-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	spec := fixtures.Spec{Path: "tone.mp3", Format: fixtures.FormatMP3ID3v24, Seconds: 3, Frequency: 440, Channels: 1}
	if err := fixtures.Generate(context.Background(), dir, []fixtures.Spec{spec}); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, "tone.mp3"))
})

func readToneMP3(t *testing.T) []byte {
	t.Helper()
	mp3, err := toneMP3()
	if err != nil {
		t.Fatalf("generate the MP3 fixture: %v", err)
	}
	return mp3
}
