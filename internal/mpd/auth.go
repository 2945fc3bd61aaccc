package mpd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/connlimit"
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

// passwordCheckSlots bounds the password checks that run at once, because
// each argon2id check with passhash's parameters holds 19 MiB. A check
// waits at most passwordCheckWait for a slot, as the HTTP login does.
const (
	passwordCheckSlots = 2
	passwordCheckWait  = 5 * time.Second
)

// authResult is the outcome of a password attempt.
type authResult int

const (
	authAccepted authResult = iota
	authIncorrect
	// authRateLimited means the address has no attempt left, so the
	// password was not checked.
	authRateLimited
	// authBusy means every check slot stayed taken for
	// passwordCheckWait, so the password was not checked.
	authBusy
)

type authenticator struct {
	creds []credential
	log   *slog.Logger
	rate  float64
	burst float64
	// slots holds one value per password check in progress.
	slots chan struct{}
	// slotWait is passwordCheckWait, shorter in tests.
	slotWait time.Duration

	mu       sync.Mutex
	limiters map[string]*attemptBucket
}

// attemptBucket is the token bucket of password attempts of one address.
type attemptBucket struct {
	tokens float64
	seen   time.Time
}

func newAuthenticator(cfg Config, log *slog.Logger) (*authenticator, error) {
	a := &authenticator{
		log: log, rate: cfg.PasswordRate, burst: float64(cfg.PasswordBurst),
		slots:    make(chan struct{}, passwordCheckSlots),
		slotWait: passwordCheckWait,
		limiters: make(map[string]*attemptBucket),
	}
	for i, p := range cfg.Passwords {
		if p.Secret == "" {
			return nil, fmt.Errorf("mpd: password %d is empty", i+1)
		}
		if !strings.HasPrefix(p.Secret, "$argon2id$") {
			log.Warn("MPD password stored in plain text: replace it with the argon2id hash that "+
				"`tonearm secret hash` prints", "password_index", i+1)
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

// authenticate checks password for the client at remote and returns the
// permissions it grants. Each attempt takes a token from the bucket of
// remote's address, keyed as the connection limits key it (an IPv4
// address or an IPv6 /64), before the check starts, so concurrent
// connections cannot all pass on one token. The token is given back when
// the password is right or was not checked, so a client that sends its
// right password on every connection, as mpc -h does, is never held back.
func (a *authenticator) authenticate(ctx context.Context, remote, password string) (Permission, authResult) {
	key := connlimit.AddressKey(remote)
	if !a.take(key) {
		return 0, authRateLimited
	}
	timer := time.NewTimer(a.slotWait)
	defer timer.Stop()
	select {
	case a.slots <- struct{}{}:
	case <-timer.C:
		a.giveBack(key)
		return 0, authBusy
	case <-ctx.Done():
		a.giveBack(key)
		return 0, authBusy
	}
	perm, ok := a.check(password)
	<-a.slots
	if !ok {
		return 0, authIncorrect
	}
	a.giveBack(key)
	return perm, authAccepted
}

// take spends one attempt of key, and reports false when none is left.
func (a *authenticator) take(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.bucket(key)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// giveBack returns the attempt that take spent.
func (a *authenticator) giveBack(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.bucket(key)
	b.tokens = min(b.tokens+1, a.burst)
}

// bucket returns the bucket of key, created full, with the tokens earned
// since it was last used added. The caller holds a.mu.
func (a *authenticator) bucket(key string) *attemptBucket {
	now := time.Now()
	b, ok := a.limiters[key]
	if !ok {
		if len(a.limiters) >= maxLimitedAddresses {
			a.dropOldest()
		}
		b = &attemptBucket{tokens: a.burst, seen: now}
		a.limiters[key] = b
	}
	b.tokens = min(b.tokens+now.Sub(b.seen).Seconds()*a.rate, a.burst)
	b.seen = now
	return b
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
