package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/tonearm/tonearm/internal/connlimit"
	"github.com/tonearm/tonearm/internal/core/scope"
)

// Defaults of the WebSocket limits beside DefaultMaxSockets. A ping every
// 30 s with 30 s for the pong drops a peer that vanished without a close
// frame, such as a phone that left the network, within about a minute.
const (
	DefaultMaxSocketsPerPrincipal = 32
	DefaultPingInterval           = 30 * time.Second
	DefaultPongTimeout            = 30 * time.Second
)

// Warnings about rejected WebSockets are logged at this rate per second,
// with bursts of socketRejectLogBurst. The others are only counted.
const (
	socketRejectLogRate  = 1
	socketRejectLogBurst = 5
)

// socketSlots bounds the open WebSockets in total and per principal.
type socketSlots struct {
	total        chan struct{}
	perPrincipal *connlimit.Limiter
	rejectLog    *rate.Limiter

	rejectedTotal     atomic.Int64
	rejectedPrincipal atomic.Int64
	pongTimeouts      atomic.Int64
}

func newSocketSlots(total, perPrincipal int) *socketSlots {
	return &socketSlots{
		total:        make(chan struct{}, total),
		perPrincipal: connlimit.New(perPrincipal),
		rejectLog:    rate.NewLimiter(socketRejectLogRate, socketRejectLogBurst),
	}
}

// socketKey returns the key under which the WebSockets of p are counted:
// its account or API token. Callers without a login share the anonymous
// principal, so they are counted by IP address or IPv6 /64 instead.
func socketKey(p scope.Principal, remote string) string {
	if p.Kind == scope.KindSession && p.ID == "anonymous" {
		return "address:" + connlimit.AddressKey(remote)
	}
	return p.String()
}

// acquireSocket takes a WebSocket slot for p and returns the function
// that frees it. When MaxSockets or MaxSocketsPerPrincipal are reached, it
// writes the error response and returns false.
func (s *Server) acquireSocket(w http.ResponseWriter, r *http.Request, p scope.Principal) (release func(), ok bool) {
	slots := s.sockets
	select {
	case slots.total <- struct{}{}:
	default:
		n := slots.rejectedTotal.Add(1)
		if slots.rejectLog.Allow() {
			s.log.Warn("WebSocket rejected: too many WebSockets", "principal", p.String(), "remote", r.RemoteAddr,
				"max", s.opts.MaxSockets, "rejected_total", n)
		}
		http.Error(w, "too many WebSocket connections", http.StatusServiceUnavailable)
		return nil, false
	}
	key := socketKey(p, r.RemoteAddr)
	if !slots.perPrincipal.Acquire(key) {
		<-slots.total
		n := slots.rejectedPrincipal.Add(1)
		if slots.rejectLog.Allow() {
			s.log.Warn("WebSocket rejected: too many WebSockets for one principal", "principal", p.String(), "remote", r.RemoteAddr,
				"key", key, "max", s.opts.MaxSocketsPerPrincipal, "rejected_total", n)
		}
		http.Error(w, "too many WebSocket connections for this login or address: close one, or raise [http] max_websockets_per_principal",
			http.StatusTooManyRequests)
		return nil, false
	}
	return func() {
		slots.perPrincipal.Release(key)
		<-slots.total
	}, true
}

// keepAlive pings the peer every PingInterval until ctx ends, and closes
// the socket when a ping fails or its pong does not arrive within
// PongTimeout, so a peer that vanished without a close frame frees its
// slot. Only a missing pong counts as a pong timeout. Browsers send the
// pong by themselves. The handler's Read loop reads the pong, so it must
// run meanwhile.
func (s *Server) keepAlive(ctx context.Context, conn *websocket.Conn, p scope.Principal, remote string) {
	ticker := time.NewTicker(s.opts.PingInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		pingCtx, cancel := context.WithTimeout(ctx, s.opts.PongTimeout)
		err := conn.Ping(pingCtx)
		cancel()
		if err == nil {
			continue
		}
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, context.DeadlineExceeded):
			n := s.sockets.pongTimeouts.Add(1)
			s.log.Info("WebSocket closed: no pong", "principal", p.String(), "remote", remote,
				"timeout", s.opts.PongTimeout, "closed_total", n)
		default:
			s.log.Debug("WebSocket closed: ping failed", "principal", p.String(), "remote", remote, "err", err)
		}
		conn.CloseNow()
		return
	}
}
