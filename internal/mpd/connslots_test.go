package mpd_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/mpd"
)

// tlsListener returns a TLS listener on 127.0.0.1 port 0 and the client
// configuration that trusts it.
func tlsListener(t *testing.T) (net.Listener, *tls.Config) {
	t.Helper()
	cert, pool := selfSigned(t)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(tcp, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	return tl, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// closedByServer reports whether the server closes nc before a read
// deadline of 10 s passes.
func closedByServer(t *testing.T, nc net.Conn) bool {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.ReadAll(nc)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func TestTLSHandshakeTimeout(t *testing.T) {
	tl, _ := tlsListener(t)
	// The idle timeout of an hour would keep the client without the
	// handshake timeout.
	startLimitServer(t, mpd.Config{IdleTimeout: time.Hour, LoginTimeout: 100 * time.Millisecond},
		mpd.Listener{Listener: tl})
	silent, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if !closedByServer(t, silent) {
		t.Error("server kept a TLS client that never sent a ClientHello")
	}
}

// dialFrom connects to addr from the local address ip, such as
// 127.0.0.2, which Linux routes over loopback like 127.0.0.1.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ip, err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// Rejected TLS clients that never handshake must not delay clients of
// other addresses. Each rejection waits up to a second for the handshake,
// so 30 of them on the accept goroutine would delay the next client by
// 30 s, past the 10 s read deadline.
func TestTLSRejectionsDoNotStallAccept(t *testing.T) {
	tl, clientTLS := tlsListener(t)
	ls := startLimitServer(t, mpd.Config{MaxConnectionsPerAddress: 1}, mpd.Listener{Listener: tl})
	addr := tl.Addr().String()

	holder := tls.Client(dialFrom(t, "127.0.0.1", addr), clientTLS)
	holder.SetDeadline(time.Now().Add(10 * time.Second))
	if greeting, err := bufio.NewReader(holder).ReadString('\n'); greeting != "OK MPD "+mpd.Version+"\n" {
		t.Fatalf("greeting over TLS = %q (%v)", greeting, err)
	}
	const silent = 30
	for range silent {
		dialFrom(t, "127.0.0.1", addr)
	}

	other := tls.Client(dialFrom(t, "127.0.0.2", addr), clientTLS)
	other.SetDeadline(time.Now().Add(10 * time.Second))
	if greeting, err := bufio.NewReader(other).ReadString('\n'); greeting != "OK MPD "+mpd.Version+"\n" {
		t.Errorf("greeting to another address after %d rejected silent clients = %q (%v)", silent, greeting, err)
	}
	if got := ls.srv.Counters().RejectedSilently; got == 0 {
		t.Errorf("RejectedSilently = 0 after %d rejections at once, want some closed without a word", silent)
	}
}

func TestLocalClientsHaveOwnAllowance(t *testing.T) {
	ls := startLimitServer(t, mpd.Config{MaxConnections: 1})
	dial(t, "tcp", ls.addr)
	if got := readRejection(t, ls.addr); got != "ACK [52@0] {} too many connections\n" {
		t.Fatalf("second TCP connection got %q, want a refusal", got)
	}

	local := dial(t, "unix", ls.socket)
	if got := local.cmd("ping"); got[0] != "OK" {
		t.Errorf("ping over the Unix socket with every TCP slot taken = %q", got)
	}

	nc, err := net.Dial("unix", ls.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if data, _ := io.ReadAll(nc); string(data) != "ACK [52@0] {} too many connections\n" {
		t.Errorf("second Unix socket connection got %q, want a refusal", data)
	}
}
