package sandbox

import "golang.org/x/sys/unix"

const auditArch = unix.AUDIT_ARCH_X86_64

// forkSyscalls returns the x86-64 calls that only create processes.
func forkSyscalls() []uintptr { return []uintptr{unix.SYS_FORK, unix.SYS_VFORK} }

// x32SyscallBit marks x32 ABI calls, which share the x86-64 audit
// architecture and would bypass a filter keyed on x86-64 numbers.
const x32SyscallBit = 0x40000000

func archPrologue() []unix.SockFilter {
	return []unix.SockFilter{
		jump(unix.BPF_JMP|unix.BPF_JGE|unix.BPF_K, x32SyscallBit, 0, 1),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_KILL_PROCESS),
	}
}
