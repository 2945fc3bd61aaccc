package local

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/testlib/synthetic"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/safepath"
)

// newSynthetic returns a Library over n synthetic tracks: tracks 0 to 99
// are by "Artist 0" in "Artist 0/", the next 100 by "Artist 1", and every
// ten tracks form an album.
func newSynthetic(t *testing.T, n, maxResults int) *Library {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "library.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := synthetic.Fill(ctx, st, n); err != nil {
		t.Fatal(err)
	}
	root, err := safepath.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	l, err := New(Options{Root: root, Store: st, MaxSearchResults: maxResults})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func trackURIs(tracks []models.Track) []string {
	var out []string
	for _, t := range tracks {
		out = append(out, t.URI)
	}
	return out
}

func TestSearchReturnsMaxSearchResults(t *testing.T) {
	ctx := context.Background()
	l := newSynthetic(t, 150, 7)
	cases := []struct {
		name       string
		query      models.Query
		uris       []string
		exact      bool
		wantPrefix string
	}{
		{"words", models.Query{"artist": {"artist 0"}}, nil, false, TrackURI("Artist 0/Album 0/")},
		{"exact", models.Query{"album": {"album 0"}}, nil, true, TrackURI("Artist 0/Album 0/")},
		{"two folders", models.Query{"any": {"artist"}}, []string{FolderURI("Artist 1"), FolderURI("Artist 0")}, false, TrackURI("Artist 1/Album 10/")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := l.Search(ctx, c.query, c.uris, c.exact)
			if err != nil {
				t.Fatal(err)
			}
			uris := trackURIs(res.Tracks)
			if len(uris) != 7 {
				t.Fatalf("Search returned %d tracks, want 7: %q", len(uris), uris)
			}
			if !slices.IsSorted(uris) {
				t.Errorf("Search tracks are not sorted by URI: %q", uris)
			}
			for _, u := range uris {
				if !strings.HasPrefix(u, c.wantPrefix) {
					t.Errorf("Search returned %q, want only the first stored tracks, under %q", u, c.wantPrefix)
				}
			}
		})
	}
}

func TestSearchDefaultMaxSearchResults(t *testing.T) {
	l := newSynthetic(t, 150, 0)
	res, err := l.Search(context.Background(), models.Query{"any": {"artist"}}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tracks) != DefaultMaxSearchResults {
		t.Errorf("Search returned %d tracks, want %d", len(res.Tracks), DefaultMaxSearchResults)
	}
}

func TestOpenAppliesMaxSearchResults(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	music := filepath.Join(base, "music")
	if err := os.MkdirAll(music, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, Config{MediaDir: music, DataDir: filepath.Join(base, "data"), MaxSearchResults: 5,
		TempDir: filepath.Join(base, "tmp")})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := synthetic.Fill(ctx, l.Store(), 30); err != nil {
		t.Fatal(err)
	}

	res, err := l.Search(ctx, models.Query{"artist": {"artist"}}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tracks) != 5 {
		t.Errorf("Search returned %d tracks, want 5", len(res.Tracks))
	}

	// Lookups and distinct values are not capped.
	values, err := l.Distinct(ctx, "uri", models.Query{"artist": {"Artist 0"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(values) != 30 {
		t.Errorf("Distinct uri returned %d values, want 30", len(values))
	}
}

func TestNewRejectsNegativeMaxSearchResults(t *testing.T) {
	if _, err := New(Options{Root: &safepath.Root{}, Store: &store.Store{}, MaxSearchResults: -1}); err == nil {
		t.Error("New accepted MaxSearchResults -1")
	}
}
