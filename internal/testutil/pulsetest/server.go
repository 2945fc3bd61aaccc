// Package pulsetest runs a real PulseAudio server for tests, records what
// a sink plays and measures the recording: length of sound, level,
// frequency and gaps.
//
// Tests use the server named by PULSE_SERVER, as scripts/test starts one,
// or else a private server started for the test. Each test records its own
// null sink from NewSink, so tests sharing one server do not hear each
// other.
package pulsetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// debianPackage maps each PulseAudio program to the Debian package that
// ships it.
var debianPackage = map[string]string{
	"pulseaudio": "pulseaudio",
	"pactl":      "pulseaudio-utils",
	"parec":      "pulseaudio-utils",
	"paplay":     "pulseaudio-utils",
}

// requireTool fails the test when a program is missing, naming the Debian
// package that ships it.
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		pkg := debianPackage[name]
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s): %v", name, pkg, pkg, err)
	}
}

// Require returns the address of a PulseAudio server for the test, in the
// form PULSE_SERVER takes ("unix:/path/native"). It uses $PULSE_SERVER when
// set and fails the test when that server does not respond. Otherwise it
// starts a private server in its own runtime directory, which is stopped
// when the test ends.
func Require(t testing.TB) string {
	t.Helper()
	requireTool(t, "pactl")
	if addr := os.Getenv("PULSE_SERVER"); addr != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ping(ctx, addr); err != nil {
			t.Fatalf("PulseAudio at PULSE_SERVER=%s does not respond: %v: start it (scripts/test does) or unset PULSE_SERVER to let the test start its own", addr, err)
		}
		return addr
	}
	return startPrivate(t)
}

// ping runs pactl info against addr.
func ping(ctx context.Context, addr string) error {
	_, err := pactl(ctx, addr, "info")
	return err
}

// pactl runs pactl against addr and returns its standard output.
func pactl(ctx context.Context, addr string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "pactl", append([]string{"--server", addr}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pactl %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return string(out), nil
}

// startPrivate starts a PulseAudio server as a child of the test process
// and stops it, by its PID, when the test ends.
func startPrivate(t testing.TB) string {
	t.Helper()
	requireTool(t, "pulseaudio")
	// A short path under the system temp dir, because a Unix socket path
	// must fit in 108 bytes and t.TempDir paths grow with the test name.
	dir, err := os.MkdirTemp("", "pulsetest-")
	if err != nil {
		t.Fatalf("create PulseAudio runtime dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "native")
	logPath := filepath.Join(dir, "pulseaudio.log")

	// auth-anonymous lets clients without the cookie connect, and the
	// socket's 0700 parent directory keeps other users out.
	cmd := exec.Command("pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
		"--disallow-exit=yes", "--use-pid-file=no", "--log-target=file:"+logPath,
		"-L", "module-native-protocol-unix auth-anonymous=1 socket="+socket,
		"-L", "module-null-sink sink_name="+DefaultSink+" rate=48000 channels=2 norewinds=1")
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "HOME="+dir, "PULSE_SERVER=")
	cmd.Dir = dir
	server, err := start(cmd)
	if err != nil {
		t.Fatalf("start pulseaudio: %v", err)
	}
	t.Cleanup(func() { _ = server.stop(t, syscall.SIGTERM) })

	addr := "unix:" + socket
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := ping(ctx, addr)
		cancel()
		if err == nil {
			return addr
		}
		if server.exited() {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("pulseaudio exited at start: %v\n%s", server.err, log)
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("pulseaudio did not respond within 10 s: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
