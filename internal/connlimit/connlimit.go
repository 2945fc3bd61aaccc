// Package connlimit counts the open connections of each client and rejects
// those past a maximum, so one client cannot take every connection slot of
// a server.
package connlimit

import (
	"net/netip"
	"sync"
)

// ipv6PrefixBits is the IPv6 prefix that AddressKey groups by. A single
// host or home network usually receives a whole /64, so counting each
// address apart would let it open connections from 2^64 addresses.
const ipv6PrefixBits = 64

// AddressKey returns the key that groups connections from remote, a
// "host:port" or a bare IP address. It returns the IPv4 address itself,
// IPv4-mapped IPv6 addresses included, or the /64 prefix of an IPv6
// address. Anything that is not an IP address, such as the "@" of a Unix
// socket peer, is returned unchanged.
func AddressKey(remote string) string {
	addr, err := parseAddr(remote)
	if err != nil {
		return remote
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, ipv6PrefixBits).Masked().String()
}

func parseAddr(remote string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr(), nil
	}
	return netip.ParseAddr(remote)
}

// Limiter counts open connections per key. The zero value is not usable:
// call New.
type Limiter struct {
	max int

	mu sync.Mutex
	// open contains only keys with at least one open connection, so its
	// size is bounded by the number of open connections.
	open map[string]int
}

// New returns a Limiter that allows perKey open connections per key, or
// any number when perKey is 0 or less.
func New(perKey int) *Limiter {
	return &Limiter{max: perKey, open: make(map[string]int)}
}

// Max returns the number of connections allowed per key, 0 or less for no
// limit.
func (l *Limiter) Max() int { return l.max }

// Acquire counts one more connection for key and returns true, or returns
// false and counts nothing when key already has the maximum open. Each
// true result must be matched by one Release.
func (l *Limiter) Acquire(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open[key] >= l.max {
		return false
	}
	l.open[key]++
	return true
}

// Release removes one connection that Acquire counted for key.
func (l *Limiter) Release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.open[key]; n > 1 {
		l.open[key] = n - 1
	} else {
		delete(l.open, key)
	}
}

// Open returns the number of open connections counted for key.
func (l *Limiter) Open(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[key]
}

// Keys returns the number of keys with at least one open connection.
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}
