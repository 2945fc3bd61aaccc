package mpd_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/mpd"
)

// A command list of empty lines costs one byte of the limit per line, as
// in MPD 0.23. The memory the server allocates for it must stay near the
// limit, not grow with the number of lines.
func TestCommandListMemoryBounded(t *testing.T) {
	const limit = 1 << 20
	ts := startServer(t, mpd.Config{MaxCommandListSize: limit})
	list := []byte("command_list_begin\n" + strings.Repeat("\n", limit+16) + "command_list_end\n")

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := dial(t, "tcp", ts.addr)
	// The server closes while the list is still being written, so write
	// errors are expected and ignored.
	c.nc.Write(list)
	if !c.closed() {
		t.Fatal("connection stayed open after a command list past the limit")
	}
	runtime.ReadMemStats(&after)

	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("the server and client allocated %d bytes for the list", allocated)
	if allocated > 4*limit {
		t.Errorf("a command list of %d empty lines allocated %d bytes, want under %d", limit, allocated, 4*limit)
	}
}

func TestCommandListRunsEveryLine(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	c.send("command_list_ok_begin")
	c.send("ping")
	c.send("")
	c.send("ping")
	got := c.cmd("command_list_end")
	want := []string{"list_OK", `ACK [5@1] {} No command given`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("list of ping, an empty line and ping = %q, want %q", got, want)
	}
}
