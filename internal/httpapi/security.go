package httpapi

import (
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tonearm/tonearm/internal/logging"
)

// contentSecurityPolicy allows scripts, styles, images and media from the
// server's own origin only: no inline script or style, no eval, no frames.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. The values are
// built once and assigned under their canonical names, because Header.Set
// on each request took a tenth of a JSON-RPC call's CPU time. No handler
// changes these slices.
func securityHeaders(tls bool, version string, next http.Handler) http.Handler {
	type header struct {
		name   string
		values []string
	}
	static := []header{
		{"Content-Security-Policy", []string{contentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
		{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
		{"Cache-Control", []string{"no-cache"}},
		{"X-Mopidy-Version", []string{version}},
	}
	if tls {
		static = append(static, header{"Strict-Transport-Security", []string{"max-age=31536000"}})
	}
	// JSON-RPC replies are never rendered as documents, so they leave out
	// Referrer-Policy and Cross-Origin-Opener-Policy, which only act on
	// documents. Without them the header map, Content-Type included, fits
	// in its first allocation.
	var rpc []header
	for _, sh := range static {
		if sh.name != "Referrer-Policy" && sh.name != "Cross-Origin-Opener-Policy" {
			rpc = append(rpc, sh)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		set := static
		if r.URL.Path == rpcPath {
			set = rpc
		}
		for _, sh := range set {
			h[sh.name] = sh.values
		}
		next.ServeHTTP(w, r)
	})
}

// hostChecker accepts requests whose Host header names this server, which
// defeats DNS rebinding: a page on evil.example that rebinds its name to
// 127.0.0.1 still sends "Host: evil.example".
type hostChecker struct {
	names   []string // lower-case host names without port
	log     *slog.Logger
	repeats *logging.RepeatLimiter
}

func newHostChecker(hostname string, allowed []string, log *slog.Logger, repeats *logging.RepeatLimiter) *hostChecker {
	names := []string{"localhost", "127.0.0.1", "::1", "ip6-localhost"}
	for _, n := range append([]string{hostname}, allowed...) {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || n == "0.0.0.0" || n == "::" {
			continue
		}
		if u, err := url.Parse(n); err == nil && u.Host != "" {
			n = u.Hostname()
		} else if h, _, err := net.SplitHostPort(n); err == nil {
			n = h
		}
		names = append(names, strings.Trim(n, "[]"))
	}
	return &hostChecker{names: names, log: log, repeats: repeats}
}

func (c *hostChecker) allowed(host string) bool {
	h := strings.ToLower(host)
	if hostOnly, _, err := net.SplitHostPort(h); err == nil {
		h = hostOnly
	}
	h = strings.Trim(h, "[]")
	return slices.Contains(c.names, h)
}

func (c *hostChecker) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.allowed(r.Host) {
			if c.repeats.Allow(eventUnknownHost, r.RemoteAddr) {
				c.log.Warn("request for an unknown host refused", "host", truncate(r.Host, 100), "remote", r.RemoteAddr)
			}
			http.Error(w, fmt.Sprintf("unknown host %q: add it to [http] allowed_hosts", truncate(r.Host, 100)), http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// originPatterns returns the host[:port] patterns a WebSocket Origin may
// have. Entries are accepted with or without a scheme, because Mopidy 3.4
// users often write "http://host" in allowed_origins.
func originPatterns(allowed []string) []string {
	var out []string
	for _, o := range allowed {
		o = strings.ToLower(strings.TrimSpace(o))
		if o == "" {
			continue
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			o = u.Host
		}
		out = append(out, o)
	}
	return out
}

// isJSON reports whether a Content-Type is application/json, with or
// without parameters such as a charset.
func isJSON(contentType string) bool {
	if contentType == "application/json" {
		return true // the usual value, which needs no parsing
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
