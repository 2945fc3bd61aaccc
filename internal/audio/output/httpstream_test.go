package output

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tonearm/tonearm/internal/audio"
)

func openTestStream(t *testing.T, opts HTTPOptions) *HTTPStream {
	t.Helper()
	s := NewHTTPStream(opts, slog.New(slog.DiscardHandler))
	if err := s.Open(context.Background(), audio.Format{SampleRate: 48000, Channels: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStreamCapsListenersPerAddress(t *testing.T) {
	s := openTestStream(t, HTTPOptions{})
	for i := 0; i < DefaultMaxListenersPerAddress; i++ {
		if _, _, err := s.subscribe(formatFLAC, fmt.Sprintf("192.0.2.1:%d", 4000+i)); err != nil {
			t.Fatalf("listener %d: %v", i, err)
		}
	}
	if _, _, err := s.subscribe(formatFLAC, "192.0.2.1:5000"); err != errTooManyFromAddress {
		t.Errorf("listener past the cap: err = %v, want errTooManyFromAddress", err)
	}
	if _, _, err := s.subscribe(formatFLAC, "192.0.2.2:4000"); err != nil {
		t.Errorf("listener from another address: %v", err)
	}

	req := httptest.NewRequest("GET", "/stream.flac", nil)
	req.RemoteAddr = "192.0.2.1:6000"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("GET past the cap: status = %d, want 429", rec.Code)
	}
}

func TestStreamGroupsIPv6ListenersBy64(t *testing.T) {
	s := openTestStream(t, HTTPOptions{MaxListenersPerAddress: 2})
	for i := 0; i < 2; i++ {
		if _, _, err := s.subscribe(formatFLAC, fmt.Sprintf("[2001:db8:1:1::%x]:4000", i+1)); err != nil {
			t.Fatalf("listener %d: %v", i, err)
		}
	}
	if _, _, err := s.subscribe(formatFLAC, "[2001:db8:1:1::ff]:4000"); err != errTooManyFromAddress {
		t.Errorf("third listener from one /64: err = %v, want errTooManyFromAddress", err)
	}
}

func TestStreamListenerCapOff(t *testing.T) {
	s := openTestStream(t, HTTPOptions{MaxListenersPerAddress: -1})
	for i := 0; i < 16; i++ {
		if _, _, err := s.subscribe(formatFLAC, fmt.Sprintf("192.0.2.1:%d", 4000+i)); err != nil {
			t.Fatalf("listener %d without a per-address cap: %v", i, err)
		}
	}
	if _, _, err := s.subscribe(formatFLAC, "192.0.2.2:4000"); err != errTooManyListeners {
		t.Errorf("listener past the total cap: err = %v, want errTooManyListeners", err)
	}
}
