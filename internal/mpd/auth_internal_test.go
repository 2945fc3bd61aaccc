package mpd

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/passhash"
)

func newTestAuthenticator(t *testing.T, rate float64, burst int) *authenticator {
	t.Helper()
	hash, err := passhash.Hash("right")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Passwords:     []Password{{Secret: hash, Permissions: PermAll}},
		PasswordRate:  rate,
		PasswordBurst: burst,
	}
	a, err := newAuthenticator(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Concurrent attempts from one address must not all pass on the tokens
// that are left when they start, because each takes its token before the
// slow argon2id check.
func TestAuthenticateConcurrentAttempts(t *testing.T) {
	const burst, attempts = 2, 10
	a := newTestAuthenticator(t, 0.001, burst)
	results := make(chan authResult, attempts)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range attempts {
		wg.Go(func() {
			<-start
			_, r := a.authenticate(context.Background(), "127.0.0.1:"+strconv.Itoa(5000+i), "wrong")
			results <- r
		})
	}
	close(start)
	wg.Wait()
	close(results)
	counts := map[authResult]int{}
	for r := range results {
		counts[r]++
	}
	if counts[authIncorrect] != burst {
		t.Errorf("%d concurrent wrong passwords: %d checked, want the burst of %d", attempts, counts[authIncorrect], burst)
	}
	if counts[authRateLimited] != attempts-burst {
		t.Errorf("%d concurrent wrong passwords: %d rate-limited, want %d", attempts, counts[authRateLimited], attempts-burst)
	}
}

func TestAuthenticateBusyWhenSlotsTaken(t *testing.T) {
	a := newTestAuthenticator(t, 0.001, 1)
	a.slotWait = time.Millisecond
	for range passwordCheckSlots {
		a.slots <- struct{}{}
	}
	if _, r := a.authenticate(context.Background(), "127.0.0.1:1", "right"); r != authBusy {
		t.Fatalf("attempt with every check slot taken = %v, want authBusy", r)
	}
	for range passwordCheckSlots {
		<-a.slots
	}
	// The busy attempt gave its token back, so the burst of 1 is left.
	if _, r := a.authenticate(context.Background(), "127.0.0.1:1", "right"); r != authAccepted {
		t.Errorf("attempt after a busy one = %v, want authAccepted", r)
	}
}

// An IPv6 client that changes its address within its /64 shares one
// bucket, as it shares the per-address connection limit.
func TestAuthenticateKeysIPv6By64(t *testing.T) {
	a := newTestAuthenticator(t, 0.001, 1)
	if _, r := a.authenticate(context.Background(), "[2001:db8::1]:5000", "wrong"); r != authIncorrect {
		t.Fatalf("first wrong password = %v, want authIncorrect", r)
	}
	if _, r := a.authenticate(context.Background(), "[2001:db8::2]:5001", "wrong"); r != authRateLimited {
		t.Errorf("wrong password from the same /64 = %v, want authRateLimited", r)
	}
	if _, r := a.authenticate(context.Background(), "[2001:db8:0:1::1]:5000", "wrong"); r != authIncorrect {
		t.Errorf("wrong password from another /64 = %v, want authIncorrect", r)
	}
}
