package audiotest

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

func source(uri string) audio.Source {
	return audio.Source{URI: uri, Open: func(ctx context.Context, onTitle func(string)) (io.ReadCloser, error) {
		if strings.Contains(uri, "broken") {
			return nil, errors.New("cannot open")
		}
		return io.NopCloser(strings.NewReader("data")), nil
	}}
}

// collect reads events until want names arrived, failing after 5 s.
func collect(t *testing.T, p *Player, n int) []audio.Event {
	t.Helper()
	var got []audio.Event
	for len(got) < n {
		select {
		case ev := <-p.Events():
			got = append(got, ev)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d events, want %d: %+v", len(got), n, got)
		}
	}
	return got
}

func types(evs []audio.Event) []audio.EventType {
	out := make([]audio.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestGaplessSequence(t *testing.T) {
	p := New(Options{Manual: true, TrackLength: func(string) time.Duration { return 5 * time.Second },
		AboutToFinish: time.Second})
	defer p.Close()
	if err := p.Play(context.Background(), source("a"), 0); err != nil {
		t.Fatal(err)
	}
	evs := collect(t, p, 1)
	if evs[0].Type != audio.EventStarted || evs[0].URI != "a" {
		t.Fatalf("first event = %+v", evs[0])
	}
	p.Advance(4 * time.Second)
	evs = collect(t, p, 1)
	if evs[0].Type != audio.EventAboutToFinish {
		t.Fatalf("event = %+v, want AboutToFinish", evs[0])
	}
	b := source("b")
	p.SetNext(&b)
	p.Advance(1500 * time.Millisecond)
	evs = collect(t, p, 2)
	want := []audio.EventType{audio.EventEnded, audio.EventStarted}
	if !slices.Equal(types(evs), want) || evs[1].URI != "b" {
		t.Fatalf("events = %+v", evs)
	}
	if p.Position() != 500*time.Millisecond {
		t.Errorf("position = %v, want 500ms into b", p.Position())
	}
	p.Advance(4 * time.Second)
	collect(t, p, 1) // AboutToFinish
	p.SetNext(nil)
	p.Finish()
	evs = collect(t, p, 2)
	if !slices.Equal(types(evs), []audio.EventType{audio.EventEnded, audio.EventEndOfStream}) {
		t.Fatalf("events = %+v", evs)
	}
	if p.State() != "stopped" || !slices.Equal(p.Played(), []string{"a", "b"}) {
		t.Errorf("state %s played %v", p.State(), p.Played())
	}
}

func TestEndWaitsForSetNext(t *testing.T) {
	p := New(Options{Manual: true, TrackLength: func(string) time.Duration { return 3 * time.Second },
		NextTimeout: 50 * time.Millisecond})
	defer p.Close()
	p.Play(context.Background(), source("a"), 0)
	start := time.Now()
	p.Finish() // no SetNext reply: the end waits NextTimeout, then the player stops
	if time.Since(start) < 50*time.Millisecond {
		t.Error("end did not wait for SetNext")
	}
	evs := collect(t, p, 4)
	want := []audio.EventType{audio.EventStarted, audio.EventAboutToFinish, audio.EventEnded, audio.EventEndOfStream}
	if !slices.Equal(types(evs), want) {
		t.Errorf("events = %v, want %v", types(evs), want)
	}
}

func TestOpenErrorReported(t *testing.T) {
	p := New(Options{Manual: true})
	defer p.Close()
	p.Play(context.Background(), source("broken"), 0)
	evs := collect(t, p, 1)
	if evs[0].Type != audio.EventError || evs[0].URI != "broken" || evs[0].Err == nil {
		t.Errorf("event = %+v, want EventError for broken", evs[0])
	}
	if p.State() != "stopped" {
		t.Errorf("state = %s", p.State())
	}
}

func TestQueuedOpenErrorRequestsAnother(t *testing.T) {
	p := New(Options{Manual: true, TrackLength: func(string) time.Duration { return 3 * time.Second }})
	defer p.Close()
	p.Play(context.Background(), source("a"), 0)
	collect(t, p, 1)
	p.Advance(2 * time.Second)
	collect(t, p, 1) // AboutToFinish
	bad := source("broken")
	p.SetNext(&bad)
	evs := collect(t, p, 2)
	if !slices.Equal(types(evs), []audio.EventType{audio.EventError, audio.EventAboutToFinish}) {
		t.Fatalf("events = %+v, want Error then AboutToFinish", evs)
	}
	if evs[0].URI != "broken" || evs[1].URI != "a" {
		t.Errorf("event URIs = %q, %q; want broken, a", evs[0].URI, evs[1].URI)
	}
	c := source("c")
	p.SetNext(&c)
	p.Finish()
	evs = collect(t, p, 2)
	if !slices.Equal(types(evs), []audio.EventType{audio.EventEnded, audio.EventStarted}) || evs[1].URI != "c" {
		t.Errorf("events = %+v, want a ended and c started", evs)
	}
}

func TestRecordsCalls(t *testing.T) {
	p := New(Options{Manual: true})
	defer p.Close()
	p.Play(context.Background(), source("a"), 2*time.Second)
	p.Pause()
	p.Resume()
	p.Seek(time.Second)
	p.SetVolume(40, true)
	p.Stop()
	var methods []string
	for _, c := range p.Calls() {
		methods = append(methods, c.Method)
	}
	want := []string{"Play", "Pause", "Resume", "Seek", "SetVolume", "Stop"}
	if !slices.Equal(methods, want) {
		t.Errorf("calls = %v, want %v", methods, want)
	}
	if c := p.Calls()[0]; c.URI != "a" || c.Position != 2*time.Second {
		t.Errorf("play call = %+v", c)
	}
	if v, m := p.Volume(); v != 40 || !m {
		t.Errorf("volume %d mute %v", v, m)
	}
}

func TestLiveSourceNeverEnds(t *testing.T) {
	p := New(Options{Manual: true, TrackLength: func(string) time.Duration { return time.Second }})
	defer p.Close()
	src := source("live")
	src.Live = true
	p.Play(context.Background(), src, 0)
	collect(t, p, 1)
	p.Advance(time.Hour)
	if p.State() != "playing" {
		t.Errorf("live source state = %s, want playing", p.State())
	}
	if err := p.Seek(0); !errors.Is(err, audio.ErrNotSeekable) {
		t.Errorf("seek on live = %v, want ErrNotSeekable", err)
	}
	p.AnnounceTitle("Song")
	if ev := collect(t, p, 1)[0]; ev.Type != audio.EventStreamTitle || ev.Title != "Song" {
		t.Errorf("event = %+v", ev)
	}
}

func TestRealClockPlays(t *testing.T) {
	p := New(Options{TrackLength: func(string) time.Duration { return 100 * time.Millisecond },
		AboutToFinish: 50 * time.Millisecond})
	defer p.Close()
	p.Play(context.Background(), source("a"), 0)
	evs := collect(t, p, 2)
	if evs[1].Type != audio.EventAboutToFinish {
		t.Fatalf("events = %+v", evs)
	}
	p.SetNext(nil)
	evs = collect(t, p, 2)
	if !slices.Equal(types(evs), []audio.EventType{audio.EventEnded, audio.EventEndOfStream}) {
		t.Errorf("events = %+v", evs)
	}
}

func TestCloseClosesEvents(t *testing.T) {
	p := New(Options{})
	p.Close()
	if _, ok := <-p.Events(); ok {
		t.Error("event channel open after Close")
	}
	if err := p.Play(context.Background(), source("a"), 0); err == nil {
		t.Error("Play after Close succeeded")
	}
}
