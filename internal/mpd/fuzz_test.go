package mpd

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd/protocol"
)

// fuzzCore implements the Core methods that read state, with empty
// results, so the fuzz target exercises argument handling without a
// library. The other methods are left nil, and fuzzSkip lists the commands
// that would call them.
type fuzzCore struct{ Core }

func (fuzzCore) PlaybackState(context.Context) (string, error)           { return "stopped", nil }
func (fuzzCore) TlTracks(context.Context) ([]models.TlTrack, error)      { return nil, nil }
func (fuzzCore) TracklistLength(context.Context) (int, error)            { return 0, nil }
func (fuzzCore) Index(context.Context, int) (int, error)                 { return -1, nil }
func (fuzzCore) CurrentTlTrack(context.Context) (*models.TlTrack, error) { return nil, nil }
func (fuzzCore) Search(context.Context, models.Query, bool) ([]models.Track, error) {
	return []models.Track{{URI: "local:track:a/b.mp3", Name: "x"}}, nil
}
func (fuzzCore) Lookup(context.Context, []string) (map[string][]models.Track, error) {
	return nil, nil
}
func (fuzzCore) Browse(context.Context, string) ([]models.Ref, error) { return nil, nil }
func (fuzzCore) Playlists(context.Context) ([]models.Ref, error)      { return nil, nil }
func (fuzzCore) Volume(context.Context) (int, error)                  { return -1, nil }
func (fuzzCore) Options(context.Context) (Options, error)             { return Options{}, nil }
func (fuzzCore) TracklistVersion(context.Context) (int, error)        { return 0, nil }
func (fuzzCore) Priorities(context.Context) (map[int]int, error)      { return nil, nil }
func (fuzzCore) SetPriority(context.Context, []int, int) error        { return nil }
func (fuzzCore) NextTlid(context.Context) (int, error)                { return 0, nil }
func (fuzzCore) ClearError(context.Context) error                     { return nil }
func (fuzzCore) Status(context.Context) (Status, error) {
	return Status{State: "stopped", Volume: -1, CurrentPos: -1, NextPos: -1}, nil
}
func (fuzzCore) Outputs(context.Context) ([]Output, error) { return nil, nil }
func (fuzzCore) Subscribe(ctx context.Context) (<-chan Event, error) {
	ch := make(chan Event)
	go func() { <-ctx.Done(); close(ch) }()
	return ch, nil
}

// fuzzSkip lists the commands whose handlers call core methods that
// fuzzCore leaves unimplemented, or that wait for more input.
var fuzzSkip = map[string]bool{
	"play": true, "playid": true, "pause": true, "next": true, "previous": true,
	"stop": true, "seek": true, "seekid": true, "seekcur": true, "add": true,
	"addid": true, "clear": true, "delete": true, "deleteid": true, "move": true,
	"moveid": true, "swap": true, "swapid": true, "shuffle": true, "consume": true,
	"random": true, "repeat": true, "single": true, "setvol": true, "volume": true,
	"findadd": true, "searchadd": true, "searchaddpl": true, "load": true,
	"playlistadd": true, "playlistclear": true, "playlistdelete": true,
	"playlistmove": true, "rename": true, "rm": true, "save": true, "update": true,
	"rescan": true, "albumart": true, "readpicture": true, "readcomments": true,
	"enableoutput": true, "disableoutput": true, "toggleoutput": true,
	"sticker": true, "idle": true, "close": true, "password": true,
	"command_list_begin": true, "command_list_ok_begin": true,
}

// FuzzCommandLine runs arbitrary command lines through the command table.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"status", "play 1", `find "(Artist == 'x')" sort -Title window 0:1`,
		"list album group albumartist", "count group artist", "playlistinfo 1:",
		"tagtypes disable Artist", "binarylimit 64", "lsinfo ../x", "prio 5 0:1",
		"seekcur -1", "sticker get song a x", "sendmessage a b",
		"binarylimit \"1\tx\"", "lsinfo \"a\tb\"",
	} {
		f.Add(s)
	}
	srv, err := New(Config{Address: "-"}, func(Principal) Core { return fuzzCore{} }, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > DefaultMaxLineLength {
			return
		}
		name, _, err := protocol.Tokenize(line)
		if err == nil && fuzzSkip[name] {
			return
		}
		server, client := net.Pipe()
		defer server.Close()
		var reply bytes.Buffer
		copied := make(chan struct{})
		go func() {
			io.Copy(&reply, client)
			close(copied)
		}()
		defer client.Close()
		c := newConn(srv, server, "fuzz", false)
		c.core = fuzzCore{}
		c.cancelEvents = func() {}
		defer srv.messages.unsubscribeAll(c)
		done := make(chan error, 1)
		go func() { done <- c.handleLine(context.Background(), line) }()
		select {
		case err := <-done:
			if err != nil && !strings.Contains(err.Error(), "close") {
				t.Fatalf("handleLine(%q): %v", line, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("handleLine(%q) did not return within 30 s", line)
		}
		server.Close()
		<-copied
		checkFuzzReply(t, line, reply.String())
	})
}

// checkFuzzReply checks the framing of the reply to one command line: LF
// line ends, no other control characters, and exactly one final line, OK
// or ACK, at the end. An empty reply is allowed, as for noidle.
func checkFuzzReply(t *testing.T, line, reply string) {
	t.Helper()
	if reply == "" {
		return
	}
	if !strings.HasSuffix(reply, "\n") {
		t.Fatalf("reply to %q does not end with LF: %q", line, reply)
	}
	lines := strings.Split(strings.TrimSuffix(reply, "\n"), "\n")
	for i, l := range lines {
		if strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("reply line %d to %q has a control character: %q", i, line, l)
		}
		final := l == "OK" || strings.HasPrefix(l, "ACK [")
		if final != (i == len(lines)-1) {
			t.Fatalf("reply to %q has its final line at %d of %d: %q", line, i, len(lines), reply)
		}
	}
}
