// Package httpapi is the HTTP frontend: Mopidy 3.4's JSON-RPC over POST
// /mopidy/rpc and WebSocket /mopidy/ws with events pushed on every socket,
// logins, API tokens, static web clients and the audio stream, behind
// Host, Origin and cross-site checks and a strict Content-Security-Policy.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/jsonrpc"
	"github.com/tonearm/tonearm/internal/logging"
)

// Limits with their defaults.
const (
	DefaultMaxBodyBytes    = 1 << 20 // largest JSON-RPC request body
	DefaultMaxMessageBytes = 1 << 20 // largest WebSocket message
	DefaultMaxSockets      = 200     // open WebSockets at once
	sessionCookie          = "tonearm_session"
)

// Options configures the HTTP frontend.
type Options struct {
	// Hostname is the configured bind name; it is also accepted in Host.
	Hostname string
	// Loopback is true when every listener is on a loopback address. On
	// loopback with no account, callers need no login, as in Mopidy 3.4.
	Loopback bool
	// AllowUnauthenticated lets callers in without a login on any address.
	AllowUnauthenticated bool
	// TLS makes cookies Secure and adds HSTS.
	TLS bool
	// AllowedOrigins are extra WebSocket and cross-origin sources, as
	// host[:port] with or without a scheme; "null" allows Origin: null.
	AllowedOrigins []string
	// AllowedHosts are extra names the Host header may carry.
	AllowedHosts []string
	// Version is sent in X-Mopidy-Version.
	Version string

	// Dispatcher serves core.* methods. Its methods read the caller with
	// PrincipalFrom(ctx).
	Dispatcher *jsonrpc.Dispatcher
	// Subscribe returns an event subscription for a WebSocket.
	Subscribe func(scope.Principal) *events.Subscription
	Auth      *auth.Store
	Audit     *audit.Log

	// WebUI is the built-in web interface, served under /tonearm/.
	WebUI fs.FS
	// AppsDir holds installed static web clients, one folder each, served
	// under /<name>/.
	AppsDir string
	// DefaultApp is where / redirects to (default "tonearm").
	DefaultApp string
	// Extra handlers mounted behind the same checks, keyed by pattern
	// ("/stream", "/local/"), each with the scope it needs.
	Extra []Route

	// Status adds entries to GET /api/status, such as the library scan.
	Status func(context.Context) map[string]any

	MaxBodyBytes    int64
	MaxMessageBytes int64
	MaxSockets      int
	// MaxSocketsPerPrincipal bounds the open WebSockets of one account or
	// API token, or of one address for callers without a login. A negative
	// value means no bound.
	MaxSocketsPerPrincipal int
	// PingInterval is the time between keep-alive pings on a WebSocket,
	// and PongTimeout the time after a ping until the socket is closed
	// without a pong.
	PingInterval time.Duration
	PongTimeout  time.Duration
	Logger       *slog.Logger
}

// Route is an extra handler and the scope a caller needs for it.
type Route struct {
	Pattern string
	Scope   scope.Scope
	Handler http.Handler
}

// Server is the HTTP frontend's handler.
type Server struct {
	opts    Options
	log     *slog.Logger
	hosts   *hostChecker
	cop     *http.CrossOriginProtection
	origins []string
	sockets *socketSlots
	// repeats bounds the log lines and audit records that floods of
	// rejected requests write.
	repeats *logging.RepeatLimiter
	handler http.Handler
	// rpcBuffers holds *rpcBuffer values for POST /mopidy/rpc.
	rpcBuffers sync.Pool
	// jsonContentType is the Content-Type of JSON-RPC replies. Handlers
	// assign this slice to the header map, and nothing writes to it.
	jsonContentType []string
	// anonymous holds the scopes of a caller without login, built once.
	anonymous scope.Set

	// usersMu guards the cached answer of Auth.HasUsers, which anonymous
	// loopback requests would otherwise query on every call.
	usersMu      sync.Mutex
	usersKnown   bool
	hasUsers     bool
	usersChecked time.Time
}

// accountCheckInterval bounds how long a cached "no account exists" holds,
// so an account added with `tonearm user add` takes effect within it.
const accountCheckInterval = time.Second

// anyUsers reports whether an account exists, asking the store at most
// once per accountCheckInterval.
func (s *Server) anyUsers(ctx context.Context) (bool, error) {
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	if s.usersKnown && time.Since(s.usersChecked) < accountCheckInterval {
		return s.hasUsers, nil
	}
	has, err := s.opts.Auth.HasUsers(ctx)
	if err != nil {
		return false, err
	}
	s.usersKnown, s.hasUsers, s.usersChecked = true, has, time.Now()
	return has, nil
}

// New builds the handler tree.
func New(opts Options) (*Server, error) {
	if opts.Dispatcher == nil {
		return nil, errors.New("httpapi: Dispatcher is required")
	}
	if opts.Auth == nil {
		return nil, errors.New("httpapi: Auth is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxSockets <= 0 {
		opts.MaxSockets = DefaultMaxSockets
	}
	if opts.MaxSocketsPerPrincipal == 0 {
		opts.MaxSocketsPerPrincipal = DefaultMaxSocketsPerPrincipal
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.PongTimeout <= 0 {
		opts.PongTimeout = DefaultPongTimeout
	}
	if opts.DefaultApp == "" {
		opts.DefaultApp = "tonearm"
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		cop:       http.NewCrossOriginProtection(),
		origins:   originPatterns(opts.AllowedOrigins),
		sockets:   newSocketSlots(opts.MaxSockets, opts.MaxSocketsPerPrincipal),
		anonymous: anonymousScopes(),

		jsonContentType: []string{"application/json; charset=utf-8"},
	}
	s.rpcBuffers.New = func() any { return new(rpcBuffer) }
	s.repeats = logging.NewRepeatLimiter(logging.RepeatOptions{OnSuppressed: s.reportSuppressed})
	s.hosts = newHostChecker(opts.Hostname, opts.AllowedHosts, opts.Logger, s.repeats)
	for _, o := range s.origins {
		if o == "null" {
			continue
		}
		for _, scheme := range []string{"http://", "https://"} {
			if err := s.cop.AddTrustedOrigin(scheme + o); err != nil {
				return nil, err
			}
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.repeats.Allow(eventCrossOrigin, r.RemoteAddr) {
			s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
				"origin", truncate(r.Header.Get("Origin"), 100), "remote", r.RemoteAddr)
			s.opts.Audit.Record(r.Context(), audit.Event{Kind: audit.PermissionDenied, Address: r.RemoteAddr,
				Detail: "cross-origin " + r.Method + " " + truncate(r.URL.Path, 100) + " from " + truncate(r.Header.Get("Origin"), 100)})
		}
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))

	mux := http.NewServeMux()
	mux.HandleFunc("POST "+rpcPath, s.handleRPC)
	mux.HandleFunc("OPTIONS "+rpcPath, s.handlePreflight)
	mux.HandleFunc("GET /mopidy/ws", s.handleWebSocket)
	mux.HandleFunc("GET /mopidy/ws/", s.handleWebSocket)
	mux.HandleFunc("GET /mopidy/{$}", s.handleAppList)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("GET /whoami", s.handleWhoAmI)
	mux.HandleFunc("GET /api/status", s.handleStatus)
	mux.HandleFunc("GET /api/tokens", s.handleTokenList)
	mux.HandleFunc("POST /api/tokens", s.handleTokenCreate)
	mux.HandleFunc("DELETE /api/tokens/{name}", s.handleTokenRevoke)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/"+s.opts.DefaultApp+"/", http.StatusFound)
	})
	if opts.WebUI != nil {
		mux.Handle("GET /tonearm/", http.StripPrefix("/tonearm/", http.FileServerFS(opts.WebUI)))
		mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/tonearm/#login", http.StatusFound)
		})
	}
	mux.HandleFunc("GET /{app}/", s.handleApp)
	for _, route := range opts.Extra {
		mux.Handle(route.Pattern, s.requireScope(route.Scope, route.Handler))
	}

	var h http.Handler = mux
	h = s.cop.Handler(h)
	h = s.hosts.wrap(h)
	h = securityHeaders(opts.TLS, opts.Version, h)
	s.handler = h
	return s, nil
}

// Kinds of rejected requests that Server.repeats counts. Each kind
// except eventUnknownHost also writes an audit record.
const (
	eventUnknownHost  = "unknown_host"
	eventCrossOrigin  = "cross_origin"
	eventInvalidToken = "invalid_api_token"
	eventScopeDenied  = "scope_denied"
)

// reportSuppressed logs, and for audited kinds records, how many rejected
// requests of one kind from one address were left out of the log in the
// last interval.
func (s *Server) reportSuppressed(kind, address string, suppressed int) {
	s.log.Warn("repeated rejected requests not logged", "event", kind, "address", address,
		"suppressed", suppressed, "interval", logging.DefaultRepeatInterval)
	if kind == eventUnknownHost {
		return
	}
	s.opts.Audit.Record(context.Background(), audit.Event{Kind: audit.PermissionDenied, Address: address,
		Detail: fmt.Sprintf("%d more %s rejections not recorded in %s", suppressed, kind, logging.DefaultRepeatInterval)})
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// NewHTTPServer wraps h in an http.Server with bounded header size and
// timeouts, which slow clients cannot hold open forever. writeTimeout
// bounds writing one response, so a client that sends requests and never
// reads the replies frees its connection. The audio stream outlives it
// because it moves its write deadline before each write, and WebSockets
// because net/http clears the deadlines of a hijacked connection.
func NewHTTPServer(h http.Handler, log *slog.Logger, writeTimeout time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

type principalKey struct{}

// principalContext is a context that carries the caller. It costs one
// allocation per call, where context.WithValue costs a second one to box
// the Principal into an interface.
type principalContext struct {
	context.Context
	p scope.Principal
}

// Value returns the principalContext itself for principalKey, so that
// PrincipalFrom finds the nearest caller without boxing it.
func (c *principalContext) Value(key any) any {
	if _, ok := key.(principalKey); ok {
		return c
	}
	return c.Context.Value(key)
}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p scope.Principal) context.Context {
	return &principalContext{Context: ctx, p: p}
}

// PrincipalFrom returns the caller stored by the frontend. The second
// value is false when none was stored, which callers treat as no rights.
func PrincipalFrom(ctx context.Context) (scope.Principal, bool) {
	c, ok := ctx.Value(principalKey{}).(*principalContext)
	if !ok {
		return scope.Principal{}, false
	}
	return c.p, true
}

// anonymousScopes are the rights of a caller without login where that is
// allowed: everything but admin.
func anonymousScopes() scope.Set {
	var list []scope.Scope
	for _, sc := range scope.All() {
		if sc != scope.Admin {
			list = append(list, sc)
		}
	}
	return scope.NewSet(list...)
}

// principal works out who is calling: an API token, a session cookie, or
// an anonymous caller where no login is required. ok is false when the
// caller must log in first.
func (s *Server) principal(r *http.Request) (p scope.Principal, ok bool) {
	ctx := r.Context()
	if authz := r.Header.Get("Authorization"); authz != "" {
		secret, found := strings.CutPrefix(authz, "Bearer ")
		if !found {
			return p, false
		}
		tok, err := s.opts.Auth.VerifyToken(ctx, strings.TrimSpace(secret), r.RemoteAddr)
		if err != nil {
			if s.repeats.Allow(eventInvalidToken, r.RemoteAddr) {
				s.opts.Audit.Record(ctx, audit.Event{Kind: audit.PermissionDenied, Address: r.RemoteAddr, Detail: "invalid API token"})
			}
			return p, false
		}
		set, err := scope.ParseSet(tok.Scopes)
		if err != nil {
			s.log.Error("stored token has an unknown scope", "token", tok.Name, "err", err)
			return p, false
		}
		return scope.Principal{Kind: scope.KindToken, ID: tok.Name, Scopes: set}, true
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		u, err := s.opts.Auth.Session(ctx, c.Value)
		if err == nil {
			set, err := scope.ParseSet(u.Scopes)
			if err != nil {
				s.log.Error("stored account has an unknown scope", "user", u.Name, "err", err)
				return p, false
			}
			return scope.Principal{Kind: scope.KindSession, ID: u.Name, Scopes: set}, true
		}
	}
	if s.opts.AllowUnauthenticated {
		return scope.Principal{Kind: scope.KindSession, ID: "anonymous", Scopes: s.anonymous}, true
	}
	if s.opts.Loopback {
		has, err := s.anyUsers(ctx)
		if err != nil {
			s.log.Error("account check failed", "err", err)
			return p, false
		}
		if !has {
			return scope.Principal{Kind: scope.KindSession, ID: "anonymous", Scopes: s.anonymous}, true
		}
	}
	return p, false
}

// requireScope lets a request through when its caller holds sc.
func (s *Server) requireScope(sc scope.Scope, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.principal(r)
		if !ok {
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		if sc != "" && !p.Scopes.Has(sc) {
			if s.repeats.Allow(eventScopeDenied, r.RemoteAddr) {
				s.opts.Audit.Record(r.Context(), audit.Event{Kind: audit.PermissionDenied, Principal: p.String(),
					Address: r.RemoteAddr, Detail: r.URL.Path + " needs " + string(sc)})
			}
			http.Error(w, "permission denied: needs scope "+string(sc), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}
