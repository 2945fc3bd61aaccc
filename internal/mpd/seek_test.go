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

// MPD 0.23.12 responds OK to an infinite or NaN seek time and plays the
// song from its start. "seekid 1 -inf" is negative and fails.
func TestSeekNonFiniteTime(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	c.cmd("add loose.wav")
	c.cmd("play 0")
	// Paused, the in-memory core's position stays where a seek puts it,
	// so the check below does not race its clock.
	c.cmd("pause 1")
	commands := []string{
		"seek 0 inf", "seek 0 nan", "seek 0 -nan", "seek 0 Infinity", "seek 0 nan(x1)",
		"seekid 1 inf", "seekid 1 NaN",
		"seekcur inf", "seekcur +inf", "seekcur -inf", "seekcur nan", "seekcur -nan",
	}
	for _, command := range commands {
		if got := c.cmd("seekcur 30"); got[0] != "OK" {
			t.Fatalf("seekcur 30 = %q, want OK", got)
		}
		if got := c.cmd(command); got[0] != "OK" {
			t.Errorf("%s = %q, want OK as MPD 0.23.12 responds", command, got)
		}
		if elapsed := elapsedSeconds(t, c); elapsed != 0 {
			t.Errorf("elapsed after %s = %g, want 0", command, elapsed)
		}
	}
	want := "ACK [2@0] {seekid} Negative value not allowed: -inf"
	if got := c.cmd("seekid 1 -inf"); got[0] != want {
		t.Errorf("seekid 1 -inf = %q, want %q", got, want)
	}
	want = "ACK [2@0] {seek} Float expected: nan(x"
	if got := c.cmd("seek 0 nan(x"); got[0] != want {
		t.Errorf("seek 0 nan(x = %q, want %q", got, want)
	}
}

func elapsedSeconds(t *testing.T, c *client) float64 {
	t.Helper()
	for _, line := range c.cmd("status") {
		if v, ok := strings.CutPrefix(line, "elapsed: "); ok {
			elapsed, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("status: elapsed %q: %v", v, err)
			}
			return elapsed
		}
	}
	t.Fatal("status has no elapsed line")
	return 0
}
