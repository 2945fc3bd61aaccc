package netguard

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckAddresses(t *testing.T) {
	loopbackOnly := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		addr    string
		allowed []netip.Prefix
		blocked bool
	}{
		{"127.0.0.1", nil, true},
		{"127.1.2.3", nil, true},
		{"::1", nil, true},
		{"::ffff:127.0.0.1", nil, true},
		{"10.1.2.3", nil, true},
		{"172.16.0.1", nil, true},
		{"172.31.255.255", nil, true},
		{"192.168.1.1", nil, true},
		{"::ffff:192.168.1.1", nil, true},
		{"100.64.0.1", nil, true},
		{"100.127.255.254", nil, true},
		{"169.254.1.1", nil, true},
		{"169.254.169.254", nil, true},
		{"::ffff:169.254.169.254", nil, true},
		{"fd00:ec2::254", nil, true},
		{"fc00::1", nil, true},
		{"fdff::1", nil, true},
		{"fe80::1", nil, true},
		{"fe80::1%eth0", nil, true},
		{"224.0.0.1", nil, true},
		{"239.255.255.250", nil, true},
		{"ff02::1", nil, true},
		{"0.0.0.0", nil, true},
		{"::", nil, true},
		{"255.255.255.255", nil, true},
		{"::127.0.0.1", nil, true},
		{"64:ff9b::7f00:1", nil, true},
		{"64:ff9b::a00:1", nil, true},
		{"2002:7f00:1::", nil, true},
		{"2002:c0a8:101::1", nil, true},
		{"198.18.0.1", nil, true},
		// Public addresses, only ever checked, never dialled.
		{"93.184.216.34", nil, false},
		{"8.8.8.8", nil, false},
		{"172.32.0.1", nil, false},
		{"100.128.0.1", nil, false},
		{"2606:4700::1111", nil, false},
		{"64:ff9b::808:808", nil, false},
		{"::ffff:8.8.8.8", nil, false},
		// Allowed networks.
		{"127.0.0.1", loopbackOnly, false},
		{"::ffff:127.0.0.1", loopbackOnly, false},
		{"::1", loopbackOnly, true},
		{"10.0.0.1", loopbackOnly, true},
		{"192.168.1.10", []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, false},
		{"192.168.2.10", []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}, true},
		{"169.254.169.254", []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}, true},
		{"169.254.169.254", []netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")}, false},
		{"fd00:ec2::254", []netip.Prefix{netip.MustParsePrefix("fc00::/7")}, true},
		{"fd00:ec2::1", []netip.Prefix{netip.MustParsePrefix("fc00::/7")}, false},
	}
	for _, tc := range tests {
		name := tc.addr
		if tc.allowed != nil {
			name += " allowed " + tc.allowed[0].String()
		}
		t.Run(name, func(t *testing.T) {
			g := New(Options{AllowedNetworks: tc.allowed})
			err := g.Check(netip.MustParseAddr(tc.addr))
			if tc.blocked && !errors.Is(err, ErrBlocked) {
				t.Fatalf("Check(%s) = %v, want ErrBlocked", tc.addr, err)
			}
			if !tc.blocked && err != nil {
				t.Fatalf("Check(%s) = %v, want nil", tc.addr, err)
			}
		})
	}
}

func TestCheckInvalidAddress(t *testing.T) {
	if err := New(Options{}).Check(netip.Addr{}); !errors.Is(err, ErrBlocked) {
		t.Fatalf("Check(zero Addr) = %v, want ErrBlocked", err)
	}
}

func TestParseNetworks(t *testing.T) {
	got, err := ParseNetworks([]string{" 127.0.0.0/8 ", "", "192.168.1.7/24", "fd12::/64"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.0/8", "192.168.1.0/24", "fd12::/64"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("network %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := ParseNetworks([]string{"192.168.1.1"}); err == nil {
		t.Error("ParseNetworks accepted an address without prefix length")
	}
}

// countingServer starts a test server on 127.0.0.1 that counts the TCP
// connections it accepts.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	})
}

func TestClientRejectsLoopbackByDefault(t *testing.T) {
	srv, conns := countingServer(t, okHandler())
	client := New(Options{}).Client(ClientOptions{})

	resp, err := client.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("GET to 127.0.0.1 succeeded, want rejection")
	}
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("error = %v, want ErrBlocked", err)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("server accepted %d connections, want 0", n)
	}
}

func TestDialRejectsLocalhostName(t *testing.T) {
	srv, conns := countingServer(t, okHandler())
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	conn, err := New(Options{}).DialContext(context.Background(), "tcp", "localhost:"+port)
	if err == nil {
		conn.Close()
		t.Fatal("dial to localhost succeeded, want rejection")
	}
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("error = %v, want ErrBlocked", err)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("server accepted %d connections, want 0", n)
	}
}

func TestClientAllowsConfiguredLoopback(t *testing.T) {
	srv, conns := countingServer(t, okHandler())
	g := New(Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

	resp, err := g.Client(ClientOptions{}).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET with 127.0.0.0/8 allowed: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "ok" {
		t.Fatalf("body = %q, want ok", body)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("server accepted %d connections, want 1", n)
	}
}

func TestRedirectToBlockedAddress(t *testing.T) {
	targets := []string{
		"http://10.0.0.1/stream",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]:9/",
		"http://[fd00:ec2::254]/",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			srv, _ := countingServer(t, http.RedirectHandler(target, http.StatusFound))
			g := New(Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})

			resp, err := g.Client(ClientOptions{}).Get(srv.URL)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("redirect to %s followed, want rejection", target)
			}
			if !errors.Is(err, ErrBlocked) {
				t.Fatalf("error = %v, want ErrBlocked", err)
			}
		})
	}
}

func TestRedirectToOtherScheme(t *testing.T) {
	srv, _ := countingServer(t, http.RedirectHandler("file:///etc/passwd", http.StatusFound))
	g := New(Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

	resp, err := g.Client(ClientOptions{}).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("redirect to file: followed, want rejection")
	}
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("error = %v, want ErrRedirect", err)
	}
}

func TestRedirectLimit(t *testing.T) {
	var hits atomic.Int64
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	g := New(Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, MaxRedirects: 3})

	resp, err := g.Client(ClientOptions{}).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("endless redirects followed, want an error")
	}
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("error = %v, want ErrRedirect", err)
	}
	if n := hits.Load(); n != 4 {
		t.Fatalf("server got %d requests, want 4 (first plus 3 redirects)", n)
	}
}

func TestResponseHeaderLimit(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("a", 8<<10))
		io.WriteString(w, "ok")
	}))
	g := New(Options{
		AllowedNetworks:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxResponseHeaderSize: 4 << 10,
	})

	resp, err := g.Client(ClientOptions{}).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("8 KiB header accepted with a 4 KiB limit")
	}
}

func TestReadAllLimit(t *testing.T) {
	data, err := ReadAll(strings.NewReader("12345"), 5)
	if err != nil {
		t.Fatalf("body of exactly the limit: %v", err)
	}
	if string(data) != "12345" {
		t.Fatalf("data = %q", data)
	}
	_, err = ReadAll(strings.NewReader("123456"), 5)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
}

func TestRedact(t *testing.T) {
	got := Redact("https://user:secret@radio.example/live?token=abc#x")
	if strings.Contains(got, "secret") || strings.Contains(got, "abc") {
		t.Fatalf("Redact kept a secret: %s", got)
	}
	if got != "https://radio.example/live" {
		t.Fatalf("Redact = %s", got)
	}
}

func TestWrapConnOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(okHandler())
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	g := New(Options{
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		RootCAs:         pool,
	})
	var wrapped atomic.Int64
	client := g.Client(ClientOptions{WrapConn: func(c net.Conn) net.Conn {
		wrapped.Add(1)
		return c
	}})

	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("body = %q", body)
	}
	if wrapped.Load() != 1 {
		t.Fatalf("%d connections wrapped, want 1", wrapped.Load())
	}
	if resp.TLS == nil {
		t.Fatal("response did not come over TLS")
	}
}

func TestWrapConnKeepsGuard(t *testing.T) {
	srv, conns := countingServer(t, okHandler())
	client := New(Options{}).Client(ClientOptions{WrapConn: func(c net.Conn) net.Conn { return c }})

	resp, err := client.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("GET to 127.0.0.1 succeeded through a wrapping client")
	}
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("error = %v, want ErrBlocked", err)
	}
	if conns.Load() != 0 {
		t.Fatal("server accepted a connection")
	}
}

func FuzzParseNetworks(f *testing.F) {
	f.Add("127.0.0.0/8")
	f.Add("fd00:ec2::254/128")
	f.Add("::ffff:10.0.0.0/104")
	f.Fuzz(func(t *testing.T, cidr string) {
		nets, err := ParseNetworks([]string{cidr})
		if err != nil {
			return
		}
		for _, p := range nets {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("ParseNetworks(%q) gave %v", cidr, p)
			}
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1})
	f.Add(netip.MustParseAddr("::ffff:169.254.169.254").AsSlice())
	g := New(Options{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		addr, ok := netip.AddrFromSlice(raw)
		if !ok {
			return
		}
		err := g.Check(addr)
		// The IPv4-mapped form of an address gets the same decision.
		if addr.Is4() {
			mapped := netip.AddrFrom16(addr.As16())
			if (g.Check(mapped) == nil) != (err == nil) {
				t.Fatalf("Check(%s) and Check(%s) disagree", addr, mapped)
			}
		}
		if err != nil && !errors.Is(err, ErrBlocked) {
			t.Fatalf("Check(%s) = %v, not ErrBlocked", addr, err)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	g := New(Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}})
	addr := netip.MustParseAddr("2606:4700::1111")
	for b.Loop() {
		if err := g.Check(addr); err != nil {
			b.Fatal(err)
		}
	}
}
