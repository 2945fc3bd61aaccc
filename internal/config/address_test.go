package config

import (
	"slices"
	"testing"
)

func TestListenAddresses(t *testing.T) {
	m := MPD{Hostname: "::", Port: 6600, TLSPort: 6601, Socket: "/run/t/mpd.sock"}
	if got := m.TCPAddress(); got != "[::]:6600" {
		t.Errorf("TCPAddress = %q", got)
	}
	if got := m.TLSAddress(); got != "[::]:6601" {
		t.Errorf("TLSAddress = %q", got)
	}
	if got := m.SocketPaths(); !slices.Equal(got, []string{"/run/t/mpd.sock"}) {
		t.Errorf("SocketPaths = %q", got)
	}

	u := MPD{Hostname: "unix:/run/t/a.sock", Port: 6600, TLSPort: 6601}
	if u.TCPAddress() != "" || u.TLSAddress() != "" {
		t.Errorf("unix hostname gave TCP addresses %q, %q", u.TCPAddress(), u.TLSAddress())
	}
	if got := u.SocketPaths(); !slices.Equal(got, []string{"/run/t/a.sock"}) {
		t.Errorf("SocketPaths = %q", got)
	}

	h := HTTP{Hostname: "127.0.0.1", Port: 0}
	if got := h.TCPAddress(); got != "127.0.0.1:0" {
		t.Errorf("HTTP TCPAddress = %q", got)
	}
}
