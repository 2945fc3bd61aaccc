package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// A stream has no Format line in the library, so MPD clients learn its
// format only from the audio field of status, which the player's decoder
// fills.
func TestMPDStatusShowsStreamAudioFormat(t *testing.T) {
	radio := t.TempDir()
	spec := fixtures.Spec{Path: "radio.mp3", Format: fixtures.FormatMP3, Seconds: 60, SampleRate: 32000, Channels: 1}
	if err := fixtures.Generate(context.Background(), radio, []fixtures.Spec{spec}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		http.ServeFile(w, r, filepath.Join(radio, "radio.mp3"))
	}))
	defer srv.Close()

	in := newInstance(t, "[stream]\nallowed_networks = 127.0.0.0/8")
	in.start()
	if got := in.mpd("add "+srv.URL+"/radio.mp3", "play 0"); got != "OK\nOK\n" {
		t.Fatalf("add and play the stream: %q", got)
	}
	// The player decodes 32 kHz mono; its output runs at 48 kHz stereo,
	// which the audio field must not show.
	const want = "audio: 32000:24:1\n"
	deadline := time.Now().Add(20 * time.Second)
	status := ""
	for time.Now().Before(deadline) {
		status = in.mpd("status")
		if strings.Contains(status, want) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(status, want) {
		t.Fatalf("status never showed %q within 20 s; last status:\n%s\nserver log:\n%s", strings.TrimSpace(want), status, in.log.String())
	}
	in.stop()
}
