// Package mpd is the MPD protocol frontend: it listens on TCP, TLS and Unix
// sockets, authenticates clients by password, runs the commands of MPD 0.23
// on top of the core and writes replies as MPD 0.23 writes them.
package mpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/tonearm/tonearm/internal/audit"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/tonearm/tonearm/internal/connlimit"
	"github.com/tonearm/tonearm/internal/safepath"
)

// Version is the protocol version sent in the greeting, the one that MPD
// 0.23.12, whose behaviour the frontend copies, announces.
const Version = "0.23.5"

// Defaults of the limits, those of MPD 0.23 where it has one.
const (
	DefaultAddress            = "127.0.0.1:6600"
	DefaultMaxLineLength      = 4096            // MPD 0.23 buffers 4 KiB per line
	DefaultMaxCommandListSize = 2 * 1024 * 1024 // max_command_list_size
	DefaultMaxOutputBuffer    = 8 * 1024 * 1024 // max_output_buffer_size
	DefaultMaxConnections     = 100             // max_connections
	DefaultIdleTimeout        = 60 * time.Second
	DefaultBinaryLimit        = 8192
	DefaultMaxSubscriptions   = 16
	DefaultMaxMessages        = 64
)

// Defaults of the limits that MPD 0.23 does not have.
const (
	// DefaultMaxConnectionsPerAddress leaves room for several local
	// clients, which all share the loopback address, and each of which
	// may hold an idle and a command connection.
	DefaultMaxConnectionsPerAddress = 32
	DefaultLoginTimeout             = 15 * time.Second
)

// Config is the frontend's configuration. The zero value of each limit
// means its default.
type Config struct {
	// Address is the TCP "host:port" to listen on, DefaultAddress when
	// empty, "-" for none.
	Address string
	// SocketPath is a Unix socket to listen on as well, none when empty.
	SocketPath string
	// TLSAddress and TLS configure an extra TLS listener when both are set.
	// A TLS client must finish its handshake within LoginTimeout, or
	// IdleTimeout when that is shorter or LoginTimeout is negative.
	TLSAddress string
	TLS        *tls.Config
	// Passwords maps each password to the permissions it grants.
	Passwords []Password
	// DefaultPermissions apply to TCP clients before any password. Nil
	// means all permissions when no password is configured and none
	// otherwise, as in MPD 0.23.
	DefaultPermissions *Permission
	// LocalPermissions apply to Unix socket clients; nil means all.
	LocalPermissions *Permission
	// AllowUnauthenticated must be set to listen on a non-loopback address
	// while DefaultPermissions grant anything, which includes having no
	// password.
	AllowUnauthenticated bool

	MaxLineLength      int
	MaxCommandListSize int
	MaxOutputBuffer    int
	// MaxConnections bounds the TCP and TLS connections. Unix socket
	// clients have an allowance of their own of the same size, so remote
	// clients cannot lock local ones out.
	MaxConnections int
	// MaxConnectionsPerAddress bounds the TCP and TLS connections from one
	// IP address, or one IPv6 /64, so that one host cannot take every slot
	// of MaxConnections. A negative value means no bound. Unix socket
	// clients are not counted.
	MaxConnectionsPerAddress int
	// IdleTimeout closes a client that sends nothing for this long, except
	// while it waits in idle.
	IdleTimeout time.Duration
	// LoginTimeout closes a client this long after it connected while it
	// has no read permission and has not sent a right password, whatever
	// it sends meanwhile. It applies only when Passwords are configured.
	// A negative value means no timeout.
	LoginTimeout time.Duration
	// PasswordRate is the number of password attempts allowed per second
	// per client address, with a burst of PasswordBurst; 1 and 3 when 0.
	PasswordRate  float64
	PasswordBurst int

	// Audit receives failed passwords and permission denials; nil keeps
	// them in the log only.
	Audit *audit.Log

	// CommandBlacklist names commands answered with a permission error for
	// every client, as Mopidy-MPD 3.3's command_blacklist does.
	CommandBlacklist []string

	// DataDir holds the sticker file; stickers are disabled when empty.
	DataDir string
	// MusicDir is the folder whose files the library holds, used only for
	// the config command.
	MusicDir string
}

// Password is one configured password and what it grants. Secret is an
// argon2id hash in PHC form ("$argon2id$v=19$...") or, with a warning at
// start, the password itself as Mopidy stores it.
type Password struct {
	Secret      string
	Permissions Permission
}

// Principal is the identity a connection acts as.
type Principal struct {
	// ConnID identifies the connection in logs ("mpd-17").
	ConnID      string
	Permissions Permission
}

// Server is the MPD frontend.
type Server struct {
	cfg      Config
	coreFor  func(Principal) Core
	log      *slog.Logger
	auth     *authenticator
	stickers *stickerStore
	messages *messageBroker
	updates  *updater
	started  time.Time

	conns  sync.WaitGroup
	nconns atomic.Int64
	// nlocal counts the open Unix socket connections, which have their
	// own allowance of MaxConnections.
	nlocal atomic.Int64
	// rejectSlots bounds the rejections in progress, each of which may
	// wait rejectTimeout for a TLS handshake.
	rejectSlots chan struct{}
	nextID      atomic.Int64
	// perAddress counts the open TCP and TLS connections per address.
	perAddress *connlimit.Limiter
	counters   counters
	// rejectLog bounds the warnings about rejected connections, which a
	// flood of connections would otherwise repeat without end.
	rejectLog *rate.Limiter

	mu   sync.Mutex
	live map[*conn]struct{}

	queueTags *queueTags
	cmds      map[string]command
	watch     *watcher
	paths     pathCache
	sorted    sortedCache
	// music is the music folder for listfiles, nil when not configured.
	music *safepath.Root
}

// New checks cfg and returns a Server. coreFor returns the core as seen by
// a principal; it is called when a connection starts and again when a
// password changes the connection's permissions.
func New(cfg Config, coreFor func(Principal) Core, log *slog.Logger) (*Server, error) {
	if coreFor == nil {
		return nil, errors.New("mpd: coreFor is nil")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = withDefaults(cfg)
	if err := checkExposure(cfg, log); err != nil {
		return nil, err
	}
	auth, err := newAuthenticator(cfg, log)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, coreFor: coreFor, log: log, auth: auth,
		messages:  newMessageBroker(),
		updates:   newUpdater(log),
		started:   time.Now(),
		queueTags: newQueueTags(),
		cmds:      commandTable(),
		watch:     newWatcher(),

		perAddress:  connlimit.New(cfg.MaxConnectionsPerAddress),
		rejectLog:   rate.NewLimiter(rejectLogRate, rejectLogBurst),
		rejectSlots: make(chan struct{}, maxConcurrentRejects),
	}
	if cfg.MusicDir != "" {
		if s.music, err = safepath.OpenRoot(cfg.MusicDir); err != nil {
			return nil, fmt.Errorf("mpd: music folder: %w", err)
		}
	}
	if cfg.DataDir != "" {
		if s.stickers, err = openStickerStore(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Address == "" {
		cfg.Address = DefaultAddress
	}
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = DefaultMaxLineLength
	}
	if cfg.MaxCommandListSize <= 0 {
		cfg.MaxCommandListSize = DefaultMaxCommandListSize
	}
	if cfg.MaxOutputBuffer <= 0 {
		cfg.MaxOutputBuffer = DefaultMaxOutputBuffer
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.MaxConnectionsPerAddress == 0 {
		cfg.MaxConnectionsPerAddress = DefaultMaxConnectionsPerAddress
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.LoginTimeout == 0 {
		cfg.LoginTimeout = DefaultLoginTimeout
	}
	if cfg.PasswordRate <= 0 {
		cfg.PasswordRate = 1
	}
	if cfg.PasswordBurst <= 0 {
		cfg.PasswordBurst = 3
	}
	return cfg
}

// checkExposure rejects an unauthenticated listener on a non-loopback
// address unless AllowUnauthenticated is set, and warns when it is.
func checkExposure(cfg Config, log *slog.Logger) error {
	open := cfg.defaultPermissions() != 0
	for _, addr := range []string{cfg.Address, cfg.TLSAddress} {
		if addr == "" || addr == "-" || isLoopback(addr) || !open {
			continue
		}
		if !cfg.AllowUnauthenticated {
			return fmt.Errorf("mpd: refusing to listen on non-loopback address %s while clients without a password get permissions %s: set a password and default_permissions, or allow_unauthenticated", addr, cfg.defaultPermissions())
		}
		log.Warn("MPD listens on a non-loopback address without authentication", "address", addr, "permissions", cfg.defaultPermissions().String())
	}
	return nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c Config) defaultPermissions() Permission {
	if c.DefaultPermissions != nil {
		return *c.DefaultPermissions
	}
	if len(c.Passwords) == 0 {
		return PermAll
	}
	return 0
}

// handshakeTimeout bounds the TLS handshake of a new client: the login
// timeout, or the idle timeout when that is shorter or no login timeout
// applies.
func (c Config) handshakeTimeout() time.Duration {
	if c.LoginTimeout > 0 {
		return min(c.LoginTimeout, c.IdleTimeout)
	}
	return c.IdleTimeout
}

func (c Config) localPermissions() Permission {
	if c.LocalPermissions != nil {
		return *c.LocalPermissions
	}
	return PermAll
}

// Listeners opens the configured listeners. Serve with them; the caller
// may also pass listeners of its own to Serve, as tests do.
func (s *Server) Listeners() ([]Listener, error) {
	var ls []Listener
	closeAll := func() {
		for _, l := range ls {
			l.Close()
		}
	}
	if s.cfg.Address != "-" {
		l, err := net.Listen("tcp", s.cfg.Address)
		if err != nil {
			return nil, fmt.Errorf("mpd: listen on %s: %w", s.cfg.Address, err)
		}
		ls = append(ls, Listener{Listener: l})
	}
	if s.cfg.TLSAddress != "" && s.cfg.TLS != nil {
		l, err := tls.Listen("tcp", s.cfg.TLSAddress, s.cfg.TLS)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("mpd: listen with TLS on %s: %w", s.cfg.TLSAddress, err)
		}
		ls = append(ls, Listener{Listener: l})
	}
	if s.cfg.SocketPath != "" {
		if err := os.Remove(s.cfg.SocketPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			closeAll()
			return nil, fmt.Errorf("mpd: remove stale socket %s: %w", s.cfg.SocketPath, err)
		}
		l, err := net.Listen("unix", s.cfg.SocketPath)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("mpd: listen on %s: %w", s.cfg.SocketPath, err)
		}
		if err := os.Chmod(s.cfg.SocketPath, 0o600); err != nil {
			l.Close()
			closeAll()
			return nil, fmt.Errorf("mpd: restrict socket %s: %w", s.cfg.SocketPath, err)
		}
		ls = append(ls, Listener{Listener: l, Local: true})
	}
	return ls, nil
}

// retryableAccept reports whether an Accept error is temporary.
func retryableAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) ||
		errors.Is(err, syscall.ECONNABORTED)
}

// Listener is a listening socket. Clients of a Local listener get
// LocalPermissions and may use the config command.
type Listener struct {
	net.Listener
	Local bool
}

// Serve accepts clients on ls until ctx ends, then closes the listeners
// and every connection and waits for them.
func (s *Server) Serve(ctx context.Context, ls ...Listener) error {
	if len(ls) == 0 {
		return errors.New("mpd: no listener")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	go s.watchEvents(gctx)
	for _, l := range ls {
		s.log.Info("MPD frontend listening", "address", l.Addr().String(), "local", l.Local)
		g.Go(func() error { return s.acceptLoop(gctx, l) })
	}
	g.Go(func() error {
		<-gctx.Done()
		for _, l := range ls {
			l.Close()
		}
		return nil
	})
	err := g.Wait()
	s.conns.Wait()
	s.log.Info("MPD frontend stopped")
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (s *Server) acceptLoop(ctx context.Context, l Listener) error {
	delay := time.Duration(0)
	for {
		nc, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Running out of file descriptors (EMFILE, ENFILE) or buffers
			// is temporary: wait and go on, as net/http does, so a flood of
			// connections on another port cannot stop this listener.
			if retryableAccept(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("MPD accept failed, retrying", "address", l.Addr().String(), "delay", delay, "err", err)
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(delay):
				}
				continue
			}
			return fmt.Errorf("mpd: accept on %s: %w", l.Addr(), err)
		}
		delay = 0
		id := fmt.Sprintf("mpd-%d", s.nextID.Add(1))
		release, ok := s.admit(nc, id, l.Local)
		if !ok {
			continue
		}
		s.conns.Add(1)
		go func() {
			defer s.conns.Done()
			defer release()
			c := newConn(s, nc, id, l.Local)
			c.serve(ctx)
		}()
	}
}
