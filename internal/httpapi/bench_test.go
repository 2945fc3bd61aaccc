package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/jsonrpc"
)

// BenchmarkRPCGetState measures one POST /mopidy/rpc call through the whole
// handler chain with the real core, as an anonymous loopback caller.
func BenchmarkRPCGetState(b *testing.B) {
	player := audiotest.New(audiotest.Options{})
	c, err := core.New(core.Options{Player: player, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	d, err := NewDispatcher(c, jsonrpc.Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	store, err := auth.Open(auth.Options{Path: b.TempDir() + "/auth.db", Scopes: scopeNames()})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	s, err := New(Options{Hostname: "127.0.0.1", Loopback: true, Dispatcher: d, Auth: store})
	if err != nil {
		b.Fatal(err)
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"core.playback.get_state"}`
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequestWithContext(context.Background(), "POST", "http://127.0.0.1:6680/mopidy/rpc", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
