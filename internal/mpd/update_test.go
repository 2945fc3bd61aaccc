package mpd_test

import (
	"testing"

	"github.com/tonearm/tonearm/internal/mpd"
)

// update and rescan reject URIs and unsafe paths with the error that MPD
// 0.23.12 sends, over TCP and the Unix socket alike.
func TestUpdateRejectsURIs(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	cases := []struct{ command, want string }{
		{`update "file:///etc/passwd"`, "ACK [2@0] {update} Malformed path"},
		{`update "http://169.254.169.254/latest"`, "ACK [2@0] {update} Malformed path"},
		{`rescan "file:///tmp"`, "ACK [2@0] {rescan} Malformed path"},
		{`rescan "http://x"`, "ACK [2@0] {rescan} Malformed path"},
		{`update "../x"`, "ACK [2@0] {update} Malformed path"},
		{`update "/etc"`, "ACK [2@0] {update} Malformed path"},
		{`update "A/../x"`, "ACK [2@0] {update} Malformed path"},
		{`update "A//X"`, "ACK [2@0] {update} Malformed path"},
		{`update "A/"`, "ACK [2@0] {update} Malformed path"},
	}
	for _, network := range []string{"tcp", "unix"} {
		addr := ts.addr
		if network == "unix" {
			addr = ts.socket
		}
		c := dial(t, network, addr)
		for _, tc := range cases {
			if got := c.cmd(tc.command); got[0] != tc.want {
				t.Errorf("%s over %s = %q, want %q", tc.command, network, got, tc.want)
			}
		}
	}
}

func TestUpdateAcceptsLibraryPaths(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	for _, command := range []string{"update", `update ""`, `update "/"`, `update "A"`, `rescan "A/X"`} {
		if got := c.cmd(command); got[len(got)-1] != "OK" {
			t.Errorf("%s = %q, want updating_db and OK", command, got)
		}
	}
}
