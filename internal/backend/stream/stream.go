// Package stream is the backend for internet radio: it owns the http and
// https URI schemes, resolves station playlists to a stream URL, and opens
// the stream with its ICY metadata removed from the audio and reported as
// titles. Like Mopidy 3.4's Mopidy-Stream it has no browsable library:
// Lookup returns one track for a URI.
package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
	"github.com/tonearm/tonearm/internal/backend"
	"github.com/tonearm/tonearm/internal/backend/stream/icy"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/netguard"
	"github.com/tonearm/tonearm/internal/ratelimit"
)

// Defaults for the zero fields of Options.
const (
	DefaultTimeout          = 5 * time.Second
	DefaultMaxPlaylistDepth = 5
	DefaultMaxPlaylistSize  = 256 << 10
	DefaultMaxFetches       = 20
	DefaultReadTimeout      = 15 * time.Second
	DefaultMaxReconnects    = 5
	DefaultReconnectDelay   = 500 * time.Millisecond
	DefaultMaxReconnectWait = 10 * time.Second
	DefaultUserAgent        = "Tonearm"
	defaultCacheSize        = 256
	cacheLifetime           = 10 * time.Minute
)

// Options configures the stream backend. Zero fields take the defaults.
type Options struct {
	// Guard checks every address the backend connects to. Required.
	Guard *netguard.Guard
	// Limiter spaces requests per host and retries 429 and 503 responses.
	// Nil uses a limiter with ratelimit's defaults.
	Limiter *ratelimit.Limiter
	// Schemes are the URI schemes from [stream] protocols. Only http and
	// https are supported; others are ignored with a warning. Empty
	// means both.
	Schemes []string
	// Timeout bounds resolving a URI: fetching and following playlists
	// until audio is found ([stream] timeout).
	Timeout time.Duration
	// MaxPlaylistDepth is the maximum nesting of playlists.
	MaxPlaylistDepth int
	// MaxPlaylistSize is the maximum size of one playlist in bytes.
	MaxPlaylistSize int64
	// MaxFetches is the maximum number of URLs fetched to resolve one URI.
	MaxFetches int
	// ReadTimeout is how long a stream may send no bytes before it counts
	// as dropped.
	ReadTimeout time.Duration
	// MaxReconnects is the maximum number of reconnects in a row after a
	// stream drops; the count starts again once audio flows.
	MaxReconnects int
	// ReconnectDelay is the first delay before a reconnect. Later delays
	// grow by 1.5 times, randomized by ±50 %, up to MaxReconnectWait.
	ReconnectDelay   time.Duration
	MaxReconnectWait time.Duration
	// MetadataBlacklist holds shell patterns ("*" and "?") of URIs that
	// Lookup does not fetch to find a station name, as [stream]
	// metadata_blacklist does in Mopidy 3.4.
	MetadataBlacklist []string
	// UserAgent is sent with every request.
	UserAgent string
	// Logger receives stream events. Nil discards.
	Logger *slog.Logger
}

// Backend is the stream backend. It is safe for concurrent use.
type Backend struct {
	opts      Options
	client    *http.Client
	schemes   []string
	blacklist []*regexp.Regexp
	log       *slog.Logger

	mu    sync.Mutex
	cache map[string]cacheEntry
}

type cacheEntry struct {
	station station
	expires time.Time
}

// New returns a stream backend for opts.
func New(opts Options) (*Backend, error) {
	if opts.Guard == nil {
		return nil, errors.New("stream backend: Options.Guard is nil; every stream connection must go through netguard")
	}
	setDefaults(&opts)
	if opts.Limiter == nil {
		opts.Limiter = ratelimit.New(ratelimit.Options{Logger: opts.Logger})
	}
	// No total timeout: a stream never ends. Dial, TLS and header
	// timeouts come from the guard, and reads from ReadTimeout.
	client := opts.Guard.Client(netguard.ClientOptions{
		Wrap:     opts.Limiter.Transport,
		WrapConn: icy.StatusLineConn,
	})
	blacklist, err := compileGlobs(opts.MetadataBlacklist)
	if err != nil {
		return nil, fmt.Errorf("stream backend: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("backend", "stream")

	var schemes []string
	for _, s := range opts.Schemes {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "http" && s != "https" {
			log.Warn("stream protocol not supported, ignored", "scheme", s)
			continue
		}
		if !slices.Contains(schemes, s) {
			schemes = append(schemes, s)
		}
	}
	if len(opts.Schemes) == 0 {
		schemes = []string{"http", "https"}
	}
	return &Backend{
		opts:      opts,
		client:    client,
		schemes:   schemes,
		blacklist: blacklist,
		log:       log,
		cache:     make(map[string]cacheEntry),
	}, nil
}

func setDefaults(opts *Options) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxPlaylistDepth <= 0 {
		opts.MaxPlaylistDepth = DefaultMaxPlaylistDepth
	}
	if opts.MaxPlaylistSize <= 0 {
		opts.MaxPlaylistSize = DefaultMaxPlaylistSize
	}
	if opts.MaxFetches <= 0 {
		opts.MaxFetches = DefaultMaxFetches
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.MaxReconnects <= 0 {
		opts.MaxReconnects = DefaultMaxReconnects
	}
	if opts.ReconnectDelay <= 0 {
		opts.ReconnectDelay = DefaultReconnectDelay
	}
	if opts.MaxReconnectWait <= 0 {
		opts.MaxReconnectWait = DefaultMaxReconnectWait
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
}

// Backend returns the backend description that core registers: a library
// and a playback provider for the configured schemes.
func (b *Backend) Backend() backend.Backend {
	return backend.Backend{
		Name:     "stream",
		Schemes:  slices.Clone(b.schemes),
		Library:  b,
		Playback: b,
	}
}

// checkURI parses uri and checks that the backend owns its scheme.
func (b *Backend) checkURI(uri string) (*url.URL, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("invalid stream URI %q: %w", netguard.Redact(uri), err)
	}
	if !slices.Contains(b.schemes, u.Scheme) {
		return nil, fmt.Errorf("stream URI %q: scheme %q is not in [stream] protocols: %w",
			netguard.Redact(uri), u.Scheme, backend.ErrNotFound)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("stream URI %q has no host", netguard.Redact(uri))
	}
	return u, nil
}

// Root returns nil: streams cannot be browsed.
func (b *Backend) Root() *models.Ref { return nil }

// Browse returns no refs, as streams cannot be browsed.
func (b *Backend) Browse(context.Context, string) ([]models.Ref, error) { return nil, nil }

// Search returns an empty result: streams cannot be searched.
func (b *Backend) Search(context.Context, models.Query, []string, bool) (models.SearchResult, error) {
	return models.SearchResult{}, nil
}

// Distinct returns no values.
func (b *Backend) Distinct(context.Context, string, models.Query) ([]string, error) { return nil, nil }

// Images returns no images.
func (b *Backend) Images(context.Context, []string) (map[string][]models.Image, error) {
	return map[string][]models.Image{}, nil
}

// Refresh clears the cache of resolved stations, so the next lookup
// fetches them again.
func (b *Backend) Refresh(context.Context, string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.cache)
	return nil
}

// Lookup returns one track for uri, named after the station's icy-name or
// its playlist title when resolving the URI finds one. When resolving
// fails the track has only its URI, as in Mopidy 3.4.
func (b *Backend) Lookup(ctx context.Context, uri string) ([]models.Track, error) {
	if _, err := b.checkURI(uri); err != nil {
		return nil, err
	}
	track := models.Track{URI: uri}
	if b.blacklisted(uri) {
		return []models.Track{track}, nil
	}
	st, err := b.station(ctx, uri)
	if err != nil {
		b.log.Info("stream lookup could not resolve the station", "uri", netguard.Redact(uri), "err", err)
		return []models.Track{track}, nil
	}
	track.Name = st.name
	track.Bitrate = st.bitrate
	return []models.Track{track}, nil
}

// Resolve resolves uri to its stream, following playlists, and returns a
// live source that connects to the stream when opened.
func (b *Backend) Resolve(ctx context.Context, uri string) (audio.Source, error) {
	if _, err := b.checkURI(uri); err != nil {
		return audio.Source{}, err
	}
	st, err := b.station(ctx, uri)
	if err != nil {
		return audio.Source{}, err
	}
	streamURL := st.url
	return audio.Source{
		URI:    uri,
		Format: st.contentType,
		Live:   true,
		Open: func(ctx context.Context, onTitle func(string)) (io.ReadCloser, error) {
			return b.open(ctx, uri, streamURL, onTitle)
		},
	}, nil
}

// station returns the resolved station for uri from the cache or by
// resolving it. No lock is held while the network is used.
func (b *Backend) station(ctx context.Context, uri string) (station, error) {
	b.mu.Lock()
	entry, ok := b.cache[uri]
	b.mu.Unlock()
	if ok && time.Now().Before(entry.expires) {
		return entry.station, nil
	}

	st, err := b.resolve(ctx, uri)
	if err != nil {
		return station{}, err
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.cache) >= defaultCacheSize {
		b.evictLocked()
	}
	b.cache[uri] = cacheEntry{station: st, expires: time.Now().Add(cacheLifetime)}
	return st, nil
}

// evictLocked removes expired entries, or the one expiring first when none
// has expired.
func (b *Backend) evictLocked() {
	now := time.Now()
	first := ""
	for k, e := range b.cache {
		if now.After(e.expires) {
			delete(b.cache, k)
			continue
		}
		if first == "" || e.expires.Before(b.cache[first].expires) {
			first = k
		}
	}
	if len(b.cache) >= defaultCacheSize {
		delete(b.cache, first)
	}
}

// compileGlobs turns shell patterns into regular expressions matching
// whole URIs: "*" matches any run of characters, "/" included, as
// Python's fnmatch does in Mopidy 3.4, and "?" one character.
func compileGlobs(patterns []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		var b strings.Builder
		b.WriteString("^")
		for _, r := range p {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		re, err := regexp.Compile(b.String())
		if err != nil {
			return nil, fmt.Errorf("invalid metadata_blacklist pattern %q: %w", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func (b *Backend) blacklisted(uri string) bool {
	for _, re := range b.blacklist {
		if re.MatchString(uri) {
			return true
		}
	}
	return false
}
