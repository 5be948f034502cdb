//! Namespaces for `--isolate`: the `clone(2)` that creates them, the uid
//! and gid maps the parent writes, the network namespace and its loopback
//! interface, the capability drop of the command, and sydbox's own pid 1
//! (the reaper).

pub mod cgroup;
pub mod reaper;

use nix::errno::Errno;
use nix::unistd::{Gid, Pid, Uid};

/// A namespace step that failed.
#[derive(Debug, thiserror::Error)]
#[error("{call}({target}) failed: {source}")]
pub struct NsError {
    pub call: &'static str,
    pub target: String,
    pub source: Errno,
}

fn fail(call: &'static str, target: impl Into<String>) -> impl FnOnce(Errno) -> NsError {
    let target = target.into();
    move |source| NsError { call, target, source }
}

/// Returns the namespaces `--isolate` creates with its `clone(2)`. A new
/// network namespace, when the plan has one, is made by pid 1
/// (`NetnsHelper`).
pub fn clone_flags() -> libc::c_int {
    libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS
}

/// The steps of the network namespace helper that can fail, as its report
/// numbers them (from 1), with the error's call and target.
const NETNS_STEPS: [(&str, &str); 3] =
    [("unshare", "CLONE_NEWNET"), ("socket", "AF_INET"), ("ioctl(SIOCSIFFLAGS)", "lo")];

/// A helper process that creates a network namespace with its loopback
/// interface up, while pid 1 builds the view. The kernel takes about half
/// a millisecond to create one (the loopback device and its sysctl
/// tables; perf profile of `sydbox --isolate true` on a 2-core VM). Done
/// by pid 1 itself, that time would delay every start; on another CPU it
/// overlaps the mounts. Pid 1 then joins the namespace with `setns(2)`
/// and lets the helper exit.
pub struct NetnsHelper {
    pid: Pid,
    pidfd: std::os::fd::OwnedFd,
    /// Five bytes from the helper: a step number (0: done) and an errno.
    report: std::os::fd::OwnedFd,
    /// Closed to let the helper exit.
    release: std::os::fd::OwnedFd,
}

impl NetnsHelper {
    /// Forks the helper.
    ///
    /// # Safety
    ///
    /// The caller must be single-threaded, as for `fork(2)`.
    pub unsafe fn start() -> Result<NetnsHelper, NsError> {
        use std::os::fd::AsRawFd as _;
        let (report_read, report_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(fail("pipe2", "network namespace helper"))?;
        let (release_read, release_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(fail("pipe2", "network namespace helper"))?;
        // SAFETY: the caller is single-threaded, so the child inherits no
        // lock held by another thread; it only makes system calls and exits.
        match unsafe { nix::unistd::fork() }.map_err(fail("fork", "network namespace helper"))? {
            nix::unistd::ForkResult::Child => {
                drop(report_read);
                drop(release_write);
                let outcome = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                    .map_err(fail("unshare", "CLONE_NEWNET"))
                    .and_then(|()| bring_up_loopback());
                let mut report = [0u8; 5];
                if let Err(err) = outcome {
                    let step = NETNS_STEPS.iter().position(|(call, _)| *call == err.call).map_or(u8::MAX, |i| i as u8 + 1);
                    report[0] = step;
                    report[1..].copy_from_slice(&(err.source as i32).to_ne_bytes());
                }
                let mut byte = [0u8; 1];
                // SAFETY: write(2) and read(2) on valid stack buffers; the
                // read returns at EOF, once pid 1 closes the other end or dies.
                unsafe {
                    libc::write(report_write.as_raw_fd(), report.as_ptr().cast(), report.len());
                    libc::read(release_read.as_raw_fd(), byte.as_mut_ptr().cast(), 1);
                    libc::_exit(0)
                }
            }
            nix::unistd::ForkResult::Parent { child } => {
                drop(report_write);
                drop(release_read);
                let pidfd = crate::sys::pidfd_open(child).map_err(fail("pidfd_open", "network namespace helper"))?;
                Ok(NetnsHelper { pid: child, pidfd, report: report_read, release: release_write })
            }
        }
    }

    /// Waits for the helper, moves the calling process into its network
    /// namespace, and reaps the helper.
    pub fn join(self) -> Result<(), NsError> {
        let mut report = [0u8; 5];
        let read = nix::unistd::read(&self.report, &mut report);
        let joined = match read {
            Ok(5) if report[0] == 0 => nix::sched::setns(&self.pidfd, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(fail("setns", "CLONE_NEWNET")),
            Ok(5) => {
                let (call, target) = NETNS_STEPS.get(usize::from(report[0]) - 1).copied().unwrap_or(("unshare", "CLONE_NEWNET"));
                let errno = i32::from_ne_bytes([report[1], report[2], report[3], report[4]]);
                Err(NsError { call, target: target.into(), source: Errno::from_raw(errno) })
            }
            // The helper died before it reported.
            Ok(_) => Err(fail("read", "network namespace helper")(Errno::EPIPE)),
            Err(errno) => Err(fail("read", "network namespace helper")(errno)),
        };
        drop(self.release);
        let _ = nix::sys::wait::waitpid(self.pid, None);
        joined
    }
}

/// The side of a fork-like call the caller continues on.
pub enum Forked {
    Parent(Pid),
    Child,
}

/// Creates a child in new namespaces with `clone(2)` used like `fork(2)`
/// (no new stack: the child continues on a copy of the caller's).
///
/// # Safety
///
/// The caller must be single-threaded, as for `fork(2)`, so the child
/// does not inherit locks held by threads that do not exist in it.
pub unsafe fn clone_into_namespaces(flags: libc::c_int) -> Result<Forked, NsError> {
    // SAFETY: a NULL stack with no CLONE_VM makes clone behave like fork:
    // the child gets a copy of the address space; the caller guarantees
    // single-threadedness. The pointers for the tid arguments are NULL
    // and unused without CLONE_*TID flags.
    let res = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_int>(),
            std::ptr::null_mut::<libc::c_int>(),
            0 as libc::c_ulong,
        )
    };
    let pid = Errno::result(res).map_err(fail("clone", "CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|..."))?;
    Ok(if pid == 0 { Forked::Child } else { Forked::Parent(Pid::from_raw(pid as i32)) })
}

/// Writes the child's uid and gid maps from the parent. As root the whole
/// id range maps to itself, so files keep their owners; an ordinary user
/// maps only their own ids (after `setgroups` is denied, which the kernel
/// requires before an unprivileged `gid_map`).
///
/// # Errors
///
/// A map file could not be written.
pub fn write_id_maps(child: Pid, uid: Uid, gid: Gid) -> Result<(), NsError> {
    let dir = format!("/proc/{child}");
    let write = |name: &str, text: &str| -> Result<(), NsError> {
        let path = format!("{dir}/{name}");
        std::fs::write(&path, text).map_err(|e| fail("write", path)(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))))
    };
    if uid.is_root() {
        write("uid_map", "0 0 4294967295\n")?;
        write("gid_map", "0 0 4294967295\n")?;
    } else {
        write("setgroups", "deny\n")?;
        write("uid_map", &format!("{uid} {uid} 1\n"))?;
        write("gid_map", &format!("{gid} {gid} 1\n"))?;
    }
    Ok(())
}

/// Brings the loopback interface of the current network namespace up; the
/// kernel then gives it 127.0.0.1/8 and ::1.
///
/// # Errors
///
/// The socket or the `SIOCSIFFLAGS` ioctl failed.
pub fn bring_up_loopback() -> Result<(), NsError> {
    use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
    // SAFETY: integer arguments only.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    let fd = Errno::result(fd).map_err(fail("socket", "AF_INET"))?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: ifreq is plain data for which all zeroes is valid.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *slot = *byte as libc::c_char;
    }
    request.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    // SAFETY: SIOCSIFFLAGS reads a `struct ifreq`, which `request` is, and
    // the socket is open for the call.
    let res = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request as *const libc::ifreq) };
    Errno::result(res).map(drop).map_err(fail("ioctl(SIOCSIFFLAGS)", "lo"))
}

/// Empties every capability set of the calling thread: ambient,
/// inheritable, bounding, effective and permitted, in that order, since
/// dropping the bounding set needs `CAP_SETPCAP` in the effective set.
///
/// # Errors
///
/// One of the sets could not be changed.
pub fn drop_capabilities() -> Result<(), String> {
    use caps::CapSet;
    caps::clear(None, CapSet::Ambient).map_err(|e| format!("clearing the ambient capabilities: {e}"))?;
    caps::clear(None, CapSet::Inheritable).map_err(|e| format!("clearing the inheritable capabilities: {e}"))?;
    for cap in caps::all() {
        // The bounding set of a kernel may lack caps newer than the crate.
        match caps::drop(None, CapSet::Bounding, cap) {
            Ok(()) => {}
            Err(e) if caps::has_cap(None, CapSet::Bounding, cap).unwrap_or(false) => {
                return Err(format!("dropping {cap} from the bounding set: {e}"))
            }
            Err(_) => {}
        }
    }
    caps::clear(None, CapSet::Effective).map_err(|e| format!("clearing the effective capabilities: {e}"))?;
    caps::clear(None, CapSet::Permitted).map_err(|e| format!("clearing the permitted capabilities: {e}"))?;
    Ok(())
}

/// Sets `PR_SET_PDEATHSIG`: the calling thread gets `signal` when the
/// thread that created it exits.
pub fn set_parent_death_signal(signal: libc::c_int) -> Result<(), NsError> {
    // SAFETY: integer arguments only.
    let res = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) };
    Errno::result(res).map(drop).map_err(fail("prctl", "PR_SET_PDEATHSIG"))
}

/// Sets or clears the dumpable flag (`PR_SET_DUMPABLE`), which decides
/// who may ptrace the process and read its `/proc` files.
pub fn set_dumpable(dumpable: bool) -> Result<(), NsError> {
    // SAFETY: integer arguments only.
    let res = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, libc::c_ulong::from(dumpable), 0, 0, 0) };
    Errno::result(res).map(drop).map_err(fail("prctl", "PR_SET_DUMPABLE"))
}
