package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"

	"github.com/tonearm/tonearm/internal/app"
	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/extension"
	"github.com/tonearm/tonearm/internal/extension/pkg"
)

// extensions runs the installed extensions. The host is built before core,
// because its backends go into core.Options, and started after core,
// because the extensions call core.
type extensions struct {
	host  *extension.Host
	audit *audit.Log
	log   *slog.Logger
}

// buildExtensions loads the installed extensions named in the data folder.
// Only a problem of the server itself, such as an audit log that cannot
// be opened, is returned as an error. A broken extension is logged and
// left out, so it never keeps the server from starting.
func buildExtensions(cfg *config.Config, log *slog.Logger) (*extensions, error) {
	xlog := log.With("component", "extension")
	allowed, err := scope.ParseSet(cfg.Extensions.AllowedScopes)
	if err != nil {
		return nil, fmt.Errorf("[extensions] allowed_scopes: %w", err)
	}
	// The host writes to the same file as the HTTP frontend. Each record is
	// one write to a file opened with O_APPEND, so lines do not interleave.
	al, err := audit.Open(filepath.Join(cfg.Core.DataDir, "audit.log"), log.With("component", "audit"))
	if err != nil {
		return nil, err
	}
	dir := cfg.Core.ExtensionsDir()
	installed := trustedInstalled(dir, cfg.Extensions.TrustedKeys, xlog)
	h, err := extension.New(extension.Options{
		Dir: dir, Installed: installed, Disabled: cfg.Extensions.Disabled,
		AllowedScopes: allowed, AllowWeakLandlock: cfg.Extensions.AllowWeakLandlock,
		ProtectedPaths: []string{cfg.Core.ConfigDir, cfg.Core.DataDir},
		Settings:       cfg.ExtensionSettingsOf(),
		Audit:          al, Logger: xlog,
	})
	if err != nil {
		xlog.Error("extensions not loaded: the server runs without them", "err", err)
		h, err = extension.New(extension.Options{Dir: dir, Installed: []pkg.Installed{}, Audit: al, Logger: xlog})
		if err != nil {
			al.Close()
			return nil, err
		}
	}
	return &extensions{host: h, audit: al, log: xlog}, nil
}

// trustedInstalled lists the extensions installed in dir, leaving out
// those whose folder fails to load and those signed by a key that is no
// longer in trusted_keys. Unsigned extensions stay: they were installed
// with --allow-unsigned on purpose, and the host warns about each.
func trustedInstalled(dir string, trustedKeys []string, log *slog.Logger) []pkg.Installed {
	list, errs := pkg.List(dir)
	for _, err := range errs {
		log.Error("extension not loaded", "err", err)
	}
	keys, err := pkg.ParseTrustedKeys(trustedKeys)
	if err != nil {
		// Config loading rejects invalid keys, so this is not expected.
		log.Error("extensions not loaded: [extensions] trusted_keys is invalid", "err", err)
		return []pkg.Installed{}
	}
	fingerprints := make([]string, 0, len(keys))
	for _, k := range keys {
		fingerprints = append(fingerprints, pkg.Fingerprint(k))
	}
	out := []pkg.Installed{}
	for _, inst := range list {
		if inst.Record.Signed && !slices.Contains(fingerprints, inst.Record.Key) {
			log.Error("extension not loaded: its signing key is no longer in [extensions] trusted_keys; "+
				"add the key again or remove the extension", "extension", inst.Manifest.Name, "key", inst.Record.Key)
			continue
		}
		out = append(out, inst)
	}
	return out
}

// Backends returns the backends of the extensions that serve URI schemes.
func (x *extensions) Backends() []backend.Backend { return x.host.Backends() }

// Close stops the extensions and closes the audit log. It is safe to call
// when Start was never called.
func (x *extensions) Close() error {
	err := x.host.Close()
	x.audit.Close()
	return err
}

// component starts the extensions with c as the core they call. Start
// returns at once: an extension that fails to start is logged, audited
// and retried by the host, and never stops the server.
//
// NOTE: core.New restores the saved playback before this runs, so with
// [core] restore_state a track of an extension that was playing at stop
// keeps its place in the tracklist but does not resume playing.
func (x *extensions) component(c *core.Core) app.Component {
	return app.Funcs{
		ComponentName: "extensions",
		StartFunc: func(ctx context.Context) error {
			if err := x.host.Start(ctx, c); err != nil {
				x.log.Error("extensions not started", "err", err)
			}
			return nil
		},
		StopFunc: func(context.Context) error { return x.Close() },
	}.Component()
}
