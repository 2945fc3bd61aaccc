package mpd_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
)

// currentID returns the Id line of currentsong.
func currentID(c *client) string {
	for _, l := range c.cmd("currentsong") {
		if v, ok := strings.CutPrefix(l, "Id: "); ok {
			return v
		}
	}
	return ""
}

// In random mode MPD 0.23.12 plays the highest priority first, whatever
// the shuffle, so the order of play below holds for every shuffle.
func TestPrioOrdersRandomPlayRealCore(t *testing.T) {
	tracks := benchLibrary(6)
	fe, err := mpdtest.StartRealCore(mpd.Config{DataDir: t.TempDir()}, tracks, time.Hour, shortTempDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fe.Stop() })
	c := dial(t, "tcp", fe.Addr)

	for _, tr := range tracks[:6] {
		path, err := url.PathUnescape(strings.TrimPrefix(tr.URI, "local:track:"))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.cmd(`add "` + path + `"`); got[len(got)-1] != "OK" {
			t.Fatalf("add %s: %q", tr.URI, got)
		}
	}

	for _, line := range []string{"random 1", "prioid 200 4", "prio 100 1:2"} {
		if got := c.cmd(line); got[0] != "OK" {
			t.Fatalf("%s: %q", line, got)
		}
	}
	info := strings.Join(c.cmd("playlistid 4"), "\n")
	if !strings.Contains(info, "\nPrio: 200\n") {
		t.Errorf("playlistid 4 shows no Prio: 200:\n%s", info)
	}
	found := strings.Join(c.cmd(`playlistfind "(prio >= 150)"`), "\n")
	if !strings.Contains(found, "\nId: 4\n") || strings.Contains(found, "\nId: 2\n") {
		t.Errorf("playlistfind (prio >= 150) should list id 4 alone:\n%s", found)
	}

	if got := c.cmd("play"); got[0] != "OK" {
		t.Fatalf("play: %q", got)
	}
	if id := currentID(c); id != "4" {
		t.Errorf("first song in random mode = id %s, want 4 of priority 200", id)
	}
	// As in MPD 0.23.12, the song's priority returns to 0 when it starts.
	if info := strings.Join(c.cmd("playlistid 4"), "\n"); strings.Contains(info, "\nPrio:") {
		t.Errorf("playlistid 4 still shows a priority after it started:\n%s", info)
	}
	if got := c.cmd("next"); got[0] != "OK" {
		t.Fatalf("next: %q", got)
	}
	if id := currentID(c); id != "2" {
		t.Errorf("second song in random mode = id %s, want 2 of priority 100", id)
	}
}
