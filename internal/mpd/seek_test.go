package mpd_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/mpd"
)

// MPD 0.23.12 responds OK to a seek past any song's end, such as
// "seek 0 1e308". The frontend responds OK too and seeks to the largest
// time MPD stores, not to the implementation-dependent result of
// converting the float to int.
func TestSeekHugeTime(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	c.cmd("add loose.wav")
	for _, command := range []string{"seek 0 1e308", "seekid 1 1e308", "seekcur 1e308"} {
		if got := c.cmd(command); got[0] != "OK" {
			t.Errorf("%s = %q, want OK as MPD 0.23.12 responds", command, got)
		}
		elapsed := -1.0
		for _, line := range c.cmd("status") {
			if v, ok := strings.CutPrefix(line, "elapsed: "); ok {
				elapsed, _ = strconv.ParseFloat(v, 64)
			}
		}
		if elapsed < 2147483 {
			t.Errorf("elapsed after %s = %g, want at least 2147483 s (2^31-1 ms)", command, elapsed)
		}
	}
}
