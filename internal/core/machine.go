package core

import (
	"context"
	"fmt"
	"slices"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

// This file holds the playback state machine. Every function here runs
// with c.mu held.
//
// Event order, with Mopidy's names and payloads. Core publishes the
// events of a call before the call returns, where Mopidy 3.4 waits for
// GStreamer's messages:
//   - play from stopped: playback_state_changed(stopped, playing),
//     track_playback_started
//   - change of track while playing (play, next, previous, gapless):
//     track_playback_ended(old), playback_state_changed(playing, playing),
//     track_playback_started(new)
//   - a change of track while paused sends the same with paused as the
//     state, then track_playback_paused(new, 0), a Tonearm addition that
//     shows clients the new track is not sounding
//   - pause and resume: playback_state_changed, then
//     track_playback_paused or track_playback_resumed
//   - stop and end of queue: playback_state_changed(x, stopped),
//     track_playback_ended

// positionMS returns the player's position in the current track.
func (c *Core) positionMS() int {
	if c.state == Stopped {
		return 0
	}
	return int(c.player.Position().Milliseconds())
}

// setState changes the state and publishes playback_state_changed, also
// when the state stays the same, as Mopidy 3.4's set_state does.
func (c *Core) setState(s State) {
	old := c.state
	c.state = s
	c.publish(events.PlaybackStateChanged{OldState: string(old), NewState: string(s)})
	c.changed()
}

// resolve turns a track's URI into a playable source.
func (c *Core) resolve(tl models.TlTrack) (audio.Source, error) {
	uri := ""
	if tl.Track != nil {
		uri = tl.Track.URI
	}
	b, ok := c.router.forURI(uri)
	if !ok || b.Playback == nil {
		return audio.Source{}, fmt.Errorf("no backend plays the scheme of %q", uri)
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.ResolveTimeout)
	defer cancel()
	src, err := b.Playback.Resolve(ctx, uri)
	if err != nil {
		return audio.Source{}, fmt.Errorf("backend %s: %w", b.Name, err)
	}
	if src.URI == "" {
		src.URI = uri
	}
	return src, nil
}

// changeTo makes tl the current track in state, as Mopidy 3.4's
// PlaybackController._change does. A nil tl ends playback. It returns
// false when tl cannot be played.
func (c *Core) changeTo(tl *models.TlTrack, state State, start int) bool {
	if tl == nil {
		c.endPlayback(true)
		return true
	}
	if state == Stopped {
		c.current, c.pending, c.nearEnd, c.streamTitle = tl, nil, false, nil
		c.changed()
		return true
	}
	src, err := c.resolve(*tl)
	if err == nil {
		endPos := c.positionMS()
		if err = c.player.Play(c.ctx, src, msDuration(start)); err == nil {
			if state == Paused {
				if perr := c.player.Pause(); perr != nil {
					c.log.Warn("player pause failed", "tlid", tl.TLID, "err", perr)
				}
			}
			c.switchCurrent(*tl, endPos, state, start)
			return true
		}
	}
	c.log.Warn("track not playable, skipped", "tlid", tl.TLID, "uri", trackURI(tl), "err", err)
	c.recordError(trackURI(tl), err)
	return false
}

// switchCurrent ends the current track and announces tl as playing (or
// paused) from position start.
func (c *Core) switchCurrent(tl models.TlTrack, endPos int, state State, start int) {
	old := c.current
	if old != nil && c.state != Stopped {
		c.publish(events.TrackPlaybackEnded{TlTrack: *old, TimePosition: endPos})
	}
	c.current, c.pending, c.nearEnd, c.streamTitle = &tl, nil, false, nil
	c.pendingNear = 0
	c.badNext = c.badNext[:0]
	c.tl.markPlaying(tl.TLID)
	c.setState(state)
	c.publish(events.TrackPlaybackStarted{TlTrack: tl})
	if c.tl.clearPriority(tl.TLID) {
		c.tracklistChanged()
	}
	if state == Paused {
		c.publish(events.TrackPlaybackPaused{TlTrack: tl, TimePosition: start})
	}
	c.addHistory(tl.Track)
	if old != nil && old.TLID != tl.TLID {
		c.consumed(*old)
	}
}

// consumed removes a track that playback moved away from, in consume mode.
func (c *Core) consumed(tl models.TlTrack) {
	if !c.tl.consume {
		return
	}
	if len(c.tl.remove(Criteria{TLID: []int{tl.TLID}}, c.currentTLID())) > 0 {
		c.tracklistChanged()
	}
}

// endPlayback stops playback with no track current, as the end of the
// tracklist does. With consume set, the ended track is removed in
// consume mode.
func (c *Core) endPlayback(consume bool) {
	old := c.current
	if c.state != Stopped {
		pos := c.positionMS()
		if err := c.player.Stop(); err != nil {
			c.log.Warn("player stop failed", "err", err)
		}
		c.setState(Stopped)
		if old != nil {
			c.publish(events.TrackPlaybackEnded{TlTrack: *old, TimePosition: pos})
		}
	}
	c.current, c.pending, c.nearEnd, c.streamTitle = nil, nil, false, nil
	c.changed()
	if old != nil && consume {
		c.consumed(*old)
	}
}

// markUnplayable drops tl from the random order and, in consume mode, from
// the tracklist, as Mopidy 3.4's tracklist._mark_unplayable does.
func (c *Core) markUnplayable(tl models.TlTrack) {
	c.tl.markPlaying(tl.TLID)
	if c.tl.consume && (c.current == nil || c.current.TLID != tl.TLID) {
		if len(c.tl.remove(Criteria{TLID: []int{tl.TLID}}, c.currentTLID())) > 0 {
			c.tracklistChanged()
		}
	}
}

// playFrom tries candidate, then the tracks step returns after it, until
// one plays, at most twice the tracklist's length times. A nil candidate
// ends playback.
func (c *Core) playFrom(candidate *models.TlTrack, state State,
	step func(int) (models.TlTrack, bool)) {
	attempts := max(2*len(c.tl.entries), 1)
	for {
		if c.changeTo(candidate, state, 0) {
			return
		}
		c.markUnplayable(*candidate)
		attempts--
		if attempts <= 0 {
			c.log.Warn("no playable track in the tracklist")
			c.endPlayback(false)
			return
		}
		next, ok := step(candidate.TLID)
		candidate = ptrIf(next, ok)
	}
}

// queueNext resolves the track that follows tlid at its end and queues it
// on the player for a gapless change, as Mopidy 3.4's
// _on_about_to_finish does.
func (c *Core) queueNext(tlid int) {
	c.pendingNear = 0
	attempts := max(len(c.tl.entries), 1)
	cand, ok := c.tl.eot(tlid)
	for ok {
		if slices.Contains(c.badNext, cand.TLID) {
			// the player failed to open it for this track change already
			attempts--
			if attempts <= 0 {
				break
			}
			cand, ok = c.tl.eot(cand.TLID)
			continue
		}
		src, err := c.resolve(cand)
		if err == nil {
			c.pending = &cand
			c.player.SetNext(&src)
			return
		}
		c.log.Warn("next track not playable, skipped", "tlid", cand.TLID, "uri", trackURI(&cand), "err", err)
		c.recordError(trackURI(&cand), err)
		c.markUnplayable(cand)
		attempts--
		if attempts <= 0 {
			break
		}
		cand, ok = c.tl.eot(cand.TLID)
	}
	c.pending = nil
	c.player.SetNext(nil)
}

// handlePlayerEvent applies one player event.
func (c *Core) handlePlayerEvent(ev audio.Event) {
	switch ev.Type {
	case audio.EventStarted:
		if c.pending != nil && ev.URI == trackURI(c.pending) {
			next := *c.pending
			endPos := 0
			if c.current != nil && c.current.Track != nil {
				endPos = c.current.Track.Length
			}
			near := c.pendingNear == next.TLID
			c.failures = 0
			c.switchCurrent(next, endPos, Playing, 0)
			c.audioTLID, c.audioFormat = next.TLID, ev.Encoding.MPDFormat(ev.Format)
			if near {
				c.nearEnd = true
				c.queueNext(next.TLID)
			}
		} else if c.current != nil && ev.URI == trackURI(c.current) {
			c.failures = 0
			c.audioTLID, c.audioFormat = c.current.TLID, ev.Encoding.MPDFormat(ev.Format)
		}
	case audio.EventAboutToFinish:
		switch {
		case c.state == Stopped:
		case c.current != nil && ev.URI == trackURI(c.current):
			c.nearEnd = true
			c.queueNext(c.current.TLID)
		case c.pending != nil && ev.URI == trackURI(c.pending):
			// The next track is so short that it nears its end before
			// its start is heard. Its follower is queued at that start.
			c.pendingNear = c.pending.TLID
		}
	case audio.EventEndOfStream:
		// An end of stream queued before a Play of another track is stale.
		if c.state != Stopped && (ev.URI == "" || ev.URI == trackURI(c.current)) {
			c.endPlayback(true)
		}
	case audio.EventError:
		c.handlePlayerError(ev)
	case audio.EventStreamTitle:
		if c.current != nil && c.current.Track != nil && ev.Title != c.current.Track.Name {
			title := ev.Title
			c.streamTitle = &title
			c.publish(events.StreamTitleChanged{Title: title})
		}
	}
}

// handlePlayerError skips a source the player could not open or decode.
func (c *Core) handlePlayerError(ev audio.Event) {
	c.log.Warn("player error, track skipped", "uri", ev.URI, "err", ev.Err)
	switch {
	case c.pending != nil && ev.URI == trackURI(c.pending):
		c.recordError(ev.URI, ev.Err)
		bad := *c.pending
		c.pending = nil
		c.badNext = append(c.badNext, bad.TLID)
		c.markUnplayable(bad)
		c.queueNext(bad.TLID)
	case c.current != nil && ev.URI == trackURI(c.current) && c.state != Stopped:
		c.recordError(ev.URI, ev.Err)
		c.failures++
		if c.failures > max(2*len(c.tl.entries), 1) {
			c.log.Warn("no playable track in the tracklist")
			c.failures = 0
			c.endPlayback(false)
			return
		}
		bad := *c.current
		c.markUnplayable(bad)
		next, ok := c.tl.next(bad.TLID)
		c.playFrom(ptrIf(next, ok), Playing, c.tl.next)
	}
}

func (c *Core) readPlayerEvents() {
	defer c.wg.Done()
	ch := c.player.Events()
	for {
		select {
		case <-c.ctx.Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			c.mu.Lock()
			if !c.closed {
				c.handlePlayerEvent(ev)
			}
			c.mu.Unlock()
		}
	}
}

func (c *Core) currentTLID() int {
	if c.current == nil {
		return 0
	}
	return c.current.TLID
}

func trackURI(tl *models.TlTrack) string {
	if tl == nil || tl.Track == nil {
		return ""
	}
	return tl.Track.URI
}

func ptrIf(tl models.TlTrack, ok bool) *models.TlTrack {
	if !ok {
		return nil
	}
	return &tl
}
