package local

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/models"
)

// SearchURI is the URI of every search result of this backend.
const SearchURI = "local:search"

// storeField maps Mopidy 3.4's query fields to store fields; "uri" is
// handled apart.
var storeField = map[string]string{
	"any": store.FieldAny, "track_name": store.FieldTitle, "album": store.FieldAlbum,
	"artist": store.FieldArtist, "albumartist": store.FieldAlbumArtist, "composer": store.FieldComposer,
	"performer": store.FieldPerformer, "track_no": store.FieldTrackNo, "genre": store.FieldGenre,
	"date": store.FieldDate, "comment": store.FieldComment, "disc_no": store.FieldDiscNo,
	"musicbrainz_albumid": store.FieldMBAlbumID, "musicbrainz_artistid": store.FieldMBArtistID,
	"musicbrainz_trackid": store.FieldMBTrackID,
}

// storeQuery converts a Mopidy query. Values of one field must all match,
// as in Mopidy-Local.
func storeQuery(q models.Query, exact bool) (store.Query, error) {
	sq := store.Query{Exact: exact}
	fields := make([]string, 0, len(q))
	for f := range q {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, field := range fields {
		for _, v := range q[field] {
			if field == "uri" {
				rel := v
				if p, err := TrackPath(v); err == nil {
					rel = p
				}
				sq.Terms = append(sq.Terms, store.Term{Field: store.FieldPath, Value: rel})
				continue
			}
			sf, ok := storeField[field]
			if !ok {
				return sq, fmt.Errorf("invalid query field %q; use one of %v", field, models.QueryFields())
			}
			sq.Terms = append(sq.Terms, store.Term{Field: sf, Value: v})
		}
	}
	return sq, nil
}

// Search finds tracks matching query, limited to the folders among uris
// when uris is not empty. An empty query returns an empty result, as
// Mopidy 3.4's core does. It returns at most MaxSearchResults tracks,
// sorted by path, and store.Store.Find documents which matches it keeps.
func (l *Library) Search(ctx context.Context, query models.Query, uris []string, exact bool) (models.SearchResult, error) {
	res := models.SearchResult{URI: SearchURI}
	sq, err := storeQuery(query, exact)
	if err != nil {
		return res, err
	}
	if len(sq.Terms) == 0 {
		return res, nil
	}
	unders, err := searchFolders(uris)
	if err != nil {
		return res, err
	}
	var tracks []store.Track
	for _, under := range unders {
		if len(tracks) >= l.maxResults {
			break
		}
		sq.Under = under
		sq.Limit = l.maxResults - len(tracks)
		found, err := l.store.Find(ctx, sq)
		if err != nil {
			return res, fmt.Errorf("search local library: %w", err)
		}
		tracks = append(tracks, found...)
	}
	if len(unders) > 1 {
		slices.SortFunc(tracks, func(a, b store.Track) int { return strings.Compare(a.Path, b.Path) })
	}
	res.Tracks = l.modelTracks(tracks)
	res.Albums, res.Artists = albumsAndArtists(res.Tracks)
	return res, nil
}

// searchFolders returns the folders a search covers: the whole library
// ("") when uris is empty or names the root, none when no URI is a local
// folder.
func searchFolders(uris []string) ([]string, error) {
	if len(uris) == 0 {
		return []string{""}, nil
	}
	var out []string
	for _, u := range uris {
		if u == RootURI || u == Scheme+":" {
			return []string{""}, nil
		}
		rel, ok, err := folderPath(u)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, rel)
		}
	}
	return out, nil
}

func albumsAndArtists(tracks []models.Track) ([]models.Album, []models.Artist) {
	var albums []models.Album
	var artists []models.Artist
	seenAlbum := map[string]bool{}
	seenArtist := map[string]bool{}
	for _, t := range tracks {
		if t.Album != nil && !seenAlbum[t.Album.URI] {
			seenAlbum[t.Album.URI] = true
			albums = append(albums, *t.Album)
		}
		for _, a := range t.Artists {
			if !seenArtist[a.URI] {
				seenArtist[a.URI] = true
				artists = append(artists, a)
			}
		}
	}
	return albums, artists
}

// Distinct returns the distinct values of field among the tracks that
// match query exactly.
func (l *Library) Distinct(ctx context.Context, field string, query models.Query) ([]string, error) {
	sq, err := storeQuery(query, true)
	if err != nil {
		return nil, err
	}
	if field == "uri" {
		tracks, err := l.store.Find(ctx, sq)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(tracks))
		for _, t := range tracks {
			out = append(out, TrackURI(t.Path))
		}
		return out, nil
	}
	sf, ok := storeField[field]
	if !ok || sf == store.FieldAny {
		return nil, fmt.Errorf("invalid distinct field %q; use one of %v except any", field, models.QueryFields())
	}
	return l.store.Distinct(ctx, sf, sq)
}

// coverName matches the file part of an image URI: a hash and an
// extension.
var coverName = regexp.MustCompile(`^([0-9a-f]{32})\.([a-z]{2,4})$`)

// Images returns the cover of each track or album URI, as a URI under the
// image prefix. URIs without a cover are left out.
func (l *Library) Images(ctx context.Context, uris []string) (map[string][]models.Image, error) {
	out := make(map[string][]models.Image, len(uris))
	for _, uri := range uris {
		hash, err := l.coverHash(ctx, uri)
		if err != nil || hash == "" {
			continue
		}
		mime, err := l.store.ImageMIME(ctx, hash)
		if err != nil {
			continue
		}
		out[uri] = []models.Image{{URI: l.imagePrefix + hash + "." + tags.MIMEExtension(mime)}}
	}
	return out, nil
}

// coverHash returns the cover hash of a track, or of the first track of an
// album that has one.
func (l *Library) coverHash(ctx context.Context, uri string) (string, error) {
	switch {
	case strings.HasPrefix(uri, TrackPrefix):
		rel, err := TrackPath(uri)
		if err != nil {
			return "", err
		}
		t, err := l.store.TrackByPath(ctx, rel)
		if err != nil {
			return "", notFound(err)
		}
		return t.CoverHash, nil
	case strings.HasPrefix(uri, AlbumPrefix):
		tracks, err := l.store.AlbumTracks(ctx, strings.TrimPrefix(uri, AlbumPrefix))
		if err != nil {
			return "", err
		}
		for _, t := range tracks {
			if t.CoverHash != "" {
				return t.CoverHash, nil
			}
		}
		return "", nil
	}
	return "", fmt.Errorf("images of %q: %w", uri, backend.ErrNotFound)
}

// Image returns the bytes and MIME type of a cover by the file name at the
// end of its image URI ("<hash>.<ext>"), for the HTTP frontend.
func (l *Library) Image(ctx context.Context, name string) ([]byte, string, error) {
	m := coverName.FindStringSubmatch(name)
	if m == nil {
		return nil, "", fmt.Errorf("image %q: %w", name, backend.ErrNotFound)
	}
	data, mime, err := l.store.Image(ctx, m[1])
	if err != nil {
		return nil, "", notFound(err)
	}
	if tags.MIMEExtension(mime) != m[2] {
		return nil, "", fmt.Errorf("image %q: %w", name, backend.ErrNotFound)
	}
	return data, mime, nil
}
