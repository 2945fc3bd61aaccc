package auth

import (
	"sync"
	"time"
)

// LimiterOptions bounds login attempts.
type LimiterOptions struct {
	// MaxFailures within Window locks the address or account out
	// (default 5).
	MaxFailures int
	// Window is the period failures are counted over (default 15 minutes).
	Window time.Duration
	// Lockout is how long a lockout lasts (default 15 minutes).
	Lockout time.Duration
	// MaxTracked bounds the addresses and accounts remembered (default
	// 10000); the oldest entries are forgotten first.
	MaxTracked int
}

// Limiter counts failed logins per address and per account.
type Limiter struct {
	opts LimiterOptions
	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	count       int
	first       time.Time
	lockedUntil time.Time
}

// NewLimiter returns a limiter with defaults filled in.
func NewLimiter(opts LimiterOptions, now func() time.Time) *Limiter {
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 5
	}
	if opts.Window <= 0 {
		opts.Window = 15 * time.Minute
	}
	if opts.Lockout <= 0 {
		opts.Lockout = 15 * time.Minute
	}
	if opts.MaxTracked <= 0 {
		opts.MaxTracked = 10000
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{opts: opts, now: now, keys: make(map[string]*failures)}
}

// Attempt counts a login attempt before its password is checked, so that
// guesses sent in parallel cannot pass the limit. It returns ErrLocked
// while the address or the account is locked out, and reports whether this
// attempt started a lockout. Succeed clears the count.
func (l *Limiter) Attempt(addr, account string) (lockedNow bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	keys := []string{"addr:" + addr, "user:" + account}
	for _, k := range keys {
		if f := l.keys[k]; f != nil && now.Before(f.lockedUntil) {
			return false, ErrLocked
		}
	}
	for _, k := range keys {
		f := l.keys[k]
		if f == nil || now.Sub(f.first) > l.opts.Window {
			l.evict()
			f = &failures{first: now}
			l.keys[k] = f
		}
		f.count++
		if f.count >= l.opts.MaxFailures {
			f.lockedUntil = now.Add(l.opts.Lockout)
			f.count = 0
			f.first = now
			lockedNow = true
		}
	}
	return lockedNow, nil
}

// Succeed clears the failure counts of the account and address.
func (l *Limiter) Succeed(addr, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, "addr:"+addr)
	delete(l.keys, "user:"+account)
}

// evict drops the oldest entry when the map is full. The caller holds mu.
func (l *Limiter) evict() {
	if len(l.keys) < l.opts.MaxTracked {
		return
	}
	var oldestKey string
	var oldest time.Time
	for k, f := range l.keys {
		if oldestKey == "" || f.first.Before(oldest) {
			oldestKey, oldest = k, f.first
		}
	}
	delete(l.keys, oldestKey)
}
