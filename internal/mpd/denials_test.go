package mpd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/mpd"
)

// A client that repeats denied requests gets a few log lines per kind and
// one summary line when it leaves, not one line per request.
func TestRepeatedDenialsLogBounded(t *testing.T) {
	ls := startLimitServer(t, mpd.Config{
		Passwords:          []mpd.Password{{Secret: "right", Permissions: mpd.PermAll}},
		DefaultPermissions: perms(t, "read"),
		PasswordRate:       1000,
		PasswordBurst:      1000,
	})
	c := dial(t, "tcp", ls.addr)
	const repeats = 20
	for range repeats {
		c.cmd("clear")
		c.cmd(`lsinfo "../x"`)
		c.cmd("password wrong")
	}
	c.nc.Close()

	for _, msg := range []string{"MPD permission denied", "MPD client sent an unsafe path", "MPD password rejected"} {
		if n := strings.Count(ls.log.String(), msg); n == 0 || n > 3 {
			t.Errorf("%d repeats logged %q %d times, want 1 to 3", repeats, msg, n)
		}
	}
	summary := "MPD client sent more denied requests than were logged"
	for i := 0; !strings.Contains(ls.log.String(), summary); i++ {
		if i == 500 {
			t.Fatalf("no summary line after the client left:\n%s", ls.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, count := range []string{"password_rejected=17", "permission_denied=17", "unsafe_path=17"} {
		if !strings.Contains(ls.log.String(), count) {
			t.Errorf("summary line lacks %s", count)
		}
	}
	if strings.Contains(ls.log.String(), "wrong") {
		t.Error("the log contains the password sent")
	}
}
