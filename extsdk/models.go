package extsdk

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

// Artist is a performer, composer or album artist.
type Artist struct {
	URI  string `json:"uri,omitempty"`
	Name string `json:"name,omitempty"`
}

// Album is a release that tracks belong to.
type Album struct {
	URI     string   `json:"uri,omitempty"`
	Name    string   `json:"name,omitempty"`
	Artists []Artist `json:"artists,omitempty"`
	Date    string   `json:"date,omitempty"`
}

// Track is one playable item. Length is in milliseconds.
type Track struct {
	URI     string   `json:"uri,omitempty"`
	Name    string   `json:"name,omitempty"`
	Artists []Artist `json:"artists,omitempty"`
	Album   *Album   `json:"album,omitempty"`
	Genre   string   `json:"genre,omitempty"`
	TrackNo int      `json:"track_no,omitempty"`
	Date    string   `json:"date,omitempty"`
	Length  int      `json:"length,omitempty"`
	Comment string   `json:"comment,omitempty"`
}

// SearchResult is the result of one backend's search.
type SearchResult struct {
	URI     string   `json:"uri,omitempty"`
	Tracks  []Track  `json:"tracks,omitempty"`
	Artists []Artist `json:"artists,omitempty"`
	Albums  []Album  `json:"albums,omitempty"`
}

// Query maps a search field ("artist", "album", "track_name", "any", ...)
// to the values searched for in it.
type Query map[string][]string
