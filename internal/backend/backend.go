// Package backend defines the providers a music source implements, as
// Mopidy 3.4's backend API does, and routes URIs to them by scheme.
package backend

import (
	"context"
	"errors"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/models"
)

// ErrNotFound is returned for a URI that the backend does not know.
var ErrNotFound = errors.New("not found")

// ErrUnsupported is returned by a provider for an operation it lacks.
var ErrUnsupported = errors.New("not supported by this backend")

// Library browses, searches and looks up a backend's tracks.
type Library interface {
	// Root returns the backend's root directory, or nil when the library
	// cannot be browsed.
	Root() *models.Ref
	Browse(ctx context.Context, uri string) ([]models.Ref, error)
	// Lookup returns the tracks a URI stands for: one for a track, several
	// for an album, artist or directory.
	Lookup(ctx context.Context, uri string) ([]models.Track, error)
	// Search returns matches for query, limited to the URIs in uris when
	// not empty. Exact compares whole values, case-insensitively.
	Search(ctx context.Context, query models.Query, uris []string, exact bool) (models.SearchResult, error)
	// Distinct returns the distinct values of field among tracks matching
	// query (exact match).
	Distinct(ctx context.Context, field string, query models.Query) ([]string, error)
	Images(ctx context.Context, uris []string) (map[string][]models.Image, error)
	// Refresh rescans the library below uri, or all of it when uri is "".
	Refresh(ctx context.Context, uri string) error
}

// Playback resolves a URI to a source the player can open.
type Playback interface {
	Resolve(ctx context.Context, uri string) (audio.Source, error)
}

// Playlists stores playlists.
type Playlists interface {
	List(ctx context.Context) ([]models.Ref, error)
	Items(ctx context.Context, uri string) ([]models.Ref, error)
	Lookup(ctx context.Context, uri string) (*models.Playlist, error)
	Create(ctx context.Context, name string) (*models.Playlist, error)
	// Save stores pl, which must have a URI, and returns it as stored; the
	// URI changes when the name did.
	Save(ctx context.Context, pl models.Playlist) (*models.Playlist, error)
	Delete(ctx context.Context, uri string) (bool, error)
	Refresh(ctx context.Context) error
}

// Backend is one music source. Any provider may be nil.
type Backend struct {
	// Name identifies the backend in logs ("local", "file", "m3u", "stream").
	Name string
	// Schemes are the URI schemes the backend owns, without the colon.
	Schemes   []string
	Library   Library
	Playback  Playback
	Playlists Playlists
}
