package core

import (
	"context"
	"time"

	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

type playbackController struct{ c *Core }

func (p playbackController) GetState(ctx context.Context) (State, error) {
	c := p.c
	if err := c.lock(); err != nil {
		return "", err
	}
	defer c.mu.Unlock()
	return c.state, nil
}

// SetState only changes the state flag and publishes
// playback_state_changed, as Mopidy 3.4's set_state does.
func (p playbackController) SetState(ctx context.Context, newState State) error {
	if _, err := ParseState(string(newState)); err != nil {
		return err
	}
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	c.setState(newState)
	return nil
}

// Play follows Mopidy 3.4: an unknown tlid is treated as no argument.
func (p playbackController) Play(ctx context.Context, tlTrack *models.TlTrack, tlid *int) error {
	if tlTrack != nil && tlid != nil {
		return invalidf("playback.play: give tl_track or tlid, not both")
	}
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	var target *models.TlTrack
	switch {
	case tlTrack != nil:
		tl, ok := c.tl.get(tlTrack.TLID)
		if !ok {
			return invalidf("playback.play: tl_track with tlid %d is not in the tracklist", tlTrack.TLID)
		}
		target = &tl
	case tlid != nil:
		if tl, ok := c.tl.get(*tlid); ok {
			target = &tl
		}
	}
	c.play(target)
	return nil
}

// play starts target, else resumes when paused, else plays the current or
// first track. It clears the last playback error first, even when it only
// resumes or finds nothing to play, as MPD 0.23's playlist::PlayPosition
// (src/queue/PlaylistControl.cxx) does. Next and previous clear it too.
func (c *Core) play(target *models.TlTrack) {
	c.lastError = nil
	if target == nil && c.state == Paused {
		c.resume()
		return
	}
	if target == nil {
		target = c.current
	}
	if target == nil {
		next, ok := c.tl.next(0)
		target = ptrIf(next, ok)
	}
	if target == nil {
		return
	}
	c.failures = 0
	c.playFrom(target, Playing, c.tl.next)
}

func (p playbackController) Pause(ctx context.Context) error {
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	// NOTE: Mopidy 3.4 sets the paused state even when stopped; Tonearm
	// pauses only while playing, as MPD 0.23 does.
	if c.state != Playing || c.current == nil {
		return nil
	}
	pos := c.positionMS()
	if err := c.player.Pause(); err != nil {
		c.log.Warn("player pause failed", "tlid", c.current.TLID, "err", err)
		return nil
	}
	c.setState(Paused)
	c.publish(events.TrackPlaybackPaused{TlTrack: *c.current, TimePosition: pos})
	return nil
}

func (p playbackController) Resume(ctx context.Context) error {
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	c.resume()
	return nil
}

func (c *Core) resume() {
	if c.state != Paused || c.current == nil {
		return
	}
	if err := c.player.Resume(); err != nil {
		c.log.Warn("player resume failed", "tlid", c.current.TLID, "err", err)
		return
	}
	c.setState(Playing)
	c.publish(events.TrackPlaybackResumed{TlTrack: *c.current, TimePosition: c.positionMS()})
}

func (p playbackController) Stop(ctx context.Context) error {
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	c.stop()
	return nil
}

// stop stops playback and keeps the current track, as Mopidy 3.4 does.
func (c *Core) stop() {
	if c.state == Stopped {
		return
	}
	pos := c.positionMS()
	if err := c.player.Stop(); err != nil {
		c.log.Warn("player stop failed", "err", err)
	}
	c.pending, c.nearEnd = nil, false
	c.setState(Stopped)
	if c.current != nil {
		c.publish(events.TrackPlaybackEnded{TlTrack: *c.current, TimePosition: pos})
	}
}

// Next keeps the play or pause state; past the last track it stops.
func (p playbackController) Next(ctx context.Context) error {
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	c.next()
	return nil
}

func (c *Core) next() {
	if c.current == nil {
		return
	}
	c.failures = 0
	c.lastError = nil
	cand, ok := c.tl.next(c.current.TLID)
	c.playFrom(ptrIf(cand, ok), c.state, c.tl.next)
}

// Previous keeps the play or pause state; before the first track it
// stops, as Mopidy 3.4 does.
func (p playbackController) Previous(ctx context.Context) error {
	c := p.c
	if err := c.lock(); err != nil {
		return err
	}
	defer c.mu.Unlock()
	if c.current == nil {
		return nil
	}
	c.failures = 0
	c.lastError = nil
	cand, ok := c.tl.previous(c.current.TLID)
	c.playFrom(ptrIf(cand, ok), c.state, c.tl.previous)
	return nil
}

// Seek follows Mopidy 3.4: a negative position is 0, a stopped player
// starts first, a position past the track's length plays the next track,
// and it returns false when the tracklist is empty or the length unknown.
func (p playbackController) Seek(ctx context.Context, timePosition int) (bool, error) {
	c := p.c
	if err := c.lock(); err != nil {
		return false, err
	}
	defer c.mu.Unlock()
	timePosition = max(timePosition, 0)
	if len(c.tl.entries) == 0 {
		return false, nil
	}
	if c.state == Stopped {
		c.play(nil)
	}
	if c.current == nil || c.current.Track == nil || c.current.Track.Length <= 0 {
		return false, nil
	}
	if timePosition > c.current.Track.Length {
		c.next()
		return true, nil
	}
	if err := c.player.Seek(msDuration(timePosition)); err != nil {
		c.log.Warn("player seek failed", "tlid", c.current.TLID, "position_ms", timePosition, "err", err)
		return false, nil
	}
	c.nearEnd = false
	c.publish(events.Seeked{TimePosition: timePosition})
	c.changed()
	return true, nil
}

func (p playbackController) GetTimePosition(ctx context.Context) (int, error) {
	c := p.c
	if err := c.lock(); err != nil {
		return 0, err
	}
	defer c.mu.Unlock()
	return c.positionMS(), nil
}

func (p playbackController) GetCurrentTlTrack(ctx context.Context) (*models.TlTrack, error) {
	c := p.c
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	if c.current == nil {
		return nil, nil
	}
	tl := *c.current
	return &tl, nil
}

func (p playbackController) GetCurrentTrack(ctx context.Context) (*models.Track, error) {
	tl, err := p.GetCurrentTlTrack(ctx)
	if tl == nil || err != nil {
		return nil, err
	}
	return tl.Track, nil
}

func (p playbackController) GetCurrentTlid(ctx context.Context) (*int, error) {
	tl, err := p.GetCurrentTlTrack(ctx)
	if tl == nil || err != nil {
		return nil, err
	}
	return &tl.TLID, nil
}

func (p playbackController) GetStreamTitle(ctx context.Context) (*string, error) {
	c := p.c
	if err := c.lock(); err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	if c.streamTitle == nil {
		return nil, nil
	}
	title := *c.streamTitle
	return &title, nil
}

func msDuration(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
