package core

import (
	"context"
	"errors"
	"slices"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

type playlistsController struct{ c *Core }

func (p playlistsController) provider(uri string) (backend.Backend, bool) {
	b, ok := p.c.router.forURI(uri)
	return b, ok && b.Playlists != nil
}

func (p playlistsController) AsList(ctx context.Context) ([]models.Ref, error) {
	lists := fanOut(ctx, p.c, "playlists.as_list", p.c.router.withPlaylists(),
		func(ctx context.Context, _ int, b backend.Backend) ([]models.Ref, error) {
			return b.Playlists.List(ctx)
		})
	var out []models.Ref
	for _, l := range lists {
		out = append(out, l...)
	}
	return nonNil(out), nil
}

func (p playlistsController) GetItems(ctx context.Context, uri string) ([]models.Ref, error) {
	b, ok := p.provider(uri)
	if !ok {
		return nil, nil
	}
	refs, err := b.Playlists.Items(ctx, uri)
	if err != nil {
		if !errors.Is(err, backend.ErrNotFound) {
			p.c.log.Warn("playlist get_items failed", "backend", b.Name, "uri", uri, "err", err)
		}
		return nil, nil
	}
	return nonNil(refs), nil
}

func (p playlistsController) Lookup(ctx context.Context, uri string) (*models.Playlist, error) {
	b, ok := p.provider(uri)
	if !ok {
		return nil, nil
	}
	pl, err := b.Playlists.Lookup(ctx, uri)
	if err != nil {
		if !errors.Is(err, backend.ErrNotFound) {
			p.c.log.Warn("playlist lookup failed", "backend", b.Name, "uri", uri, "err", err)
		}
		return nil, nil
	}
	return pl, nil
}

// Create creates a playlist in the backend owning uriScheme, or else in
// the first playlist backend that accepts it, as Mopidy 3.4 does.
func (p playlistsController) Create(ctx context.Context, name string, uriScheme *string) (*models.Playlist, error) {
	bs := p.c.router.withPlaylists()
	if uriScheme != nil {
		if b, ok := p.c.router.forScheme(*uriScheme); ok && b.Playlists != nil {
			bs = []backend.Backend{b}
		}
	}
	for _, b := range bs {
		pl, err := b.Playlists.Create(ctx, name)
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				return nil, err
			}
			p.c.log.Warn("playlist create failed", "backend", b.Name, "err", err)
			continue
		}
		if pl != nil {
			p.c.publish(events.PlaylistChanged{Playlist: *pl})
			return pl, nil
		}
	}
	return nil, nil
}

func (p playlistsController) Save(ctx context.Context, pl models.Playlist) (*models.Playlist, error) {
	if pl.URI == "" {
		return nil, invalidf("playlists.save: the playlist has no uri: create it first")
	}
	b, ok := p.provider(pl.URI)
	if !ok {
		return nil, nil
	}
	saved, err := b.Playlists.Save(ctx, pl)
	if err != nil {
		if errors.Is(err, ErrInvalid) {
			return nil, err
		}
		p.c.log.Warn("playlist save failed", "backend", b.Name, "uri", pl.URI, "err", err)
		return nil, nil
	}
	if saved != nil {
		p.c.publish(events.PlaylistChanged{Playlist: *saved})
	}
	return saved, nil
}

func (p playlistsController) Delete(ctx context.Context, uri string) (bool, error) {
	b, ok := p.provider(uri)
	if !ok {
		return false, nil
	}
	deleted, err := b.Playlists.Delete(ctx, uri)
	if err != nil {
		if !errors.Is(err, backend.ErrNotFound) {
			p.c.log.Warn("playlist delete failed", "backend", b.Name, "uri", uri, "err", err)
		}
		return false, nil
	}
	if deleted {
		p.c.publish(events.PlaylistDeleted{URI: uri})
	}
	return deleted, nil
}

func (p playlistsController) Refresh(ctx context.Context, uriScheme *string) error {
	bs := p.c.router.withPlaylists()
	if uriScheme != nil {
		b, ok := p.c.router.forScheme(*uriScheme)
		if !ok || b.Playlists == nil {
			return invalidf("playlists.refresh: no playlist backend owns scheme %q", *uriScheme)
		}
		bs = []backend.Backend{b}
	}
	for _, b := range bs {
		if err := b.Playlists.Refresh(ctx); err != nil {
			p.c.log.Warn("playlists refresh failed", "backend", b.Name, "err", err)
		}
	}
	p.c.publish(events.PlaylistsLoaded{})
	return nil
}

func (p playlistsController) GetURISchemes(ctx context.Context) ([]string, error) {
	var out []string
	for _, b := range p.c.router.withPlaylists() {
		out = append(out, b.Schemes...)
	}
	slices.Sort(out)
	return nonNil(out), nil
}
