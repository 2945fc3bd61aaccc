package mpd_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/models"
)

// maxSearchResults is the cap the test puts on the core's search, the
// default of [local] max_search_results.
const maxSearchResults = 100

// cappedSearch is the local library with every search cut to
// maxSearchResults tracks, as a capped core.library.search returns them.
type cappedSearch struct{ *local.Library }

func (l cappedSearch) Search(ctx context.Context, q models.Query, uris []string, exact bool) (models.SearchResult, error) {
	r, err := l.Library.Search(ctx, q, uris, exact)
	if len(r.Tracks) > maxSearchResults {
		r.Tracks = r.Tracks[:maxSearchResults]
	}
	return r, err
}

// TestFindReturnsEveryMatch checks that the database commands return
// every match, as MPD 0.23 does, when the core's search stops at 100. The
// 1,200 synthetic tracks have four genres, 300 tracks each.
func TestFindReturnsEveryMatch(t *testing.T) {
	lib, _ := localLibrary(t, 1200)
	c, adapter := startLocalCore(t, cappedSearch{lib})
	results, err := c.Library().Search(context.Background(), models.Query{"genre": {"Rock"}}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || len(results[0].Tracks) != maxSearchResults {
		t.Fatalf("core search for genre Rock returned %d results, want one of %d tracks", len(results), maxSearchResults)
	}
	cl := startLocalFrontend(t, adapter)

	if files := prefixed(cl.cmd("find genre Rock"), "file"); len(files) != 300 {
		t.Errorf("find genre Rock listed %d files, want 300", len(files))
	}
	if files := prefixed(cl.cmd(`search "(genre contains 'roc')"`), "file"); len(files) != 300 {
		t.Errorf("search for genre containing roc listed %d files, want 300", len(files))
	}
	if songs := prefixed(cl.cmd("count genre Jazz"), "songs"); !slices.Equal(songs, []string{"300"}) {
		t.Errorf("count genre Jazz = %q, want 300", songs)
	}
	if titles := prefixed(cl.cmd("list title genre Folk"), "Title"); len(titles) != 300 {
		t.Errorf("list title genre Folk listed %d titles, want 300", len(titles))
	}
	if reply := cl.cmd("findadd genre Ambient"); reply[len(reply)-1] != "OK" {
		t.Fatalf("findadd genre Ambient = %q", reply)
	}
	if n := prefixed(cl.cmd("status"), "playlistlength"); !slices.Equal(n, []string{"300"}) {
		t.Errorf("playlistlength after findadd genre Ambient = %q, want 300", n)
	}
}
