//go:build !linux

package sandbox

import "syscall"

func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// ABI returns 0: Landlock exists only on Linux.
func ABI() int { return 0 }

// RunChildIfRequested returns at once: sandboxed commands need Linux, and
// their children fail to start elsewhere.
func RunChildIfRequested() {}
