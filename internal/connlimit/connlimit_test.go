package connlimit

import "testing"

func TestAddressKey(t *testing.T) {
	cases := []struct {
		remote, want string
	}{
		{"192.0.2.7:6600", "192.0.2.7"},
		{"192.0.2.7", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:6600", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:6600", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:6600", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:6600", "fe80::/64"},
		{"[::1]:6600", "::/64"},
		{"@", "@"},
		{"not an address", "not an address"},
	}
	for _, tc := range cases {
		if got := AddressKey(tc.remote); got != tc.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}

func TestLimiterRejectsPastMax(t *testing.T) {
	l := New(2)
	if !l.Acquire("a") || !l.Acquire("a") {
		t.Fatal("Acquire rejected a connection below the maximum")
	}
	if l.Acquire("a") {
		t.Error("Acquire allowed a third connection with a maximum of 2")
	}
	if !l.Acquire("b") {
		t.Error("Acquire rejected another key because of the first one")
	}
	l.Release("a")
	if !l.Acquire("a") {
		t.Error("Acquire rejected a connection after Release freed one")
	}
	if got := l.Open("a"); got != 2 {
		t.Errorf("Open(a) = %d, want 2", got)
	}
}

func TestLimiterDropsClosedKeys(t *testing.T) {
	l := New(3)
	for _, key := range []string{"a", "b", "a"} {
		l.Acquire(key)
	}
	for _, key := range []string{"a", "b", "a"} {
		l.Release(key)
	}
	if got := l.Keys(); got != 0 {
		t.Errorf("Keys() = %d after every connection closed, want 0", got)
	}
}

func TestLimiterWithoutMax(t *testing.T) {
	l := New(0)
	for i := range 1000 {
		if !l.Acquire("a") {
			t.Fatalf("Acquire without a maximum rejected connection %d", i+1)
		}
	}
}
