package audiotest

import (
	"errors"
	"slices"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// Advance moves the position by d while playing, emitting
// EventAboutToFinish, EventEnded, EventStarted of the queued source and
// EventEndOfStream as the position passes each point. At a track's end it
// waits up to Options.NextTimeout for the SetNext call that replies
// to EventAboutToFinish.
func (p *Player) Advance(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.closed && p.state == "playing" && p.cur != nil {
		if p.cur.Live {
			p.pos += d
			return
		}
		aboutAt := max(0, p.length-p.opts.AboutToFinish)
		if !p.aboutSent {
			if p.pos+d < aboutAt {
				p.pos += d
				return
			}
			d -= max(0, aboutAt-p.pos)
			p.pos = max(p.pos, aboutAt)
			p.aboutSent, p.answered = true, false
			p.emit(audio.Event{Type: audio.EventAboutToFinish, URI: p.cur.URI, Position: p.pos})
			continue
		}
		if p.pos+d < p.length {
			p.pos += d
			return
		}
		d -= p.length - p.pos
		p.pos = p.length
		if !p.waitForNext() {
			return
		}
		p.finishTrack()
	}
}

// waitForNext waits until SetNext replied to the last AboutToFinish or
// the timeout passed. It returns false when Play, Stop or Close intervened.
func (p *Player) waitForNext() bool {
	gen := p.gen
	if !p.answered {
		deadline := time.Now().Add(p.opts.NextTimeout)
		timer := time.AfterFunc(p.opts.NextTimeout, func() {
			p.mu.Lock()
			p.cond.Broadcast()
			p.mu.Unlock()
		})
		defer timer.Stop()
		for !p.answered && !p.closed && p.gen == gen && time.Now().Before(deadline) {
			p.cond.Wait()
		}
	}
	return !p.closed && p.gen == gen && p.state == "playing"
}

// finishTrack ends the current source and starts the queued one, which
// SetNext already opened; p.mu is held.
func (p *Player) finishTrack() {
	ended := p.cur.URI
	p.emit(audio.Event{Type: audio.EventEnded, URI: ended, Position: p.length})
	p.closeReader()
	if p.next != nil {
		src, r := *p.next, p.nextReader
		p.next, p.nextReader = nil, nil
		p.start(src, r, 0)
		return
	}
	p.state, p.cur, p.pos = "stopped", nil, 0
	p.emit(audio.Event{Type: audio.EventEndOfStream, URI: ended})
}

// Finish advances to the end of the current track, through a gapless
// change to the queued track if there is one.
func (p *Player) Finish() {
	p.mu.Lock()
	if p.cur == nil || p.cur.Live {
		p.mu.Unlock()
		return
	}
	rest := p.length - p.pos
	p.mu.Unlock()
	p.Advance(rest)
}

// Fail reports err for the current source with EventError and stops, as
// the real player does on a decoding error.
func (p *Player) Fail(err error) {
	if err == nil {
		err = errors.New("audiotest: forced error")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return
	}
	p.emit(audio.Event{Type: audio.EventError, URI: p.cur.URI, Err: err})
	p.gen++
	p.state, p.cur, p.pos = "stopped", nil, 0
	p.clearNext()
	p.closeReader()
	p.cond.Broadcast()
}

// AnnounceTitle emits EventStreamTitle for the current source, as a live
// stream's metadata does.
func (p *Player) AnnounceTitle(title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != nil {
		p.emit(audio.Event{Type: audio.EventStreamTitle, URI: p.cur.URI, Title: title})
	}
}

// Calls returns every recorded call in order.
func (p *Player) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// Played returns the URIs of every source that started, in order.
func (p *Player) Played() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.played)
}

// State returns "playing", "paused" or "stopped".
func (p *Player) State() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// Current returns the URI of the current source, or "".
func (p *Player) Current() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return ""
	}
	return p.cur.URI
}

// Queued returns the URI of the source queued with SetNext, or "".
func (p *Player) Queued() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == nil {
		return ""
	}
	return p.next.URI
}

// Volume returns the last volume and mute state set.
func (p *Player) Volume() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.volume, p.mute
}
