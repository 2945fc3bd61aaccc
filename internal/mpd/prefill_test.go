package mpd_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/models"
)

// countedLookups is the local library counting its lookups.
type countedLookups struct {
	*local.Library
	lookups *atomic.Int64
}

func (l countedLookups) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	l.lookups.Add(1)
	return l.Library.Lookup(ctx, uri)
}

// waitForLookups waits until the library has seen want lookups.
func waitForLookups(t *testing.T, lookups *atomic.Int64, want int64, after string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for lookups.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d library lookups 30 s %s, want %d", lookups.Load(), after, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTrackCacheFilledAtStart checks that the adapter collects the
// library when it starts and after each update, with no client asking,
// and that listallinfo then uses the cache. The 1,200 synthetic tracks
// lie in 12 artist folders, which the adapter looks up one by one.
func TestTrackCacheFilledAtStart(t *testing.T) {
	const folders = 12
	lib, _ := localLibrary(t, 1200)
	lookups := new(atomic.Int64)
	c, adapter := startLocalCore(t, countedLookups{lib, lookups})
	waitForLookups(t, lookups, folders, "after the adapter started")
	cl := startLocalFrontend(t, adapter)

	if files := prefixed(cl.cmd("listallinfo"), "file"); len(files) != 1200 {
		t.Fatalf("listallinfo listed %d files, want 1200", len(files))
	}
	if n := lookups.Load(); n != folders {
		t.Errorf("%d library lookups after the first listallinfo, want the %d of the start", n, folders)
	}

	c.NotifyLibraryUpdated()
	waitForLookups(t, lookups, 2*folders, "after a library update")
	if files := prefixed(cl.cmd("listallinfo"), "file"); len(files) != 1200 {
		t.Fatalf("listallinfo after the update listed %d files, want 1200", len(files))
	}
	if n := lookups.Load(); n != 2*folders {
		t.Errorf("%d library lookups after listallinfo following the update, want %d", n, 2*folders)
	}
}
