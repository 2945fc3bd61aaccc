package mpd

import (
	"context"
	"testing"
	"time"
)

// TestServeWarmsListingCache checks that a started server sorts the
// library and builds its folder tree before any client lists it.
func TestServeWarmsListingCache(t *testing.T) {
	srv, err := New(Config{Address: "127.0.0.1:0"}, func(Principal) Core { return fuzzCore{} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := srv.Listeners()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ls...) }()
	defer func() {
		cancel()
		<-done
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		srv.sorted.mu.Lock()
		tracks, tree := srv.sorted.tracks, srv.sorted.tree
		srv.sorted.mu.Unlock()
		if tree != nil {
			if len(tracks) != 1 || tracks[0].URI != "local:track:a/b.mp3" {
				t.Errorf("warmed library = %+v, want the one track of the core", tracks)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server built no folder tree within 30 s of starting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
