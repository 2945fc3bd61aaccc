package mpd

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/tonearm/tonearm/internal/connlimit"
)

// rejectTimeout bounds the time spent on a rejected connection. It covers
// reads as well as writes because the first write on a TLS connection runs
// the handshake, which waits for the client.
const rejectTimeout = time.Second

// maxConcurrentRejects bounds the rejections that run at once. Past it, a
// rejected connection is closed without the error line, so a flood of
// connections costs at most this many goroutines and sockets of
// rejectTimeout each.
const maxConcurrentRejects = 16

// Warnings about rejected connections are logged at this rate per second,
// with bursts of rejectLogBurst. The others are only counted.
const (
	rejectLogRate  = 1
	rejectLogBurst = 5
)

// Counters are the numbers of connections that the limits ended since the
// server was created.
type Counters struct {
	// RejectedMaxConnections were rejected because MaxConnections were
	// open.
	RejectedMaxConnections int64
	// RejectedPerAddress were rejected because their address had
	// MaxConnectionsPerAddress open.
	RejectedPerAddress int64
	// LoginTimeouts were closed because they sent no right password
	// within LoginTimeout.
	LoginTimeouts int64
	// RejectedSilently are the rejected connections that were closed
	// without an error line, because maxConcurrentRejects rejections were
	// running. They are also counted as RejectedMaxConnections or
	// RejectedPerAddress.
	RejectedSilently int64
}

type counters struct {
	rejectedMax      atomic.Int64
	rejectedAddress  atomic.Int64
	loginTimeouts    atomic.Int64
	rejectedSilently atomic.Int64
}

// Counters returns the numbers of connections the limits ended.
func (s *Server) Counters() Counters {
	return Counters{
		RejectedMaxConnections: s.counters.rejectedMax.Load(),
		RejectedPerAddress:     s.counters.rejectedAddress.Load(),
		LoginTimeouts:          s.counters.loginTimeouts.Load(),
		RejectedSilently:       s.counters.rejectedSilently.Load(),
	}
}

// admit counts a new connection against MaxConnections and, unless it
// came through a Unix socket, against MaxConnectionsPerAddress. Unix socket
// connections count against an allowance of their own, of MaxConnections
// too. admit returns the function that ends those counts when the
// connection ends. When a limit is reached, admit rejects nc in the
// background and returns false.
func (s *Server) admit(nc net.Conn, id string, local bool) (release func(), ok bool) {
	open := &s.nconns
	if local {
		open = &s.nlocal
	}
	if open.Add(1) > int64(s.cfg.MaxConnections) {
		open.Add(-1)
		n := s.counters.rejectedMax.Add(1)
		if s.rejectLog.Allow() {
			s.log.Warn("MPD connection rejected: too many connections", "conn", id,
				"remote", remoteName(nc, local), "local", local, "max", s.cfg.MaxConnections, "rejected_total", n)
		}
		s.reject(nc, "ACK [52@0] {} too many connections\n")
		return nil, false
	}
	if local {
		return func() { open.Add(-1) }, true
	}
	key := connlimit.AddressKey(nc.RemoteAddr().String())
	if !s.perAddress.Acquire(key) {
		open.Add(-1)
		n := s.counters.rejectedAddress.Add(1)
		if s.rejectLog.Allow() {
			s.log.Warn("MPD connection rejected: too many connections from one address", "conn", id,
				"remote", nc.RemoteAddr().String(), "address", key, "max", s.cfg.MaxConnectionsPerAddress, "rejected_total", n)
		}
		s.reject(nc, "ACK [52@0] {} too many connections from your address\n")
		return nil, false
	}
	return func() {
		s.perAddress.Release(key)
		open.Add(-1)
	}, true
}

func remoteName(nc net.Conn, local bool) string {
	if local {
		return "unix"
	}
	return nc.RemoteAddr().String()
}

// reject sends an MPD error line to a client that is not served, and
// closes the connection. The write runs in a goroutine, because on a TLS
// connection it first waits up to rejectTimeout for the handshake, and the
// accept loop must not wait with it. When maxConcurrentRejects rejections
// are running, reject closes nc without a word.
func (s *Server) reject(nc net.Conn, ack string) {
	select {
	case s.rejectSlots <- struct{}{}:
	default:
		s.counters.rejectedSilently.Add(1)
		nc.Close()
		return
	}
	s.conns.Add(1)
	go func() {
		defer s.conns.Done()
		defer func() { <-s.rejectSlots }()
		nc.SetDeadline(time.Now().Add(rejectTimeout))
		nc.Write([]byte(ack))
		nc.Close()
	}()
}
