package netguard

import (
	"fmt"
	"net/netip"
)

// blockedRange is a network that outgoing connections must not reach unless
// the configuration allows it.
type blockedRange struct {
	prefix netip.Prefix
	kind   string
}

// blockedRanges returns the special-purpose networks of the IANA IPv4 and
// IPv6 special-purpose address registries that lead into the local machine,
// the local network or a provider's infrastructure.
func blockedRanges() []blockedRange {
	ranges := []struct{ cidr, kind string }{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "shared (CGNAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignment"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible"},
		{"100::/64", "discard-only"},
		{"fc00::/7", "unique-local"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blockedRange, 0, len(ranges))
	for _, r := range ranges {
		out = append(out, blockedRange{prefix: netip.MustParsePrefix(r.cidr), kind: r.kind})
	}
	return out
}

// metadataAddresses are the instance metadata services of cloud providers
// (AWS, GCP, Azure, OpenStack at 169.254.169.254, AWS over IPv6 at
// fd00:ec2::254). They stay rejected even when a wider allowed network
// contains them, so only an allowed network naming the exact address
// (a /32 or /128) permits one.
func metadataAddresses() []netip.Addr {
	return []netip.Addr{
		netip.MustParseAddr("169.254.169.254"),
		netip.MustParseAddr("fd00:ec2::254"),
	}
}

// nat64Prefix is the well-known NAT64 prefix (RFC 6052): a gateway turns
// 64:ff9b::a.b.c.d into a connection to the IPv4 address a.b.c.d.
var nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")

// sixToFourPrefix is the 6to4 prefix (RFC 3056), which embeds an IPv4
// address in bits 16 to 48.
var sixToFourPrefix = netip.MustParsePrefix("2002::/16")

// checker decides whether an address may be dialled.
type checker struct {
	blocked  []blockedRange
	metadata []netip.Addr
	allowed  []netip.Prefix
}

func newChecker(allowed []netip.Prefix) *checker {
	return &checker{blocked: blockedRanges(), metadata: metadataAddresses(), allowed: allowed}
}

// check returns nil when addr may be dialled, or an error wrapping
// ErrBlocked that names the address and the kind of network it is in.
func (c *checker) check(addr netip.Addr) error {
	if !addr.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrBlocked)
	}
	addr = addr.WithZone("").Unmap()
	if c.isAllowed(addr) {
		return nil
	}
	if kind := c.blockedKind(addr); kind != "" {
		return &BlockedError{Addr: addr, Kind: kind}
	}
	for _, embedded := range embeddedIPv4(addr) {
		if c.isAllowed(embedded) {
			continue
		}
		if kind := c.blockedKind(embedded); kind != "" {
			return &BlockedError{Addr: addr, Kind: kind + " (embedded IPv4 " + embedded.String() + ")"}
		}
	}
	return nil
}

func (c *checker) blockedKind(addr netip.Addr) string {
	for _, m := range c.metadata {
		if addr == m {
			return "cloud metadata"
		}
	}
	for _, r := range c.blocked {
		if r.prefix.Contains(addr) {
			return r.kind
		}
	}
	return ""
}

// isAllowed reports whether an allowed network contains addr. A metadata
// address needs an allowed network that is exactly that address.
func (c *checker) isAllowed(addr netip.Addr) bool {
	isMetadata := false
	for _, m := range c.metadata {
		if addr == m {
			isMetadata = true
		}
	}
	for _, p := range c.allowed {
		if !p.Contains(addr) {
			continue
		}
		if !isMetadata || p.Bits() == addr.BitLen() {
			return true
		}
	}
	return false
}

// embeddedIPv4 returns the IPv4 addresses that a NAT64 or 6to4 address
// leads to.
func embeddedIPv4(addr netip.Addr) []netip.Addr {
	if !addr.Is6() {
		return nil
	}
	b := addr.As16()
	var out []netip.Addr
	if nat64Prefix.Contains(addr) {
		out = append(out, netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	if sixToFourPrefix.Contains(addr) {
		out = append(out, netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return out
}
