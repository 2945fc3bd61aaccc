package pulsetest

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// process is a started child whose Wait runs in the background.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when Wait returns
	err  error         // Wait's result, valid once done is closed
}

// start starts cmd, set to die with the test process, and waits for it in
// the background.
func start(cmd *exec.Cmd) (*process, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig to the process, by its PID, and waits up to 5 s before
// killing it. It returns Wait's result.
func (p *process) stop(t testing.TB, sig syscall.Signal) error {
	if !p.exited() {
		_ = p.cmd.Process.Signal(sig)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Logf("%s (PID %d) still runs 5 s after %v, killing it", p.cmd.Path, p.cmd.Process.Pid, sig)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}
