package mpd_test

import (
	"github.com/tonearm/tonearm/internal/mpd"
	"strings"
	"testing"
)

func TestPingAndUnknownCommand(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	if got := c.cmd("ping"); strings.Join(got, "|") != "OK" {
		t.Errorf("ping = %q", got)
	}
	if got := c.cmd("foo"); got[0] != `ACK [5@0] {} unknown command "foo"` {
		t.Errorf("foo = %q", got)
	}
}
