package mpd

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/time/rate"
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
	// Exactly one of plain and the argon2id fields is set.
	plain          []byte
	salt, key      []byte
	memory, passes uint32
	threads        uint8
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
			a.creds = append(a.creds, credential{perm: p.Permissions, plain: []byte(p.Secret)})
			continue
		}
		c, err := parseArgon2id(p.Secret)
		if err != nil {
			return nil, fmt.Errorf("mpd: password %d: %w", i+1, err)
		}
		c.perm = p.Permissions
		a.creds = append(a.creds, c)
	}
	return a, nil
}

// parseArgon2id parses "$argon2id$v=19$m=M,t=T,p=P$salt$key" with unpadded
// standard base64.
func parseArgon2id(s string) (credential, error) {
	parts := strings.Split(s, "$")
	bad := fmt.Errorf("invalid argon2id hash: expected $argon2id$v=19$m=...,t=...,p=...$salt$hash")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
		return credential{}, bad
	}
	var c credential
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return credential{}, bad
		}
		switch k {
		case "m":
			c.memory = uint32(n)
		case "t":
			c.passes = uint32(n)
		case "p":
			if n > 255 {
				return credential{}, bad
			}
			c.threads = uint8(n)
		}
	}
	var err error
	if c.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return credential{}, bad
	}
	if c.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return credential{}, bad
	}
	// Bound the cost an attacker-chosen config could impose per attempt.
	if c.memory == 0 || c.memory > 1<<20 || c.passes == 0 || c.passes > 16 || c.threads == 0 || len(c.key) < 16 || len(c.key) > 64 {
		return credential{}, bad
	}
	return c, nil
}

func (c credential) matches(password string) bool {
	if c.plain != nil {
		return subtle.ConstantTimeCompare(c.plain, []byte(password)) == 1
	}
	got := argon2.IDKey([]byte(password), c.salt, c.passes, c.memory, c.threads, uint32(len(c.key)))
	return subtle.ConstantTimeCompare(got, c.key) == 1
}

// allow reports whether the client at remote may try a password now.
func (a *authenticator) allow(remote string) bool {
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
	return e.limiter.Allow()
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
