package core

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
)

// methodScopes maps each method name to its scope. It is computed once
// from Methods and never changed.
var methodScopes = sync.OnceValue(func() map[string]scope.Scope {
	out := make(map[string]scope.Scope)
	for _, m := range Methods() {
		out[m.Name] = m.Scope
	}
	return out
})

// ScopeOf returns the scope a method needs.
func ScopeOf(method string) (scope.Scope, bool) {
	sc, ok := methodScopes()[method]
	return sc, ok
}

// GuardOptions configures NewGuard.
type GuardOptions struct {
	// OnDenied, when set, is called with every *PermissionError before it
	// is returned, for the audit log.
	OnDenied func(*PermissionError)
}

// eventBinder is implemented by *Core, so that a guard's subscriptions are
// filtered by the guard's principal.
type eventBinder interface {
	EventsFor(p scope.Principal) Events
}

// Guard returns api as principal p may use it: each call first checks
// that p holds the method's scope (see Methods) and otherwise returns a
// *PermissionError that matches ErrPermission.
func Guard(api API, p scope.Principal) API { return NewGuard(api, p, GuardOptions{}) }

// NewGuard is Guard with options.
func NewGuard(api API, p scope.Principal, opts GuardOptions) API {
	return &guard{api: api, p: p, opts: opts}
}

type guard struct {
	api  API
	p    scope.Principal
	opts GuardOptions
}

func (g *guard) check(method string) error {
	sc, ok := ScopeOf(method)
	if ok && g.p.Scopes.Has(sc) {
		return nil
	}
	if !ok {
		sc = scope.Admin // a method missing from the table needs admin
	}
	err := &PermissionError{Method: method, Scope: sc, Principal: g.p.String()}
	if g.opts.OnDenied != nil {
		g.opts.OnDenied(err)
	}
	return err
}

func (g *guard) Playback() Playback   { return guardPlayback{g} }
func (g *guard) Tracklist() Tracklist { return guardTracklist{g} }
func (g *guard) Library() Library     { return guardLibrary{g} }
func (g *guard) Playlists() Playlists { return guardPlaylists{g} }
func (g *guard) Mixer() Mixer         { return guardMixer{g} }
func (g *guard) History() History     { return guardHistory{g} }

// Events returns events bound to the guard's principal: subscriptions
// see only what its scopes allow, and it publishes only in its own
// namespace.
func (g *guard) Events() Events {
	if b, ok := g.api.(eventBinder); ok {
		return b.EventsFor(g.p)
	}
	return guardEvents{g}
}

func (g *guard) GetURISchemes(ctx context.Context) ([]string, error) {
	if err := g.check("core.get_uri_schemes"); err != nil {
		return nil, err
	}
	return g.api.GetURISchemes(ctx)
}

func (g *guard) GetVersion(ctx context.Context) (string, error) {
	if err := g.check("core.get_version"); err != nil {
		return "", err
	}
	return g.api.GetVersion(ctx)
}

// guardEvents serves an inner API that cannot bind events to a
// principal.
type guardEvents struct{ g *guard }

// Subscribe fails: without EventsFor the guard cannot filter events by
// its principal, and unfiltered events would leak.
func (e guardEvents) Subscribe(ctx context.Context) (*events.Subscription, error) {
	return nil, fmt.Errorf("events.subscribe for %s: the guarded API has no EventsFor method: guard a *core.Core", e.g.p)
}

func (e guardEvents) Publish(ctx context.Context, event string, payload json.RawMessage) error {
	if _, err := events.NewExt(e.g.p, event, payload); err != nil {
		return invalidf("%v", err)
	}
	return e.g.api.Events().Publish(ctx, event, payload)
}

type guardHistory struct{ g *guard }

func (h guardHistory) GetHistory(ctx context.Context) ([]HistoryEntry, error) {
	if err := h.g.check("core.history.get_history"); err != nil {
		return nil, err
	}
	return h.g.api.History().GetHistory(ctx)
}

func (h guardHistory) GetLength(ctx context.Context) (int, error) {
	if err := h.g.check("core.history.get_length"); err != nil {
		return 0, err
	}
	return h.g.api.History().GetLength(ctx)
}

type guardMixer struct{ g *guard }

func (m guardMixer) GetVolume(ctx context.Context) (*int, error) {
	if err := m.g.check("core.mixer.get_volume"); err != nil {
		return nil, err
	}
	return m.g.api.Mixer().GetVolume(ctx)
}

func (m guardMixer) SetVolume(ctx context.Context, volume int) (bool, error) {
	if err := m.g.check("core.mixer.set_volume"); err != nil {
		return false, err
	}
	return m.g.api.Mixer().SetVolume(ctx, volume)
}

func (m guardMixer) GetMute(ctx context.Context) (*bool, error) {
	if err := m.g.check("core.mixer.get_mute"); err != nil {
		return nil, err
	}
	return m.g.api.Mixer().GetMute(ctx)
}

func (m guardMixer) SetMute(ctx context.Context, mute bool) (bool, error) {
	if err := m.g.check("core.mixer.set_mute"); err != nil {
		return false, err
	}
	return m.g.api.Mixer().SetMute(ctx, mute)
}

type guardLibrary struct{ g *guard }

func (l guardLibrary) Browse(ctx context.Context, uri *string) ([]models.Ref, error) {
	if err := l.g.check("core.library.browse"); err != nil {
		return nil, err
	}
	return l.g.api.Library().Browse(ctx, uri)
}

func (l guardLibrary) Search(ctx context.Context, query models.Query, uris []string, exact bool) ([]models.SearchResult, error) {
	if err := l.g.check("core.library.search"); err != nil {
		return nil, err
	}
	return l.g.api.Library().Search(ctx, query, uris, exact)
}

func (l guardLibrary) Lookup(ctx context.Context, uris []string) (map[string][]models.Track, error) {
	if err := l.g.check("core.library.lookup"); err != nil {
		return nil, err
	}
	return l.g.api.Library().Lookup(ctx, uris)
}

func (l guardLibrary) GetDistinct(ctx context.Context, field string, query models.Query) ([]string, error) {
	if err := l.g.check("core.library.get_distinct"); err != nil {
		return nil, err
	}
	return l.g.api.Library().GetDistinct(ctx, field, query)
}

func (l guardLibrary) GetImages(ctx context.Context, uris []string) (map[string][]models.Image, error) {
	if err := l.g.check("core.library.get_images"); err != nil {
		return nil, err
	}
	return l.g.api.Library().GetImages(ctx, uris)
}

func (l guardLibrary) Refresh(ctx context.Context, uri *string) error {
	if err := l.g.check("core.library.refresh"); err != nil {
		return err
	}
	return l.g.api.Library().Refresh(ctx, uri)
}

type guardPlaylists struct{ g *guard }

func (p guardPlaylists) AsList(ctx context.Context) ([]models.Ref, error) {
	if err := p.g.check("core.playlists.as_list"); err != nil {
		return nil, err
	}
	return p.g.api.Playlists().AsList(ctx)
}

func (p guardPlaylists) GetItems(ctx context.Context, uri string) ([]models.Ref, error) {
	if err := p.g.check("core.playlists.get_items"); err != nil {
		return nil, err
	}
	return p.g.api.Playlists().GetItems(ctx, uri)
}

func (p guardPlaylists) Lookup(ctx context.Context, uri string) (*models.Playlist, error) {
	if err := p.g.check("core.playlists.lookup"); err != nil {
		return nil, err
	}
	return p.g.api.Playlists().Lookup(ctx, uri)
}

func (p guardPlaylists) Create(ctx context.Context, name string, uriScheme *string) (*models.Playlist, error) {
	if err := p.g.check("core.playlists.create"); err != nil {
		return nil, err
	}
	return p.g.api.Playlists().Create(ctx, name, uriScheme)
}

func (p guardPlaylists) Save(ctx context.Context, playlist models.Playlist) (*models.Playlist, error) {
	if err := p.g.check("core.playlists.save"); err != nil {
		return nil, err
	}
	return p.g.api.Playlists().Save(ctx, playlist)
}

func (p guardPlaylists) Delete(ctx context.Context, uri string) (bool, error) {
	if err := p.g.check("core.playlists.delete"); err != nil {
		return false, err
	}
	return p.g.api.Playlists().Delete(ctx, uri)
}

func (p guardPlaylists) Refresh(ctx context.Context, uriScheme *string) error {
	if err := p.g.check("core.playlists.refresh"); err != nil {
		return err
	}
	return p.g.api.Playlists().Refresh(ctx, uriScheme)
}

func (p guardPlaylists) GetURISchemes(ctx context.Context) ([]string, error) {
	if err := p.g.check("core.playlists.get_uri_schemes"); err != nil {
		return nil, err
	}
	return p.g.api.Playlists().GetURISchemes(ctx)
}
