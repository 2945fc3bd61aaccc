package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperMarker makes the test binary act as the confined program.
const helperMarker = "__sandbox_test_helper"

// Exit statuses of the helper.
const (
	helperOK     = 0
	helperDenied = 3
	helperUsage  = 4
)

func TestMain(m *testing.M) {
	RunChildIfRequested()
	if len(os.Args) > 1 && os.Args[1] == helperMarker {
		os.Exit(runHelper(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// runHelper performs one action that the sandbox may forbid and exits with
// helperDenied, printing the error, when it fails.
func runHelper(args []string) int {
	if len(args) < 1 {
		return helperUsage
	}
	arg := ""
	if len(args) > 1 {
		arg = args[1]
	}
	var err error
	switch args[0] {
	case "read":
		_, err = os.ReadFile(arg)
	case "write":
		err = os.WriteFile(arg, []byte("x"), 0o600)
	case "connect":
		var c net.Conn
		c, err = net.DialTimeout("tcp", arg, 5*time.Second)
		if err == nil {
			c.Close()
		}
	case "udp":
		var c net.Conn
		c, err = net.Dial("udp", arg)
		if err == nil {
			_, err = c.Write([]byte("x"))
			c.Close()
		}
	case "alloc":
		err = allocate(8 << 30)
	case "fork":
		err = exec.Command(arg).Run()
	case "threads":
		err = startThreads(8)
	case "env":
		fmt.Print(len(os.Environ()))
	default:
		return helperUsage
	}
	if err != nil {
		fmt.Print(err)
		return helperDenied
	}
	return helperOK
}

// allocate touches up to n bytes in 64 MiB blocks and keeps them alive.
func allocate(n int) error {
	var keep [][]byte
	for total := 0; total < n; total += 64 << 20 {
		b := make([]byte, 64<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
	}
	runtime.KeepAlive(keep)
	return nil
}

// startThreads starts n goroutines locked to their own OS threads.
func startThreads(n int) error {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			time.Sleep(10 * time.Millisecond)
		}()
	}
	wg.Wait()
	return nil
}

// helperResult is what a confined helper printed and how it exited.
type helperResult struct {
	out  string
	code int
	err  error
}

func runConfined(t *testing.T, p Policy, args ...string) helperResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p.ReadOnly = append(p.ReadOnly, exe)
	p.ReadOnly = append(p.ReadOnly, SystemReadOnly()...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, err := Command(ctx, p, exe, append([]string{helperMarker}, args...)...)
	if err != nil {
		t.Fatalf("Command: %v", err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ExitedAtSetup(err) {
		t.Fatalf("sandbox setup failed: %s", stderr.String())
	}
	res := helperResult{out: stdout.String() + stderr.String(), err: err, code: cmd.ProcessState.ExitCode()}
	t.Logf("helper %v: exit %d, output %q", args, res.code, res.out)
	return res
}

func requireLandlock(t *testing.T) {
	t.Helper()
	if abi := ABI(); abi < MinABI {
		t.Fatalf("kernel Landlock ABI %d, tests need %d: run on Linux 6.12 or later with Landlock enabled", abi, MinABI)
	}
}

func TestReadOutsideGrantDenied(t *testing.T) {
	requireLandlock(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runConfined(t, Policy{}, "read", secret)
	if res.code != helperDenied || !strings.Contains(res.out, "permission denied") {
		t.Errorf("read outside grant: exit %d, output %q; want exit %d with permission denied",
			res.code, res.out, helperDenied)
	}
	res = runConfined(t, Policy{ReadOnly: []string{dir}}, "read", secret)
	if res.code != helperOK {
		t.Errorf("read inside grant: exit %d, output %q; want success", res.code, res.out)
	}
}

func TestWriteNeedsGrant(t *testing.T) {
	requireLandlock(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "out")
	res := runConfined(t, Policy{ReadOnly: []string{dir}}, "write", target)
	if res.code != helperDenied {
		t.Errorf("write to read-only grant: exit %d, output %q; want exit %d", res.code, res.out, helperDenied)
	}
	res = runConfined(t, Policy{ReadWrite: []string{dir}, Limits: Limits{FileSizeBytes: 1 << 20}}, "write", target)
	if res.code != helperOK {
		t.Errorf("write to read-write grant: exit %d, output %q; want success", res.code, res.out)
	}
}

func TestFileSizeLimitZero(t *testing.T) {
	requireLandlock(t)
	dir := t.TempDir()
	res := runConfined(t, Policy{ReadWrite: []string{dir}}, "write", filepath.Join(dir, "out"))
	if res.code == helperOK {
		t.Errorf("write with RLIMIT_FSIZE 0 succeeded; want failure")
	}
}

func listen(t *testing.T) (string, uint16) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	return l.Addr().String(), uint16(p)
}

func TestConnectTCPNeedsGrant(t *testing.T) {
	requireLandlock(t)
	addr, port := listen(t)
	for _, seccomp := range []bool{false, true} {
		res := runConfined(t, Policy{Seccomp: seccomp}, "connect", addr)
		if res.code != helperDenied {
			t.Errorf("connect without grant (seccomp %v): exit %d, output %q; want exit %d",
				seccomp, res.code, res.out, helperDenied)
		}
	}
	res := runConfined(t, Policy{ConnectTCP: []uint16{port}, Seccomp: true}, "connect", addr)
	if res.code != helperOK {
		t.Errorf("connect with grant: exit %d, output %q; want success", res.code, res.out)
	}
}

func TestSeccompDeniesUDP(t *testing.T) {
	requireLandlock(t)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	res := runConfined(t, Policy{Seccomp: true, ConnectTCP: []uint16{1}}, "udp", pc.LocalAddr().String())
	if res.code != helperDenied {
		t.Errorf("UDP send under seccomp: exit %d, output %q; want exit %d", res.code, res.out, helperDenied)
	}
}

func TestMemoryLimitKills(t *testing.T) {
	requireLandlock(t)
	if raceEnabled {
		// The race detector reserves more address space than the limit
		// allows, so the Go helper would fail at start whatever it does.
		return
	}
	res := runConfined(t, Policy{Limits: Limits{DataBytes: 256 << 20}}, "alloc")
	if res.code == helperOK || res.err == nil {
		t.Fatalf("allocating 8 GiB under a 256 MiB limit succeeded")
	}
	if !strings.Contains(res.out, "out of memory") {
		t.Errorf("output %q does not mention out of memory", res.out)
	}
}

func TestAddressSpaceLimit(t *testing.T) {
	requireLandlock(t)
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s missing: install the Debian package python3", python)
	}
	p := Policy{ReadOnly: SystemReadOnly(), Limits: Limits{AddressSpaceBytes: 1 << 30}}
	run := func(bytes int) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd, err := Command(ctx, p, python, "-c", fmt.Sprintf("b = bytearray(%d); b[-1] = 1", bytes))
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(64 << 20); err != nil {
		t.Fatalf("allocating 64 MiB under a 1 GiB limit failed: %v: %s", err, out)
	}
	out, err := run(2 << 30)
	if err == nil {
		t.Fatalf("allocating 2 GiB under a 1 GiB limit succeeded")
	}
	if !strings.Contains(out, "MemoryError") {
		t.Errorf("output %q does not mention MemoryError", out)
	}
}

func TestSeccompDeniesFork(t *testing.T) {
	requireLandlock(t)
	res := runConfined(t, Policy{Seccomp: true, ReadWrite: []string{"/dev/null"}}, "fork", "/usr/bin/true")
	if res.code != helperDenied || !strings.Contains(res.out, "operation not permitted") {
		t.Errorf("fork under seccomp: exit %d, output %q; want exit %d with operation not permitted",
			res.code, res.out, helperDenied)
	}
	res = runConfined(t, Policy{Seccomp: true}, "threads")
	if res.code != helperOK {
		t.Errorf("threads under seccomp: exit %d, output %q; want success", res.code, res.out)
	}
	res = runConfined(t, Policy{ReadWrite: []string{"/dev/null"}}, "fork", "/usr/bin/true")
	if res.code != helperOK {
		t.Errorf("fork without seccomp: exit %d, output %q; want success", res.code, res.out)
	}
}

func TestEnvironmentEmpty(t *testing.T) {
	requireLandlock(t)
	t.Setenv("TONEARM_SANDBOX_TEST_SECRET", "x")
	res := runConfined(t, Policy{}, "env")
	if res.code != helperOK || res.out != "0" {
		t.Errorf("environment in child: exit %d, output %q; want 0 variables", res.code, res.out)
	}
}

func TestCommandKilledOnCancel(t *testing.T) {
	requireLandlock(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := Command(ctx, Policy{ReadOnly: SystemReadOnly()}, "/usr/bin/sleep", "60")
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cancel()
	err = cmd.Wait()
	if err == nil {
		t.Fatalf("Wait after cancel returned nil; want the kill")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Wait took %v after cancel", d)
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		t.Errorf("Wait hit WaitDelay: %v", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	cases := []struct {
		name string
		p    Policy
		ok   bool
	}{
		{"zero", Policy{}, true},
		{"relative path", Policy{ReadOnly: []string{"usr"}}, false},
		{"unclean path", Policy{ReadWrite: []string{"/tmp/../etc"}}, false},
		{"port zero", Policy{ConnectTCP: []uint16{0}}, false},
		{"ports", Policy{ConnectTCP: []uint16{80}, BindTCP: []uint16{8080}}, true},
	}
	for _, tc := range cases {
		err := tc.p.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
