package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tonearm/tonearm/internal/core/scope"
)

// dialSocket opens a WebSocket with header and returns it with the HTTP
// status of the handshake.
func dialSocket(t *testing.T, env *testEnv, header http.Header) (*websocket.Conn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, wsURL(env), &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn, http.StatusSwitchingProtocols
}

func envServer(env *testEnv) *Server { return env.srv.Config.Handler.(*Server) }

func TestWebSocketTotalLimit(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, MaxSockets: 1})
	if _, status := dialSocket(t, env, nil); status != http.StatusSwitchingProtocols {
		t.Fatalf("first WebSocket: status %d", status)
	}
	if _, status := dialSocket(t, env, nil); status != http.StatusServiceUnavailable {
		t.Errorf("WebSocket past MaxSockets: status %d, want 503", status)
	}
	if got := envServer(env).sockets.rejectedTotal.Load(); got != 1 {
		t.Errorf("rejectedTotal = %d, want 1", got)
	}
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWebSocketRejectionWarningsRateLimited(t *testing.T) {
	logs := &lockedBuffer{}
	env := newTestEnv(t, Options{Loopback: true, MaxSocketsPerPrincipal: 1, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, status := dialSocket(t, env, nil); status != http.StatusSwitchingProtocols {
		t.Fatalf("first WebSocket: status %d", status)
	}
	const attempts = 30
	for range attempts {
		if _, status := dialSocket(t, env, nil); status != http.StatusTooManyRequests {
			t.Fatalf("WebSocket past the limit: status %d, want 429", status)
		}
	}
	warnings := strings.Count(logs.String(), "WebSocket rejected")
	if warnings == 0 {
		t.Error("no rejection was logged")
	}
	if warnings >= attempts {
		t.Errorf("%d rejections logged %d warnings, want fewer", attempts, warnings)
	}
}

func TestWebSocketPerPrincipalLimit(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, MaxSocketsPerPrincipal: 2})
	first, status := dialSocket(t, env, nil)
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("first anonymous WebSocket: status %d", status)
	}
	if _, status := dialSocket(t, env, nil); status != http.StatusSwitchingProtocols {
		t.Fatalf("second anonymous WebSocket: status %d", status)
	}
	if _, status := dialSocket(t, env, nil); status != http.StatusTooManyRequests {
		t.Errorf("third anonymous WebSocket: status %d, want 429", status)
	}
	if got := envServer(env).sockets.rejectedPrincipal.Load(); got != 1 {
		t.Errorf("rejectedPrincipal = %d, want 1", got)
	}

	// An API token is another principal, with slots of its own.
	secret, err := env.store.CreateToken(context.Background(), "remote", "alice", []string{"playback:read"})
	if err != nil {
		t.Fatal(err)
	}
	withToken := http.Header{"Authorization": {"Bearer " + secret}}
	for i := range 2 {
		if _, status := dialSocket(t, env, withToken); status != http.StatusSwitchingProtocols {
			t.Fatalf("token WebSocket %d: status %d", i+1, status)
		}
	}
	if _, status := dialSocket(t, env, withToken); status != http.StatusTooManyRequests {
		t.Errorf("third token WebSocket: status %d, want 429", status)
	}

	// A closed WebSocket frees its slot once its handler has returned.
	first.Close(websocket.StatusNormalClosure, "")
	for i := 0; ; i++ {
		_, status := dialSocket(t, env, nil)
		if status == http.StatusSwitchingProtocols {
			break
		}
		if i == 100 {
			t.Fatalf("anonymous WebSocket after one closed: status %d", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebSocketPerPrincipalLimitOff(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, MaxSocketsPerPrincipal: -1})
	for i := range DefaultMaxSocketsPerPrincipal + 1 {
		if _, status := dialSocket(t, env, nil); status != http.StatusSwitchingProtocols {
			t.Fatalf("WebSocket %d with the limit off: status %d", i+1, status)
		}
	}
}

func TestSocketKey(t *testing.T) {
	anonymous := scope.Principal{Kind: scope.KindSession, ID: "anonymous"}
	alice := scope.Principal{Kind: scope.KindSession, ID: "alice"}
	if socketKey(anonymous, "192.0.2.1:5000") == socketKey(anonymous, "192.0.2.2:5000") {
		t.Error("anonymous callers from two addresses share a key")
	}
	if socketKey(anonymous, "192.0.2.1:5000") != socketKey(anonymous, "192.0.2.1:6000") {
		t.Error("anonymous callers from one address have two keys")
	}
	if socketKey(alice, "192.0.2.1:5000") != socketKey(alice, "192.0.2.2:5000") {
		t.Error("one account from two addresses has two keys")
	}
	token := scope.Principal{Kind: scope.KindToken, ID: "alice"}
	if socketKey(alice, "192.0.2.1:5000") == socketKey(token, "192.0.2.1:5000") {
		t.Error("an account and a token of the same name share a key")
	}
}

// readAll reads messages from conn until it fails, and returns the error.
func readAll(ctx context.Context, conn *websocket.Conn) error {
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			return err
		}
	}
}

func TestWebSocketWithoutPongClosed(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, PingInterval: 20 * time.Millisecond, PongTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A peer that never sends a pong looks like one that vanished.
	conn, _, err := websocket.Dial(ctx, wsURL(env), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { return false },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	err = readAll(ctx, conn)
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatal("server kept a WebSocket that sends no pong")
	}
	if got := envServer(env).sockets.pongTimeouts.Load(); got != 1 {
		t.Errorf("pongTimeouts = %d, want 1", got)
	}
}

func TestWebSocketWithPongsStaysOpen(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true, PingInterval: 20 * time.Millisecond, PongTimeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var pings atomic.Int64
	enough := make(chan struct{})
	conn, _, err := websocket.Dial(ctx, wsURL(env), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			if pings.Add(1) == 5 {
				close(enough)
			}
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	messages := make(chan []byte, 8)
	go func() {
		for {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				close(messages)
				return
			}
			messages <- msg
		}
	}()

	select {
	case <-enough:
	case <-ctx.Done():
		t.Fatalf("received %d pings before the test timed out, want 5", pings.Load())
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":1,"method":"core.mixer.get_volume"}`)); err != nil {
		t.Fatalf("write after 5 pings: %v", err)
	}
	if _, ok := <-messages; !ok {
		t.Error("WebSocket closed although the client sent a pong for every ping")
	}
	if got := envServer(env).sockets.pongTimeouts.Load(); got != 0 {
		t.Errorf("pongTimeouts = %d, want 0", got)
	}
}
