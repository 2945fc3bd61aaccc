package httpapi

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/core/events"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/jsonrpc"
)

type testEnv struct {
	srv    *httptest.Server
	store  *auth.Store
	bus    *events.Bus
	volume atomic.Int64
}

func scopeNames() []string {
	var out []string
	for _, sc := range scope.All() {
		out = append(out, string(sc))
	}
	return out
}

// newTestEnv starts the frontend with a two-method table: a getter that
// needs playback:read and a setter that needs playback:control.
func newTestEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	env := &testEnv{}
	store, err := auth.Open(auth.Options{Path: filepath.Join(t.TempDir(), "auth.db"), Scopes: scopeNames()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	env.store = store
	env.bus = events.NewBus(events.Options{QueueSize: 8})
	need := func(ctx context.Context, sc scope.Scope) error {
		p, ok := PrincipalFrom(ctx)
		if !ok || !p.Scopes.Has(sc) {
			return permissionError(sc)
		}
		return nil
	}
	d, err := jsonrpc.New([]jsonrpc.Method{
		{Name: "core.mixer.get_volume", Call: func(ctx context.Context, _ []json.RawMessage) (any, error) {
			if err := need(ctx, scope.PlaybackRead); err != nil {
				return nil, err
			}
			return env.volume.Load(), nil
		}},
		{Name: "core.mixer.set_volume", Params: []jsonrpc.Param{{Name: "volume"}}, Call: func(ctx context.Context, args []json.RawMessage) (any, error) {
			if err := need(ctx, scope.PlaybackControl); err != nil {
				return nil, err
			}
			var v int64
			if err := json.Unmarshal(args[0], &v); err != nil {
				return nil, err
			}
			env.volume.Store(v)
			env.bus.Publish(events.VolumeChanged{Volume: int(v)})
			return true, nil
		}},
	}, jsonrpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Dispatcher = d
	opts.Auth = store
	opts.Subscribe = env.bus.Subscribe
	if opts.Hostname == "" {
		opts.Hostname = "127.0.0.1"
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if opts.TLS {
		env.srv = httptest.NewUnstartedServer(s)
		cfg, _, err := LoadTLS(TLSOptions{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		env.srv.TLS = cfg
		env.srv.StartTLS()
	} else {
		env.srv = httptest.NewServer(s)
	}
	t.Cleanup(env.srv.Close)
	return env
}

type permissionError scope.Scope

func (e permissionError) Error() string  { return "permission denied: needs " + string(e) }
func (e permissionError) Kind() string   { return "PermissionError" }
func (e permissionError) Public() string { return e.Error() }

func (env *testEnv) post(t *testing.T, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", env.srv.URL+"/mopidy/rpc", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := env.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const setVolume = `{"jsonrpc":"2.0","id":1,"method":"core.mixer.set_volume","params":[77]}`

func TestForgedRequestsChangeNothing(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	host := strings.TrimPrefix(env.srv.URL, "http://")
	cases := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"text/plain post", map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"missing content type", map[string]string{}, http.StatusUnsupportedMediaType},
		{"foreign origin", map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"null origin", map[string]string{"Content-Type": "application/json", "Origin": "null"}, http.StatusForbidden},
		{"rebinding host", map[string]string{"Content-Type": "application/json", "Host": "evil.example:" + strings.Split(host, ":")[1]}, http.StatusMisdirectedRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := env.post(t, setVolume, c.header)
			if resp.StatusCode != c.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, c.status)
			}
			if v := env.volume.Load(); v != 0 {
				t.Errorf("volume changed to %d", v)
			}
		})
	}
}

func TestSameOriginPostWorks(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	resp := env.post(t, setVolume, map[string]string{"Content-Type": "application/json; charset=utf-8", "Origin": env.srv.URL})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if v := env.volume.Load(); v != 77 {
		t.Errorf("volume = %d, want 77", v)
	}
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	for _, path := range []string{"/", "/mopidy/", "/nonexistent/", "/whoami"} {
		resp, err := env.srv.Client().Get(env.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP = %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", path)
		}
	}
}

// TestSecurityHeadersOnRPCReplies checks that JSON-RPC replies keep every
// header that applies to a non-document response.
func TestSecurityHeadersOnRPCReplies(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	resp := env.post(t, `{"jsonrpc":"2.0","id":1,"method":"core.get_version"}`, nil)
	resp.Body.Close()
	want := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control":                "no-cache",
	}
	for name, value := range want {
		if got := resp.Header.Get(name); got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestAccountsRequireLogin(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	ctx := context.Background()
	if err := env.store.AddUser(ctx, "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	resp := env.post(t, setVolume, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous call with accounts: status = %d", resp.StatusCode)
	}

	jar, _ := cookiejar.New(nil)
	client := env.srv.Client()
	client.Jar = jar
	login, err := client.Post(env.srv.URL+"/login", "application/json", strings.NewReader(`{"username":"alice","password":"pw-long-enough"}`))
	if err != nil {
		t.Fatal(err)
	}
	login.Body.Close()
	if login.StatusCode != http.StatusOK {
		t.Fatalf("login status = %d", login.StatusCode)
	}
	set := login.Header.Get("Set-Cookie")
	for _, flag := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, flag) {
			t.Errorf("cookie %q lacks %s", set, flag)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("cookie over plain HTTP marked Secure: %q", set)
	}

	resp2, err := client.Post(env.srv.URL+"/mopidy/rpc", "application/json", strings.NewReader(setVolume))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusOK || env.volume.Load() != 77 {
		t.Errorf("logged-in call: status %d, volume %d", resp2.StatusCode, env.volume.Load())
	}

	logout, err := client.Post(env.srv.URL+"/logout", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	logout.Body.Close()
	resp3, err := client.Post(env.srv.URL+"/mopidy/rpc", "application/json", strings.NewReader(setVolume))
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if resp3.StatusCode != http.StatusUnauthorized {
		t.Errorf("call after logout: status = %d", resp3.StatusCode)
	}
}

func TestNonLoopbackNeedsLogin(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: false})
	resp := env.post(t, setVolume, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
}

func TestTokenScopesAndRevocation(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: false})
	ctx := context.Background()
	readOnly, err := env.store.CreateToken(ctx, "reader", "alice", []string{"playback:read"})
	if err != nil {
		t.Fatal(err)
	}
	resp := env.post(t, setVolume, map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + readOnly})
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "PermissionError") || env.volume.Load() != 0 {
		t.Errorf("read-only token changed the volume: %s", body)
	}

	control, err := env.store.CreateToken(ctx, "remote", "alice", []string{"playback:control"})
	if err != nil {
		t.Fatal(err)
	}
	resp = env.post(t, setVolume, map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + control})
	if resp.StatusCode != http.StatusOK || env.volume.Load() != 77 {
		t.Fatalf("control token: status %d volume %d", resp.StatusCode, env.volume.Load())
	}
	if err := env.store.RevokeToken(ctx, "remote"); err != nil {
		t.Fatal(err)
	}
	resp = env.post(t, setVolume, map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + control})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: status = %d", resp.StatusCode)
	}
}

func wsURL(env *testEnv) string {
	return "ws" + strings.TrimPrefix(env.srv.URL, "http") + "/mopidy/ws"
}

func TestWebSocketForeignOriginRefused(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, origin := range []string{"http://evil.example", "null"} {
		_, resp, err := websocket.Dial(ctx, wsURL(env), &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {origin}},
		})
		if err == nil {
			t.Errorf("origin %s: upgrade accepted", origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %s: response %v", origin, resp)
		}
	}
}

func TestWebSocketAllowedOriginWithScheme(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, AllowedOrigins: []string{"http://app.example:8080"}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(env), &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://app.example:8080"}},
	})
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	conn.Close(websocket.StatusNormalClosure, "")
}

func TestWebSocketCallAndEvent(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(env), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(websocket.StatusNormalClosure, "")
	if err := conn.Write(ctx, websocket.MessageText, []byte(setVolume)); err != nil {
		t.Fatal(err)
	}
	var sawReply, sawEvent bool
	for !(sawReply && sawEvent) {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v (reply %v, event %v)", err, sawReply, sawEvent)
		}
		var m map[string]any
		if err := json.Unmarshal(msg, &m); err != nil {
			t.Fatal(err)
		}
		if m["event"] == "volume_changed" {
			sawEvent = true
			if m["volume"] != float64(77) {
				t.Errorf("event payload = %s", msg)
			}
		}
		if m["id"] == float64(1) {
			sawReply = true
			if m["result"] != true {
				t.Errorf("reply = %s", msg)
			}
		}
	}
}

func TestTLSServesHSTSAndSecureCookie(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, TLS: true})
	client := env.srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	resp, err := client.Get(env.srv.URL + "/whoami")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS under TLS")
	}
	if err := env.store.AddUser(context.Background(), "alice", "pw-long-enough", nil); err != nil {
		t.Fatal(err)
	}
	login, err := client.Post(env.srv.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader("username=alice&password=pw-long-enough"))
	if err != nil {
		t.Fatal(err)
	}
	login.Body.Close()
	if !strings.Contains(login.Header.Get("Set-Cookie"), "Secure") {
		t.Errorf("cookie under TLS not Secure: %q", login.Header.Get("Set-Cookie"))
	}
}

func TestSelfSignedCertificateKept(t *testing.T) {
	dir := t.TempDir()
	_, fp1, err := LoadTLS(TLSOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, fp2, err := LoadTLS(TLSOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if fp1 == "" || fp1 != fp2 {
		t.Errorf("fingerprints %q and %q differ", fp1, fp2)
	}
}
