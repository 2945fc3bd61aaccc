// Package audiotest provides a Player for tests of core and the
// frontends. It implements audio.Player without decoding: it opens each
// source through Source.Open, reads its first bytes, and moves a position
// on a manual or real clock, emitting the events the real player emits,
// gapless changes included. It records every call and every source it
// started, and lets a test force errors.
//
// A manual player moves only when the test calls Advance or Finish:
//
//	p := audiotest.New(audiotest.Options{Manual: true,
//		TrackLength: func(uri string) time.Duration { return 10 * time.Second }})
//	defer p.Close()
//	// ... core.New(core.Options{Player: p, ...}), play a track ...
//	p.Finish() // the track ends; core's queued next track starts
//
// A real-clock player (Manual false) plays in real time, for end-to-end
// tests of a frontend.
package audiotest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// Defaults for the zero values of Options.
const (
	DefaultTrackLength   = 3 * time.Minute
	DefaultAboutToFinish = 2 * time.Second
	DefaultTick          = 10 * time.Millisecond
	DefaultNextTimeout   = 5 * time.Second
	// probeBytes is how much of each source the player reads to check
	// that it opens.
	probeBytes = 4096
)

// Options configures a Player. The zero value plays every source for 3
// minutes on the real clock.
type Options struct {
	// TrackLength returns how long the source with uri plays; nil or a
	// result <= 0 means DefaultTrackLength. Live sources play until
	// stopped.
	TrackLength func(uri string) time.Duration
	// AboutToFinish is how long before a track's end the player emits
	// EventAboutToFinish; 0 means DefaultAboutToFinish.
	AboutToFinish time.Duration
	// Manual makes the position move only through Advance and Finish.
	Manual bool
	// Tick is the real clock's step; 0 means DefaultTick.
	Tick time.Duration
	// NextTimeout bounds how long the end of a track waits for the
	// SetNext call that replies to EventAboutToFinish; 0 means
	// DefaultNextTimeout. The real player decodes ahead, which gives core
	// time to reply, and this wait gives it the same time on a manual
	// clock.
	NextTimeout time.Duration
	// DecodeError, when set and returning an error for a URI, makes that
	// source fail after it opened, as a corrupt file does.
	DecodeError func(uri string) error
	// SourceFormat, when set, gives the Format and Encoding that
	// EventStarted reports for a URI, as the real player's decoder does.
	SourceFormat func(uri string) (audio.Format, audio.Encoding)
}

// Call is one recorded method call.
type Call struct {
	// Method is "Play", "SetNext", "Pause", "Resume", "Stop", "Seek" or
	// "SetVolume".
	Method string
	// URI is the source's URI for Play and SetNext ("" for SetNext(nil)).
	URI string
	// Position is the start of Play and the target of Seek.
	Position time.Duration
	Volume   int
	Mute     bool
}

// Player is a test implementation of audio.Player.
type Player struct {
	opts Options

	mu         sync.Mutex
	cond       *sync.Cond
	closed     bool
	state      string // "playing", "paused" or "stopped"
	cur        *audio.Source
	reader     io.ReadCloser
	pos        time.Duration
	length     time.Duration
	aboutSent  bool
	answered   bool // SetNext was called since the last AboutToFinish
	next       *audio.Source
	nextReader io.ReadCloser
	gen        int // increases on Play and Stop
	volume     int
	mute       bool
	calls      []Call
	played     []string
	queue      []audio.Event

	out  chan audio.Event
	done chan struct{}
	wg   sync.WaitGroup
}

var _ audio.Player = (*Player)(nil)

// New returns a stopped player. Close stops its goroutines.
func New(opts Options) *Player {
	if opts.AboutToFinish <= 0 {
		opts.AboutToFinish = DefaultAboutToFinish
	}
	if opts.Tick <= 0 {
		opts.Tick = DefaultTick
	}
	if opts.NextTimeout <= 0 {
		opts.NextTimeout = DefaultNextTimeout
	}
	p := &Player{
		opts:   opts,
		state:  "stopped",
		volume: 100,
		out:    make(chan audio.Event),
		done:   make(chan struct{}),
	}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.pump()
	if !opts.Manual {
		p.wg.Add(1)
		go p.clock()
	}
	return p
}

// emit appends an event to the unbounded queue that pump drains, so it
// returns at once; p.mu is held.
func (p *Player) emit(ev audio.Event) {
	p.queue = append(p.queue, ev)
	p.cond.Broadcast()
}

// pump delivers queued events in order to the Events channel.
func (p *Player) pump() {
	defer p.wg.Done()
	defer close(p.out)
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		ev := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()
		select {
		case p.out <- ev:
		case <-p.done:
			return
		}
	}
}

func (p *Player) clock() {
	defer p.wg.Done()
	t := time.NewTicker(p.opts.Tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-p.done:
			return
		case now := <-t.C:
			p.Advance(now.Sub(last))
			last = now
		}
	}
}

func (p *Player) trackLength(uri string) time.Duration {
	if p.opts.TrackLength != nil {
		if d := p.opts.TrackLength(uri); d > 0 {
			return d
		}
	}
	return DefaultTrackLength
}

// open opens src and reads its first bytes; p.mu is held.
func (p *Player) open(src audio.Source) (io.ReadCloser, error) {
	if src.Open == nil {
		return nil, fmt.Errorf("audiotest: source %q has no Open function", src.URI)
	}
	uri := src.URI
	// onTitle may be called inside Open, while p.mu is held, so it
	// emits from a goroutine; titles of one source may then be reordered.
	onTitle := func(title string) {
		go func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.cur != nil && p.cur.URI == uri && !p.closed {
				p.emit(audio.Event{Type: audio.EventStreamTitle, URI: uri, Title: title})
			}
		}()
	}
	r, err := src.Open(context.Background(), onTitle)
	if err != nil {
		return nil, err
	}
	_, err = io.ReadFull(r, make([]byte, probeBytes))
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	if err == nil && p.opts.DecodeError != nil {
		err = p.opts.DecodeError(uri)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (p *Player) closeReader() {
	if p.reader != nil {
		p.reader.Close()
		p.reader = nil
	}
}

// start makes src, opened as r, current at position start; p.mu is
// held.
func (p *Player) start(src audio.Source, r io.ReadCloser, start time.Duration) {
	p.closeReader()
	p.reader = r
	s := src
	p.cur, p.pos, p.length = &s, start, p.trackLength(src.URI)
	p.aboutSent, p.answered = false, false
	p.state = "playing"
	p.played = append(p.played, src.URI)
	ev := audio.Event{Type: audio.EventStarted, URI: src.URI, Position: start}
	if p.opts.SourceFormat != nil {
		ev.Format, ev.Encoding = p.opts.SourceFormat(src.URI)
	}
	p.emit(ev)
}

// Play stops what is playing and starts src. A source that fails to open
// is reported with EventError, as the real player does, and leaves the
// player stopped.
func (p *Player) Play(ctx context.Context, src audio.Source, start time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("audiotest: player closed")
	}
	p.calls = append(p.calls, Call{Method: "Play", URI: src.URI, Position: start})
	p.gen++
	p.clearNext()
	p.closeReader()
	p.cur, p.state = nil, "stopped"
	if r, err := p.open(src); err != nil {
		p.emit(audio.Event{Type: audio.EventError, URI: src.URI, Err: err})
	} else {
		p.start(src, r, start)
	}
	p.cond.Broadcast()
	return nil
}

// clearNext drops the queued source; p.mu is held.
func (p *Player) clearNext() {
	if p.nextReader != nil {
		p.nextReader.Close()
		p.nextReader = nil
	}
	p.next = nil
}

// SetNext queues src for a gapless change, or clears the queue. As the
// real player does, it opens src at once. When that fails, it emits
// EventError for src and EventAboutToFinish again for the current
// source, to request another one.
func (p *Player) SetNext(src *audio.Source) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.cond.Broadcast()
	c := Call{Method: "SetNext"}
	p.clearNext()
	p.answered = true
	if src != nil {
		c.URI = src.URI
	}
	p.calls = append(p.calls, c)
	if src == nil {
		return
	}
	r, err := p.open(*src)
	if err != nil {
		p.emit(audio.Event{Type: audio.EventError, URI: src.URI, Err: err})
		p.answered = false
		if p.cur != nil && p.aboutSent {
			p.emit(audio.Event{Type: audio.EventAboutToFinish, URI: p.cur.URI, Position: p.pos})
		}
		return
	}
	s := *src
	p.next, p.nextReader = &s, r
}

// Pause pauses playback.
func (p *Player) Pause() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, Call{Method: "Pause"})
	if p.state == "playing" {
		p.state = "paused"
	}
	return nil
}

// Resume continues paused playback.
func (p *Player) Resume() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, Call{Method: "Resume"})
	if p.state == "paused" {
		p.state = "playing"
	}
	return nil
}

// Stop stops playback and clears the queued source. It emits no event.
func (p *Player) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, Call{Method: "Stop"})
	p.gen++
	p.state, p.cur, p.pos = "stopped", nil, 0
	p.clearNext()
	p.closeReader()
	p.cond.Broadcast()
	return nil
}

// Seek moves within the current source. It fails for a live source and
// when stopped.
func (p *Player) Seek(pos time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, Call{Method: "Seek", Position: pos})
	if p.cur == nil {
		return errors.New("audiotest: seek while stopped")
	}
	if p.cur.Live {
		return audio.ErrNotSeekable
	}
	p.pos = max(0, min(pos, p.length))
	if p.pos < p.length-p.opts.AboutToFinish {
		p.aboutSent = false
	}
	return nil
}

// Position returns the position in the current source.
func (p *Player) Position() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pos
}

// SetVolume records the volume and mute state.
func (p *Player) SetVolume(volume int, mute bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, Call{Method: "SetVolume", Volume: volume, Mute: mute})
	p.volume, p.mute = volume, mute
}

// Events returns the event channel, closed by Close.
func (p *Player) Events() <-chan audio.Event { return p.out }

// Close stops the player's goroutines and closes the event channel.
func (p *Player) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.closeReader()
	p.clearNext()
	close(p.done)
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}
