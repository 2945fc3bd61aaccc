package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tonearm/tonearm/internal/backend/stream/icy"
	"github.com/tonearm/tonearm/internal/backend/stream/playlist"
	"github.com/tonearm/tonearm/internal/netguard"
)

// station is a URI resolved to a stream.
type station struct {
	url         *url.URL
	contentType string
	name        string
	bitrate     int
}

// ErrPlaylistLoop is wrapped by the error for a playlist that leads back
// to itself.
var ErrPlaylistLoop = errors.New("playlist loop")

// ErrNotAudio is wrapped by the error for a URL that is neither audio nor
// a known playlist format.
var ErrNotAudio = errors.New("neither an audio stream nor a playlist")

// resolver follows playlists for one URI.
type resolver struct {
	b       *Backend
	fetches int
	seen    map[string]bool
}

// resolve fetches uri and follows playlists, depth first and in order,
// until an entry returns audio. It is bounded by Options.Timeout,
// MaxPlaylistDepth, MaxFetches and MaxPlaylistSize.
func (b *Backend) resolve(ctx context.Context, uri string) (station, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	u, err := url.Parse(uri)
	if err != nil {
		return station{}, fmt.Errorf("invalid stream URI: %w", err)
	}
	r := &resolver{b: b, seen: make(map[string]bool)}
	st, err := r.follow(ctx, u, 0, "")
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return station{}, fmt.Errorf("resolve %s: timed out after %v; raise [stream] timeout for slow stations: %w",
				netguard.Redact(uri), b.opts.Timeout, err)
		}
		return station{}, fmt.Errorf("resolve %s: %w", netguard.Redact(uri), err)
	}
	b.log.Debug("stream resolved", "uri", netguard.Redact(uri), "stream", netguard.Redact(st.url.String()),
		"content_type", st.contentType, "fetches", r.fetches)
	return st, nil
}

func (r *resolver) follow(ctx context.Context, u *url.URL, depth int, title string) (station, error) {
	key := u.String()
	if r.seen[key] {
		return station{}, fmt.Errorf("%w: %s appears twice", ErrPlaylistLoop, netguard.Redact(key))
	}
	r.seen[key] = true
	if depth > r.b.opts.MaxPlaylistDepth {
		return station{}, fmt.Errorf("playlists nested deeper than %d", r.b.opts.MaxPlaylistDepth)
	}
	if r.fetches >= r.b.opts.MaxFetches {
		return station{}, fmt.Errorf("more than %d URLs fetched without finding audio", r.b.opts.MaxFetches)
	}
	r.fetches++

	resp, err := r.b.get(ctx, u)
	if err != nil {
		return station{}, err
	}
	defer resp.Body.Close()

	head := make([]byte, playlist.SniffLength)
	n, err := io.ReadFull(resp.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return station{}, fmt.Errorf("read %s: %w", netguard.Redact(key), err)
	}
	head = head[:n]
	contentType := resp.Header.Get("Content-Type")

	kind := playlist.Detect(contentType, head)
	switch kind {
	case playlist.Audio:
		return stationFrom(u, resp, title), nil
	case playlist.Unknown:
		return station{}, fmt.Errorf("%s (Content-Type %q): %w", netguard.Redact(key), contentType, ErrNotAudio)
	}

	rest, err := netguard.ReadAll(resp.Body, r.b.opts.MaxPlaylistSize-int64(len(head)))
	if err != nil {
		return station{}, fmt.Errorf("read %s playlist %s: %w", kind, netguard.Redact(key), err)
	}
	entries, err := playlist.Parse(kind, append(head, rest...))
	if err != nil {
		return station{}, fmt.Errorf("%s: %w", netguard.Redact(key), err)
	}
	return r.followEntries(ctx, resp.Request.URL, entries, depth)
}

// followEntries tries each entry in turn and returns the first that
// resolves to audio, or the first entry's error when none does.
func (r *resolver) followEntries(ctx context.Context, base *url.URL, entries []playlist.Entry, depth int) (station, error) {
	var firstErr error
	for _, e := range entries {
		next, err := playlist.ResolveEntry(base, e.URI)
		if err == nil {
			var st station
			st, err = r.follow(ctx, next, depth+1, e.Title)
			if err == nil {
				return st, nil
			}
		}
		r.b.log.Debug("playlist entry skipped", "playlist", netguard.Redact(base.String()), "err", err)
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
		if r.fetches >= r.b.opts.MaxFetches {
			break
		}
	}
	return station{}, firstErr
}

// get sends a GET request for u with the Icy-MetaData header set.
func (b *Backend) get(ctx context.Context, u *url.URL) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", netguard.Redact(u.String()), err)
	}
	req.Header.Set("User-Agent", b.opts.UserAgent)
	req.Header.Set("Icy-MetaData", "1")
	req.Header.Set("Accept", "*/*")
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", netguard.Redact(u.String()), err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("fetch %s: server responded with %s", netguard.Redact(u.String()), resp.Status)
	}
	return resp, nil
}

// stationFrom describes the stream at u from its response headers. title
// is the playlist entry's title, used when the server sends no icy-name.
func stationFrom(u *url.URL, resp *http.Response, title string) station {
	st := station{url: u, contentType: mediaType(resp.Header.Get("Content-Type")), name: title}
	if name := icy.DecodeText([]byte(resp.Header.Get("Icy-Name"))); name != "" {
		st.name = name
	}
	if br, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Icy-Br"))); err == nil && br > 0 && br < 100000 {
		st.bitrate = br * 1000
	}
	return st
}

// mediaType returns the media type of a Content-Type value without its
// parameters.
func mediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}
