package extension

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tonearm/tonearm/internal/audit"
	"github.com/tonearm/tonearm/internal/core"
	"github.com/tonearm/tonearm/internal/core/scope"
	"github.com/tonearm/tonearm/internal/extension/pkg"
	"github.com/tonearm/tonearm/internal/jsonrpc"
	"github.com/tonearm/tonearm/internal/models"
	"github.com/tonearm/tonearm/internal/sandbox"
)

// Bounds on what the host keeps of an extension's standard error.
const (
	stderrLineMax = 1024
	stderrLogMax  = 50 // lines logged per run; the rest are counted
	stderrTail    = 8  // lines kept for the crash report
)

// pipeDrainWait bounds the wait for a killed process's output to end.
const pipeDrainWait = 5 * time.Second

// ext is one installed extension and its supervisor's state.
type ext struct {
	h          *Host
	inst       pkg.Installed
	name       string
	granted    scope.Set
	log        *slog.Logger
	api        core.API // set by Start
	dispatcher func() (*jsonrpc.Dispatcher, error)

	mu        sync.Mutex
	c         *conn
	root      *models.Ref
	state     string
	failures  int // runs that ended with an error
	lastError string
}

func newExt(h *Host, inst pkg.Installed) *ext {
	name := inst.Manifest.Name
	e := &ext{
		h:       h,
		inst:    inst,
		name:    name,
		granted: Granted(inst.Manifest.Scopes, h.opts.AllowedScopes),
		log:     h.log.With("extension", name),
		state:   "stopped",
	}
	if !inst.Record.Signed {
		e.log.Warn("extension is unsigned: it was installed with --allow-unsigned")
	}
	return e
}

func (e *ext) principal() scope.Principal {
	return scope.Principal{Kind: scope.KindExtension, ID: e.name, Scopes: e.granted}
}

func (e *ext) status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Status{
		Name: e.name, Version: e.inst.Manifest.Version,
		Signed: e.inst.Record.Signed, Key: e.inst.Record.Key,
		Granted: e.granted, State: e.state, Failures: e.failures, LastError: e.lastError,
	}
}

func (e *ext) setState(state string) {
	e.mu.Lock()
	e.state = state
	e.mu.Unlock()
}

// current returns the running connection, or an error when none runs.
func (e *ext) current() (*conn, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil || e.c.err() != nil {
		return nil, fmt.Errorf("%s: %w", e.name, errStopped)
	}
	return e.c, nil
}

// supervise runs the extension until ctx ends, restarting it with
// exponential backoff after each failure, up to Backoff.MaxRestarts in a
// row.
func (e *ext) supervise(ctx context.Context) {
	if err := e.checkProtected(); err != nil {
		e.mu.Lock()
		e.state, e.lastError = "failed", err.Error()
		e.mu.Unlock()
		e.log.Error("extension not started", "err", err)
		e.h.audit(ctx, audit.SandboxViolation, e.name, err.Error())
		return
	}
	b := e.h.opts.Backoff
	delay := b.Min
	failures := 0
	for {
		e.setState("starting")
		began := time.Now()
		err := e.runOnce(ctx)
		if ctx.Err() != nil {
			e.setState("stopped")
			e.log.Info("extension stopped")
			return
		}
		if time.Since(began) >= b.StableAfter {
			failures, delay = 0, b.Min
		}
		failures++
		e.mu.Lock()
		e.lastError = err.Error()
		e.failures++
		e.mu.Unlock()
		if failures > b.MaxRestarts {
			e.setState("failed")
			e.log.Error("extension failed too often: not restarting it", "failures", failures-1, "err", err)
			return
		}
		e.setState("restarting")
		e.log.Warn("extension restarts after a delay", "delay", delay, "attempt", failures)
		select {
		case <-ctx.Done():
			e.setState("stopped")
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, b.Max)
	}
}

// checkProtected returns an error when a path of the manifest is a
// protected path, lies inside one or contains one.
func (e *ext) checkProtected() error {
	m := e.inst.Manifest
	for _, granted := range append(slices.Clone(m.Paths.ReadOnly), m.Paths.ReadWrite...) {
		for _, protected := range e.h.opts.ProtectedPaths {
			protected = filepath.Clean(protected)
			if granted == protected || strings.HasPrefix(protected, granted+"/") || strings.HasPrefix(granted, protected+"/") {
				return fmt.Errorf("manifest path %s overlaps the server's folder %s: remove it from the manifest", granted, protected)
			}
		}
	}
	return nil
}

// policy returns the sandbox policy from the manifest: the package folder
// read-only, the declared paths, the declared TCP ports, the resource
// limits and the seccomp filter.
func (e *ext) policy() sandbox.Policy {
	m := e.inst.Manifest
	p := sandbox.Policy{
		ReadOnly:   append([]string{e.inst.Dir}, m.Paths.ReadOnly...),
		ReadWrite:  m.Paths.ReadWrite,
		ConnectTCP: m.Ports(),
		Limits: sandbox.Limits{
			DataBytes:  uint64(m.Limits.MemoryMiB) << 20,
			CPUSeconds: uint64(m.Limits.CPUSeconds),
			OpenFiles:  uint64(m.Limits.OpenFiles),
		},
		Seccomp:           true,
		AllowWeakLandlock: e.h.opts.AllowWeakLandlock,
	}
	if len(m.Paths.ReadWrite) > 0 {
		// NOTE: the file size limit is a fixed 1 GiB; the manifest has
		// no field for it.
		p.Limits.FileSizeBytes = 1 << 30
	}
	return p
}

// runOnce starts the process, serves it until it ends or misbehaves, and
// returns why it stopped after logging and auditing it.
func (e *ext) runOnce(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd, err := sandbox.Command(runCtx, e.policy(), e.inst.Executable())
	if err != nil {
		return e.crashed(ctx, fmt.Errorf("build sandbox command: %w", err), nil)
	}
	stdin, err1 := cmd.StdinPipe()
	stdout, err2 := cmd.StdoutPipe()
	stderr, err3 := cmd.StderrPipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		return e.crashed(ctx, err, nil)
	}
	if err := cmd.Start(); err != nil {
		return e.crashed(ctx, fmt.Errorf("start %s: %w", e.inst.Executable(), err), nil)
	}
	c := newConn(e.name, e.log, e.h.opts.Limits, e.serve)
	tail := &stderrTailBuffer{}
	var writer, readers sync.WaitGroup
	writer.Add(1)
	readers.Add(2)
	go func() { defer writer.Done(); c.writeLoop(stdin) }()
	go func() { defer readers.Done(); c.readLoop(runCtx, stdout) }()
	go func() { defer readers.Done(); e.logStderr(stderr, tail) }()

	runErr := e.serveRun(runCtx, c, cmd)
	cancel() // kills the process group if it still runs
	// Wait closes the pipes, so the readers must reach the end of the
	// output first, or the crash report loses its last lines.
	waitGroupFor(&readers, pipeDrainWait)
	waitErr := cmd.Wait()
	c.fail(errStopped)
	writer.Wait()
	readers.Wait()
	e.mu.Lock()
	e.c = nil
	e.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(runErr, errViolation) {
		e.log.Error("extension stopped: protocol violation", "err", runErr)
		e.h.audit(ctx, audit.SandboxViolation, e.name, runErr.Error())
		return runErr
	}
	cpuLimit := time.Duration(e.inst.Manifest.Limits.CPUSeconds) * time.Second
	// The kernel's CPU accounting can fall a few ticks short of the limit
	// it enforced, so 90 % of the limit counts as reaching it.
	hitCPU := cmd.ProcessState != nil && cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime() >= cpuLimit*9/10
	return e.crashed(ctx, describeExit(runErr, waitErr, hitCPU, tail.lines()), tail.lines())
}

// serveRun performs the handshake, forwards events and waits until the
// connection fails.
func (e *ext) serveRun(ctx context.Context, c *conn, cmd *exec.Cmd) error {
	var init initResult
	initCtx, cancel := context.WithTimeout(ctx, e.h.opts.Limits.StartTimeout)
	err := c.call(initCtx, MethodInitialize, e.initParams(), &init)
	cancel()
	if err != nil {
		if cerr := c.err(); cerr != nil && errors.Is(cerr, errViolation) {
			return cerr
		}
		c.fail(fmt.Errorf("initialize: %w", err))
		return c.err()
	}
	if init.Root != nil && !e.owns(init.Root.URI) {
		c.fail(fmt.Errorf("%w: root URI %q is outside the extension's schemes", errViolation, truncate(init.Root.URI, 80)))
		return c.err()
	}
	e.mu.Lock()
	e.c, e.root, e.state = c, init.Root, "running"
	e.mu.Unlock()
	e.log.Info("extension started", "pid", cmd.Process.Pid, "version", e.inst.Manifest.Version,
		"scopes", e.granted.String(), "signed", e.inst.Record.Signed)
	e.h.audit(ctx, audit.ExtensionStarted, e.name, fmt.Sprintf("version %s, pid %d, scopes %q, signed %v",
		e.inst.Manifest.Version, cmd.Process.Pid, e.granted.String(), e.inst.Record.Signed))
	go e.forwardEvents(ctx, c)
	<-c.done
	return c.err()
}

func (e *ext) crashed(ctx context.Context, err error, tail []string) error {
	e.log.Error("extension crashed", "err", err, "stderr", strings.Join(tail, " | "))
	e.h.audit(ctx, audit.ExtensionCrashed, e.name, truncate(err.Error(), 400))
	return err
}

// describeExit explains how the process ended, naming the resource limit
// it hit when the exit or its standard error shows one. hitCPU reports
// that the process used its whole CPU time limit.
func describeExit(runErr, waitErr error, hitCPU bool, tail []string) error {
	reason := "exited"
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			reason = fmt.Sprintf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
		} else {
			reason = fmt.Sprintf("exited with status %d", ee.ExitCode())
		}
	}
	if hitCPU {
		reason += " (CPU time limit)"
	}
	for _, l := range tail {
		if isOutOfMemory(l) {
			reason += " (memory limit)"
			break
		}
	}
	if sandbox.ExitedAtSetup(waitErr) {
		reason = "sandbox setup failed"
	}
	if len(tail) > 0 && (strings.HasPrefix(tail[0], "fatal error:") || strings.HasPrefix(tail[0], "panic:")) {
		reason += ": " + tail[0]
	}
	return fmt.Errorf("extension %s: %v", reason, runErr)
}

// isOutOfMemory reports whether a line of standard error is a Go runtime's
// report of a failed allocation. Go 1.26 prints "out of memory" when the
// heap cannot grow. It prints "runtime: cannot allocate memory" when its
// persistent allocator fails, as a GC worker's allocation may under the
// sandbox's memory limit.
func isOutOfMemory(line string) bool {
	return strings.Contains(line, "out of memory") || strings.Contains(line, "runtime: cannot allocate memory")
}

// logStderr logs the extension's standard error line by line, bounded in
// length and count, and keeps the last lines for a crash report.
func (e *ext) logStderr(r io.Reader, tail *stderrTailBuffer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	logged, skipped := 0, 0
	for sc.Scan() {
		line := cleanText(sc.Text(), stderrLineMax)
		tail.add(line)
		if logged < stderrLogMax {
			e.log.Warn("extension stderr", "line", line)
			logged++
		} else {
			skipped++
		}
	}
	// A line longer than the scanner's buffer ends the scan; drain the
	// rest so the process never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
	if skipped > 0 {
		e.log.Warn("extension stderr lines not logged", "count", skipped)
	}
}

// stderrTailBuffer keeps the first line that reports a Go runtime crash
// and the last lines of standard error.
type stderrTailBuffer struct {
	mu       sync.Mutex
	headline string
	buf      []string
}

func (t *stderrTailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.headline == "" && (strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic:")) {
		t.headline = line
	}
	t.buf = append(t.buf, line)
	if len(t.buf) > stderrTail {
		t.buf = t.buf[len(t.buf)-stderrTail:]
	}
}

// lines returns the headline, when there is one, and the last lines.
func (t *stderrTailBuffer) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	if t.headline != "" {
		out = append(out, t.headline)
	}
	return append(out, t.buf...)
}

// waitGroupFor waits for wg at most d.
func waitGroupFor(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}
