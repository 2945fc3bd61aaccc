package mpd_test

import (
	"strings"
	"testing"

	"github.com/tonearm/tonearm/internal/mpd"
)

// addtagid stops at a few MiB of added tags in the whole queue, and the
// tags of entries that left the queue no longer count.
func TestAddTagIDMemoryBounded(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	const entries, tagsPerEntry = 80, 64
	var ids []string
	for range entries {
		got := c.cmd("addid loose.wav")
		ids = append(ids, strings.TrimPrefix(got[0], "Id: "))
	}
	value := strings.Repeat("v", 1000)
	added := 0
	full := ""
	for _, id := range ids {
		for range tagsPerEntry {
			got := c.cmd("addtagid " + id + " Title " + value)
			if got[0] != "OK" {
				full = got[0]
				break
			}
			added++
		}
		if full != "" {
			break
		}
	}
	if full != "ACK [51@0] {addtagid} Too many added tags in the queue" {
		t.Fatalf("after %d tags of 1000 bytes, addtagid = %q, want the queue to be full", added, full)
	}
	if added*len(value) > 4<<20 {
		t.Errorf("%d tags of %d bytes were added, want at most 4 MiB", added, len(value))
	}

	if got := c.cmd("clear"); got[0] != "OK" {
		t.Fatalf("clear = %q", got)
	}
	id := strings.TrimPrefix(c.cmd("addid loose.wav")[0], "Id: ")
	if got := c.cmd("addtagid " + id + " Title " + value); got[0] != "OK" {
		t.Errorf("addtagid after clear = %q, want OK", got)
	}
}
