//go:build linux && (amd64 || arm64)

package sandbox

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data (linux/seccomp.h): the syscall number,
// the audit architecture, and the low 32 bits of arguments 0 to 2 on a
// little-endian machine.
const (
	seccompNr   = 0
	seccompArch = 4
	seccompArg0 = 16
	seccompArg1 = 24
	seccompArg2 = 32
)

func stmt(code uint16, k uint32) unix.SockFilter {
	return unix.SockFilter{Code: code, K: k}
}

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
}

func retErrno(errno unix.Errno) unix.SockFilter {
	return stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ERRNO|uint32(errno)&unix.SECCOMP_RET_DATA)
}

func loadWord(offset uint32) unix.SockFilter {
	return stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offset)
}

const jeq = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K

// seccompProgram returns a BPF filter that lets threads start but not
// processes and rejects io_uring, whose operations bypass the socket
// checks. It rejects every internet socket when allowTCP is false, and
// otherwise those that are not plain TCP, because Landlock below ABI 10
// filters neither UDP nor Multipath TCP.
func seccompProgram(allowTCP bool) []unix.SockFilter {
	prog := []unix.SockFilter{
		loadWord(seccompArch),
		jump(jeq, auditArch, 1, 0),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_KILL_PROCESS),
		loadWord(seccompNr),
	}
	prog = append(prog, archPrologue()...)
	deny := func(nr uintptr, errno unix.Errno) {
		prog = append(prog, jump(jeq, uint32(nr), 0, 1), retErrno(errno))
	}
	for _, nr := range forkSyscalls() {
		deny(nr, unix.EPERM)
	}
	// ENOSYS makes glibc's pthread_create fall back to clone, which the
	// next block checks for CLONE_THREAD.
	deny(unix.SYS_CLONE3, unix.ENOSYS)
	deny(unix.SYS_IO_URING_SETUP, unix.ENOSYS)
	prog = append(prog,
		jump(jeq, unix.SYS_CLONE, 0, 4),
		loadWord(seccompArg0),
		jump(unix.BPF_JMP|unix.BPF_JSET|unix.BPF_K, unix.CLONE_THREAD, 1, 0),
		retErrno(unix.EPERM),
		loadWord(seccompNr),
	)
	if !allowTCP {
		prog = append(prog,
			jump(jeq, unix.SYS_SOCKET, 0, 4),
			loadWord(seccompArg0),
			jump(jeq, unix.AF_INET, 1, 0),
			jump(jeq, unix.AF_INET6, 0, 1),
			retErrno(unix.EAFNOSUPPORT),
			loadWord(seccompNr),
		)
	} else {
		prog = append(prog,
			jump(jeq, unix.SYS_SOCKET, 0, 9),
			loadWord(seccompArg0),
			jump(jeq, unix.AF_INET, 1, 0),
			jump(jeq, unix.AF_INET6, 0, 6),
			loadWord(seccompArg1),
			stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, 0xF),
			jump(jeq, unix.SOCK_STREAM, 0, 2),
			loadWord(seccompArg2),
			jump(jeq, unix.IPPROTO_MPTCP, 0, 1),
			retErrno(unix.EACCES),
			loadWord(seccompNr),
		)
	}
	return append(prog, stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW))
}

// installSeccomp installs the filter on the calling thread, which must have
// no_new_privs set. execve keeps it for the program that follows.
func installSeccomp(allowTCP bool) error {
	prog := seccompProgram(allowTCP)
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER,
		uintptr(unsafe.Pointer(&fprog)), 0, 0); err != nil {
		return fmt.Errorf("installing seccomp filter: %w", err)
	}
	return nil
}
