package connlimit

import (
	"net"
	"sync"
)

// Listener is a net.Listener that accepts at most a fixed number of open
// connections per address key, as AddressKey groups addresses. Accept
// closes a connection past the maximum at once, without reading or
// writing, and waits for the next one.
type Listener struct {
	net.Listener
	limiter  *Limiter
	onReject func(remote net.Addr)
}

// NewListener wraps ln. perKey is the maximum of open connections per
// address key, or 0 or less for no limit. onReject, if not nil, is called
// on the accepting goroutine with the address of each rejected
// connection, so it must not block.
func NewListener(ln net.Listener, perKey int, onReject func(remote net.Addr)) *Listener {
	return &Listener{Listener: ln, limiter: New(perKey), onReject: onReject}
}

// Accept returns the next connection whose address key is below the
// maximum. Closing the returned connection frees its slot.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := AddressKey(c.RemoteAddr().String())
		if l.limiter.Acquire(key) {
			return &limitedConn{Conn: c, release: func() { l.limiter.Release(key) }}, nil
		}
		c.Close()
		if l.onReject != nil {
			l.onReject(c.RemoteAddr())
		}
	}
}

// Open returns the number of open connections from remote's address key.
func (l *Listener) Open(remote string) int {
	return l.limiter.Open(AddressKey(remote))
}

// limitedConn frees its slot on the first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
