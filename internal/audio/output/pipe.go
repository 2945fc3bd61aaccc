package output

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/tonearm/tonearm/internal/audio"
)

// pipeLead is how far a pipe output runs ahead of the clock; the command's
// own buffer (aplay keeps about 0.5 s) absorbs it.
const pipeLead = 200 * time.Millisecond

// pipeStopTimeout bounds the wait for a command to exit after its stdin is
// closed, before it is killed.
const pipeStopTimeout = 2 * time.Second

// Pipe writes signed 16-bit little-endian PCM to a command's stdin at
// real-time pace. The command starts without a shell and with an
// environment of PATH=/usr/local/bin:/usr/bin:/bin and LANG=C.UTF-8, plus
// XDG_RUNTIME_DIR and PULSE_SERVER when set, so that paplay and pw-cat find
// the sound server. A command that exits is started again after a backoff
// of 1 s doubling to 30 s; the samples in between are dropped.
type Pipe struct {
	argv []string
	log  *slog.Logger

	pacer *pacer
	buf   []byte

	mu      sync.Mutex
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	retryAt time.Time
	backoff time.Duration
	closed  bool
}

// NewPipe returns a pipe output for the command argv.
func NewPipe(argv []string, log *slog.Logger) *Pipe {
	return &Pipe{argv: argv, log: log.With("output", "pipe", "command", argv[0])}
}

// Name implements Output.
func (p *Pipe) Name() string { return "pipe:" + p.argv[0] }

// Open implements Output: it starts the command.
func (p *Pipe) Open(_ context.Context, f audio.Format) error {
	if err := checkFormat(f); err != nil {
		return err
	}
	p.pacer = newPacer(f.SampleRate, pipeLead)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

func pipeEnv() []string {
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}
	for _, name := range []string{"XDG_RUNTIME_DIR", "PULSE_SERVER"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

func (p *Pipe) startLocked() error {
	path := p.argv[0]
	cmd := exec.Command(path, p.argv[1:]...)
	cmd.Env = pipeEnv()
	cmd.Stdout = io.Discard
	cmd.Stderr = &limitedLog{log: p.log, left: 16}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("output: pipe %q: %w", path, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("output: start pipe command %q: %w: check the [audio] output setting", path, err)
	}
	p.log.Info("pipe command started", "pid", cmd.Process.Pid)
	p.cmd, p.stdin = cmd, stdin
	return nil
}

// Write implements Output.
func (p *Pipe) Write(ctx context.Context, samples []float32) error {
	if err := p.pacer.wait(ctx, len(samples)/2); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.stdin == nil {
		if time.Now().Before(p.retryAt) {
			return nil
		}
		if err := p.startLocked(); err != nil {
			p.failLocked(err)
			return nil
		}
	}
	p.buf = appendS16LE(p.buf[:0], samples)
	if _, err := p.stdin.Write(p.buf); err != nil {
		p.failLocked(err)
	}
	return nil
}

// failLocked stops the command and schedules a restart.
func (p *Pipe) failLocked(err error) {
	p.backoff = min(max(2*p.backoff, time.Second), 30*time.Second)
	p.retryAt = time.Now().Add(p.backoff)
	p.log.Warn("pipe command failed, dropping samples until restart", "err", err, "retry_in", p.backoff)
	p.stopLocked()
}

func (p *Pipe) stopLocked() {
	if p.cmd == nil {
		return
	}
	cmd := p.cmd
	_ = p.stdin.Close()
	p.cmd, p.stdin = nil, nil
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		p.log.Info("pipe command exited", "pid", cmd.Process.Pid, "err", err)
	case <-time.After(pipeStopTimeout):
		_ = cmd.Process.Kill()
		p.log.Warn("pipe command killed after stdin closed", "pid", cmd.Process.Pid, "timeout", pipeStopTimeout)
		<-done
	}
}

// Pause implements Output. The command keeps running and receives nothing.
func (p *Pipe) Pause() error { p.pacer.pause(); return nil }

// Resume implements Output.
func (p *Pipe) Resume() error { p.pacer.resume(); return nil }

// Flush implements Output. Samples already in the command's buffer play on.
func (p *Pipe) Flush() error { p.pacer.reset(); return nil }

// Drain implements Output.
func (p *Pipe) Drain(ctx context.Context) error { return sleepCtx(ctx, p.pacer.delay()) }

// Delay implements Output. It counts only the lead over the clock because
// a command does not report its own buffer.
func (p *Pipe) Delay() time.Duration { return p.pacer.delay() }

// Close implements Output: it closes the command's stdin and waits for it
// to exit, killing it after 2 s.
func (p *Pipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.stopLocked()
	return nil
}

// limitedLog logs a child's stderr lines, up to left writes.
type limitedLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	left int
}

func (l *limitedLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.left > 0 {
		l.left--
		l.log.Warn("pipe command stderr", "text", string(b[:min(len(b), 512)]))
	}
	return len(b), nil
}
