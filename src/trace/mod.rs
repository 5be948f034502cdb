//! The supervisor: one thread that owns every ptrace request, follows
//! every process the command creates, decides each trapped call with the
//! policy and fails denied calls with sydbox-1's errnos.
//!
//! # Limitations
//!
//! Like every ptrace or seccomp checker, the supervisor reads arguments
//! that another thread of the tracee can change between the check and
//! the kernel's own use of them. A program that wins that race reaches
//! only what the kernel layers (Landlock, the `--isolate` view) allow;
//! docs/security.md explains it.

pub mod masks;
pub mod mem;
pub mod resolve;

use std::collections::{HashMap, HashSet};
use std::os::fd::AsRawFd as _;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::errno::Errno;
use nix::libc::user_regs_struct;
use nix::sys::ptrace;
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::policy::addr::{self, AddrPattern, SockTarget};
use crate::policy::{self, AddrRule, Applied, Category, Context, Global, Interrupt, LockState, Mode, Origin, Rule, Sandbox};
use crate::profile::{self, Spanned};
use crate::report::{self, Reporter, Violation};
use crate::seccomp::table::{self, FileCheck, Follow, Handling, NetCall, PathArg, SignalCall, StatCall};
use resolve::{Kind, Resolved, View};

/// Set by sydbox's handler for SIGTERM, SIGHUP and SIGQUIT.
pub static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

/// Set to SIGUSR1 or SIGUSR2 when a process-tree dump is requested.
static DUMP_REQUEST: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_dump_signal(signo: libc::c_int) {
    DUMP_REQUEST.store(signo, Ordering::Relaxed);
}

/// Makes SIGUSR1 and SIGUSR2 request a dump of the traced processes.
fn install_dump_handlers() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet};
    let action = SigAction::new(SigHandler::Handler(on_dump_signal), SaFlags::empty(), SigSet::empty());
    for sig in [Signal::SIGUSR1, Signal::SIGUSR2] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe; no SA_RESTART, so waitpid returns EINTR and
        // the loop notices the request.
        if let Err(err) = unsafe { signal::sigaction(sig, &action) } {
            tracing::warn!(%err, ?sig, "cannot install the dump handler");
        }
    }
}

/// One traced process (thread group).
#[derive(Debug, Clone)]
struct Proc {
    sandbox: Sandbox,
    /// The name of the program it runs; `None` after an exec until a
    /// report or dump needs it, when `/proc/PID/exe` gives it.
    comm: Option<String>,
    ppid: i32,
    /// The first exec of the command is exempt from exec checks.
    exempt_exec: bool,
    /// Resumed by `exec/resume_if_match`: no more checks for it or its
    /// children (it stays traced, since an untraced process would fail
    /// every filtered call with ENOSYS).
    ignored: bool,
    /// The categories its seccomp filters stop for; children inherit
    /// them with the filters.
    traced: crate::seccomp::TraceSet,
    /// The number of its traced threads other than the leader.
    other_threads: usize,
}

/// A bind let through without ptrace, so without an exit stop to see its
/// result: the next connect check reads that from the socket
/// (`settle_binds`).
#[derive(Debug, Clone)]
struct PendingBind {
    tgid: i32,
    fd: i32,
    /// `socket:[INODE]`, as `/proc/TGID/fd/FD` named it at the check.
    link: Vec<u8>,
    /// The requested inet address.
    requested: SockTarget,
}

/// Work left for the exit stop of a call.
#[derive(Debug, Clone)]
enum AtExit {
    /// A bind that was allowed: on success its address becomes connectable.
    Bind { fd: i32, target: SockTarget },
    /// A magic call replaced by seccomp(2) to add a filter: at the exit,
    /// restore the registers and restart the magic call.
    Filter { saved: Box<user_regs_struct>, added: crate::seccomp::TraceSet },
    /// The same, for a seccomp(2) call started from an interrupt stop: its
    /// syscall-entry stop comes first.
    FilterEntry { saved: Box<user_regs_struct>, added: crate::seccomp::TraceSet },
}

/// The decision on a trapped call.
#[derive(Debug)]
enum Outcome {
    Allow,
    /// Fail the call with this errno without running it.
    Deny(i32),
    /// Skip the call and return this value.
    Return(i64),
    /// Run the call and stop again at its exit.
    AtExit(AtExit),
    /// Add this filter before the call takes effect: run seccomp(2) in
    /// its place, then restart the call, which the new filter then covers.
    AddFilter { program: crate::seccomp::BpfProgram, added: crate::seccomp::TraceSet },
}

/// The end of a run: the status and the violations reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunEnd {
    /// The first process's status: its exit code, or 128 + signal.
    pub status: i32,
    /// Reported violations (filtered ones not counted).
    pub violations: usize,
    /// `core/violation/exit_code` as it stands at the end, after any
    /// run-time change.
    pub violation_exit_code: i64,
}

/// The supervisor's state.
pub struct Supervisor {
    global: Global,
    procs: HashMap<i32, Proc>,
    /// Thread id to thread group id, for every live traced thread.
    threads: HashMap<i32, i32>,
    /// Threads that stopped before their parent's fork event named them.
    parked: HashSet<i32>,
    /// Threads whose attach stop has been seen.
    started: HashSet<i32>,
    at_exit: HashMap<i32, AtExit>,
    auto_connect: Vec<AddrRule>,
    /// The socket behind each `auto_connect` entry: the binding process,
    /// its descriptor and the `socket:[INODE]` link it had, so an entry
    /// ends when that socket is closed.
    auto_sockets: Vec<(i32, i32, Vec<u8>)>,
    /// Seccomp stops per system call, logged at debug level at the end.
    stops: HashMap<&'static str, u64>,
    /// The user-notification listener for stat-family calls, if any.
    listener: Option<std::os::fd::OwnedFd>,
    /// Notifications answered, logged at debug level at the end.
    notifications: u64,
    /// Filters to add at a thread's next `PTRACE_INTERRUPT` stop, after a
    /// magic call that arrived by notification enabled a category.
    pending_filters: HashMap<i32, (crate::seccomp::BpfProgram, crate::seccomp::TraceSet)>,
    /// The path each process's last exec check allowed, compared with
    /// `/proc/PID/exe` at the exec event.
    exec_allowed: HashMap<i32, Vec<u8>>,
    /// Threads whose last filter addition failed: their next attempt is
    /// answered with EPERM rather than retried forever.
    failed_filters: HashSet<i32>,
    reporter: Reporter,
    first: i32,
    first_status: Option<i32>,
    own_pid: i32,
    own_pgrp: i32,
    /// `core/limit/processes`: new processes fail with EAGAIN at this many
    /// traced processes.
    process_limit: Option<usize>,
    /// Whether the first refusal at the process limit has been reported.
    limit_reported: bool,
    /// Set at the first `chroot` of any traced process: from then on no
    /// root is cached. A root can change under a process without a call
    /// of its own (a thread, or a process sharing it by `CLONE_FS`).
    roots_move: bool,
    /// Each thread's ids in its own pid namespace (`/proc/self` inside
    /// `--isolate`), read once from `/proc/TID/status`: a thread keeps
    /// them for its life.
    ns_ids: HashMap<i32, (i32, i32)>,
    /// The cheap read check of a view whose only read rules are its masks.
    masks: masks::MaskCheck,
    /// Whether the command runs in an `--isolate` view.
    isolated: bool,
    /// Whether every process reports its execs (`needs_exec_events`).
    /// Without it, only threads other than a leader report theirs
    /// (`start_thread`).
    exec_events: bool,
    /// New threads that get `PTRACE_O_TRACEEXEC` before they first run.
    exec_option_pending: HashSet<i32>,
    /// Whether processes are followed by ptrace (`needs_ptrace`). Without
    /// it, sydbox is their subreaper, every check arrives by notification,
    /// and the first process's record is every process's.
    ptraced: bool,
    /// Binds let through without ptrace, not yet seen to succeed.
    pending_binds: Vec<PendingBind>,
}

/// The ptrace options every tracee gets: seccomp stops, every process and
/// thread followed, execs reported, and every tracee killed if the
/// supervisor dies. Without `needs_exec_events`, execs go unreported
/// (see `seize_options`).
pub const SEIZE_OPTIONS: ptrace::Options = ptrace::Options::PTRACE_O_TRACESECCOMP
    .union(ptrace::Options::PTRACE_O_TRACEFORK)
    .union(ptrace::Options::PTRACE_O_TRACEVFORK)
    .union(ptrace::Options::PTRACE_O_TRACECLONE)
    .union(ptrace::Options::PTRACE_O_TRACEEXEC)
    .union(ptrace::Options::PTRACE_O_EXITKILL)
    .union(ptrace::Options::PTRACE_O_TRACESYSGOOD);

/// Reports whether a run needs `PTRACE_EVENT_EXEC` from every process: for
/// exec checks, `kill_if_match` and `resume_if_match`, and for a magic
/// lock that is not on yet. With the lock on from the start, no magic
/// call can turn any of these on later, so each process saves a stop.
pub fn needs_exec_events(global: &Global, sandbox: &Sandbox) -> bool {
    sandbox.lock != LockState::On
        || sandbox.exec != Mode::Off
        || !global.kill_if_match.is_empty()
        || !global.resume_if_match.is_empty()
}

/// Reports whether the supervisor must follow processes by ptrace. It
/// need not when no process's record can change or needs an event: the
/// magic lock is on from the start, no exec needs its event
/// (`needs_exec_events`), and no process is counted
/// (`core/limit/processes`). `core/trace/interrupt:anywhere` keeps ptrace
/// too: a signal then ends sydbox without its handler, and only
/// `PTRACE_O_EXITKILL` takes the command with it. So do unix path binds
/// that can widen the connect whitelist (`whitelists_unix_binds`).
///
/// Without ptrace every check arrives by user notification, and sydbox
/// follows processes as their subreaper: it waits for them all and finds
/// them in `/proc` to kill them. A process then costs no ptrace stop at
/// its fork, its start or its end.
pub fn needs_ptrace(global: &Global, sandbox: &Sandbox) -> bool {
    needs_exec_events(global, sandbox)
        || global.limit_processes.is_some()
        || global.interrupt == Interrupt::Anywhere
        || whitelists_unix_binds(global, sandbox)
}

/// Reports whether a successful bind to a unix path can widen the connect
/// whitelist: network sandboxing in deny mode, `successful_bind`, and a
/// unix path among the bind whitelist. Such a bind's result is read at
/// its exit stop, which needs ptrace. Without it, only the socket's name
/// would be left: the path as the program gave it. That cannot tell which
/// file the socket got (a relative path, a symlink changed since).
fn whitelists_unix_binds(global: &Global, sandbox: &Sandbox) -> bool {
    sandbox.network == Mode::Deny
        && global.successful_bind
        && sandbox.acl_bind.iter().any(|rule| rule.action == policy::Action::Allow && matches!(rule.pattern, AddrPattern::Unix(_)))
}

/// `SEIZE_OPTIONS` without exec events.
const SEIZE_OPTIONS_NO_EXEC: ptrace::Options = SEIZE_OPTIONS.difference(ptrace::Options::PTRACE_O_TRACEEXEC);

/// Returns the options to seize the command with under this policy.
pub fn seize_options(global: &Global, sandbox: &Sandbox) -> ptrace::Options {
    if needs_exec_events(global, sandbox) {
        SEIZE_OPTIONS
    } else {
        SEIZE_OPTIONS_NO_EXEC
    }
}

fn regs_args(regs: &user_regs_struct) -> [u64; 6] {
    [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9]
}

fn errno_of(err: std::io::Error) -> i32 {
    err.raw_os_error().unwrap_or(libc::EIO)
}

fn read_link(path: &str) -> Result<Vec<u8>, i32> {
    use std::os::unix::ffi::OsStringExt as _;
    std::fs::read_link(path).map(|p| p.into_os_string().into_vec()).map_err(errno_of)
}

/// Returns the directory a relative path argument starts from, in the
/// tracee's view: its working directory, or the target of its directory
/// descriptor. Fails like the call would: EBADF, or ENOTDIR for a
/// descriptor that names no directory path.
fn base_directory(call: &Call, arg: &PathArg) -> Result<Vec<u8>, i32> {
    match arg.dirfd.map(|i| call.args[i as usize] as i32) {
        None | Some(libc::AT_FDCWD) => read_link(&format!("/proc/{}/cwd", call.tid)),
        Some(fd) if fd < 0 => Err(libc::EBADF),
        Some(fd) => {
            let target = read_link(&format!("/proc/{}/fd/{fd}", call.tid))
                .map_err(|e| if e == libc::ENOENT { libc::EBADF } else { e })?;
            if target.starts_with(b"/") {
                Ok(target)
            } else {
                Err(libc::ENOTDIR)
            }
        }
    }
}

/// Reports whether `child`, a task that a fork, vfork or clone event has
/// just named, is a thread rather than a process. The event kind cannot
/// tell: it follows the exit signal and `CLONE_VFORK`, so a
/// `clone(CLONE_THREAD | SIGCHLD)` arrives as a fork event. The kernel
/// can: `pidfd_open(2)` (without `PIDFD_THREAD`) fails for a task that
/// is not a thread-group leader, and a new task leads its group exactly
/// when it is a process. The error is EINVAL on older kernels and ENOENT on
/// newer ones. ESRCH means the task is gone: only the supervisor reaps
/// its tracees, so that happens only after it saw the task's end.
fn is_new_thread(child: i32) -> Result<bool, Errno> {
    match crate::sys::pidfd_open(Pid::from_raw(child)) {
        Ok(_) => Ok(false),
        Err(Errno::EINVAL | Errno::ENOENT) => Ok(true),
        Err(err) => Err(err),
    }
}

/// Pending binds past which a bind settles them first, so a program that
/// binds and never connects keeps the list short.
const PENDING_BINDS_SETTLED_AT: usize = 64;

/// At most this many binds wait to be settled: sockets whose bind failed
/// stay pending while they are open, and each connect check reads every one.
const PENDING_BINDS_MAX: usize = 256;

/// Returns the thread group of `tid`, a thread waiting in a notified call,
/// or `None` when the thread is gone. `is_new_thread` identifies a leader,
/// the common case, without a `/proc` read.
fn thread_group_of(tid: i32) -> Option<i32> {
    match is_new_thread(tid) {
        Ok(false) => Some(tid),
        Err(Errno::ESRCH) => None,
        _ => resolve::thread_group(tid),
    }
}

/// A process below sydbox in the process tree (`descendants`).
#[derive(Debug, Clone, Copy)]
struct Descendant {
    pid: i32,
    ppid: i32,
    /// Whether it runs: not a zombie, or a zombie leader whose other
    /// threads still run (its main thread called `pthread_exit`).
    live: bool,
}

/// Returns the processes below `root` in the process tree, from
/// `/proc/PID/stat`. Zombies are kept, since processes below them are
/// still searched.
fn descendants(root: i32) -> Vec<Descendant> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut parents = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read(format!("/proc/{pid}/stat")) else { continue };
        // The name, in parentheses, may hold any byte: the fields start
        // after the last ')'. Then come the state and the parent.
        let Some(end) = stat.iter().rposition(|b| *b == b')') else { continue };
        let fields = String::from_utf8_lossy(&stat[end + 1..]).into_owned();
        let mut fields = fields.split_whitespace();
        let state = fields.next().unwrap_or("");
        let Some(ppid) = fields.next().and_then(|f| f.parse::<i32>().ok()) else { continue };
        parents.push((pid, ppid, state != "Z" && state != "X"));
    }
    let mut found: Vec<Descendant> = Vec::new();
    let mut frontier = vec![root];
    while let Some(at) = frontier.pop() {
        for &(pid, ppid, running) in &parents {
            if ppid == at && !found.iter().any(|seen| seen.pid == pid) {
                let live = running || has_other_threads(pid);
                found.push(Descendant { pid, ppid, live });
                frontier.push(pid);
            }
        }
    }
    found
}

/// Reports whether process `pid` has a thread other than its leader.
fn has_other_threads(pid: i32) -> bool {
    let own = pid.to_string();
    std::fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|dir| dir.flatten().any(|e| e.file_name() != own.as_str()))
}

/// Kills every live process below `root`, which is their subreaper, so
/// none can leave the tree. A process forked while the tree is read shows
/// up in the next pass. Killed processes fork no more, so the passes end
/// when two in a row find none.
///
/// Each kill goes through a pidfd taken before the process's parent is
/// checked again: a pid freed and reused after the tree was read then
/// either fails that check or names a process already gone (ESRCH).
fn kill_descendants(root: i32) {
    let mut quiet_passes = 0;
    for _ in 0..KILL_PASSES {
        let found = descendants(root);
        if !found.iter().any(|d| d.live) {
            // A pass can miss a process: one listed before its parent,
            // whose parent then ended before it was read. The kernel has
            // moved it to sydbox by the next pass.
            quiet_passes += 1;
            if quiet_passes == 2 {
                return;
            }
            continue;
        }
        quiet_passes = 0;
        let tree: HashSet<i32> = found.iter().map(|d| d.pid).chain([root]).collect();
        // Zombie leaders too: the signal ends their running threads.
        for pid in found.iter().filter(|d| d.live).map(|d| d.pid) {
            let Ok(pidfd) = crate::sys::pidfd_open(Pid::from_raw(pid)) else { continue };
            if resolve::parent_of(pid).is_some_and(|ppid| tree.contains(&ppid)) {
                let _ = crate::sys::pidfd_send_signal(&pidfd, Signal::SIGKILL);
            }
        }
    }
    tracing::warn!(passes = KILL_PASSES, "processes of the command were still alive after every pass of killing them");
}

/// Passes of `kill_descendants`: enough for a process tree that forks
/// while it is being killed; a process stuck in the kernel may outlast them.
const KILL_PASSES: usize = 64;

/// Returns the name of the program thread `tid` runs, the last component
/// of `/proc/TID/exe`. Returns `None` when the thread is ending or gone,
/// because the link is gone then.
fn exe_name(tid: i32) -> Option<String> {
    let exe = read_link(&format!("/proc/{tid}/exe")).ok()?;
    // A program deleted since its exec still has its name, plus this.
    Some(basename(exe.strip_suffix(b" (deleted)").unwrap_or(&exe)))
}

/// `exe_name`, or for a thread that is ending the kernel's name for it
/// (`/proc/TID/comm`, at most 15 bytes, which the program can change, so
/// never cached). Empty when the thread is gone.
fn program_name(tid: i32) -> String {
    exe_name(tid).unwrap_or_else(|| {
        let comm = std::fs::read_to_string(format!("/proc/{tid}/comm")).unwrap_or_default();
        comm.strip_suffix('\n').unwrap_or(&comm).to_owned()
    })
}

fn basename(path: &[u8]) -> String {
    let name = path.rsplit(|b| *b == b'/').next().unwrap_or(path);
    String::from_utf8_lossy(name).into_owned()
}

/// Escapes wildmatch specials so a literal path can be stored as a pattern.
fn literal_pattern(path: &[u8]) -> String {
    let mut out = String::new();
    for c in String::from_utf8_lossy(path).chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Supervisor {
    /// Creates the supervisor for a command already seized as `first`.
    pub fn new(
        global: Global,
        sandbox: Sandbox,
        comm: String,
        first: Pid,
        reporter: Reporter,
        traced: crate::seccomp::TraceSet,
        listener: Option<std::os::fd::OwnedFd>,
    ) -> Supervisor {
        let first = first.as_raw();
        let masks = masks::MaskCheck::new(&sandbox, &global.masked);
        let exec_events = needs_exec_events(&global, &sandbox);
        let ptraced = needs_ptrace(&global, &sandbox);
        // Without exec events a cached name would outlive the next exec.
        let comm = if exec_events { Some(comm) } else { None };
        let mut procs = HashMap::new();
        procs.insert(first, Proc { sandbox, comm, ppid: 0, exempt_exec: true, ignored: false, traced, other_threads: 0 });
        Supervisor {
            global,
            procs,
            threads: HashMap::from([(first, first)]),
            parked: HashSet::new(),
            started: HashSet::from([first]),
            at_exit: HashMap::new(),
            auto_connect: Vec::new(),
            auto_sockets: Vec::new(),
            stops: HashMap::new(),
            listener,
            notifications: 0,
            pending_filters: HashMap::new(),
            failed_filters: HashSet::new(),
            exec_allowed: HashMap::new(),
            reporter,
            first,
            first_status: None,
            own_pid: std::process::id() as i32,
            own_pgrp: nix::unistd::getpgrp().as_raw(),
            process_limit: None,
            limit_reported: false,
            roots_move: false,
            ns_ids: HashMap::new(),
            masks,
            isolated: false,
            exec_events,
            exec_option_pending: HashSet::new(),
            ptraced,
            pending_binds: Vec::new(),
        }
    }

    /// Marks a supervisor whose command runs in the `--isolate` view.
    pub fn in_isolated_view(mut self) -> Supervisor {
        self.isolated = true;
        self
    }

    /// Fails `fork`, `vfork` and process-creating `clone` with EAGAIN once
    /// `limit` traced processes exist. The trace filter must stop for them
    /// (`TraceSet::processes`).
    pub fn with_process_limit(mut self, limit: Option<u64>) -> Supervisor {
        self.process_limit = limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        self
    }

    /// Decides a trapped fork, vfork or clone against the process limit.
    /// NOTE: forks already past this check but whose fork event has not
    /// arrived are not counted, so concurrent forkers may overshoot the
    /// limit by their number; the cgroup pids limit, where one exists, is exact.
    fn check_process_limit(&mut self, name: &str, args: &[u64; 6]) -> Option<Outcome> {
        let limit = self.process_limit?;
        let new_process = match name {
            "fork" | "vfork" => true,
            "clone" => args[0] & libc::CLONE_THREAD as u64 == 0,
            _ => false,
        };
        if !new_process || self.procs.len() < limit {
            return None;
        }
        if !self.limit_reported {
            self.limit_reported = true;
            let message = format!("core/limit/processes: {limit} processes reached; further forks fail with EAGAIN");
            self.reporter.message(policy::level::WARNING, &message);
        }
        Some(Outcome::Deny(libc::EAGAIN))
    }

    /// Runs until every traced process is gone.
    pub fn run(mut self) -> RunEnd {
        install_dump_handlers();
        let sigchld = if self.listener.is_some() { self.sigchld_fd() } else { None };
        loop {
            let dump = DUMP_REQUEST.swap(0, Ordering::Relaxed);
            if dump != 0 {
                self.dump(dump == libc::SIGUSR2);
            }
            // Without ptrace the loop ends when no child is left (ECHILD).
            if self.ptraced && self.threads.is_empty() {
                if self.parked.is_empty() {
                    break;
                }
                // Their creators are gone without naming them (killed
                // in the fork event's stop): no event will give them a
                // record, so they never run.
                for tid in &self.parked {
                    let _ = signal::kill(Pid::from_raw(*tid), Signal::SIGKILL);
                }
            }
            let signo = INTERRUPTED.load(Ordering::Relaxed);
            if signo != 0 {
                self.kill_all();
                self.first_status.get_or_insert(128 + signo);
                INTERRUPTED.store(0, Ordering::Relaxed);
            }
            let waited = match &sigchld {
                Some(sigchld) => self.wait_for_events(sigchld),
                None => match waitpid(None, Some(WaitPidFlag::__WALL)) {
                    Ok(status) => {
                        self.handle(status);
                        Ok(())
                    }
                    Err(err) => Err(err),
                },
            };
            match waited {
                Ok(()) | Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => break,
                Err(err) => {
                    tracing::error!(%err, "waiting for tracees failed; killing every tracee");
                    self.kill_all();
                    break;
                }
            }
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            let mut stops: Vec<_> = self.stops.iter().collect();
            stops.sort_by(|a, b| b.1.cmp(a.1));
            let total: u64 = stops.iter().map(|(_, n)| **n).sum();
            tracing::debug!(total, ?stops, notifications = self.notifications, "seccomp stops by system call");
            // The supervisor's own CPU time, for all its threads and without
            // the tracees' time. benches/cpu.py reads this line.
            if let Ok(usage) = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF) {
                let ms = |t: nix::sys::time::TimeVal| t.tv_sec() * 1000 + t.tv_usec() / 1000;
                tracing::debug!(user_ms = ms(usage.user_time()), system_ms = ms(usage.system_time()), "supervisor CPU time");
            }
        }
        RunEnd {
            status: self.first_status.unwrap_or(1),
            violations: self.reporter.count(),
            violation_exit_code: self.global.violation_exit_code,
        }
    }

    /// Opens a signalfd for SIGCHLD, which the launcher blocked; without it
    /// the supervisor falls back to polling with a short timeout.
    fn sigchld_fd(&self) -> Option<nix::sys::signalfd::SignalFd> {
        let mut mask = signal::SigSet::empty();
        mask.add(Signal::SIGCHLD);
        let flags = nix::sys::signalfd::SfdFlags::SFD_NONBLOCK | nix::sys::signalfd::SfdFlags::SFD_CLOEXEC;
        match nix::sys::signalfd::SignalFd::with_flags(&mask, flags) {
            Ok(fd) => Some(fd),
            Err(err) => {
                tracing::warn!(%err, "signalfd(SIGCHLD) failed");
                None
            }
        }
    }

    /// Waits until a tracee stops or exits, or a notification arrives, and
    /// handles everything that is ready. SIGCHLD announces every ptrace
    /// stop and exit to the tracer; the timeout is a safety net only.
    fn wait_for_events(&mut self, sigchld: &nix::sys::signalfd::SignalFd) -> Result<(), Errno> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        use std::os::fd::AsFd as _;
        let (child_ready, notify_ready, notify_gone) = {
            // An array, not a Vec, because this runs once per event.
            let mut fds = [PollFd::new(sigchld.as_fd(), PollFlags::POLLIN), PollFd::new(sigchld.as_fd(), PollFlags::empty())];
            let mut count = 1;
            if let Some(listener) = &self.listener {
                fds[1] = PollFd::new(listener.as_fd(), PollFlags::POLLIN);
                count = 2;
            }
            let fds = &mut fds[..count];
            let ready = poll(fds, PollTimeout::from(100u16))?;
            let revents = |i: usize| fds.get(i).and_then(|fd| fd.revents()).unwrap_or(PollFlags::empty());
            (
                ready == 0 || revents(0).contains(PollFlags::POLLIN),
                revents(1).contains(PollFlags::POLLIN),
                revents(1).intersects(PollFlags::POLLHUP | PollFlags::POLLERR),
            )
        };
        if notify_ready {
            self.handle_notification();
        } else if notify_gone {
            // Every process with the filter is gone.
            self.listener = None;
        }
        if child_ready {
            // SIGCHLD is a standard signal: at most one is pending, so one
            // read empties the descriptor.
            let _ = sigchld.read_signal();
            loop {
                match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) => break,
                    Ok(status) => self.handle(status),
                    Err(Errno::EINTR) => continue,
                    Err(err) => return Err(err),
                }
            }
        }
        Ok(())
    }

    /// Answers one call that arrived by user notification: an allowed call
    /// continues to the kernel, a denied one fails with its errno, a magic
    /// stat is answered by the supervisor.
    fn handle_notification(&mut self) {
        use std::os::fd::AsRawFd as _;
        let Some(listener) = self.listener.as_ref().map(|fd| fd.as_raw_fd()) else { return };
        let request = match crate::sys::notif_recv(listener) {
            Ok(request) => request,
            // The caller died or was interrupted before it was received.
            Err(Errno::ENOENT | Errno::EINTR) => return,
            Err(err) => {
                tracing::warn!(%err, "receiving a seccomp notification failed");
                return;
            }
        };
        self.notifications += 1;
        let continue_flag = libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32;
        let tid = request.pid as i32;
        let outcome = self.decide(tid, request.data.nr as u64, request.data.args);
        let (val, error, flags) = match outcome {
            Outcome::Allow => (0, 0, continue_flag),
            // Only bind needs an exit stop, and bind stays on ptrace.
            Outcome::AtExit(_) => (0, -libc::EPERM, 0),
            Outcome::Deny(errno) => (0, -errno, 0),
            Outcome::Return(value) => (value, 0, 0),
            Outcome::AddFilter { program, added } => {
                // Leave the notification unanswered: the interrupt ends
                // the kernel's wait with -ERESTARTSYS and stops the thread
                // right after its syscall instruction, where the filter
                // goes in; the restarted call then arrives again.
                if self.failed_filters.remove(&tid) {
                    (0, -libc::EPERM, 0)
                } else if crate::sys::ptrace_interrupt(Pid::from_raw(tid)).is_ok() {
                    self.pending_filters.insert(tid, (program, added));
                    return;
                } else {
                    (0, -libc::EPERM, 0)
                }
            }
        };
        // ENOENT: the caller died meanwhile; nothing is left to answer.
        let _ = crate::sys::notif_send(listener, request.id, val, error, flags);
    }

    /// Writes the process tree to standard error: SIGUSR1 gives each
    /// process's identity and state, SIGUSR2 adds its sandbox record.
    fn dump(&self, complete: bool) {
        let name = if complete { "SIGUSR2" } else { "SIGUSR1" };
        let mut out = format!("sydbox: Received {name}, dumping process tree\n");
        // Without ptrace the processes and their threads come from /proc.
        let mut pids: Vec<(i32, i32)> = if self.ptraced {
            self.procs.iter().map(|(pid, p)| (*pid, p.ppid)).collect()
        } else {
            descendants(self.own_pid)
                .into_iter()
                .filter(|d| d.live && !(self.isolated && d.pid == self.first))
                .map(|d| (d.pid, d.ppid))
                .collect()
        };
        pids.sort();
        for &(pid, ppid) in &pids {
            let Some(p) = self.record(pid) else { continue };
            let cwd = read_link(&format!("/proc/{pid}/cwd")).unwrap_or_default();
            let threads: Vec<String> = if self.ptraced {
                self.threads.iter().filter(|(_, tgid)| **tgid == pid).map(|(tid, _)| tid.to_string()).collect()
            } else {
                std::fs::read_dir(format!("/proc/{pid}/task"))
                    .map(|dir| dir.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                    .unwrap_or_default()
            };
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            out.push_str(&format!("-- Information on Process ID: {pid}\n"));
            out.push_str(&format!("   parent: {ppid}, comm: `{}', cwd: `{}'\n", p.comm.clone().unwrap_or_else(|| program_name(pid)), String::from_utf8_lossy(&cwd)));
            out.push_str(&format!("   thread ids: {}; ignored: {}; {}\n", threads.join(" "), p.ignored, stat_summary(&stat)));
            if complete {
                let mode = |m: Mode| match m {
                    Mode::Off => "off",
                    Mode::Allow => "allow",
                    Mode::Deny => "deny",
                };
                let sb = &p.sandbox;
                out.push_str(&format!(
                    "   sandbox: {{exec:{} read:{} write:{} network:{}}}, magic lock: {:?}\n",
                    mode(sb.exec),
                    mode(sb.read),
                    mode(sb.write),
                    mode(sb.network),
                    sb.lock
                ));
                for (name, list) in [("exec", &sb.acl_exec), ("read", &sb.acl_read), ("write", &sb.acl_write)] {
                    for rule in list.iter() {
                        out.push_str(&format!("   {name}: {:?} {} ({})\n", rule.action, rule.pattern, rule.origin));
                    }
                }
                for (name, list) in [("bind", &sb.acl_bind), ("connect", &sb.acl_connect)] {
                    for rule in list.iter() {
                        out.push_str(&format!("   {name}: {:?} {} ({})\n", rule.action, rule.text, rule.origin));
                    }
                }
            }
        }
        out.push_str(&format!("sydbox: Tracing {} process(es)\n", pids.len()));
        let _ = std::io::Write::write_all(&mut std::io::stderr(), out.as_bytes());
    }

    fn handle(&mut self, status: WaitStatus) {
        match status {
            WaitStatus::Exited(pid, code) => self.gone(pid.as_raw(), code),
            WaitStatus::Signaled(pid, sig, _) => self.gone(pid.as_raw(), 128 + sig as i32),
            WaitStatus::PtraceEvent(pid, sig, event) => {
                let tid = pid.as_raw();
                match event {
                    libc::PTRACE_EVENT_SECCOMP => self.on_syscall(tid),
                    libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                        self.on_new(tid);
                        resume(tid, None);
                    }
                    libc::PTRACE_EVENT_EXEC => {
                        self.on_exec(tid);
                        resume(tid, None);
                    }
                    libc::PTRACE_EVENT_STOP => self.on_stop(tid, sig),
                    _ => resume(tid, None),
                }
            }
            WaitStatus::PtraceSyscall(pid) if !self.on_exit_stop(pid.as_raw()) => resume(pid.as_raw(), None),
            WaitStatus::Stopped(pid, sig) => resume(pid.as_raw(), Some(sig)),
            _ => {}
        }
    }

    fn gone(&mut self, tid: i32, status: i32) {
        self.parked.remove(&tid);
        // Without ptrace the first record is every process's, so it stays.
        if self.drop_id(tid) == Some(tid) && self.ptraced {
            if let Some(p) = self.procs.remove(&tid) {
                self.exec_allowed.remove(&tid);
                if p.other_threads > 0 {
                    self.forget_group(tid);
                }
            }
        }
        if tid == self.first && self.first_status.is_none() {
            self.first_status = Some(status);
        }
    }

    /// Drops the thread ids still mapped to process `tgid` after its leader
    /// ended. The kernel reports a traced leader's end only after every
    /// other thread of its group has ended. So such an id was retired by
    /// an exec whose event never came. (A fatal signal that arrives during
    /// the exec skips the event's stop.) Left in place, the id would make a
    /// later task that gets it look started, and `kill_all` would signal it.
    fn forget_group(&mut self, tgid: i32) {
        let stale: Vec<i32> = self.threads.iter().filter(|(_, group)| **group == tgid).map(|(tid, _)| *tid).collect();
        for tid in stale {
            self.drop_id(tid);
        }
    }

    /// Reports whether `tid`, mapped to a process other than its own (a
    /// thread, not a leader), now names a task of another thread group.
    /// Only an exec retires a thread id unseen, and only a thread's: a
    /// leader's end is always reported. Reads `/proc/TID/status`, so it
    /// runs only at event stops of started threads, which are rare: a
    /// SIGCONT's notice, a group-stop, an attach stop of a reused id.
    ///
    /// NOTE: a failed read (EMFILE, say) counts as not reused, so such a
    /// task runs with the old thread's record until its creator's event
    /// names it. The check also assumes that `/proc` belongs to the
    /// supervisor's pid namespace. Under another one it could take a live
    /// thread for a new task and park it.
    fn id_reused(&self, tid: i32) -> bool {
        match self.threads.get(&tid) {
            Some(&tgid) if tgid != tid => resolve::thread_group(tid).is_some_and(|now| now != tgid),
            _ => false,
        }
    }

    /// Drops thread id `tid`: its mapping to a process, which counts one
    /// thread fewer unless `tid` is its leader, and its per-thread state.
    /// Returns the process it was mapped to.
    fn drop_id(&mut self, tid: i32) -> Option<i32> {
        self.forget_thread(tid);
        let tgid = self.threads.remove(&tid)?;
        if tgid != tid {
            if let Some(p) = self.procs.get_mut(&tgid) {
                p.other_threads = p.other_threads.saturating_sub(1);
            }
        }
        Some(tgid)
    }

    /// Drops what the supervisor keeps per thread id, for a thread that
    /// ended or whose id an exec retired, so that a task that later gets
    /// the id inherits none of it.
    fn forget_thread(&mut self, tid: i32) {
        self.started.remove(&tid);
        self.exec_option_pending.remove(&tid);
        self.at_exit.remove(&tid);
        self.ns_ids.remove(&tid);
        self.pending_filters.remove(&tid);
        self.failed_filters.remove(&tid);
    }

    /// A `PTRACE_EVENT_STOP`: the attach stop of a new thread, or a
    /// group-stop of a running one.
    fn on_stop(&mut self, tid: i32, sig: Signal) {
        if let Some((program, added)) = self.pending_filters.remove(&tid) {
            if self.inject_filter(tid, &program, added) {
                return;
            }
            // The interrupted call restarts and is answered with EPERM.
            self.failed_filters.insert(tid);
            resume(tid, None);
            return;
        }
        if self.started.contains(&tid) && self.id_reused(tid) {
            // A new task with the id of a thread whose end has not been
            // seen: an exec retired the id, and the exec event is still
            // queued, or never comes (a fatal signal during the exec skips
            // it). This is the new task's attach stop; it waits for its
            // creator's event.
            self.drop_id(tid);
        }
        if !self.started.contains(&tid) {
            if self.threads.contains_key(&tid) {
                self.started.insert(tid);
                self.start_thread(tid);
                resume(tid, None);
            } else {
                // Its parent's fork event has not arrived yet: it resumes
                // once the event gives it a sandbox record.
                self.parked.insert(tid);
            }
            return;
        }
        if matches!(sig, Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU) {
            // A group-stop: stay stopped, but let the next SIGCONT through.
            if crate::sys::ptrace_listen(Pid::from_raw(tid)).is_err() {
                resume(tid, None);
            }
        } else {
            resume(tid, None);
        }
    }

    fn on_new(&mut self, tid: i32) {
        let Ok(child) = ptrace::getevent(Pid::from_raw(tid)) else { return };
        let child = child as i32;
        let Some(&tgid) = self.threads.get(&tid) else { return };
        // Anything still held for the new task's id belongs to a thread an
        // exec retired unseen (see `on_stop`).
        self.drop_id(child);
        let is_thread = match is_new_thread(child) {
            Ok(is_thread) => is_thread,
            // Killed and reaped before this event: nothing to record.
            Err(Errno::ESRCH) => return,
            Err(err) => {
                // Fail closed: a task of unknown kind gets no record and
                // never runs.
                tracing::error!(%err, child, "pidfd_open of a new task failed; killing it");
                let _ = signal::kill(Pid::from_raw(child), Signal::SIGKILL);
                return;
            }
        };
        if is_thread {
            self.threads.insert(child, tgid);
            if let Some(p) = self.procs.get_mut(&tgid) {
                p.other_threads += 1;
            }
            if !self.exec_events {
                // The new thread gets the option before it first runs;
                // threads it creates inherit it.
                self.exec_option_pending.insert(child);
            }
        } else {
            let Some(parent) = self.procs.get(&tgid) else { return };
            let mut record = parent.clone();
            record.ppid = tgid;
            record.exempt_exec = false;
            record.other_threads = 0;
            self.procs.insert(child, record);
            self.threads.insert(child, child);
        }
        if self.parked.remove(&child) {
            self.started.insert(child);
            self.start_thread(child);
            resume(child, None);
        }
    }

    /// Sets `PTRACE_O_TRACEEXEC` on a new thread that `on_new` marked, before
    /// the thread first runs. Without exec events, only threads other than
    /// a leader need it: an exec by such a thread retires its id, and only
    /// the exec event names the id retired.
    fn start_thread(&mut self, tid: i32) {
        if self.exec_option_pending.remove(&tid) {
            let _ = ptrace::setoptions(Pid::from_raw(tid), SEIZE_OPTIONS);
        }
    }

    fn on_exec(&mut self, tid: i32) {
        // After an exec by a non-leader thread, the leader's id carries on
        // and the former thread id is gone.
        if let Ok(former) = ptrace::getevent(Pid::from_raw(tid)) {
            let former = former as i32;
            if former != tid {
                if !self.exec_events {
                    // A single thread now: it needs the option no more
                    // (see `start_thread`), and its children would
                    // inherit it.
                    let _ = ptrace::setoptions(Pid::from_raw(tid), SEIZE_OPTIONS_NO_EXEC);
                }
                // Unless a new task has the id already (`on_stop`, `on_new`).
                if self.threads.get(&former) == Some(&tid) {
                    self.drop_id(former);
                }
                // The leader's per-thread state ended with the leader.
                self.forget_thread(tid);
                self.started.insert(tid);
                self.threads.insert(tid, tid);
            }
        }
        let Some(proc_) = self.procs.get_mut(&tid) else { return };
        // The command's own first exec is exempt from the exec controls.
        let first_exec = std::mem::replace(&mut proc_.exempt_exec, false);
        proc_.comm = None;
        // `exec` locks at the process's next exec after it was set; the
        // command's own first exec is the start, not such an exec.
        if proc_.sandbox.lock == LockState::Exec && !first_exec {
            proc_.sandbox.lock = LockState::On;
        }
        let checks_exec = proc_.sandbox.exec != Mode::Off
            || !self.global.kill_if_match.is_empty()
            || !self.global.resume_if_match.is_empty();
        if proc_.ignored || first_exec || !checks_exec {
            self.exec_allowed.remove(&tid);
            return;
        }
        // Only the exec controls need the program's path here; most builds
        // run with none, and skip the read.
        let exe = read_link(&format!("/proc/{tid}/exe")).unwrap_or_default();
        proc_.comm = (!exe.is_empty()).then(|| basename(&exe));
        if proc_.sandbox.exec != Mode::Off && !self.exec_recheck(tid, &exe) {
            return;
        }
        let Some(proc_) = self.procs.get_mut(&tid) else { return };
        if let Some(rule) = self.global.exec_match(&self.global.kill_if_match, &exe) {
            let message = format!(
                "kill_if_match pattern=`{}' matches execve path=`{}', killing process {tid}",
                rule.pattern,
                String::from_utf8_lossy(&exe)
            );
            self.reporter.message(policy::level::WARNING, &message);
            let _ = signal::kill(Pid::from_raw(tid), Signal::SIGKILL);
            return;
        }
        if self.global.exec_match(&self.global.resume_if_match, &exe).is_some() {
            proc_.ignored = true;
        }
    }

    /// Checks, at the exec event, that the program now running is the one
    /// the exec check allowed: the same path, that script's `#!`
    /// interpreter, or a path the exec rules allow anyway. Anything else
    /// means the path changed between the check and the kernel's use of
    /// it (another thread rewrote it): the process is killed before it runs
    /// a single instruction of the new program. Returns whether it lives.
    fn exec_recheck(&mut self, tid: i32, exe: &[u8]) -> bool {
        let allowed = self.exec_allowed.remove(&tid);
        let Some(proc_) = self.procs.get(&tid) else { return true };
        if proc_.sandbox.check_path(Category::Exec, exe, &self.global, &[]).allow {
            return true;
        }
        if let Some(allowed) = &allowed {
            if allowed.as_slice() == exe {
                return true;
            }
            let view = self.view(tid, tid);
            if script_interpreter(&view, allowed).is_some_and(|interpreter| interpreter == exe) {
                return true;
            }
        }
        let call = Call { tid, tgid: tid, name: "execve", args: [0; 6] };
        let description = format!("execve(`{}')", String::from_utf8_lossy(exe));
        let rule = Rule::Builtin("exec re-checked at PTRACE_EVENT_EXEC: not the program that was allowed".into());
        let tip = Some(policy::tip_for_path(Category::Exec, exe));
        self.report(&call, Some(Category::Exec), exe.to_vec(), description, libc::EACCES, rule, tip);
        let _ = signal::kill(Pid::from_raw(tid), Signal::SIGKILL);
        false
    }

    /// Reports whether thread `tid` has the supervisor's root. Until a traced
    /// process calls `chroot` this needs no system call: every
    /// tracee of a plain run shares the supervisor's root (pivot_root,
    /// setns and new mount namespaces are refused), and every tracee of an
    /// `--isolate` run has the view's.
    fn same_root(&self, tid: i32) -> bool {
        if !self.roots_move {
            return !self.isolated;
        }
        use std::os::unix::fs::MetadataExt as _;
        let theirs = std::fs::metadata(format!("/proc/{tid}/root"));
        let ours = std::fs::metadata("/");
        matches!((theirs, ours), (Ok(a), Ok(b)) if a.dev() == b.dev() && a.ino() == b.ino())
    }

    /// Reports whether thread `tid` runs in the `--isolate` view: a root
    /// that is not the supervisor's and reads as `/` (a chroot reads as its
    /// path).
    fn in_view(&self, tid: i32) -> bool {
        if !self.roots_move {
            return self.isolated;
        }
        !self.same_root(tid) && read_link(&format!("/proc/{tid}/root")).is_ok_and(|root| root == b"/")
    }

    fn view(&mut self, tid: i32, tgid: i32) -> View {
        if self.same_root(tid) {
            return View { root_prefix: Vec::new(), tgid, tid };
        }
        // Another root (a chroot, or the --isolate view), whose /proc may
        // belong to another pid namespace: /proc/self takes the pids the
        // tracee sees there. Pid 0 (no /proc/0) fails closed for a thread
        // that vanished.
        let root_prefix = format!("/proc/{tid}/root").into_bytes();
        let (ns_tgid, ns_tid) = self.namespace_ids(tid).unwrap_or((0, 0));
        View { root_prefix, tgid: ns_tgid, tid: ns_tid }
    }

    /// `resolve::namespace_ids`, cached while the thread lives.
    fn namespace_ids(&mut self, tid: i32) -> Option<(i32, i32)> {
        if let Some(ids) = self.ns_ids.get(&tid) {
            return Some(*ids);
        }
        let ids = resolve::namespace_ids(tid)?;
        // Only traced threads are cached: their end removes the entry.
        if self.threads.contains_key(&tid) {
            self.ns_ids.insert(tid, ids);
        }
        Some(ids)
    }

    fn on_syscall(&mut self, tid: i32) {
        let pid = Pid::from_raw(tid);
        let Ok(mut regs) = ptrace::getregs(pid) else {
            // The thread vanished (killed, or its group exec'd): nothing to resume.
            return;
        };
        let outcome = self.decide(tid, regs.orig_rax, regs_args(&regs));
        match outcome {
            Outcome::Allow => resume(tid, None),
            Outcome::Deny(errno) => {
                regs.orig_rax = u64::MAX;
                regs.rax = (-i64::from(errno)) as u64;
                let _ = ptrace::setregs(pid, regs);
                resume(tid, None);
            }
            Outcome::Return(value) => {
                regs.orig_rax = u64::MAX;
                regs.rax = value as u64;
                let _ = ptrace::setregs(pid, regs);
                resume(tid, None);
            }
            Outcome::AtExit(work) => {
                self.at_exit.insert(tid, work);
                if ptrace::syscall(pid, None).is_err() {
                    self.at_exit.remove(&tid);
                }
            }
            Outcome::AddFilter { program, added } => match self.rewrite_into_seccomp(tid, regs, &program) {
                Ok(()) => {
                    self.at_exit.insert(tid, AtExit::Filter { saved: Box::new(regs), added });
                    if ptrace::syscall(pid, None).is_err() {
                        self.at_exit.remove(&tid);
                    }
                }
                Err(errno) => {
                    // The magic call fails and changes nothing.
                    let message = format!("adding a seccomp filter to process {tid} failed: {errno}");
                    self.reporter.message(policy::level::WARNING, &message);
                    regs.orig_rax = u64::MAX;
                    regs.rax = (-i64::from(errno as i32)) as u64;
                    let _ = ptrace::setregs(pid, regs);
                    resume(tid, None);
                }
            },
        }
    }

    /// Turns the stopped call into `seccomp(SECCOMP_SET_MODE_FILTER,
    /// SECCOMP_FILTER_FLAG_TSYNC, &prog)`, with the program written into
    /// the tracee's stack below the red zone. The process already has
    /// `no_new_privs`, set before its first filter.
    fn rewrite_into_seccomp(&mut self, tid: i32, regs: user_regs_struct, program: &[crate::seccomp::SockFilter]) -> Result<(), Errno> {
        let call = seccomp_call_regs(Pid::from_raw(tid), regs, program)?;
        ptrace::setregs(Pid::from_raw(tid), call)
    }

    /// Adds a filter to a thread stopped by `PTRACE_INTERRUPT` right after
    /// a notified magic call returned: it points the thread back at that
    /// call's `syscall` instruction with seccomp(2) arguments, and restores
    /// everything at the exit stop. Returns whether the thread was resumed.
    fn inject_filter(&mut self, tid: i32, program: &[crate::seccomp::SockFilter], added: crate::seccomp::TraceSet) -> bool {
        let pid = Pid::from_raw(tid);
        let Ok(regs) = ptrace::getregs(pid) else { return false };
        // `syscall` is the two bytes 0f 05 just before the resume address.
        let at = regs.rip.wrapping_sub(2);
        if mem::read_bytes(pid, at, 2).ok().as_deref() != Some(&[0x0f, 0x05]) {
            let message = format!("cannot add a seccomp filter to {tid}: it did not stop after a syscall instruction");
            self.reporter.message(policy::level::WARNING, &message);
            return false;
        }
        let Ok(mut call) = seccomp_call_regs(pid, regs, program) else { return false };
        call.rip = at;
        call.rax = libc::SYS_seccomp as u64;
        call.orig_rax = u64::MAX;
        if ptrace::setregs(pid, call).is_err() {
            return false;
        }
        let work = AtExit::FilterEntry { saved: Box::new(regs), added };
        self.at_exit.insert(tid, work);
        if ptrace::syscall(pid, None).is_err() {
            self.at_exit.remove(&tid);
            return false;
        }
        true
    }

    /// Handles a syscall stop; returns whether the tracee was resumed.
    fn on_exit_stop(&mut self, tid: i32) -> bool {
        let Some(work) = self.at_exit.remove(&tid) else { return false };
        let Ok(regs) = ptrace::getregs(Pid::from_raw(tid)) else { return false };
        match work {
            AtExit::FilterEntry { saved, added } => {
                // The entry stop of the injected seccomp(2): run it.
                self.at_exit.insert(tid, AtExit::Filter { saved, added });
                if ptrace::syscall(Pid::from_raw(tid), None).is_err() {
                    self.at_exit.remove(&tid);
                }
                return true;
            }
            AtExit::Bind { fd, target } => {
                if regs.rax == 0 {
                    self.record_bind(tid, fd, target);
                }
            }
            AtExit::Filter { saved, added } => {
                let mut restored = *saved;
                if regs.rax == 0 {
                    let tgid = self.threads.get(&tid).copied().unwrap_or(tid);
                    if let Some(proc_) = self.procs.get_mut(&tgid) {
                        proc_.traced = proc_.traced.union(&added);
                    }
                    // Restart the magic call: back to its syscall
                    // instruction with its number, which the new filter
                    // lets through to be applied.
                    restored.rip = saved.rip.wrapping_sub(2);
                    restored.rax = saved.orig_rax;
                    restored.orig_rax = u64::MAX;
                } else {
                    let message = format!("seccomp(2) in process {tid} to add a filter failed with {}", regs.rax as i64);
                    self.reporter.message(policy::level::WARNING, &message);
                    restored.rax = (-i64::from(libc::EPERM)) as u64;
                    restored.orig_rax = u64::MAX;
                }
                let _ = ptrace::setregs(Pid::from_raw(tid), restored);
            }
        }
        false
    }

    /// Adds the address of a successful bind to the connect whitelist,
    /// asking the socket itself for the port when the bind chose port 0.
    fn record_bind(&mut self, tid: i32, fd: i32, target: SockTarget) {
        let tgid = self.threads.get(&tid).copied().unwrap_or(tid);
        let Ok(link) = read_link(&format!("/proc/{tgid}/fd/{fd}")) else { return };
        let bound = match target {
            SockTarget::Inet(a) if a.port() == 0 => self.socket_name(tgid, fd),
            SockTarget::Inet6(a) if a.port() == 0 => self.socket_name(tgid, fd),
            other => Some(other),
        };
        if let Some(bound) = bound {
            self.whitelist_bound(tgid, fd, link, bound);
        }
    }

    /// Records a bind let through without ptrace, for `settle_binds`. Only
    /// an inet socket that is not bound yet counts: one bound already (an
    /// inherited listening socket, say) fails the bind but would match
    /// its own name. Unix path binds never come here: a profile that
    /// whitelists them keeps ptrace (`needs_ptrace`), because a path's
    /// name cannot tell which file the socket got.
    fn add_pending_bind(&mut self, tgid: i32, fd: i32, requested: SockTarget) {
        if !matches!(requested, SockTarget::Inet(_) | SockTarget::Inet6(_)) {
            return;
        }
        let Ok(link) = read_link(&format!("/proc/{tgid}/fd/{fd}")) else { return };
        let unbound = self.socket_name(tgid, fd).is_some_and(|name| addr::bind_state(&requested, &name) == addr::BindState::Unbound);
        if !unbound {
            return;
        }
        if self.pending_binds.len() >= PENDING_BINDS_SETTLED_AT {
            self.settle_binds();
        }
        // One entry per socket: a later bind of it replaces the earlier.
        self.pending_binds.retain(|b| b.link != link);
        if self.pending_binds.len() >= PENDING_BINDS_MAX {
            // The oldest gives way: at worst a connect to it is refused.
            self.pending_binds.remove(0);
        }
        self.pending_binds.push(PendingBind { tgid, fd, link, requested });
    }

    /// Settles the binds let through without ptrace: a socket bound as
    /// requested adds its address to the connect whitelist, one not bound yet
    /// stays pending, and one closed or bound elsewhere is dropped. A
    /// connect cannot reach a socket before its bind has returned, so
    /// reading the sockets at a connect check loses nothing.
    fn settle_binds(&mut self) {
        for bind in std::mem::take(&mut self.pending_binds) {
            let Some(fd) = socket_fd(bind.tgid, bind.fd, &bind.link) else { continue };
            let Some(name) = self.socket_name(bind.tgid, fd) else { continue };
            match addr::bind_state(&bind.requested, &name) {
                addr::BindState::Bound(bound) => self.whitelist_bound(bind.tgid, fd, bind.link, bound),
                addr::BindState::Unbound => self.pending_binds.push(PendingBind { fd, ..bind }),
                addr::BindState::Elsewhere => {}
            }
        }
    }

    /// Adds `bound`, the address of socket `link` at descriptor `fd` of
    /// process `tgid`, to the connect whitelist while that socket lives.
    fn whitelist_bound(&mut self, tgid: i32, fd: i32, link: Vec<u8>, bound: SockTarget) {
        // A socket bound to an IPv4-mapped IPv6 address also takes IPv4
        // connects to the plain address, which match no IPv6 pattern.
        if let SockTarget::Inet6(a) = &bound {
            if let Some(v4) = a.ip().to_ipv4_mapped() {
                let plain = SockTarget::Inet(std::net::SocketAddrV4::new(v4, a.port()));
                self.whitelist_bound(tgid, fd, link.clone(), plain);
            }
        }
        let pattern = match &bound {
            SockTarget::Inet(a) => AddrPattern::Inet {
                net: ipnet::Ipv4Net::new(*a.ip(), 32).expect("/32 is a valid prefix"),
                ports: a.port()..=a.port(),
            },
            SockTarget::Inet6(a) => AddrPattern::Inet6 {
                net: ipnet::Ipv6Net::new(*a.ip(), 128).expect("/128 is a valid prefix"),
                ports: a.port()..=a.port(),
            },
            SockTarget::Unix(path) => AddrPattern::Unix(literal_pattern(path)),
            _ => return,
        };
        self.auto_connect.push(AddrRule {
            text: bound.to_string(),
            pattern,
            action: policy::Action::Allow,
            origin: Origin::Builtin("core/whitelist/successful_bind"),
        });
        self.auto_sockets.push((tgid, fd, link));
    }

    /// Drops the successful-bind entries whose socket the binding process
    /// has closed (or whose descriptor now names another file).
    fn prune_auto_connect(&mut self) {
        let mut index = 0;
        while index < self.auto_sockets.len() {
            let (tgid, fd, link) = &self.auto_sockets[index];
            if let Some(now) = socket_fd(*tgid, *fd, link) {
                self.auto_sockets[index].1 = now;
                index += 1;
            } else {
                self.auto_sockets.remove(index);
                self.auto_connect.remove(index);
            }
        }
    }

    fn socket_name(&self, tgid: i32, fd: i32) -> Option<SockTarget> {
        let pidfd = crate::sys::pidfd_open(Pid::from_raw(tgid)).ok()?;
        let socket = crate::sys::pidfd_getfd(&pidfd, fd).ok()?;
        let name = crate::sys::getsockname(socket.as_raw_fd()).ok()?;
        addr::decode_sockaddr(&name)
    }

    /// Decides one trapped call.
    ///
    /// Both channels come here: ptrace stops with the registers' number
    /// and arguments, user notifications with their `seccomp_data`.
    fn decide(&mut self, tid: i32, nr: u64, args: [u64; 6]) -> Outcome {
        let tgid = if self.ptraced {
            let Some(&tgid) = self.threads.get(&tid) else {
                // Fail closed: a thread the supervisor does not know.
                return Outcome::Deny(libc::EPERM);
            };
            tgid
        } else {
            // The caller waits in the call, so its id stays its own. If it
            // is gone, the kernel discards the reply.
            let Some(tgid) = thread_group_of(tid) else { return Outcome::Deny(libc::EPERM) };
            tgid
        };
        let Some(row) = table::row(nr) else { return Outcome::Deny(libc::ENOSYS) };
        *self.stops.entry(row.name).or_insert(0) += 1;
        let Some(proc_) = self.record(tgid) else {
            // Fail closed: a thread whose process has no record.
            tracing::error!(tid, tgid, "process record not found for a traced thread; call denied with EPERM");
            return Outcome::Deny(libc::EPERM);
        };
        let ignored = proc_.ignored;
        let call = Call { tid, tgid, name: row.name, args };
        if let Some(outcome) = self.check_process_limit(row.name, &args) {
            return outcome;
        }
        match row.handling {
            Handling::Stat(kind) => self.magic_stat(&call, kind),
            Handling::Signal(kind) => self.signal(&call, kind),
            Handling::Chroot => {
                self.roots_move = true;
                Outcome::Allow
            }
            _ if ignored => Outcome::Allow,
            Handling::Open { path, flags } => {
                let flags = args[flags as usize];
                self.open(&call, &path, flags, 0)
            }
            Handling::OpenHow { path } => {
                // struct open_how { u64 flags; u64 mode; u64 resolve; }
                if args[3] < 24 {
                    return Outcome::Allow;
                }
                match mem::read_bytes(Pid::from_raw(tid), args[2], 24) {
                    Ok(how) => {
                        let flags = u64::from_ne_bytes(how[0..8].try_into().expect("8 bytes"));
                        let resolve = u64::from_ne_bytes(how[16..24].try_into().expect("8 bytes"));
                        self.open(&call, &path, flags, resolve)
                    }
                    Err(errno) => Outcome::Deny(errno as i32),
                }
            }
            Handling::Access { path, mode } => self.access(&call, &path, args[mode as usize]),
            Handling::Write(paths) => self.write(&call, paths),
            Handling::Read(path) => {
                // listxattr is a "safe" call: a denial is ENOTSUP.
                let follow = follow_of(&path, &args);
                match self.check_with(&call, &path, Category::Read, follow, 0, libc::ENOTSUP, true) {
                    Ok(()) => Outcome::Allow,
                    Err(denied) => Outcome::Deny(denied.errno),
                }
            }
            Handling::Exec(path) => self.exec(&call, &path),
            Handling::Net(kind) => self.net(&call, kind),
            Handling::Allow => Outcome::Allow,
            Handling::Refuse(errno) => Outcome::Deny(errno),
        }
    }

    /// Returns the record of process `tgid`. Without ptrace, every process
    /// has the first one: no magic call can change a record then.
    fn record(&self, tgid: i32) -> Option<&Proc> {
        self.procs.get(if self.ptraced { &tgid } else { &self.first })
    }

    fn sandbox(&self, tgid: i32) -> Option<&Sandbox> {
        self.record(tgid).map(|p| &p.sandbox)
    }

    /// Returns the parent of process `tgid` in a run without ptrace, as
    /// ptrace runs report it: 0 for the command and for orphans, whose
    /// parent is sydbox (or under `--isolate`, its pid 1).
    fn sandboxed_parent(&self, tgid: i32) -> i32 {
        let parent = resolve::parent_of(tgid).unwrap_or(0);
        if parent == self.own_pid || (self.isolated && parent == self.first) {
            0
        } else {
            parent
        }
    }

    /// The traced process and its traced ancestors, whose `/proc/PID`
    /// directories the process may use (`per_process_directories`).
    /// Without ptrace the ancestors come from `/proc`, up to sydbox or,
    /// under `--isolate`, its pid 1.
    fn proc_pids(&self, call: &Call) -> Vec<i32> {
        let mut pids = vec![call.tid, call.tgid];
        let mut at = call.tgid;
        loop {
            let parent = if self.ptraced {
                match self.procs.get(&at) {
                    Some(p) => p.ppid,
                    None => break,
                }
            } else {
                self.sandboxed_parent(at)
            };
            if parent <= 0 || pids.contains(&parent) {
                break;
            }
            pids.push(parent);
            at = parent;
        }
        pids
    }

    /// Reads a path argument and resolves it in the tracee's view.
    fn resolve_arg(&mut self, call: &Call, arg: &PathArg, follow: bool, in_root: bool) -> Result<(Vec<u8>, Resolved), i32> {
        let pid = Pid::from_raw(call.tid);
        let ptr = call.args[arg.path as usize];
        let raw = if ptr == 0 { None } else { Some(mem::read_cstring(pid, ptr, mem::PATH_MAX).map_err(|e| e as i32)?) };
        let mut view = self.view(call.tid, call.tgid);
        // A chrooted tracee's paths are matched as host paths, so a root
        // process cannot chroot into a tree whose inner names the profile
        // whitelists (var/tmp, tmp) and write there.
        let host_root = if view.root_prefix.is_empty() {
            Vec::new()
        } else {
            let root = read_link(&format!("/proc/{}/root", call.tid))?;
            if root == b"/" { Vec::new() } else { root }
        };
        let mode = resolve::Mode { may_miss: arg.may_miss, follow };
        let (raw, resolved) = match raw {
            // A NULL path names the directory descriptor (futimesat,
            // utimensat) or, for other calls, the working directory.
            None => {
                let base = base_directory(call, arg)?;
                let resolved = resolve::resolve(&view, b"/", &base, mode).map_err(|e| e as i32)?;
                (Vec::new(), resolved)
            }
            Some(raw) => {
                let base = if raw.starts_with(b"/") && !in_root { b"/".to_vec() } else { base_directory(call, arg)? };
                if in_root {
                    // RESOLVE_IN_ROOT: the directory is the root of the lookup.
                    view.root_prefix.extend_from_slice(&base);
                    let resolved = resolve::resolve(&view, b"/", &raw, mode).map_err(|e| e as i32)?;
                    let mut path = base.clone();
                    if resolved.path != b"/" {
                        path.extend_from_slice(&resolved.path);
                    }
                    (raw, Resolved { path, kind: resolved.kind })
                } else {
                    let resolved = resolve::resolve(&view, &base, &raw, mode).map_err(|e| e as i32)?;
                    (raw, resolved)
                }
            }
        };
        if host_root.is_empty() {
            return Ok((raw, resolved));
        }
        let mut path = host_root;
        if resolved.path != b"/" {
            path.extend_from_slice(&resolved.path);
        }
        Ok((raw, Resolved { path, kind: resolved.kind }))
    }

    /// Checks one path argument for one category; on denial decides the
    /// errno and reports the violation.
    fn check(&mut self, call: &Call, arg: &PathArg, category: Category, in_root_flags: u64) -> Result<(), Denied> {
        self.check_with(call, arg, category, follow_of(arg, &call.args), in_root_flags, libc::EPERM, false)
    }

    /// Checks one path argument. `silent` marks sydbox-1's "safe" calls
    /// (`access`, `listxattr`), whose denials are reported only with
    /// `core/violation/raise_safe:true`.
    #[allow(clippy::too_many_arguments)]
    fn check_with(
        &mut self,
        call: &Call,
        arg: &PathArg,
        category: Category,
        follow: bool,
        resolve_flags: u64,
        deny_errno: i32,
        silent: bool,
    ) -> Result<(), Denied> {
        let Some(sandbox) = self.sandbox(call.tgid) else { return Err(Denied::silent(libc::EPERM)) };
        if sandbox.mode(category) == Mode::Off {
            return Ok(());
        }
        if category == Category::Read && resolve_flags == 0 && self.misses_masks(call, arg, follow) {
            return Ok(());
        }
        const RESOLVE_IN_ROOT: u64 = 0x10;
        let (raw, resolved) = match self.resolve_arg(call, arg, follow, resolve_flags & RESOLVE_IN_ROOT != 0) {
            Ok(found) => found,
            Err(errno) => {
                // Under --isolate, a path missing from the view but present
                // on the host is reported as hidden by the view, whatever
                // raise_fail says; the program still sees ENOENT.
                if errno == libc::ENOENT {
                    if let Some((raw, hidden)) = self.hidden_by_view(call, arg) {
                        let rule = Rule::Builtin("hidden by the view (--isolate)".into());
                        let tip = Some(format!("isolate/bind+{}", String::from_utf8_lossy(&hidden)));
                        let description = describe(call, arg, &raw, None);
                        self.report(call, Some(category), hidden, description, errno, rule, tip);
                        return Err(Denied { errno });
                    }
                }
                // Fail closed: deny with the resolution errno; report only
                // with raise_fail (spec section 5.3).
                if self.global.raise_fail {
                    let verdict = Rule::Builtin("core/violation/raise_fail:true".into());
                    self.report(call, Some(category), Vec::new(), format!("{}()", call.name), errno, verdict, None);
                    return Err(Denied { errno });
                }
                return Err(Denied::silent(errno));
            }
        };
        // Only a path under /proc can name a per-process directory.
        let mut pids = if resolved.path.starts_with(b"/proc/") { self.proc_pids(call) } else { Vec::new() };
        if !self.same_root(call.tid) {
            // Match /proc/PID rules with the pids the tracee sees.
            pids = pids.iter().filter_map(|pid| self.namespace_ids(*pid).map(|ids| ids.0)).collect();
        }
        let sandbox = self.sandbox(call.tgid).expect("checked above");
        let verdict = sandbox.check_path(category, &resolved.path, &self.global, &pids);
        if verdict.allow {
            if category == Category::Exec {
                self.exec_allowed.insert(call.tgid, resolved.path);
            }
            return Ok(());
        }
        // A "safe" denial: the call would fail anyway for the file's type,
        // so it fails with that errno, reported only with raise_safe.
        let mut deny_errno = deny_errno;
        if let Some(errno) = file_check(arg, &call.args, &resolved) {
            if !self.global.raise_safe {
                return Err(Denied::silent(errno));
            }
            deny_errno = errno;
        }
        let description = describe(call, arg, &raw, self.describe_prefix(call, arg));
        // A mask is lifted by removing it; a read whitelist entry would
        // lose to the mask's later blacklist entry, and to its mount.
        let tip = match &verdict.rule {
            Rule::Entry { origin, .. } if *origin == masks::MASK_ORIGIN => {
                Some(format!("isolate/mask-{}", String::from_utf8_lossy(&resolved.path)))
            }
            _ => Some(policy::tip_for_path(category, &resolved.path)),
        };
        if (silent && !self.global.raise_safe) || self.global.path_filtered(category, &resolved.path) {
            return Err(Denied::silent(deny_errno));
        }
        self.report(call, Some(category), resolved.path, description, deny_errno, verdict.rule, tip);
        Err(Denied { errno: deny_errno })
    }

    /// Reports whether a read check can be skipped because the only read
    /// rules are the view's masks and the path surely misses them (see
    /// `masks`). `false` means "check it fully".
    fn misses_masks(&mut self, call: &Call, arg: &PathArg, follow: bool) -> bool {
        let Some(proc_) = self.record(call.tgid) else { return false };
        if !self.masks.applies_to(&proc_.sandbox) || self.roots_move {
            return false;
        }
        // Only a caller in the view: its root is the view's root, the
        // same for every such process while no one has called chroot.
        if !self.isolated {
            return false;
        }
        let ptr = call.args[arg.path as usize];
        if ptr == 0 {
            return false;
        }
        let Ok(raw) = mem::read_cstring(Pid::from_raw(call.tid), ptr, mem::PATH_MAX) else { return false };
        if raw.is_empty() {
            return false;
        }
        let absolute = if raw.starts_with(b"/") {
            raw
        } else {
            let Ok(mut base) = base_directory(call, arg) else { return false };
            base.push(b'/');
            base.extend_from_slice(&raw);
            base
        };
        self.masks.misses_masks(call.tid, &absolute, follow)
    }

    /// Returns the raw path of a call's argument and what it reaches on the
    /// host, when the calling process runs in an `--isolate` view (its root
    /// is a pivoted root that reads as `/`) and the host has it.
    fn hidden_by_view(&self, call: &Call, arg: &PathArg) -> Option<(Vec<u8>, Vec<u8>)> {
        if !self.in_view(call.tid) {
            return None;
        }
        let ptr = call.args[arg.path as usize];
        if ptr == 0 {
            return None;
        }
        let raw = mem::read_cstring(Pid::from_raw(call.tid), ptr, mem::PATH_MAX).ok()?;
        if raw.is_empty() {
            // An empty path is missing everywhere, not hidden by the view.
            return None;
        }
        let absolute = if raw.starts_with(b"/") {
            raw.clone()
        } else if arg.dirfd.is_none_or(|i| call.args[i as usize] as i32 == libc::AT_FDCWD) {
            let mut cwd = read_link(&format!("/proc/{}/cwd", call.tid)).ok()?;
            cwd.push(b'/');
            cwd.extend_from_slice(&raw);
            cwd
        } else {
            return None;
        };
        use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
        // Name what the path reaches on the host: through a symlink that
        // is the target; for a call that creates, an existing parent.
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&absolute));
        let found = std::fs::canonicalize(path).ok().or_else(|| {
            if !arg.may_miss {
                return None;
            }
            let parent = std::fs::canonicalize(path.parent()?).ok()?;
            Some(parent.join(path.file_name()?))
        })?;
        Some((raw, found.into_os_string().into_vec()))
    }

    fn describe_prefix(&self, call: &Call, arg: &PathArg) -> Option<String> {
        let fd = call.args[arg.dirfd? as usize] as i32;
        if fd == libc::AT_FDCWD {
            return Some("(null)".into());
        }
        Some(String::from_utf8_lossy(&read_link(&format!("/proc/{}/fd/{fd}", call.tid)).unwrap_or_default()).into_owned())
    }

    fn open(&mut self, call: &Call, arg: &PathArg, flags: u64, resolve_flags: u64) -> Outcome {
        let flags = flags as i32;
        let accmode = flags & libc::O_ACCMODE;
        let tmpfile = flags & 0x0040_0000 != 0;
        let writes = accmode == libc::O_WRONLY
            || accmode == libc::O_RDWR
            || flags & (libc::O_CREAT | libc::O_TRUNC) != 0
            || tmpfile;
        let reads = accmode == libc::O_RDONLY || accmode == libc::O_RDWR;
        let mut arg = *arg;
        if flags & libc::O_CREAT != 0 && !tmpfile {
            arg.may_miss = true;
        }
        let excl = flags & libc::O_CREAT != 0 && flags & libc::O_EXCL != 0;
        if excl {
            arg.check = FileCheck::MustNotExist;
        }
        let follow = flags & libc::O_NOFOLLOW == 0 && !excl;
        if writes {
            if let Err(denied) = self.check_with(call, &arg, Category::Write, follow, resolve_flags, libc::EPERM, false) {
                return Outcome::Deny(denied.errno);
            }
        }
        if reads {
            // `O_DIRECTORY` on anything else fails with ENOTDIR: tools probe
            // paths this way (`ln`, `cp`), and such a probe reads nothing.
            let probe = flags & libc::O_DIRECTORY != 0 && flags & libc::O_CREAT == 0;
            arg.check = if probe { FileCheck::MustBeDirectory } else { FileCheck::None };
            if let Err(denied) = self.check_with(call, &arg, Category::Read, follow, resolve_flags, libc::EPERM, false) {
                return Outcome::Deny(denied.errno);
            }
        }
        Outcome::Allow
    }

    fn access(&mut self, call: &Call, arg: &PathArg, mode: u64) -> Outcome {
        let follow = follow_of(arg, &call.args);
        // Write is checked first, then read for every mode (spec 5.5).
        let mut categories = Vec::with_capacity(2);
        if mode & libc::W_OK as u64 != 0 {
            categories.push(Category::Write);
        }
        categories.push(Category::Read);
        for category in categories {
            if let Err(denied) = self.check_with(call, arg, category, follow, 0, libc::EACCES, true) {
                return Outcome::Deny(denied.errno);
            }
        }
        Outcome::Allow
    }

    fn write(&mut self, call: &Call, paths: &[PathArg]) -> Outcome {
        for arg in paths {
            if let Err(denied) = self.check(call, arg, Category::Write, 0) {
                return Outcome::Deny(denied.errno);
            }
        }
        Outcome::Allow
    }

    fn exec(&mut self, call: &Call, arg: &PathArg) -> Outcome {
        if self.record(call.tgid).is_some_and(|p| p.exempt_exec) {
            return Outcome::Allow;
        }
        let flags = if call.name == "execveat" { call.args[4] } else { 0 };
        let empty_path = flags & libc::AT_EMPTY_PATH as u64 != 0;
        if empty_path {
            // fexecve(): the descriptor names the file.
            let fd = call.args[0] as i32;
            let Ok(target) = read_link(&format!("/proc/{}/fd/{fd}", call.tid)) else {
                return Outcome::Deny(libc::EBADF);
            };
            let Some(sandbox) = self.sandbox(call.tgid) else { return Outcome::Deny(libc::EPERM) };
            let verdict = sandbox.check_path(Category::Exec, &target, &self.global, &[]);
            if verdict.allow {
                return Outcome::Allow;
            }
            let description = format!("execveat(`{}')", String::from_utf8_lossy(&target));
            let tip = Some(policy::tip_for_path(Category::Exec, &target));
            if !self.global.path_filtered(Category::Exec, &target) {
                self.report(call, Some(Category::Exec), target, description, libc::EACCES, verdict.rule, tip);
            }
            return Outcome::Deny(libc::EACCES);
        }
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW as u64 == 0;
        match self.check_with(call, arg, Category::Exec, follow, 0, libc::EACCES, false) {
            Ok(()) => Outcome::Allow,
            Err(denied) => Outcome::Deny(denied.errno),
        }
    }

    fn net(&mut self, call: &Call, kind: NetCall) -> Outcome {
        let Some(sandbox) = self.sandbox(call.tgid) else { return Outcome::Deny(libc::EPERM) };
        if sandbox.network == Mode::Off {
            return Outcome::Allow;
        }
        let pid = Pid::from_raw(call.tid);
        let (category, errno) = match kind {
            NetCall::Bind => (Category::Bind, libc::EADDRNOTAVAIL),
            _ => (Category::Connect, libc::ECONNREFUSED),
        };
        // Every (address pointer, length) the call carries.
        let mut addresses: Vec<(u64, u64)> = Vec::new();
        match kind {
            NetCall::Bind | NetCall::Connect => addresses.push((call.args[1], call.args[2])),
            NetCall::SendTo => addresses.push((call.args[4], call.args[5])),
            NetCall::SendMsg => match msghdr_name(pid, call.args[1]) {
                Ok(found) => addresses.extend(found),
                Err(e) => return Outcome::Deny(e),
            },
            NetCall::SendMmsg => {
                // struct mmsghdr is a msghdr (56 bytes) and a u32, padded to 64.
                let count = call.args[2].min(1024);
                for index in 0..count {
                    match msghdr_name(pid, call.args[1] + index * 64) {
                        Ok(found) => addresses.extend(found),
                        Err(e) => return Outcome::Deny(e),
                    }
                }
            }
        }
        let mut at_exit = None;
        for (ptr, len) in addresses {
            if ptr == 0 || len == 0 {
                continue;
            }
            let len = len.min(128) as usize;
            let bytes = match mem::read_bytes(pid, ptr, len) {
                Ok(bytes) => bytes,
                Err(e) => return Outcome::Deny(e as i32),
            };
            let Some(mut target) = addr::decode_sockaddr(&bytes) else { return Outcome::Deny(libc::EINVAL) };
            if let SockTarget::Unix(path) = &target {
                // A socket path is resolved like a file to be created.
                let arg = PathArg { dirfd: None, path: 0, may_miss: true, follow: Follow::Always, check: FileCheck::None };
                let cwd = match read_link(&format!("/proc/{}/cwd", call.tid)) {
                    Ok(cwd) => cwd,
                    Err(e) => return Outcome::Deny(e),
                };
                let view = self.view(call.tid, call.tgid);
                match resolve::resolve(&view, &cwd, path, resolve::Mode { may_miss: true, follow: true }) {
                    Ok(resolved) => target = SockTarget::Unix(resolved.path),
                    Err(e) => {
                        let _ = arg;
                        return Outcome::Deny(e as i32);
                    }
                }
            }
            if category == Category::Connect && !self.pending_binds.is_empty() {
                self.settle_binds();
            }
            if category == Category::Connect && !self.auto_connect.is_empty() {
                self.prune_auto_connect();
            }
            let sandbox = self.sandbox(call.tgid).expect("checked above");
            let verdict = sandbox.check_addr(category, &target, &self.global, &self.auto_connect);
            if !verdict.allow {
                let errno = if matches!(target, SockTarget::Other(_)) { libc::EAFNOSUPPORT } else { errno };
                let description = format!("{}({}, {target})", call.name, call.args[0] as i32);
                let tip = Some(policy::tip_for_addr(category, &target));
                let filtered = !matches!(target, SockTarget::Other(_)) && self.global.addr_filtered(&target);
                if !filtered {
                    self.report(call, Some(category), target.to_string().into_bytes(), description, errno, verdict.rule, tip);
                }
                return Outcome::Deny(errno);
            }
            if kind == NetCall::Bind
                && self.global.successful_bind
                && matches!(target, SockTarget::Inet(_) | SockTarget::Inet6(_) | SockTarget::Unix(_))
            {
                let fd = call.args[0] as i32;
                if self.ptraced {
                    at_exit = Some(AtExit::Bind { fd, target });
                } else {
                    self.add_pending_bind(call.tgid, fd, target);
                }
            }
        }
        match at_exit {
            Some(work) => Outcome::AtExit(work),
            None => Outcome::Allow,
        }
    }

    /// Refuses a call that would signal, limit, reschedule or read the
    /// supervisor itself or, under `--isolate`, sydbox's pid 1, which the
    /// command sees as pid 1 of its namespace.
    fn signal(&mut self, call: &Call, kind: SignalCall) -> Outcome {
        let target = call.args[0] as i32;
        let caller_group = || nix::unistd::getpgid(Some(Pid::from_raw(call.tid))).map(|p| p.as_raw()).unwrap_or(0);
        let isolated = self.in_view(call.tid);
        // The pids the caller may not name: sydbox's own, and in the view
        // pid 1 (sydbox's reaper).
        let ours = |pid: i32| pid == self.own_pid || (isolated && pid == 1);
        let hits_us = match kind {
            SignalCall::Process => {
                ours(target)
                    || target == -1
                    || (target == 0 && caller_group() == self.own_pgrp)
                    || (target < -1 && -target == self.own_pgrp)
            }
            SignalCall::Thread | SignalCall::ThreadGroup | SignalCall::PidfdOpen => ours(target),
            SignalCall::Pid(arg) => ours(call.args[arg as usize] as i32),
            SignalCall::Pidfd => {
                let fd = call.args[0] as i32;
                // A descriptor sydbox may not inspect (a non-dumpable
                // caller's, as after an exec of an unreadable program)
                // could name it: fail closed.
                let hidden = std::fs::read(format!("/proc/{}/fdinfo/{fd}", call.tid))
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied);
                hidden || pid_behind_fd(call.tid, fd) == Some(self.own_pid) || (isolated && names_view_init(call.tid, fd))
            }
            SignalCall::Priority { process, group, user } => {
                let which = call.args[0];
                let who = call.args[1] as i32;
                if which == process {
                    ours(who)
                } else if which == group {
                    who == self.own_pgrp || (who == 0 && caller_group() == self.own_pgrp)
                } else if which == user {
                    // Every process of that user, the supervisor's included.
                    let uid = nix::unistd::getuid().as_raw() as i32;
                    who == uid || who == 0
                } else {
                    false
                }
            }
        };
        if !hits_us {
            return Outcome::Allow;
        }
        // Name the pid the call aims at: for the priority calls that is
        // the second argument, after `which`.
        let aimed = match kind {
            SignalCall::Pid(arg) => call.args[arg as usize] as i32,
            SignalCall::Priority { .. } => call.args[1] as i32,
            _ => target,
        };
        let description = format!("{}({aimed})", call.name);
        self.report(call, None, Vec::new(), description, libc::EPERM, Rule::Builtin("calls aimed at sydbox are refused".into()), None);
        Outcome::Deny(libc::EPERM)
    }

    fn magic_stat(&mut self, call: &Call, kind: StatCall) -> Outcome {
        let (path_arg, buf_arg) = match kind {
            StatCall::Stat | StatCall::Lstat => (0, 1),
            StatCall::Newfstatat => (1, 2),
            StatCall::Statx => (1, 4),
        };
        let pid = Pid::from_raw(call.tid);
        let ptr = call.args[path_arg];
        if ptr == 0 {
            return Outcome::Allow;
        }
        // Most stat calls are not magic: compare the prefix first, with one
        // short read, and read the whole path only for a magic one.
        const PREFIX: &[u8; 11] = b"/dev/sydbox";
        let mut head = [0u8; PREFIX.len()];
        match mem::read_into(pid, ptr, &mut head) {
            Ok(()) if &head == PREFIX => {}
            _ => return Outcome::Allow,
        }
        let Ok(path) = mem::read_cstring(pid, ptr, mem::PATH_MAX) else { return Outcome::Allow };
        let Some(rest) = path.strip_prefix(PREFIX.as_slice()) else { return Outcome::Allow };
        if !(rest.is_empty() || rest.starts_with(b"/")) {
            return Outcome::Allow;
        }
        match self.procs.get(&call.tgid) {
            Some(proc_) if proc_.sandbox.lock != LockState::On => {}
            _ => return Outcome::Allow,
        }
        let command = rest.strip_prefix(b"/").unwrap_or(b"");
        if let Some(outcome) = self.filter_needed(call.tgid, command) {
            return outcome;
        }
        let Some(proc_) = self.procs.get_mut(&call.tgid) else { return Outcome::Allow };
        let result = if rest.is_empty() {
            // `/dev/sydbox` itself: the "am I sandboxed?" probe.
            Ok(Applied::Done)
        } else if command.is_empty() {
            Err(profile::MagicError::InvalidCommand("`/dev/sydbox/' names no command".into()))
        } else {
            let text = String::from_utf8_lossy(command).into_owned();
            profile::parse_command(&text).and_then(|item| {
                let origin = Origin::Runtime { pid: call.tgid };
                let spanned = Spanned { origin: origin.clone(), item };
                policy::apply(&mut self.global, &mut proc_.sandbox, &spanned.item, &origin, Context::Runtime)
            })
        };
        let errno = match result {
            Ok(Applied::Done | Applied::Answer(true)) => 0,
            Ok(Applied::Answer(false)) => libc::ENOENT,
            Ok(Applied::Exec(argv)) => {
                let isolated = self.in_view(call.tid);
                let errno = run_outside(call, &argv, isolated);
                if errno != 0 {
                    let message = format!(
                        "cmd/exec of `{}' for process {} failed: {}",
                        argv[0],
                        call.tgid,
                        Errno::from_raw(errno).desc()
                    );
                    self.reporter.message(policy::level::WARNING, &message);
                }
                errno
            }
            Err(err) => {
                let message = format!("failed to cast magic=`{}': {err}", String::from_utf8_lossy(&path));
                self.reporter.message(policy::level::WARNING, &message);
                err.errno()
            }
        };
        if errno != 0 {
            return Outcome::Deny(errno);
        }
        let buf = call.args[buf_arg];
        if buf == 0 {
            // The kernel fails a stat with no buffer likewise.
            return Outcome::Deny(libc::EFAULT);
        }
        {
            let fake = match kind {
                StatCall::Statx => fake_statx(),
                _ => fake_stat(),
            };
            if let Err(e) = mem::write_bytes(pid, buf, &fake) {
                return Outcome::Deny(e as i32);
            }
        }
        Outcome::Return(0)
    }

    /// Returns `AddFilter` when a magic command would turn on a category
    /// that the process's filters do not stop for; the command is applied
    /// only when the call is restarted under the new filter.
    fn filter_needed(&self, tgid: i32, command: &[u8]) -> Option<Outcome> {
        let proc_ = self.procs.get(&tgid)?;
        let text = std::str::from_utf8(command).ok()?;
        let parsed = profile::parse_command(text).ok()?;
        if parsed.op != Some(profile::Op::Set) || parsed.value.is_empty() {
            return None;
        }
        let mut wanted = crate::seccomp::TraceSet::default();
        let slot = match parsed.key {
            profile::Key::SandboxExec => &mut wanted.exec,
            profile::Key::SandboxRead => &mut wanted.read,
            profile::Key::SandboxWrite => &mut wanted.write,
            profile::Key::SandboxNetwork => &mut wanted.network,
            _ => return None,
        };
        // An invalid value is rejected when the command is applied.
        let off = matches!(parsed.value.as_str(), "off" | "0");
        let known = ["off", "allow", "deny", "0", "1", "2"].contains(&parsed.value.as_str());
        if off || !known {
            return None;
        }
        *slot = true;
        let added = wanted.minus(&proc_.traced);
        if added.is_empty() {
            return None;
        }
        match crate::seccomp::trace_program(&added) {
            Ok(program) => Some(Outcome::AddFilter { program, added }),
            Err(err) => {
                tracing::warn!(%err, "cannot build a filter for a category enabled at run time");
                Some(Outcome::Deny(libc::ENOMEM))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        call: &Call,
        category: Option<Category>,
        target: Vec<u8>,
        description: String,
        errno: i32,
        rule: Rule,
        tip: Option<String>,
    ) {
        let exec_events = self.exec_events;
        if let Some(p) = self.procs.get_mut(&call.tgid) {
            if p.comm.is_none() && exec_events {
                // From the calling thread: the leader may have exited
                // while other threads run, and its `exe` link is then gone.
                p.comm = exe_name(call.tid);
            }
        }
        let proc_ = self.record(call.tgid);
        let ppid = if self.ptraced { proc_.map_or(0, |p| p.ppid) } else { self.sandboxed_parent(call.tgid) };
        let comm = match proc_.and_then(|p| p.comm.clone()) {
            Some(comm) => comm,
            // Not cached without exec events: the next exec would not
            // reset it.
            None => program_name(call.tid),
        };
        let violation = Violation {
            pid: call.tid,
            ppid,
            comm,
            cwd: String::from_utf8_lossy(&read_link(&format!("/proc/{}/cwd", call.tid)).unwrap_or_default()).into_owned(),
            cmdline: report::format_cmdline(&std::fs::read(format!("/proc/{}/cmdline", call.tgid)).unwrap_or_default()),
            syscall: call.name,
            category,
            target: String::from_utf8_lossy(&target).into_owned(),
            call: description,
            errno,
            rule,
            tip,
        };
        self.reporter.violation(&violation);
        match self.global.violation_decision {
            policy::ViolationDecision::Kill => {
                let _ = signal::kill(Pid::from_raw(call.tid), Signal::SIGKILL);
            }
            policy::ViolationDecision::Killall => self.kill_all(),
            _ => {}
        }
    }

    fn kill_all(&mut self) {
        if !self.ptraced {
            kill_descendants(self.own_pid);
            return;
        }
        // By thread group: an id whose thread ended unseen may name an
        // unrelated task by now, and tgkill refuses that (ESRCH).
        for (tid, tgid) in &self.threads {
            let _ = crate::sys::tgkill(*tgid, *tid, Signal::SIGKILL);
        }
        // Parked tasks are stopped tracees, so their ids are still theirs.
        for tid in &self.parked {
            let _ = signal::kill(Pid::from_raw(*tid), Signal::SIGKILL);
        }
    }
}

/// The trapped call being decided.
struct Call {
    tid: i32,
    tgid: i32,
    name: &'static str,
    args: [u64; 6],
}

/// A denial and its errno; any report was made where it was decided.
#[derive(Debug, Clone, Copy)]
struct Denied {
    errno: i32,
}

impl Denied {
    fn silent(errno: i32) -> Denied {
        Denied { errno }
    }
}

fn follow_of(arg: &PathArg, args: &[u64; 6]) -> bool {
    match arg.follow {
        Follow::Always => true,
        Follow::Never => false,
        Follow::UnlessFlag { arg, bits } => args[arg as usize] & bits == 0,
        Follow::IfFlag { arg, bits } => args[arg as usize] & bits != 0,
    }
}

/// The specific errno of a file-type check that fails, if one does.
fn file_check(arg: &PathArg, args: &[u64; 6], resolved: &Resolved) -> Option<i32> {
    let is_dir = resolved.kind == Kind::Directory;
    let exists = resolved.kind != Kind::Missing;
    let empty_dir_check = || {
        if !is_dir {
            return Some(libc::ENOTDIR);
        }
        let mut entries = std::fs::read_dir(std::ffi::OsStr::from_bytes_compat(&resolved.path)).ok()?;
        entries.next().is_some().then_some(libc::ENOTEMPTY)
    };
    match arg.check {
        FileCheck::None => None,
        FileCheck::MustNotExist => exists.then_some(libc::EEXIST),
        FileCheck::NotDirectory => is_dir.then_some(libc::EISDIR),
        FileCheck::MustBeDirectory => (!is_dir).then_some(libc::ENOTDIR),
        FileCheck::EmptyDirectory => empty_dir_check(),
        FileCheck::RemoveDirIf { arg } => {
            if args[arg as usize] & libc::AT_REMOVEDIR as u64 != 0 {
                empty_dir_check()
            } else {
                is_dir.then_some(libc::EISDIR)
            }
        }
    }
}

trait FromBytesCompat {
    fn from_bytes_compat(bytes: &[u8]) -> &std::ffi::OsStr;
}

impl FromBytesCompat for std::ffi::OsStr {
    fn from_bytes_compat(bytes: &[u8]) -> &std::ffi::OsStr {
        use std::os::unix::ffi::OsStrExt as _;
        std::ffi::OsStr::from_bytes(bytes)
    }
}

/// Writes `program` and its `sock_fprog` below the red zone of a stopped
/// thread's stack and returns registers that make the current system call
/// `seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)`.
fn seccomp_call_regs(pid: Pid, regs: user_regs_struct, program: &[crate::seccomp::SockFilter]) -> Result<user_regs_struct, Errno> {
    let mut code = Vec::with_capacity(program.len() * 8);
    for insn in program {
        code.extend_from_slice(&insn.code.to_ne_bytes());
        code.push(insn.jt);
        code.push(insn.jf);
        code.extend_from_slice(&insn.k.to_ne_bytes());
    }
    // x86_64 leaves 128 bytes below the stack pointer to leaf functions.
    let filter_at = (regs.rsp - 128 - code.len() as u64) & !15;
    let fprog_at = filter_at - 16;
    let mut fprog = Vec::with_capacity(16);
    fprog.extend_from_slice(&(program.len() as u16).to_ne_bytes());
    fprog.extend_from_slice(&[0u8; 6]);
    fprog.extend_from_slice(&filter_at.to_ne_bytes());
    mem::write_bytes(pid, filter_at, &code)?;
    mem::write_bytes(pid, fprog_at, &fprog)?;
    let mut call = regs;
    call.orig_rax = libc::SYS_seccomp as u64;
    call.rdi = libc::SECCOMP_SET_MODE_FILTER as u64;
    call.rsi = libc::SECCOMP_FILTER_FLAG_TSYNC;
    call.rdx = fprog_at;
    Ok(call)
}

/// Reports whether a thread runs in an `--isolate` view: its root is not
/// the supervisor's, yet reads as `/` because it is the root of another
/// mount namespace (a chroot inside the supervisor's namespace reads as
/// its host path).
/// Returns the canonical `#!` interpreter of a script, in the view of the
/// process that ran it, or `None` for anything that is not a script.
fn script_interpreter(view: &View, script: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read as _;
    use std::os::unix::ffi::OsStrExt as _;
    let mut full = view.root_prefix.clone();
    full.extend_from_slice(script);
    let mut head = [0u8; 256];
    let got = std::fs::File::open(std::ffi::OsStr::from_bytes(&full)).ok()?.read(&mut head).ok()?;
    let line = head[..got].strip_prefix(b"#!")?;
    let line = line.split(|b| *b == b'\n').next()?;
    let interpreter = line.split(|b| *b == b' ' || *b == b'\t').find(|word| !word.is_empty())?;
    let mode = resolve::Mode { may_miss: false, follow: true };
    resolve::resolve(view, b"/", interpreter, mode).ok().map(|resolved| resolved.path)
}

/// Reports whether a descriptor of `tid` names pid 1 of its namespace: a
/// pidfd whose `NSpid` starts at 1 there, or the `/proc/1` directory of
/// the view's procfs.
fn names_view_init(tid: i32, fd: i32) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    if let Ok(info) = std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}")) {
        if let Some(line) = info.lines().find_map(|l| l.strip_prefix("NSpid:")) {
            return line.split_whitespace().last() == Some("1");
        }
    }
    let descriptor = std::fs::metadata(format!("/proc/{tid}/fd/{fd}"));
    let init = std::fs::metadata(format!("/proc/{tid}/root/proc/1"));
    matches!((descriptor, init), (Ok(a), Ok(b)) if a.dev() == b.dev() && a.ino() == b.ino())
}

/// Returns the process a descriptor of `tid` names: the `Pid:` line of a
/// pidfd's fdinfo, or the number of a `/proc/PID` directory.
fn pid_behind_fd(tid: i32, fd: i32) -> Option<i32> {
    if let Ok(info) = std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}")) {
        if let Some(pid) = info.lines().find_map(|l| l.strip_prefix("Pid:")) {
            return pid.trim().parse().ok();
        }
    }
    let target = read_link(&format!("/proc/{tid}/fd/{fd}")).ok()?;
    let rest = target.strip_prefix(b"/proc/")?;
    std::str::from_utf8(rest).ok()?.trim_end_matches('/').parse().ok()
}

/// Returns the descriptor of process `tgid` that refers to socket `link`
/// (`socket:[INODE]`): `fd` if it still does, or another one, since the
/// socket may live on under a copy (dup). `None` once it is closed.
fn socket_fd(tgid: i32, fd: i32, link: &[u8]) -> Option<i32> {
    if read_link(&format!("/proc/{tgid}/fd/{fd}")).is_ok_and(|now| now == link) {
        return Some(fd);
    }
    find_fd(tgid, link)
}

/// Finds a descriptor of process `tgid` whose link is `link`.
fn find_fd(tgid: i32, link: &[u8]) -> Option<i32> {
    let entries = std::fs::read_dir(format!("/proc/{tgid}/fd")).ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(fd) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        if read_link(&format!("/proc/{tgid}/fd/{fd}")).is_ok_and(|now| now == link) {
            return Some(fd);
        }
    }
    None
}

/// Names the fields of `/proc/PID/stat` a dump shows: state, parent,
/// process group, session, terminal, its foreground group, nice value and
/// thread count.
fn stat_summary(stat: &str) -> String {
    // The command name may contain spaces and parentheses; fields resume
    // after the last `)`.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else { return String::new() };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |index: usize| fields.get(index).copied().unwrap_or("?");
    format!(
        "state: {}, ppid: {}, pgrp: {}, session: {}, tty: {}, tpgid: {}, nice: {}, threads: {}",
        field(0),
        field(1),
        field(2),
        field(3),
        field(4),
        field(5),
        field(16),
        field(17)
    )
}

/// Describes a call as sydbox-1's reports do (spec section 13).
fn describe(call: &Call, arg: &PathArg, raw: &[u8], prefix: Option<String>) -> String {
    let raw = String::from_utf8_lossy(raw);
    // `*at` calls print no placeholder for the dirfd itself.
    let skipped = if arg.dirfd.is_some() { arg.path.saturating_sub(1) } else { arg.path };
    let mut parts: Vec<String> = (0..skipped).map(|_| "?".to_string()).collect();
    parts.push(format!("`{raw}'"));
    if let Some(prefix) = prefix {
        parts.push(format!("prefix=`{prefix}'"));
    }
    format!("{}({})", call.name, parts.join(", "))
}

/// Reads `msg_name` and `msg_namelen` of a `struct msghdr`.
fn msghdr_name(pid: Pid, addr: u64) -> Result<Option<(u64, u64)>, i32> {
    let header = mem::read_bytes(pid, addr, 16).map_err(|e| e as i32)?;
    let name = u64::from_ne_bytes(header[0..8].try_into().expect("8 bytes"));
    let len = u32::from_ne_bytes(header[8..12].try_into().expect("4 bytes"));
    Ok((name != 0).then_some((name, u64::from(len))))
}

/// The fake `struct stat` of a magic path: a character device 1:3 with
/// mode 0666, like `/dev/null`.
fn fake_stat() -> Vec<u8> {
    let mut buf = vec![0u8; std::mem::size_of::<libc::stat>()];
    let mode: u32 = libc::S_IFCHR | 0o666;
    buf[24..28].copy_from_slice(&mode.to_ne_bytes());
    buf[16..24].copy_from_slice(&1u64.to_ne_bytes());
    buf[40..48].copy_from_slice(&libc::makedev(1, 3).to_ne_bytes());
    buf
}

/// The fake `struct statx` of a magic path.
fn fake_statx() -> Vec<u8> {
    let mut buf = vec![0u8; 256];
    let mask: u32 = libc::STATX_TYPE | libc::STATX_MODE | libc::STATX_NLINK;
    buf[0..4].copy_from_slice(&mask.to_ne_bytes());
    buf[16..20].copy_from_slice(&1u32.to_ne_bytes());
    let mode = (libc::S_IFCHR | 0o666) as u16;
    buf[28..30].copy_from_slice(&mode.to_ne_bytes());
    buf[128..132].copy_from_slice(&1u32.to_ne_bytes());
    buf[132..136].copy_from_slice(&3u32.to_ne_bytes());
    buf
}

/// Runs a `cmd/exec` command outside the sandbox, in the caller's working
/// directory and environment; returns 0 or the errno of its failed exec.
///
/// Under `--isolate` the command joins the caller's user, mount, network,
/// ipc and uts namespaces, so it sees the view and nothing more; only the
/// inner layer is left out. (A pid namespace applies to children only, so
/// the command keeps a host pid.)
fn run_outside(call: &Call, argv: &[String], isolated: bool) -> i32 {
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::process::CommandExt as _;
    let cwd = read_link(&format!("/proc/{}/cwd", call.tid)).unwrap_or_else(|_| b"/".to_vec());
    let environ = std::fs::read(format!("/proc/{}/environ", call.tgid)).unwrap_or_default();
    let mut command = std::process::Command::new(&argv[0]);
    // Its own process group: it runs outside the sandbox and may outlive
    // sydbox, so signals aimed at sydbox's group do not reach it.
    command.args(&argv[1..]).env_clear().process_group(0);
    for entry in environ.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        if let Some(at) = entry.iter().position(|b| *b == b'=') {
            command.env(std::ffi::OsStr::from_bytes(&entry[..at]), std::ffi::OsStr::from_bytes(&entry[at + 1..]));
        }
    }
    let pidfd = if isolated {
        match crate::sys::pidfd_open(Pid::from_raw(call.tgid)) {
            Ok(fd) => Some(fd),
            Err(errno) => return errno as i32,
        }
    } else {
        None
    };
    match &pidfd {
        Some(pidfd) => {
            let pidfd = pidfd.as_raw_fd();
            let Ok(cwd) = std::ffi::CString::new(cwd) else { return libc::EINVAL };
            // Join only the namespaces the caller does not share with
            // sydbox: an unprivileged sydbox may not rejoin the host's
            // network namespace, which the view keeps with --net host.
            let mut flags = 0;
            for (name, flag) in [
                ("user", libc::CLONE_NEWUSER),
                ("mnt", libc::CLONE_NEWNS),
                ("net", libc::CLONE_NEWNET),
                ("ipc", libc::CLONE_NEWIPC),
                ("uts", libc::CLONE_NEWUTS),
            ] {
                let theirs = std::fs::metadata(format!("/proc/{}/ns/{name}", call.tgid));
                let ours = std::fs::metadata(format!("/proc/self/ns/{name}"));
                use std::os::unix::fs::MetadataExt as _;
                if !matches!((theirs, ours), (Ok(a), Ok(b)) if a.ino() == b.ino() && a.dev() == b.dev()) {
                    flags |= flag;
                }
            }
            // SAFETY: the hook runs in the forked child before exec and
            // only makes the setns(2) and chdir(2) system calls, which
            // are async-signal-safe; `cwd` is moved into the closure.
            unsafe {
                command.pre_exec(move || {
                    // Entering the mount namespace moves the working
                    // directory to its root, so the caller's is set after.
                    if libc::setns(pidfd, flags) != 0 || libc::chdir(cwd.as_ptr()) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        None => {
            command.current_dir(std::ffi::OsStr::from_bytes(&cwd));
        }
    }
    match command.spawn() {
        // The command runs on untraced and may outlive sydbox, as in sydbox-1.
        Ok(_child) => 0,
        Err(err) => match err.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::ECHILD) | None => libc::EACCES,
            Some(errno) => errno,
        },
    }
}

/// Resumes a stopped tracee, ignoring a tracee that vanished meanwhile.
fn resume(tid: i32, sig: Option<Signal>) {
    let _ = ptrace::cont(Pid::from_raw(tid), sig);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(lines: &[&str]) -> bool {
        let policy = crate::policy::policy_from_lines(lines);
        needs_ptrace(&policy.global, &policy.sandbox)
    }

    #[test]
    fn needs_ptrace_conditions() {
        const LOCKED: &str = "core/trace/magic_lock:on";
        assert!(needs(&[]), "the lock is off by default");
        assert!(!needs(&[LOCKED]));
        assert!(!needs(&[LOCKED, "core/sandbox/write:deny", "core/sandbox/read:deny"]));
        assert!(needs(&[LOCKED, "core/sandbox/exec:deny"]));
        assert!(needs(&[LOCKED, "exec/kill_if_match+/bin/x"]));
        assert!(needs(&[LOCKED, "exec/resume_if_match+/bin/x"]));
        assert!(needs(&[LOCKED, "core/limit/processes:10"]));
        assert!(needs(&[LOCKED, "core/trace/interrupt:anywhere"]));
        assert!(!needs(&[LOCKED, "core/trace/interrupt:never"]));
        // Inet binds are read from the socket; unix path binds need the exit stop.
        let net = [LOCKED, "core/sandbox/network:deny"];
        assert!(!needs(&[&net[..], &["whitelist/network/bind+LOOPBACK@0"]].concat()));
        assert!(needs(&[&net[..], &["whitelist/network/bind+unix:/tmp/***"]].concat()));
        assert!(!needs(&[&net[..], &["whitelist/network/bind+unix:/tmp/***", "core/whitelist/successful_bind:false"]].concat()));
        assert!(!needs(&[LOCKED, "core/sandbox/network:allow", "whitelist/network/bind+unix:/tmp/***"]));
        assert!(!needs(&[&net[..], &["whitelist/network/bind+unix-abstract:x*"]].concat()));
    }
}
