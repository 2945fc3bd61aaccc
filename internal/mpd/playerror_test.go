package mpd_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/decode"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/safepath"
)

// garbageLibrary returns the local library over a music folder that
// contains one file, Bad/garbage.mp3, whose bytes are text and no MP3 frame.
func garbageLibrary(t *testing.T) *local.Library {
	t.Helper()
	ctx := context.Background()
	music := t.TempDir()
	if err := os.MkdirAll(filepath.Join(music, "Bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	garbage := []byte(strings.Repeat("this is not an MP3 file\n", 400))
	if err := os.WriteFile(filepath.Join(music, "Bad", "garbage.mp3"), garbage, 0o644); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "library.db")})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	batch, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	track := store.Track{Path: "Bad/garbage.mp3", Size: int64(len(garbage)), Info: tags.Info{Title: "Garbage", Length: time.Minute}}
	if err := batch.Put(&track); err != nil {
		t.Fatal(err)
	}
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}

	root, err := safepath.OpenRoot(music)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })

	lib, err := local.New(local.Options{Root: root, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestStatusShowsDecoderError plays a file the real player cannot decode,
// with the null output. Status shows the error until clearerror.
func TestStatusShowsDecoderError(t *testing.T) {
	lib := garbageLibrary(t)
	// Without the ffmpeg fallback the built-in MP3 decoder's failure is
	// final, and the test does not wait for an ffmpeg run.
	p, err := player.New(player.Options{
		Outputs: []output.Output{output.NewNull()},
		Decode:  decode.Options{FFmpeg: decode.FFmpegOptions{Disable: true}},
	})
	if err != nil {
		t.Fatalf("player.New: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	b := backend.Backend{Name: local.Scheme, Schemes: []string{local.Scheme}, Library: lib, Playback: lib}
	c, err := core.New(core.Options{Backends: []backend.Backend{b}, Player: p})
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	adapter := mpd.NewCoreAdapter(c, mpd.CoreOptions{})
	cl := startLocalFrontend(t, adapter)

	cl.ok("add Bad/garbage.mp3")
	if errs := prefixed(cl.cmd("status"), "error"); len(errs) != 0 {
		t.Fatalf("status before play shows error %q", errs)
	}
	cl.ok("play")

	// The player reports the decoder failure from its own goroutine.
	var errs []string
	deadline := time.Now().Add(60 * time.Second)
	for len(errs) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("status shows no error 60 s after playing an undecodable file")
		}
		time.Sleep(10 * time.Millisecond)
		errs = prefixed(cl.cmd("status"), "error")
	}
	t.Logf("status error: %s", errs[0])
	if len(errs) != 1 {
		t.Errorf("status shows %d error lines, want 1: %q", len(errs), errs)
	}
	if !strings.Contains(errs[0], "Bad/garbage.mp3") {
		t.Errorf("error %q does not name the file", errs[0])
	}
	if strings.Contains(errs[0], "\n") {
		t.Errorf("error %q spans lines", errs[0])
	}

	cl.ok("clearerror")
	reply := cl.cmd("status")
	if errs := prefixed(reply, "error"); len(errs) != 0 {
		t.Errorf("status after clearerror shows error %q", errs)
	}
	if !slices.Contains(reply, "state: stop") {
		t.Errorf("status after the only track failed = %q, want state: stop", reply)
	}
}

// ok sends one command and fails unless the reply is a plain OK.
func (c *client) ok(line string) {
	c.t.Helper()
	if reply := c.cmd(line); len(reply) != 1 || reply[0] != "OK" {
		c.t.Fatalf("%s: reply %q, want OK", line, reply)
	}
}
