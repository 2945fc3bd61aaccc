package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/app"
	"github.com/tonearm/tonearm/internal/audio/output"
	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/connlimit"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/httpapi"
	"github.com/tonearm/tonearm/internal/jsonrpc"
	"github.com/tonearm/tonearm/internal/logging"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/webui"
)

// mpdFrontend runs the MPD server and the adapter that fills its track
// cache in the background at start and refills it after library updates,
// such as the end of the initial scan.
type mpdFrontend struct {
	srv     *mpd.Server
	adapter *mpd.CoreAdapter
	ls      []mpd.Listener
	audit   *audit.Log
	log     *slog.Logger
}

func (m *mpdFrontend) Name() string { return "mpd" }

func (m *mpdFrontend) Start(context.Context) error {
	ls, err := m.srv.Listeners()
	if err != nil {
		return err
	}
	m.ls = ls
	return nil
}

func (m *mpdFrontend) Run(ctx context.Context) error {
	// The bus drops the adapter's subscription when events come faster
	// than it reads them. The adapter then empties its cache, and a new
	// subscription keeps it following library updates.
	go func() {
		for ctx.Err() == nil {
			if err := m.adapter.Run(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("MPD track cache subscription dropped; subscribing again", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}()
	return m.srv.Serve(ctx, m.ls...)
}

func (m *mpdFrontend) Stop(context.Context) error { return m.audit.Close() }

func permissions(list []string) (*mpd.Permission, error) {
	p, err := mpd.ParsePermissions(strings.Join(list, ","))
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func newMPD(cfg *config.Config, c *core.Core, parts *backends, outputs mpd.OutputSwitcher, log *slog.Logger) (comp app.Component, err error) {
	mlog := log.With("component", "mpd")
	if cfg.MPD.Zeroconf != "" {
		mlog.Warn("[mpd] zeroconf is not supported: the server is not announced over mDNS; remove the key", "zeroconf", cfg.MPD.Zeroconf)
	}
	mc := mpd.Config{
		Address:              cfg.MPD.TCPAddress(),
		AllowUnauthenticated: cfg.MPD.AllowUnauthenticated,
		MaxLineLength:        cfg.MPD.MaxLineLength,
		MaxCommandListSize:   cfg.MPD.MaxCommandListSize,
		MaxOutputBuffer:      cfg.MPD.MaxOutputBufferSize,
		MaxConnections:       cfg.MPD.MaxConnections,
		IdleTimeout:          cfg.MPD.ConnectionTimeout,
		LoginTimeout:         cfg.MPD.LoginTimeout,
		CommandBlacklist:     cfg.MPD.CommandBlacklist,
		DataDir:              filepath.Join(cfg.Core.DataDir, "mpd"),
		MusicDir:             cfg.Local.MediaDir,
	}
	// In the config 0 turns the per-address limit off, where mpd.Config
	// takes 0 as its default.
	mc.MaxConnectionsPerAddress = cfg.MPD.MaxConnectionsPerAddress
	if mc.MaxConnectionsPerAddress == 0 {
		mc.MaxConnectionsPerAddress = -1
	}
	var al *audit.Log
	al, err = audit.Open(filepath.Join(cfg.Core.DataDir, "audit.log"), log.With("component", "audit"))
	if err != nil {
		return nil, err
	}
	mc.Audit = al
	defer func() {
		if err != nil {
			al.Close()
		}
	}()
	if paths := cfg.MPD.SocketPaths(); len(paths) > 0 {
		mc.SocketPath = paths[0]
	}
	for _, cred := range cfg.MPD.Credentials() {
		perm, err := mpd.ParsePermissions(strings.Join(cred.Permissions, ","))
		if err != nil {
			return nil, fmt.Errorf("[mpd] passwords: %w", err)
		}
		mc.Passwords = append(mc.Passwords, mpd.Password{Secret: cred.Secret.Value(), Permissions: perm})
	}
	if mc.DefaultPermissions, err = permissions(cfg.MPD.DefaultPermissions); err != nil {
		return nil, fmt.Errorf("[mpd] default_permissions: %w", err)
	}
	if len(cfg.MPD.LocalPermissions) > 0 {
		if mc.LocalPermissions, err = permissions(cfg.MPD.LocalPermissions); err != nil {
			return nil, fmt.Errorf("[mpd] local_permissions: %w", err)
		}
	}
	if cfg.MPD.TLSPort != 0 {
		tlsCfg, err := loadTLS(cfg, mlog)
		if err != nil {
			return nil, err
		}
		mc.TLSAddress, mc.TLS = cfg.MPD.TLSAddress(), tlsCfg
	}
	opts := mpd.CoreOptions{Outputs: outputs, Log: mlog}
	if parts.local != nil {
		lib := parts.local
		opts.CoverArt = func(ctx context.Context, uri string) ([]byte, string, error) {
			data, _, mime, err := lib.Cover(ctx, uri, 0, maxCoverBytes)
			return data, mime, err
		}
	}
	adapter := mpd.NewCoreAdapter(c, opts)
	srv, err := mpd.New(mc, adapter.CoreFor, mlog)
	if err != nil {
		return nil, err
	}
	return &mpdFrontend{srv: srv, adapter: adapter, audit: al, log: mlog}, nil
}

// loadTLS returns the TLS configuration shared by HTTPS and the MPD TLS
// listener, logging the certificate's fingerprint so users can pin it.
func loadTLS(cfg *config.Config, log *slog.Logger) (*tls.Config, error) {
	hosts := append([]string{cfg.HTTP.Hostname}, cfg.HTTP.AllowedHosts...)
	tlsCfg, fingerprint, err := httpapi.LoadTLS(httpapi.TLSOptions{
		CertFile: cfg.HTTP.TLSCert, KeyFile: cfg.HTTP.TLSKey, ACMEDomain: cfg.HTTP.ACMEDomain,
		Dir: filepath.Join(cfg.Core.DataDir, "tls"), Hosts: hosts,
	})
	if err != nil {
		return nil, err
	}
	if fingerprint != "" {
		log.Info("TLS certificate loaded", "sha256", fingerprint)
	}
	return tlsCfg, nil
}

// httpFrontend serves the JSON-RPC API, the web interface and the stream.
type httpFrontend struct {
	cfg   *config.Config
	srv   *http.Server
	store *auth.Store
	audit *audit.Log
	tls   *tls.Config
	ln    net.Listener
	log   *slog.Logger
	once  sync.Once
	// maxConnections bounds the HTTP connections open at once.
	maxConnections int
	// conns is the listener that enforces maxConnections, set by Start.
	conns *connlimit.TotalListener
}

func (h *httpFrontend) Name() string { return "http" }

func (h *httpFrontend) Start(ctx context.Context) error {
	loopback := config.IsLoopback(h.cfg.HTTP.Hostname)
	if !loopback && !h.cfg.HTTP.AllowUnauthenticated {
		has, err := h.store.HasUsers(ctx)
		if err != nil {
			return err
		}
		if !has {
			return fmt.Errorf("[http] hostname = %s listens beyond loopback and no account exists: "+
				"run `tonearm user add NAME` first, or set [http] allow_unauthenticated = true", h.cfg.HTTP.Hostname)
		}
	}
	if !loopback && h.tls == nil {
		h.log.Warn("HTTP listens beyond loopback without TLS: passwords and sessions cross the network in the clear; set [http] tls = true or tls_cert",
			"hostname", h.cfg.HTTP.Hostname)
	}
	ln, err := net.Listen("tcp", h.cfg.HTTP.TCPAddress())
	if err != nil {
		return fmt.Errorf("http: listen on %s: %w", h.cfg.HTTP.TCPAddress(), err)
	}
	// The per-address cap keeps one client from taking every slot of the
	// total cap below. Rejected connections are closed at once and never
	// take a slot.
	rejects := logging.NewRepeatLimiter(logging.RepeatOptions{Logger: h.log})
	ln = connlimit.NewListener(ln, h.cfg.HTTP.MaxConnectionsPerAddress, func(remote net.Addr) {
		if rejects.Allow("http_connection_rejected", remote.String()) {
			h.log.Warn("HTTP connection rejected: too many connections from this address; raise [http] max_connections_per_address",
				"remote", remote.String(), "max", h.cfg.HTTP.MaxConnectionsPerAddress)
		}
	})
	// The total cap keeps a flood of connections from using up the file
	// descriptors the rest of the server needs. When it is reached, the
	// listener closes an idle keep-alive connection, which the server
	// would otherwise hold for its IdleTimeout, to make room for the new
	// client. With none idle, new clients wait in the kernel's backlog
	// until a connection closes or becomes idle. The listener learns which
	// connections are idle from the server's ConnState hook.
	h.conns = connlimit.NewTotalListener(ln, h.maxConnections, h.evicted(rejects))
	ln = h.conns
	serverHook := h.srv.ConnState
	h.srv.ConnState = func(c net.Conn, state http.ConnState) {
		if serverHook != nil {
			serverHook(c, state)
		}
		h.conns.ConnState(c, state)
	}
	if h.tls != nil {
		ln = tls.NewListener(ln, h.tls)
	}
	h.ln = ln
	h.log.Info("HTTP frontend listening", "address", ln.Addr().String(), "tls", h.tls != nil)
	return nil
}

// evicted returns the callback of the TotalListener, which logs every
// idle connection closed to make room at Debug. It also logs one Info line
// per address as far as repeats allows, so that the cap being reached
// shows in the default log.
func (h *httpFrontend) evicted(repeats *logging.RepeatLimiter) func(remote net.Addr) {
	return func(remote net.Addr) {
		addr := remote.String()
		h.log.Debug("HTTP idle connection closed to make room for a new one",
			"remote", addr, "max", h.maxConnections, "evicted", h.conns.Evicted())
		if repeats.Allow("http_idle_connection_closed", addr) {
			h.log.Info("HTTP connection cap reached: closing idle keep-alive connections, longest idle first, from the address with the most connections",
				"remote", addr, "max", h.maxConnections, "evicted", h.conns.Evicted())
		}
	}
}

// Run serves until ctx ends, then shuts the server down, because the app
// calls Stop only after every Runner has returned.
func (h *httpFrontend) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- h.srv.Serve(h.ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		if err := h.srv.Shutdown(shutdownCtx); err != nil {
			h.log.Warn("HTTP connections still open at shutdown were closed", "err", err)
			h.srv.Close()
		}
		<-errc
		return nil
	}
}

// maxCoverBytes bounds the cover art handed to MPD's albumart and
// readpicture; the scanner keeps no larger picture.
const maxCoverBytes = 16 << 20

// maxHTTPConnections is the default of httpFrontend.maxConnections.
const maxHTTPConnections = 1024

// shutdownTimeout bounds how long open requests may take to finish.
const shutdownTimeout = 5 * time.Second

func (h *httpFrontend) Stop(context.Context) error {
	h.srv.Close()
	return h.Close()
}

// Close releases the account store and the audit log.
func (h *httpFrontend) Close() error {
	h.once.Do(func() {
		h.store.Close()
		h.audit.Close()
	})
	return nil
}

func newHTTP(cfg *config.Config, c *core.Core, parts *backends, outputs *output.Set, log *slog.Logger) (*httpFrontend, error) {
	hlog := log.With("component", "http")
	if cfg.HTTP.Zeroconf != "" {
		hlog.Warn("[http] zeroconf is not supported: the server is not announced over mDNS; remove the key", "zeroconf", cfg.HTTP.Zeroconf)
	}
	store, al, err := app.OpenAuth(cfg, log)
	if err != nil {
		return nil, err
	}
	h := &httpFrontend{cfg: cfg, store: store, audit: al, log: hlog, maxConnections: maxHTTPConnections}
	fail := func(err error) (*httpFrontend, error) {
		h.Close()
		return nil, err
	}
	if cfg.HTTP.TLS || cfg.HTTP.TLSCert != "" || cfg.HTTP.ACMEDomain != "" {
		if h.tls, err = loadTLS(cfg, hlog); err != nil {
			return fail(err)
		}
	}
	if !cfg.HTTP.CSRFProtection {
		hlog.Warn("[http] csrf_protection = false is ignored: cross-site checks stay on")
	}
	dispatcher, err := httpapi.NewDispatcher(c, jsonrpc.Options{Logger: hlog}, al)
	if err != nil {
		return fail(err)
	}
	var extra []httpapi.Route
	if outputs.HTTP != nil {
		for _, pattern := range []string{"GET /stream", "GET /stream.opus", "GET /stream.flac"} {
			extra = append(extra, httpapi.Route{Pattern: pattern, Scope: scope.PlaybackRead, Handler: outputs.HTTP})
		}
	}
	if parts.local != nil {
		extra = append(extra, httpapi.Route{Pattern: "GET /local/{name}", Scope: scope.LibraryRead,
			Handler: imageHandler(parts, hlog)})
	}
	// In the config 0 turns the per-principal limit off, where
	// httpapi.Options takes 0 as its default.
	socketsPerPrincipal := cfg.HTTP.MaxWebSocketsPerPrincipal
	if socketsPerPrincipal == 0 {
		socketsPerPrincipal = -1
	}
	api, err := httpapi.New(httpapi.Options{
		Hostname: cfg.HTTP.Hostname, Loopback: config.IsLoopback(cfg.HTTP.Hostname),
		AllowUnauthenticated: cfg.HTTP.AllowUnauthenticated, TLS: h.tls != nil,
		AllowedOrigins: cfg.HTTP.AllowedOrigins, AllowedHosts: cfg.HTTP.AllowedHosts,
		Version: app.Version, Dispatcher: dispatcher,
		Subscribe: func(p scope.Principal) *events.Subscription {
			sub, err := c.EventsFor(p).Subscribe(context.Background())
			if err != nil {
				hlog.Error("event subscription failed", "principal", p.String(), "err", err)
				return nil
			}
			return sub
		},
		Auth: store, Audit: al, WebUI: webui.FS(),
		AppsDir: filepath.Join(cfg.Core.DataDir, "http-apps"), DefaultApp: cfg.HTTP.DefaultApp,
		Extra: extra, Status: status(parts), Logger: hlog,
		MaxSocketsPerPrincipal: socketsPerPrincipal,
	})
	if err != nil {
		return fail(err)
	}
	h.srv = httpapi.NewHTTPServer(api, hlog, cfg.HTTP.WriteTimeout)
	return h, nil
}

// imageHandler serves cover art as /local/<hash>.<ext>, the path
// Mopidy-Local 3 uses.
func imageHandler(parts *backends, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, mime, err := parts.local.Image(r.Context(), r.PathValue("name"))
		if err != nil {
			log.Debug("image not served", "name", r.PathValue("name"), "err", err)
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", mime)
		w.Header().Set("Cache-Control", "private, max-age=86400")
		w.Write(data)
	})
}

// status reports the library for the settings page.
func status(parts *backends) func(context.Context) map[string]any {
	return func(ctx context.Context) map[string]any {
		if parts.local == nil {
			return nil
		}
		st, err := parts.local.Stats(ctx)
		if err != nil {
			return map[string]any{"library": map[string]any{"error": "library status unavailable"}}
		}
		return map[string]any{"library": map[string]any{
			"tracks": st.Tracks, "albums": st.Albums, "artists": st.Artists, "scanning": parts.local.Scanning(),
		}}
	}
}
