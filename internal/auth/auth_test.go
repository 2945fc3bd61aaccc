package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
)

var testScopes = []string{"library:read", "playback:read", "playback:control", "admin"}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T) (*Store, *fakeClock, string) {
	t.Helper()
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	auditPath := filepath.Join(dir, "audit.log")
	al, err := audit.Open(auditPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	s, err := Open(Options{
		Path: filepath.Join(dir, "auth.db"), Scopes: testScopes,
		SessionMaxAge: time.Hour, Audit: al, Now: clock.Now,
		Limiter: LimiterOptions{MaxFailures: 3, MaxAccountFailures: 8, Window: time.Minute, Lockout: 10 * time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock, auditPath
}

func TestLoginSessionLogout(t *testing.T) {
	s, clock, _ := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	id, u, err := s.Login(ctx, "alice", "pw-long-enough", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "alice" || len(u.Scopes) != len(testScopes) {
		t.Errorf("user = %+v", u)
	}
	if _, err := s.Session(ctx, id); err != nil {
		t.Errorf("fresh session rejected: %v", err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := s.Session(ctx, id); !errors.Is(err, ErrNoSession) {
		t.Errorf("expired session: err = %v", err)
	}

	id, _, err = s.Login(ctx, "alice", "pw-long-enough", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Logout(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, id); !errors.Is(err, ErrNoSession) {
		t.Errorf("session after logout: err = %v", err)
	}
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	id, _, err := s.Login(ctx, "alice", "pw-long-enough", "a")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "alice", "new-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, id); !errors.Is(err, ErrNoSession) {
		t.Errorf("session survived a password change: err = %v", err)
	}
}

func TestLockoutAfterFailures(t *testing.T) {
	s, clock, auditPath := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, _, err := s.Login(ctx, "alice", "bad", "10.0.0.9"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: err = %v", i, err)
		}
	}
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.0.9"); !errors.Is(err, ErrLocked) {
		t.Errorf("address not locked: err = %v", err)
	}
	clock.Advance(11 * time.Minute)
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.0.9"); err != nil {
		t.Errorf("login after lockout expired: %v", err)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{audit.LoginFailed, audit.Lockout, audit.Login} {
		if !strings.Contains(string(data), `"kind":"`+kind+`"`) {
			t.Errorf("audit log lacks %s", kind)
		}
	}
	if strings.Contains(string(data), `"bad"`) || strings.Contains(string(data), "pw\"") {
		t.Error("audit log contains a password")
	}
}

func TestUnknownUserRejected(t *testing.T) {
	s, _, _ := openStore(t)
	if _, _, err := s.Login(context.Background(), "nobody", "pw-long-enough", "a"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("err = %v", err)
	}
}

func TestTokenLifecycle(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := context.Background()
	secret, err := s.CreateToken(ctx, "phone", "alice", []string{"playback:control", "library:read"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.VerifyToken(ctx, secret, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "phone" || len(tok.Scopes) != 2 {
		t.Errorf("token = %+v", tok)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].LastUsed.IsZero() {
		t.Errorf("tokens = %+v, %v", list, err)
	}
	if err := s.RevokeToken(ctx, "phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyToken(ctx, secret, "127.0.0.1"); !errors.Is(err, ErrNoToken) {
		t.Errorf("revoked token: err = %v", err)
	}
}

func TestTokenRejectsUnknownScope(t *testing.T) {
	s, _, _ := openStore(t)
	if _, err := s.CreateToken(context.Background(), "x", "alice", []string{"root"}); err == nil {
		t.Error("unknown scope accepted")
	}
	if _, err := s.CreateToken(context.Background(), "x", "alice", nil); err == nil {
		t.Error("token without scope accepted")
	}
}

func TestStoreFileIsPrivateAndHoldsNoSecret(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "planted-password-123", nil); err != nil {
		t.Fatal(err)
	}
	secret, err := s.CreateToken(ctx, "t", "alice", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	path := s.opts.Path
	s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	for _, name := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if strings.Contains(string(data), "planted-password-123") || strings.Contains(string(data), secret) {
			t.Errorf("%s contains a credential in plain text", name)
		}
	}
}

func TestInvalidNames(t *testing.T) {
	s, _, _ := openStore(t)
	for _, name := range []string{"", "../x", "a b", "a\nb", strings.Repeat("a", 65)} {
		if err := s.AddUser(context.Background(), name, "pw-long-enough", nil); err == nil {
			t.Errorf("user name %q accepted", name)
		}
	}
}

func TestParallelGuessesCannotPassLockout(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	const guesses = 12
	var wg sync.WaitGroup
	results := make(chan error, guesses)
	for i := 0; i < guesses; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, _, err := s.Login(ctx, "alice", fmt.Sprintf("wrong-%d", i), "10.0.0.9")
			results <- err
		}(i)
	}
	wg.Wait()
	close(results)
	checked := 0
	for err := range results {
		if errors.Is(err, ErrInvalidCredentials) {
			checked++
		}
	}
	// The store in openStore locks out after 3 failures.
	if checked > 3 {
		t.Errorf("%d parallel guesses were checked, want at most 3", checked)
	}
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.0.9"); !errors.Is(err, ErrLocked) {
		t.Errorf("right password after the lockout: err = %v, want ErrLocked", err)
	}
}

func TestAddressLockoutSparesOwner(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	// The store in openStore locks an address out after 3 failures.
	for i := 0; i < 5; i++ {
		s.Login(ctx, "alice", "bad", "10.0.0.9")
	}
	if _, _, err := s.Login(ctx, "bob", "bad", "10.0.0.9"); !errors.Is(err, ErrLocked) {
		t.Errorf("other account from the locked address: err = %v, want ErrLocked", err)
	}
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.0.10"); err != nil {
		t.Errorf("owner from another address: err = %v, want nil", err)
	}
}

func TestAccountLockoutAcrossAddresses(t *testing.T) {
	s, clock, auditPath := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	// The store in openStore locks an account out after 8 failures from
	// all addresses, and each address after 3.
	for i := 0; i < 8; i++ {
		addr := fmt.Sprintf("10.0.1.%d", i/2)
		if _, _, err := s.Login(ctx, "alice", "bad", addr); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d from %s: err = %v", i, addr, err)
		}
	}
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.2.1"); !errors.Is(err, ErrLocked) {
		t.Errorf("account after failures from many addresses: err = %v, want ErrLocked", err)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "account locked out for every address") {
		t.Errorf("audit log lacks the account lockout:\n%s", data)
	}
	clock.Advance(11 * time.Minute)
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.2.1"); err != nil {
		t.Errorf("login after the account lockout expired: %v", err)
	}
}

func TestOwnerLoginKeepsAccountCount(t *testing.T) {
	s, _, _ := openStore(t)
	ctx := context.Background()
	if err := s.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		s.Login(ctx, "alice", "bad", fmt.Sprintf("10.0.1.%d", i/2))
	}
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.2.1"); err != nil {
		t.Fatalf("owner login: %v", err)
	}
	// 6 failures remain counted, so 2 more reach the limit of 8.
	for i := 0; i < 2; i++ {
		s.Login(ctx, "alice", "bad", "10.0.3.1")
	}
	if _, _, err := s.Login(ctx, "alice", "pw-long-enough", "10.0.2.1"); !errors.Is(err, ErrLocked) {
		t.Errorf("account after 8 failures around an owner login: err = %v, want ErrLocked", err)
	}
}
