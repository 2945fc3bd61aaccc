package mpd

import (
	"math"
	"strconv"
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
func songTags(t *models.Track) []tagValue { return appendSongTags(nil, t) }

// appendSongTags is songTags that appends to tags.
func appendSongTags(tags []tagValue, t *models.Track) []tagValue {
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
func (c *conn) writeSong(t *models.Track) { c.writeSongAt(t, uriToPath(t.URI)) }

// writeSongAt is writeSong for a track whose path is known.
func (c *conn) writeSongAt(t *models.Track, path string) {
	c.w.Pair("file", path)
	if t.LastModified > 0 {
		c.w.PairTime("Last-Modified", time.UnixMilli(t.LastModified))
	}
	if t.AudioFormat != "" {
		c.w.Pair("Format", t.AudioFormat)
	}
	c.writeTags(t)
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
	if p := c.prios[tl.TLID]; p > 0 {
		c.w.PairInt("Prio", int64(p))
	}
}

// filterSong returns what a filter expression looks at for a track.
func filterSong(t *models.Track) *protocol.Song { return filterSongAt(t, uriToPath(t.URI)) }

// filterSongAt is filterSong for a track whose path is known.
func filterSongAt(t *models.Track, path string) *protocol.Song {
	s := &protocol.Song{URI: path, AudioFormat: t.AudioFormat, Tags: make(map[string][]string, 8)}
	for _, tv := range songTags(t) {
		s.Tags[tv.name] = append(s.Tags[tv.name], tv.value)
	}
	if t.LastModified > 0 {
		s.Modified = time.UnixMilli(t.LastModified).UTC()
		s.Added = s.Modified
	}
	return s
}

// trackTagValues returns the values of one tag of t with the fallbacks of
// protocol.TagValues, without building the whole tag map.
func trackTagValues(t *models.Track, tag string) []string {
	names := func(as []models.Artist, sort bool) []string {
		out := make([]string, 0, len(as))
		for _, a := range as {
			v := a.Name
			if sort && a.SortName != "" {
				v = a.SortName
			}
			if v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	var albumArtists []models.Artist
	album := ""
	if t.Album != nil {
		albumArtists, album = t.Album.Artists, t.Album.Name
	}
	switch tag {
	case "Artist":
		return names(t.Artists, false)
	case "ArtistSort":
		return names(t.Artists, true)
	case "AlbumArtist", "AlbumArtistSort":
		if len(albumArtists) == 0 {
			return names(t.Artists, tag == "AlbumArtistSort")
		}
		return names(albumArtists, tag == "AlbumArtistSort")
	case "Album", "AlbumSort":
		return one(album)
	case "Title":
		return one(t.Name)
	case "Genre":
		return one(t.Genre)
	case "Date":
		return one(t.Date)
	case "Composer", "ComposerSort":
		return names(t.Composers, false)
	case "Performer":
		return names(t.Performers, false)
	}
	return protocol.TagValues(filterSong(t), tag)
}

// writeTags writes the tags of t that the client enabled, without building
// the tag list that songTags returns.
func (c *conn) writeTags(t *models.Track) {
	pair := func(name, value string) {
		if value != "" && c.tags.enabled(name) {
			c.w.Pair(name, value)
		}
	}
	for _, a := range t.Artists {
		pair("Artist", a.Name)
	}
	for _, a := range t.Artists {
		pair("ArtistSort", a.SortName)
	}
	if t.Album != nil {
		for _, a := range t.Album.Artists {
			pair("AlbumArtist", a.Name)
		}
		for _, a := range t.Album.Artists {
			pair("AlbumArtistSort", a.SortName)
		}
	}
	pair("Title", t.Name)
	if t.Album != nil {
		pair("Album", t.Album.Name)
	}
	if t.TrackNo > 0 && c.tags.enabled("Track") {
		c.w.PairInt("Track", int64(t.TrackNo))
	}
	pair("Date", t.Date)
	pair("Genre", t.Genre)
	for _, a := range t.Composers {
		pair("Composer", a.Name)
	}
	for _, a := range t.Performers {
		pair("Performer", a.Name)
	}
	if t.DiscNo > 0 && c.tags.enabled("Disc") {
		c.w.PairInt("Disc", int64(t.DiscNo))
	}
	for _, a := range t.Artists {
		pair("MUSICBRAINZ_ARTISTID", a.MusicBrainzID)
	}
	if t.Album != nil {
		pair("MUSICBRAINZ_ALBUMID", t.Album.MusicBrainzID)
		for _, a := range t.Album.Artists {
			pair("MUSICBRAINZ_ALBUMARTISTID", a.MusicBrainzID)
		}
	}
	pair("MUSICBRAINZ_TRACKID", t.MusicBrainzID)
}

// tagMask is the set of tags a client turned off with tagtypes, keyed by
// canonical tag name.
type tagMask struct {
	off map[string]bool
}

func allTags() tagMask { return tagMask{} }

func (m tagMask) enabled(tag string) bool {
	return m.off == nil || !m.off[tag]
}
