package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/config"
	"github.com/tonearm/tonearm/internal/httpapi"
)

// httpConnsWait bounds every wait in the tests below so that a failure
// ends the test instead of hanging it. No test checks how fast anything
// happens.
const httpConnsWait = 10 * time.Second

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startCappedHTTP starts an httpFrontend on 127.0.0.1 that allows max
// connections, with a handler that writes "ok". It returns the frontend,
// its log, a channel that receives once each time a connection becomes
// idle, and the client TLS configuration when useTLS is set.
func startCappedHTTP(t *testing.T, max int, useTLS bool) (*httpFrontend, *logBuffer, <-chan struct{}, *tls.Config) {
	t.Helper()
	cfg := &config.Config{}
	cfg.HTTP.Hostname = "127.0.0.1"
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	h := &httpFrontend{cfg: cfg, srv: httpapi.NewHTTPServer(handler, log, 30*time.Second), log: log, maxConnections: max}

	// A ConnState hook set before Start must keep running beside the
	// listener's.
	idle := make(chan struct{}, 64)
	h.srv.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateIdle {
			select {
			case idle <- struct{}{}:
			default:
			}
		}
	}

	var clientTLS *tls.Config
	if useTLS {
		dir := t.TempDir()
		serverTLS, _, err := httpapi.LoadTLS(httpapi.TLSOptions{Dir: dir, Hosts: []string{"127.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		h.tls = serverTLS
		certPEM, err := os.ReadFile(filepath.Join(dir, "tls-cert.pem"))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(certPEM) {
			t.Fatal("the self-signed certificate did not parse")
		}
		clientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}

	ctx, cancel := context.WithCancel(context.Background())
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h, logs, idle, clientTLS
}

// cappedClient is a keep-alive connection to the frontend.
type cappedClient struct {
	net.Conn
	br *bufio.Reader
}

func dialCapped(t *testing.T, h *httpFrontend, clientTLS *tls.Config) *cappedClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", h.ln.Addr().String(), httpConnsWait)
	if err != nil {
		t.Fatal(err)
	}
	if clientTLS != nil {
		c = tls.Client(c, clientTLS)
	}
	t.Cleanup(func() { c.Close() })
	return &cappedClient{Conn: c, br: bufio.NewReader(c)}
}

// get sends one keep-alive request and returns the response body.
func (c *cappedClient) get() (string, error) {
	c.SetDeadline(time.Now().Add(httpConnsWait))
	if _, err := fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func TestHTTPFrontendEvictsIdleAtCap(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			h, logs, idle, clientTLS := startCappedHTTP(t, 2, useTLS)
			var held []*cappedClient
			for i := range 2 {
				c := dialCapped(t, h, clientTLS)
				if _, err := c.get(); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
				select {
				case <-idle:
				case <-time.After(httpConnsWait):
					t.Fatalf("connection %d never became idle", i+1)
				}
				held = append(held, c)
			}

			fresh := dialCapped(t, h, clientTLS)
			body, err := fresh.get()
			if err != nil {
				t.Fatalf("new client with every slot idle: %v", err)
			}
			if body != "ok" {
				t.Errorf("new client body = %q, want ok", body)
			}
			if got := h.conns.Evicted(); got != 1 {
				t.Errorf("Evicted() = %d, want 1", got)
			}

			held[0].SetReadDeadline(time.Now().Add(httpConnsWait))
			_, err = held[0].br.ReadByte()
			if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("longest-idle connection read: err = %v, want it closed", err)
			}
			if _, err := held[1].get(); err != nil {
				t.Errorf("second idle connection: %v, want it still open", err)
			}
			if !strings.Contains(logs.String(), "HTTP idle connection closed to make room") {
				t.Errorf("no Debug line for the closed connection in the log:\n%s", logs.String())
			}
		})
	}
}
