// Package sandbox runs an untrusted program, such as ffmpeg parsing a
// hostile file or an extension, confined by Landlock, resource limits and an
// optional seccomp filter.
//
// Landlock applies to the calling thread and the processes it starts, so
// confinement happens in a re-executed copy of the current binary. Command
// starts /proc/self/exe with a marker argument and the policy. There
// RunChildIfRequested, called first thing in main, recognises the marker,
// confines itself and replaces itself with the target program through
// execve. The target therefore starts confined, with an empty environment.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// childMarker is argv[1] of a re-executed binary that must confine itself
// and run the target. argv[2] holds the policy as JSON, argv[3] the target
// path and the rest the target's arguments.
const childMarker = "__tonearm_sandbox"

// MinABI is the Landlock ABI a policy needs unless it sets
// AllowWeakLandlock: version 6 restricts files, TCP ports, abstract UNIX
// sockets and signals.
const MinABI = 6

// exitSetupFailed is the exit status of a child that could not confine
// itself. Its standard error says why.
const exitSetupFailed = 125

// killWait bounds how long Wait waits for the pipes of a killed child.
const killWait = 2 * time.Second

// Policy is the set of rights of a confined program. Its zero value grants
// no files, no network and no writes to regular files.
type Policy struct {
	// ReadOnly lists absolute paths of files and directories (with their
	// subtrees) that the program may read and execute. A path that does not
	// exist is skipped.
	ReadOnly []string `json:"read_only,omitempty"`
	// ReadWrite lists absolute paths of files and directories the program
	// may also write, create and delete in.
	ReadWrite []string `json:"read_write,omitempty"`
	// ConnectTCP and BindTCP list the TCP ports the program may connect to
	// and listen on, on any host. Landlock filters TCP by port only.
	ConnectTCP []uint16 `json:"connect_tcp,omitempty"`
	BindTCP    []uint16 `json:"bind_tcp,omitempty"`
	// Limits are the resource limits set before the program starts.
	Limits Limits `json:"limits"`
	// Seccomp installs a filter that makes fork, vfork, clone3 and clone
	// without CLONE_THREAD fail, so the program can start threads but no
	// processes. The filter also rejects io_uring and the internet sockets
	// that Landlock does not restrict: UDP and raw sockets, Multipath TCP,
	// and every internet socket when no TCP port is granted.
	Seccomp bool `json:"seccomp,omitempty"`
	// AllowWeakLandlock runs the program with whatever Landlock ABI the
	// kernel offers, down to none, instead of failing when it is older
	// than MinABI.
	AllowWeakLandlock bool `json:"allow_weak_landlock,omitempty"`
}

// Limits are resource limits (setrlimit) for the confined program. A zero
// field leaves that limit as inherited, except FileSizeBytes, where zero
// means the program cannot write to regular files at all. Core dumps are
// always disabled.
type Limits struct {
	// AddressSpaceBytes is RLIMIT_AS. Go programs need more than 512 MiB of
	// address space to start, so use DataBytes for them.
	AddressSpaceBytes uint64 `json:"address_space_bytes,omitempty"`
	// DataBytes is RLIMIT_DATA, the heap and data segment size.
	DataBytes uint64 `json:"data_bytes,omitempty"`
	// CPUSeconds is RLIMIT_CPU; the kernel kills the program with SIGXCPU
	// and then SIGKILL when it uses more CPU time.
	CPUSeconds uint64 `json:"cpu_seconds,omitempty"`
	// OpenFiles is RLIMIT_NOFILE.
	OpenFiles uint64 `json:"open_files,omitempty"`
	// FileSizeBytes is RLIMIT_FSIZE, the largest regular file the program
	// may write.
	FileSizeBytes uint64 `json:"file_size_bytes,omitempty"`
}

// SystemReadOnly returns the paths a dynamically linked Debian program
// needs to load: its libraries and the dynamic linker's cache.
func SystemReadOnly() []string {
	return []string{"/usr", "/lib", "/lib64", "/etc/ld.so.cache"}
}

// Validate reports the first invalid field of p.
func (p Policy) Validate() error {
	for _, list := range [][]string{p.ReadOnly, p.ReadWrite} {
		for _, path := range list {
			if !filepath.IsAbs(path) || filepath.Clean(path) != path {
				return fmt.Errorf("sandbox: policy path %q is not absolute and clean: give a path like /usr/lib", path)
			}
		}
	}
	for _, port := range append(p.ConnectTCP, p.BindTCP...) {
		if port == 0 {
			return errors.New("sandbox: policy grants TCP port 0: list real port numbers")
		}
	}
	return nil
}

// Command returns a command that runs the program at path with args under
// policy p. The caller sets Stdin, Stdout and Stderr and starts it. The
// command runs the current binary, whose main must call
// RunChildIfRequested first. It runs in its own process group, gets an
// empty environment, dies with SIGKILL when the parent thread exits, and
// is killed with its whole group when ctx is done.
func Command(ctx context.Context, p Policy, path string, args ...string) (*exec.Cmd, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("sandbox: program path %q is not absolute: resolve it with exec.LookPath first", path)
	}
	policy, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sandbox: encoding policy: %w", err)
	}
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = append([]string{path, childMarker, string(policy), path}, args...)
	cmd.Env = []string{}
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		// The negative pid names the process group that Setpgid created.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = killWait
	return cmd, nil
}

// ExitedAtSetup reports whether err, from Wait or Run of a command made by
// Command, means the child failed to confine itself before running the
// program. Its standard error then contains the reason.
func ExitedAtSetup(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == exitSetupFailed
}
