// Package netguard builds the one dialer and HTTP client that every
// outgoing connection of the server goes through. The dialer checks each
// address after DNS resolution, just before connect, and rejects loopback,
// private, shared (CGNAT), link-local, unique-local, multicast, unspecified
// and cloud metadata addresses, including their IPv4-mapped, NAT64 and 6to4
// forms, unless the configuration allows their network.
package netguard

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrBlocked is wrapped by every error for an address the guard rejects.
var ErrBlocked = errors.New("address not allowed for outgoing connections")

// ErrRedirect is wrapped by errors for a redirect the client does not follow.
var ErrRedirect = errors.New("redirect not followed")

// BlockedError reports an address the guard rejected and why.
type BlockedError struct {
	Addr netip.Addr
	Kind string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("connection to %s rejected: %s address; add its network to [stream] allowed_networks to allow it",
		e.Addr, e.Kind)
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Defaults for the zero fields of Options.
const (
	DefaultDialTimeout           = 5 * time.Second
	DefaultTLSHandshakeTimeout   = 5 * time.Second
	DefaultResponseHeaderTimeout = 10 * time.Second
	DefaultMaxRedirects          = 5
	DefaultMaxResponseHeaderSize = 64 << 10
)

// Options configures a Guard. Zero durations and sizes take the defaults.
type Options struct {
	// AllowedNetworks are networks that may be dialled although they are
	// special-purpose, from [stream] allowed_networks.
	AllowedNetworks []netip.Prefix
	// DialTimeout bounds one TCP connect.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers after the
	// request is written.
	ResponseHeaderTimeout time.Duration
	// MaxRedirects is the maximum number of redirects one request follows.
	MaxRedirects int
	// MaxResponseHeaderSize is the maximum size of response headers in bytes.
	MaxResponseHeaderSize int64
	// RootCAs are the certificate authorities trusted for https. Nil
	// uses the system's.
	RootCAs *x509.CertPool
	// Logger receives a warning for each rejected address. Nil discards.
	Logger *slog.Logger
}

// Guard checks addresses and builds dialers and HTTP clients that use the
// check. It is safe for concurrent use.
type Guard struct {
	opts    Options
	checker *checker
	log     *slog.Logger
}

// New returns a Guard for opts.
func New(opts Options) *Guard {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.TLSHandshakeTimeout <= 0 {
		opts.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if opts.ResponseHeaderTimeout <= 0 {
		opts.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.MaxResponseHeaderSize <= 0 {
		opts.MaxResponseHeaderSize = DefaultMaxResponseHeaderSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	allowed := append([]netip.Prefix(nil), opts.AllowedNetworks...)
	return &Guard{opts: opts, checker: newChecker(allowed), log: log.With("component", "netguard")}
}

// ParseNetworks parses CIDR prefixes such as "192.168.1.0/24" or
// "fd12::/64", as written in [stream] allowed_networks.
func ParseNetworks(cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("invalid network %q in allowed_networks (write it as CIDR, e.g. 192.168.1.0/24): %w", s, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Check returns nil when addr may be dialled, or an error wrapping
// ErrBlocked.
func (g *Guard) Check(addr netip.Addr) error {
	return g.checker.check(addr)
}

// control runs after the socket is created and before connect, on the
// address the dialer is about to connect to, so no packet reaches a
// rejected address.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") {
		return fmt.Errorf("%w: network %s is not TCP", ErrBlocked, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q: %w", ErrBlocked, address, err)
	}
	if err := g.checker.check(ap.Addr()); err != nil {
		g.log.Warn("outgoing connection rejected", "addr", ap.String(), "err", err)
		return err
	}
	return nil
}

// Dialer returns a dialer that rejects addresses the guard does not allow.
// Each address a name resolves to is checked when it is tried.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   g.opts.DialTimeout,
		KeepAlive: 30 * time.Second,
		Control:   g.control,
	}
}

// Transport returns an HTTP transport that dials through the guard. It
// ignores proxy environment variables, because a proxy would dial the
// final address where the guard cannot check it.
func (g *Guard) Transport() *http.Transport {
	dialer := g.Dialer()
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: g.opts.RootCAs},
		TLSHandshakeTimeout:    g.opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout:  g.opts.ResponseHeaderTimeout,
		MaxResponseHeaderBytes: g.opts.MaxResponseHeaderSize,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        60 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
	}
}

// ClientOptions configures one HTTP client built by Guard.Client.
type ClientOptions struct {
	// WrapConn, when not nil, wraps each connection after the TLS
	// handshake, before HTTP reads it, e.g. to accept SHOUTcast's
	// "ICY 200 OK" status line. Such a client speaks HTTP/1.1 only.
	WrapConn func(net.Conn) net.Conn
	// Wrap wraps the guarded transport, e.g. with a rate limiter.
	// Nil uses the guarded transport as it is.
	Wrap func(http.RoundTripper) http.RoundTripper
	// Timeout bounds a whole request including reading the body. Zero
	// means no total limit, which live streams need; the dial, TLS and
	// response header timeouts still apply.
	Timeout time.Duration
}

// Client returns an HTTP client whose connections go through the guard.
// It follows at most MaxRedirects redirects and only to http and https
// URLs; the target of each redirect is checked again when it is dialled.
func (g *Guard) Client(opts ClientOptions) *http.Client {
	t := g.Transport()
	if opts.WrapConn != nil {
		g.wrapConns(t, opts.WrapConn)
	}
	var rt http.RoundTripper = t
	if opts.Wrap != nil {
		rt = opts.Wrap(rt)
	}
	return &http.Client{
		Transport:     rt,
		Timeout:       opts.Timeout,
		CheckRedirect: g.checkRedirect,
	}
}

// wrapConns makes t dial TLS itself, so wrap sees the decrypted bytes of
// https connections as well as plain http ones.
func (g *Guard) wrapConns(t *http.Transport, wrap func(net.Conn) net.Conn) {
	dial := t.DialContext
	tlsConfig := t.TLSClientConfig
	timeout := g.opts.TLSHandshakeTimeout
	t.ForceAttemptHTTP2 = false
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return wrap(conn), nil
	}
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		cfg := tlsConfig.Clone()
		cfg.ServerName = host
		tlsConn := tls.Client(conn, cfg)
		hsCtx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := tlsConn.HandshakeContext(hsCtx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
		}
		return wrap(tlsConn), nil
	}
}

func (g *Guard) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > g.opts.MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects starting at %s", ErrRedirect, g.opts.MaxRedirects, Redact(via[0].URL.String()))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to scheme %q; only http and https are followed", ErrRedirect, req.URL.Scheme)
	}
	if ip, err := netip.ParseAddr(strings.Trim(req.URL.Hostname(), "[]")); err == nil {
		if err := g.checker.check(ip); err != nil {
			return fmt.Errorf("%w: %w", ErrRedirect, err)
		}
	}
	g.log.Debug("following redirect", "to", Redact(req.URL.String()), "hops", len(via))
	return nil
}

// DialContext dials address through the guard, for protocols other than
// HTTP.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return g.Dialer().DialContext(ctx, network, address)
}
