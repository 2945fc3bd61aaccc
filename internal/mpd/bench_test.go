package mpd_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
)

// benchLibrary returns n tracks in 100 albums of 10 artists, with the
// shape of the generated benchmark library.
func benchLibrary(n int) []models.Track {
	tracks := make([]models.Track, n)
	for i := range tracks {
		artist := models.Artist{Name: fmt.Sprintf("Artist %d", i%10)}
		album := &models.Album{Name: fmt.Sprintf("Album %d", i%100), Artists: []models.Artist{artist}}
		tracks[i] = models.Track{
			URI:     fmt.Sprintf("local:track:Artist%%20%d/Album%%20%d/%02d%%20Song%%20%d.flac", i%10, i%100, i%20, i),
			Name:    fmt.Sprintf("Song %d", i),
			Artists: []models.Artist{artist}, Album: album, TrackNo: i%20 + 1,
			Genre: "Rock", Date: "2001", Length: 180000, LastModified: 1700000000000,
		}
	}
	return tracks
}

func benchServer(b *testing.B, n int) *client {
	fe, err := mpdtest.Start(mpd.Config{DataDir: b.TempDir(), MaxOutputBuffer: 64 << 20}, benchLibrary(n), shortTempDir(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fe.Stop() })
	_ = memcore.New
	return dial(b, "tcp", fe.Addr)
}

func benchCommand(b *testing.B, command string) {
	c := benchServer(b, 10000)
	// The first listing waits for the server's background sort of the
	// library, which would otherwise run inside the timed loop.
	c.send("listallinfo")
	c.readReplyFast()
	b.ResetTimer()
	for b.Loop() {
		c.cmd(command)
	}
}

func BenchmarkStatus(b *testing.B)      { benchCommand(b, "status") }
func BenchmarkSearchAny(b *testing.B)   { benchCommand(b, `search any "song 99"`) }
func BenchmarkListAllInfo(b *testing.B) { benchCommand(b, "listallinfo") }
func BenchmarkListGrouped(b *testing.B) { benchCommand(b, "list album group albumartist") }

func BenchmarkStatusRealCore(b *testing.B) {
	fe, err := mpdtest.StartRealCore(mpd.Config{DataDir: b.TempDir()}, benchLibrary(100), time.Hour, shortTempDir(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fe.Stop() })
	c := dial(b, "tcp", fe.Addr)
	b.ResetTimer()
	for b.Loop() {
		c.cmd("status")
	}
}

// readReplyFast reads one reply with one deadline and without keeping its
// lines, for benchmarks of long listings, and returns its line count.
func (c *client) readReplyFast() int {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	lines := 0
	for {
		l, err := c.r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			c.t.Fatalf("read: %v", err)
		}
		lines++
		if string(l) == "OK\n" {
			return lines
		}
		if bytes.HasPrefix(l, []byte("ACK ")) {
			c.t.Fatalf("reply %q", l)
		}
	}
}

// benchLocalCommand times command over the real core and the SQLite
// library with 10,000 synthetic tracks, once the adapter's track list is
// filled. The listallinfo before the loop waits for the fill that the
// adapter and the server start in the background, so that fill does not
// run inside the timed loop.
func benchLocalCommand(b *testing.B, command string) {
	lib, _ := localLibrary(b, 10000)
	_, adapter := startLocalCore(b, lib)
	c := startLocalFrontend(b, adapter)
	c.send("listallinfo")
	c.readReplyFast()
	c.send(command)
	c.readReplyFast()
	for b.Loop() {
		c.send(command)
		c.readReplyFast()
	}
}

func BenchmarkListAllInfoLocal(b *testing.B) { benchLocalCommand(b, "listallinfo") }
func BenchmarkListGroupedLocal(b *testing.B) { benchLocalCommand(b, "list album group albumartist") }
func BenchmarkSearchAnyLocal(b *testing.B)   { benchLocalCommand(b, `search any "river 99"`) }
func BenchmarkStatusLocal(b *testing.B)      { benchLocalCommand(b, "status") }

// BenchmarkAllTracksColdLocal times the first listing after a library
// change: collecting every track of the SQLite library with 10,000
// synthetic tracks into a new adapter's cache. "folders" looks up each
// top-level folder whole. "tracks" rejects folder lookups, so the adapter
// browses every folder and looks up each track, as it did before it used
// folder lookups.
func BenchmarkAllTracksColdLocal(b *testing.B) {
	lib, _ := localLibrary(b, 10000)
	for _, bc := range []struct {
		name string
		lib  backend.Library
	}{{"folders", lib}, {"tracks", trackLookupOnly{lib}}} {
		b.Run(bc.name, func(b *testing.B) {
			c, _ := startLocalCore(b, bc.lib)
			ctx := context.Background()
			p := mpd.Principal{ConnID: "bench", Permissions: mpd.PermAll}
			for b.Loop() {
				all, err := mpd.NewCoreAdapter(c, mpd.CoreOptions{}).CoreFor(p).Search(ctx, models.Query{}, false)
				if err != nil {
					b.Fatal(err)
				}
				if len(all) != 10000 {
					b.Fatalf("collected %d tracks, want 10000", len(all))
				}
			}
		})
	}
}
