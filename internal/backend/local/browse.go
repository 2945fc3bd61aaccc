package local

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/models"
)

// Root returns the root of the browse tree.
func (l *Library) Root() *models.Ref {
	return &models.Ref{URI: RootURI, Name: "Local media", Type: models.RefDirectory}
}

func dirRef(uri, name string) models.Ref {
	return models.Ref{URI: uri, Name: name, Type: models.RefDirectory}
}

// Browse lists what uri contains.
func (l *Library) Browse(ctx context.Context, uri string) ([]models.Ref, error) {
	switch {
	case uri == RootURI:
		return []models.Ref{
			dirRef(DirectoryPrefix, "Folders"),
			dirRef(RootURI+"?type=artist", "Artists"),
			dirRef(RootURI+"?type=artist&role=albumartist", "Album Artists"),
			dirRef(RootURI+"?type=artist&role=composer", "Composers"),
			dirRef(RootURI+"?type=album", "Albums"),
			dirRef(RootURI+"?type=genre", "Genres"),
			dirRef(RootURI+"?type=date", "Release Years"),
			dirRef(RootURI+"?type=track", "Tracks"),
		}, nil
	case strings.HasPrefix(uri, DirectoryPrefix):
		rel, _, err := folderPath(uri)
		if err != nil {
			return nil, err
		}
		return l.browseFolder(ctx, rel)
	case strings.HasPrefix(uri, RootURI+"?"):
		q, err := url.ParseQuery(strings.TrimPrefix(uri, RootURI+"?"))
		if err != nil {
			return nil, fmt.Errorf("browse %q: invalid query: %w", uri, err)
		}
		return l.browseQuery(ctx, uri, q)
	case strings.HasPrefix(uri, ArtistPrefix):
		return l.browseAlbums(ctx, store.AlbumFilter{ArtistID: strings.TrimPrefix(uri, ArtistPrefix)})
	case strings.HasPrefix(uri, AlbumPrefix):
		tracks, err := l.store.AlbumTracks(ctx, strings.TrimPrefix(uri, AlbumPrefix))
		if err != nil {
			return nil, notFound(err)
		}
		return trackRefs(tracks), nil
	}
	return nil, fmt.Errorf("browse %q: %w", uri, backend.ErrNotFound)
}

func (l *Library) browseFolder(ctx context.Context, rel string) ([]models.Ref, error) {
	folders, tracks, err := l.store.ListDir(ctx, rel)
	if err != nil {
		return nil, err
	}
	refs := make([]models.Ref, 0, len(folders)+len(tracks))
	for _, f := range folders {
		refs = append(refs, dirRef(FolderURI(f.Path), displayName(path.Base(f.Path))))
	}
	return append(refs, trackRefs(tracks)...), nil
}

func (l *Library) browseQuery(ctx context.Context, uri string, q url.Values) ([]models.Ref, error) {
	switch q.Get("type") {
	case "artist":
		role := q.Get("role")
		if role == "" {
			role = "artist"
		}
		artists, err := l.store.Artists(ctx, role)
		if err != nil {
			return nil, fmt.Errorf("browse %q: %w", uri, err)
		}
		refs := make([]models.Ref, 0, len(artists))
		for _, a := range artists {
			refs = append(refs, models.Ref{URI: ArtistPrefix + a.ID, Name: a.Name, Type: models.RefArtist})
		}
		return refs, nil
	case "album":
		return l.browseAlbums(ctx, store.AlbumFilter{ArtistID: q.Get("artist"), Genre: q.Get("genre"), Date: q.Get("date")})
	case "genre":
		genres, err := l.store.Distinct(ctx, store.FieldGenre, store.Query{})
		if err != nil {
			return nil, err
		}
		refs := make([]models.Ref, 0, len(genres))
		for _, g := range genres {
			refs = append(refs, dirRef(RootURI+"?type=album&genre="+url.QueryEscape(g), g))
		}
		return refs, nil
	case "date":
		dates, err := l.store.Distinct(ctx, store.FieldDate, store.Query{})
		if err != nil {
			return nil, err
		}
		years := map[string]bool{}
		for _, d := range dates {
			if len(d) >= 4 {
				years[d[:4]] = true
			}
		}
		sorted := make([]string, 0, len(years))
		for y := range years {
			sorted = append(sorted, y)
		}
		sort.Strings(sorted)
		refs := make([]models.Ref, 0, len(sorted))
		for _, y := range sorted {
			refs = append(refs, dirRef(RootURI+"?type=album&date="+url.QueryEscape(y), y))
		}
		return refs, nil
	case "track":
		tracks, err := l.store.Find(ctx, store.Query{})
		if err != nil {
			return nil, err
		}
		return trackRefs(tracks), nil
	}
	return nil, fmt.Errorf("browse %q: unknown type; use artist, album, genre, date or track: %w", uri, backend.ErrNotFound)
}

func (l *Library) browseAlbums(ctx context.Context, f store.AlbumFilter) ([]models.Ref, error) {
	albums, err := l.store.Albums(ctx, f)
	if err != nil {
		return nil, notFound(err)
	}
	refs := make([]models.Ref, 0, len(albums))
	for _, a := range albums {
		refs = append(refs, models.Ref{URI: AlbumPrefix + a.ID, Name: a.Name, Type: models.RefAlbum})
	}
	return refs, nil
}

func trackRefs(tracks []store.Track) []models.Ref {
	refs := make([]models.Ref, 0, len(tracks))
	for _, t := range tracks {
		refs = append(refs, models.Ref{URI: TrackURI(t.Path), Name: t.Title, Type: models.RefTrack})
	}
	return refs
}

// displayName turns a file name that may not be UTF-8 into text.
func displayName(name string) string {
	return strings.ToValidUTF8(name, "\uFFFD")
}

// Lookup returns the tracks of a track, album, artist or folder URI.
// Folders include their subfolders.
func (l *Library) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	var tracks []store.Track
	var err error
	switch {
	case strings.HasPrefix(uri, TrackPrefix):
		rel, perr := TrackPath(uri)
		if perr != nil {
			return nil, perr
		}
		t, terr := l.store.TrackByPath(ctx, rel)
		if terr != nil {
			return nil, notFound(terr)
		}
		tracks = []store.Track{t}
	case strings.HasPrefix(uri, AlbumPrefix):
		tracks, err = l.store.AlbumTracks(ctx, strings.TrimPrefix(uri, AlbumPrefix))
	case strings.HasPrefix(uri, ArtistPrefix):
		tracks, err = l.store.ArtistTracks(ctx, strings.TrimPrefix(uri, ArtistPrefix))
	case uri == RootURI || uri == DirectoryPrefix:
		tracks, err = l.store.Find(ctx, store.Query{})
	case strings.HasPrefix(uri, DirectoryPrefix):
		rel, _, perr := folderPath(uri)
		if perr != nil {
			return nil, perr
		}
		tracks, err = l.store.Find(ctx, store.Query{Under: rel})
	default:
		return nil, fmt.Errorf("lookup %q: %w", uri, backend.ErrNotFound)
	}
	if err != nil {
		return nil, notFound(err)
	}
	if len(tracks) == 0 && uri != RootURI && uri != DirectoryPrefix {
		return nil, fmt.Errorf("lookup %q: %w", uri, backend.ErrNotFound)
	}
	return l.modelTracks(tracks), nil
}

func (l *Library) modelTracks(tracks []store.Track) []models.Track {
	out := make([]models.Track, 0, len(tracks))
	for i := range tracks {
		out = append(out, ModelTrack(&tracks[i]))
	}
	return out
}

// ModelTrack converts a library row to the track model. Genre is the first
// genre; the store keeps all of them.
func ModelTrack(t *store.Track) models.Track {
	m := models.Track{
		URI:           TrackURI(t.Path),
		Name:          t.Title,
		Artists:       modelArtists(t.Artists, t.MusicBrainzArtistID),
		Composers:     modelArtists(t.Composers, ""),
		Performers:    modelArtists(t.Performers, ""),
		TrackNo:       t.TrackNo,
		DiscNo:        t.DiscNo,
		Date:          t.Date,
		Length:        int(t.Length.Milliseconds()),
		Bitrate:       t.Bitrate,
		Comment:       t.Comment,
		MusicBrainzID: t.MusicBrainzTrackID,
		LastModified:  t.MTime / 1e6,
		AudioFormat:   t.MPDAudioFormat(),
	}
	if len(t.Genres) > 0 {
		m.Genre = t.Genres[0]
	}
	if t.Album != "" {
		albumArtists := t.AlbumArtists
		mbid := t.MusicBrainzAlbumArtistID
		if len(albumArtists) == 0 {
			albumArtists, mbid = t.Artists, t.MusicBrainzArtistID
		}
		m.Album = &models.Album{
			URI:           AlbumPrefix + t.AlbumID,
			Name:          t.Album,
			Artists:       modelArtists(albumArtists, mbid),
			NumTracks:     t.NumTracks,
			NumDiscs:      t.NumDiscs,
			Date:          t.Date,
			MusicBrainzID: t.MusicBrainzAlbumID,
		}
	}
	return m
}

// modelArtists converts names to artists; the MusicBrainz id, which the
// tags give only once, goes to the first.
func modelArtists(names []string, firstMBID string) []models.Artist {
	if len(names) == 0 {
		return nil
	}
	out := make([]models.Artist, 0, len(names))
	for i, n := range names {
		a := models.Artist{URI: ArtistPrefix + store.ArtistID(n), Name: n}
		if i == 0 {
			a.MusicBrainzID = firstMBID
		}
		out = append(out, a)
	}
	return out
}
