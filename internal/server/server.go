// Package server builds Tonearm's parts from the configuration and hands
// them to the app lifecycle in Mopidy's start order: audio, backends, core,
// then the extensions, then frontends. It is the one package that imports
// every concrete part.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/term"

	"github.com/tonearm/tonearm/internal/app"
	"github.com/tonearm/tonearm/internal/audio/decode"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audio/player"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/file"
	"github.com/tonearm/tonearm/internal/backend/local"
	"github.com/tonearm/tonearm/internal/backend/local/tags"
	"github.com/tonearm/tonearm/internal/backend/m3u"
	"github.com/tonearm/tonearm/internal/backend/stream"
	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/netguard"
	"github.com/tonearm/tonearm/internal/ratelimit"
)

// Wiring returns the wiring of the tonearm binary.
func Wiring() app.Wiring {
	return app.Wiring{Components: components, NewScanner: newScanner}
}

// closers closes what was opened, in reverse order, when building fails.
type closers []io.Closer

func (c closers) closeAll() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i].Close()
	}
}

func components(ctx context.Context, env app.Env) (comps []app.Component, err error) {
	cfg := env.Config
	log := env.Logger
	var opened closers
	defer func() {
		if err != nil {
			opened.closeAll()
		}
	}()

	outputs, p, err := buildPlayer(cfg, log)
	if err != nil {
		return nil, err
	}
	opened = append(opened, p)
	audioComp := app.Funcs{ComponentName: "audio", StopFunc: func(context.Context) error { return p.Close() }}.Component()

	parts, err := buildBackends(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	opened = append(opened, parts)

	exts, err := buildExtensions(cfg, log)
	if err != nil {
		return nil, err
	}
	opened = append(opened, exts)

	var volume *int
	if cfg.Audio.MixerVolume != nil {
		volume = cfg.Audio.MixerVolume
	}
	c, err := core.New(core.Options{
		Backends: append(slices.Clone(parts.list), exts.Backends()...), Player: p, Logger: log.With("component", "core"),
		Version: app.Version, MaxTracklistLength: cfg.Core.MaxTracklistLength,
		NoMixer: cfg.Audio.Mixer == "none", InitialVolume: volume,
		RestoreState: cfg.Core.RestoreState, DataDir: cfg.Core.DataDir,
	})
	if err != nil {
		return nil, err
	}
	opened = append(opened, c)
	coreComp := app.Funcs{ComponentName: "core", StopFunc: func(context.Context) error { return c.Close() }}.Component()

	comps = []app.Component{audioComp, parts.component(), coreComp, exts.component(c)}
	if parts.local != nil {
		comps = append(comps, initialScan(parts.local, c, log))
	}
	switcher := newOutputSwitcher(outputs.Outputs, p, cfg.Core.DataDir, cfg.Core.RestoreState, log.With("component", "audio"))
	if cfg.MPD.Enabled {
		m, err := newMPD(cfg, c, parts, switcher, log)
		if err != nil {
			return nil, err
		}
		comps = append(comps, m)
	}
	if cfg.HTTP.Enabled {
		h, err := newHTTP(cfg, c, parts, outputs, log)
		if err != nil {
			return nil, err
		}
		opened = append(opened, h)
		comps = append(comps, h)
	}
	return comps, nil
}

// buildPlayer opens the outputs of [audio] output and starts the player.
func buildPlayer(cfg *config.Config, log *slog.Logger) (*output.Set, *player.Player, error) {
	specs, err := output.Parse(cfg.Audio.Output)
	if err != nil {
		return nil, nil, fmt.Errorf("[audio] output: %w", err)
	}
	alog := log.With("component", "audio")
	// In the config 0 turns the per-address limit off, where
	// output.HTTPOptions takes 0 as its default.
	perAddress := cfg.Audio.MaxStreamListenersPerAddress
	if perAddress == 0 {
		perAddress = -1
	}
	set, err := output.Build(specs, output.Options{Logger: alog, HTTP: output.HTTPOptions{MaxListenersPerAddress: perAddress}})
	if err != nil {
		return nil, nil, err
	}
	mode, err := player.ParseReplayGainMode(cfg.Audio.ReplayGain)
	if err != nil {
		return nil, nil, fmt.Errorf("[audio] replaygain: %w", err)
	}
	p, err := player.New(player.Options{
		Outputs: set.Outputs, ReplayGain: mode, Volume: cfg.Audio.MixerVolume,
		Decode: decode.Options{Logger: alog}, Logger: alog,
	})
	if err != nil {
		return nil, nil, err
	}
	return set, p, nil
}

// initialScan scans the music folder in the background when the library
// is empty, so a first start finds the music without a separate command.
func initialScan(lib *local.Library, c *core.Core, log *slog.Logger) app.Component {
	return app.Funcs{ComponentName: "initial-scan", RunFunc: func(ctx context.Context) error {
		st, err := lib.Stats(ctx)
		if err != nil || st.Tracks > 0 {
			return nil
		}
		log.Info("the library is empty: scanning the music folder")
		if err := c.Library().Refresh(ctx, nil); err != nil && ctx.Err() == nil {
			log.Warn("initial scan failed; run tonearm local scan", "err", err)
		}
		<-ctx.Done()
		return nil
	}}.Component()
}

// backends holds the built-in backends that are enabled.
type backends struct {
	list    []backend.Backend
	local   *local.Library
	closers closers
}

func (b *backends) Close() error {
	b.closers.closeAll()
	return nil
}

func (b *backends) component() app.Component {
	return app.Funcs{ComponentName: "backends", StopFunc: func(context.Context) error { return b.Close() }}.Component()
}

func openLocal(ctx context.Context, cfg *config.Config, log *slog.Logger, progress io.Writer) (*local.Library, error) {
	return local.Open(ctx, local.Config{
		MediaDir: cfg.Local.MediaDir, DataDir: cfg.Core.DataDir,
		FollowSymlinks: cfg.Local.ScanFollowSymlinks, ExcludedExtensions: cfg.Local.ExcludedFileExtensions,
		Workers: cfg.Local.Workers, TempDir: filepath.Join(cfg.Core.CacheDir, "taglib"),
		MaxSearchResults: cfg.Local.MaxSearchResults, Progress: progress, Logger: log.With("component", "local"),
	})
}

func buildBackends(ctx context.Context, cfg *config.Config, log *slog.Logger) (*backends, error) {
	b := &backends{}
	if err := b.build(ctx, cfg, log); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *backends) build(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	if cfg.Local.Enabled {
		if err := ensureMusicDir(cfg.Local.MediaDir, log); err != nil {
			return err
		}
		lib, err := openLocal(ctx, cfg, log, nil)
		if err != nil {
			return err
		}
		b.local = lib
		b.closers = append(b.closers, lib)
		b.list = append(b.list, lib.Backend())
	}
	if cfg.File.Enabled {
		reader, err := tags.NewReader(tags.Options{TempDir: filepath.Join(cfg.Core.CacheDir, "taglib")})
		if err != nil {
			return err
		}
		b.closers = append(b.closers, reader)
		var dirs []file.MediaDir
		for _, d := range cfg.File.MediaDirs {
			dirs = append(dirs, file.MediaDir{Path: d.Path, Name: d.Name})
		}
		fb, err := file.New(file.Options{
			MediaDirs: dirs, ExcludedExtensions: cfg.File.ExcludedFileExtensions,
			ShowDotfiles: cfg.File.ShowDotfiles, FollowSymlinks: cfg.File.FollowSymlinks,
			Reader: reader, Logger: log.With("component", "file"),
		})
		if err != nil {
			return err
		}
		b.closers = append(b.closers, fb)
		b.list = append(b.list, fb.Backend())
	}
	if cfg.M3U.Enabled {
		mp, err := m3u.New(m3u.Options{
			PlaylistsDir: cfg.M3U.PlaylistsDir, BaseDir: cfg.M3U.BaseDir,
			DefaultEncoding: cfg.M3U.DefaultEncoding, DefaultExtension: cfg.M3U.DefaultExtension,
			TrackForPath: b.trackForPath(cfg), PathForURI: b.pathForURI(cfg),
			Logger: log.With("component", "m3u"),
		})
		if err != nil {
			return err
		}
		b.list = append(b.list, mp.Backend())
	}
	if cfg.Stream.Enabled {
		sb, err := buildStream(cfg, log)
		if err != nil {
			return err
		}
		b.list = append(b.list, sb.Backend())
	}
	return nil
}

func buildStream(cfg *config.Config, log *slog.Logger) (*stream.Backend, error) {
	slog := log.With("component", "stream")
	nets, err := netguard.ParseNetworks(cfg.Stream.AllowedNetworks)
	if err != nil {
		return nil, fmt.Errorf("[stream] allowed_networks: %w", err)
	}
	guard := netguard.New(netguard.Options{AllowedNetworks: nets, Logger: slog})
	limiter := ratelimit.New(ratelimit.Options{Logger: slog})
	return stream.New(stream.Options{
		Guard: guard, Limiter: limiter, Schemes: cfg.Stream.Protocols,
		Timeout: cfg.Stream.Timeout, MaxPlaylistDepth: cfg.Stream.MaxPlaylistDepth,
		MaxPlaylistSize: int64(cfg.Stream.MaxPlaylistSize), MetadataBlacklist: cfg.Stream.MetadataBlacklist,
		Logger: slog,
	})
}

// ensureMusicDir creates a missing music folder, so that a first start
// with the defaults serves an empty library instead of failing.
func ensureMusicDir(dir string, log *slog.Logger) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("[local] media_dir %s: %w", dir, err)
	}
	// Only the last folder is made, so a mistyped path or a NAS that is not
	// mounted fails here instead of serving an empty tree.
	if err := os.Mkdir(dir, fsutil.DirMode); err != nil {
		return fmt.Errorf("[local] media_dir %s does not exist and cannot be created: %w; fix the path or create the folder", dir, err)
	}
	log.Info("created the missing music folder; put music there, then run mpc update (or tonearm local scan while the server is stopped)", "media_dir", dir)
	return nil
}

// trackForPath maps a playlist entry that is a file in the music folder to
// its local: track, so stored playlists show library metadata.
func (b *backends) trackForPath(cfg *config.Config) func(context.Context, string) (models.Track, bool) {
	return func(ctx context.Context, path string) (models.Track, bool) {
		if b.local == nil {
			return models.Track{}, false
		}
		rel, err := filepath.Rel(cfg.Local.MediaDir, path)
		if err != nil || !filepath.IsLocal(rel) {
			return models.Track{}, false
		}
		tracks, err := b.local.Lookup(ctx, local.TrackURI(filepath.ToSlash(rel)))
		if err != nil || len(tracks) == 0 {
			return models.Track{}, false
		}
		return tracks[0], true
	}
}

// pathForURI maps a local: track URI to its file, so saved playlists hold
// paths that other players read too.
func (b *backends) pathForURI(cfg *config.Config) func(context.Context, string) (string, bool) {
	return func(_ context.Context, uri string) (string, bool) {
		rel, err := local.TrackPath(uri)
		if err != nil {
			return "", false
		}
		return filepath.Join(cfg.Local.MediaDir, filepath.FromSlash(rel)), true
	}
}

// scanner adapts the local library to the local commands.
type scanner struct{ lib *local.Library }

func (s scanner) Scan(ctx context.Context, force bool) (app.ScanSummary, error) {
	sum, err := s.lib.Scan(ctx, force)
	return app.ScanSummary{
		Scanned: sum.Scanned, Added: sum.Added, Updated: sum.Updated, Removed: sum.Removed,
		Failed: sum.Failed, Skipped: sum.Skipped, Duration: sum.Duration,
	}, err
}

// Clear deletes every track in one transaction, then drops the albums,
// artists and images no track refers to.
func (s scanner) Clear(ctx context.Context) error {
	st := s.lib.Store()
	stamps, err := st.Stamps(ctx)
	if err != nil {
		return err
	}
	batch, err := st.Begin(ctx)
	if err != nil {
		return err
	}
	for path := range stamps {
		if err := batch.Delete(path); err != nil {
			batch.Rollback()
			return err
		}
	}
	if err := batch.Commit(); err != nil {
		return err
	}
	return st.Prune(ctx)
}

func (s scanner) Close() error { return s.lib.Close() }

func newScanner(ctx context.Context, env app.Env) (app.LibraryScanner, error) {
	if !env.Config.Local.Enabled {
		return nil, errors.New("[local] enabled = false: enable the local library to scan it")
	}
	var progress io.Writer
	if term.IsTerminal(int(os.Stderr.Fd())) {
		progress = os.Stderr
	}
	lib, err := openLocal(ctx, env.Config, env.Logger, progress)
	if err != nil {
		return nil, err
	}
	return scanner{lib: lib}, nil
}
