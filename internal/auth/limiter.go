package auth

import (
	"sync"
	"time"
)

// LimiterOptions bounds login attempts.
type LimiterOptions struct {
	// MaxFailures within Window locks the address out for every account
	// (default 5). A flood of wrong passwords from one address therefore
	// does not lock the account's owner out on another address.
	MaxFailures int
	// MaxAccountFailures within Window, summed over all addresses, locks
	// the account out for every address (default 100). It bounds guesses
	// spread over many addresses.
	MaxAccountFailures int
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

// Lockouts are the lockouts that one login attempt started.
type Lockouts struct {
	Address bool // the address is locked out for every account
	Account bool // the account is locked out for every address
}

// NewLimiter returns a limiter with defaults filled in.
func NewLimiter(opts LimiterOptions, now func() time.Time) *Limiter {
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 5
	}
	if opts.MaxAccountFailures <= 0 {
		opts.MaxAccountFailures = 100
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
// while the address or the account is locked out, and reports which
// lockouts this attempt started. Succeed takes the attempt back.
func (l *Limiter) Attempt(addr, account string) (started Lockouts, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	addrKey, accountKey := "addr:"+addr, "user:"+account
	for _, k := range []string{addrKey, accountKey} {
		if f := l.keys[k]; f != nil && now.Before(f.lockedUntil) {
			return Lockouts{}, ErrLocked
		}
	}
	started.Address = l.count(addrKey, l.opts.MaxFailures, now)
	started.Account = l.count(accountKey, l.opts.MaxAccountFailures, now)
	return started, nil
}

// count adds one failure to key and reports whether it started a lockout.
// The caller holds mu.
func (l *Limiter) count(key string, limit int, now time.Time) bool {
	f := l.keys[key]
	if f == nil || now.Sub(f.first) > l.opts.Window {
		l.evict()
		f = &failures{first: now}
		l.keys[key] = f
	}
	f.count++
	if f.count < limit {
		return false
	}
	f.lockedUntil = now.Add(l.opts.Lockout)
	f.count = 0
	f.first = now
	return true
}

// Succeed clears the failure count of the address and takes the
// successful attempt off the account's count. The account keeps the
// failures from other addresses until Window ends, so a login by the
// owner does not give guessers on other addresses a fresh allowance.
func (l *Limiter) Succeed(addr, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, "addr:"+addr)
	if f := l.keys["user:"+account]; f != nil && f.count > 0 {
		f.count--
	}
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
