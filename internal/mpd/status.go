package mpd

import (
	"context"
	"math"
	"time"

	"github.com/tonearm/tonearm/internal/models"
)

func cmdStatus(ctx context.Context, c *conn, _ []string) error {
	core := c.core
	vol, err := core.Volume(ctx)
	if err != nil {
		return err
	}
	opts, err := core.Options(ctx)
	if err != nil {
		return err
	}
	version, err := core.TracklistVersion(ctx)
	if err != nil {
		return err
	}
	length, err := core.TracklistLength(ctx)
	if err != nil {
		return err
	}
	state, err := core.PlaybackState(ctx)
	if err != nil {
		return err
	}
	current, err := core.CurrentTlTrack(ctx)
	if err != nil {
		return err
	}

	if vol >= 0 {
		c.w.PairInt("volume", int64(vol))
	}
	c.w.Pair("repeat", boolString(opts.Repeat))
	c.w.Pair("random", boolString(opts.Random))
	c.w.Pair("single", c.s.singleString(opts.Single))
	c.w.Pair("consume", boolString(opts.Consume))
	c.w.Pair("partition", "default")
	c.w.PairInt("playlist", int64(c.s.plVersion(version)))
	c.w.PairInt("playlistlength", int64(length))
	c.w.Pair("mixrampdb", "0")
	c.w.Pair("state", mpdState(state))

	if current != nil {
		pos, err := core.Index(ctx, current.TLID)
		if err != nil {
			return err
		}
		if pos >= 0 {
			c.w.PairInt("song", int64(pos))
			c.w.PairInt("songid", int64(current.TLID))
		}
		if state != "stopped" {
			if err := c.writePlayingStatus(ctx, current); err != nil {
				return err
			}
		}
	}
	if id := c.s.updates.running(); id > 0 {
		c.w.PairInt("updating_db", int64(id))
	}
	if msg := c.s.updates.lastError(); msg != "" {
		c.w.Pair("error", msg)
	}

	next, err := core.NextTlid(ctx)
	if err != nil {
		return err
	}
	if next > 0 {
		pos, err := core.Index(ctx, next)
		if err != nil {
			return err
		}
		if pos >= 0 {
			c.w.PairInt("nextsong", int64(pos))
			c.w.PairInt("nextsongid", int64(next))
		}
	}
	return nil
}

func (c *conn) writePlayingStatus(ctx context.Context, current *models.TlTrack) error {
	ms, err := c.core.TimePosition(ctx)
	if err != nil {
		return err
	}
	length := 0
	bitrate := 0
	if current.Track != nil {
		length, bitrate = current.Track.Length, current.Track.Bitrate
	}
	c.w.Pair("time", itoa(int(math.Round(float64(ms)/1000)))+":"+itoa(int(math.Round(float64(length)/1000))))
	c.w.PairFloat("elapsed", float64(ms)/1000, 3)
	c.w.PairInt("bitrate", int64(bitrate/1000))
	if length > 0 {
		c.w.PairFloat("duration", float64(length)/1000, 3)
	}
	if f, ok := c.core.(AudioFormatReporter); ok {
		if format := f.AudioFormat(ctx); format != "" {
			c.w.Pair("audio", format)
		}
	}
	return nil
}

// AudioFormatReporter is implemented by a Core that reports the format of
// the sound it plays, as "samplerate:bits:channels". The status command
// shows it as the audio field.
type AudioFormatReporter interface {
	AudioFormat(ctx context.Context) string
}

func mpdState(state string) string {
	switch state {
	case "playing":
		return "play"
	case "paused":
		return "pause"
	}
	return "stop"
}

func cmdCurrentSong(ctx context.Context, c *conn, _ []string) error {
	current, err := c.core.CurrentTlTrack(ctx)
	if err != nil || current == nil {
		return err
	}
	pos, err := c.core.Index(ctx, current.TLID)
	if err != nil {
		return err
	}
	if pos < 0 {
		return nil
	}
	c.writeQueueSong(*current, pos)
	return nil
}

func cmdStats(ctx context.Context, c *conn, _ []string) error {
	all, err := c.core.Search(ctx, models.Query{}, false)
	if err != nil {
		return err
	}
	artists := map[string]bool{}
	albums := map[string]bool{}
	var playtime int64
	var newest int64
	for i := range all {
		t := &all[i]
		for _, a := range t.Artists {
			artists[a.Name] = true
		}
		if t.Album != nil && t.Album.Name != "" {
			albums[t.Album.Name] = true
		}
		playtime += int64(t.Length)
		newest = max(newest, t.LastModified)
	}
	c.w.PairInt("uptime", int64(time.Since(c.s.started).Seconds()))
	c.w.PairInt("playtime", int64(c.s.playtime().Seconds()))
	c.w.PairInt("artists", int64(len(artists)))
	c.w.PairInt("albums", int64(len(albums)))
	c.w.PairInt("songs", int64(len(all)))
	c.w.PairInt("db_playtime", playtime/1000)
	if updated := c.s.updates.lastUpdate(); !updated.IsZero() {
		c.w.PairInt("db_update", updated.Unix())
	} else if newest > 0 {
		c.w.PairInt("db_update", newest/1000)
	}
	return nil
}

// cmdClearError clears the error of the last failed update, the only
// error the frontend reports in status.
func cmdClearError(_ context.Context, c *conn, _ []string) error {
	c.s.updates.clearError()
	return nil
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func positionOf(tracks []models.TlTrack, tlid int) int {
	for i, t := range tracks {
		if t.TLID == tlid {
			return i
		}
	}
	return -1
}
