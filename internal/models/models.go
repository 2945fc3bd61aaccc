// Package models holds the immutable values that move between core,
// backends and frontends: tracks, albums, artists, refs and playlists.
// Their JSON form matches Mopidy 3.4: each object carries a "__model__" key
// naming its type, and null fields and empty lists are left out.
package models

// Ref types, as Mopidy names them.
const (
	RefAlbum     = "album"
	RefArtist    = "artist"
	RefDirectory = "directory"
	RefPlaylist  = "playlist"
	RefTrack     = "track"
)

// Ref is a named pointer to a browsable item.
type Ref struct {
	URI  string `json:"uri,omitempty"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// Image is a picture of an album, artist or track.
type Image struct {
	URI    string `json:"uri,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// Artist is a performer, composer or album artist.
type Artist struct {
	URI           string `json:"uri,omitempty"`
	Name          string `json:"name,omitempty"`
	SortName      string `json:"sortname,omitempty"`
	MusicBrainzID string `json:"musicbrainz_id,omitempty"`
}

// Album is a release that tracks belong to.
type Album struct {
	URI           string   `json:"uri,omitempty"`
	Name          string   `json:"name,omitempty"`
	Artists       []Artist `json:"artists,omitempty"`
	NumTracks     int      `json:"num_tracks,omitempty"`
	NumDiscs      int      `json:"num_discs,omitempty"`
	Date          string   `json:"date,omitempty"`
	MusicBrainzID string   `json:"musicbrainz_id,omitempty"`
}

// Track is one playable item. Length is in milliseconds and Bitrate in
// bit/s, as Mopidy 3.4's file backend reports it.
type Track struct {
	URI           string   `json:"uri,omitempty"`
	Name          string   `json:"name,omitempty"`
	Artists       []Artist `json:"artists,omitempty"`
	Album         *Album   `json:"album,omitempty"`
	Composers     []Artist `json:"composers,omitempty"`
	Performers    []Artist `json:"performers,omitempty"`
	Genre         string   `json:"genre,omitempty"`
	TrackNo       int      `json:"track_no,omitempty"`
	DiscNo        int      `json:"disc_no,omitempty"`
	Date          string   `json:"date,omitempty"`
	Length        int      `json:"length,omitempty"`
	Bitrate       int      `json:"bitrate,omitempty"`
	Comment       string   `json:"comment,omitempty"`
	MusicBrainzID string   `json:"musicbrainz_id,omitempty"`
	LastModified  int64    `json:"last_modified,omitempty"`
	// AudioFormat is a library file's sample format as MPD 0.23 shows it
	// in a song's Format line ("44100:16:2"), or empty when unknown.
	// Mopidy 3.4's Track has no such field, so JSON never carries it.
	AudioFormat string `json:"-"`
}

// TlTrack is a track in the tracklist. A tlid is never reused while the
// server runs.
type TlTrack struct {
	TLID  int    `json:"tlid,omitempty"`
	Track *Track `json:"track,omitempty"`
}

// Playlist is a stored, ordered list of tracks. LastModified is in
// milliseconds since the Unix epoch.
type Playlist struct {
	URI          string  `json:"uri,omitempty"`
	Name         string  `json:"name,omitempty"`
	Tracks       []Track `json:"tracks,omitempty"`
	LastModified int64   `json:"last_modified,omitempty"`
}

// SearchResult is one backend's answer to a search.
type SearchResult struct {
	URI     string   `json:"uri,omitempty"`
	Tracks  []Track  `json:"tracks,omitempty"`
	Artists []Artist `json:"artists,omitempty"`
	Albums  []Album  `json:"albums,omitempty"`
}

// Query maps a search field to the values searched for in it. Values of one
// field are combined with AND, as Mopidy's local backend does.
type Query map[string][]string

// QueryFields returns the search and get_distinct fields of Mopidy 3.4 in
// its order. The last one, "any", is valid for search only.
func QueryFields() []string {
	return []string{
		"uri", "track_name", "album", "artist", "albumartist", "composer",
		"performer", "track_no", "genre", "date", "comment", "disc_no",
		"musicbrainz_albumid", "musicbrainz_artistid", "musicbrainz_trackid",
		"any",
	}
}

// IsQueryField reports whether name is a search field.
func IsQueryField(name string) bool {
	for _, f := range QueryFields() {
		if f == name {
			return true
		}
	}
	return false
}
