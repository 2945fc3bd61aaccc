package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/fsutil"
	"github.com/tonearm/tonearm/internal/testutil/fixtures"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// tonearmBinary builds cmd/tonearm once per test run.
func tonearmBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tonearm-server-test-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "tonearm")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/tonearm").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type instance struct {
	t        *testing.T
	dir      string
	config   string
	mpdPort  int
	httpPort int
	cmd      *exec.Cmd
	log      *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newInstance writes a config with a generated two-track library, free
// loopback ports, the null output and restore_state on.
func newInstance(t *testing.T, extra string) *instance {
	t.Helper()
	dir := t.TempDir()
	music := filepath.Join(dir, "music")
	specs := []fixtures.Spec{
		{Path: "A/one.flac", Format: fixtures.FormatFLAC, Seconds: 20, Tags: &fixtures.Tags{Title: "One", Album: "A", Artists: []string{"X"}}},
		{Path: "A/two.flac", Format: fixtures.FormatFLAC, Seconds: 20, Tags: &fixtures.Tags{Title: "Two", Album: "A", Artists: []string{"X"}}},
	}
	if err := fixtures.Generate(context.Background(), music, specs); err != nil {
		t.Fatal(err)
	}
	in := &instance{t: t, dir: dir, config: filepath.Join(dir, "tonearm.conf"), mpdPort: freePort(t), httpPort: freePort(t)}
	conf := fmt.Sprintf(`[core]
data_dir = %[1]s/data
cache_dir = %[1]s/cache
restore_state = true
[local]
media_dir = %[2]s
[file]
media_dirs = %[2]s
[m3u]
playlists_dir = %[1]s/playlists
[audio]
output = null
[mpd]
port = %[3]d
[http]
port = %[4]d
%[5]s
`, dir, music, in.mpdPort, in.httpPort, extra)
	if err := os.WriteFile(in.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	in.run("local", "scan")
	return in
}

func (in *instance) args(extra ...string) []string {
	args := []string{"--config", in.config}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	return append(args, extra...)
}

func (in *instance) env() []string {
	return append(os.Environ(), "HOME="+in.dir, "XDG_CONFIG_HOME="+filepath.Join(in.dir, "config"))
}

// run runs a CLI command to completion.
func (in *instance) run(args ...string) string {
	in.t.Helper()
	cmd := exec.Command(tonearmBinary(in.t), in.args(args...)...)
	cmd.Env = in.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		in.t.Fatalf("tonearm %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// start runs the server and waits until the MPD port answers.
func (in *instance) start() {
	in.t.Helper()
	in.log = &syncBuffer{}
	in.cmd = exec.Command(tonearmBinary(in.t), in.args("-v")...)
	in.cmd.Env = in.env()
	in.cmd.Stdout = in.log
	in.cmd.Stderr = in.log
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			in.cmd.Process.Kill()
			in.cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.mpdPort))
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("server did not listen within 20 s:\n%s", in.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and requires a clean exit within 10 s.
func (in *instance) stop() {
	in.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		in.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			in.t.Fatalf("server exited with %v after SIGTERM:\n%s", err, in.log.String())
		}
	case <-time.After(10 * time.Second):
		in.cmd.Process.Kill()
		in.t.Fatalf("server still running 10 s after SIGTERM:\n%s", in.log.String())
	}
}

// mpd sends commands over one MPD connection and returns the replies.
func (in *instance) mpd(commands ...string) string {
	in.t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.mpdPort))
	if err != nil {
		in.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	if _, err := r.ReadString('\n'); err != nil {
		in.t.Fatal(err)
	}
	var out strings.Builder
	for _, c := range commands {
		fmt.Fprintf(conn, "%s\n", c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				in.t.Fatalf("%s: %v", c, err)
			}
			out.WriteString(line)
			if line == "OK\n" || strings.HasPrefix(line, "ACK ") {
				break
			}
		}
	}
	return out.String()
}

func field(reply, key string) string {
	for _, line := range strings.Split(reply, "\n") {
		if v, ok := strings.CutPrefix(line, key+": "); ok {
			return v
		}
	}
	return ""
}

func TestServerStopsOnSIGTERM(t *testing.T) {
	in := newInstance(t, "")
	in.start()
	in.stop()
	if !strings.Contains(in.log.String(), "tonearm stopped") {
		t.Errorf("no clean stop in the log:\n%s", in.log.String())
	}
}

func TestRestartRestoresState(t *testing.T) {
	in := newInstance(t, "")
	in.start()
	in.mpd(`add "A/one.flac"`, `add "A/two.flac"`, "random 1", "setvol 42", "play 1", "pause 1")
	before := in.mpd("status")
	in.stop()

	in.start()
	after := in.mpd("status", "playlistinfo")
	for _, key := range []string{"playlistlength", "random", "volume", "song", "state"} {
		if field(after, key) != field(before, key) {
			t.Errorf("%s = %q after restart, want %q", key, field(after, key), field(before, key))
		}
	}
	if !strings.Contains(after, "file: A/two.flac") {
		t.Errorf("queue lost after restart:\n%s", after)
	}
	in.stop()
}

func TestPlantedSecretNeverShown(t *testing.T) {
	const secret = "planted-Secret-7c1e"
	in := newInstance(t, "[mpd]\npassword = "+secret+"\ndefault_permissions = read")
	in.start()
	replies := in.mpd("password wrong-guess", "password "+secret, "status", "config")
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/mopidy/rpc", in.httpPort), "application/json",
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"core.library.lookup","params":{"uris":["`+secret+`"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("lookup status = %d", resp.StatusCode)
	}
	configOut := in.run("config")
	in.stop()

	for name, text := range map[string]string{
		"server log": in.log.String(), "tonearm config": configOut, "MPD replies": replies,
	} {
		if strings.Contains(text, secret) {
			t.Errorf("%s shows the planted secret:\n%s", name, text)
		}
	}
	if !strings.Contains(configOut, "password = ********") {
		t.Errorf("tonearm config does not mask the password:\n%s", configOut)
	}
}

func TestMPDViewOfLocalLibrary(t *testing.T) {
	in := newInstance(t, "")
	in.start()
	root := in.mpd("lsinfo")
	if !strings.Contains(root, "directory: A\n") {
		t.Errorf("lsinfo at the root lacks folder A:\n%s", root)
	}
	if strings.Contains(root, "directory: \n") {
		t.Errorf("lsinfo at the root lists an empty folder name:\n%s", root)
	}
	all := in.mpd("listall")
	if n := strings.Count(all, "file: A/one.flac\n"); n != 1 {
		t.Errorf("listall lists A/one.flac %d times:\n%s", n, all)
	}
	found := in.mpd(`find "(title == 'Two')"`)
	if !strings.Contains(found, "file: A/two.flac") {
		t.Errorf("find by title:\n%s", found)
	}
	in.stop()
}

func TestMPDAlbumArtFromLibrary(t *testing.T) {
	in := newInstance(t, "")
	cover := fixtures.Cover(32, 32)
	spec := fixtures.Spec{Path: "B/art.flac", Format: fixtures.FormatFLAC, Seconds: 2,
		Tags: &fixtures.Tags{Title: "Art", Album: "B", Cover: cover}}
	if err := fixtures.Generate(context.Background(), filepath.Join(in.dir, "music"), []fixtures.Spec{spec}); err != nil {
		t.Fatal(err)
	}
	in.run("local", "scan")
	in.start()
	reply := in.mpd(`albumart "B/art.flac" 0`)
	if got := field(reply, "size"); got != fmt.Sprint(len(cover)) {
		t.Errorf("albumart size = %q, want %d:\n%.200s", got, len(cover), reply)
	}
	in.stop()
}

func TestAuditRecordsDenialsFromEveryFrontend(t *testing.T) {
	in := newInstance(t, "[mpd]\npassword = right-password-1\ndefault_permissions = read")
	var token string
	for _, line := range strings.Fields(in.run("token", "create", "reader", "--scope", "playback:read")) {
		if strings.HasPrefix(line, "tna_") {
			token = line
		}
	}
	if token == "" {
		t.Fatal("token create printed no token")
	}
	in.start()
	in.mpd("password wrong-guess", "clear")

	rpc := func(header map[string]string, body string) {
		req, err := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/mopidy/rpc", in.httpPort), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	rpc(map[string]string{"Authorization": "Bearer " + token}, `{"jsonrpc":"2.0","id":1,"method":"core.tracklist.clear"}`)
	rpc(map[string]string{"Origin": "http://evil.example"}, `{"jsonrpc":"2.0","id":1,"method":"core.tracklist.clear"}`)
	in.stop()

	data, err := os.ReadFile(filepath.Join(in.dir, "data", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	for _, want := range []string{
		"MPD password rejected",
		"MPD command clear needs",
		"core.tracklist.clear needs scope tracklist:write",
		"cross-origin POST /mopidy/rpc from http://evil.example",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "wrong-guess") || strings.Contains(log, token) {
		t.Error("audit log contains a credential")
	}
}

func TestMPDOutputsSwitchThePlayer(t *testing.T) {
	in := newInstance(t, "")
	in.start()
	want := "outputid: 0\noutputname: null\nplugin: null\noutputenabled: 1\nOK\n"
	if got := in.mpd("outputs"); got != want {
		t.Errorf("outputs:\n%s\nwant:\n%s", got, want)
	}
	if got := in.mpd("disableoutput 0"); got != "OK\n" {
		t.Errorf("disableoutput 0: %q", got)
	}
	if got := in.mpd("outputs"); !strings.Contains(got, "outputenabled: 0\n") {
		t.Errorf("outputs after disableoutput 0:\n%s", got)
	}
	if got := in.mpd("toggleoutput 0"); got != "OK\n" {
		t.Errorf("toggleoutput 0: %q", got)
	}
	if got := in.mpd("outputs"); !strings.Contains(got, "outputenabled: 1\n") {
		t.Errorf("outputs after toggleoutput 0:\n%s", got)
	}
	if got := in.mpd("enableoutput 1"); !strings.HasPrefix(got, "ACK [50@0] {enableoutput} No such audio output") {
		t.Errorf("enableoutput 1: %q", got)
	}
	if got := in.mpd(`lsinfo "A"`); !strings.Contains(got, "\nFormat: 44100:16:2\n") {
		t.Errorf("lsinfo A shows no Format line of a 16-bit FLAC:\n%s", got)
	}
	in.stop()
}

func TestDisabledOutputStaysOffAfterRestart(t *testing.T) {
	in := newInstance(t, "")
	in.start()
	if got := in.mpd("disableoutput 0"); got != "OK\n" {
		t.Fatalf("disableoutput 0: %q", got)
	}
	in.stop()
	info, err := os.Stat(filepath.Join(in.dir, "data", "core", "outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != fsutil.FileMode {
		t.Errorf("output state mode = %v, want %v", info.Mode().Perm(), fsutil.FileMode)
	}

	in.start()
	if got := in.mpd("outputs"); !strings.Contains(got, "outputenabled: 0\n") {
		t.Errorf("outputs after restart:\n%s", got)
	}
	if got := in.mpd("enableoutput 0"); got != "OK\n" {
		t.Errorf("enableoutput 0: %q", got)
	}
	in.stop()
	in.start()
	if got := in.mpd("outputs"); !strings.Contains(got, "outputenabled: 1\n") {
		t.Errorf("outputs after enabling and a restart:\n%s", got)
	}
	in.stop()
}
