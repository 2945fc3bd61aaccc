package ratelimit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/netguard"
)

// newClient returns a client through the guard (allowing 127.0.0.0/8 for
// the test server) and a limiter built from opts.
func newClient(opts Options) *http.Client {
	g := netguard.New(netguard.Options{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	l := New(opts)
	return g.Client(netguard.ClientOptions{Wrap: l.Transport, Timeout: 20 * time.Second})
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	resp, err := newClient(Options{InitialInterval: 10 * time.Millisecond}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 after the retry", resp.StatusCode)
	}
	if string(body) != "ok" {
		t.Fatalf("body = %q", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("server got %d requests, want 2", len(times))
	}
	// The retry must not come before the second the server asked for.
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Fatalf("retry came %v after the 429, want at least about 1s", gap)
	}
}

func TestRetryAfterDateOn503(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	resp, err := newClient(Options{}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("server got %d requests, want 2", n)
	}
}

func TestGivesUpAfterMaxTries(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()

	resp, err := newClient(Options{MaxTries: 3, InitialInterval: time.Millisecond, Rate: 1000}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want the last 429", resp.StatusCode)
	}
	if n := hits.Load(); n != 3 {
		t.Fatalf("server got %d requests, want 3", n)
	}
}

func TestRetryAfterAboveCapFailsFast(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()

	resp, err := newClient(Options{MaxRetryAfter: time.Second}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.StatusCode)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("server got %d requests, want 1", n)
	}
}

func TestHoldOffAppliesToOtherCallers(t *testing.T) {
	l := New(Options{})
	l.holdOff("radio.test:80", time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := l.Wait(ctx, "radio.test:80")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the context deadline", err)
	}
	if err := l.Wait(context.Background(), "other.test:80"); err != nil {
		t.Fatalf("Wait for another host = %v", err)
	}
}

func TestBlockedAddressNotRetried(t *testing.T) {
	g := netguard.New(netguard.Options{})
	var notified atomic.Int64
	l := New(Options{InitialInterval: time.Millisecond})
	client := g.Client(netguard.ClientOptions{Wrap: func(rt http.RoundTripper) http.RoundTripper {
		return l.Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			notified.Add(1)
			return rt.RoundTrip(r)
		}))
	}})

	_, err := client.Get("http://127.0.0.1:9/")
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("error = %v, want ErrBlocked", err)
	}
	if n := notified.Load(); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHostLimitEvictsOldest(t *testing.T) {
	l := New(Options{MaxHosts: 2})
	for _, h := range []string{"a", "b", "c"} {
		if err := l.Wait(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if len(l.hosts) != 2 {
		t.Fatalf("%d hosts tracked, want 2", len(l.hosts))
	}
	if _, ok := l.hosts["a"]; ok {
		t.Fatal("oldest host a still tracked")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"  120 ", 120 * time.Second, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"99999999999", 0, false},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Fri, 31 Dec 1999 23:59:59 GMT", 0, true},
		{"tomorrow", 0, false},
		{strings.Repeat("9", 200), 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseRetryAfter(tc.value, now)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add("")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		d, ok := ParseRetryAfter(value, now)
		if d < 0 {
			t.Fatalf("negative delay %v for %q", d, value)
		}
		if !ok && d != 0 {
			t.Fatalf("invalid value %q gave delay %v", value, d)
		}
	})
}
