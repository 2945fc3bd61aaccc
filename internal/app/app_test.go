package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const planted = "Planted-Secret-c0ffee"

// harness runs Main in-process with a private home folder.
type harness struct {
	t      *testing.T
	home   string
	env    map[string]string
	uid    int
	stdin  string
	wiring Wiring
	// lookPath replaces exec.LookPath when it is not nil.
	lookPath func(string) (string, error)
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, home: t.TempDir(), env: map[string]string{}, uid: 1000}
}

func (h *harness) run(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := Main(ctx, args, Options{
		Stdin:  strings.NewReader(h.stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		LookupEnv: func(name string) (string, bool) {
			v, ok := h.env[name]
			return v, ok
		},
		HomeDir:  h.home,
		Getuid:   func() int { return h.uid },
		LookPath: h.lookPath,
		Wiring:   h.wiring,
	})
	return code, stdout.String(), stderr.String()
}

func (h *harness) writeConfig(body string, mode os.FileMode) string {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), "tonearm.conf")
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		h.t.Fatal(err)
	}
	return path
}

func TestParseArgs(t *testing.T) {
	cases := []struct {
		args    []string
		command string
		check   func(*invocation) bool
	}{
		{nil, "run", func(i *invocation) bool { return true }},
		{[]string{"-vvv"}, "run", func(i *invocation) bool { return i.verbose == 3 }},
		{[]string{"-v", "-v", "config"}, "config", func(i *invocation) bool { return i.verbose == 2 }},
		{[]string{"config", "-q"}, "config", func(i *invocation) bool { return i.quiet }},
		{[]string{"--config", "a.conf:b.conf", "-o", "mpd/port=1", "-o", "http/port=2", "doctor"}, "doctor",
			func(i *invocation) bool {
				return i.configFiles == "a.conf:b.conf" && slices.Equal(i.overrides, []string{"mpd/port=1", "http/port=2"})
			}},
		{[]string{"local", "scan", "--force"}, "local scan", func(i *invocation) bool { return i.force }},
		{[]string{"local", "scan"}, "local scan", func(i *invocation) bool { return !i.force }},
		{[]string{"secret", "set", "token", "-o", "core/config_dir=/x"}, "secret set", func(i *invocation) bool {
			return slices.Equal(i.args, []string{"token"}) && len(i.overrides) == 1
		}},
		{[]string{"--allow-root"}, "run", func(i *invocation) bool { return i.allowRoot }},
	}
	for _, tc := range cases {
		inv, err := parseArgs(tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err != nil {
			t.Errorf("parseArgs(%q): %v", tc.args, err)
			continue
		}
		if inv.command != tc.command || !tc.check(inv) {
			t.Errorf("parseArgs(%q) = %+v", tc.args, inv)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := map[string][]string{
		`unknown command "play"`:             {"play"},
		"local needs a subcommand":           {"local"},
		"secret set takes 1 argument(s)":     {"secret", "set"},
		"secret rm takes 1 argument(s)":      {"secret", "rm", "a", "b"},
		"flag provided but not defined: -x":  {"-x"},
		"config: flag provided but not def":  {"config", "--force"},
		"secret needs a subcommand: set, li": {"secret", "get"},
	}
	for want, args := range cases {
		h := newHarness(t)
		code, _, stderr := h.run(context.Background(), args...)
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, ExitUsage)
		}
		if !strings.Contains(stderr, want) {
			t.Errorf("%q: stderr %q lacks %q", args, stderr, want)
		}
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"config", "--help"}, {"local", "scan", "-h"},
		{"secret", "set", "--help"}, {"doctor", "--help"}} {
		code, stdout, _ := h.run(context.Background(), args...)
		if code != ExitOK {
			t.Errorf("%q: exit %d", args, code)
		}
		if !strings.Contains(stdout, "Usage: tonearm") || !strings.Contains(stdout, "-o SECTION/KEY=VALUE") {
			t.Errorf("%q: help lacks usage or options:\n%s", args, stdout)
		}
	}
	_, stdout, _ := h.run(context.Background(), "local", "scan", "--help")
	if !strings.Contains(stdout, "--force") {
		t.Errorf("local scan help lacks --force:\n%s", stdout)
	}
}

// recorder is a Component that records its calls in a shared log.
type recorder struct {
	name     string
	events   *[]string
	mu       *sync.Mutex
	startErr error
	runErr   error
	run      bool
}

func (c *recorder) Name() string { return c.name }

func (c *recorder) note(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.events = append(*c.events, s+" "+c.name)
}

func (c *recorder) Start(context.Context) error {
	c.note("start")
	return c.startErr
}

func (c *recorder) Stop(context.Context) error {
	c.note("stop")
	return nil
}

// waitEvents polls until events, guarded by mu, contains at least n
// entries, and fails the test after 30 s.
func waitEvents(t *testing.T, mu *sync.Mutex, events *[]string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(*events)
		mu.Unlock()
		if len(got) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events after 30 s: %v, want at least %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type runningRecorder struct{ *recorder }

func (c runningRecorder) Run(ctx context.Context) error {
	if c.runErr != nil {
		return c.runErr
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestServerStartStopOrder(t *testing.T) {
	var events []string
	var mu sync.Mutex
	mk := func(name string) *recorder { return &recorder{name: name, events: &events, mu: &mu} }
	names := []string{"mixer", "audio", "backend", "core", "frontend"}
	h := newHarness(t)
	h.wiring = Wiring{Components: func(context.Context, Env) ([]Component, error) {
		var comps []Component
		for _, n := range names {
			comps = append(comps, runningRecorder{mk(n)})
		}
		return comps, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		code, _, _ := h.run(ctx, "-o", "mpd/port=0")
		done <- code
	}()
	waitEvents(t, &mu, &events, len(names))
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	want := []string{"start mixer", "start audio", "start backend", "start core", "start frontend",
		"stop frontend", "stop core", "stop backend", "stop audio", "stop mixer"}
	if !slices.Equal(events, want) {
		t.Errorf("events = %v\nwant %v", events, want)
	}
}

func TestServerStartFailureStopsStarted(t *testing.T) {
	var events []string
	var mu sync.Mutex
	h := newHarness(t)
	h.wiring = Wiring{Components: func(context.Context, Env) ([]Component, error) {
		return []Component{
			&recorder{name: "a", events: &events, mu: &mu},
			&recorder{name: "b", events: &events, mu: &mu, startErr: errors.New("port in use")},
			&recorder{name: "c", events: &events, mu: &mu},
		}, nil
	}}
	code, _, stderr := h.run(context.Background())
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "start b: port in use") {
		t.Errorf("stderr lacks the start error:\n%s", stderr)
	}
	if want := []string{"start a", "start b", "stop a"}; !slices.Equal(events, want) {
		t.Errorf("events = %v, want %v", events, want)
	}
}

func TestServerRunnerFailureStops(t *testing.T) {
	var events []string
	var mu sync.Mutex
	h := newHarness(t)
	h.wiring = Wiring{Components: func(context.Context, Env) ([]Component, error) {
		return []Component{
			runningRecorder{&recorder{name: "a", events: &events, mu: &mu}},
			runningRecorder{&recorder{name: "b", events: &events, mu: &mu, runErr: errors.New("listener died")}},
		}, nil
	}}
	code, _, stderr := h.run(context.Background())
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "b: listener died") {
		t.Errorf("stderr lacks the run error:\n%s", stderr)
	}
	if want := []string{"start a", "start b", "stop b", "stop a"}; !slices.Equal(events, want) {
		t.Errorf("events = %v, want %v", events, want)
	}
}

func TestRefusesRoot(t *testing.T) {
	h := newHarness(t)
	h.uid = 0
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, stderr := h.run(ctx)
	if code != ExitFailure || !strings.Contains(stderr, "refusing to run as root") {
		t.Errorf("exit %d, stderr %q; want a refusal", code, stderr)
	}
	for _, args := range [][]string{{"--allow-root"}, {"-o", "core/allow_root=true"}} {
		code, _, stderr = h.run(ctx, args...)
		if code != ExitOK {
			t.Errorf("%q: exit %d, stderr %s", args, code, stderr)
		}
	}
}

func TestDataDirModes(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, _, stderr := h.run(ctx); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, dir := range []string{".local/share/tonearm", ".cache/tonearm"} {
		st, err := os.Stat(filepath.Join(h.home, dir))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %04o, want 0700", dir, st.Mode().Perm())
		}
	}

	data := filepath.Join(h.home, ".local/share/tonearm")
	leak := filepath.Join(data, "state.json")
	if err := os.WriteFile(leak, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := h.run(ctx)
	if code != ExitFailure {
		t.Errorf("exit %d with a 0644 data file, want 1", code)
	}
	if want := "run: chmod -R go-rwx " + data; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

func TestSecretCommands(t *testing.T) {
	h := newHarness(t)
	h.stdin = planted + "\n"
	code, stdout, stderr := h.run(context.Background(), "secret", "set", "mpd_pw")
	if code != ExitOK {
		t.Fatalf("secret set: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, planted) {
		t.Error("secret set printed the value")
	}
	code, stdout, _ = h.run(context.Background(), "secret", "list")
	if code != ExitOK || stdout != "mpd_pw\n" {
		t.Errorf("secret list: exit %d, %q", code, stdout)
	}

	// The stored secret resolves from a config reference, and the server
	// logs never show it.
	cfg := h.writeConfig("[mpd]\npasswords = secret:mpd_pw@read\n", 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, stderr = h.run(ctx, "--config", cfg, "-v", "-v", "-v", "-v")
	if code != ExitOK {
		t.Fatalf("run with secret:mpd_pw: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, planted) {
		t.Errorf("output contains the secret:\n%s%s", stdout, stderr)
	}

	code, _, _ = h.run(context.Background(), "secret", "rm", "mpd_pw")
	if code != ExitOK {
		t.Errorf("secret rm: exit %d", code)
	}
	code, stdout, _ = h.run(context.Background(), "secret", "list")
	if code != ExitOK || stdout != "" {
		t.Errorf("secret list after rm: exit %d, %q", code, stdout)
	}
	code, _, stderr = h.run(context.Background(), "secret", "rm", "mpd_pw")
	if code != ExitFailure || !strings.Contains(stderr, "secret not found") {
		t.Errorf("second rm: exit %d, %s", code, stderr)
	}
}

func TestSecretHash(t *testing.T) {
	h := newHarness(t)
	h.stdin = "kitchen\n"
	code, stdout, stderr := h.run(context.Background(), "secret", "hash")
	if code != ExitOK || !strings.HasPrefix(stdout, "$argon2id$v=19$") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	cfg := h.writeConfig("[mpd]\nhostname = 0.0.0.0\npasswords = "+strings.TrimSpace(stdout)+"@read\n", 0o600)
	code, _, stderr = h.run(context.Background(), "--config", cfg, "config")
	if code != ExitOK {
		t.Errorf("config with the printed hash: exit %d: %s", code, stderr)
	}
}

func TestConfigCommandMasks(t *testing.T) {
	h := newHarness(t)
	h.env["PROXY_PW"] = planted
	cfg := h.writeConfig("[mpd]\npassword = "+planted+"\n\n[proxy]\nscheme = http\nhostname = p.example\n"+
		"password = env:PROXY_PW\n\n[spotify]\nenabled = true\n", 0o600)
	code, stdout, stderr := h.run(context.Background(), "--config", cfg, "config")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, planted) {
		t.Errorf("config output contains the secret:\n%s", stdout)
	}
	for _, want := range []string{"password = ********\n", "password = env:PROXY_PW\n",
		"; warning: " + cfg + ": [spotify] ignored"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("config output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestConfigCommandErrors(t *testing.T) {
	h := newHarness(t)
	cfg := h.writeConfig("[mpd]\nport = 66000\n\n[http]\nhostname = -bad-\n", 0o600)
	code, stdout, _ := h.run(context.Background(), "--config", cfg, "config")
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{`; error: ` + cfg + `: [mpd] port = "66000": invalid port, must be 0..65535`,
		`[http] hostname = "-bad-": invalid hostname`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestReadableSecretConfigRefused(t *testing.T) {
	h := newHarness(t)
	cfg := h.writeConfig("[mpd]\npassword = "+planted+"\n", 0o644)
	code, stdout, stderr := h.run(context.Background(), "--config", cfg)
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "run: chmod 600 " + cfg; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if strings.Contains(stdout+stderr, planted) {
		t.Error("output contains the secret")
	}
}

func TestDoctor(t *testing.T) {
	h := newHarness(t)
	code, stdout, _ := h.run(context.Background(), "doctor")
	if code != ExitOK || !strings.Contains(stdout, "no insecure settings found") {
		t.Errorf("doctor on defaults: exit %d:\n%s", code, stdout)
	}

	h.uid = 0
	cfg := h.writeConfig("[mpd]\nhostname = 0.0.0.0\nallow_unauthenticated = true\n"+
		"\n[http]\nhostname = ::\nallow_unauthenticated = true\ncsrf_protection = false\n", 0o666)
	code, stdout, _ = h.run(context.Background(), "--config", cfg, "doctor")
	if code != ExitFailure {
		t.Errorf("doctor on an insecure config: exit %d, want 1", code)
	}
	for _, want := range []string{
		"Tonearm runs as root",
		"MPD listens on 0.0.0.0:6600 without a password",
		"HTTP on [::]:6680 lets anyone in without a login",
		"HTTP on [::]:6680 is plain HTTP",
		"csrf_protection = false",
		"run: chmod go-w " + cfg,
		"fix: ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDoctorMissingPrograms(t *testing.T) {
	h := newHarness(t)
	h.lookPath = func(file string) (string, error) {
		if file == "flac" {
			return "/usr/bin/flac", nil
		}
		return "", exec.ErrNotFound
	}
	code, stdout, _ := h.run(context.Background(), "doctor")
	if code != ExitOK {
		t.Errorf("exit %d, want 0: a missing program is no insecure setting", code)
	}
	if !strings.Contains(stdout, "MISSING: ffmpeg not found in PATH") {
		t.Errorf("doctor output lacks the missing ffmpeg:\n%s", stdout)
	}
	if !strings.Contains(stdout, "install the Debian package ffmpeg") {
		t.Errorf("doctor output lacks the package to install:\n%s", stdout)
	}
	if strings.Contains(stdout, "MISSING: flac") {
		t.Errorf("doctor reports flac, which was found:\n%s", stdout)
	}
}

func TestDoctorPlainPasswordAndReadableFiles(t *testing.T) {
	h := newHarness(t)
	cfg := h.writeConfig("[mpd]\npassword = "+planted+"\n", 0o644)
	data := filepath.Join(h.home, ".local/share/tonearm")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := h.run(context.Background(), "--config", cfg, "doctor")
	if code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"plain-text password", "run: chmod 600 " + cfg,
		"run: chmod -R go-rwx " + data} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, planted) {
		t.Error("doctor printed the secret")
	}
}

// scannerStub records the calls the local commands make; the real
// library is wired in by the lead.
type scannerStub struct {
	force, cleared, closed bool
}

func (s *scannerStub) Scan(_ context.Context, force bool) (ScanSummary, error) {
	s.force = force
	return ScanSummary{Scanned: 3, Added: 2, Failed: 1}, nil
}
func (s *scannerStub) Clear(context.Context) error { s.cleared = true; return nil }
func (s *scannerStub) Close() error                { s.closed = true; return nil }

func TestLocalCommands(t *testing.T) {
	h := newHarness(t)
	code, _, stderr := h.run(context.Background(), "local", "scan")
	if code != ExitFailure || !strings.Contains(stderr, "this build has no local library") {
		t.Errorf("default wiring: exit %d, %s", code, stderr)
	}

	stub := &scannerStub{}
	h.wiring = Wiring{NewScanner: func(context.Context, Env) (LibraryScanner, error) { return stub, nil }}
	code, stdout, stderr := h.run(context.Background(), "local", "scan", "--force")
	if code != ExitOK || !stub.force || !stub.closed {
		t.Errorf("scan: exit %d, stub %+v, %s", code, stub, stderr)
	}
	if !strings.Contains(stdout, "scanned 3 files") {
		t.Errorf("scan output %q", stdout)
	}
	code, _, _ = h.run(context.Background(), "local", "clear")
	if code != ExitOK || !stub.cleared {
		t.Errorf("clear: exit %d, stub %+v", code, stub)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := newHarness(t).run(context.Background(), "version")
	if code != ExitOK || !strings.HasPrefix(stdout, "tonearm "+Version) {
		t.Errorf("exit %d, %q", code, stdout)
	}
}

func TestFuncsComponent(t *testing.T) {
	var events []string
	var mu sync.Mutex
	note := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, s)
	}
	h := newHarness(t)
	h.wiring = Wiring{Components: func(context.Context, Env) ([]Component, error) {
		return []Component{
			Funcs{ComponentName: "plain", StopFunc: func(context.Context) error {
				note("stop plain")
				return nil
			}}.Component(),
			Funcs{ComponentName: "loop",
				StartFunc: func(context.Context) error { note("start loop"); return nil },
				RunFunc: func(ctx context.Context) error {
					note("run loop")
					<-ctx.Done()
					return nil
				}}.Component(),
		}, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		code, _, _ := h.run(ctx)
		done <- code
	}()
	waitEvents(t, &mu, &events, 2)
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if want := []string{"start loop", "run loop", "stop plain"}; !slices.Equal(events, want) {
		t.Errorf("events = %v, want %v", events, want)
	}
}
