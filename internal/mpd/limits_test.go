package mpd_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
)

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

// limitServer is a frontend over memcore whose counters and log the test
// reads.
type limitServer struct {
	srv    *mpd.Server
	addr   string
	socket string
	log    *lockedBuffer
}

// startLimitServer serves cfg on 127.0.0.1 port 0, a Unix socket and the
// extra listeners.
func startLimitServer(t *testing.T, cfg mpd.Config, extra ...mpd.Listener) *limitServer {
	t.Helper()
	core := memcore.New(testLibrary())
	cfg.Address = "-"
	cfg.DataDir = t.TempDir()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := mpd.New(cfg, func(mpd.Principal) mpd.Core { return core }, log)
	if err != nil {
		t.Fatalf("mpd.New: %v", err)
	}

	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	sock := filepath.Join(shortTempDir(t), "mpd.sock")
	unix, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen on socket: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ls := append([]mpd.Listener{{Listener: tcp}, {Listener: unix, Local: true}}, extra...)
	go func() { done <- srv.Serve(ctx, ls...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &limitServer{srv: srv, addr: tcp.Addr().String(), socket: sock, log: logs}
}

// pingUntilClosed sends ping every interval until the server closes the
// connection, and reports whether it did within maxPings pings.
func pingUntilClosed(c *client, interval time.Duration, maxPings int) bool {
	for range maxPings {
		c.nc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.nc.Write([]byte("ping\n")); err != nil {
			return true
		}
		if _, err := c.r.ReadString('\n'); err != nil {
			return true
		}
		time.Sleep(interval)
	}
	return false
}

// readRejection reads what the server sends to a rejected client up to the
// close.
func readRejection(t *testing.T, addr string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	data, _ := io.ReadAll(nc)
	return string(data)
}

// startLoginTimeoutServer serves a configuration with the password
// "right" for every permission, defaultPermissions for clients without a
// password, an idle timeout of an hour and the given login timeout.
func startLoginTimeoutServer(t *testing.T, defaultPermissions string, loginTimeout time.Duration) *limitServer {
	t.Helper()
	return startLimitServer(t, mpd.Config{
		Passwords:          []mpd.Password{{Secret: "right", Permissions: mpd.PermAll}},
		DefaultPermissions: perms(t, defaultPermissions),
		IdleTimeout:        time.Hour,
		LoginTimeout:       loginTimeout,
	})
}

func TestLoginTimeoutClosesPinger(t *testing.T) {
	ls := startLoginTimeoutServer(t, "", 200*time.Millisecond)
	c := dial(t, "tcp", ls.addr)
	if got := c.cmd("idle"); got[0] != `ACK [4@0] {idle} you don't have permission for "idle"` {
		t.Errorf("idle without read permission = %q, want a permission error", got)
	}
	// Without the login deadline the idle timeout of an hour would let
	// this client hold its slot by pinging.
	if !pingUntilClosed(c, 50*time.Millisecond, 200) {
		t.Fatal("client without a password stayed connected past the login timeout")
	}
	if got := ls.srv.Counters().LoginTimeouts; got != 1 {
		t.Errorf("LoginTimeouts = %d, want 1", got)
	}
}

func TestLoginTimeoutEndsWithPassword(t *testing.T) {
	ls := startLoginTimeoutServer(t, "", 100*time.Millisecond)
	c := dial(t, "tcp", ls.addr)
	if got := c.cmd("password right"); got[0] != "OK" {
		t.Fatalf("password right = %q", got)
	}
	time.Sleep(300 * time.Millisecond)
	if got := c.cmd("ping"); got[0] != "OK" {
		t.Errorf("ping after the login timeout, with a password given = %q", got)
	}
	if got := ls.srv.Counters().LoginTimeouts; got != 0 {
		t.Errorf("LoginTimeouts = %d, want 0", got)
	}
}

func TestLoginTimeoutSparesReadPermission(t *testing.T) {
	ls := startLoginTimeoutServer(t, "read", 100*time.Millisecond)
	c := dial(t, "tcp", ls.addr)
	time.Sleep(300 * time.Millisecond)
	if got := c.cmd("status"); got[len(got)-1] != "OK" {
		t.Errorf("status with read permission after the login timeout = %q", got)
	}
}

func TestMaxConnectionsPerAddress(t *testing.T) {
	ls := startLimitServer(t, mpd.Config{MaxConnectionsPerAddress: 2})
	first := dial(t, "tcp", ls.addr)
	dial(t, "tcp", ls.addr)
	if got := readRejection(t, ls.addr); got != "ACK [52@0] {} too many connections from your address\n" {
		t.Errorf("third connection from one address got %q, want a refusal naming the address", got)
	}
	if got := ls.srv.Counters().RejectedPerAddress; got != 1 {
		t.Errorf("RejectedPerAddress = %d, want 1", got)
	}
	if !strings.Contains(ls.log.String(), "too many connections from one address") {
		t.Error("the rejection was not logged")
	}

	// Unix socket clients are not counted against the address limit.
	local := dial(t, "unix", ls.socket)
	if got := local.cmd("ping"); got[0] != "OK" {
		t.Errorf("ping over the Unix socket = %q", got)
	}

	// A closed connection frees its slot once the server has seen the
	// close.
	first.nc.Close()
	for i := 0; ; i++ {
		nc, err := net.Dial("tcp", ls.addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		greeting, _ := bufio.NewReader(nc).ReadString('\n')
		nc.Close()
		if greeting == "OK MPD "+mpd.Version+"\n" {
			break
		}
		if i == 100 {
			t.Fatalf("connection after one closed got %q, want the greeting", greeting)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMaxConnectionsPerAddressOff(t *testing.T) {
	ls := startLimitServer(t, mpd.Config{MaxConnectionsPerAddress: -1, MaxConnections: 50})
	for range 40 {
		dial(t, "tcp", ls.addr)
	}
	if got := ls.srv.Counters().RejectedPerAddress; got != 0 {
		t.Errorf("RejectedPerAddress = %d with the limit off, want 0", got)
	}
}

func TestRejectionWarningsRateLimited(t *testing.T) {
	ls := startLimitServer(t, mpd.Config{MaxConnections: 1})
	dial(t, "tcp", ls.addr)
	const attempts = 30
	for range attempts {
		if got := readRejection(t, ls.addr); got != "ACK [52@0] {} too many connections\n" {
			t.Fatalf("connection past the limit got %q", got)
		}
	}
	if got := ls.srv.Counters().RejectedMaxConnections; got != attempts {
		t.Errorf("RejectedMaxConnections = %d, want %d", got, attempts)
	}
	warnings := strings.Count(ls.log.String(), "MPD connection rejected")
	if warnings == 0 {
		t.Error("no rejection was logged")
	}
	if warnings >= attempts {
		t.Errorf("%d rejections logged %d warnings, want fewer", attempts, warnings)
	}
}

// A rejected TLS client that never sends its handshake must not stop the
// listener, because the rejection line is written through the handshake.
func TestRejectedTLSClientWithoutHandshake(t *testing.T) {
	cert, pool := selfSigned(t)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(tcp, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	startLimitServer(t, mpd.Config{MaxConnections: 1}, mpd.Listener{Listener: tl})
	clientTLS := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	first, err := tls.Dial("tcp", tl.Addr().String(), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetDeadline(time.Now().Add(10 * time.Second))
	if greeting, _ := bufio.NewReader(first).ReadString('\n'); greeting != "OK MPD "+mpd.Version+"\n" {
		t.Fatalf("greeting over TLS = %q", greeting)
	}

	silent, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(silent)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("server kept a rejected client that sent no TLS handshake")
	}

	third, err := tls.Dial("tcp", tl.Addr().String(), clientTLS)
	if err != nil {
		t.Fatalf("TLS dial after the silent client: %v", err)
	}
	defer third.Close()
	third.SetDeadline(time.Now().Add(10 * time.Second))
	if line, _ := bufio.NewReader(third).ReadString('\n'); line != "ACK [52@0] {} too many connections\n" {
		t.Errorf("TLS connection past the limit got %q", line)
	}
}
