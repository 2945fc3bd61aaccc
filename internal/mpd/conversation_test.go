package mpd_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
	"github.com/tonearm/tonearm/internal/mpd/mpdtest"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

// recordFlag rewrites the expected replies of testdata/*.txt from a real
// MPD 0.23 (Debian package mpd): go test ./internal/mpd -run Conversation -record
var recordFlag = flag.Bool("record", false, "record the expected replies of testdata/*.txt from a real MPD 0.23")

// exchange is one line sent and the reply lines expected.
type exchange struct {
	send string
	want []string
}

// A conversation file has comment lines starting with "#", then for each
// command a line "> COMMAND" followed by the expected reply lines. Comment
// lines between exchanges are kept only in hand-written files. Files
// named tonearm-*.txt describe where Tonearm deliberately differs from
// MPD 0.23 and are written by hand, never recorded.
func parseConversation(data string) (header []string, xs []exchange) {
	for _, line := range strings.Split(strings.TrimRight(data, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "> "):
			xs = append(xs, exchange{send: line[2:]})
		case len(xs) == 0:
			header = append(header, line)
		case strings.HasPrefix(line, "#"):
			// A comment between exchanges; replies never start with "#".
		default:
			xs[len(xs)-1].want = append(xs[len(xs)-1].want, line)
		}
	}
	return header, xs
}

func formatConversation(header []string, xs []exchange) string {
	var b strings.Builder
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	for _, x := range xs {
		b.WriteString("> " + x.send + "\n")
		for _, w := range x.want {
			b.WriteString(w + "\n")
		}
	}
	return b.String()
}

var timeValue = regexp.MustCompile(`^(Last-Modified|db_update|uptime|playtime|db_playtime|elapsed|time|bitrate|duration|Time|playlist|updating_db|size): .*$`)

// normalize removes what must differ between Tonearm on the in-memory core
// and MPD 0.23 on the same files:
//   - times, sizes and durations (file times differ per run, and encoders
//     pad a tone by some milliseconds) become "<value>";
//   - the playlist version becomes "<value>", because MPD counts one version
//     per command and the core one per change;
//   - the tag lines of each song are sorted, because MPD writes tags in the
//     order of the file and Tonearm in a fixed order.
func normalize(lines []string) []string {
	var out, block []string
	inSong := false
	flush := func() {
		sort.Strings(block)
		out = append(out, block...)
		block = nil
	}
	for _, l := range lines {
		if timeValue.MatchString(l) && (!strings.HasPrefix(l, "playlist: ") || isNumber(l[len("playlist: "):])) {
			l = strings.SplitN(l, ":", 2)[0] + ": <value>"
		}
		boundary := strings.HasPrefix(l, "directory: ") || strings.HasPrefix(l, "playlist: ") ||
			l == "OK" || l == "list_OK" || strings.HasPrefix(l, "ACK ") ||
			strings.HasPrefix(l, "Pos: ") || strings.HasPrefix(l, "Id: ") || strings.HasPrefix(l, "Prio: ")
		switch {
		case strings.HasPrefix(l, "file: "):
			flush()
			out = append(out, l)
			inSong = true
		case boundary || !inSong:
			flush()
			out = append(out, l)
			inSong = false
		default:
			block = append(block, l)
		}
	}
	flush()
	return out
}

func isIdle(command string) bool {
	return command == "idle" || strings.HasPrefix(command, "idle ")
}

func isNumber(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// talk runs the exchanges on one connection to addr and returns the
// normalised replies.
func talk(t *testing.T, addr string, xs []exchange) [][]string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer nc.Close()
	r := bufio.NewReader(nc)
	nc.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	var got [][]string
	inList, idle := false, false
	for i, x := range xs {
		fmt.Fprintf(nc, "%s\n", x.send)
		switch {
		case x.send == "command_list_begin" || x.send == "command_list_ok_begin":
			inList = true
		case x.send == "command_list_end":
			inList = false
		}
		if inList {
			// The server replies to a command list as a whole at
			// command_list_end.
			got = append(got, nil)
			continue
		}
		if isIdle(x.send) && i+1 < len(xs) && xs[i+1].send == "noidle" {
			// idle replies when noidle ends it.
			idle = true
			got = append(got, nil)
			continue
		}
		if x.send == "noidle" && !idle {
			// MPD 0.23 ignores noidle outside idle and sends nothing.
			got = append(got, nil)
			continue
		}
		idle = false
		reply, err := mpdtest.ReadReply(r)
		if err != nil && !(x.send == "close" && len(reply) == 0) {
			t.Fatalf("%s: %v after %q", x.send, err, reply)
		}
		got = append(got, normalize(reply))
	}
	return got
}

func TestConversations(t *testing.T) {
	runConversations(t, func(t *testing.T, tracks []models.Track, music string) string {
		fe, err := mpdtest.Start(mpd.Config{DataDir: t.TempDir(), MusicDir: music}, tracks, shortTempDir(t), testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fe.Stop() })
		return fe.Addr
	})
}

// TestConversationsRealCore runs the same files through the real core, with
// in-memory backends and the test player.
func TestConversationsRealCore(t *testing.T) {
	runConversations(t, func(t *testing.T, tracks []models.Track, music string) string {
		player := audiotest.New(audiotest.Options{Manual: true, TrackLength: func(string) time.Duration { return time.Minute }})
		t.Cleanup(func() { player.Close() })
		vol := 50
		c, err := core.New(core.Options{Backends: memcore.NewBackends(tracks), Player: player, InitialVolume: &vol})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		adapter := mpd.NewCoreAdapter(c, mpd.CoreOptions{Outputs: memcore.New(nil)})
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go adapter.Run(ctx)
		fe, err := mpdtest.StartWithCore(mpd.Config{DataDir: t.TempDir(), MusicDir: music}, adapter.CoreFor, shortTempDir(t), testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fe.Stop() })
		return fe.Addr
	})
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// waitUpdatesDone polls status until no database update is running, for
// at most 30 s.
func waitUpdatesDone(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		reply := talk(t, addr, []exchange{{send: "status"}})[0]
		if !strings.Contains(strings.Join(reply, "\n"), "updating_db") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a database update still runs after 30 s: %q", reply)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runConversations replays testdata/*.txt over mpdtest.SmallLibrary,
// testdata/order/*.txt over mpdtest.OrderLibrary and
// testdata/musicdir/*.txt over mpdtest.SmallLibrary with
// mpdtest.PlaylistFiles against the servers that start returns, or records
// them from a real MPD with -record.
func runConversations(t *testing.T, start func(t *testing.T, tracks []models.Track, music string) string) {
	suites := []struct {
		// prefix names the suite's files in subtest names.
		prefix, glob string
		specs        []fixtures.Spec
		// files are written into the music folder beside the songs.
		files map[string]string
	}{
		{"", "testdata/*.txt", mpdtest.SmallLibrary(), nil},
		{"order/", "testdata/order/*.txt", mpdtest.OrderLibrary(), nil},
		{"musicdir/", "testdata/musicdir/*.txt", mpdtest.SmallLibrary(), mpdtest.PlaylistFiles()},
	}
	for _, s := range suites {
		files, err := filepath.Glob(s.glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no conversation files %s: %v", s.glob, err)
		}
		runSuite(t, s.prefix, files, s.specs, s.files, start)
	}
}

// runSuite replays files against one server over the library of specs,
// with extra files written into the music folder.
func runSuite(t *testing.T, prefix string, files []string, specs []fixtures.Spec, extra map[string]string, start func(t *testing.T, tracks []models.Track, music string) string) {
	ctx := context.Background()
	music := t.TempDir()
	tracks, err := mpdtest.Generate(ctx, music, specs)
	if err != nil {
		t.Fatalf("generate library: %v", err)
	}
	if err := mpdtest.WriteFiles(music, extra); err != nil {
		t.Fatalf("write files into the music folder: %v", err)
	}
	// One server runs every file in name order, each after the same reset,
	// so song ids continue across files as they do on the real MPD.
	addr := ""
	if *recordFlag {
		real, err := mpdtest.StartRealMPD(ctx, music, t.TempDir())
		if err != nil {
			t.Fatalf("start real MPD: %v", err)
		}
		defer real.Stop()
		addr = real.Addr
	} else {
		addr = start(t, tracks, music)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(prefix+name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			header, xs := parseConversation(string(data))
			if *recordFlag && strings.HasPrefix(name, "tonearm-") {
				return
			}
			// Each file starts from an empty queue and no playlists, after
			// any update an earlier file started has finished, because
			// status lists updating_db while one runs.
			waitUpdatesDone(t, addr)
			got := talk(t, addr, append(resetExchanges(), xs...))[len(resetExchanges()):]
			if *recordFlag {
				for i := range xs {
					xs[i].want = got[i]
				}
				if err := os.WriteFile(file, []byte(formatConversation(header, xs)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for i, x := range xs {
				want := normalize(x.want)
				if strings.Join(got[i], "\n") != strings.Join(want, "\n") {
					t.Errorf("%s: > %s\ngot:\n%s\nwant:\n%s", file, x.send, strings.Join(got[i], "\n"), strings.Join(want, "\n"))
				}
			}
		})
	}
}

// resetExchanges bring the real MPD back to an empty queue, default
// options and no stored playlists before each recorded file.
func resetExchanges() []exchange {
	return []exchange{
		{send: "stop"}, {send: "clear"}, {send: "repeat 0"}, {send: "random 0"},
		{send: "single 0"}, {send: "consume 0"}, {send: "setvol 50"},
		{send: "rm saved"}, {send: "rm other"}, {send: "rm renamed"},
	}
}
