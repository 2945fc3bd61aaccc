package httpapi

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// A client that sends requests and never reads the replies must not hold
// its connection and the handler's goroutine forever.
func TestWriteTimeoutFreesSlowReader(t *testing.T) {
	written := make(chan error, 1)
	big := bytes.Repeat([]byte("x"), 1<<20)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		for i := 0; i < 256 && err == nil; i++ {
			_, err = w.Write(big)
		}
		written <- err
	})
	srv := NewHTTPServer(handler, slog.New(slog.DiscardHandler), 500*time.Millisecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET /big HTTP/1.1\r\nHost: %s\r\n\r\n", ln.Addr()); err != nil {
		t.Fatal(err)
	}
	// The client reads nothing. The deadline only keeps a broken server
	// from hanging the test.
	select {
	case err := <-written:
		if err == nil {
			t.Fatal("256 MiB written to a client that reads nothing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the handler still writes to a client that reads nothing after 20 s")
	}
}

func TestNewHTTPServerBounds(t *testing.T) {
	srv := NewHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), 30*time.Second)
	if srv.WriteTimeout != 30*time.Second {
		t.Errorf("WriteTimeout = %v, want 30s", srv.WriteTimeout)
	}
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("unbounded server: %+v", srv)
	}
}
