package decode

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tonearm/tonearm/internal/sandbox"
)

// childLimits are the sandbox limits of a child decoder.
type childLimits struct {
	memoryBytes       uint64
	cpuSeconds        uint64
	allowWeakLandlock bool
}

// childOpenFiles is the open file limit of a child decoder, with room for
// its threads' pipes and eventfds.
const childOpenFiles = 64

// childPolicy returns the sandbox policy for a child decoder at path: the
// system libraries, the binary, /dev/null, no network and no processes.
func childPolicy(path string, l childLimits) sandbox.Policy {
	ro := sandbox.SystemReadOnly()
	if real, err := filepath.EvalSymlinks(path); err == nil {
		ro = append(ro, real)
	}
	return sandbox.Policy{
		ReadOnly:  append(ro, path),
		ReadWrite: []string{"/dev/null"},
		Limits: sandbox.Limits{
			AddressSpaceBytes: l.memoryBytes,
			CPUSeconds:        l.cpuSeconds,
			OpenFiles:         childOpenFiles,
		},
		Seccomp:           true,
		AllowWeakLandlock: l.allowWeakLandlock,
	}
}

// childRun is one sandboxed decoder process with its pipes.
type childRun struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *limitedBuffer
	// copied receives the result of copying the input to the child's
	// standard input, once that copy has ended.
	copied chan error
	waited bool
	err    error
}

// startChild starts the program at path with args under policy. The child
// reads file as its standard input when file is not nil, and otherwise src,
// which a goroutine copies into a pipe.
func startChild(ctx context.Context, policy sandbox.Policy, path string, args []string, file *os.File, src io.Reader) (*childRun, error) {
	cmd, err := sandbox.Command(ctx, policy, path, args...)
	if err != nil {
		return nil, err
	}
	var stdin io.WriteCloser
	if file != nil {
		cmd.Stdin = file
	} else if stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}

	r := &childRun{
		cmd:    cmd,
		stdout: bufio.NewReaderSize(stdout, 64<<10),
		stderr: &limitedBuffer{max: maxStderr},
		copied: make(chan error, 1),
	}
	cmd.Stderr = r.stderr

	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(path), err)
	}
	if stdin == nil {
		r.copied <- nil
	} else {
		go func() {
			_, err := io.Copy(stdin, src)
			stdin.Close()
			r.copied <- err
		}()
	}
	return r, nil
}

// wait waits for the child and returns why it failed, with its standard
// error, or nil when it exited cleanly. Later calls return the same.
func (r *childRun) wait() error {
	if r.waited {
		return r.err
	}
	r.waited = true
	err := r.cmd.Wait()
	if err != nil {
		msg := strings.TrimSpace(r.stderr.String())
		if sandbox.ExitedAtSetup(err) {
			r.err = fmt.Errorf("sandbox setup failed: %s", msg)
		} else {
			r.err = fmt.Errorf("%w: %s", err, msg)
		}
	}
	return r.err
}

// kill ends the child at once and reaps it.
func (r *childRun) kill() {
	if !r.waited && r.cmd.Process != nil {
		// Cancel kills the whole process group.
		r.cmd.Cancel()
	}
	r.wait()
}

// waitCopied waits until the input is no longer copied to the child, which
// must be before the input is rewound. The copy fails its next write once
// the child is gone, but a read from the input that blocks holds it up.
func (r *childRun) waitCopied() {
	err := <-r.copied
	r.copied <- err
}
