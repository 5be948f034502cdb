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
    pub exec: crate::launch::ExecArgs,
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
    // The network namespace is made on the side while the view is built.
    let netns = if pid1.plan.new_netns {
        // SAFETY: pid 1 is single-threaded.
        match unsafe { super::NetnsHelper::start() } {
            Ok(helper) => Some(helper),
            Err(err) => die(&err.to_string()),
        }
    } else {
        None
    };
    if let Err(err) = nix::unistd::sethostname(&pid1.plan.hostname) {
        die(&format!("sethostname({}) failed: {err}", pid1.plan.hostname));
    }
    if let Err(err) = crate::view::apply::apply(&pid1.plan) {
        die(&err.to_string());
    }
    if let Some(Err(err)) = netns.map(super::NetnsHelper::join) {
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


    // SAFETY: pid 1 is single-threaded, so the child inherits no lock held
    // by another thread; it runs only `command_main`, which execs or exits.
    let command = match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            command_main(&pid1.hello, &pid1.seized, ruleset, &pid1.filters, &pid1.exec)
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
fn command_main(
    hello: &OwnedFd,
    seized: &OwnedFd,
    ruleset: Option<::landlock::RulesetCreated>,
    filters: &crate::seccomp::Filters,
    exec: &crate::launch::ExecArgs,
) -> ! {
    // Its own session, so it cannot push input into the caller's terminal;
    // dumpable again, so the supervisor may seize it; and killed with pid 1.
    // SAFETY: setsid and prctl take no pointers.
    unsafe {
        libc::setsid();
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
    }
    // No descriptor the caller left open reaches the program: everything
    // from 3 up closes at execve (the sockets to the supervisor are still
    // needed until then). Standard input, output and error stay.
    // SAFETY: close_range(2) takes integers only.
    unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
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
    crate::launch::restrict_and_exec(hello.as_raw_fd(), ruleset, filters, exec, 127)
}
