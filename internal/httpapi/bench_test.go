package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/auth"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/jsonrpc"
)

// newBenchServer builds a Server with the real core, an audiotest player
// and an auth store in a temporary directory. It closes the core and the
// store when the benchmark ends.
func newBenchServer(b *testing.B) *Server {
	b.Helper()
	player := audiotest.New(audiotest.Options{})
	c, err := core.New(core.Options{Player: player, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })

	d, err := NewDispatcher(c, jsonrpc.Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	store, err := auth.Open(auth.Options{Path: b.TempDir() + "/auth.db", Scopes: scopeNames()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })

	s, err := New(Options{Hostname: "127.0.0.1", Loopback: true, Dispatcher: d, Auth: store})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRPCGetState measures one POST /mopidy/rpc call through the whole
// handler chain with the real core, as an anonymous loopback caller.
func BenchmarkRPCGetState(b *testing.B) {
	s := newBenchServer(b)
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

// BenchmarkRPCOverTCP measures POST /mopidy/rpc calls on one keep-alive
// loopback connection to the http.Server that NewHTTPServer builds, so
// net/http's per-request work is included. The client writes a fixed
// request and reads the reply with a few slice operations, so nearly
// every allocation it reports is the server's.
func BenchmarkRPCOverTCP(b *testing.B) {
	s := newBenchServer(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := NewHTTPServer(s, slog.New(slog.DiscardHandler), 30*time.Second)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"core.playback.get_state","params":{}}`
	request := []byte(fmt.Sprintf("POST /mopidy/rpc HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		ln.Addr(), len(body), body))
	reader := bufio.NewReaderSize(conn, 16<<10)
	want := []byte(`{"jsonrpc":"2.0","id":1,"result":"stopped"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := conn.Write(request); err != nil {
			b.Fatal(err)
		}
		if err := readReply(reader, want); err != nil {
			b.Fatal(err)
		}
	}
}

// readReply reads one HTTP/1.1 response with a Content-Length and checks
// its status and body.
func readReply(r *bufio.Reader, want []byte) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q, expected 200", line)
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if value, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return errors.New("reply has no Content-Length")
	}
	got, err := r.Peek(length)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("body %s, expected %s", got, want)
	}
	_, err = r.Discard(length)
	return err
}
