package extension

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonearm/tonearm/internal/audio/audiotest"
	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/extension/manifest"
	"github.com/tonearm/tonearm/internal/extension/pkg"
	"github.com/tonearm/tonearm/internal/sandbox"
)

// binaries holds the paths of the extension programs TestMain builds.
var binaries = map[string]string{}

func TestMain(m *testing.M) {
	sandbox.RunChildIfRequested()
	dir, err := os.MkdirTemp("", "tonearm-ext-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		for name, pkgPath := range map[string]string{"hello": "./examples/hello", "hostile": "./internal/hostile"} {
			out := filepath.Join(dir, name)
			if err := buildSDKProgram(pkgPath, out); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			binaries[name] = out
		}
		return m.Run()
	}()
	os.Exit(code)
}

// buildSDKProgram builds a program of the extsdk module as a static
// binary, as docs/extensions.md describes.
func buildSDKProgram(pkgPath, out string) error {
	goTool := filepath.Join(runtimeGOROOT(), "bin", "go")
	cmd := exec.Command(goTool, "build", "-o", out, pkgPath)
	cmd.Dir = filepath.Join("..", "..", "extsdk")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v: %s", pkgPath, err, b)
	}
	return nil
}

func runtimeGOROOT() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "/usr/local/go"
	}
	return strings.TrimSpace(string(out))
}

// logBuffer collects log output for checks.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// server is a core with the test player and an extension host.
type server struct {
	host      *Host
	core      *core.Core
	player    *audiotest.Player
	logs      *logBuffer
	auditPath string
}

// install packs, signs and installs an extension built by TestMain.
func install(t *testing.T, dir string, m *manifest.Manifest, binary string) pkg.Installed {
	t.Helper()
	exe, err := os.ReadFile(binaries[binary])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pkg.Build(&buf, m, []pkg.File{{Name: m.Executable, Data: exe, Executable: true}}); err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := pkg.Sign(buf.Bytes(), priv)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := pkg.Install(pkg.InstallOptions{Dir: dir, Package: buf.Bytes(), Signature: sig, Trusted: []ed25519.PublicKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func helloManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "extsdk", "examples", "hello", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startServer installs nothing itself: it runs a host over dir's
// installed extensions, a core and a real-clock test player.
func startServer(t *testing.T, dir string) *server {
	t.Helper()
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	auditPath := filepath.Join(t.TempDir(), "audit.log")
	al, err := audit.Open(auditPath, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	h, err := New(Options{
		Dir:     dir,
		Audit:   al,
		Logger:  logger,
		Backoff: Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond, MaxRestarts: 20},
		// Generous times, because other jobs may load the machine.
		Limits:   Limits{StartTimeout: 30 * time.Second, CallTimeout: 30 * time.Second},
		Settings: map[string]map[string]string{"hello": {"greeting": "good evening"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	player := audiotest.New(audiotest.Options{TrackLength: func(string) time.Duration { return time.Hour }})
	t.Cleanup(func() { player.Close() })
	c, err := core.New(core.Options{Player: player, Backends: h.Backends(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := h.Start(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	return &server{host: h, core: c, player: player, logs: logs, auditPath: auditPath}
}

// waitRunning waits until the extension has started at least starts
// times and runs.
func (s *server) waitRunning(t *testing.T, name string, starts int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, st := range s.host.Status() {
			if st.Name == name && st.State == "running" && s.countAudit(t, audit.ExtensionStarted, name) >= starts {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("extension %s not running with %d starts after 60 s: status %+v", name, starts, s.host.Status())
}

// auditEvents returns the audit records of one kind for one extension.
func (s *server) auditEvents(t *testing.T, kind, name string) []audit.Event {
	t.Helper()
	data, err := os.ReadFile(s.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	// The last element is empty, or a record still being written.
	lines = lines[:len(lines)-1]
	var out []audit.Event
	for _, line := range lines {
		var e audit.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if e.Kind == kind && e.Principal == "extension:"+name {
			out = append(out, e)
		}
	}
	return out
}

func (s *server) countAudit(t *testing.T, kind, name string) int {
	return len(s.auditEvents(t, kind, name))
}

// waitAudit waits for an audit record of kind whose detail contains
// substr.
func (s *server) waitAudit(t *testing.T, kind, name, substr string) audit.Event {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range s.auditEvents(t, kind, name) {
			if strings.Contains(e.Detail, substr) {
				return e
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s audit record for %s containing %q", kind, name, substr)
	return audit.Event{}
}
