package logging

import (
	"log/slog"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/connlimit"
)

// Defaults of RepeatOptions.
const (
	DefaultRepeatBurst    = 10
	DefaultRepeatInterval = time.Minute
	DefaultRepeatMaxKeys  = 1024
)

// otherAddresses is the address that events are counted under once
// RepeatOptions.MaxKeys keys are tracked.
const otherAddresses = "other addresses"

// RepeatOptions configures a RepeatLimiter. Zero fields take the defaults.
type RepeatOptions struct {
	// Burst is the number of events of one kind from one address that
	// are logged in full per Interval.
	Burst int
	// Interval is the period that events are counted over.
	Interval time.Duration
	// MaxKeys bounds the (kind, address) pairs tracked at once. Events
	// for further pairs share one count per kind.
	MaxKeys int
	// OnSuppressed is called once for each kind and address whose events
	// were suppressed in an interval, with their number. It runs without
	// the limiter's lock held. The default logs a warning on Logger.
	OnSuppressed func(kind, address string, suppressed int)
	// Logger receives the default summary line.
	Logger *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// RepeatLimiter bounds the log lines or audit records that a flood of
// repeated events writes. Per event kind and client address it allows
// the first Burst events of each Interval. It then counts the rest and
// reports the count once, when the next event of that kind and address,
// or of any other, arrives after the interval has ended. Addresses are
// grouped as connlimit.AddressKey groups them, so an IPv6 client counts
// once per /64. A RepeatLimiter is safe for concurrent use.
//
// NOTE: the summary of an interval waits for a later event, so the count
// of the last burst before the server falls quiet is not reported.
type RepeatLimiter struct {
	opts RepeatOptions

	mu        sync.Mutex
	windows   map[repeatKey]*repeatWindow
	lastSweep time.Time
}

type repeatKey struct {
	kind    string
	address string
}

// repeatWindow is the event count of one key in the interval from start.
type repeatWindow struct {
	start      time.Time
	events     int
	suppressed int
}

type repeatSummary struct {
	key        repeatKey
	suppressed int
}

// NewRepeatLimiter returns a RepeatLimiter with defaults filled in.
func NewRepeatLimiter(opts RepeatOptions) *RepeatLimiter {
	if opts.Burst <= 0 {
		opts.Burst = DefaultRepeatBurst
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultRepeatInterval
	}
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultRepeatMaxKeys
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnSuppressed == nil {
		log, interval := opts.Logger, opts.Interval
		opts.OnSuppressed = func(kind, address string, suppressed int) {
			log.Warn("repeated events not logged", "event", kind, "address", address,
				"suppressed", suppressed, "interval", interval)
		}
	}
	return &RepeatLimiter{opts: opts, windows: make(map[repeatKey]*repeatWindow)}
}

// Allow counts one event of kind from remote, a "host:port" or an IP
// address, and reports whether the caller should log or record it in
// full.
func (l *RepeatLimiter) Allow(kind, remote string) bool {
	key := repeatKey{kind: kind, address: connlimit.AddressKey(remote)}
	now := l.opts.Now()

	l.mu.Lock()
	var due []repeatSummary
	if now.Sub(l.lastSweep) >= l.opts.Interval {
		due = l.sweepLocked(now)
	}
	w := l.windows[key]
	if w == nil && len(l.windows) >= l.opts.MaxKeys {
		key.address = otherAddresses
		w = l.windows[key]
	}
	switch {
	case w == nil:
		w = &repeatWindow{start: now}
		l.windows[key] = w
	case now.Sub(w.start) >= l.opts.Interval:
		if w.suppressed > 0 {
			due = append(due, repeatSummary{key: key, suppressed: w.suppressed})
		}
		*w = repeatWindow{start: now}
	}
	w.events++
	allowed := w.events <= l.opts.Burst
	if !allowed {
		w.suppressed++
	}
	l.mu.Unlock()

	for _, s := range due {
		l.opts.OnSuppressed(s.key.kind, s.key.address, s.suppressed)
	}
	return allowed
}

// sweepLocked drops the windows whose interval has ended and returns the
// summaries they still owe, so the map holds only recent keys. The
// caller holds mu.
func (l *RepeatLimiter) sweepLocked(now time.Time) []repeatSummary {
	l.lastSweep = now
	var due []repeatSummary
	for key, w := range l.windows {
		if now.Sub(w.start) < l.opts.Interval {
			continue
		}
		if w.suppressed > 0 {
			due = append(due, repeatSummary{key: key, suppressed: w.suppressed})
		}
		delete(l.windows, key)
	}
	return due
}

// Keys returns the number of (kind, address) pairs tracked.
func (l *RepeatLimiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}
