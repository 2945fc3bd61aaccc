package sandbox

import "golang.org/x/sys/unix"

const auditArch = unix.AUDIT_ARCH_AARCH64

// forkSyscalls returns nothing: arm64 has no fork or vfork system calls.
func forkSyscalls() []uintptr { return nil }

func archPrologue() []unix.SockFilter { return nil }
