package httpapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/core/scope"
)

// padded returns setVolume followed by spaces up to size bytes, which
// the dispatcher ignores.
func padded(t *testing.T, size int) string {
	t.Helper()
	if size < len(setVolume) {
		t.Fatalf("size %d is below the request's %d bytes", size, len(setVolume))
	}
	return setVolume + strings.Repeat(" ", size-len(setVolume))
}

// postChunked sends body without a Content-Length, so net/http sends it
// chunked and the server learns its length only by reading it.
func (env *testEnv) postChunked(t *testing.T, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", env.srv.URL+"/mopidy/rpc", io.NopCloser(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRPCBodyLimit(t *testing.T) {
	const limit = 200
	json := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name    string
		size    int
		chunked bool
		status  int
	}{
		{"declared length at the limit", limit, false, http.StatusOK},
		{"declared length over the limit", limit + 1, false, http.StatusRequestEntityTooLarge},
		{"declared length ten times the limit", 10 * limit, false, http.StatusRequestEntityTooLarge},
		{"chunked at the limit", limit, true, http.StatusOK},
		{"chunked over the limit", limit + 1, true, http.StatusRequestEntityTooLarge},
		{"chunked ten times the limit", 10 * limit, true, http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newTestEnv(t, Options{Loopback: true, MaxBodyBytes: limit})
			var resp *http.Response
			if c.chunked {
				resp = env.postChunked(t, padded(t, c.size))
			} else {
				resp = env.post(t, padded(t, c.size), json)
			}
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, expected %d", resp.StatusCode, c.status)
			}
			wantVolume := int64(0)
			if c.status == http.StatusOK {
				wantVolume = 77
			}
			if got := env.volume.Load(); got != wantVolume {
				t.Errorf("volume %d after the request, expected %d", got, wantVolume)
			}
		})
	}
}

func TestRPCKeepsConnectionAfterReply(t *testing.T) {
	env := newTestEnv(t, Options{Loopback: true})
	json := map[string]string{"Content-Type": "application/json"}
	for i := range 3 {
		resp := env.post(t, setVolume, json)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d: status %d, expected 200", i, resp.StatusCode)
		}
		if resp.Close {
			t.Fatalf("call %d: server closes the connection after the reply", i)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatal(err)
		}
	}
}

type otherKey struct{}

func TestPrincipalContext(t *testing.T) {
	reader := scope.Principal{Kind: scope.KindToken, ID: "reader", Scopes: scope.NewSet(scope.PlaybackRead)}
	admin := scope.Local("admin")
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "kept"))

	if _, ok := PrincipalFrom(parent); ok {
		t.Error("PrincipalFrom found a caller in a context without one")
	}
	ctx := WithPrincipal(parent, reader)
	got, ok := PrincipalFrom(ctx)
	if !ok || got.ID != "reader" || !got.Scopes.Has(scope.PlaybackRead) {
		t.Errorf("PrincipalFrom = %v, %v, expected the reader", got, ok)
	}
	if v := ctx.Value(otherKey{}); v != "kept" {
		t.Errorf("other value %v, expected the parent's", v)
	}
	inner := WithPrincipal(ctx, admin)
	if got, _ := PrincipalFrom(inner); got.ID != "admin" {
		t.Errorf("nested PrincipalFrom = %v, expected the inner caller", got)
	}
	cancel()
	if inner.Err() == nil {
		t.Error("the parent's cancellation did not reach the caller's context")
	}
}

func TestWithPrincipalAllocatesOnce(t *testing.T) {
	p := scope.Local("test")
	ctx := context.Background()
	// heapContext makes the new context escape to the heap, as a request's does.
	var heapContext context.Context
	allocs := testing.AllocsPerRun(100, func() {
		heapContext = WithPrincipal(ctx, p)
		if _, ok := PrincipalFrom(heapContext); !ok {
			t.Fatal("caller not found")
		}
	})
	if allocs != 1 {
		t.Errorf("WithPrincipal and PrincipalFrom take %v allocations, expected 1", allocs)
	}
}
