package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
)

// trackLength is the length of every test track.
const trackLength = 10 * time.Second

// memBackend is a small in-memory backend for the "mem" scheme (or
// another). Tracks whose URI contains "unresolvable" fail to resolve;
// those containing "corrupt" resolve but fail to open.
type memBackend struct {
	scheme string
	delay  time.Duration // added to Search
	fail   bool          // Search and Distinct fail

	mu        sync.Mutex
	playlists map[string]models.Playlist
	refreshed int
}

func newMem(scheme string) *memBackend {
	return &memBackend{scheme: scheme, playlists: map[string]models.Playlist{}}
}

func (m *memBackend) backend() backend.Backend {
	return backend.Backend{Name: m.scheme, Schemes: []string{m.scheme}, Library: m, Playback: m, Playlists: memPlaylists{m}}
}

func (m *memBackend) track(uri string) models.Track {
	n := strings.TrimPrefix(uri, m.scheme+":")
	return models.Track{
		URI:     uri,
		Name:    "Track " + n,
		Artists: []models.Artist{{Name: "Artist A"}, {Name: "Artist B"}},
		Genre:   "Genre " + n,
		Length:  int(trackLength / time.Millisecond),
	}
}

func (m *memBackend) Root() *models.Ref {
	return &models.Ref{URI: m.scheme + ":root", Name: strings.ToUpper(m.scheme), Type: models.RefDirectory}
}

func (m *memBackend) Browse(ctx context.Context, uri string) ([]models.Ref, error) {
	if uri != m.scheme+":root" {
		return nil, backend.ErrNotFound
	}
	return []models.Ref{{URI: m.scheme + ":1", Name: "Track 1", Type: models.RefTrack}}, nil
}

func (m *memBackend) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	if strings.Contains(uri, "missing") {
		return nil, backend.ErrNotFound
	}
	if strings.Contains(uri, "broken") {
		return nil, errors.New("mem: lookup of a broken URI")
	}
	if strings.HasSuffix(uri, ":album") {
		return []models.Track{m.track(m.scheme + ":a1"), m.track(m.scheme + ":a2")}, nil
	}
	return []models.Track{m.track(uri)}, nil
}

func (m *memBackend) Search(ctx context.Context, q models.Query, uris []string, exact bool) (models.SearchResult, error) {
	if m.delay > 0 {
		select {
		case <-time.After(m.delay):
		case <-ctx.Done():
			return models.SearchResult{}, ctx.Err()
		}
	}
	if m.fail {
		return models.SearchResult{}, errors.New("search failed on purpose")
	}
	return models.SearchResult{URI: m.scheme + ":search", Tracks: []models.Track{m.track(m.scheme + ":1")}}, nil
}

func (m *memBackend) Distinct(ctx context.Context, field string, q models.Query) ([]string, error) {
	if m.fail {
		return nil, errors.New("distinct failed on purpose")
	}
	return []string{"x", m.scheme}, nil
}

func (m *memBackend) Images(ctx context.Context, uris []string) (map[string][]models.Image, error) {
	out := map[string][]models.Image{}
	for _, u := range uris {
		out[u] = []models.Image{{URI: "http://img/" + u}}
	}
	return out, nil
}

func (m *memBackend) Refresh(ctx context.Context, uri string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refreshed++
	return nil
}

func (m *memBackend) Resolve(ctx context.Context, uri string) (audio.Source, error) {
	if strings.Contains(uri, "unresolvable") {
		return audio.Source{}, fmt.Errorf("resolve %s: %w", uri, backend.ErrNotFound)
	}
	open := func(ctx context.Context, onTitle func(string)) (io.ReadCloser, error) {
		if strings.Contains(uri, "corrupt") {
			return nil, errors.New("corrupt file")
		}
		return io.NopCloser(strings.NewReader("RIFF fake audio")), nil
	}
	return audio.Source{URI: uri, Format: "wav", Live: strings.Contains(uri, "live"), Open: open}, nil
}

func (m *memBackend) List(ctx context.Context) ([]models.Ref, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []models.Ref
	for _, p := range m.playlists {
		out = append(out, models.Ref{URI: p.URI, Name: p.Name, Type: models.RefPlaylist})
	}
	slices.SortFunc(out, func(a, b models.Ref) int { return strings.Compare(a.URI, b.URI) })
	return out, nil
}

func (m *memBackend) Items(ctx context.Context, uri string) ([]models.Ref, error) {
	pl, err := m.Lookup2(uri)
	if err != nil {
		return nil, err
	}
	var out []models.Ref
	for _, t := range pl.Tracks {
		out = append(out, models.Ref{URI: t.URI, Name: t.Name, Type: models.RefTrack})
	}
	return out, nil
}

func (m *memBackend) Lookup2(uri string) (*models.Playlist, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pl, ok := m.playlists[uri]
	if !ok {
		return nil, backend.ErrNotFound
	}
	return &pl, nil
}

func (m *memBackend) Create(ctx context.Context, name string) (*models.Playlist, error) {
	pl := models.Playlist{URI: m.scheme + ":playlist:" + name, Name: name}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.playlists[pl.URI] = pl
	return &pl, nil
}

func (m *memBackend) Save(ctx context.Context, pl models.Playlist) (*models.Playlist, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.playlists[pl.URI]; !ok {
		return nil, backend.ErrNotFound
	}
	m.playlists[pl.URI] = pl
	return &pl, nil
}

func (m *memBackend) Delete(ctx context.Context, uri string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.playlists[uri]
	delete(m.playlists, uri)
	return ok, nil
}

// memPlaylists adapts Lookup, whose name the Library interface also uses.
type memPlaylists struct{ *memBackend }

func (m memPlaylists) Lookup(ctx context.Context, uri string) (*models.Playlist, error) {
	return m.Lookup2(uri)
}

// env is a core with a manual test player, a mem backend and a
// subscription to every event.
type env struct {
	t      *testing.T
	ctx    context.Context
	core   *Core
	player *audiotest.Player
	mem    *memBackend
	sub    *events.Subscription
}

func newEnv(t *testing.T, tune ...func(*Options)) *env {
	t.Helper()
	mem := newMem("mem")
	player := audiotest.New(audiotest.Options{
		Manual:        true,
		TrackLength:   func(string) time.Duration { return trackLength },
		AboutToFinish: 2 * time.Second,
	})
	opts := Options{
		Backends: []backend.Backend{mem.backend()},
		Player:   player,
		Logger:   slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Shuffle:  func(n int, swap func(i, j int)) {}, // keep order: tests stay deterministic
	}
	for _, f := range tune {
		f(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	sub, err := c.Events().Subscribe(context.Background())
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	e := &env{t: t, ctx: context.Background(), core: c, player: player, mem: mem, sub: sub}
	t.Cleanup(func() {
		c.Close()
		player.Close()
	})
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// add appends mem tracks with the given names ("1" is "mem:1").
func (e *env) add(names ...string) []models.TlTrack {
	e.t.Helper()
	uris := make([]string, len(names))
	for i, n := range names {
		uris[i] = "mem:" + n
	}
	tls, err := e.core.Tracklist().Add(e.ctx, nil, nil, uris)
	if err != nil {
		e.t.Fatalf("add %v: %v", uris, err)
	}
	e.expect("tracklist_changed")
	return tls
}

// next returns the next event, failing after 5 s.
func (e *env) next() events.Event {
	e.t.Helper()
	select {
	case ev, ok := <-e.sub.Events():
		if !ok {
			e.t.Fatal("subscription closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		e.t.Fatal("no event within 5 s")
	}
	return nil
}

// expect reads events and checks their names, in order.
func (e *env) expect(names ...string) []events.Event {
	e.t.Helper()
	var got []events.Event
	var gotNames []string
	for range names {
		ev := e.next()
		got = append(got, ev)
		gotNames = append(gotNames, ev.Name())
	}
	if !slices.Equal(gotNames, names) {
		e.t.Fatalf("events = %v, want %v", gotNames, names)
	}
	return got
}

// quiet checks that no event arrives within 50 ms.
func (e *env) quiet() {
	e.t.Helper()
	select {
	case ev := <-e.sub.Events():
		e.t.Fatalf("unexpected event %s %+v", ev.Name(), ev)
	case <-time.After(50 * time.Millisecond):
	}
}

func (e *env) play(tlid *int) {
	e.t.Helper()
	if err := e.core.Playback().Play(e.ctx, nil, tlid); err != nil {
		e.t.Fatalf("play: %v", err)
	}
}

func (e *env) state() State {
	e.t.Helper()
	s, err := e.core.Playback().GetState(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) currentTLID() int {
	e.t.Helper()
	id, err := e.core.Playback().GetCurrentTlid(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if id == nil {
		return 0
	}
	return *id
}

func (e *env) tlids() []int {
	e.t.Helper()
	tls, err := e.core.Tracklist().GetTlTracks(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int, len(tls))
	for i, tl := range tls {
		ids[i] = tl.TLID
	}
	return ids
}

func intp(i int) *int { return &i }

func allScopes() scope.Set { return scope.NewSet(scope.All()...) }

func (m memPlaylists) Refresh(ctx context.Context) error { return nil }

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

type backendT = backend.Backend
