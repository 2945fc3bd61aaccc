package mpd

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tonearm/tonearm/internal/passhash"
)

// Bounds of the password check.
const (
	maxPasswordLength = 1024
	// maxLimitedAddresses bounds the per-address limiter table; the oldest
	// entries are dropped past it.
	maxLimitedAddresses = 4096
)

type credential struct {
	perm Permission
	// secret is an argon2id PHC string or a plain password; passhash.Check
	// compares both in constant time.
	secret string
}

type authenticator struct {
	creds []credential
	log   *slog.Logger
	rate  rate.Limit
	burst int

	mu       sync.Mutex
	limiters map[string]*limiterEntry
}

type limiterEntry struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newAuthenticator(cfg Config, log *slog.Logger) (*authenticator, error) {
	a := &authenticator{
		log: log, rate: rate.Limit(cfg.PasswordRate), burst: cfg.PasswordBurst,
		limiters: make(map[string]*limiterEntry),
	}
	for i, p := range cfg.Passwords {
		if p.Secret == "" {
			return nil, fmt.Errorf("mpd: password %d is empty", i+1)
		}
		if !strings.HasPrefix(p.Secret, "$argon2id$") {
			log.Warn("MPD password stored in plain text: store an argon2id hash instead", "password_index", i+1)
		} else if err := passhash.Parse(p.Secret); err != nil {
			return nil, fmt.Errorf("mpd: password %d: %w", i+1, err)
		}
		a.creds = append(a.creds, credential{perm: p.Permissions, secret: p.Secret})
	}
	return a, nil
}

func (c credential) matches(password string) bool {
	ok, err := passhash.Check(c.secret, password)
	return err == nil && ok
}

// allow reports whether the client at remote may try a password now. Only
// failed attempts use up the allowance (see failed), so a client that
// sends its right password on every connection, as mpc -h does, is never
// held back.
func (a *authenticator) allow(remote string) bool {
	return a.entry(remote).limiter.Tokens() >= 1
}

// failed counts a rejected password against the client at remote.
func (a *authenticator) failed(remote string) {
	a.entry(remote).limiter.Allow()
}

// entry returns the limiter of remote's address, creating it.
func (a *authenticator) entry(remote string) *limiterEntry {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.limiters[host]
	if !ok {
		if len(a.limiters) >= maxLimitedAddresses {
			a.dropOldest()
		}
		e = &limiterEntry{limiter: rate.NewLimiter(a.rate, a.burst)}
		a.limiters[host] = e
	}
	e.seen = time.Now()
	return e
}

func (a *authenticator) dropOldest() {
	var oldest string
	var when time.Time
	for k, e := range a.limiters {
		if oldest == "" || e.seen.Before(when) {
			oldest, when = k, e.seen
		}
	}
	delete(a.limiters, oldest)
}

// check returns the permissions of password and whether it matched. Every
// credential is tried, so the time taken does not tell which one matched.
func (a *authenticator) check(password string) (Permission, bool) {
	if len(password) > maxPasswordLength {
		return 0, false
	}
	var perm Permission
	found := false
	for _, c := range a.creds {
		if c.matches(password) && !found {
			perm, found = c.perm, true
		}
	}
	return perm, found
}
