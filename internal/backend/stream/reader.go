package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/tonearm/tonearm/internal/backend/stream/icy"
	"github.com/tonearm/tonearm/internal/netguard"
)

// resetAfterBytes is how much audio a connection must deliver before the
// reconnect count starts again, so a server that accepts and drops at
// once still meets MaxReconnects.
const resetAfterBytes = 64 << 10

// ErrStreamLost is wrapped by the error Read returns when a dropped stream
// could not be reconnected.
var ErrStreamLost = errors.New("stream lost")

// streamReader reads a live stream and reconnects it when it drops, so the
// reader sees one unbroken byte sequence.
type streamReader struct {
	b      *Backend
	uri    string
	url    *url.URL
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger

	onTitle   func(string)
	lastTitle string

	mu       sync.Mutex
	conn     *connection
	failures int
	expo     *backoff.ExponentialBackOff
}

// connection is one HTTP response of the stream.
type connection struct {
	body     io.ReadCloser
	audio    io.Reader
	cancel   context.CancelFunc
	watchdog *time.Timer
	// finite is true for a response with a Content-Length: its end is the
	// end of the stream, not a drop.
	finite   bool
	received int64
}

// open connects to streamURL and returns a reader that stays open until
// Close or until ctx ends.
func (b *Backend) open(ctx context.Context, uri string, streamURL *url.URL, onTitle func(string)) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	r := &streamReader{
		b:       b,
		uri:     uri,
		url:     streamURL,
		ctx:     ctx,
		cancel:  cancel,
		log:     b.log.With("uri", netguard.Redact(uri)),
		onTitle: onTitle,
		expo: &backoff.ExponentialBackOff{
			InitialInterval:     b.opts.ReconnectDelay,
			RandomizationFactor: backoff.DefaultRandomizationFactor,
			Multiplier:          backoff.DefaultMultiplier,
			MaxInterval:         b.opts.MaxReconnectWait,
		},
	}
	conn, err := r.connect()
	if err != nil {
		cancel()
		return nil, err
	}
	r.conn = conn
	r.log.Info("stream opened", "stream", netguard.Redact(streamURL.String()))
	return r, nil
}

// connect opens one connection. Its context is cancelled by a watchdog
// when no bytes arrive for ReadTimeout.
func (r *streamReader) connect() (*connection, error) {
	ctx, cancel := context.WithCancel(r.ctx)
	watchdog := time.AfterFunc(r.b.opts.Timeout+r.b.opts.ReadTimeout, cancel)
	resp, err := r.b.get(ctx, r.url)
	if err != nil {
		watchdog.Stop()
		cancel()
		return nil, err
	}
	metaint := 0
	if v := resp.Header.Get("Icy-Metaint"); v != "" {
		metaint, err = strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			metaint = -1
		}
	}
	audio, err := icy.NewReader(resp.Body, metaint, r.title)
	if err != nil {
		watchdog.Stop()
		cancel()
		resp.Body.Close()
		return nil, fmt.Errorf("stream %s: %w", netguard.Redact(r.uri), err)
	}
	watchdog.Reset(r.b.opts.ReadTimeout)
	return &connection{
		body:     resp.Body,
		audio:    audio,
		cancel:   cancel,
		watchdog: watchdog,
		finite:   resp.ContentLength >= 0,
	}, nil
}

func (c *connection) close() {
	c.watchdog.Stop()
	c.cancel()
	c.body.Close()
}

// title reports a title when it differs from the last one, also across
// reconnects.
func (r *streamReader) title(t string) {
	if t == r.lastTitle {
		return
	}
	r.lastTitle = t
	r.log.Debug("stream title changed", "title", t)
	if r.onTitle != nil {
		r.onTitle(t)
	}
}

// Read reads audio. When the connection drops it reconnects with backoff,
// up to MaxReconnects times in a row, and goes on reading.
func (r *streamReader) Read(p []byte) (int, error) {
	for {
		conn, err := r.current()
		if err != nil {
			return 0, err
		}
		n, err := conn.audio.Read(p)
		if n > 0 {
			conn.watchdog.Reset(r.b.opts.ReadTimeout)
			conn.received += int64(n)
			if conn.received >= resetAfterBytes {
				r.mu.Lock()
				r.failures = 0
				r.mu.Unlock()
			}
		}
		if err == nil || n > 0 && !errors.Is(err, io.EOF) {
			return n, nil
		}
		if errors.Is(err, io.EOF) && conn.finite {
			return n, io.EOF
		}
		if r.ctx.Err() != nil {
			return n, fmt.Errorf("stream %s closed: %w", netguard.Redact(r.uri), context.Cause(r.ctx))
		}
		r.log.Warn("stream dropped", "err", err, "received", conn.received)
		r.drop(conn)
		if n > 0 {
			return n, nil
		}
	}
}

// current returns the open connection, reconnecting first when there is
// none.
func (r *streamReader) current() (*connection, error) {
	r.mu.Lock()
	conn := r.conn
	r.mu.Unlock()
	if conn != nil {
		return conn, nil
	}
	return r.reconnect()
}

func (r *streamReader) drop(conn *connection) {
	conn.close()
	r.mu.Lock()
	if r.conn == conn {
		r.conn = nil
	}
	r.mu.Unlock()
}

// reconnect waits with backoff and connects again, until a connection
// succeeds, MaxReconnects failures in a row, or the context ends.
func (r *streamReader) reconnect() (*connection, error) {
	for {
		r.mu.Lock()
		r.failures++
		attempt := r.failures
		if attempt == 1 {
			r.expo.Reset()
		}
		r.mu.Unlock()
		if attempt > r.b.opts.MaxReconnects {
			return nil, fmt.Errorf("stream %s: %w after %d reconnects; check that the station is up",
				netguard.Redact(r.uri), ErrStreamLost, r.b.opts.MaxReconnects)
		}

		delay := r.expo.NextBackOff()
		r.log.Info("reconnecting stream", "attempt", attempt, "delay", delay)
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-r.ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("stream %s closed: %w", netguard.Redact(r.uri), context.Cause(r.ctx))
		}

		conn, err := r.connect()
		if err != nil {
			r.log.Warn("reconnect failed", "attempt", attempt, "err", err)
			continue
		}
		r.mu.Lock()
		if r.ctx.Err() != nil {
			// Close ran while this connection was being made.
			r.mu.Unlock()
			conn.close()
			return nil, fmt.Errorf("stream %s closed: %w", netguard.Redact(r.uri), context.Cause(r.ctx))
		}
		r.conn = conn
		r.mu.Unlock()
		r.log.Info("stream reconnected", "attempt", attempt)
		return conn, nil
	}
}

// Close ends the stream. A Read blocked in another goroutine returns.
func (r *streamReader) Close() error {
	r.cancel()
	r.mu.Lock()
	conn := r.conn
	r.conn = nil
	r.mu.Unlock()
	if conn != nil {
		conn.close()
	}
	r.log.Info("stream closed")
	return nil
}
