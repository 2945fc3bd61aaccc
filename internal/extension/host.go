// Package extension runs extensions: programs from signed packages that
// add music sources or act on the server through its core API. Each runs
// as a separate, sandboxed process and speaks JSON-RPC 2.0 over its stdin
// and stdout (see package wire). The host grants it the scopes that both
// its manifest and the configuration name, and checks every message. It
// forwards the events those scopes and the manifest's subscriptions
// allow, and serves the extension's URI schemes to core as a backend.
// An extension that crashes or misbehaves is restarted with backoff.
//
// Wiring: build the host before core, pass Backends to core.New, then
// Start the host with the core:
//
//	h, err := extension.New(extension.Options{Dir: dataDir + "/extensions", ...})
//	c, err := core.New(core.Options{Backends: append(builtins, h.Backends()...), ...})
//	err = h.Start(ctx, c)
//	defer h.Close()
package extension

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/extension/pkg"
	"github.com/tonearm/tonearm/internal/sandbox"
)

// Limits bound what one extension may send and how long the host waits.
// Zero fields take the defaults of DefaultLimits.
type Limits struct {
	// MaxMessage bounds one message in bytes, in both directions.
	MaxMessage int
	// MessagesPerSecond and MessageBurst bound the requests and
	// notifications an extension sends; going over stops it.
	MessagesPerSecond int
	MessageBurst      int
	// QueueLength bounds the messages waiting to be written to the
	// extension; events over it are dropped.
	QueueLength int
	// ConcurrentRequests bounds the extension's requests served at once.
	ConcurrentRequests int
	// CallTimeout bounds each call in either direction.
	CallTimeout time.Duration
	// StartTimeout bounds the initialize handshake.
	StartTimeout time.Duration
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxMessage:         1 << 20,
		MessagesPerSecond:  200,
		MessageBurst:       400,
		QueueLength:        256,
		ConcurrentRequests: 8,
		CallTimeout:        10 * time.Second,
		StartTimeout:       10 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.MaxMessage, d.MaxMessage)
	pick(&l.MessagesPerSecond, d.MessagesPerSecond)
	pick(&l.MessageBurst, d.MessageBurst)
	pick(&l.QueueLength, d.QueueLength)
	pick(&l.ConcurrentRequests, d.ConcurrentRequests)
	if l.CallTimeout <= 0 {
		l.CallTimeout = d.CallTimeout
	}
	if l.StartTimeout <= 0 {
		l.StartTimeout = d.StartTimeout
	}
	return l
}

// Backoff configures restarts. Zero fields take the defaults.
type Backoff struct {
	// Min is the first delay (default 500 ms); each restart doubles it up
	// to Max (default 1 min).
	Min, Max time.Duration
	// MaxRestarts is how many restarts in a row the host tries before it
	// gives up on the extension (default 5).
	MaxRestarts int
	// StableAfter is how long a run must last to reset the count
	// (default 1 min).
	StableAfter time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = 500 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = time.Minute
	}
	if b.MaxRestarts <= 0 {
		b.MaxRestarts = 5
	}
	if b.StableAfter <= 0 {
		b.StableAfter = time.Minute
	}
	return b
}

// DefaultAllowedScopes returns the scopes an extension may be granted
// when the configuration names none: reading the library and playback,
// adding to the tracklist, and every event scope. Admin and the write
// scopes need an explicit [extensions] allowed_scopes entry.
func DefaultAllowedScopes() scope.Set {
	return scope.NewSet(scope.LibraryRead, scope.PlaybackRead, scope.TracklistAdd,
		scope.EventsPlayback, scope.EventsTracklist, scope.EventsOptions,
		scope.EventsMixer, scope.EventsPlaylists, scope.EventsLibrary, scope.EventsExt)
}

// Options configures a Host.
type Options struct {
	// Dir is the folder of installed extensions, <data_dir>/extensions.
	Dir string
	// Installed lists the extensions to run; nil means every one in Dir.
	Installed []pkg.Installed
	// Disabled names installed extensions not to run.
	Disabled []string
	// AllowedScopes bounds the scopes granted: an extension gets the
	// scopes its manifest requests that are also in this set. The zero
	// set means DefaultAllowedScopes.
	AllowedScopes scope.Set
	// ProtectedPaths are folders no extension may be granted, nor any
	// folder inside or above them: the config folder with the secret
	// store, the data folder with the state, the audit log and the other
	// extensions. An extension whose manifest reaches one is not started.
	ProtectedPaths []string
	// AllowWeakLandlock runs extensions even when the kernel's Landlock
	// is older than the sandbox needs.
	AllowWeakLandlock bool
	// Settings holds each extension's configuration section, by
	// extension name, as key-value strings. The extension receives its
	// own section in the handshake and nothing else of the configuration.
	// Resolve secret references before passing them, and pass only those
	// the extension needs.
	Settings map[string]map[string]string
	Limits   Limits
	Backoff  Backoff
	Audit    *audit.Log
	Logger   *slog.Logger
}

// Host supervises the extensions.
type Host struct {
	opts Options
	log  *slog.Logger
	exts []*ext

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New loads the installed extensions and prepares their backends. It
// starts no process; Start does. Extensions that fail to load, or whose
// URI schemes clash with another extension's, are logged and skipped.
func New(o Options) (*Host, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Limits = o.Limits.withDefaults()
	o.Backoff = o.Backoff.withDefaults()
	if len(o.AllowedScopes.List()) == 0 {
		o.AllowedScopes = DefaultAllowedScopes()
	}
	for name, section := range o.Settings {
		if err := checkSettings(section); err != nil {
			return nil, fmt.Errorf("extension host: settings of %s: %w", name, err)
		}
	}
	h := &Host{opts: o, log: o.Logger}
	installed := o.Installed
	if installed == nil {
		if o.Dir == "" {
			return nil, errors.New("extension host: Options.Dir is empty: set it to <data_dir>/extensions")
		}
		var errs []error
		installed, errs = pkg.List(o.Dir)
		for _, err := range errs {
			h.log.Error("extension not loaded", "err", err)
		}
	}
	schemes := make(map[string]string)
	for _, inst := range installed {
		name := inst.Manifest.Name
		if slices.Contains(o.Disabled, name) {
			h.log.Info("extension disabled in the configuration", "extension", name)
			continue
		}
		if clash := firstClash(schemes, inst); clash != "" {
			h.log.Error("extension not loaded: URI scheme already served", "extension", name, "scheme", clash, "by", schemes[clash])
			continue
		}
		for _, s := range inst.Manifest.Schemes {
			schemes[s] = name
		}
		h.exts = append(h.exts, newExt(h, inst))
	}
	return h, nil
}

func firstClash(schemes map[string]string, inst pkg.Installed) string {
	for _, s := range inst.Manifest.Schemes {
		if _, ok := schemes[s]; ok {
			return s
		}
	}
	return ""
}

// Backends returns one backend per extension that declares URI schemes,
// for core.Options.Backends. Calls fail with a "not running" error until
// Start and while the extension restarts.
func (h *Host) Backends() []backend.Backend {
	var out []backend.Backend
	for _, e := range h.exts {
		if len(e.inst.Manifest.Schemes) == 0 {
			continue
		}
		a := &adapter{e: e}
		out = append(out, backend.Backend{
			Name:     "ext." + e.name,
			Schemes:  slices.Clone(e.inst.Manifest.Schemes),
			Library:  a,
			Playback: a,
		})
	}
	return out
}

// Start starts every extension's supervisor with api as the core they
// call; each call goes through core.Guard with the extension's granted
// scopes. Start returns at once; failures are logged and audited.
func (h *Host) Start(ctx context.Context, api core.API) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return errors.New("extension host: Start called twice")
	}
	h.started = true
	h.log.Info("extension sandbox", "landlock_abi", sandbox.ABI(), "required_abi", sandbox.MinABI,
		"allow_weak_landlock", h.opts.AllowWeakLandlock, "extensions", len(h.exts))
	ctx, h.cancel = context.WithCancel(ctx)
	for _, e := range h.exts {
		e.api = api
		e.dispatcher = e.coreDispatcher()
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			e.supervise(ctx)
		}()
	}
	return nil
}

// Close stops every extension and waits for the processes to end.
func (h *Host) Close() error {
	h.mu.Lock()
	cancel := h.cancel
	h.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	h.wg.Wait()
	return nil
}

// Status describes one extension for listings.
type Status struct {
	Name    string
	Version string
	// Signed is false for an extension installed with --allow-unsigned;
	// every listing must show it.
	Signed bool
	Key    string
	// Granted are the scopes the extension holds.
	Granted scope.Set
	// State is "stopped", "starting", "running", "restarting" or "failed".
	State string
	// Failures counts the runs that ended with an error.
	Failures int
	// LastError is the error that ended the last run, empty when none did.
	LastError string
}

// Status returns the state of every extension, sorted by name.
func (h *Host) Status() []Status {
	out := make([]Status, 0, len(h.exts))
	for _, e := range h.exts {
		out = append(out, e.status())
	}
	slices.SortFunc(out, func(a, b Status) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Bounds on one extension's settings.
const (
	maxSettings     = 64
	maxSettingKey   = 64
	maxSettingValue = 4096
)

func checkSettings(section map[string]string) error {
	if len(section) > maxSettings {
		return fmt.Errorf("%d keys exceed %d", len(section), maxSettings)
	}
	for k, v := range section {
		if k == "" || len(k) > maxSettingKey || len(v) > maxSettingValue {
			return fmt.Errorf("key %q: keys need 1 to %d bytes and values at most %d", truncate(k, 80), maxSettingKey, maxSettingValue)
		}
	}
	return nil
}

// Granted returns the scopes an extension gets: those its manifest
// requests that allowed also holds.
func Granted(requested []string, allowed scope.Set) scope.Set {
	var out []scope.Scope
	for _, r := range requested {
		s, err := scope.Parse(r)
		if err == nil && allowed.Has(s) {
			out = append(out, s)
		}
	}
	return scope.NewSet(out...)
}

func (h *Host) audit(ctx context.Context, kind, name, detail string) {
	h.opts.Audit.Record(ctx, audit.Event{Kind: kind, Principal: string(scope.KindExtension) + ":" + name, Detail: detail})
}
