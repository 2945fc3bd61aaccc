package mpd_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/tonearm/tonearm/internal/mpd"
	"github.com/tonearm/tonearm/internal/mpd/memcore"
)

func perms(t *testing.T, list string) *mpd.Permission {
	t.Helper()
	p, err := mpd.ParsePermissions(list)
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func argonHash(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, 1, 8*1024, 1, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1$%s$%s", 8*1024, enc.EncodeToString(salt), enc.EncodeToString(key))
}

func TestPermissionLevels(t *testing.T) {
	ts := startServer(t, mpd.Config{
		Passwords: []mpd.Password{
			{Secret: argonHash("reader"), Permissions: *perms(t, "read")},
			{Secret: argonHash("adder"), Permissions: *perms(t, "read,add")},
			{Secret: "player", Permissions: *perms(t, "read,player")},
			{Secret: argonHash("boss"), Permissions: *perms(t, "read,add,control,admin")},
		},
		DefaultPermissions: perms(t, ""),
		PasswordBurst:      100,
		PasswordRate:       100,
	})
	c := dial(t, "tcp", ts.addr)
	cases := []struct {
		password string
		command  string
		want     string
	}{
		{"", "status", `ACK [4@0] {status} you don't have permission for "status"`},
		{"", "ping", "OK"},
		{"wrong", "", `ACK [3@0] {password} incorrect password`},
		{"reader", "status", ""},
		{"reader", "add \"A/X/01 One.mp3\"", `ACK [4@0] {add} you don't have permission for "add"`},
		{"adder", "add \"A/X/01 One.mp3\"", "OK"},
		{"adder", "play", `ACK [4@0] {play} you don't have permission for "play"`},
		{"player", "play", "OK"},
		{"player", "save x", `ACK [4@0] {save} you don't have permission for "save"`},
		{"player", "stop", "OK"},
		{"boss", "save x", "OK"},
		{"boss", "disableoutput 0", "OK"},
		{"reader", "disableoutput 0", `ACK [4@0] {disableoutput} you don't have permission for "disableoutput"`},
	}
	for _, tc := range cases {
		if tc.password != "" {
			got := c.cmd("password " + tc.password)
			if tc.password == "wrong" {
				if got[0] != tc.want {
					t.Errorf("password wrong = %q, want %q", got, tc.want)
				}
				continue
			}
			if got[0] != "OK" {
				t.Fatalf("password %s = %q", tc.password, got)
			}
		}
		got := c.cmd(tc.command)
		last := got[len(got)-1]
		if tc.want == "" {
			if last != "OK" {
				t.Errorf("%s as %q = %q, want OK", tc.command, tc.password, got)
			}
			continue
		}
		if last != tc.want {
			t.Errorf("%s as %q = %q, want %q", tc.command, tc.password, last, tc.want)
		}
	}
}

func TestCommandsListPerPermission(t *testing.T) {
	ts := startServer(t, mpd.Config{
		Passwords:          []mpd.Password{{Secret: "x", Permissions: *perms(t, "read")}},
		DefaultPermissions: perms(t, ""),
	})
	c := dial(t, "tcp", ts.addr)
	got := strings.Join(c.cmd("commands"), "\n")
	if strings.Contains(got, "command: status") {
		t.Error("commands lists status without read permission")
	}
	if !strings.Contains(got, "command: password") {
		t.Error("commands misses password")
	}
	not := strings.Join(c.cmd("notcommands"), "\n")
	if !strings.Contains(not, "command: status") {
		t.Error("notcommands misses status")
	}
}

func TestLocalSocketPermissionsAndConfig(t *testing.T) {
	ts := startServer(t, mpd.Config{
		Passwords:          []mpd.Password{{Secret: "x", Permissions: *perms(t, "read")}},
		DefaultPermissions: perms(t, ""),
		MusicDir:           t.TempDir(),
	})
	local := dial(t, "unix", ts.socket)
	if got := local.cmd("config"); !strings.HasPrefix(got[0], "music_directory: ") {
		t.Errorf("config over the socket = %q", got)
	}
	remote := dial(t, "tcp", ts.addr)
	remote.cmd("password x")
	if got := remote.cmd("config"); got[0] != `ACK [4@0] {config} you don't have permission for "config"` {
		t.Errorf("config over TCP = %q", got)
	}
}

func TestPasswordRateLimit(t *testing.T) {
	ts := startServer(t, mpd.Config{
		Passwords:     []mpd.Password{{Secret: "right", Permissions: mpd.PermAll}},
		PasswordRate:  0.01,
		PasswordBurst: 2,
	})
	c := dial(t, "tcp", ts.addr)
	for i := 0; i < 2; i++ {
		if got := c.cmd("password nope"); got[0] != "ACK [3@0] {password} incorrect password" {
			t.Errorf("attempt %d = %q", i+1, got)
		}
	}
	if got := c.cmd("password right"); !strings.Contains(got[0], "too many password attempts") {
		t.Errorf("third attempt = %q, want a rate limit", got)
	}
	// The limit is per address, so a new connection from it is limited too.
	c2 := dial(t, "tcp", ts.addr)
	if got := c2.cmd("password right"); !strings.Contains(got[0], "too many password attempts") {
		t.Errorf("attempt on a new connection = %q, want a rate limit", got)
	}
}

func TestNonLoopbackNeedsAuthentication(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	core := memcore.New(nil)
	coreFor := func(mpd.Principal) mpd.Core { return core }
	if _, err := mpd.New(mpd.Config{Address: "0.0.0.0:6600"}, coreFor, log); err == nil {
		t.Error("New accepted an open non-loopback address")
	}
	if _, err := mpd.New(mpd.Config{Address: "0.0.0.0:6600", AllowUnauthenticated: true}, coreFor, log); err != nil {
		t.Errorf("New with AllowUnauthenticated: %v", err)
	}
	withPassword := mpd.Config{Address: "0.0.0.0:6600", Passwords: []mpd.Password{{Secret: "x", Permissions: mpd.PermAll}}}
	if _, err := mpd.New(withPassword, coreFor, log); err != nil {
		t.Errorf("New with a password and no default permissions: %v", err)
	}
	if _, err := mpd.New(mpd.Config{Address: "127.0.0.1:6600"}, coreFor, log); err != nil {
		t.Errorf("New on loopback: %v", err)
	}
	if _, err := mpd.New(mpd.Config{Address: "[::1]:6600"}, coreFor, log); err != nil {
		t.Errorf("New on IPv6 loopback: %v", err)
	}
}

func TestLineTooLongClosesConnection(t *testing.T) {
	ts := startServer(t, mpd.Config{MaxLineLength: 64})
	c := dial(t, "tcp", ts.addr)
	c.nc.Write([]byte("add " + strings.Repeat("a", 100) + "\n"))
	if !c.closed() {
		t.Error("connection stayed open after a line past the limit")
	}
}

func TestCommandListTooLargeClosesConnection(t *testing.T) {
	ts := startServer(t, mpd.Config{MaxCommandListSize: 100})
	c := dial(t, "tcp", ts.addr)
	// The server may close while the list is still being written, so write
	// errors are expected and ignored.
	list := "command_list_begin\n" + strings.Repeat("ping\n", 30) + "command_list_end\n"
	c.nc.Write([]byte(list))
	if !c.closed() {
		t.Error("connection stayed open after a command list past the limit")
	}
}

func TestOutputBufferLimitClosesConnection(t *testing.T) {
	ts := startServer(t, mpd.Config{MaxOutputBuffer: 200})
	c := dial(t, "tcp", ts.addr)
	if got := c.cmd("ping"); got[0] != "OK" {
		t.Fatalf("ping = %q", got)
	}
	c.send("listallinfo")
	line, err := c.r.ReadString('\n')
	if err == nil {
		t.Errorf("listallinfo past the output limit sent %q, want the connection closed", line)
	}
}

func TestMaxConnections(t *testing.T) {
	ts := startServer(t, mpd.Config{MaxConnections: 2})
	dial(t, "tcp", ts.addr)
	dial(t, "tcp", ts.addr)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	data, _ := io.ReadAll(nc)
	if !strings.Contains(string(data), "too many connections") {
		t.Errorf("third connection got %q, want a refusal naming the limit", data)
	}
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, mpd.Config{IdleTimeout: 300 * time.Millisecond})
	quiet := dial(t, "tcp", ts.addr)
	idler := dial(t, "tcp", ts.addr)
	idler.send("idle")
	time.Sleep(900 * time.Millisecond)
	if !quiet.closed() {
		t.Error("silent client stayed connected past the idle timeout")
	}
	idler.send("noidle")
	if got := idler.reply(); got[len(got)-1] != "OK" {
		t.Errorf("noidle after a long idle = %q", got)
	}
}

func TestHTTPRequestClosesConnection(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	c.send("POST / HTTP/1.1")
	c.send("play")
	if !c.closed() {
		t.Error("connection stayed open after an HTTP request line")
	}
	if state, _ := ts.core.PlaybackState(t.Context()); state != "stopped" {
		t.Errorf("state after an HTTP request = %s, want stopped", state)
	}
}

func TestHostilePaths(t *testing.T) {
	ts := startServer(t, mpd.Config{MusicDir: t.TempDir()})
	c := dial(t, "tcp", ts.addr)
	for _, cmd := range []string{
		"add ../../etc/passwd",
		"add /etc/passwd",
		"add file:///etc/passwd",
		`add "A/../../etc/passwd"`,
		"add %2e%2e/etc/passwd",
		"lsinfo ..",
		"listall ../",
		"listfiles ../..",
		"listallinfo /etc",
		"albumart ../x 0",
		"readpicture /etc/passwd 0",
		"readcomments ../../etc/passwd",
		"sticker set song ../../x a 1",
		"playlistadd p ../x",
		"update ../",
		"add gopher://example.com/x",
	} {
		got := c.cmd(cmd)
		if !strings.HasPrefix(got[len(got)-1], "ACK ") {
			t.Errorf("%s = %q, want an ACK", cmd, got)
		}
	}
	if tl, _ := ts.core.TlTracks(t.Context()); len(tl) != 0 {
		t.Errorf("tracklist after hostile adds has %d entries", len(tl))
	}
}

func TestIdleAndNoidle(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	watcher := dial(t, "tcp", ts.addr)
	actor := dial(t, "tcp", ts.addr)

	watcher.send("idle player playlist")
	actor.cmd(`add "A/X/01 One.mp3"`)
	if got := watcher.reply(); strings.Join(got, "|") != "changed: playlist|OK" {
		t.Errorf("idle after add = %q", got)
	}
	// A noidle after idle returned by itself produces nothing.
	watcher.send("noidle")
	if got := watcher.cmd("ping"); strings.Join(got, "|") != "OK" {
		t.Errorf("ping after a late noidle = %q", got)
	}

	watcher.send("idle mixer")
	actor.cmd("play")
	watcher.send("noidle")
	if got := watcher.reply(); strings.Join(got, "|") != "OK" {
		t.Errorf("noidle with no mixer change = %q", got)
	}
	// The player change above stays pending for the next idle.
	if got := watcher.cmd("idle player"); strings.Join(got, "|") != "changed: player|OK" {
		t.Errorf("idle with a pending player change = %q", got)
	}

	watcher.send("idle")
	watcher.send("status")
	if !watcher.closed() {
		t.Error("a command other than noidle during idle did not close the connection")
	}
}

func TestMessagesBetweenClients(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	a := dial(t, "tcp", ts.addr)
	b := dial(t, "tcp", ts.addr)
	a.cmd("subscribe news")
	a.send("idle message")
	b.cmd("sendmessage news hello")
	if got := a.reply(); strings.Join(got, "|") != "changed: message|OK" {
		t.Errorf("idle message = %q", got)
	}
	if got := a.cmd("readmessages"); strings.Join(got, "|") != "channel: news|message: hello|OK" {
		t.Errorf("readmessages = %q", got)
	}
	for i := 0; i < 100; i++ {
		b.cmd(fmt.Sprintf("sendmessage news m%d", i))
	}
	if got := a.cmd("readmessages"); len(got) != 2*mpd.DefaultMaxMessages+1 {
		t.Errorf("readmessages after 100 messages returned %d lines, want the queue bound %d", len(got), 2*mpd.DefaultMaxMessages+1)
	}
}

func TestStickers(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	c := dial(t, "tcp", ts.addr)
	for _, step := range []struct{ send, want string }{
		{`sticker set song "A/X/01 One.mp3" rating 5`, "OK"},
		{`sticker get song "A/X/01 One.mp3" rating`, "sticker: rating=5|OK"},
		{`sticker list song "A/X/01 One.mp3"`, "sticker: rating=5|OK"},
		{`sticker find song A rating`, "file: A/X/01 One.mp3|sticker: rating=5|OK"},
		{`sticker find song "" rating = 4`, "OK"},
		{`sticker delete song "A/X/01 One.mp3" rating`, "OK"},
		{`sticker get song "A/X/01 One.mp3" rating`, "ACK [50@0] {sticker} no such sticker"},
		{`sticker set song nothere.mp3 a 1`, "ACK [50@0] {sticker} No such song"},
	} {
		if got := strings.Join(c.cmd(step.send), "|"); got != step.want {
			t.Errorf("%s = %q, want %q", step.send, got, step.want)
		}
	}
}

func TestAlbumArtChunks(t *testing.T) {
	ts := startServer(t, mpd.Config{})
	picture := make([]byte, 200)
	for i := range picture {
		picture[i] = byte(i)
	}
	ts.core.SetCover("local:track:A/X/01%20One.mp3", picture)
	c := dial(t, "tcp", ts.addr)
	c.cmd("binarylimit 64")
	var got []byte
	for offset := 0; offset < len(picture); {
		c.send(fmt.Sprintf(`albumart "A/X/01 One.mp3" %d`, offset))
		if l := c.line(); l != "size: 200" {
			t.Fatalf("size line = %q", l)
		}
		var n int
		if _, err := fmt.Sscanf(c.line(), "binary: %d", &n); err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, n+1)
		if _, err := io.ReadFull(c.r, chunk); err != nil {
			t.Fatal(err)
		}
		got = append(got, chunk[:n]...)
		if l := c.line(); l != "OK" {
			t.Fatalf("after chunk = %q", l)
		}
		offset += n
	}
	if string(got) != string(picture) {
		t.Error("reassembled picture differs from the stored one")
	}
	// The messages of MPD 0.23.12, which differ between the commands.
	if r := c.cmd(`albumart "A/X/01 One.mp3" 999`); r[0] != "ACK [2@0] {albumart} Offset too large" {
		t.Errorf("albumart past the end = %q", r)
	}
	if r := c.cmd(`readpicture "A/X/01 One.mp3" 999`); r[0] != "ACK [2@0] {readpicture} Bad file offset" {
		t.Errorf("readpicture past the end = %q", r)
	}
	if r := c.cmd(`albumart "B/Y/01 Three.flac" 0`); r[0] != "ACK [50@0] {albumart} No file exists" {
		t.Errorf("albumart without a picture = %q", r)
	}
}

func TestRightPasswordsNotRateLimited(t *testing.T) {
	ts := startServer(t, mpd.Config{
		Passwords:     []mpd.Password{{Secret: "right", Permissions: mpd.PermAll}},
		PasswordRate:  0.01,
		PasswordBurst: 2,
	})
	// mpc -h sends the password on every connection.
	for i := 0; i < 6; i++ {
		c := dial(t, "tcp", ts.addr)
		if got := c.cmd("password right"); got[0] != "OK" {
			t.Fatalf("right password on connection %d = %q", i+1, got)
		}
	}
}

func TestCommandBlacklist(t *testing.T) {
	ts := startServer(t, mpd.Config{CommandBlacklist: []string{"listall", "stats"}})
	c := dial(t, "tcp", ts.addr)
	if got := c.cmd("stats"); !strings.Contains(got[0], "command_blacklist") {
		t.Errorf("stats = %q, want a command_blacklist error", got)
	}
	if got := c.cmd("ping"); got[0] != "OK" {
		t.Errorf("ping = %q", got)
	}
}
