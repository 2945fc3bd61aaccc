package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/logging"
)

// serveFrom sends one request to s as if it came from remote.
func serveFrom(s http.Handler, method, path, remote, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = remote
	req.Host = "127.0.0.1"
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestLoginLockoutGroupsIPv6By64(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.store.AddUser(context.Background(), "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	s := env.srv.Config.Handler
	json := map[string]string{"Content-Type": "application/json"}
	for i := 0; i < 5; i++ {
		remote := "[2001:db8:1:1::" + string(rune('a'+i)) + "]:4000"
		serveFrom(s, "POST", "/login", remote, `{"username":"alice","password":"wrong"}`, json)
	}
	right := `{"username":"alice","password":"pw-long-enough"}`
	if rec := serveFrom(s, "POST", "/login", "[2001:db8:1:1::ff]:4000", right, json); rec.Code != http.StatusTooManyRequests {
		t.Errorf("login from the same /64: status = %d, want 429", rec.Code)
	}
	if rec := serveFrom(s, "POST", "/login", "[2001:db8:1:2::1]:4000", right, json); rec.Code != http.StatusOK {
		t.Errorf("login from another /64: status = %d, want 200", rec.Code)
	}
}

// syncBuffer is a bytes.Buffer that a slog handler may write to from the
// server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

func TestRejectionFloodLogsBounded(t *testing.T) {
	var logged syncBuffer
	auditPath := filepath.Join(t.TempDir(), "audit.log")
	al, err := audit.Open(auditPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	env := newTestEnv(t, Options{Loopback: true, Audit: al, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	s := env.srv.Config.Handler
	const flood = 200
	for i := 0; i < flood; i++ {
		serveFrom(s, "GET", "/api/status", "192.0.2.1:4000", "", map[string]string{"Host": "evil.example"})
		serveFrom(s, "POST", "/mopidy/rpc", "192.0.2.1:4000", setVolume,
			map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"})
		serveFrom(s, "POST", "/mopidy/rpc", "192.0.2.1:4000", setVolume,
			map[string]string{"Content-Type": "application/json", "Authorization": "Bearer wrong"})
	}
	burst := logging.DefaultRepeatBurst
	if got := logged.count("unknown host"); got != burst {
		t.Errorf("%d unknown-host warnings for %d requests, want %d", got, flood, burst)
	}
	if got := logged.count("cross-origin request refused"); got != burst {
		t.Errorf("%d cross-origin warnings for %d requests, want %d", got, flood, burst)
	}
	data, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(data), "cross-origin POST"); got != burst {
		t.Errorf("%d cross-origin audit records for %d requests, want %d", got, flood, burst)
	}
	if got := strings.Count(string(data), "invalid API token"); got != burst {
		t.Errorf("%d invalid-token audit records for %d requests, want %d", got, flood, burst)
	}
	serveFrom(s, "GET", "/api/status", "192.0.2.2:4000", "", map[string]string{"Host": "evil.example"})
	if got := logged.count("remote=192.0.2.2:4000"); got != 1 {
		t.Errorf("%d warnings for another address, want 1", got)
	}
}
