package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/secrets"
)

// Env carries the configuration, logger and secret store to the wiring
// functions.
type Env struct {
	Config *config.Config
	// Logger is the root logger; give each component
	// Logger.With("component", NAME).
	Logger *slog.Logger
	// Secrets is the encrypted store in [core] config_dir.
	Secrets *secrets.Store
}

// ScanSummary counts what one library scan did.
type ScanSummary struct {
	Scanned, Added, Updated, Removed, Failed, Skipped int
	Duration                                          time.Duration
}

// LibraryScanner is the part of the local library that `tonearm local
// scan` and `tonearm local clear` call.
type LibraryScanner interface {
	// Scan brings the library in line with [local] media_dir; force reads
	// unchanged files again.
	Scan(ctx context.Context, force bool) (ScanSummary, error)
	// Clear removes every track from the library.
	Clear(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Wiring builds the server's parts from the configuration.
type Wiring struct {
	// Components returns the components in start order: mixer, audio,
	// backends, core, frontends. The server stops them in reverse.
	Components func(ctx context.Context, env Env) ([]Component, error)
	// NewScanner opens the local library for the local commands.
	NewScanner func(ctx context.Context, env Env) (LibraryScanner, error)
}

// errNoLibrary is returned by the local commands while no library is
// wired in.
var errNoLibrary = errors.New("this build has no local library; " +
	"the local commands need internal/backend/local wired into internal/app")

// DefaultWiring is the wiring of the tonearm binary.
//
// WIRING POINT: the components of the server are built here. Replace the
// listener report by, in this order, the mixer (internal/mixer), the
// player and outputs (internal/audio/player, internal/audio/output), the
// backends (local, file, m3u, stream), core (internal/core) and the
// frontends (internal/mpd, internal/httpapi), each adapted to Component
// with Funcs; and set NewScanner to an adapter over
// internal/backend/local/scan.
func DefaultWiring() Wiring {
	return Wiring{
		Components: func(_ context.Context, env Env) ([]Component, error) {
			return []Component{&listenerReport{cfg: env.Config,
				log: env.Logger.With("component", "app")}}, nil
		},
		NewScanner: func(context.Context, Env) (LibraryScanner, error) {
			return nil, errNoLibrary
		},
	}
}

// listenerReport logs the listeners in the configuration. It takes the
// place of the frontends until they are wired in.
type listenerReport struct {
	cfg *config.Config
	log *slog.Logger
}

func (l *listenerReport) Name() string { return "listener-report" }

func (l *listenerReport) Start(context.Context) error {
	c := l.cfg
	if c.MPD.Enabled {
		l.log.Info("mpd listener configured", "hostname", c.MPD.Hostname, "port", c.MPD.Port,
			"socket", c.MPD.Socket, "tls_port", c.MPD.TLSPort,
			"passwords", len(c.MPD.Credentials()), "max_connections", c.MPD.MaxConnections)
	}
	if c.HTTP.Enabled {
		l.log.Info("http listener configured", "hostname", c.HTTP.Hostname, "port", c.HTTP.Port,
			"tls", c.HTTP.TLSCert != "" || c.HTTP.ACMEDomain != "",
			"allow_unauthenticated", c.HTTP.AllowUnauthenticated)
	}
	return nil
}

func (l *listenerReport) Stop(context.Context) error { return nil }
