package connlimit

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// testWait bounds every wait in these tests so that a failure ends the
// test instead of hanging it. No test checks how fast anything happens.
const testWait = 10 * time.Second

// capServer is a real http.Server behind a TotalListener on 127.0.0.1.
type capServer struct {
	ln   *TotalListener
	addr string
	// clientTLS is the client configuration when the server speaks TLS.
	clientTLS *tls.Config
	// idle receives once for every connection that became idle.
	idle chan struct{}
	// waiting receives each time Accept waits for a slot.
	waiting chan struct{}
	// entered receives when /slow or /hijack starts, and release lets
	// them finish.
	entered chan struct{}
	release chan struct{}
}

type serverOptions struct {
	max int
	// noHook leaves the server's ConnState hook out, so the listener
	// never learns that a connection is idle.
	noHook bool
	tls    bool
}

func startCapServer(t *testing.T, opts serverOptions) *capServer {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &capServer{
		addr:    inner.Addr().String(),
		idle:    make(chan struct{}, 256),
		waiting: make(chan struct{}, 256),
		entered: make(chan struct{}, 16),
		release: make(chan struct{}),
	}
	s.ln = NewTotalListener(inner, opts.max, nil)
	s.ln.waitHook = func() { notify(s.waiting) }

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		s.entered <- struct{}{}
		<-s.release
		fmt.Fprint(w, "slow")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer c.Close()
		s.entered <- struct{}{}
		<-s.release
		fmt.Fprint(c, "hijacked\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: testWait}
	srv.ConnState = func(c net.Conn, state http.ConnState) {
		if !opts.noHook {
			s.ln.ConnState(c, state)
		}
		if state == http.StateIdle {
			notify(s.idle)
		}
	}

	var ln net.Listener = s.ln
	if opts.tls {
		cert, pool := testCertificate(t)
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
		s.clientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-served
	})
	return s
}

// notify sends on ch without blocking. The channels are sized for every
// test's events.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// await receives from ch, or fails the test after testWait.
func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(testWait):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// client is one connection to a capServer.
type client struct {
	net.Conn
	br *bufio.Reader
}

// dial connects from the loopback address local, such as "127.0.0.2".
func (s *capServer) dial(t *testing.T, local string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: testWait}
	c, err := d.Dial("tcp", s.addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	if s.clientTLS != nil {
		// The handshake runs with the first write or read, after the
		// server has accepted the connection.
		c = tls.Client(c, s.clientTLS)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(testWait))
	return &client{Conn: c, br: bufio.NewReader(c)}
}

// send writes a keep-alive GET request for path.
func (c *client) send(t *testing.T, path string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path); err != nil {
		t.Fatalf("send GET %s: %v", path, err)
	}
}

// receive reads a response and returns its body.
func (c *client) receive() (string, error) {
	c.SetDeadline(time.Now().Add(testWait))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	return string(body), nil
}

// get sends a request for path and returns the body of the response.
func (c *client) get(t *testing.T, path string) string {
	t.Helper()
	c.send(t, path)
	body, err := c.receive()
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return body
}

// idleClient opens a connection from local, completes one request on it
// and waits until the server has marked it idle.
func (s *capServer) idleClient(t *testing.T, local string) *client {
	t.Helper()
	c := s.dial(t, local)
	c.get(t, "/")
	await(t, s.idle, "the connection from "+local+" to become idle")
	return c
}

// checkClosed fails the test unless the server has closed c.
func checkClosed(t *testing.T, c *client, name string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testWait))
	_, err := c.br.ReadByte()
	var netErr net.Error
	switch {
	case err == nil:
		t.Errorf("%s: read data, want the connection closed", name)
	case errors.As(err, &netErr) && netErr.Timeout():
		t.Errorf("%s: still open, want it closed", name)
	case !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET):
		t.Errorf("%s: read error %v, want EOF or a reset", name, err)
	}
}

// checkOpen fails the test unless a request on c is served.
func checkOpen(t *testing.T, c *client, name string) {
	t.Helper()
	c.send(t, "/")
	if _, err := c.receive(); err != nil {
		t.Errorf("%s: request failed: %v, want the connection still open", name, err)
	}
}

func TestTotalListenerEvictsIdleForNewClient(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			s := startCapServer(t, serverOptions{max: 4, tls: useTLS})
			var idle []*client
			for range 4 {
				idle = append(idle, s.idleClient(t, "127.0.0.1"))
			}

			fresh := s.dial(t, "127.0.0.1")
			if got := fresh.get(t, "/"); got != "ok" {
				t.Errorf("new client got body %q, want ok", got)
			}
			if got := s.ln.Evicted(); got != 1 {
				t.Errorf("Evicted() = %d, want 1", got)
			}
			if got := s.ln.Open(); got != 4 {
				t.Errorf("Open() = %d, want 4", got)
			}
			checkClosed(t, idle[0], "longest-idle connection")
			for i, c := range idle[1:] {
				checkOpen(t, c, fmt.Sprintf("idle connection %d", i+2))
			}
		})
	}
}

func TestTotalListenerWithoutHookWaits(t *testing.T) {
	// Without the ConnState hook the listener cannot tell idle
	// connections apart, which is the behaviour of a plain total cap.
	s := startCapServer(t, serverOptions{max: 2, noHook: true})
	first := s.idleClient(t, "127.0.0.1")
	s.idleClient(t, "127.0.0.1")

	fresh := s.dial(t, "127.0.0.1")
	fresh.send(t, "/")
	await(t, s.waiting, "Accept to wait for a slot")
	fresh.SetReadDeadline(time.Now().Add(time.Second))
	_, err := fresh.br.Peek(1)
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("new client read: err = %v, want a timeout because every slot is held", err)
	}
	if got := s.ln.Evicted(); got != 0 {
		t.Errorf("Evicted() = %d without the hook, want 0", got)
	}

	// Closing an idle connection from the client side frees its slot.
	first.Close()
	if _, err := fresh.receive(); err != nil {
		t.Errorf("new client after a slot freed: %v", err)
	}
}

func TestTotalListenerKeepsBusyConnections(t *testing.T) {
	cases := []struct {
		name string
		// hold opens the connection that takes the only slot.
		hold func(t *testing.T, s *capServer) *client
		// finish checks that the connection survived and lets it end or
		// become idle.
		finish func(t *testing.T, s *capServer, c *client)
		// evicted is the number of connections closed to serve the new
		// client after finish.
		evicted uint64
	}{
		{
			name: "active request",
			hold: func(t *testing.T, s *capServer) *client {
				// The first request leaves the connection idle, and
				// the second makes it busy again.
				c := s.idleClient(t, "127.0.0.1")
				c.send(t, "/slow")
				await(t, s.entered, "the slow handler to start")
				return c
			},
			finish: func(t *testing.T, s *capServer, c *client) {
				close(s.release)
				body, err := c.receive()
				if err != nil {
					t.Fatalf("slow request: %v, want its response", err)
				}
				if body != "slow" {
					t.Errorf("slow request body = %q, want slow", body)
				}
			},
			evicted: 1,
		},
		{
			name: "new connection",
			hold: func(t *testing.T, s *capServer) *client {
				// The connection sends nothing, so the server keeps it in
				// StateNew.
				return s.dial(t, "127.0.0.1")
			},
			finish: func(t *testing.T, s *capServer, c *client) {
				if body := c.get(t, "/"); body != "ok" {
					t.Errorf("request on the new connection: body %q, want ok", body)
				}
			},
			evicted: 1,
		},
		{
			name: "hijacked connection",
			hold: func(t *testing.T, s *capServer) *client {
				// The first request leaves the connection idle, and
				// the second makes it busy again.
				c := s.idleClient(t, "127.0.0.1")
				c.send(t, "/hijack")
				await(t, s.entered, "the hijack handler to start")
				return c
			},
			finish: func(t *testing.T, s *capServer, c *client) {
				close(s.release)
				line, err := c.br.ReadString('\n')
				if err != nil || line != "hijacked\n" {
					t.Fatalf("hijacked connection read %q, %v, want the handler's line", line, err)
				}
			},
			// The handler closes the connection, which frees the slot.
			evicted: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startCapServer(t, serverOptions{max: 1})
			held := tc.hold(t, s)

			fresh := s.dial(t, "127.0.0.1")
			fresh.send(t, "/")
			// Accept has looked for an idle connection, found none and
			// closed nothing.
			await(t, s.waiting, "Accept to wait for a slot")
			if got := s.ln.Evicted(); got != 0 {
				t.Fatalf("Evicted() = %d while the only connection is busy, want 0", got)
			}

			tc.finish(t, s, held)
			if _, err := fresh.receive(); err != nil {
				t.Fatalf("new client after the busy connection finished: %v", err)
			}
			if got := s.ln.Evicted(); got != tc.evicted {
				t.Errorf("Evicted() = %d, want %d", got, tc.evicted)
			}
		})
	}
}

func TestTotalListenerEvictsFromBusiestAddress(t *testing.T) {
	s := startCapServer(t, serverOptions{max: 5})
	// 127.0.0.3's connections are idle for longer, but 127.0.0.2 has more.
	few := []*client{s.idleClient(t, "127.0.0.3"), s.idleClient(t, "127.0.0.3")}
	many := []*client{s.idleClient(t, "127.0.0.2"), s.idleClient(t, "127.0.0.2"), s.idleClient(t, "127.0.0.2")}

	first := s.idleClient(t, "127.0.0.4")
	checkClosed(t, many[0], "longest-idle connection of 127.0.0.2")

	// 127.0.0.2 and 127.0.0.3 now have 2 connections each, so the
	// connection idle for longer goes, which is 127.0.0.3's first.
	second := s.idleClient(t, "127.0.0.4")
	checkClosed(t, few[0], "longest-idle connection of 127.0.0.3")

	if got := s.ln.Evicted(); got != 2 {
		t.Errorf("Evicted() = %d, want 2", got)
	}
	for name, c := range map[string]*client{
		"127.0.0.3 second": few[1], "127.0.0.2 second": many[1], "127.0.0.2 third": many[2],
		"127.0.0.4 first": first, "127.0.0.4 second": second,
	} {
		checkOpen(t, c, name)
	}
}

func TestTotalListenerCloseEndsWait(t *testing.T) {
	s := startCapServer(t, serverOptions{max: 1, noHook: true})
	s.idleClient(t, "127.0.0.1")
	fresh := s.dial(t, "127.0.0.1")
	fresh.send(t, "/")
	await(t, s.waiting, "Accept to wait for a slot")

	s.ln.Close()
	// The waiting Accept closes the connection it holds.
	checkClosed(t, fresh, "connection held while the listener closed")
}

func TestTotalListenerIgnoresForeignConns(t *testing.T) {
	ln := NewTotalListener(nil, 1, nil)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ln.ConnState(a, http.StateIdle)
	ln.mu.Lock()
	victim := ln.victimLocked()
	ln.mu.Unlock()
	if victim != nil {
		t.Error("a connection from elsewhere was recorded as idle")
	}
}

// testCertificate returns a self-signed certificate for 127.0.0.1 and a
// pool that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// BenchmarkTotalListenerConnState measures the hook's cost for one
// request on a keep-alive connection: StateActive, then StateIdle.
func BenchmarkTotalListenerConnState(b *testing.B) {
	ln := NewTotalListener(nil, 1, nil)
	a, peer := net.Pipe()
	defer a.Close()
	defer peer.Close()
	tc := &totalConn{Conn: a, listener: ln, key: "127.0.0.1"}
	ln.open = 1
	ln.keys[tc.key] = &keyConns{open: 1}
	b.ReportAllocs()
	for b.Loop() {
		ln.ConnState(tc, http.StateActive)
		ln.ConnState(tc, http.StateIdle)
	}
}
