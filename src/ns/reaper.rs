//! sydbox's pid 1 inside the `--isolate` namespaces.
//!
//! It waits until the parent has written its id maps, builds the view,
//! forks the command, forwards the signals that end a run to it, reaps
//! every orphan of the namespace, and exits with the command's status once
//! no child is left. Its exit tears the pid namespace down: the kernel
//! kills whatever else is still inside. It is non-dumpable and dies with
//! the supervisor (`PR_SET_PDEATHSIG`).
//!
//! This runs in a child created by `clone(2)` from the single-threaded
//! supervisor, and pid 1 starts no threads, so both it and the command
//! (between its fork and `execve(2)`) may allocate: no other thread can
//! hold an allocator lock.

use std::ffi::CString;
use std::os::fd::{AsRawFd as _, OwnedFd};

use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::view::MountPlan;

/// Signals pid 1 passes on to the command.
const FORWARDED: [Signal; 6] = [Signal::SIGHUP, Signal::SIGINT, Signal::SIGQUIT, Signal::SIGTERM, Signal::SIGUSR1, Signal::SIGUSR2];

/// The exit status of pid 1 when the view could not be built.
pub const SETUP_FAILED: i32 = 125;

/// Everything pid 1 and the command need, prepared before the clone.
pub struct Pid1 {
    /// Closed by the parent (after writing the id maps) with one byte.
    pub maps_written: OwnedFd,
    /// The command writes one byte here so the supervisor learns its host
    /// pid from the kernel's `SCM_CREDENTIALS`.
    pub hello: OwnedFd,
    /// The supervisor writes one byte here once it has seized the command.
    pub seized: OwnedFd,
    pub plan: MountPlan,
    /// The directory the command starts in, if the view has it.
    pub cwd: std::path::PathBuf,
    pub landlock: Option<crate::landlock::LandlockPlan>,
    pub filters: crate::seccomp::Filters,
    pub program: CString,
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
}

fn die(message: &str) -> ! {
    eprintln!("sydbox: {message}");
    std::process::exit(SETUP_FAILED)
}

fn read_byte(fd: &OwnedFd) -> bool {
    let mut byte = [0u8; 1];
    // SAFETY: `byte` is valid for one byte of writes and `fd` is open.
    unsafe { libc::read(fd.as_raw_fd(), byte.as_mut_ptr().cast(), 1) == 1 }
}

/// Runs pid 1; never returns.
pub fn run(pid1: Pid1) -> ! {
    // Die with the supervisor. The parent is in another pid namespace, so
    // getppid() returns 0 here and cannot tell whether it already died:
    // the maps pipe does, since it reads EOF when the parent is gone.
    if let Err(err) = super::set_parent_death_signal(libc::SIGKILL) {
        die(&err.to_string());
    }
    if !read_byte(&pid1.maps_written) {
        std::process::exit(SETUP_FAILED);
    }
    drop(pid1.maps_written);

    // Now the owner of the new user namespace, with every capability in it.
    if let Err(err) = nix::unistd::sethostname(&pid1.plan.hostname) {
        die(&format!("sethostname({}) failed: {err}", pid1.plan.hostname));
    }
    if pid1.plan.new_netns {
        if let Err(err) = super::bring_up_loopback() {
            die(&err.to_string());
        }
    }
    if let Err(err) = crate::view::apply::apply(&pid1.plan) {
        die(&err.to_string());
    }
    if nix::unistd::chdir(&pid1.cwd).is_err() {
        tracing::warn!(cwd = %pid1.cwd.display(), "the working directory is not in the view; starting in /");
        let _ = nix::unistd::chdir("/");
    }
    // Landlock paths are opened here, inside the view, before the fork.
    let ruleset = match pid1.landlock.as_ref().map(crate::landlock::create) {
        Some(Ok(ruleset)) => Some(ruleset),
        Some(Err(err)) => die(&err.to_string()),
        None => None,
    };
    if let Err(err) = super::set_dumpable(false) {
        die(&err.to_string());
    }

    // Signals arrive through sigwait, so none is lost between waits.
    let mut waited = SigSet::empty();
    waited.add(Signal::SIGCHLD);
    for signal in FORWARDED {
        waited.add(signal);
    }
    if let Err(err) = waited.thread_block() {
        die(&format!("sigprocmask(SIG_BLOCK) failed: {err}"));
    }

    let program = pid1.program.clone();
    let mut argv: Vec<*const libc::c_char> = pid1.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = pid1.env.iter().map(|e| e.as_ptr()).collect();
    envp.push(std::ptr::null());
    let exec_failed = format!("sydbox: can't exec `{}' in the view: execve failed with errno ", program.to_string_lossy()).into_bytes();

    // SAFETY: pid 1 is single-threaded, so the child inherits no lock held
    // by another thread; it runs only `command_main`, which execs or exits.
    let command = match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            command_main(&pid1.hello, &pid1.seized, ruleset, &pid1.filters, &program, &argv, &envp, &exec_failed)
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => child,
        Err(err) => die(&format!("fork of the command failed: {err}")),
    };
    drop(pid1.hello);
    drop(pid1.seized);
    std::process::exit(reap(command, &waited))
}

/// Waits for signals: forwards the ending ones to the command, reaps every
/// child on SIGCHLD, and returns the command's status once no child is left.
fn reap(command: Pid, waited: &SigSet) -> i32 {
    let mut status = SETUP_FAILED;
    loop {
        let signal = match waited.wait() {
            Ok(signal) => signal,
            Err(_) => continue,
        };
        if signal != Signal::SIGCHLD {
            let _ = nix::sys::signal::kill(command, signal);
            continue;
        }
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL)) {
                Ok(WaitStatus::Exited(pid, code)) if pid == command => status = code,
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid == command => status = 128 + sig as i32,
                Ok(WaitStatus::StillAlive) => break,
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => {}
                Err(_) => return status,
            }
        }
    }
}

fn write_all(fd: libc::c_int, bytes: &[u8]) {
    // SAFETY: write(2) is async-signal-safe and `bytes` is a valid buffer.
    unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
}

fn fail(message: &[u8]) -> ! {
    write_all(2, message);
    // SAFETY: _exit(2) is async-signal-safe and ends only this process.
    unsafe { libc::_exit(SETUP_FAILED) }
}

/// The command between pid 1's fork and `execve(2)`.
#[allow(clippy::too_many_arguments)]
fn command_main(
    hello: &OwnedFd,
    seized: &OwnedFd,
    ruleset: Option<::landlock::RulesetCreated>,
    filters: &crate::seccomp::Filters,
    program: &CString,
    argv: &[*const libc::c_char],
    envp: &[*const libc::c_char],
    exec_failed: &[u8],
) -> ! {
    // Its own session, so it cannot push input into the caller's terminal;
    // dumpable again, so the supervisor may seize it; and killed with pid 1.
    // SAFETY: setsid and prctl take no pointers.
    unsafe {
        libc::setsid();
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
    }
    // SAFETY: an empty set is plain data; sigprocmask and signal are
    // async-signal-safe.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // The supervisor reads this process's host pid from the credentials
    // the kernel attaches to this byte.
    write_all(hello.as_raw_fd(), b"x");
    if !read_byte(seized) {
        fail(b"");
    }
    if crate::ns::drop_capabilities().is_err() {
        fail(b"sydbox: dropping the capabilities of the command failed\n");
    }
    if crate::sys::set_no_new_privs().is_err() {
        fail(b"sydbox: prctl(PR_SET_NO_NEW_PRIVS) failed\n");
    }
    if let Some(ruleset) = ruleset {
        if ruleset.restrict_self().is_err() {
            fail(b"sydbox: landlock_restrict_self failed\n");
        }
    }
    for filter in &filters.before {
        if crate::sys::seccomp_set_mode_filter(filter).is_err() {
            fail(b"sydbox: seccomp(SECCOMP_SET_MODE_FILTER) failed\n");
        }
    }
    if let Some(notify) = &filters.notify {
        let Ok(listener) = crate::sys::seccomp_set_mode_filter_flags(notify, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER)
        else {
            fail(b"sydbox: seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) failed\n")
        };
        // The number goes by write(2), which no filter covers; the
        // supervisor copies the descriptor with pidfd_getfd(2) and acks.
        write_all(hello.as_raw_fd(), &listener.to_ne_bytes());
        if !read_byte(hello) {
            fail(b"sydbox: handing the seccomp listener to the supervisor failed\n");
        }
        // SAFETY: `listener` is this process's own descriptor, now copied.
        unsafe { libc::close(listener) };
    }
    if let Some(trace) = &filters.trace {
        if crate::sys::seccomp_set_mode_filter(trace).is_err() {
            fail(b"sydbox: seccomp(SECCOMP_SET_MODE_FILTER) failed\n");
        }
    }
    // SAFETY: `program`, `argv` and `envp` are NUL-terminated C strings
    // and NULL-terminated pointer arrays that outlive the call.
    unsafe { libc::execve(program.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    let errno = nix::errno::Errno::last_raw();
    let mut digits = [b'\n'; 12];
    let mut at = digits.len() - 1;
    let mut value = errno.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    write_all(2, exec_failed);
    write_all(2, &digits[at..]);
    // SAFETY: _exit(2) is async-signal-safe.
    unsafe { libc::_exit(127) }
}
