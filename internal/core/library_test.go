package core

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/models"
)

// threeBackends gives the env backends "mem", "zed" (slow) and "bad"
// (failing).
func threeBackends(slow time.Duration) (func(*Options), *memBackend, *memBackend) {
	zed := newMem("zed")
	zed.delay = slow
	bad := newMem("bad")
	bad.fail = true
	return func(o *Options) {
		o.Backends = append(o.Backends, zed.backend(), bad.backend())
		o.SearchTimeout = 200 * time.Millisecond
	}, zed, bad
}

func TestDuplicateSchemeFailsStart(t *testing.T) {
	a, b := newMem("mem"), newMem("mem")
	_, err := New(Options{Player: newEnv(t).player, Backends: []backend.Backend{a.backend(), b.backend()}})
	if err == nil || !strings.Contains(err.Error(), `both claim URI scheme "mem"`) {
		t.Errorf("error = %v, want a duplicate scheme error", err)
	}
}

func TestURISchemes(t *testing.T) {
	tune, _, _ := threeBackends(0)
	e := newEnv(t, tune)
	got, _ := e.core.GetURISchemes(e.ctx)
	if !slices.Equal(got, []string{"bad", "mem", "zed"}) {
		t.Errorf("schemes = %v", got)
	}
	pl, _ := e.core.Playlists().GetURISchemes(e.ctx)
	if !slices.Equal(pl, []string{"bad", "mem", "zed"}) {
		t.Errorf("playlist schemes = %v", pl)
	}
}

func TestBrowse(t *testing.T) {
	tune, _, _ := threeBackends(0)
	e := newEnv(t, tune)
	lib := e.core.Library()
	roots, _ := lib.Browse(e.ctx, nil)
	var names []string
	for _, r := range roots {
		names = append(names, r.Name)
	}
	if !slices.Equal(names, []string{"BAD", "MEM", "ZED"}) {
		t.Errorf("roots = %v, want sorted by name", names)
	}
	blank := ""
	if refs, _ := lib.Browse(e.ctx, &blank); refs == nil || len(refs) != 0 {
		t.Errorf("browse blank = %v, want []", refs)
	}
	root := "mem:root"
	if refs, _ := lib.Browse(e.ctx, &root); len(refs) != 1 || refs[0].URI != "mem:1" {
		t.Errorf("browse mem:root = %v", refs)
	}
	unknown := "nope:x"
	if refs, _ := lib.Browse(e.ctx, &unknown); len(refs) != 0 {
		t.Errorf("browse unknown scheme = %v, want []", refs)
	}
}

func TestSearchFanOut(t *testing.T) {
	tune, _, _ := threeBackends(5 * time.Second)
	e := newEnv(t, tune)
	start := time.Now()
	res, err := e.core.Library().Search(e.ctx, models.Query{"any": {"x"}}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("search took %v: the slow backend was not cut off by the timeout", elapsed)
	}
	if len(res) != 1 || res[0].URI != "mem:search" {
		t.Errorf("results = %+v, want only mem's (zed timed out, bad failed)", res)
	}
	res, _ = e.core.Library().Search(e.ctx, models.Query{"any": {"x"}}, []string{"mem:root"}, false)
	if len(res) != 1 {
		t.Errorf("search limited to mem: %d results", len(res))
	}
	if _, err := e.core.Library().Search(e.ctx, models.Query{"colour": {"x"}}, nil, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad field error = %v, want ErrInvalid", err)
	}
	if res, _ := e.core.Library().Search(e.ctx, models.Query{}, nil, false); res == nil || len(res) != 0 {
		t.Errorf("empty query = %v, want []", res)
	}
}

func TestLookupDistinctImages(t *testing.T) {
	tune, _, _ := threeBackends(0)
	e := newEnv(t, tune)
	lib := e.core.Library()
	got, _ := lib.Lookup(e.ctx, []string{"mem:1", "mem:missing", "nope:1"})
	if len(got) != 3 || len(got["mem:1"]) != 1 || len(got["mem:missing"]) != 0 || got["nope:1"] == nil {
		t.Errorf("lookup = %+v", got)
	}
	d, _ := lib.GetDistinct(e.ctx, "genre", nil)
	if !slices.Equal(d, []string{"mem", "x", "zed"}) {
		t.Errorf("distinct = %v, want the union of mem and zed, sorted", d)
	}
	if _, err := lib.GetDistinct(e.ctx, "any", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("distinct any error = %v, want ErrInvalid", err)
	}
	img, _ := lib.GetImages(e.ctx, []string{"mem:1", "zed:2", "nope:3"})
	if len(img["mem:1"]) != 1 || len(img["zed:2"]) != 1 || img["nope:3"] == nil {
		t.Errorf("images = %+v", img)
	}
}

func TestLibraryRefreshEvents(t *testing.T) {
	e := newEnv(t)
	if err := e.core.Library().Refresh(e.ctx, nil); err != nil {
		t.Fatal(err)
	}
	e.expect(events.NameUpdateStarted, events.NameUpdateFinished, events.NameLibraryUpdated)
	if e.mem.refreshed != 1 {
		t.Errorf("backend refreshed %d times", e.mem.refreshed)
	}
	bad := "nope:x"
	if err := e.core.Library().Refresh(e.ctx, &bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("refresh of unknown scheme = %v, want ErrInvalid", err)
	}
}

func TestPlaylistsRouting(t *testing.T) {
	e := newEnv(t)
	pls := e.core.Playlists()
	scheme := "mem"
	pl, err := pls.Create(e.ctx, "Mix", &scheme)
	if err != nil || pl == nil || pl.URI != "mem:playlist:Mix" {
		t.Fatalf("create = %+v, %v", pl, err)
	}
	evs := e.expect("playlist_changed")
	if evs[0].(events.PlaylistChanged).Playlist.URI != pl.URI {
		t.Errorf("event = %+v", evs[0])
	}
	pl.Tracks = []models.Track{{URI: "mem:1", Name: "One"}}
	saved, _ := pls.Save(e.ctx, *pl)
	if saved == nil || len(saved.Tracks) != 1 {
		t.Fatalf("save = %+v", saved)
	}
	e.expect("playlist_changed")
	if _, err := pls.Save(e.ctx, models.Playlist{Name: "no uri"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("save without uri = %v, want ErrInvalid", err)
	}
	items, _ := pls.GetItems(e.ctx, pl.URI)
	if len(items) != 1 || items[0].URI != "mem:1" {
		t.Errorf("items = %+v", items)
	}
	if items, _ := pls.GetItems(e.ctx, "mem:playlist:none"); items != nil {
		t.Errorf("items of missing = %v, want nil", items)
	}
	list, _ := pls.AsList(e.ctx)
	if len(list) != 1 {
		t.Errorf("as_list = %+v", list)
	}
	if ok, _ := pls.Delete(e.ctx, pl.URI); !ok {
		t.Error("delete = false")
	}
	e.expect("playlist_deleted")
	if ok, _ := pls.Delete(e.ctx, pl.URI); ok {
		t.Error("second delete = true")
	}
	pls.Refresh(e.ctx, nil)
	e.expect("playlists_loaded")
	if got, _ := pls.Lookup(e.ctx, "nope:1"); got != nil {
		t.Errorf("lookup on unknown scheme = %+v", got)
	}
}

func TestHistoryBounded(t *testing.T) {
	e := newEnv(t)
	e.add("1", "2")
	e.core.Tracklist().SetRepeat(e.ctx, true)
	e.play(nil)
	for range MaxHistory + 20 {
		e.core.Playback().Next(e.ctx)
	}
	n, _ := e.core.History().GetLength(e.ctx)
	if n != MaxHistory {
		t.Errorf("history length = %d, want %d", n, MaxHistory)
	}
}

func TestHistoryRefName(t *testing.T) {
	cases := []struct {
		track models.Track
		want  string
	}{
		{models.Track{Name: "T", Artists: []models.Artist{{Name: "A"}, {Name: "B"}}}, "A, B - T"},
		{models.Track{Name: "T"}, "T"},
		{models.Track{Artists: []models.Artist{{Name: "A"}}}, "A"},
	}
	for _, tc := range cases {
		if got := historyRef(tc.track).Name; got != tc.want {
			t.Errorf("name = %q, want %q", got, tc.want)
		}
	}
}

func TestClosedCoreFails(t *testing.T) {
	e := newEnv(t)
	e.core.Close()
	if _, err := e.core.Playback().GetState(e.ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close error = %v, want ErrClosed", err)
	}
}
