//! Thin wrappers over the system calls nix does not cover, written the
//! way nix writes them: one unsafe call, `Errno::result`, no context.
//! Context is added one layer up.

use std::os::fd::{FromRawFd as _, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::unistd::Pid;

/// Installs a seccomp filter in the calling thread with
/// `seccomp(SECCOMP_SET_MODE_FILTER)`. See seccomp(2).
///
/// The caller must have set `PR_SET_NO_NEW_PRIVS` or hold
/// `CAP_SYS_ADMIN`. Async-signal-safe: it allocates nothing, so it may run
/// between fork and exec.
pub fn seccomp_set_mode_filter(program: &[crate::seccomp::SockFilter]) -> Result<(), Errno> {
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    // SAFETY: `crate::seccomp::SockFilter` is `repr(C)` with the layout of
    // `struct sock_filter`, `fprog` points at `program`, which outlives the
    // call, and the kernel copies the program before returning.
    let res = unsafe {
        libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0, &fprog as *const libc::sock_fprog)
    };
    Errno::result(res).map(drop)
}

/// Makes the calling process a child subreaper (`PR_SET_CHILD_SUBREAPER`):
/// its orphaned descendants become its children. See prctl(2).
pub fn set_child_subreaper() -> Result<(), Errno> {
    // SAFETY: prctl(2) with integer arguments touches no memory.
    let res = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    Errno::result(res).map(drop)
}

/// Sets `PR_SET_NO_NEW_PRIVS`. See prctl(2). Async-signal-safe.
pub fn set_no_new_privs() -> Result<(), Errno> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes integer arguments only.
    let res = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    Errno::result(res).map(drop)
}

/// Sends `signal` to the process behind `pidfd` with
/// `pidfd_send_signal(2)`: ESRCH once that process is gone, even when its
/// pid has been reused since.
pub fn pidfd_send_signal(pidfd: &OwnedFd, signal: nix::sys::signal::Signal) -> Result<(), Errno> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: a valid descriptor, a signal number, a null siginfo (the
    // kernel then fills one in as kill(2) would) and no flags.
    let res = unsafe {
        libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), signal as libc::c_int, std::ptr::null::<libc::siginfo_t>(), 0)
    };
    Errno::result(res).map(drop)
}

/// Opens a pidfd for `pid` with `pidfd_open(2)`.
pub fn pidfd_open(pid: Pid) -> Result<OwnedFd, Errno> {
    // SAFETY: integer arguments only.
    let res = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    let fd = Errno::result(res)? as RawFd;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Duplicates descriptor `target_fd` of the process behind `pidfd` into
/// this process with `pidfd_getfd(2)`.
pub fn pidfd_getfd(pidfd: &OwnedFd, target_fd: RawFd) -> Result<OwnedFd, Errno> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: integer arguments only; `pidfd` is open for the call.
    let res = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), target_fd, 0) };
    let fd = Errno::result(res)? as RawFd;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Resumes a tracee in a group-stop without ending the stop, with
/// `PTRACE_LISTEN`. See ptrace(2).
pub fn ptrace_listen(pid: Pid) -> Result<(), Errno> {
    // SAFETY: PTRACE_LISTEN takes no pointers.
    let res = unsafe { libc::ptrace(libc::PTRACE_LISTEN, pid.as_raw(), 0, 0) };
    Errno::result(res).map(drop)
}

/// Duplicates `fd` to a new close-on-exec descriptor of at least 3.
pub fn dup_cloexec(fd: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: F_DUPFD_CLOEXEC takes an integer; an invalid fd gives EBADF.
    let res = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    let copy = Errno::result(res)?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// Returns the raw address a socket is bound to, with `getsockname(2)`.
pub fn getsockname(fd: RawFd) -> Result<Vec<u8>, Errno> {
    // SAFETY: sockaddr_storage is plain data for which all zeroes is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage` and `len` are valid for writes and `len` holds the
    // size of `storage`, so the kernel writes within it.
    let res = unsafe { libc::getsockname(fd, (&mut storage as *mut libc::sockaddr_storage).cast(), &mut len) };
    Errno::result(res)?;
    // SAFETY: the kernel wrote `len` bytes, at most the size of `storage`.
    let bytes = unsafe { std::slice::from_raw_parts((&storage as *const libc::sockaddr_storage).cast::<u8>(), len as usize) };
    Ok(bytes.to_vec())
}

/// Installs a seccomp filter with `flags` (for example
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER`) and returns what the kernel returns:
/// the listener descriptor for that flag, else 0. Async-signal-safe.
pub fn seccomp_set_mode_filter_flags(program: &[crate::seccomp::SockFilter], flags: libc::c_ulong) -> Result<RawFd, Errno> {
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    // SAFETY: as in `seccomp_set_mode_filter`; the kernel copies the program.
    let res = unsafe {
        libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, flags, &fprog as *const libc::sock_fprog)
    };
    Errno::result(res).map(|fd| fd as RawFd)
}

/// Receives one seccomp notification (`SECCOMP_IOCTL_NOTIF_RECV`).
pub fn notif_recv(listener: RawFd) -> Result<libc::seccomp_notif, Errno> {
    // SAFETY: seccomp_notif is plain data; the kernel requires it zeroed.
    let mut request: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: `request` is valid for writes of its own size, which the
    // ioctl number encodes.
    let res = unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut request) };
    Errno::result(res).map(|_| request)
}

/// Answers a seccomp notification (`SECCOMP_IOCTL_NOTIF_SEND`): `error`
/// is a negative errno or 0, `flags` may be
/// `SECCOMP_USER_NOTIF_FLAG_CONTINUE`.
pub fn notif_send(listener: RawFd, id: u64, val: i64, error: i32, flags: u32) -> Result<(), Errno> {
    let mut response = libc::seccomp_notif_resp { id, val, error, flags };
    // SAFETY: `response` is a valid seccomp_notif_resp for the call.
    let res = unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut response) };
    Errno::result(res).map(drop)
}

/// Asks the kernel to switch straight to the supervisor on a
/// notification (`SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`, Linux 6.6).
pub fn notif_set_sync_wakeup(listener: RawFd) -> Result<(), Errno> {
    let flags: u64 = 1;
    // SAFETY: this ioctl takes the flags by value, no pointer.
    let res = unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) };
    Errno::result(res).map(drop)
}

/// Returns the id of the mount that contains the file behind `fd`
/// (`statx(2)` with `STATX_MNT_ID`, Linux 5.8), or ENOSYS when the kernel
/// does not report it.
pub fn mount_id(fd: std::os::fd::BorrowedFd<'_>) -> Result<u64, Errno> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: statx is plain data, for which all zeroes is a valid value.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: the path is a NUL-terminated empty string, which
    // AT_EMPTY_PATH makes name `fd` itself; `stx` is valid for writes.
    let res = unsafe { libc::statx(fd.as_raw_fd(), c"".as_ptr(), libc::AT_EMPTY_PATH, libc::STATX_MNT_ID, &mut stx) };
    Errno::result(res)?;
    if stx.stx_mask & libc::STATX_MNT_ID == 0 {
        return Err(Errno::ENOSYS);
    }
    Ok(stx.stx_mnt_id)
}

/// Interrupts a tracee with `PTRACE_INTERRUPT`, so it stops at its next
/// return to user mode.
pub fn ptrace_interrupt(pid: Pid) -> Result<(), Errno> {
    // SAFETY: PTRACE_INTERRUPT takes no pointers.
    let res = unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, pid.as_raw(), 0, 0) };
    Errno::result(res).map(drop)
}

/// Sends `signal` to thread `tid` only if it still belongs to thread group
/// `tgid`, with `tgkill(2)`; ESRCH otherwise.
pub fn tgkill(tgid: i32, tid: i32, signal: nix::sys::signal::Signal) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    let res = unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, signal as libc::c_int) };
    Errno::result(res).map(drop)
}
