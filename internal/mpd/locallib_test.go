package mpd_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/backend/local/store"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/backend/local/testlib/synthetic"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
	"github.com/tonearm/tonearm/internal/safepath"
)

// localLibrary returns the SQLite library with n synthetic tracks in
// "Artist A/Album B/NN title.flac" folders, and its store. The music
// folder is empty: the tracks can be listed and searched, not played.
func localLibrary(t testing.TB, n int) (*local.Library, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "library.db")})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := synthetic.Fill(ctx, st, n); err != nil {
		t.Fatalf("fill store: %v", err)
	}
	root, err := safepath.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	lib, err := local.New(local.Options{Root: root, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return lib, st
}

// trackLookupOnly is the local library with lookups of folder URIs
// rejected, as a backend that resolves only track URIs does, so the
// adapter browses every folder instead.
type trackLookupOnly struct{ *local.Library }

func (l trackLookupOnly) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	if strings.HasPrefix(uri, local.RootURI) {
		return nil, fmt.Errorf("lookup %q: %w", uri, backend.ErrNotFound)
	}
	return l.Library.Lookup(ctx, uri)
}

// startLocalCore runs the real core over lib, with the adapter, and
// returns both.
func startLocalCore(t testing.TB, lib backend.Library) (*core.Core, *mpd.CoreAdapter) {
	t.Helper()
	player := audiotest.New(audiotest.Options{Manual: true, TrackLength: func(string) time.Duration { return time.Minute }})
	t.Cleanup(func() { player.Close() })
	b := backend.Backend{Name: local.Scheme, Schemes: []string{local.Scheme}, Library: lib}
	c, err := core.New(core.Options{Backends: []backend.Backend{b}, Player: player})
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	adapter := mpd.NewCoreAdapter(c, mpd.CoreOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go adapter.Run(ctx)
	return c, adapter
}

func startLocalFrontend(t testing.TB, adapter *mpd.CoreAdapter) *client {
	t.Helper()
	fe, err := mpdtest.StartWithCore(mpd.Config{DataDir: t.TempDir(), MaxOutputBuffer: 64 << 20}, adapter.CoreFor, shortTempDir(t), slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fe.Stop() })
	return dial(t, "tcp", fe.Addr)
}

// prefixed returns the values of the reply lines that start with key.
func prefixed(reply []string, key string) []string {
	var out []string
	for _, l := range reply {
		if v, ok := strings.CutPrefix(l, key+": "); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestListAllInfoLocalLibrary(t *testing.T) {
	// 1,200 tracks fill Artist 0 to Artist 11, so the lookup of the folder
	// "Artist 1" must leave out "Artist 10" and "Artist 11".
	lib, _ := localLibrary(t, 1200)
	_, byFolder := startLocalCore(t, lib)
	folderReply := startLocalFrontend(t, byFolder).cmd("listallinfo")
	// The second adapter starts filling its cache only now, so the two
	// fills do not share the CPU within the client's read deadline.
	_, byTrack := startLocalCore(t, trackLookupOnly{lib})
	trackReply := startLocalFrontend(t, byTrack).cmd("listallinfo")

	if got := folderReply[len(folderReply)-1]; got != "OK" {
		t.Fatalf("listallinfo ended with %q", got)
	}
	files := prefixed(folderReply, "file")
	if len(files) != 1200 {
		t.Errorf("listallinfo listed %d files, want 1200", len(files))
	}
	want := slices.Clone(files)
	slices.Sort(want)
	if !slices.Equal(slices.Compact(want), want) {
		t.Errorf("listallinfo listed a file twice")
	}
	if dirs := prefixed(folderReply, "directory"); len(dirs) != 12+120 {
		t.Errorf("listallinfo listed %d folders, want 12 artists and 120 albums: %q", len(dirs), dirs)
	}
	if !slices.Equal(folderReply, trackReply) {
		i := 0
		for i < min(len(folderReply), len(trackReply)) && folderReply[i] == trackReply[i] {
			i++
		}
		t.Errorf("listallinfo from folder lookups (%d lines) differs from the one from track lookups (%d lines) at line %d: %q, want %q",
			len(folderReply), len(trackReply), i+1, lineAt(folderReply, i), lineAt(trackReply, i))
	}
}

// lineAt returns line i of a reply, or "" past its end.
func lineAt(reply []string, i int) string {
	if i < len(reply) {
		return reply[i]
	}
	return ""
}

func TestAllTracksCacheChecksScope(t *testing.T) {
	lib, _ := localLibrary(t, 20)
	_, adapter := startLocalCore(t, lib)
	ctx := context.Background()
	reader := adapter.CoreFor(mpd.Principal{ConnID: "reader", Permissions: mpd.PermRead})
	all, err := reader.Search(ctx, models.Query{}, false)
	if err != nil {
		t.Fatalf("search by a reader: %v", err)
	}
	if len(all) != 20 {
		t.Fatalf("search by a reader returned %d tracks, want 20", len(all))
	}

	// The cache is now filled, and must still be refused to a client
	// without the read permission.
	nobody := adapter.CoreFor(mpd.Principal{ConnID: "nobody"})
	tracks, err := nobody.Search(ctx, models.Query{}, false)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.AckPermission {
		t.Errorf("search without the read permission = %d tracks, error %v; want a permission error", len(tracks), err)
	}
}

func TestAllTracksCacheFollowsLibraryUpdate(t *testing.T) {
	lib, st := localLibrary(t, 30)
	c, adapter := startLocalCore(t, lib)
	cl := startLocalFrontend(t, adapter)
	if files := prefixed(cl.cmd("listallinfo"), "file"); len(files) != 30 {
		t.Fatalf("listallinfo listed %d files, want 30", len(files))
	}

	ctx := context.Background()
	batch, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	added := store.Track{Path: "New/Album/01 Added.flac", Info: tags.Info{Title: "Added", Length: time.Minute}}
	if err := batch.Put(&added); err != nil {
		t.Fatal(err)
	}
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	c.NotifyLibraryUpdated()

	// The adapter drops its cache when the event arrives, shortly after.
	deadline := time.Now().Add(10 * time.Second)
	for {
		files := prefixed(cl.cmd("listallinfo"), "file")
		if slices.Contains(files, added.Path) {
			if len(files) != 31 {
				t.Errorf("listallinfo listed %d files after the update, want 31", len(files))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("listallinfo still lists %d files without %q 10 s after the library update", len(files), added.Path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
