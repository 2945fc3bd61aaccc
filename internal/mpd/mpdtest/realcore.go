package mpdtest

import (
	"context"
	"log/slog"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
)

// StartRealCore runs a frontend over the real core, with in-memory
// backends for tracks and the test player on the real clock, each track
// playing for trackLength. Stop ends both.
func StartRealCore(cfg mpd.Config, tracks []models.Track, trackLength time.Duration, socketDir string, log *slog.Logger) (*Frontend, error) {
	return StartWithBackends(cfg, memcore.NewBackends(tracks), trackLength, socketDir, log)
}

// StartWithBackends runs a frontend over the real core with the given
// backends, such as the SQLite library's, and the test player on the real
// clock, each track playing for trackLength. Stop ends the frontend and
// the core but not the backends.
func StartWithBackends(cfg mpd.Config, backends []backend.Backend, trackLength time.Duration, socketDir string, log *slog.Logger) (*Frontend, error) {
	player := audiotest.New(audiotest.Options{TrackLength: func(string) time.Duration { return trackLength }})
	vol := 50
	c, err := core.New(core.Options{Backends: backends, Player: player, InitialVolume: &vol, Logger: log})
	if err != nil {
		player.Close()
		return nil, err
	}
	adapter := mpd.NewCoreAdapter(c, mpd.CoreOptions{Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	go adapter.Run(ctx)
	f, err := StartWithCore(cfg, adapter.CoreFor, socketDir, log)
	if err != nil {
		cancel()
		c.Close()
		player.Close()
		return nil, err
	}
	stop := f.stop
	f.stop = func() {
		stop()
		cancel()
		c.Close()
		player.Close()
	}
	return f, nil
}
