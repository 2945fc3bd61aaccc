package mpd

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

type tagValue struct {
	name, value string
}

// songTags returns the MPD tags of a track in the order the frontend writes
// them, one entry per value of a multi-valued tag. Track and disc numbers
// are plain integers.
func songTags(t *models.Track) []tagValue {
	var tags []tagValue
	add := func(name, value string) {
		if value != "" {
			tags = append(tags, tagValue{name, value})
		}
	}
	for _, a := range t.Artists {
		add("Artist", a.Name)
	}
	for _, a := range t.Artists {
		add("ArtistSort", a.SortName)
	}
	if t.Album != nil {
		for _, a := range t.Album.Artists {
			add("AlbumArtist", a.Name)
		}
		for _, a := range t.Album.Artists {
			add("AlbumArtistSort", a.SortName)
		}
	}
	add("Title", t.Name)
	if t.Album != nil {
		add("Album", t.Album.Name)
	}
	if t.TrackNo > 0 {
		add("Track", strconv.Itoa(t.TrackNo))
	}
	add("Date", t.Date)
	add("Genre", t.Genre)
	for _, a := range t.Composers {
		add("Composer", a.Name)
	}
	for _, a := range t.Performers {
		add("Performer", a.Name)
	}
	if t.DiscNo > 0 {
		add("Disc", strconv.Itoa(t.DiscNo))
	}
	for _, a := range t.Artists {
		add("MUSICBRAINZ_ARTISTID", a.MusicBrainzID)
	}
	if t.Album != nil {
		add("MUSICBRAINZ_ALBUMID", t.Album.MusicBrainzID)
		for _, a := range t.Album.Artists {
			add("MUSICBRAINZ_ALBUMARTISTID", a.MusicBrainzID)
		}
	}
	add("MUSICBRAINZ_TRACKID", t.MusicBrainzID)
	return tags
}

// writeSong writes the lines of one song as MPD 0.23 does for lsinfo, find
// and playlistinfo, without Pos and Id.
func (c *conn) writeSong(t *models.Track) {
	c.w.Pair("file", uriToPath(t.URI))
	if t.LastModified > 0 {
		c.w.Pair("Last-Modified", time.UnixMilli(t.LastModified).UTC().Format(time.RFC3339))
	}
	for _, tv := range songTags(t) {
		if c.tags.enabled(tv.name) {
			c.w.Pair(tv.name, tv.value)
		}
	}
	if t.Length > 0 {
		c.w.PairInt("Time", int64(math.Round(float64(t.Length)/1000)))
		c.w.PairFloat("duration", float64(t.Length)/1000, 3)
	}
}

// writeQueueSong writes a tracklist entry: the song, extra tags added with
// addtagid, its position, id and priority.
func (c *conn) writeQueueSong(tl models.TlTrack, pos int) {
	if tl.Track != nil {
		c.writeSong(tl.Track)
	} else {
		c.w.Pair("file", "")
	}
	for _, tv := range c.s.queueTags.tags(tl.TLID) {
		if c.tags.enabled(tv.name) {
			c.w.Pair(tv.name, tv.value)
		}
	}
	c.w.PairInt("Pos", int64(pos))
	c.w.PairInt("Id", int64(tl.TLID))
	if p := c.s.queueTags.prio(tl.TLID); p > 0 {
		c.w.PairInt("Prio", int64(p))
	}
}

// filterSong returns what a filter expression looks at for a track.
func filterSong(t *models.Track) *protocol.Song {
	s := &protocol.Song{URI: uriToPath(t.URI), Tags: make(map[string][]string, 8)}
	for _, tv := range songTags(t) {
		s.Tags[tv.name] = append(s.Tags[tv.name], tv.value)
	}
	if t.LastModified > 0 {
		s.Modified = time.UnixMilli(t.LastModified).UTC()
		s.Added = s.Modified
	}
	return s
}

// tagMask is the set of tags a client asked for with tagtypes.
type tagMask struct {
	off map[string]bool
}

func allTags() tagMask { return tagMask{} }

func (m tagMask) enabled(tag string) bool {
	return !m.off[strings.ToLower(tag)]
}
