package core

import (
	"context"
	"fmt"
	"testing"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/models"
)

func benchCore(b *testing.B) *Core {
	b.Helper()
	player := audiotest.New(audiotest.Options{Manual: true})
	c, err := New(Options{Player: player, Backends: []backend.Backend{newMem("mem").backend()}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(); player.Close() })
	return c
}

func manyTracks(n int) []models.Track {
	tracks := make([]models.Track, n)
	for i := range tracks {
		tracks[i] = models.Track{URI: fmt.Sprintf("mem:%d", i), Length: 1000}
	}
	return tracks
}

// BenchmarkTracklistAdd1000 adds 1000 tracks to an empty tracklist, as
// loading a large playlist does.
func BenchmarkTracklistAdd1000(b *testing.B) {
	c := benchCore(b)
	ctx := context.Background()
	tracks := manyTracks(1000)
	for b.Loop() {
		if _, err := c.Tracklist().Add(ctx, tracks, nil, nil); err != nil {
			b.Fatal(err)
		}
		c.Tracklist().Clear(ctx)
	}
}

// BenchmarkGuardedGetState measures one scope check plus a getter, the
// cost every frontend call pays.
func BenchmarkGuardedGetState(b *testing.B) {
	c := benchCore(b)
	api := Guard(c, scope.Principal{Kind: scope.KindMPD, ID: "b", Scopes: scope.NewSet(scope.PlaybackRead)})
	ctx := context.Background()
	for b.Loop() {
		if _, err := api.Playback().GetState(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextTlidRandom10000 asks for the next track in random mode on
// a 10000-track tracklist, the maximum length by default.
func BenchmarkNextTlidRandom10000(b *testing.B) {
	c := benchCore(b)
	ctx := context.Background()
	c.Tracklist().Add(ctx, manyTracks(DefaultMaxTracklistLength), nil, nil)
	c.Tracklist().SetRandom(ctx, true)
	for b.Loop() {
		c.Tracklist().GetNextTlid(ctx)
	}
}

// BenchmarkPublish20 publishes one event to 20 subscribers that drain
// their queues.
func BenchmarkPublish20(b *testing.B) {
	bus := events.NewBus(events.Options{QueueSize: 1 << 16})
	p := scope.Local("bench")
	for range 20 {
		s := bus.Subscribe(p)
		go func() {
			for range s.Events() {
			}
		}()
	}
	e := events.VolumeChanged{Volume: 50}
	for b.Loop() {
		bus.Publish(e)
	}
}

// BenchmarkSetPriorityWholeQueue sets the priority of every entry of a
// tracklist of 10,000 in random mode, as MPD's "prio 1 0:" does.
func BenchmarkSetPriorityWholeQueue(b *testing.B) {
	c := benchCore(b)
	ctx := context.Background()
	added, err := c.Tracklist().Add(ctx, manyTracks(10000), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Tracklist().SetRandom(ctx, true); err != nil {
		b.Fatal(err)
	}
	tlids := make([]int, len(added))
	for i, t := range added {
		tlids[i] = t.TLID
	}
	prio := 0
	for b.Loop() {
		prio = prio%255 + 1
		if err := c.Tracklist().SetPriority(ctx, tlids, prio); err != nil {
			b.Fatal(err)
		}
	}
}
