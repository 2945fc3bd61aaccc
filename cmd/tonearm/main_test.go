package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const planted = "Planted-Secret-e2e-5aa5"

// buildBinary compiles tonearm into a temporary folder once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tonearm")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binary runs the built tonearm with a private home and no XDG variables.
type binary struct {
	t    *testing.T
	path string
	home string
	env  []string
}

func newBinary(t *testing.T, path string) *binary {
	home := t.TempDir()
	return &binary{t: t, path: path, home: home,
		env: []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "PROXY_PW=" + planted}}
}

// syncBuffer lets a test read output while the process still writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (b *binary) command(args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	cmd := exec.Command(b.path, args...)
	cmd.Env = b.env
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

func (b *binary) run(args ...string) (int, string, string) {
	b.t.Helper()
	cmd, stdout, stderr := b.command(args...)
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		b.t.Fatalf("run %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func (b *binary) writeConfig(body string, mode os.FileMode) string {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), "tonearm.conf")
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		b.t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		b.t.Fatal(err)
	}
	return path
}

func TestBinary(t *testing.T) {
	bin := buildBinary(t)

	t.Run("help", func(t *testing.T) {
		code, stdout, _ := newBinary(t, bin).run("--help")
		if code != 0 || !strings.Contains(stdout, "Usage: tonearm [OPTIONS] [COMMAND]") {
			t.Errorf("exit %d:\n%s", code, stdout)
		}
		for _, cmd := range []string{"config", "version", "doctor", "local scan", "secret set"} {
			if !strings.Contains(stdout, "  "+cmd) {
				t.Errorf("help does not list %q", cmd)
			}
		}
	})

	t.Run("command help", func(t *testing.T) {
		code, stdout, _ := newBinary(t, bin).run("doctor", "--help")
		if code != 0 || !strings.Contains(stdout, "Usage: tonearm [OPTIONS] doctor") {
			t.Errorf("exit %d:\n%s", code, stdout)
		}
	})

	t.Run("version", func(t *testing.T) {
		code, stdout, _ := newBinary(t, bin).run("version")
		if code != 0 || !strings.HasPrefix(stdout, "tonearm ") {
			t.Errorf("exit %d: %q", code, stdout)
		}
	})

	t.Run("unknown command", func(t *testing.T) {
		code, _, stderr := newBinary(t, bin).run("frobnicate")
		if code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})

	t.Run("config masks secrets", func(t *testing.T) {
		b := newBinary(t, bin)
		cfg := b.writeConfig("[mpd]\npassword = "+planted+"\n\n[proxy]\nscheme = http\n"+
			"hostname = p.example\npassword = env:PROXY_PW\n", 0o600)
		code, stdout, stderr := b.run("--config", cfg, "config")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.Contains(stdout+stderr, planted) {
			t.Errorf("config printed the secret:\n%s", stdout)
		}
		if !strings.Contains(stdout, "password = ********") {
			t.Errorf("config output lacks the mask:\n%s", stdout)
		}
	})

	t.Run("readable config with secret", func(t *testing.T) {
		b := newBinary(t, bin)
		cfg := b.writeConfig("[mpd]\npassword = "+planted+"\n", 0o644)
		code, stdout, stderr := b.run("--config", cfg, "--allow-root")
		if code != 1 || !strings.Contains(stderr, "run: chmod 600 "+cfg) {
			t.Errorf("exit %d: %s", code, stderr)
		}
		if strings.Contains(stdout+stderr, planted) {
			t.Error("output contains the secret")
		}
	})

	t.Run("doctor on insecure config", func(t *testing.T) {
		b := newBinary(t, bin)
		cfg := b.writeConfig("[mpd]\nhostname = 0.0.0.0\nallow_unauthenticated = true\n"+
			"password = "+planted+"\n\n[http]\nhostname = 0.0.0.0\nallow_unauthenticated = true\n", 0o600)
		code, stdout, stderr := b.run("--config", cfg, "doctor")
		if code != 1 {
			t.Errorf("exit %d, want 1:\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{"plain-text password", "HTTP on 0.0.0.0:6680 lets anyone in",
			"HTTP on 0.0.0.0:6680 is plain HTTP", "MPD on 0.0.0.0:6600 receives passwords in clear text"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("doctor output lacks %q:\n%s", want, stdout)
			}
		}
		if strings.Contains(stdout+stderr, planted) {
			t.Error("doctor printed the secret")
		}
	})

	t.Run("server stops on SIGTERM", func(t *testing.T) {
		b := newBinary(t, bin)
		cfg := b.writeConfig("[mpd]\nport = 0\npasswords = env:PROXY_PW@read\n\n[http]\nport = 0\n", 0o600)
		cmd, stdout, stderr := b.command("--config", cfg, "--allow-root", "-vvvv")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(stderr.String(), "component started") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("server exit: %v\n%s", err, stderr)
		}
		out := stdout.String() + stderr.String()
		for _, want := range []string{"starting tonearm", "reason=signal", "tonearm stopped"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, planted) {
			t.Errorf("log contains the secret:\n%s", out)
		}
		data := filepath.Join(b.home, ".local/share/tonearm")
		st, err := os.Stat(data)
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("data dir %s: %v, mode %v", data, err, st)
		}
	})

	t.Run("secret round trip", func(t *testing.T) {
		b := newBinary(t, bin)
		cmd, _, stderr := b.command("--allow-root", "secret", "set", "token")
		cmd.Stdin = strings.NewReader(planted + "\n")
		if err := cmd.Run(); err != nil {
			t.Fatalf("secret set: %v: %s", err, stderr)
		}
		code, stdout, _ := b.run("--allow-root", "secret", "list")
		if code != 0 || stdout != "token\n" {
			t.Errorf("secret list: exit %d, %q", code, stdout)
		}
		for _, name := range []string{"secrets.key", "secrets.age"} {
			st, err := os.Stat(filepath.Join(b.home, ".config/tonearm", name))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, mode %v", name, err, st)
			}
		}
	})
}
