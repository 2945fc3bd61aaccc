package connlimit

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// TotalListener is a net.Listener that keeps at most a fixed number of
// accepted connections open. When that many are open and another
// connection has been accepted, Accept closes one idle HTTP keep-alive
// connection to make room. With none idle, it waits until a connection
// closes or becomes idle, holding the new connection, and further clients
// wait in the kernel's backlog.
//
// The connection it closes is the longest-idle one of the address key, as
// AddressKey groups addresses, that has the most open connections among
// the keys with an idle one. So a host that opens many connections loses
// its own idle ones first. TotalListener learns which connections are idle
// only through ConnState, which must be the http.Server's ConnState hook
// or be called from it. Without that hook it never closes a connection
// and only waits, as golang.org/x/net/netutil.LimitListener does.
// Connections in StateNew or StateActive, which includes a TLS handshake,
// and hijacked connections such as WebSockets are never closed by it.
//
// A request that reaches a connection just as Accept closes it fails, as
// it would if the server's IdleTimeout closed the connection at that
// moment.
type TotalListener struct {
	net.Listener
	max     int
	onEvict func(remote net.Addr)

	// waitMu lets one Accept at a time wait for a slot, so a single
	// buffered signal in changed cannot be lost to another waiter.
	waitMu sync.Mutex
	// changed receives a value when a slot frees or a connection becomes
	// idle.
	changed   chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	evicted   atomic.Uint64
	// waitHook, if not nil, is called each time Accept starts to wait
	// for a slot. Tests set it.
	waitHook func()

	mu   sync.Mutex
	open int
	// keys contains only keys with at least one open connection, so its
	// size is bounded by max.
	keys map[string]*keyConns
	// idleSeq numbers transitions to idle, so that a lower number means
	// idle for longer.
	idleSeq uint64
}

// keyConns is the state of the open connections of one address key.
type keyConns struct {
	open int
	// idleHead and idleTail are the ends of a list of the key's idle
	// connections, linked through totalConn.prev and next, with the
	// longest-idle one at the head.
	idleHead, idleTail *totalConn
}

// totalConn is a connection that TotalListener accepted. Closing it frees
// its slot.
type totalConn struct {
	net.Conn
	listener *TotalListener
	key      string
	once     sync.Once

	// The fields below are guarded by listener.mu.
	closed     bool
	idle       bool
	idleSeq    uint64
	prev, next *totalConn
}

// NewTotalListener wraps ln so that at most max accepted connections are
// open at once. onEvict, if not nil, is called on the accepting goroutine
// with the remote address of each idle connection that Accept closed, so
// it must not block. It panics if max is less than 1.
func NewTotalListener(ln net.Listener, max int, onEvict func(remote net.Addr)) *TotalListener {
	if max < 1 {
		panic("connlimit: NewTotalListener needs a max of at least 1")
	}
	return &TotalListener{
		Listener: ln,
		max:      max,
		onEvict:  onEvict,
		changed:  make(chan struct{}, 1),
		done:     make(chan struct{}),
		keys:     make(map[string]*keyConns),
	}
}

// Accept accepts the next connection, then waits for a free slot, closing
// an idle connection to free one when the maximum is open. It returns
// net.ErrClosed, and closes the connection it holds, when the listener is
// closed during the wait.
func (l *TotalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &totalConn{Conn: c, listener: l, key: AddressKey(c.RemoteAddr().String())}
	if err := l.acquire(tc); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// Close closes the listener and ends an Accept that waits for a slot.
// Connections already accepted stay open.
func (l *TotalListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Open returns the number of accepted connections that are open.
func (l *TotalListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Evicted returns the number of idle connections that Accept has closed.
func (l *TotalListener) Evicted() uint64 {
	return l.evicted.Load()
}

// ConnState records whether c, a connection this listener accepted, is
// idle. c may also be a connection that wraps one from this listener and
// has a NetConn method, as *tls.Conn has. Other connections are ignored.
func (l *TotalListener) ConnState(c net.Conn, state http.ConnState) {
	tc := l.owned(c)
	if tc == nil {
		return
	}
	l.mu.Lock()
	switch state {
	case http.StateIdle:
		if tc.closed || tc.idle {
			l.mu.Unlock()
			return
		}
		l.idleSeq++
		tc.idleSeq = l.idleSeq
		l.keys[tc.key].pushIdle(tc)
		l.mu.Unlock()
		l.signal()
		return
	case http.StateActive, http.StateHijacked, http.StateClosed:
		if tc.idle {
			l.keys[tc.key].removeIdle(tc)
		}
	}
	l.mu.Unlock()
}

// maxUnwrap bounds how many wrapping connections owned looks through.
const maxUnwrap = 4

// owned returns the totalConn of this listener that c is or wraps, or nil.
func (l *TotalListener) owned(c net.Conn) *totalConn {
	for range maxUnwrap {
		switch v := c.(type) {
		case *totalConn:
			if v.listener != l {
				return nil
			}
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// acquire takes a slot for tc, closing idle connections while none is
// free.
func (l *TotalListener) acquire(tc *totalConn) error {
	l.waitMu.Lock()
	defer l.waitMu.Unlock()
	for {
		l.mu.Lock()
		if l.open < l.max {
			l.open++
			k := l.keys[tc.key]
			if k == nil {
				k = &keyConns{}
				l.keys[tc.key] = k
			}
			k.open++
			l.mu.Unlock()
			return nil
		}
		victim := l.victimLocked()
		if victim != nil {
			l.keys[victim.key].removeIdle(victim)
		}
		l.mu.Unlock()

		if victim != nil {
			l.evict(victim)
			continue
		}
		if l.waitHook != nil {
			l.waitHook()
		}
		select {
		case <-l.changed:
		case <-l.done:
			return net.ErrClosed
		}
	}
}

// victimLocked returns the longest-idle connection of the key with the
// most open connections among the keys with an idle one, or nil when no
// connection is idle. A tie between keys goes to the connection idle for
// longer. It scans every key, at most max of them. The caller holds mu.
func (l *TotalListener) victimLocked() *totalConn {
	var best *keyConns
	for _, k := range l.keys {
		if k.idleHead == nil {
			continue
		}
		if best == nil || k.open > best.open ||
			(k.open == best.open && k.idleHead.idleSeq < best.idleHead.idleSeq) {
			best = k
		}
	}
	if best == nil {
		return nil
	}
	return best.idleHead
}

// evict closes victim. It closes the totalConn itself rather than a
// *tls.Conn around it, because tls.Conn.Close first writes a close_notify
// alert, which in Go 1.26 can block for up to 5 s on a client that reads
// nothing.
// The server's goroutine for the connection then fails its read and
// closes the *tls.Conn as well.
func (l *TotalListener) evict(victim *totalConn) {
	remote := victim.RemoteAddr()
	victim.Close()
	l.evicted.Add(1)
	if l.onEvict != nil {
		l.onEvict(remote)
	}
}

// release frees the slot of tc.
func (l *TotalListener) release(tc *totalConn) {
	l.mu.Lock()
	tc.closed = true
	k := l.keys[tc.key]
	if tc.idle {
		k.removeIdle(tc)
	}
	if k.open--; k.open == 0 {
		delete(l.keys, tc.key)
	}
	l.open--
	l.mu.Unlock()
	l.signal()
}

// signal wakes a waiting Accept without blocking.
func (l *TotalListener) signal() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// Close closes the connection and frees its slot on the first call.
func (c *totalConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.listener.release(c) })
	return err
}

// pushIdle appends tc to the idle list. The caller holds the listener's
// mu.
func (k *keyConns) pushIdle(tc *totalConn) {
	tc.idle = true
	tc.prev, tc.next = k.idleTail, nil
	if k.idleTail != nil {
		k.idleTail.next = tc
	} else {
		k.idleHead = tc
	}
	k.idleTail = tc
}

// removeIdle takes tc out of the idle list. The caller holds the
// listener's mu.
func (k *keyConns) removeIdle(tc *totalConn) {
	if tc.prev != nil {
		tc.prev.next = tc.next
	} else {
		k.idleHead = tc.next
	}
	if tc.next != nil {
		tc.next.prev = tc.prev
	} else {
		k.idleTail = tc.prev
	}
	tc.idle = false
	tc.prev, tc.next = nil, nil
}
