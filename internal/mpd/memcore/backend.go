package memcore

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/models"
)

// NewBackends returns an in-memory "local" backend over tracks, whose
// sources read as silence, and an "m3u" playlists backend, so the real
// core can run the frontend's tests without the SQLite library.
func NewBackends(tracks []models.Track) []backend.Backend {
	lib := &library{core: New(tracks)}
	return []backend.Backend{
		{Name: "local", Schemes: []string{"local"}, Library: lib, Playback: lib},
		{Name: "m3u", Schemes: []string{"m3u"}, Playlists: &playlists{items: map[string]*models.Playlist{}}},
	}
}

type library struct{ core *Core }

var (
	_ backend.Library  = (*library)(nil)
	_ backend.Playback = (*library)(nil)
)

func (l *library) Root() *models.Ref {
	return &models.Ref{URI: "local:directory", Name: "Local media", Type: models.RefDirectory}
}

func (l *library) Browse(ctx context.Context, uri string) ([]models.Ref, error) {
	return l.core.Browse(ctx, uri)
}

func (l *library) Lookup(_ context.Context, uri string) ([]models.Track, error) {
	l.core.mu.Lock()
	defer l.core.mu.Unlock()
	if t, ok := l.core.byURI[uri]; ok {
		return []models.Track{*t}, nil
	}
	return nil, backend.ErrNotFound
}

func (l *library) Search(ctx context.Context, q models.Query, _ []string, exact bool) (models.SearchResult, error) {
	tracks, err := l.core.Search(ctx, q, exact)
	return models.SearchResult{URI: "local:search", Tracks: tracks}, err
}

func (l *library) Distinct(ctx context.Context, field string, q models.Query) ([]string, error) {
	return l.core.Distinct(ctx, field, q)
}

func (l *library) Images(_ context.Context, uris []string) (map[string][]models.Image, error) {
	return map[string][]models.Image{}, nil
}

func (l *library) Refresh(context.Context, string) error { return nil }

// Resolve returns a source of silence for a known track.
func (l *library) Resolve(_ context.Context, uri string) (audio.Source, error) {
	l.core.mu.Lock()
	_, ok := l.core.byURI[uri]
	l.core.mu.Unlock()
	if !ok {
		return audio.Source{}, backend.ErrNotFound
	}
	return audio.Source{URI: uri, Format: "wav", Open: func(context.Context, func(string)) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(make([]byte, 8192))), nil
	}}, nil
}

type playlists struct {
	mu    sync.Mutex
	items map[string]*models.Playlist
}

var _ backend.Playlists = (*playlists)(nil)

func (p *playlists) List(context.Context) ([]models.Ref, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var refs []models.Ref
	for uri, pl := range p.items {
		refs = append(refs, models.Ref{URI: uri, Name: pl.Name, Type: models.RefPlaylist})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name < refs[j].Name })
	return refs, nil
}

func (p *playlists) Items(ctx context.Context, uri string) ([]models.Ref, error) {
	pl, err := p.Lookup(ctx, uri)
	if err != nil || pl == nil {
		return nil, err
	}
	var refs []models.Ref
	for _, t := range pl.Tracks {
		refs = append(refs, models.Ref{URI: t.URI, Name: t.Name, Type: models.RefTrack})
	}
	return refs, nil
}

func (p *playlists) Lookup(_ context.Context, uri string) (*models.Playlist, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.items[uri]
	if !ok {
		return nil, nil
	}
	cp := *pl
	cp.Tracks = append([]models.Track(nil), pl.Tracks...)
	return &cp, nil
}

func (p *playlists) Create(_ context.Context, name string) (*models.Playlist, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl := &models.Playlist{URI: "m3u:" + strings.ReplaceAll(name, " ", "%20") + ".m3u8", Name: name, LastModified: time.Now().UnixMilli()}
	p.items[pl.URI] = pl
	cp := *pl
	return &cp, nil
}

func (p *playlists) Save(_ context.Context, pl models.Playlist) (*models.Playlist, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.items[pl.URI]; !ok {
		return nil, backend.ErrNotFound
	}
	pl.LastModified = time.Now().UnixMilli()
	stored := pl
	p.items[pl.URI] = &stored
	return &pl, nil
}

func (p *playlists) Delete(_ context.Context, uri string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.items[uri]
	delete(p.items, uri)
	return ok, nil
}

func (p *playlists) Refresh(context.Context) error { return nil }
