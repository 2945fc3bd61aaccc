package extension

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
)

func TestHelloServesLibrary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "extensions")
	install(t, dir, helloManifest(t), "hello")
	s := startServer(t, dir)
	s.waitRunning(t, "hello", 1)
	ctx := context.Background()

	roots, err := s.core.Library().Browse(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 1 || roots[0].URI != "hello:" {
		t.Fatalf("roots = %+v, want the hello: root", roots)
	}
	root := "hello:"
	refs, err := s.core.Library().Browse(ctx, &root)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 5 {
		t.Fatalf("browse hello: returned %d refs, want 5", len(refs))
	}
	found, err := s.core.Library().Lookup(ctx, []string{"hello:track/3"})
	if err != nil {
		t.Fatal(err)
	}
	if tr := found["hello:track/3"]; len(tr) != 1 || tr[0].Name != "Hello tone 3" {
		t.Errorf("lookup hello:track/3 = %+v", tr)
	}
	results, err := s.core.Library().Search(ctx, models.Query{"any": {"tone 2"}}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || len(results[0].Tracks) != 1 || results[0].Tracks[0].URI != "hello:track/2" {
		t.Errorf("search = %+v, want hello:track/2", results)
	}
}

func TestHelloPlaysAndGetsEvents(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "extensions")
	install(t, dir, helloManifest(t), "hello")
	s := startServer(t, dir)
	s.waitRunning(t, "hello", 1)
	ctx := context.Background()

	watcher := core.Guard(s.core, scope.Principal{Kind: scope.KindToken, ID: "watcher", Scopes: scope.NewSet(scope.EventsExt)})
	sub, err := watcher.Events().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	if _, err := s.core.Tracklist().Add(ctx, nil, nil, []string{"hello:track/1", "hello:track/2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.core.Playback().Play(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	waitPlaying(t, s)

	select {
	case ev := <-sub.Events():
		if ev.Name() != "ext.hello.greeted" {
			t.Errorf("event %s, want ext.hello.greeted", ev.Name())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no ext.hello.greeted event: hello did not receive track_playback_started")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.logs.String(), "event track_playback_started") {
		if time.Now().After(deadline) {
			t.Fatal("hello's log of the event is missing from the server log")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(s.logs.String(), "good evening: version 1.0.0 started") {
		t.Error("hello did not log the greeting from its settings")
	}
	if !strings.Contains(s.logs.String(), "extension=hello") {
		t.Error("log lines do not name the extension")
	}
	if n := s.countAudit(t, audit.ExtensionStarted, "hello"); n != 1 {
		t.Errorf("extension_started audited %d times, want 1", n)
	}
	st := s.host.Status()
	if len(st) != 1 || !st[0].Signed || st[0].Granted.Has(scope.PlaybackControl) {
		t.Errorf("status = %+v, want signed hello without playback:control", st)
	}
}

// waitPlaying waits until core plays and the player's position moves.
func waitPlaying(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		state, err := s.core.Playback().GetState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if state == core.Playing && s.player.Position() > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("playback did not start: position %v", s.player.Position())
}

func TestHelloStreamsAudio(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "extensions")
	install(t, dir, helloManifest(t), "hello")
	s := startServer(t, dir)
	s.waitRunning(t, "hello", 1)
	ctx := context.Background()
	pb := s.host.Backends()[0].Playback
	src, err := pb.Resolve(ctx, "hello:track/1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("close stream: %v", err)
	}
	// 2 s of 16-bit mono at 22050 Hz after a 44-byte header.
	if want := 44 + 2*22050*2; len(data) != want {
		t.Errorf("stream of %d bytes, want %d", len(data), want)
	}
	if string(data[:4]) != "RIFF" || string(data[8:16]) != "WAVEfmt " {
		t.Errorf("stream starts %q, want a WAV header", data[:16])
	}
	if _, err := pb.Resolve(ctx, "local:track:x.mp3"); err == nil {
		t.Error("Resolve accepted a URI outside hello's scheme")
	}
}

func TestEventsFilteredByScope(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "extensions")
	m := helloManifest(t)
	// Subscribed to a mixer event without playback:read or events:mixer.
	m.Scopes = []string{"library:read", "events:playback"}
	m.Events = []string{"volume_changed", "track_playback_started"}
	install(t, dir, m, "hello")
	s := startServer(t, dir)
	s.waitRunning(t, "hello", 1)
	ctx := context.Background()

	if _, err := s.core.Mixer().SetVolume(ctx, 40); err != nil {
		t.Fatal(err)
	}
	if _, err := s.core.Tracklist().Add(ctx, nil, nil, []string{"hello:track/1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.core.Playback().Play(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.logs.String(), "event track_playback_started") {
		if time.Now().After(deadline) {
			t.Fatal("hello never received track_playback_started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Events arrive in order, so volume_changed would have come first.
	if strings.Contains(s.logs.String(), "event volume_changed") {
		t.Error("hello received volume_changed without a mixer scope")
	}
}
