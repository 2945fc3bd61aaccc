package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
