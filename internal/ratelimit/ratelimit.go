// Package ratelimit limits outgoing HTTP requests per host and retries
// them with exponential backoff and jitter, honouring Retry-After on 429
// and 503 responses, so a remote service is not hammered.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/time/rate"

	"github.com/tonearm/tonearm/internal/netguard"
)

// Defaults for the zero fields of Options.
const (
	DefaultRate            = 2.0
	DefaultBurst           = 4
	DefaultMaxTries        = 4
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 30 * time.Second
	DefaultMaxRetryAfter   = 60 * time.Second
	DefaultMaxHosts        = 1024
)

// Options configures a Limiter. Zero fields take the defaults.
type Options struct {
	// Rate is the number of requests per second allowed to one host.
	Rate float64
	// Burst is the number of requests one host may get at once.
	Burst int
	// MaxTries is the maximum number of attempts for one request,
	// counting the first.
	MaxTries uint
	// InitialInterval is the first backoff delay; each later delay is
	// 1.5 times the previous one, randomized by ±50 % (jitter).
	InitialInterval time.Duration
	// MaxInterval caps one backoff delay.
	MaxInterval time.Duration
	// MaxRetryAfter caps the wait a Retry-After header can ask for. A
	// longer request fails at once with the 429 or 503 response.
	MaxRetryAfter time.Duration
	// MaxHosts is the maximum number of hosts tracked; the host used
	// least recently is forgotten first.
	MaxHosts int
	// Logger receives a message for each retry. Nil discards.
	Logger *slog.Logger
}

// Limiter keeps one token bucket per host. It is safe for concurrent use.
type Limiter struct {
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	limiter   *rate.Limiter
	notBefore time.Time
	lastUsed  time.Time
}

// New returns a Limiter for opts.
func New(opts Options) *Limiter {
	if opts.Rate <= 0 {
		opts.Rate = DefaultRate
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	if opts.MaxTries == 0 {
		opts.MaxTries = DefaultMaxTries
	}
	if opts.InitialInterval <= 0 {
		opts.InitialInterval = DefaultInitialInterval
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = DefaultMaxInterval
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.MaxHosts <= 0 {
		opts.MaxHosts = DefaultMaxHosts
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Limiter{opts: opts, log: log.With("component", "ratelimit"), hosts: make(map[string]*hostState)}
}

func (l *Limiter) state(host string) *hostState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	s, ok := l.hosts[host]
	if !ok {
		if len(l.hosts) >= l.opts.MaxHosts {
			l.evictOldestLocked()
		}
		s = &hostState{limiter: rate.NewLimiter(rate.Limit(l.opts.Rate), l.opts.Burst)}
		l.hosts[host] = s
	}
	s.lastUsed = now
	return s
}

func (l *Limiter) evictOldestLocked() {
	var oldest string
	var oldestTime time.Time
	for h, s := range l.hosts {
		if oldest == "" || s.lastUsed.Before(oldestTime) {
			oldest, oldestTime = h, s.lastUsed
		}
	}
	delete(l.hosts, oldest)
}

// Wait blocks until a request to host is allowed: after any Retry-After
// time the host asked for, and within the host's rate. It returns the
// context's error when ctx ends first.
func (l *Limiter) Wait(ctx context.Context, host string) error {
	s := l.state(host)
	l.mu.Lock()
	delay := time.Until(s.notBefore)
	l.mu.Unlock()
	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return fmt.Errorf("wait for %s to accept requests again: %w", host, context.Cause(ctx))
		}
	}
	if err := s.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("wait for rate limit of %s: %w", host, err)
	}
	return nil
}

// holdOff makes requests to host wait until now+d.
func (l *Limiter) holdOff(host string, d time.Duration) {
	s := l.state(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := time.Now().Add(d); until.After(s.notBefore) {
		s.notBefore = until
	}
}

// Transport returns a RoundTripper that sends each request through base
// after Wait, and retries a 429 or 503 response or a network error with
// backoff. A request with a body is retried only when it has GetBody.
// After the last attempt the last response or error is returned.
func (l *Limiter) Transport(base http.RoundTripper) http.RoundTripper {
	return &transport{limiter: l, base: base}
}

type transport struct {
	limiter *Limiter
	base    http.RoundTripper
}

// retryableStatus reports whether a status code requests a retry.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	l := t.limiter
	ctx := req.Context()
	host := req.URL.Host
	canRetry := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	expo := &backoff.ExponentialBackOff{
		InitialInterval:     l.opts.InitialInterval,
		RandomizationFactor: backoff.DefaultRandomizationFactor,
		Multiplier:          backoff.DefaultMultiplier,
		MaxInterval:         l.opts.MaxInterval,
	}

	attempt := uint(0)
	operation := func() (*http.Response, error) {
		attempt++
		last := attempt >= l.opts.MaxTries || !canRetry
		if err := l.Wait(ctx, host); err != nil {
			return nil, backoff.Permanent(err)
		}
		r, err := rewind(req, attempt)
		if err != nil {
			return nil, backoff.Permanent(err)
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			if last || ctx.Err() != nil || !retryableError(err) {
				return nil, backoff.Permanent(err)
			}
			return nil, err
		}
		if !retryableStatus(resp.StatusCode) {
			return resp, nil
		}
		wait, hasWait := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if hasWait && wait > l.opts.MaxRetryAfter {
			l.log.Warn("server asks to wait longer than allowed", "host", host,
				"status", resp.StatusCode, "retry_after", wait, "max", l.opts.MaxRetryAfter)
			l.holdOff(host, l.opts.MaxRetryAfter)
			return resp, nil
		}
		if last {
			if hasWait {
				l.holdOff(host, wait)
			}
			return resp, nil
		}
		drain(resp.Body)
		statusErr := fmt.Errorf("%s responded with %s", host, resp.Status)
		if hasWait {
			l.holdOff(host, wait)
			return nil, errors.Join(statusErr, &backoff.RetryAfterError{Duration: wait})
		}
		return nil, statusErr
	}
	notify := func(err error, next time.Duration) {
		l.log.Info("retrying request", "host", host, "attempt", attempt, "delay", next, "err", err)
	}
	return backoff.Retry(ctx, operation,
		backoff.WithBackOff(expo),
		backoff.WithMaxTries(l.opts.MaxTries),
		backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(notify))
}

// rewind returns the request for an attempt, with a fresh body after the
// first.
func rewind(req *http.Request, attempt uint) (*http.Request, error) {
	if attempt == 1 || req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("rewind request body for retry: %w", err)
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

// retryableError reports whether a transport error may pass on a retry:
// not when the context ended or the guard rejected the address.
func retryableError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return !errors.Is(err, netguard.ErrBlocked) && !errors.Is(err, netguard.ErrRedirect)
}

// drain reads a little of an unused body so the connection can be reused,
// then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	body.Close()
}

// ParseRetryAfter parses a Retry-After value, either delay seconds or an
// HTTP date, as RFC 9110 section 10.2.3 defines it. It returns false for
// an empty or invalid value. A date in the past gives zero.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(value, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	d := when.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}
