//! Every x86_64 system call, as data: how sydbox treats it and why.
//!
//! A call that is not in this table is refused with ENOSYS by the ABI
//! guard of the command's filter (`super::build`), so a path-taking call
//! added by a future kernel cannot bypass the policy. Argument indexes count from 0.
#![forbid(unsafe_code)]

/// Where a call's path and its directory descriptor are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathArg {
    /// The argument holding a directory descriptor, for `*at` calls.
    pub dirfd: Option<u8>,
    /// The argument holding the path pointer.
    pub path: u8,
    /// Whether the last component may be missing (create, rename target).
    pub may_miss: bool,
    /// Whether a final symlink is followed.
    pub follow: Follow,
    /// The check whose failure turns a denial into a silent, specific errno.
    pub check: FileCheck,
}

/// Whether a call follows a final symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    Always,
    Never,
    /// Follows unless this argument has these bits (`AT_SYMLINK_NOFOLLOW`).
    UnlessFlag { arg: u8, bits: u64 },
    /// Follows only if this argument has these bits (`AT_SYMLINK_FOLLOW`).
    IfFlag { arg: u8, bits: u64 },
}

/// A file-type condition of sydbox-1's "safe" denials (spec section 5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCheck {
    None,
    /// The path must not exist (EEXIST).
    MustNotExist,
    /// The path must not be a directory (EISDIR).
    NotDirectory,
    /// The path must be a directory (ENOTDIR): an open with `O_DIRECTORY`.
    MustBeDirectory,
    /// The path must be an empty directory (ENOTDIR, ENOTEMPTY).
    EmptyDirectory,
    /// `unlinkat`: like rmdir with `AT_REMOVEDIR` in this argument, else like unlink.
    RemoveDirIf { arg: u8 },
}

/// Which network operation a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetCall {
    Bind,
    Connect,
    /// `sendto`: the address is argument 4, its length argument 5.
    SendTo,
    /// `sendmsg`: the address is in the `msghdr` of argument 1.
    SendMsg,
    /// `sendmmsg`: one `mmsghdr` array of argument 1, count in argument 2.
    SendMmsg,
}

/// Which stat-family call carries a magic path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatCall {
    Stat,
    Lstat,
    /// `newfstatat(dirfd, path, buf, flags)`.
    Newfstatat,
    /// `statx(dirfd, path, flags, mask, buf)`.
    Statx,
}

/// Which call aims at another process, so the supervisor can protect
/// itself: signals, resource limits, scheduling and memory access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalCall {
    /// `kill(pid, sig)`, `rt_sigqueueinfo(pid, ...)`: pid in argument 0.
    Process,
    /// `tkill(tid, sig)`: a thread id in argument 0.
    Thread,
    /// `tgkill(tgid, tid, sig)`, `rt_tgsigqueueinfo`: tgid in argument 0.
    ThreadGroup,
    /// `pidfd_open(pid, flags)`: pid in argument 0.
    PidfdOpen,
    /// A pidfd, or a `/proc/PID` directory descriptor, in argument 0
    /// (`pidfd_send_signal`, `process_madvise`).
    Pidfd,
    /// A process id in this argument, 0 meaning the caller (`prlimit64`,
    /// the `sched_set*` calls, `process_vm_readv`).
    Pid(u8),
    /// `setpriority(which, who)` and `ioprio_set(which, who)`: who names a
    /// process, a process group or a user, by `which`; `user_kind` is the
    /// value of `which` that names a user.
    Priority { process: u64, group: u64, user: u64 },
}

/// How sydbox treats one system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Never needs a decision.
    Allow,
    /// Refused in every mode with this errno.
    Refuse(i32),
    /// `open`/`openat`: category from the flags in argument `flags`.
    Open { path: PathArg, flags: u8 },
    /// `openat2`: flags are inside the `open_how` of argument 2.
    OpenHow { path: PathArg },
    /// `access`/`faccessat`/`faccessat2`: read, plus write with `W_OK`.
    Access { path: PathArg, mode: u8 },
    /// Calls that write through one or two paths.
    Write(&'static [PathArg]),
    /// Calls that read through a path (`listxattr`, `llistxattr`).
    Read(PathArg),
    /// `execve`/`execveat`.
    Exec(PathArg),
    /// `bind`, `connect` and the send calls.
    Net(NetCall),
    /// The stat family: checked for `/dev/sydbox` only.
    Stat(StatCall),
    /// Signal calls: refused when aimed at the supervisor.
    Signal(SignalCall),
    /// `chroot`: allowed, but the caller's root may change, so the
    /// supervisor stops trusting its cached root for that process.
    Chroot,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub nr: u32,
    pub name: &'static str,
    pub handling: Handling,
    pub why: &'static str,
}

const fn at(dirfd: u8, path: u8) -> PathArg {
    PathArg { dirfd: Some(dirfd), path, may_miss: false, follow: Follow::Always, check: FileCheck::None }
}
const fn plain(path: u8) -> PathArg {
    PathArg { dirfd: None, path, may_miss: false, follow: Follow::Always, check: FileCheck::None }
}
const fn nofollow(mut arg: PathArg) -> PathArg {
    arg.follow = Follow::Never;
    arg
}
const fn unless_flag(mut arg: PathArg, flags: u8, bits: u64) -> PathArg {
    arg.follow = Follow::UnlessFlag { arg: flags, bits };
    arg
}
const fn create(mut arg: PathArg, check: FileCheck) -> PathArg {
    arg.may_miss = true;
    arg.check = check;
    arg
}
const fn checked(mut arg: PathArg, check: FileCheck) -> PathArg {
    arg.check = check;
    arg
}

const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_SYMLINK_FOLLOW: u64 = 0x400;
const UMOUNT_NOFOLLOW: u64 = 8;

use FileCheck::{EmptyDirectory, MustNotExist, NotDirectory};
use Handling::{Allow, Refuse};

const EPERM: i32 = libc::EPERM;
const ENOSYS: i32 = libc::ENOSYS;

macro_rules! row {
    ($nr:literal, $name:literal, $handling:expr, $why:literal) => {
        Row { nr: $nr, name: $name, handling: $handling, why: $why }
    };
}

/// The x86_64 table, ordered by number.
pub static X86_64: &[Row] = &[
    row!(0, "read", Allow, "works on an open descriptor"),
    row!(1, "write", Allow, "works on an open descriptor"),
    row!(2, "open", Handling::Open { path: plain(0), flags: 1 }, "read or write by its flags"),
    row!(3, "close", Allow, "descriptor bookkeeping"),
    row!(4, "stat", Handling::Stat(StatCall::Stat), "magic /dev/sydbox interface"),
    row!(5, "fstat", Allow, "works on an open descriptor"),
    row!(6, "lstat", Handling::Stat(StatCall::Lstat), "magic /dev/sydbox interface"),
    row!(7, "poll", Allow, "no path"),
    row!(8, "lseek", Allow, "no path"),
    row!(9, "mmap", Allow, "memory"),
    row!(10, "mprotect", Allow, "memory"),
    row!(11, "munmap", Allow, "memory"),
    row!(12, "brk", Allow, "memory"),
    row!(13, "rt_sigaction", Allow, "signal handling of the caller"),
    row!(14, "rt_sigprocmask", Allow, "signal handling of the caller"),
    row!(15, "rt_sigreturn", Allow, "signal handling of the caller"),
    row!(16, "ioctl", Allow, "TIOCSTI and TIOCLINUX are refused by a conditional rule"),
    row!(17, "pread64", Allow, "open descriptor"),
    row!(18, "pwrite64", Allow, "open descriptor"),
    row!(19, "readv", Allow, "open descriptor"),
    row!(20, "writev", Allow, "open descriptor"),
    row!(21, "access", Handling::Access { path: plain(0), mode: 1 }, "read, and write with W_OK"),
    row!(22, "pipe", Allow, "no path"),
    row!(23, "select", Allow, "no path"),
    row!(24, "sched_yield", Allow, "scheduling"),
    row!(25, "mremap", Allow, "memory"),
    row!(26, "msync", Allow, "memory"),
    row!(27, "mincore", Allow, "memory"),
    row!(28, "madvise", Allow, "memory"),
    row!(29, "shmget", Allow, "System V IPC, private under --isolate"),
    row!(30, "shmat", Allow, "System V IPC"),
    row!(31, "shmctl", Allow, "System V IPC"),
    row!(32, "dup", Allow, "descriptor bookkeeping"),
    row!(33, "dup2", Allow, "descriptor bookkeeping"),
    row!(34, "pause", Allow, "no path"),
    row!(35, "nanosleep", Allow, "time"),
    row!(36, "getitimer", Allow, "time"),
    row!(37, "alarm", Allow, "time"),
    row!(38, "setitimer", Allow, "time"),
    row!(39, "getpid", Allow, "identity"),
    row!(40, "sendfile", Allow, "open descriptors"),
    row!(41, "socket", Allow, "families are checked at bind and connect"),
    row!(42, "connect", Handling::Net(NetCall::Connect), "network connect"),
    row!(43, "accept", Allow, "the listening socket was bound under the policy"),
    row!(44, "sendto", Handling::Net(NetCall::SendTo), "network connect when an address is given"),
    row!(45, "recvfrom", Allow, "receiving"),
    row!(46, "sendmsg", Handling::Net(NetCall::SendMsg), "network connect when msg_name is set"),
    row!(47, "recvmsg", Allow, "receiving"),
    row!(48, "shutdown", Allow, "open socket"),
    row!(49, "bind", Handling::Net(NetCall::Bind), "network bind"),
    row!(50, "listen", Allow, "open socket"),
    row!(51, "getsockname", Allow, "open socket"),
    row!(52, "getpeername", Allow, "open socket"),
    row!(53, "socketpair", Allow, "unnamed sockets"),
    row!(54, "setsockopt", Allow, "open socket"),
    row!(55, "getsockopt", Allow, "open socket"),
    row!(56, "clone", Allow, "namespace flags and CLONE_UNTRACED are refused by a conditional rule"),
    row!(57, "fork", Allow, "followed through ptrace fork events"),
    row!(58, "vfork", Allow, "followed through ptrace vfork events"),
    row!(59, "execve", Handling::Exec(plain(0)), "exec sandboxing"),
    row!(60, "exit", Allow, "process end"),
    row!(61, "wait4", Allow, "process bookkeeping"),
    row!(62, "kill", Handling::Signal(SignalCall::Process), "must not reach the supervisor"),
    row!(63, "uname", Allow, "identity"),
    row!(64, "semget", Allow, "System V IPC"),
    row!(65, "semop", Allow, "System V IPC"),
    row!(66, "semctl", Allow, "System V IPC"),
    row!(67, "shmdt", Allow, "System V IPC"),
    row!(68, "msgget", Allow, "System V IPC"),
    row!(69, "msgsnd", Allow, "System V IPC"),
    row!(70, "msgrcv", Allow, "System V IPC"),
    row!(71, "msgctl", Allow, "System V IPC"),
    row!(72, "fcntl", Allow, "open descriptor"),
    row!(73, "flock", Allow, "open descriptor"),
    row!(74, "fsync", Allow, "open descriptor"),
    row!(75, "fdatasync", Allow, "open descriptor"),
    row!(76, "truncate", Handling::Write(&[plain(0)]), "writes the file"),
    row!(77, "ftruncate", Allow, "open descriptor, opened for writing under the policy"),
    row!(78, "getdents", Allow, "open descriptor"),
    row!(79, "getcwd", Allow, "no access"),
    row!(80, "chdir", Allow, "the working directory is read from /proc at each check"),
    row!(81, "fchdir", Allow, "the working directory is read from /proc at each check"),
    row!(82, "rename", Handling::Write(&[nofollow(plain(0)), create(plain(1), FileCheck::None)]), "writes both names"),
    row!(83, "mkdir", Handling::Write(&[create(plain(0), MustNotExist)]), "creates a directory"),
    row!(84, "rmdir", Handling::Write(&[checked(nofollow(plain(0)), EmptyDirectory)]), "removes a directory"),
    row!(85, "creat", Handling::Write(&[create(plain(0), FileCheck::None)]), "creates a file"),
    row!(86, "link", Handling::Write(&[nofollow(plain(0)), create(plain(1), MustNotExist)]), "creates a name"),
    row!(87, "unlink", Handling::Write(&[checked(nofollow(plain(0)), NotDirectory)]), "removes a name"),
    row!(88, "symlink", Handling::Write(&[create(nofollow(plain(1)), MustNotExist)]), "creates a symlink"),
    row!(89, "readlink", Allow, "not sandboxed by sydbox-1"),
    row!(90, "chmod", Handling::Write(&[plain(0)]), "changes metadata"),
    row!(91, "fchmod", Allow, "open descriptor"),
    row!(92, "chown", Handling::Write(&[plain(0)]), "changes metadata"),
    row!(93, "fchown", Allow, "open descriptor"),
    row!(94, "lchown", Handling::Write(&[nofollow(plain(0))]), "changes metadata"),
    row!(95, "umask", Allow, "process attribute"),
    row!(96, "gettimeofday", Allow, "time"),
    row!(97, "getrlimit", Allow, "process attribute"),
    row!(98, "getrusage", Allow, "process attribute"),
    row!(99, "sysinfo", Allow, "system information"),
    row!(100, "times", Allow, "time"),
    row!(101, "ptrace", Refuse(EPERM), "a tracee must not trace: it could steer processes the supervisor checks"),
    row!(102, "getuid", Allow, "identity"),
    row!(103, "syslog", Allow, "the kernel checks privilege"),
    row!(104, "getgid", Allow, "identity"),
    row!(105, "setuid", Allow, "identity; no_new_privs bounds it"),
    row!(106, "setgid", Allow, "identity"),
    row!(107, "geteuid", Allow, "identity"),
    row!(108, "getegid", Allow, "identity"),
    row!(109, "setpgid", Allow, "process groups"),
    row!(110, "getppid", Allow, "identity"),
    row!(111, "getpgrp", Allow, "process groups"),
    row!(112, "setsid", Allow, "sessions"),
    row!(113, "setreuid", Allow, "identity"),
    row!(114, "setregid", Allow, "identity"),
    row!(115, "getgroups", Allow, "identity"),
    row!(116, "setgroups", Allow, "identity"),
    row!(117, "setresuid", Allow, "identity"),
    row!(118, "getresuid", Allow, "identity"),
    row!(119, "setresgid", Allow, "identity"),
    row!(120, "getresgid", Allow, "identity"),
    row!(121, "getpgid", Allow, "process groups"),
    row!(122, "setfsuid", Allow, "identity"),
    row!(123, "setfsgid", Allow, "identity"),
    row!(124, "getsid", Allow, "sessions"),
    row!(125, "capget", Allow, "capabilities"),
    row!(126, "capset", Allow, "capabilities; cannot exceed the bounding set"),
    row!(127, "rt_sigpending", Allow, "signals of the caller"),
    row!(128, "rt_sigtimedwait", Allow, "signals of the caller"),
    row!(129, "rt_sigqueueinfo", Handling::Signal(SignalCall::Process), "must not reach the supervisor"),
    row!(130, "rt_sigsuspend", Allow, "signals of the caller"),
    row!(131, "sigaltstack", Allow, "signals of the caller"),
    row!(132, "utime", Handling::Write(&[plain(0)]), "changes times"),
    row!(133, "mknod", Handling::Write(&[create(plain(0), MustNotExist)]), "creates a node"),
    row!(134, "uselib", Refuse(ENOSYS), "obsolete a.out loader"),
    row!(135, "personality", Allow, "execution domain"),
    row!(136, "ustat", Allow, "file system statistics"),
    row!(137, "statfs", Allow, "file system statistics, not sandboxed by sydbox-1"),
    row!(138, "fstatfs", Allow, "open descriptor"),
    row!(139, "sysfs", Allow, "file system types"),
    row!(140, "getpriority", Allow, "scheduling"),
    row!(141, "setpriority", Handling::Signal(SignalCall::Priority { process: 0, group: 1, user: 2 }), "must not renice the supervisor"),
    row!(142, "sched_setparam", Handling::Signal(SignalCall::Pid(0)), "must not reschedule the supervisor"),
    row!(143, "sched_getparam", Allow, "scheduling"),
    row!(144, "sched_setscheduler", Handling::Signal(SignalCall::Pid(0)), "must not reschedule the supervisor"),
    row!(145, "sched_getscheduler", Allow, "scheduling"),
    row!(146, "sched_get_priority_max", Allow, "scheduling"),
    row!(147, "sched_get_priority_min", Allow, "scheduling"),
    row!(148, "sched_rr_get_interval", Allow, "scheduling"),
    row!(149, "mlock", Allow, "memory"),
    row!(150, "munlock", Allow, "memory"),
    row!(151, "mlockall", Allow, "memory"),
    row!(152, "munlockall", Allow, "memory"),
    row!(153, "vhangup", Allow, "the kernel checks privilege"),
    row!(154, "modify_ldt", Allow, "segment descriptors of the caller"),
    row!(155, "pivot_root", Refuse(EPERM), "changes the root of a mount namespace"),
    row!(156, "_sysctl", Refuse(ENOSYS), "removed from the kernel"),
    row!(157, "prctl", Allow, "PR_SET_DUMPABLE 0 is answered without effect for unprivileged runs"),
    row!(158, "arch_prctl", Allow, "thread state"),
    row!(159, "adjtimex", Allow, "the kernel checks privilege"),
    row!(160, "setrlimit", Allow, "process limits"),
    row!(161, "chroot", Handling::Chroot, "paths are resolved in the caller's root, which this changes"),
    row!(162, "sync", Allow, "flushes caches"),
    row!(163, "acct", Refuse(EPERM), "writes an accounting file chosen by the caller"),
    row!(164, "settimeofday", Allow, "the kernel checks privilege"),
    row!(165, "mount", Handling::Write(&[plain(1)]), "changes what a path shows"),
    row!(166, "umount2", Handling::Write(&[unless_flag(plain(0), 1, UMOUNT_NOFOLLOW)]), "changes what a path shows"),
    row!(167, "swapon", Refuse(EPERM), "host-wide resource"),
    row!(168, "swapoff", Refuse(EPERM), "host-wide resource"),
    row!(169, "reboot", Refuse(EPERM), "host-wide"),
    row!(170, "sethostname", Allow, "the kernel checks privilege; private under --isolate"),
    row!(171, "setdomainname", Allow, "the kernel checks privilege; private under --isolate"),
    row!(172, "iopl", Refuse(EPERM), "raw port access"),
    row!(173, "ioperm", Refuse(EPERM), "raw port access"),
    row!(175, "init_module", Refuse(EPERM), "kernel modules"),
    row!(176, "delete_module", Refuse(EPERM), "kernel modules"),
    row!(179, "quotactl", Allow, "the kernel checks privilege"),
    row!(186, "gettid", Allow, "identity"),
    row!(187, "readahead", Allow, "open descriptor"),
    row!(188, "setxattr", Handling::Write(&[plain(0)]), "changes metadata"),
    row!(189, "lsetxattr", Handling::Write(&[nofollow(plain(0))]), "changes metadata"),
    row!(190, "fsetxattr", Allow, "open descriptor"),
    row!(191, "getxattr", Allow, "not sandboxed by sydbox-1"),
    row!(192, "lgetxattr", Allow, "not sandboxed by sydbox-1"),
    row!(193, "fgetxattr", Allow, "open descriptor"),
    row!(194, "listxattr", Handling::Read(plain(0)), "reads metadata"),
    row!(195, "llistxattr", Handling::Read(nofollow(plain(0))), "reads metadata"),
    row!(196, "flistxattr", Allow, "open descriptor"),
    row!(197, "removexattr", Handling::Write(&[plain(0)]), "changes metadata"),
    row!(198, "lremovexattr", Handling::Write(&[nofollow(plain(0))]), "changes metadata"),
    row!(199, "fremovexattr", Allow, "open descriptor"),
    row!(200, "tkill", Handling::Signal(SignalCall::Thread), "must not reach the supervisor"),
    row!(201, "time", Allow, "time"),
    row!(202, "futex", Allow, "synchronisation"),
    row!(203, "sched_setaffinity", Handling::Signal(SignalCall::Pid(0)), "must not move the supervisor"),
    row!(204, "sched_getaffinity", Allow, "scheduling"),
    row!(205, "set_thread_area", Allow, "thread state"),
    row!(206, "io_setup", Allow, "asynchronous I/O on open descriptors"),
    row!(207, "io_destroy", Allow, "asynchronous I/O"),
    row!(208, "io_getevents", Allow, "asynchronous I/O"),
    row!(209, "io_submit", Allow, "asynchronous I/O on open descriptors"),
    row!(210, "io_cancel", Allow, "asynchronous I/O"),
    row!(211, "get_thread_area", Allow, "thread state"),
    row!(212, "lookup_dcookie", Refuse(ENOSYS), "removed from the kernel"),
    row!(213, "epoll_create", Allow, "event polling"),
    row!(216, "remap_file_pages", Allow, "memory"),
    row!(217, "getdents64", Allow, "open descriptor"),
    row!(218, "set_tid_address", Allow, "thread state"),
    row!(219, "restart_syscall", Allow, "restarts an interrupted call"),
    row!(220, "semtimedop", Allow, "System V IPC"),
    row!(221, "fadvise64", Allow, "open descriptor"),
    row!(222, "timer_create", Allow, "time"),
    row!(223, "timer_settime", Allow, "time"),
    row!(224, "timer_gettime", Allow, "time"),
    row!(225, "timer_getoverrun", Allow, "time"),
    row!(226, "timer_delete", Allow, "time"),
    row!(227, "clock_settime", Allow, "the kernel checks privilege"),
    row!(228, "clock_gettime", Allow, "time"),
    row!(229, "clock_getres", Allow, "time"),
    row!(230, "clock_nanosleep", Allow, "time"),
    row!(231, "exit_group", Allow, "process end"),
    row!(232, "epoll_wait", Allow, "event polling"),
    row!(233, "epoll_ctl", Allow, "event polling"),
    row!(234, "tgkill", Handling::Signal(SignalCall::ThreadGroup), "must not reach the supervisor"),
    row!(235, "utimes", Handling::Write(&[plain(0)]), "changes times"),
    row!(237, "mbind", Allow, "memory policy"),
    row!(238, "set_mempolicy", Allow, "memory policy"),
    row!(239, "get_mempolicy", Allow, "memory policy"),
    row!(240, "mq_open", Allow, "POSIX message queues, private under --isolate"),
    row!(241, "mq_unlink", Allow, "POSIX message queues"),
    row!(242, "mq_timedsend", Allow, "POSIX message queues"),
    row!(243, "mq_timedreceive", Allow, "POSIX message queues"),
    row!(244, "mq_notify", Allow, "POSIX message queues"),
    row!(245, "mq_getsetattr", Allow, "POSIX message queues"),
    row!(246, "kexec_load", Refuse(EPERM), "replaces the running kernel"),
    row!(247, "waitid", Allow, "process bookkeeping"),
    row!(248, "add_key", Refuse(EPERM), "kernel keyrings are shared with the host"),
    row!(249, "request_key", Refuse(EPERM), "kernel keyrings are shared with the host"),
    row!(250, "keyctl", Refuse(EPERM), "kernel keyrings are shared with the host"),
    row!(251, "ioprio_set", Handling::Signal(SignalCall::Priority { process: 1, group: 2, user: 3 }), "must not change the supervisor's I/O priority"),
    row!(252, "ioprio_get", Allow, "scheduling"),
    row!(253, "inotify_init", Allow, "watches open nothing"),
    row!(254, "inotify_add_watch", Allow, "watching reads no content"),
    row!(255, "inotify_rm_watch", Allow, "watches"),
    row!(256, "migrate_pages", Allow, "memory policy"),
    row!(257, "openat", Handling::Open { path: at(0, 1), flags: 2 }, "read or write by its flags"),
    row!(258, "mkdirat", Handling::Write(&[create(at(0, 1), MustNotExist)]), "creates a directory"),
    row!(259, "mknodat", Handling::Write(&[create(at(0, 1), MustNotExist)]), "creates a node"),
    row!(260, "fchownat", Handling::Write(&[unless_flag(at(0, 1), 4, AT_SYMLINK_NOFOLLOW)]), "changes metadata"),
    row!(261, "futimesat", Handling::Write(&[at(0, 1)]), "changes times"),
    row!(262, "newfstatat", Handling::Stat(StatCall::Newfstatat), "magic /dev/sydbox interface"),
    row!(263, "unlinkat", Handling::Write(&[checked(nofollow(at(0, 1)), FileCheck::RemoveDirIf { arg: 2 })]), "removes a name"),
    row!(264, "renameat", Handling::Write(&[nofollow(at(0, 1)), create(at(2, 3), FileCheck::None)]), "writes both names"),
    row!(265, "linkat", Handling::Write(&[PathArg { dirfd: Some(0), path: 1, may_miss: false, follow: Follow::IfFlag { arg: 4, bits: AT_SYMLINK_FOLLOW }, check: FileCheck::None }, create(at(2, 3), MustNotExist)]), "creates a name"),
    row!(266, "symlinkat", Handling::Write(&[create(nofollow(at(1, 2)), MustNotExist)]), "creates a symlink"),
    row!(267, "readlinkat", Allow, "not sandboxed by sydbox-1"),
    row!(268, "fchmodat", Handling::Write(&[at(0, 1)]), "changes metadata"),
    row!(269, "faccessat", Handling::Access { path: at(0, 1), mode: 2 }, "read, and write with W_OK"),
    row!(270, "pselect6", Allow, "no path"),
    row!(271, "ppoll", Allow, "no path"),
    row!(272, "unshare", Refuse(EPERM), "new namespaces could hand capabilities back"),
    row!(273, "set_robust_list", Allow, "thread state"),
    row!(274, "get_robust_list", Allow, "thread state"),
    row!(275, "splice", Allow, "open descriptors"),
    row!(276, "tee", Allow, "open descriptors"),
    row!(277, "sync_file_range", Allow, "open descriptor"),
    row!(278, "vmsplice", Allow, "open descriptors"),
    row!(279, "move_pages", Allow, "memory policy"),
    row!(280, "utimensat", Handling::Write(&[unless_flag(at(0, 1), 3, AT_SYMLINK_NOFOLLOW)]), "changes times"),
    row!(281, "epoll_pwait", Allow, "event polling"),
    row!(282, "signalfd", Allow, "signals of the caller"),
    row!(283, "timerfd_create", Allow, "time"),
    row!(284, "eventfd", Allow, "no path"),
    row!(285, "fallocate", Allow, "open descriptor"),
    row!(286, "timerfd_settime", Allow, "time"),
    row!(287, "timerfd_gettime", Allow, "time"),
    row!(288, "accept4", Allow, "the listening socket was bound under the policy"),
    row!(289, "signalfd4", Allow, "signals of the caller"),
    row!(290, "eventfd2", Allow, "no path"),
    row!(291, "epoll_create1", Allow, "event polling"),
    row!(292, "dup3", Allow, "descriptor bookkeeping"),
    row!(293, "pipe2", Allow, "no path"),
    row!(294, "inotify_init1", Allow, "watches open nothing"),
    row!(295, "preadv", Allow, "open descriptor"),
    row!(296, "pwritev", Allow, "open descriptor"),
    row!(297, "rt_tgsigqueueinfo", Handling::Signal(SignalCall::ThreadGroup), "must not reach the supervisor"),
    row!(298, "perf_event_open", Refuse(EPERM), "kernel attack surface, and can observe other processes"),
    row!(299, "recvmmsg", Allow, "receiving"),
    row!(300, "fanotify_init", Allow, "the kernel checks privilege"),
    row!(301, "fanotify_mark", Allow, "the kernel checks privilege"),
    row!(302, "prlimit64", Handling::Signal(SignalCall::Pid(0)), "must not change the supervisor's limits"),
    row!(303, "name_to_handle_at", Allow, "yields a handle that only open_by_handle_at can use"),
    row!(304, "open_by_handle_at", Refuse(EPERM), "opens a file by handle, around every path check"),
    row!(305, "clock_adjtime", Allow, "the kernel checks privilege"),
    row!(306, "syncfs", Allow, "flushes caches"),
    row!(307, "sendmmsg", Handling::Net(NetCall::SendMmsg), "network connect when msg_name is set"),
    row!(308, "setns", Refuse(EPERM), "joining namespaces could hand capabilities back"),
    row!(309, "getcpu", Allow, "scheduling"),
    row!(310, "process_vm_readv", Handling::Signal(SignalCall::Pid(0)), "must not read the supervisor's memory"),
    row!(311, "process_vm_writev", Refuse(EPERM), "could rewrite another traced process's arguments between check and use"),
    row!(312, "kcmp", Allow, "compares kernel objects"),
    row!(313, "finit_module", Refuse(EPERM), "kernel modules"),
    row!(314, "sched_setattr", Handling::Signal(SignalCall::Pid(0)), "must not reschedule the supervisor"),
    row!(315, "sched_getattr", Allow, "scheduling"),
    row!(316, "renameat2", Handling::Write(&[nofollow(at(0, 1)), create(at(2, 3), FileCheck::None)]), "writes both names"),
    row!(317, "seccomp", Allow, "filters only add restrictions"),
    row!(318, "getrandom", Allow, "no path"),
    row!(319, "memfd_create", Allow, "anonymous memory file"),
    row!(320, "kexec_file_load", Refuse(EPERM), "replaces the running kernel"),
    row!(321, "bpf", Refuse(EPERM), "kernel attack surface"),
    row!(322, "execveat", Handling::Exec(at(0, 1)), "exec sandboxing"),
    row!(323, "userfaultfd", Refuse(EPERM), "widens check-then-use races in the supervisor's memory reads"),
    row!(324, "membarrier", Allow, "synchronisation"),
    row!(325, "mlock2", Allow, "memory"),
    row!(326, "copy_file_range", Allow, "open descriptors"),
    row!(327, "preadv2", Allow, "open descriptor"),
    row!(328, "pwritev2", Allow, "open descriptor"),
    row!(329, "pkey_mprotect", Allow, "memory"),
    row!(330, "pkey_alloc", Allow, "memory"),
    row!(331, "pkey_free", Allow, "memory"),
    row!(332, "statx", Handling::Stat(StatCall::Statx), "magic /dev/sydbox interface"),
    row!(333, "io_pgetevents", Allow, "asynchronous I/O"),
    row!(334, "rseq", Allow, "thread state"),
    row!(424, "pidfd_send_signal", Handling::Signal(SignalCall::Pidfd), "a pidfd or /proc/PID descriptor must not name the supervisor"),
    row!(425, "io_uring_setup", Refuse(ENOSYS), "io_uring performs file and socket operations no filter sees"),
    row!(426, "io_uring_enter", Refuse(ENOSYS), "io_uring performs file and socket operations no filter sees"),
    row!(427, "io_uring_register", Refuse(ENOSYS), "io_uring performs file and socket operations no filter sees"),
    row!(428, "open_tree", Refuse(EPERM), "new mount API"),
    row!(429, "move_mount", Refuse(EPERM), "new mount API"),
    row!(430, "fsopen", Refuse(EPERM), "new mount API"),
    row!(431, "fsconfig", Refuse(EPERM), "new mount API"),
    row!(432, "fsmount", Refuse(EPERM), "new mount API"),
    row!(433, "fspick", Refuse(EPERM), "new mount API"),
    row!(434, "pidfd_open", Handling::Signal(SignalCall::PidfdOpen), "must not reach the supervisor"),
    row!(435, "clone3", Refuse(ENOSYS), "its flags are in memory, out of the filter's reach; libc falls back to clone"),
    row!(436, "close_range", Allow, "descriptor bookkeeping"),
    row!(437, "openat2", Handling::OpenHow { path: at(0, 1) }, "read or write by its flags"),
    row!(438, "pidfd_getfd", Refuse(EPERM), "takes descriptors from another process"),
    row!(439, "faccessat2", Handling::Access { path: at(0, 1), mode: 2 }, "read, and write with W_OK"),
    row!(440, "process_madvise", Handling::Signal(SignalCall::Pidfd), "a pidfd must not name the supervisor"),
    row!(441, "epoll_pwait2", Allow, "event polling"),
    row!(442, "mount_setattr", Refuse(EPERM), "new mount API"),
    row!(443, "quotactl_fd", Allow, "the kernel checks privilege"),
    row!(444, "landlock_create_ruleset", Allow, "Landlock only restricts"),
    row!(445, "landlock_add_rule", Allow, "Landlock only restricts"),
    row!(446, "landlock_restrict_self", Allow, "Landlock only restricts"),
    row!(447, "memfd_secret", Allow, "anonymous memory"),
    row!(448, "process_mrelease", Allow, "the kernel checks permission"),
    row!(449, "futex_waitv", Allow, "synchronisation"),
    row!(450, "set_mempolicy_home_node", Allow, "memory policy"),
    row!(451, "cachestat", Allow, "open descriptor"),
    row!(452, "fchmodat2", Handling::Write(&[unless_flag(at(0, 1), 3, AT_SYMLINK_NOFOLLOW)]), "changes metadata"),
    row!(453, "map_shadow_stack", Allow, "memory"),
    row!(454, "futex_wake", Allow, "synchronisation"),
    row!(455, "futex_wait", Allow, "synchronisation"),
    row!(456, "futex_requeue", Allow, "synchronisation"),
    row!(457, "statmount", Allow, "mount information"),
    row!(458, "listmount", Allow, "mount information"),
    row!(459, "lsm_get_self_attr", Allow, "security attributes of the caller"),
    row!(460, "lsm_set_self_attr", Allow, "security attributes of the caller"),
    row!(461, "lsm_list_modules", Allow, "security modules"),
    row!(462, "mseal", Allow, "memory"),
    row!(463, "setxattrat", Handling::Write(&[unless_flag(at(0, 1), 2, AT_SYMLINK_NOFOLLOW)]), "changes metadata"),
    row!(464, "getxattrat", Allow, "not sandboxed, like getxattr"),
    row!(465, "listxattrat", Handling::Read(unless_flag(at(0, 1), 2, AT_SYMLINK_NOFOLLOW)), "reads metadata"),
    row!(466, "removexattrat", Handling::Write(&[unless_flag(at(0, 1), 2, AT_SYMLINK_NOFOLLOW)]), "changes metadata"),
    row!(467, "open_tree_attr", Refuse(EPERM), "new mount API"),
    row!(468, "file_getattr", Allow, "reads inode attributes"),
    row!(469, "file_setattr", Handling::Write(&[unless_flag(at(0, 1), 4, AT_SYMLINK_NOFOLLOW)]), "changes inode attributes"),
];

/// The highest system call number sydbox knows on x86_64.
pub const MAX_NR: u32 = 469;

/// Looks a row up by number.
pub fn row(nr: u64) -> Option<&'static Row> {
    let nr = u32::try_from(nr).ok()?;
    X86_64.binary_search_by_key(&nr, |row| row.nr).ok().map(|at| &X86_64[at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_bounded() {
        for pair in X86_64.windows(2) {
            assert!(pair[0].nr < pair[1].nr, "{} before {}", pair[0].name, pair[1].name);
        }
        assert_eq!(X86_64.last().map(|r| r.nr), Some(MAX_NR));
    }

    #[test]
    fn numbers_agree_with_libc() {
        for (nr, name) in [
            (libc::SYS_openat, "openat"),
            (libc::SYS_execveat, "execveat"),
            (libc::SYS_openat2, "openat2"),
            (libc::SYS_faccessat2, "faccessat2"),
            (libc::SYS_fchmodat2, "fchmodat2"),
            (libc::SYS_renameat2, "renameat2"),
            (libc::SYS_sendmmsg, "sendmmsg"),
            (libc::SYS_statx, "statx"),
            (libc::SYS_newfstatat, "newfstatat"),
            (libc::SYS_clone3, "clone3"),
            (libc::SYS_mseal, "mseal"),
        ] {
            assert_eq!(row(nr as u64).map(|r| r.name), Some(name));
        }
    }
}
