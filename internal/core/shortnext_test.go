package core

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/backend"
)

// scriptedPlayer is an audio.Player whose events the test sends, in the
// order a real player may send them.
type scriptedPlayer struct {
	events chan audio.Event
	mu     sync.Mutex
	next   []*audio.Source // every SetNext argument, in order
}

func (p *scriptedPlayer) Play(context.Context, audio.Source, time.Duration) error { return nil }
func (p *scriptedPlayer) SetNext(src *audio.Source) {
	p.mu.Lock()
	p.next = append(p.next, src)
	p.mu.Unlock()
}
func (p *scriptedPlayer) Pause() error               { return nil }
func (p *scriptedPlayer) Resume() error              { return nil }
func (p *scriptedPlayer) Stop() error                { return nil }
func (p *scriptedPlayer) Seek(time.Duration) error   { return nil }
func (p *scriptedPlayer) Position() time.Duration    { return 0 }
func (p *scriptedPlayer) SetVolume(int, bool)        {}
func (p *scriptedPlayer) Events() <-chan audio.Event { return p.events }
func (p *scriptedPlayer) Close() error               { return nil }
func (p *scriptedPlayer) setNextCalls() []*audio.Source {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*audio.Source(nil), p.next...)
}

// TestShortNextTrackQueuesItsFollower covers a next track shorter than
// the player's AboutToFinish lead: the player reports AboutToFinish for it
// before its start is heard. The core must call SetNext at that start,
// or the player waits at the track's end for a next source.
func TestShortNextTrackQueuesItsFollower(t *testing.T) {
	mem := newMem("mem")
	player := &scriptedPlayer{events: make(chan audio.Event, 16)}
	c, err := New(Options{
		Backends: []backend.Backend{mem.backend()},
		Player:   player,
		Logger:   slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if _, err := c.Tracklist().Add(ctx, nil, nil, []string{"mem:long", "mem:short", "mem:last"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Playback().Play(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}

	player.events <- audio.Event{Type: audio.EventStarted, URI: "mem:long"}
	player.events <- audio.Event{Type: audio.EventAboutToFinish, URI: "mem:long"}
	waitFor(t, func() bool { return len(player.setNextCalls()) == 1 })
	if got := player.setNextCalls()[0]; got == nil || got.URI != "mem:short" {
		t.Fatalf("SetNext after long's AboutToFinish = %+v, want mem:short", got)
	}

	// The short track nears its end at once, before its start is heard.
	player.events <- audio.Event{Type: audio.EventAboutToFinish, URI: "mem:short"}
	player.events <- audio.Event{Type: audio.EventStarted, URI: "mem:short"}
	waitFor(t, func() bool { return len(player.setNextCalls()) == 2 })
	if got := player.setNextCalls()[1]; got == nil || got.URI != "mem:last" {
		t.Errorf("SetNext after short started = %+v, want mem:last", got)
	}
}
