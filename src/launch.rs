//! Starts the command under the supervisor: fork, seize, filters, exec.
//!
//! The child blocks on a pipe until the supervisor has seized it, so no
//! traced call can happen before a tracer exists; then it sets
//! `no_new_privs`, installs the filters and execs. Everything it runs
//! between fork and exec was prepared before the fork and allocates
//! nothing.

use std::ffi::{CString, OsString};
use std::os::fd::{AsRawFd as _, OwnedFd, RawFd};
use std::os::unix::ffi::OsStringExt as _;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::{fork, ForkResult};

use crate::policy::{Interrupt, LockState, Mode, Policy};
use crate::report::Reporter;
use crate::seccomp::{self, TraceSet};
use crate::trace::{RunEnd, Supervisor, INTERRUPTED};

/// Why the command could not be started.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("can't exec `{name}': {source} (not found in PATH, or not an executable file)")]
    NotFound { name: String, source: Errno },
    #[error("{0}")]
    Seccomp(#[from] seccomp::SeccompError),
    #[error("{what}: {source}")]
    Sys { what: &'static str, source: Errno },
    #[error("argument or environment entry contains a NUL byte: {0:?}")]
    Nul(OsString),
    #[error("{0}")]
    Landlock(#[from] crate::landlock::LandlockError),
    #[error("{0}")]
    Namespace(#[from] crate::ns::NsError),
    #[error("creating {path} for the view failed: {source}")]
    CreateHostDir { path: String, source: std::io::Error },
    #[error("the --isolate view could not be built (pid 1 exited with status {status}; its message is above)")]
    ViewFailed { status: i32 },
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> LaunchError {
    move |source| LaunchError::Sys { what, source }
}

/// Finds a program the way sydbox-1 does: a name with `/` is used as
/// given; otherwise each `$PATH` element (an empty one meaning the current
/// directory) is searched for a regular file with an execute bit.
pub fn lookup(name: &OsString, path_var: Option<&OsString>) -> Result<PathBuf, LaunchError> {
    use std::os::unix::fs::PermissionsExt as _;
    let bytes = name.as_encoded_bytes();
    if bytes.contains(&b'/') {
        let path = PathBuf::from(name);
        return match std::fs::metadata(&path) {
            Ok(_) => Ok(path),
            Err(err) => Err(LaunchError::NotFound {
                name: name.to_string_lossy().into(),
                source: Errno::from_raw(err.raw_os_error().unwrap_or(libc::ENOENT)),
            }),
        };
    }
    let path_var = path_var.cloned().unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    for dir in path_var.as_encoded_bytes().split(|b| *b == b':') {
        let dir = if dir.is_empty() { PathBuf::from(".") } else { PathBuf::from(OsString::from_vec(dir.to_vec())) };
        let candidate = dir.join(name);
        if let Ok(meta) = std::fs::metadata(&candidate) {
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return Ok(candidate);
            }
        }
    }
    Err(LaunchError::NotFound { name: name.to_string_lossy().into(), source: Errno::ENOENT })
}

/// The categories the trace filter must stop for, from the first
/// process's record.
pub fn trace_set(policy: &Policy) -> TraceSet {
    let sandbox = &policy.sandbox;
    TraceSet {
        exec: sandbox.exec != Mode::Off,
        read: sandbox.read != Mode::Off,
        write: sandbox.write != Mode::Off,
        network: sandbox.network != Mode::Off,
        magic: sandbox.lock != LockState::On,
        processes: policy.global.limit_processes.is_some(),
    }
}

extern "C" fn on_signal(signo: libc::c_int) {
    INTERRUPTED.store(signo, Ordering::Relaxed);
}

/// Sets how sydbox reacts to SIGHUP, SIGINT, SIGQUIT and SIGTERM
/// (`core/trace/interrupt`): `while_wait` catches them, kills every tracee
/// and exits with 128 + the signal; `anywhere` keeps the default action
/// (sydbox dies and its tracees with it); `never` and `block_tstp_too`
/// ignore them (the latter SIGTSTP too).
fn install_signal_handlers(interrupt: Interrupt) -> Result<(), LaunchError> {
    let catch = SigAction::new(SigHandler::Handler(on_signal), SaFlags::empty(), SigSet::empty());
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    let action = match interrupt {
        Interrupt::WhileWait => Some(&catch),
        Interrupt::Anywhere => None,
        Interrupt::Never | Interrupt::BlockTstpToo => Some(&ignore),
    };
    if let Some(action) = action {
        for sig in [Signal::SIGHUP, Signal::SIGINT, Signal::SIGQUIT, Signal::SIGTERM] {
            // SAFETY: `on_signal` only stores to an atomic, which is
            // async-signal-safe; ignoring installs no code.
            unsafe { signal::sigaction(sig, action) }.map_err(sys("sigaction"))?;
        }
    }
    if interrupt == Interrupt::BlockTstpToo {
        // SAFETY: ignoring a signal installs no handler code.
        unsafe { signal::sigaction(Signal::SIGTSTP, &ignore) }.map_err(sys("sigaction"))?;
    }
    // SAFETY: ignoring a signal installs no handler code.
    unsafe { signal::sigaction(Signal::SIGPIPE, &ignore) }.map_err(sys("sigaction"))?;
    Ok(())
}

fn cstring(value: OsString) -> Result<CString, LaunchError> {
    CString::new(value.clone().into_vec()).map_err(|_| LaunchError::Nul(value))
}

/// Sets up the supervisor's own signals before the fork: the handlers of
/// `core/trace/interrupt`, and SIGCHLD blocked, because the supervisor
/// reads it through a signalfd (the command unblocks it before exec).
fn prepare_supervisor_signals(interrupt: Interrupt) -> Result<(), LaunchError> {
    install_signal_handlers(interrupt)?;
    let mut sigchld = SigSet::empty();
    sigchld.add(Signal::SIGCHLD);
    sigchld.thread_block().map_err(sys("sigprocmask(SIG_BLOCK, SIGCHLD)"))
}

/// The command's `execve(2)` arguments, prepared before the fork so the
/// child allocates nothing.
pub struct ExecArgs {
    pub program: CString,
    _argv: Vec<CString>,
    _env: Vec<CString>,
    pub argv_ptrs: Vec<*const libc::c_char>,
    pub env_ptrs: Vec<*const libc::c_char>,
    /// The start of the message printed when execve fails; the errno follows.
    pub exec_failed: Vec<u8>,
}

impl ExecArgs {
    /// `place` goes into the failure message after the program's name.
    fn new(program: PathBuf, argv: &[OsString], env: &[(OsString, OsString)], place: &str) -> Result<ExecArgs, LaunchError> {
        let exec_failed = format!("sydbox: can't exec `{}'{place}: execve failed with errno ", program.display()).into_bytes();
        let program = cstring(program.into_os_string())?;
        let argv = argv.iter().cloned().map(cstring).collect::<Result<Vec<_>, _>>()?;
        let env = env
            .iter()
            .map(|(k, v)| {
                let mut entry = k.clone();
                entry.push("=");
                entry.push(v);
                cstring(entry)
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The pointers stay valid: the CStrings' heap buffers do not move
        // when the vectors holding them are moved into the struct.
        let argv_ptrs = argv.iter().map(|a| a.as_ptr()).chain([std::ptr::null()]).collect();
        let env_ptrs = env.iter().map(|e| e.as_ptr()).chain([std::ptr::null()]).collect();
        Ok(ExecArgs { program, _argv: argv, _env: env, argv_ptrs, env_ptrs, exec_failed })
    }
}

/// Builds the command's seccomp filters from the policy.
fn command_filters(policy: &Policy, traced: &TraceSet, emulate_nondumpable: bool, ptraced: bool) -> Result<seccomp::Filters, LaunchError> {
    let restrict = seccomp::Restrictions {
        file_control: policy.global.restrict_file_control,
        shared_memory_writable: policy.global.restrict_shared_memory_writable,
    };
    let supervisor = seccomp::SupervisorIds { pid: std::process::id() as i32, pgrp: nix::unistd::getpgrp().as_raw() };
    Ok(seccomp::build(traced, &restrict, emulate_nondumpable, ptraced, Some(supervisor))?)
}

/// The last steps of the command before it becomes the program, shared by
/// plain and `--isolate` runs: `no_new_privs`, Landlock, the filters (the
/// user-notification listener handed to the supervisor over `handover`),
/// then `execve(2)`. Allocates nothing; exits with `failure` on an error.
pub fn restrict_and_exec(
    handover: RawFd,
    ruleset: Option<::landlock::RulesetCreated>,
    filters: &seccomp::Filters,
    exec: &ExecArgs,
    failure: i32,
) -> ! {
    if crate::sys::set_no_new_privs().is_err() {
        die(b"sydbox: prctl(PR_SET_NO_NEW_PRIVS) failed\n", failure);
    }
    if let Some(ruleset) = ruleset {
        if ruleset.restrict_self().is_err() {
            die(b"sydbox: landlock_restrict_self failed\n", failure);
        }
    }
    if filters.listener {
        let flags = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
        let installed = if filters.wait_killable {
            // Linux 5.19 and later; older kernels refuse the flag (EINVAL).
            crate::sys::seccomp_set_mode_filter_flags(&filters.program, flags | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                .or_else(|_| crate::sys::seccomp_set_mode_filter_flags(&filters.program, flags))
        } else {
            crate::sys::seccomp_set_mode_filter_flags(&filters.program, flags)
        };
        let Ok(listener) = installed else {
            die(b"sydbox: seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER) failed\n", failure)
        };
        // The filter may cover sendmsg, so the descriptor's number goes by
        // write(2), and the supervisor takes the descriptor itself with
        // pidfd_getfd(2) before it acknowledges.
        let number = listener.to_ne_bytes();
        let mut ack = [0u8; 1];
        // SAFETY: write(2) and read(2) on valid stack buffers are
        // async-signal-safe.
        let handed_over = unsafe {
            libc::write(handover, number.as_ptr().cast(), number.len()) == number.len() as isize
                && libc::read(handover, ack.as_mut_ptr().cast(), 1) == 1
        };
        if !handed_over {
            die(b"sydbox: handing the seccomp listener to the supervisor failed\n", failure);
        }
        // SAFETY: `listener` is this process's own descriptor, now copied.
        unsafe { libc::close(listener) };
    } else if crate::sys::seccomp_set_mode_filter(&filters.program).is_err() {
        die(b"sydbox: seccomp(SECCOMP_SET_MODE_FILTER) failed\n", failure);
    }
    // SAFETY: the program, argv and envp are NUL-terminated C strings and
    // NULL-terminated pointer arrays that outlive the call.
    unsafe { libc::execve(exec.program.as_ptr(), exec.argv_ptrs.as_ptr(), exec.env_ptrs.as_ptr()) };
    let errno = Errno::last_raw();
    // Format the errno by hand: nothing may allocate here.
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
    // SAFETY: write(2) is async-signal-safe and the buffer is valid.
    unsafe { libc::write(2, exec.exec_failed.as_ptr().cast(), exec.exec_failed.len()) };
    die(&digits[at..], failure)
}

/// Runs `argv` under the supervisor with `env` as its environment.
///
/// # Errors
///
/// The program is not found, a filter cannot be built, or fork or seize
/// fail. Once the command runs, its own failures are its exit status.
pub fn run(policy: Policy, argv: Vec<OsString>, env: Vec<(OsString, OsString)>, reporter: Reporter) -> Result<RunEnd, LaunchError> {
    let path_var = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone());
    let program = lookup(&argv[0], path_var.as_ref())?;
    let emulate_nondumpable = !nix::unistd::geteuid().is_root();
    let traced = trace_set(&policy);
    let ptraced = crate::trace::needs_ptrace(&policy.global, &policy.sandbox);
    let programs = command_filters(&policy, &traced, emulate_nondumpable, ptraced)?;
    let landlock_plan = crate::landlock::plan(&policy, &program, &crate::view::RealHost, crate::landlock::kernel_abi());
    tracing::debug!(
        layers = %format!("seccomp {}{}", if ptraced { "ptrace " } else { "" }, crate::landlock::describe(landlock_plan.as_ref(), crate::landlock::kernel_abi())),
        "layers in force (plain mode)"
    );
    let ruleset = landlock_plan.as_ref().map(crate::landlock::create).transpose()?;

    let exec = ExecArgs::new(program, &argv, &env, "")?;

    prepare_supervisor_signals(policy.global.interrupt)?;
    if !ptraced {
        // Orphans of the command become sydbox's children rather than
        // init's, so sydbox can wait for them and find them to kill.
        crate::sys::set_child_subreaper().map_err(sys("prctl(PR_SET_CHILD_SUBREAPER)"))?;
    }
    let (gate_read, gate_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(sys("pipe2"))?;
    // The child sends its user-notification listener back over this pair.
    let (listener_theirs, listener_ours) = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::SeqPacket,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )
    .map_err(sys("socketpair"))?;

    // SAFETY: the supervisor is single-threaded here, and the child runs
    // only `child_main`, which allocates nothing and calls only
    // async-signal-safe functions before it execs or exits.
    match unsafe { fork() }.map_err(sys("fork"))? {
        ForkResult::Child => {
            drop(gate_write);
            drop(listener_ours);
            child_main(&gate_read, &listener_theirs, ruleset, &programs, &exec)
        }
        ForkResult::Parent { child } => {
            drop(gate_read);
            drop(listener_theirs);
            let options = crate::trace::seize_options(&policy.global, &policy.sandbox);
            if ptraced {
                if let Err(source) = ptrace::seize(child, options) {
                    let _ = signal::kill(child, Signal::SIGKILL);
                    return Err(LaunchError::Sys { what: "ptrace(PTRACE_SEIZE) of the command", source });
                }
            }
            let cgroup = policy.global.limit_processes.and_then(crate::ns::cgroup::PidsCgroup::create);
            if let Some(cgroup) = &cgroup {
                if let Err(err) = cgroup.add(child) {
                    tracing::warn!(%err, "could not move the command into its cgroup");
                }
            }
            open_gate(gate_write).map_err(sys("write to the start pipe"))?;
            // An error means the child died before installing its filter;
            // the supervisor reaps it and reports its status.
            let listener = if programs.listener { take_listener(child, &listener_ours).ok() } else { None };
            drop(listener_ours);
            if let Some(fd) = &listener {
                // Optional: Linux 6.6 and later only.
                let _ = crate::sys::notif_set_sync_wakeup(fd.as_raw_fd());
            }
            let comm = argv[0].to_string_lossy().into_owned();
            let limit = policy.global.limit_processes;
            let supervisor =
                Supervisor::new(policy.global, policy.sandbox, comm, child, reporter, traced, listener).with_process_limit(limit);
            let end = supervisor.run();
            drop(cgroup);
            Ok(end)
        }
    }
}

/// Receives the number of the child's listener descriptor, copies the
/// descriptor with pidfd_getfd(2) and lets the child go on.
fn take_listener(child: nix::unistd::Pid, socket: &OwnedFd) -> Result<OwnedFd, Errno> {
    let mut number = [0u8; 4];
    let got = nix::unistd::read(socket, &mut number)?;
    if got != number.len() {
        return Err(Errno::ECONNRESET);
    }
    let pidfd = crate::sys::pidfd_open(child)?;
    let listener = crate::sys::pidfd_getfd(&pidfd, i32::from_ne_bytes(number))?;
    nix::unistd::write(socket, b"k")?;
    Ok(listener)
}

fn open_gate(gate: OwnedFd) -> Result<(), Errno> {
    nix::unistd::write(&gate, b"x").map(drop)
}

fn die(message: &[u8], code: i32) -> ! {
    // SAFETY: write(2) and _exit(2) are async-signal-safe, and `message`
    // is a valid buffer.
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(code)
    }
}

/// The child between fork and exec.
fn child_main(
    gate: &OwnedFd,
    listener_socket: &OwnedFd,
    ruleset: Option<::landlock::RulesetCreated>,
    filters: &seccomp::Filters,
    exec: &ExecArgs,
) -> ! {
    // SAFETY: an empty set built on the stack; sigprocmask is
    // async-signal-safe.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
    // Signals sydbox ignores would stay ignored across exec.
    for signo in [libc::SIGPIPE, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGTSTP] {
        // SAFETY: resetting a disposition to the default runs no code.
        unsafe { libc::signal(signo, libc::SIG_DFL) };
    }
    // Without ptrace's PTRACE_O_EXITKILL, the command at least dies with
    // sydbox. SAFETY: prctl(2) with integer arguments touches no memory.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) };
    let mut byte = [0u8; 1];
    // SAFETY: `byte` is valid for one byte of writes.
    let got = unsafe { libc::read(gate.as_raw_fd(), byte.as_mut_ptr().cast(), 1) };
    if got != 1 {
        // The supervisor failed before seizing this process.
        die(b"", 1);
    }
    restrict_and_exec(listener_socket.as_raw_fd(), ruleset, filters, exec, 1)
}

/// The `--isolate` settings decided before launch.
pub struct IsolateLaunch {
    pub plan: crate::view::MountPlan,
}

/// Reads the command's host pid from the credentials the kernel attached
/// to its first byte on `socket` (`SO_PASSCRED`: the kernel translates the
/// pid into the receiver's pid namespace). `None` when pid 1 closed the
/// socket without a command, because building the view failed.
fn receive_command_pid(socket: &OwnedFd) -> Result<Option<nix::unistd::Pid>, LaunchError> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags, UnixCredentials};
    let mut byte = [0u8; 1];
    let mut iov = [std::io::IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!(UnixCredentials);
    loop {
        match recvmsg::<()>(socket.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC) {
            Ok(message) => {
                if message.bytes == 0 {
                    return Ok(None);
                }
                for cmsg in message.cmsgs().map_err(sys("recvmsg(SCM_CREDENTIALS)"))? {
                    if let ControlMessageOwned::ScmCredentials(creds) = cmsg {
                        return Ok(Some(nix::unistd::Pid::from_raw(creds.pid())));
                    }
                }
                return Err(LaunchError::Sys { what: "recvmsg without SCM_CREDENTIALS from the command", source: Errno::EPROTO });
            }
            Err(Errno::EINTR) => continue,
            Err(source) => return Err(LaunchError::Sys { what: "recvmsg from the command", source }),
        }
    }
}

/// Runs `argv` under `--isolate`: sydbox's pid 1 in new namespaces builds
/// the view and forks the command, which the supervisor (staying in the
/// host's namespaces) seizes before it execs.
///
/// # Errors
///
/// As for [`run`], plus namespace creation, id maps and the view.
pub fn run_isolated(
    policy: Policy,
    isolate: IsolateLaunch,
    argv: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    reporter: Reporter,
) -> Result<RunEnd, LaunchError> {
    use nix::sys::socket::{setsockopt, socketpair, sockopt, AddressFamily, SockFlag, SockType};

    let path_var = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone());
    let program = lookup(&argv[0], path_var.as_ref())?;
    // The supervisor owns the user namespace, so it can read the memory
    // of a non-dumpable tracee: no emulation needed.
    let traced = trace_set(&policy);
    let ptraced = crate::trace::needs_ptrace(&policy.global, &policy.sandbox);
    let programs = command_filters(&policy, &traced, false, ptraced)?;
    let abi = crate::landlock::kernel_abi();
    let landlock_plan = crate::landlock::plan(&policy, &program, &crate::view::RealHost, abi);
    tracing::debug!(
        layers = %format!("namespaces view seccomp {}{}", if ptraced { "ptrace " } else { "" }, crate::landlock::describe(landlock_plan.as_ref(), abi)),
        plan = %isolate.plan,
        "layers in force (--isolate)"
    );
    for note in &isolate.plan.notes {
        tracing::debug!(%note, "view");
    }

    // Missing write-whitelisted directories are made on the host, as the
    // calling user, before any namespace exists.
    for op in &isolate.plan.ops {
        if let crate::view::MountOp::CreateHostDir { path } = op {
            std::fs::create_dir(path).or_else(|e| if e.kind() == std::io::ErrorKind::AlreadyExists { Ok(()) } else { Err(e) })
                .map_err(|source| LaunchError::CreateHostDir { path: path.clone(), source })?;
        }
    }

    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let exec = ExecArgs::new(program, &argv, &env, " in the view")?;

    prepare_supervisor_signals(policy.global.interrupt)?;
    let (maps_read, maps_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(sys("pipe2"))?;
    let (seized_read, seized_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(sys("pipe2"))?;
    let (hello_ours, hello_theirs) =
        socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC).map_err(sys("socketpair"))?;
    setsockopt(&hello_ours, sockopt::PassCred, &true).map_err(sys("setsockopt(SO_PASSCRED)"))?;

    let uid = nix::unistd::getuid();
    let gid = nix::unistd::getgid();
    let flags = crate::ns::clone_flags();
    // SAFETY: the supervisor is single-threaded here (it starts no
    // threads, and tracing writes synchronously).
    match unsafe { crate::ns::clone_into_namespaces(flags) }? {
        crate::ns::Forked::Child => {
            drop(maps_write);
            drop(seized_write);
            drop(hello_ours);
            crate::ns::reaper::run(crate::ns::reaper::Pid1 {
                maps_written: maps_read,
                hello: hello_theirs,
                seized: seized_read,
                plan: isolate.plan,
                cwd,
                landlock: landlock_plan,
                filters: programs,
                exec,
            })
        }
        crate::ns::Forked::Parent(pid1) => {
            drop(maps_read);
            drop(seized_read);
            drop(hello_theirs);
            let kill_pid1 = || {
                let _ = signal::kill(pid1, Signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(pid1, None);
            };
            if let Err(err) = crate::ns::write_id_maps(pid1, uid, gid) {
                kill_pid1();
                return Err(err.into());
            }
            // pid 1 and everything it forks count against the cgroup.
            let cgroup = policy.global.limit_processes.and_then(|n| crate::ns::cgroup::PidsCgroup::create(n + 1));
            if let Some(cgroup) = &cgroup {
                if let Err(err) = cgroup.add(pid1) {
                    tracing::warn!(%err, "could not move pid 1 into its cgroup");
                }
            }
            open_gate(maps_write).map_err(sys("write to pid 1's start pipe"))?;
            let command = match receive_command_pid(&hello_ours) {
                Ok(Some(pid)) => pid,
                Ok(None) => {
                    let status = match nix::sys::wait::waitpid(pid1, None) {
                        Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => code,
                        Ok(nix::sys::wait::WaitStatus::Signaled(_, sig, _)) => 128 + sig as i32,
                        _ => -1,
                    };
                    return Err(LaunchError::ViewFailed { status });
                }
                Err(err) => {
                    kill_pid1();
                    return Err(err);
                }
            };
            let options = crate::trace::seize_options(&policy.global, &policy.sandbox);
            if ptraced {
                if let Err(source) = ptrace::seize(command, options) {
                    kill_pid1();
                    return Err(LaunchError::Sys { what: "ptrace(PTRACE_SEIZE) of the command", source });
                }
            }
            open_gate(seized_write).map_err(sys("write to the command's start pipe"))?;
            let listener = if programs.listener { take_listener(command, &hello_ours).ok() } else { None };
            if programs.listener && listener.is_none() {
                // The command waits for an acknowledgement that will not
                // come: end its wait, and it exits with an error.
                let _ = nix::sys::socket::shutdown(hello_ours.as_raw_fd(), nix::sys::socket::Shutdown::Both);
            }
            if let Some(fd) = &listener {
                let _ = crate::sys::notif_set_sync_wakeup(fd.as_raw_fd());
            }
            let comm = argv[0].to_string_lossy().into_owned();
            let limit = policy.global.limit_processes;
            // Without ptrace, sydbox follows pid 1, which reaps every
            // process of the namespace and exits with the command's status.
            let first = if ptraced { command } else { pid1 };
            let supervisor =
                Supervisor::new(policy.global, policy.sandbox, comm, first, reporter, traced, listener)
                    .with_process_limit(limit)
                    .in_isolated_view();
            let end = supervisor.run();
            // No traced process is left, so nothing runs in the namespaces.
            // pid 1 exits once it has reaped the command, and the kernel
            // then removes the namespaces and their mounts. sydbox does not
            // wait for that teardown (a few hundred microseconds) unless it
            // must remove the cgroup, which pid 1 occupies until it is gone.
            // pid 1 dies by PR_SET_PDEATHSIG at the latest. The supervisor's
            // loop may have reaped it already (ECHILD).
            let wait_flags = if cgroup.is_some() { None } else { Some(nix::sys::wait::WaitPidFlag::WNOHANG) };
            let _ = nix::sys::wait::waitpid(pid1, wait_flags);
            drop(cgroup);
            Ok(end)
        }
    }
}
