package config

import (
	"net"
	"strconv"
	"strings"
)

// TCPAddress returns the "host:port" the MPD frontend listens on, or ""
// when Hostname is "unix:PATH".
func (m *MPD) TCPAddress() string {
	if strings.HasPrefix(m.Hostname, "unix:") {
		return ""
	}
	return net.JoinHostPort(m.Hostname, strconv.Itoa(m.Port))
}

// SocketPaths returns the Unix sockets the MPD frontend listens on: the
// path of a "unix:PATH" Hostname and Socket, when set.
func (m *MPD) SocketPaths() []string {
	var out []string
	if path, ok := strings.CutPrefix(m.Hostname, "unix:"); ok {
		out = append(out, path)
	}
	if m.Socket != "" {
		out = append(out, m.Socket)
	}
	return out
}

// TLSAddress returns the "host:port" of the MPD TLS listener, or "" when
// there is none.
func (m *MPD) TLSAddress() string {
	if m.TLSPort == 0 || strings.HasPrefix(m.Hostname, "unix:") {
		return ""
	}
	return net.JoinHostPort(m.Hostname, strconv.Itoa(m.TLSPort))
}

// TCPAddress returns the "host:port" the HTTP frontend listens on.
func (h *HTTP) TCPAddress() string {
	return net.JoinHostPort(h.Hostname, strconv.Itoa(h.Port))
}
