package mpd

import (
	"context"
	"math"
	"time"

	"github.com/tonearm/tonearm/internal/models"
)

func cmdStatus(ctx context.Context, c *conn, _ []string) error {
	st, err := c.core.Status(ctx)
	if err != nil {
		return err
	}
	if st.Volume >= 0 {
		c.w.PairInt("volume", int64(st.Volume))
	}
	c.w.Pair("repeat", boolString(st.Options.Repeat))
	c.w.Pair("random", boolString(st.Options.Random))
	c.w.Pair("single", c.s.singleString(st.Options.Single))
	c.w.Pair("consume", boolString(st.Options.Consume))
	c.w.Pair("partition", "default")
	c.w.PairInt("playlist", int64(c.s.plVersion(st.TracklistVersion)))
	c.w.PairInt("playlistlength", int64(st.TracklistLength))
	c.w.Pair("mixrampdb", "0")
	c.w.Pair("state", mpdState(st.State))

	if st.Current.TLID != 0 {
		if st.CurrentPos >= 0 {
			c.w.PairInt("song", int64(st.CurrentPos))
			c.w.PairInt("songid", int64(st.Current.TLID))
		}
		if st.State != "stopped" {
			c.writePlayingStatus(&st)
		}
	}
	if id := c.s.updates.running(); id > 0 {
		c.w.PairInt("updating_db", int64(id))
	}
	// MPD 0.23 shows one error line. A playback error is the newer kind
	// of report, so it goes before an update error.
	if st.Error != "" {
		c.w.Pair("error", st.Error)
	} else if msg := c.s.updates.lastError(); msg != "" {
		c.w.Pair("error", msg)
	}
	writeNextSong(c, &st)
	return nil
}

// writeNextSong writes the song that plays when the current one ends, as
// MPD 0.23.12 does: none without a current song, and the current song
// again in single mode with repeat on.
func writeNextSong(c *conn, st *Status) {
	if st.Current.TLID == 0 || st.CurrentPos < 0 {
		return
	}
	pos, id := st.NextPos, st.NextTLID
	if st.Options.Single && st.Options.Repeat {
		pos, id = st.CurrentPos, st.Current.TLID
	}
	if id > 0 && pos >= 0 {
		c.w.PairInt("nextsong", int64(pos))
		c.w.PairInt("nextsongid", int64(id))
	}
}

func (c *conn) writePlayingStatus(st *Status) {
	ms := st.Elapsed
	length, bitrate, format := 0, 0, ""
	if t := st.Current.Track; t != nil {
		length, bitrate, format = t.Length, t.Bitrate, t.AudioFormat
	}
	c.w.Pair("time", itoa(int(math.Round(float64(ms)/1000)))+":"+itoa(int(math.Round(float64(length)/1000))))
	c.w.PairFloat("elapsed", float64(ms)/1000, 3)
	c.w.PairInt("bitrate", int64(bitrate/1000))
	if length > 0 {
		c.w.PairFloat("duration", float64(length)/1000, 3)
	}
	// MPD 0.23 shows the format its decoder delivers, which for a library
	// file is the song's Format. A stream's comes from the player.
	if format == "" {
		format = st.AudioFormat
	}
	if format != "" {
		c.w.Pair("audio", format)
	}
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
	if err := c.loadPriorities(ctx); err != nil {
		return err
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

// cmdClearError clears the last playback error and the error of the last
// failed update, the errors that status shows.
func cmdClearError(ctx context.Context, c *conn, _ []string) error {
	if err := c.core.ClearError(ctx); err != nil {
		return err
	}
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
