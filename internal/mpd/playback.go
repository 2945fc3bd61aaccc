package mpd

import (
	"context"
	"math"

	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

func cmdPlay(ctx context.Context, c *conn, args []string) error {
	if len(args) == 0 {
		return c.core.Play(ctx, 0)
	}
	pos, err := protocol.ParseInt(args[0])
	if err != nil {
		return err
	}
	if pos < 0 {
		// MPD 0.23 treats play -1 as play without an argument.
		return c.core.Play(ctx, 0)
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	if pos >= len(tracks) {
		return errBadSongIndex()
	}
	return c.core.Play(ctx, tracks[pos].TLID)
}

func cmdPlayID(ctx context.Context, c *conn, args []string) error {
	if len(args) == 0 {
		return c.core.Play(ctx, 0)
	}
	id, err := protocol.ParseInt(args[0])
	if err != nil {
		return err
	}
	if id < 0 {
		return c.core.Play(ctx, 0)
	}
	if _, err := c.queuePosition(ctx, id); err != nil {
		return err
	}
	return c.core.Play(ctx, id)
}

func cmdPause(ctx context.Context, c *conn, args []string) error {
	state, err := c.core.PlaybackState(ctx)
	if err != nil {
		return err
	}
	pause := state == "playing"
	if len(args) == 1 {
		if pause, err = protocol.ParseBool(args[0]); err != nil {
			return err
		}
	}
	switch {
	case pause && state == "playing":
		return c.core.Pause(ctx)
	case !pause && state == "paused":
		return c.core.Resume(ctx)
	}
	return nil
}

func cmdNext(ctx context.Context, c *conn, _ []string) error { return c.core.Next(ctx) }

func cmdPrevious(ctx context.Context, c *conn, _ []string) error { return c.core.Previous(ctx) }

func cmdStop(ctx context.Context, c *conn, _ []string) error { return c.core.Stop(ctx) }

func cmdSeek(ctx context.Context, c *conn, args []string) error {
	pos, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	tracks, err := c.core.TlTracks(ctx)
	if err != nil {
		return err
	}
	if pos >= len(tracks) {
		return errBadSongIndex()
	}
	return c.seekTo(ctx, tracks[pos].TLID, args[1])
}

func cmdSeekID(ctx context.Context, c *conn, args []string) error {
	id, err := protocol.ParseUint(args[0])
	if err != nil {
		return err
	}
	if _, err := c.queuePosition(ctx, id); err != nil {
		return err
	}
	return c.seekTo(ctx, id, args[1])
}

// seekTo plays tlid if it is not the current track, then seeks in it.
func (c *conn) seekTo(ctx context.Context, tlid int, timeArg string) error {
	seconds, err := protocol.ParseSeekSeconds(timeArg)
	if err != nil {
		return err
	}
	current, err := c.core.CurrentTlTrack(ctx)
	if err != nil {
		return err
	}
	if current == nil || current.TLID != tlid {
		if err := c.core.Play(ctx, tlid); err != nil {
			return err
		}
	}
	return c.seekMillis(ctx, secondsToMillis(seconds))
}

// maxSeekMillis is the largest seek target, the largest song time that MPD
// 0.23 stores (32-bit milliseconds). Larger targets are cut to it, because
// MPD 0.23.12 responds OK to "seek 0 1e308", and Go's result for converting
// such a float to int is implementation-dependent.
const maxSeekMillis = math.MaxInt32

// secondsToMillis converts a seek time or offset in seconds to
// milliseconds, cut to the range from -maxSeekMillis to maxSeekMillis.
func secondsToMillis(seconds float64) int {
	ms := math.Round(seconds * 1000)
	switch {
	case ms >= maxSeekMillis:
		return maxSeekMillis
	case ms <= -maxSeekMillis:
		return -maxSeekMillis
	}
	return int(ms)
}

func cmdSeekCur(ctx context.Context, c *conn, args []string) error {
	seconds, relative, err := protocol.ParseSeekTime(args[0])
	if err != nil {
		return err
	}
	state, err := c.core.PlaybackState(ctx)
	if err != nil {
		return err
	}
	if state == "stopped" {
		return protocol.Errorf(protocol.AckPlayerSync, "Not playing")
	}
	ms := secondsToMillis(seconds)
	if relative {
		pos, err := c.core.TimePosition(ctx)
		if err != nil {
			return err
		}
		ms = max(pos+ms, 0)
	}
	return c.seekMillis(ctx, ms)
}

func (c *conn) seekMillis(ctx context.Context, ms int) error {
	ok, err := c.core.Seek(ctx, ms)
	if err != nil {
		return err
	}
	if !ok {
		return protocol.Errorf(protocol.AckPlayerSync, "Seek failed: the current song cannot seek")
	}
	return nil
}
