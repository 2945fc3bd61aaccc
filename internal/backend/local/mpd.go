package local

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/models"
)

// The methods in this file serve the MPD frontend, whose commands work on
// folders, counts and raw pictures that backend.Library has no call for.

// Entry is one item of a folder listing: a subfolder or a track.
type Entry struct {
	// Path is relative to the music folder; it may hold bytes that are not
	// UTF-8.
	Path string
	// Track is nil for a folder.
	Track *models.Track
	// Modified is the file's modification time, or for a folder the latest
	// change among its tracks.
	Modified time.Time
}

// ListFolder lists the subfolders, then the tracks, directly inside the
// folder rel ("" for the music folder), as MPD's lsinfo does.
func (l *Library) ListFolder(ctx context.Context, rel string) ([]Entry, error) {
	folders, tracks, err := l.store.ListDir(ctx, rel)
	if err != nil {
		return nil, err
	}
	if rel != "" && len(folders) == 0 && len(tracks) == 0 {
		return nil, fmt.Errorf("folder %q: %w", rel, backend.ErrNotFound)
	}
	out := make([]Entry, 0, len(folders)+len(tracks))
	for _, f := range folders {
		out = append(out, Entry{Path: f.Path, Modified: time.UnixMilli(f.ModifiedMS)})
	}
	for i := range tracks {
		m := ModelTrack(&tracks[i])
		out = append(out, Entry{Path: tracks[i].Path, Track: &m, Modified: time.Unix(0, tracks[i].MTime)})
	}
	return out, nil
}

// ListAll returns every track below the folder rel ("" for all), sorted by
// path, as MPD's listallinfo needs. The store bounds the count.
func (l *Library) ListAll(ctx context.Context, rel string) ([]models.Track, error) {
	tracks, err := l.store.Find(ctx, store.Query{Under: rel})
	if err != nil {
		return nil, err
	}
	return l.modelTracks(tracks), nil
}

// ModifiedSince returns the tracks whose entries changed at or after t
// (MPD's "modified-since" filter compares the file time; the scan time is
// never earlier).
func (l *Library) ModifiedSince(ctx context.Context, t time.Time) ([]models.Track, error) {
	tracks, err := l.store.ModifiedSince(ctx, t)
	if err != nil {
		return nil, err
	}
	return l.modelTracks(tracks), nil
}

// Find searches with the Mopidy query fields and returns the tracks sorted
// by path, for MPD's find (exact) and search.
func (l *Library) Find(ctx context.Context, query models.Query, exact bool) ([]models.Track, error) {
	sq, err := storeQuery(query, exact)
	if err != nil {
		return nil, err
	}
	tracks, err := l.store.Find(ctx, sq)
	if err != nil {
		return nil, err
	}
	return l.modelTracks(tracks), nil
}

// Count returns the number of tracks matching query and their total
// length, in one group or grouped by a Mopidy query field (MPD's count).
func (l *Library) Count(ctx context.Context, query models.Query, exact bool, group string) ([]store.Group, error) {
	sq, err := storeQuery(query, exact)
	if err != nil {
		return nil, err
	}
	sf := ""
	if group != "" {
		var ok bool
		if sf, ok = storeField[group]; !ok || sf == store.FieldAny {
			return nil, fmt.Errorf("invalid group field %q", group)
		}
	}
	return l.store.Count(ctx, sq, sf)
}

// ListGrouped returns distinct (group, value) pairs of two Mopidy query
// fields among the tracks matching query exactly (MPD's list with group).
func (l *Library) ListGrouped(ctx context.Context, field, group string, query models.Query) ([]store.Pair, error) {
	sq, err := storeQuery(query, true)
	if err != nil {
		return nil, err
	}
	return l.store.DistinctGrouped(ctx, storeField[field], storeField[group], sq)
}

// Cover returns size bytes of a track's cover from offset, the cover's
// total size and its MIME type, as MPD's albumart and readpicture send it.
// A track without a cover returns backend.ErrNotFound.
func (l *Library) Cover(ctx context.Context, uri string, offset, size int) (chunk []byte, total int, mime string, err error) {
	if offset < 0 || size < 0 {
		return nil, 0, "", fmt.Errorf("cover of %q: offset %d and size %d must not be negative", uri, offset, size)
	}
	hash, err := l.coverHash(ctx, uri)
	if err != nil {
		return nil, 0, "", err
	}
	if hash == "" {
		return nil, 0, "", fmt.Errorf("cover of %q: %w", uri, backend.ErrNotFound)
	}
	data, mime, err := l.store.Image(ctx, hash)
	if err != nil {
		return nil, 0, "", notFound(err)
	}
	if offset > len(data) {
		return nil, 0, "", fmt.Errorf("cover of %q: offset %d is past its %d bytes", uri, offset, len(data))
	}
	end := len(data)
	if size < end-offset {
		end = offset + size
	}
	return data[offset:end], len(data), mime, nil
}

// Stats returns library totals for MPD's stats.
func (l *Library) Stats(ctx context.Context) (store.Stats, error) {
	return l.store.Stats(ctx)
}

// FolderOf returns the folder part of a relative track path.
func FolderOf(rel string) string {
	dir := path.Dir(rel)
	if dir == "." {
		return ""
	}
	return dir
}
