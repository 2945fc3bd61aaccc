//go:build linux

package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// ABI returns the Landlock ABI version the kernel offers, or 0 when
// Landlock is missing or disabled.
func ABI() int {
	v, err := llsyscall.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}

// childAttr puts the child in its own process group and kills it when the
// thread that started it exits.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// RunChildIfRequested confines the process and executes the target program
// when the process was started by Command; otherwise it returns at once.
// Call it first thing in main and in TestMain of packages that start
// sandboxed commands. On success it never returns; on failure it writes the
// reason to standard error and exits with status 125.
func RunChildIfRequested() {
	if len(os.Args) < 4 || os.Args[1] != childMarker {
		return
	}
	var p Policy
	if err := json.Unmarshal([]byte(os.Args[2]), &p); err != nil {
		fail(fmt.Errorf("decoding policy: %w", err))
	}
	if err := p.Validate(); err != nil {
		fail(err)
	}
	// Landlock and seccomp bind the current thread, and execve must run on
	// that same thread, so it stays locked until execve.
	runtime.LockOSThread()
	if err := confine(p); err != nil {
		fail(err)
	}
	target := os.Args[3]
	argv := append([]string{target}, os.Args[4:]...)
	err := syscall.Exec(target, argv, []string{})
	fail(fmt.Errorf("executing %s: %w", target, err))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
	os.Exit(exitSetupFailed)
}

// confine applies p to the calling thread: resource limits, then Landlock,
// then the seccomp filter, which must come last because it may forbid the
// calls the others make.
func confine(p Policy) error {
	if err := setLimits(p.Limits); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("setting no_new_privs: %w", err)
	}
	if err := restrictLandlock(p); err != nil {
		return err
	}
	if p.Seccomp {
		if err := installSeccomp(len(p.ConnectTCP)+len(p.BindTCP) > 0); err != nil {
			return err
		}
	}
	return nil
}

func setLimits(l Limits) error {
	limits := []struct {
		name     string
		resource int
		value    uint64
		set      bool
	}{
		{"RLIMIT_AS", unix.RLIMIT_AS, l.AddressSpaceBytes, l.AddressSpaceBytes > 0},
		{"RLIMIT_DATA", unix.RLIMIT_DATA, l.DataBytes, l.DataBytes > 0},
		{"RLIMIT_CPU", unix.RLIMIT_CPU, l.CPUSeconds, l.CPUSeconds > 0},
		{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, l.OpenFiles, l.OpenFiles > 0},
		{"RLIMIT_FSIZE", unix.RLIMIT_FSIZE, l.FileSizeBytes, true},
		{"RLIMIT_CORE", unix.RLIMIT_CORE, 0, true},
	}
	for _, lim := range limits {
		if !lim.set {
			continue
		}
		// syscall.Setrlimit, unlike a raw prlimit, also stops the Go
		// runtime from restoring its saved RLIMIT_NOFILE at execve.
		r := syscall.Rlimit{Cur: lim.value, Max: lim.value}
		if err := syscall.Setrlimit(lim.resource, &r); err != nil {
			return fmt.Errorf("setting %s to %d: %w", lim.name, lim.value, err)
		}
	}
	return nil
}

// restrictLandlock builds one ruleset for files, TCP ports and IPC scopes
// and enforces it on the calling thread.
func restrictLandlock(p Policy) error {
	abi := ABI()
	cfg := landlock.V6
	if abi < MinABI {
		if !p.AllowWeakLandlock {
			return fmt.Errorf("the kernel offers Landlock ABI %d, and the sandbox needs %d: "+
				"use Linux 6.12 or later with Landlock enabled (lsm= boot parameter), "+
				"or set AllowWeakLandlock in the sandbox policy to run with less confinement", abi, MinABI)
		}
		cfg = cfg.BestEffort()
	}

	rules, err := pathRules(p)
	if err != nil {
		return err
	}
	for _, port := range p.ConnectTCP {
		rules = append(rules, landlock.ConnectTCP(port))
	}
	for _, port := range p.BindTCP {
		rules = append(rules, landlock.BindTCP(port))
	}

	fd, flags, err := cfg.NewRulesetFD(rules...)
	if err != nil {
		return fmt.Errorf("building Landlock ruleset: %w", err)
	}
	if fd < 0 {
		// Best effort on a kernel without Landlock: nothing to enforce.
		return nil
	}
	defer unix.Close(fd)
	if err := llsyscall.LandlockRestrictSelf(fd, flags); err != nil {
		return fmt.Errorf("enforcing Landlock ruleset: %w", err)
	}
	return nil
}

// pathRules turns the policy's paths into Landlock rules, with file rights
// for files and directory rights for directories.
func pathRules(p Policy) ([]landlock.Rule, error) {
	var rules []landlock.Rule
	add := func(paths []string, dirs, files func(...string) landlock.FSRule) error {
		for _, path := range paths {
			fi, err := os.Stat(path)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("granting %s: %w", path, err)
			}
			if fi.IsDir() {
				rules = append(rules, dirs(path))
			} else {
				rules = append(rules, files(path))
			}
		}
		return nil
	}
	if err := add(p.ReadOnly, landlock.RODirs, landlock.ROFiles); err != nil {
		return nil, err
	}
	rw := func(paths ...string) landlock.FSRule { return landlock.RWFiles(paths...).WithIoctlDev() }
	if err := add(p.ReadWrite, landlock.RWDirs, rw); err != nil {
		return nil, err
	}
	return rules, nil
}
