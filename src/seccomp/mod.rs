//! The seccomp-bpf filters: which calls stop for the supervisor, which are
//! refused in every mode, and the ABI guard. Building them is pure; the
//! launcher installs the finished programs in the command's process.

pub mod bpf;
pub mod table;

use std::collections::BTreeMap;

pub use bpf::{BpfProgram, SockFilter};
use bpf::{ArgLen, BpfError, CmpOp, Condition, Group, Guard, Rule};

use table::{Handling, NetCall, SignalCall, StatCall, X86_64};

/// Which categories the trace filter stops for. Built from the policy the
/// first process starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TraceSet {
    pub exec: bool,
    pub read: bool,
    pub write: bool,
    pub network: bool,
    /// Stat-family calls, for the magic interface (off when the magic lock
    /// is on from the start).
    pub magic: bool,
    /// `fork`, `vfork` and process-creating `clone`, so the supervisor can
    /// enforce `core/limit/processes`.
    pub processes: bool,
}

impl TraceSet {
    /// The categories in either set.
    pub fn union(&self, other: &TraceSet) -> TraceSet {
        TraceSet {
            exec: self.exec || other.exec,
            read: self.read || other.read,
            write: self.write || other.write,
            network: self.network || other.network,
            magic: self.magic || other.magic,
            processes: self.processes || other.processes,
        }
    }

    /// The categories of this set that `other` lacks.
    pub fn minus(&self, other: &TraceSet) -> TraceSet {
        TraceSet {
            exec: self.exec && !other.exec,
            read: self.read && !other.read,
            write: self.write && !other.write,
            network: self.network && !other.network,
            magic: self.magic && !other.magic,
            processes: self.processes && !other.processes,
        }
    }

    /// Reports whether no category is in the set.
    pub fn is_empty(&self) -> bool {
        *self == TraceSet::default()
    }
}

/// Builds the trace filter alone, as runtime magic adds it to a process
/// whose filters do not yet stop for a newly enabled category.
pub fn trace_program(set: &TraceSet) -> Result<BpfProgram, SeccompError> {
    let guard = Guard { arch: AUDIT_ARCH_X86_64, missing: Vec::new() };
    let groups = [group(libc::SECCOMP_RET_TRACE, trace_rules(set))];
    bpf::compile(Some(&guard), &groups, libc::SECCOMP_RET_ALLOW).map_err(|source| SeccompError::Build { which: "trace", source })
}

/// Why a filter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("building the {which} filter: {source}")]
    Build { which: &'static str, source: BpfError },
}

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

const O_WRONLY: u64 = libc::O_WRONLY as u64;
/// The ids by which the command could name sydbox in a signal or
/// process-control call: its pid and its process group. With them the
/// filter lets the kernel decide every such call that names another
/// process (`narrow_signal_rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupervisorIds {
    pub pid: i32,
    pub pgrp: i32,
}

const O_RDWR: u64 = libc::O_RDWR as u64;
const O_CREAT: u64 = libc::O_CREAT as u64;
const O_TRUNC: u64 = libc::O_TRUNC as u64;
/// `__O_TMPFILE` alone; `O_TMPFILE` also carries `O_DIRECTORY`.
const O_TMPFILE_BIT: u64 = 0x0040_0000;
const AT_EMPTY_PATH: u64 = libc::AT_EMPTY_PATH as u64;
const W_OK: u64 = libc::W_OK as u64;

fn condition(arg: u8, len: ArgLen, op: CmpOp, value: u64) -> Condition {
    Condition { arg, len, op, value }
}

/// A rule that matches when `bits` are all set in argument `arg`.
/// A rule that matches when argument `arg`, compared on `len`, is not 0.
fn nonzero(arg: u8, len: ArgLen) -> Rule {
    Rule::new(vec![condition(arg, len, CmpOp::Ne, 0)])
}

fn bits_set(arg: u8, bits: u64) -> Rule {
    Rule::new(vec![condition(arg, ArgLen::Qword, CmpOp::MaskedEq(bits), bits)])
}

/// A rule that matches when `bits` are all clear in argument `arg`.
fn bits_clear(arg: u8, bits: u64) -> Rule {
    Rule::new(vec![condition(arg, ArgLen::Qword, CmpOp::MaskedEq(bits), 0)])
}

/// Builds the group of one action from its rules, keyed by call number.
fn group(action: u32, rules: BTreeMap<i64, Vec<Rule>>) -> Group {
    let calls = rules.into_iter().map(|(nr, chain)| (u32::try_from(nr).expect("a call number"), chain)).collect();
    Group { action, calls }
}

/// The rules of the trace filter: every call whose category is in force,
/// narrowed by its flags where the kernel can look at them.
pub fn trace_rules(set: &TraceSet) -> BTreeMap<i64, Vec<Rule>> {
    let mut rules = BTreeMap::new();
    let all = Vec::new;
    for row in X86_64 {
        let nr = i64::from(row.nr);
        let wanted: Option<Vec<Rule>> = match row.handling {
            Handling::Open { flags, .. } => {
                if set.read {
                    Some(all())
                } else if set.write {
                    // Only opens that may write stop; read-only opens never do.
                    Some([O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_TMPFILE_BIT].iter().map(|b| bits_set(flags, *b)).collect())
                } else {
                    None
                }
            }
            Handling::OpenHow { .. } => (set.read || set.write).then(all),
            Handling::Access { mode, .. } => {
                if set.read {
                    Some(all())
                } else if set.write {
                    Some(vec![bits_set(mode, W_OK)])
                } else {
                    None
                }
            }
            Handling::Write(_) => set.write.then(all),
            Handling::Read(_) => set.read.then(all),
            Handling::Exec(_) => set.exec.then(all),
            Handling::Net(call) => match call {
                // A send without an address goes to the connected peer.
                NetCall::SendTo => set.network.then(|| vec![nonzero(4, ArgLen::Qword)]),
                _ => set.network.then(all),
            },
            Handling::Stat(call) => set.magic.then(|| match call {
                // fstat() arrives as newfstatat(fd, "", buf, AT_EMPTY_PATH).
                StatCall::Newfstatat => vec![bits_clear(3, AT_EMPTY_PATH)],
                StatCall::Statx => vec![bits_clear(2, AT_EMPTY_PATH)],
                StatCall::Stat | StatCall::Lstat => all(),
            }),
            // Pid 0 names the caller itself, which is never the supervisor.
            // A pid_t is compared on its low 32 bits, as the kernel reads it.
            Handling::Signal(SignalCall::Pid(arg)) => Some(vec![nonzero(arg, ArgLen::Dword)]),
            Handling::Signal(_) | Handling::Chroot => Some(all()),
            Handling::Allow | Handling::Refuse(_) => None,
        };
        if let Some(chain) = wanted {
            rules.insert(nr, chain);
        }
    }
    if set.processes {
        rules.insert(libc::SYS_fork, all());
        rules.insert(libc::SYS_vfork, all());
        // A clone that makes a thread does not add a process.
        rules.insert(libc::SYS_clone, vec![bits_clear(0, libc::CLONE_THREAD as u64)]);
    }
    rules
}

/// Returns the rules that match when argument `arg`, read as a pid (its
/// low 32 bits, as the kernel reads a `pid_t`), is one of `pids`.
fn pid_in(arg: u8, pids: &[i32]) -> Vec<Rule> {
    pids.iter().map(|pid| Rule::new(vec![condition(arg, ArgLen::Dword, CmpOp::Eq, u64::from(*pid as u32))])).collect()
}

/// Narrows the rules of the signal and process-control calls to the
/// values that could name sydbox: its pid, `kill`'s group forms (0, -1
/// and its process group) and pid 1, which under `--isolate` is sydbox's
/// own pid 1. Every other value goes straight to the kernel. Besides
/// saving a trip, this keeps such calls off the notification path. There,
/// a signal that arrives before sydbox reads the call ends it with EINTR
/// in a process whose handler lacks `SA_RESTART` (dash's SIGCHLD
/// handler, for one), and `kill` never returns EINTR natively. Descriptor
/// forms (`pidfd_send_signal`) and the priority calls keep every call.
pub fn narrow_signal_rules(rules: &mut BTreeMap<i64, Vec<Rule>>, ids: SupervisorIds) {
    let named = [ids.pid, 1];
    let by_group = [ids.pid, 1, 0, -1, -ids.pgrp];
    for row in X86_64 {
        let narrowed = match row.handling {
            Handling::Signal(SignalCall::Process) => pid_in(0, &by_group),
            Handling::Signal(SignalCall::Thread | SignalCall::ThreadGroup | SignalCall::PidfdOpen) => pid_in(0, &named),
            Handling::Signal(SignalCall::Pid(arg)) => pid_in(arg, &named),
            _ => continue,
        };
        rules.insert(i64::from(row.nr), narrowed);
    }
}

/// Namespace flags of `clone(2)`; a new user namespace could hand
/// capabilities back.
const CLONE_NAMESPACE_FLAGS: &[u64] = &[
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWCGROUP as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
];
/// A child created with it would not be traced.
const CLONE_UNTRACED: u64 = libc::CLONE_UNTRACED as u64;
/// Terminal ioctls that push input into a terminal or console.
const TIOCSTI: u64 = 0x5412;
const TIOCLINUX: u64 = 0x541c;

/// The rules of the filter that refuses calls with one errno.
pub fn refuse_rules(errno: i32) -> BTreeMap<i64, Vec<Rule>> {
    let mut rules: BTreeMap<i64, Vec<Rule>> = X86_64
        .iter()
        .filter(|row| row.handling == Handling::Refuse(errno))
        .map(|row| (i64::from(row.nr), Vec::new()))
        .collect();
    if errno == libc::EPERM {
        let mut clone: Vec<Rule> = CLONE_NAMESPACE_FLAGS.iter().map(|flag| bits_set(0, *flag)).collect();
        clone.push(bits_set(0, CLONE_UNTRACED));
        rules.insert(libc::SYS_clone, clone);
        // The request is compared on its low 32 bits, as the kernel does.
        let ioctl = [TIOCSTI, TIOCLINUX]
            .iter()
            .map(|request| {
                Rule::new(vec![condition(1, ArgLen::Dword, CmpOp::Eq, *request)])
            })
            .collect();
        rules.insert(libc::SYS_ioctl, ioctl);
    }
    rules
}

/// Restrictions that fail calls with EINVAL in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Restrictions {
    /// `core/restrict/file_control`: no `O_ASYNC`, `O_DIRECT` or `O_SYNC`
    /// opens, and only the common `fcntl` commands.
    pub file_control: bool,
    /// `core/restrict/shared_memory_writable`: no writable shared mappings.
    pub shared_memory_writable: bool,
}

/// `fcntl` commands `core/restrict/file_control` leaves allowed.
const FCNTL_ALLOWED: &[u64] = &[
    libc::F_DUPFD as u64,
    libc::F_DUPFD_CLOEXEC as u64,
    libc::F_GETFD as u64,
    libc::F_SETFD as u64,
    libc::F_GETFL as u64,
    libc::F_SETFL as u64,
    libc::F_SETOWN as u64,
    libc::F_GETLK as u64,
    libc::F_SETLK as u64,
    libc::F_SETLKW as u64,
    libc::F_OFD_GETLK as u64,
    libc::F_OFD_SETLK as u64,
    libc::F_OFD_SETLKW as u64,
];

/// The rules of the EINVAL filter for the restrictions in force.
pub fn restrict_rules(restrict: &Restrictions) -> BTreeMap<i64, Vec<Rule>> {
    let mut rules = BTreeMap::new();
    if restrict.file_control {
        // O_SYNC is __O_SYNC | O_DSYNC; either bit asks for synchronous I/O.
        let bits = [libc::O_ASYNC as u64, libc::O_DIRECT as u64, libc::O_DSYNC as u64, 0x0010_0000];
        rules.insert(libc::SYS_open, bits.iter().map(|b| bits_set(1, *b)).collect());
        rules.insert(libc::SYS_openat, bits.iter().map(|b| bits_set(2, *b)).collect());
        let other_command = Rule::new(FCNTL_ALLOWED.iter().map(|cmd| condition(1, ArgLen::Dword, CmpOp::Ne, *cmd)).collect());
        let setfl_adds = |bit: u64| {
            Rule::new(vec![
                condition(1, ArgLen::Dword, CmpOp::Eq, libc::F_SETFL as u64),
                condition(2, ArgLen::Qword, CmpOp::MaskedEq(bit), bit),
            ])
        };
        rules.insert(
            libc::SYS_fcntl,
            vec![other_command, setfl_adds(libc::O_ASYNC as u64), setfl_adds(libc::O_DIRECT as u64)],
        );
    }
    if restrict.shared_memory_writable {
        let rule = Rule::new(vec![
            condition(2, ArgLen::Qword, CmpOp::MaskedEq(libc::PROT_WRITE as u64), libc::PROT_WRITE as u64),
            condition(3, ArgLen::Qword, CmpOp::MaskedEq(libc::MAP_SHARED as u64), libc::MAP_SHARED as u64),
        ]);
        rules.insert(libc::SYS_mmap, vec![rule]);
    }
    rules
}

/// The command's filter: one program, installed once before the exec.
#[derive(Debug, Clone)]
pub struct Filters {
    pub program: BpfProgram,
    /// Whether the program sends calls to the supervisor by user
    /// notification, and so is installed with
    /// `SECCOMP_FILTER_FLAG_NEW_LISTENER`.
    pub listener: bool,
    /// Whether a call sydbox has read waits for its reply unmoved by
    /// signals other than fatal ones (`SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`),
    /// rather than ending with EINTR in a process whose handler lacks
    /// `SA_RESTART`. Only without ptrace: with it, sydbox ends such a wait
    /// by `PTRACE_INTERRUPT` to add a filter at run time.
    pub wait_killable: bool,
}

fn errno(value: i32) -> u32 {
    libc::SECCOMP_RET_ERRNO | value as u32
}

/// Builds the command's filter.
///
/// One program decides everything, in this order:
/// - the ABI guard: a foreign architecture kills the process (until an
///   i386 table exists), and an x32 call, a number above the table or a
///   number the table lacks fails with ENOSYS;
/// - the refusals, each with its errno. Where two could match the same
///   call, they come in the order the kernel would give them as separate
///   filters, where the newest of equal rank wins;
/// - the calls of the categories in force, sent to the supervisor by user
///   notification, a round trip of a few microseconds against a ptrace
///   stop's tens. A build makes tens of thousands of them, stat-family
///   calls for the magic interface above all;
/// - bind, which stays on ptrace when the supervisor follows processes by
///   ptrace (`ptraced`): its exit stop records a successful bind. Without
///   ptrace it goes by notification too, since a trace action without a
///   tracer fails every call with ENOSYS.
///
/// One program rather than one per action: the kernel compiles and
/// analyses each filter it installs, at a cost that grows with the
/// filter's length, and every start of a command pays it.
///
/// `supervisor`, when given, narrows the signal and process-control calls
/// to those that could name it (`narrow_signal_rules`).
///
/// `emulate_nondumpable` makes `prctl(PR_SET_DUMPABLE, 0)` return success
/// without letting it take effect: an unprivileged supervisor could not
/// read the memory of a non-dumpable tracee, and every check of its calls
/// would fail closed (design section 5).
pub fn build(
    set: &TraceSet,
    restrict: &Restrictions,
    emulate_nondumpable: bool,
    ptraced: bool,
    supervisor: Option<SupervisorIds>,
) -> Result<Filters, SeccompError> {
    let mut groups = Vec::new();
    if emulate_nondumpable {
        let rule = Rule::new(vec![
            condition(0, ArgLen::Dword, CmpOp::Eq, libc::PR_SET_DUMPABLE as u64),
            condition(1, ArgLen::Qword, CmpOp::Eq, 0),
        ]);
        groups.push(group(errno(0), BTreeMap::from([(libc::SYS_prctl, vec![rule])])));
    }
    groups.push(group(errno(libc::ENOSYS), refuse_rules(libc::ENOSYS)));
    groups.push(group(errno(libc::EPERM), refuse_rules(libc::EPERM)));
    groups.push(group(errno(libc::EINVAL), restrict_rules(restrict)));
    let mut notified = trace_rules(set);
    if let Some(ids) = supervisor {
        narrow_signal_rules(&mut notified, ids);
    }
    let traced: BTreeMap<i64, Vec<Rule>> =
        if ptraced { notified.remove_entry(&libc::SYS_bind).into_iter().collect() } else { BTreeMap::new() };
    let listener = !notified.is_empty();
    groups.push(group(libc::SECCOMP_RET_USER_NOTIF, notified));
    groups.push(group(libc::SECCOMP_RET_TRACE, traced));
    let guard = Guard { arch: AUDIT_ARCH_X86_64, missing: missing_ranges() };
    let program = bpf::compile(Some(&guard), &groups, libc::SECCOMP_RET_ALLOW)
        .map_err(|source| SeccompError::Build { which: "command", source })?;
    Ok(Filters { program, listener, wait_killable: listener && !ptraced })
}

/// Ranges of numbers up to `u32::MAX` that the table does not list.
pub fn missing_ranges() -> Vec<(u32, u32)> {
    let mut ranges = Vec::new();
    let mut next = 0u32;
    for row in X86_64 {
        if row.nr > next {
            ranges.push((next, row.nr - 1));
        }
        next = row.nr + 1;
    }
    ranges.push((next, u32::MAX));
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_opens_do_not_stop_when_read_is_off() {
        let rules = trace_rules(&TraceSet { write: true, ..TraceSet::default() });
        assert_eq!(rules[&libc::SYS_openat].len(), 5);
        assert!(!rules.contains_key(&libc::SYS_execve));
        assert!(!rules.contains_key(&libc::SYS_listxattr));
        let rules = trace_rules(&TraceSet { read: true, ..TraceSet::default() });
        assert!(rules[&libc::SYS_openat].is_empty());
    }

    #[test]
    fn every_filter_compiles() {
        let set = TraceSet { exec: true, read: true, write: true, network: true, magic: true, processes: true };
        let restrict = Restrictions { file_control: true, shared_memory_writable: true };
        let filters = build(&set, &restrict, true, true, None).unwrap();
        assert!(filters.listener);
        let program = &filters.program;
        assert!(program.len() < 4096, "the filter has {} instructions", program.len());
        assert!(program.iter().any(|insn| insn.k == libc::SECCOMP_RET_USER_NOTIF));
        assert!(program.iter().any(|insn| insn.k == libc::SECCOMP_RET_TRACE));
        // Without a tracer, a trace action would fail the call with ENOSYS.
        let paludis = TraceSet { write: true, network: true, ..TraceSet::default() };
        let untraced = build(&paludis, &restrict, true, false, None).unwrap().program;
        assert!(!untraced.iter().any(|insn| insn.k == libc::SECCOMP_RET_TRACE));
        let bind = bpf::interpret::Data { nr: libc::SYS_bind as u32, arch: AUDIT_ARCH_X86_64, args: [3, 0, 16, 0, 0, 0] };
        assert_eq!(bpf::interpret::run(&untraced, &bind), libc::SECCOMP_RET_USER_NOTIF);
    }

    #[test]
    fn narrow_signal_rules_keep_sydbox_pids() {
        let ids = SupervisorIds { pid: 4321, pgrp: 4300 };
        let set = TraceSet { write: true, ..TraceSet::default() };
        let program = build(&set, &Restrictions::default(), false, false, Some(ids)).unwrap().program;
        let run = |nr: i64, args: [u64; 6]| {
            let data = bpf::interpret::Data { nr: nr as u32, arch: AUDIT_ARCH_X86_64, args };
            bpf::interpret::run(&program, &data)
        };
        let pid = |p: i32| u64::from(p as u32);
        let notify = libc::SECCOMP_RET_USER_NOTIF;
        let allow = libc::SECCOMP_RET_ALLOW;
        for target in [4321, 1, 0, -1, -4300] {
            assert_eq!(run(libc::SYS_kill, [pid(target), 19, 0, 0, 0, 0]), notify, "kill({target})");
        }
        // The upper half is ignored, as the kernel ignores it.
        assert_eq!(run(libc::SYS_kill, [0xffff_ffff_0000_0000 | pid(4321), 9, 0, 0, 0, 0]), notify);
        for target in [1234, -1234, 4300, 2] {
            assert_eq!(run(libc::SYS_kill, [pid(target), 19, 0, 0, 0, 0]), allow, "kill({target})");
        }
        assert_eq!(run(libc::SYS_tgkill, [pid(4321), pid(4321), 9, 0, 0, 0]), notify);
        assert_eq!(run(libc::SYS_tgkill, [pid(1234), pid(1234), 9, 0, 0, 0]), allow);
        assert_eq!(run(libc::SYS_tkill, [pid(1), 9, 0, 0, 0, 0]), notify);
        assert_eq!(run(libc::SYS_pidfd_open, [pid(4321), 0, 0, 0, 0, 0]), notify);
        assert_eq!(run(libc::SYS_pidfd_open, [pid(1234), 0, 0, 0, 0, 0]), allow);
        assert_eq!(run(libc::SYS_prlimit64, [0, 4, 0, 0, 0, 0]), allow);
        assert_eq!(run(libc::SYS_prlimit64, [pid(4321), 4, 0, 0, 0, 0]), notify);
        assert_eq!(run(libc::SYS_pidfd_send_signal, [3, 9, 0, 0, 0, 0]), notify);
        assert_eq!(run(libc::SYS_setpriority, [0, 1234, 5, 0, 0, 0]), notify);
        assert!(trace_program(&set).unwrap().len() < 4096);
    }

    /// Builds the filters as separate programs, one per action, compiled
    /// by seccompiler, as sydbox installed them before they became one
    /// program. The one program must decide every call as they do.
    fn reference_stack(set: &TraceSet, restrict: &Restrictions, dumpable: bool) -> Vec<BpfProgram> {
        use seccompiler::SeccompAction;
        let compile = seccompiler_program;

        let mut stack = Vec::new();
        let restricted = restrict_rules(restrict);
        if !restricted.is_empty() {
            stack.push(compile(restricted, SeccompAction::Errno(libc::EINVAL as u32)));
        }
        stack.push(compile(refuse_rules(libc::EPERM), SeccompAction::Errno(libc::EPERM as u32)));
        stack.push(compile(refuse_rules(libc::ENOSYS), SeccompAction::Errno(libc::ENOSYS as u32)));
        if dumpable {
            stack.push(compile(dumpable_rules(), SeccompAction::Errno(0)));
        }

        let mut notified = trace_rules(set);
        let bind = notified.remove_entry(&libc::SYS_bind);
        if !notified.is_empty() {
            let mut program = compile(notified, SeccompAction::Trace(0));
            for insn in &mut program {
                if insn.code == (libc::BPF_RET | libc::BPF_K) as u16 && insn.k == libc::SECCOMP_RET_TRACE {
                    insn.k = libc::SECCOMP_RET_USER_NOTIF;
                }
            }
            stack.push(program);
        }
        if let Some(bind) = bind {
            stack.push(compile(BTreeMap::from([bind]), SeccompAction::Trace(0)));
        }
        stack
    }

    /// Combines the results of a stack of filters as the kernel does: the
    /// most severe action wins, and of equal ones the newest filter's.
    fn stack_result(abi: u32, stack: &[BpfProgram], data: &bpf::interpret::Data) -> u32 {
        let mut result = libc::SECCOMP_RET_ALLOW;
        let rank = |value: u32| (value & 0xffff_0000) as i32;
        for program in stack.iter().rev() {
            let value = bpf::interpret::run(program, data);
            if rank(value) < rank(result) {
                result = value;
            }
        }
        if rank(abi) < rank(result) { abi } else { result }
    }

    /// The old hand-written ABI filter, as a function.
    fn reference_abi(nr: u32) -> u32 {
        let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
        if nr & 0x4000_0000 != 0 || missing_ranges().iter().any(|&(first, last)| (first..=last).contains(&nr)) {
            enosys
        } else {
            libc::SECCOMP_RET_ALLOW
        }
    }

    #[test]
    fn merged_program_matches_filter_stack() {
        let full = TraceSet { exec: true, read: true, write: true, network: true, magic: true, processes: true };
        let paludis = TraceSet { write: true, network: true, magic: true, ..TraceSet::default() };
        let both = Restrictions { file_control: true, shared_memory_writable: true };
        let cases = [
            (full, both, true),
            (paludis, Restrictions::default(), false),
            (TraceSet { read: true, ..paludis }, Restrictions { file_control: true, ..Restrictions::default() }, true),
            (TraceSet::default(), Restrictions::default(), false),
        ];

        // Argument values: every value and mask the rules test, nearby
        // values, and high halves set.
        let mut pool = vec![0u64, 1, 2, u64::MAX, 1 << 32, 0xffff_ffff];
        for rules in [trace_rules(&full), refuse_rules(libc::EPERM), refuse_rules(libc::ENOSYS), restrict_rules(&both)] {
            for rule in rules.values().flatten() {
                for c in &rule.conditions {
                    let mask = if let CmpOp::MaskedEq(mask) = c.op { mask } else { 0 };
                    pool.extend([c.value, c.value ^ 1, c.value | (1 << 40), mask, !mask]);
                }
            }
        }
        pool.extend([libc::PR_SET_DUMPABLE as u64, libc::F_SETFL as u64]);
        pool.sort_unstable();
        pool.dedup();

        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let numbers: Vec<u32> = (0..=table::MAX_NR + 2).chain([0x4000_0000, 0x4000_0101, u32::MAX]).collect();

        for (set, restrict, dumpable) in cases {
            let program = build(&set, &restrict, dumpable, true, None).unwrap().program;
            let stack = reference_stack(&set, &restrict, dumpable);
            for &nr in &numbers {
                for _ in 0..200 {
                    let mut args = [0u64; 6];
                    for arg in &mut args {
                        let pick = pool[(next() % pool.len() as u64) as usize];
                        *arg = if next() % 4 == 0 { pick | pool[(next() % pool.len() as u64) as usize] } else { pick };
                    }
                    let data = bpf::interpret::Data { nr, arch: AUDIT_ARCH_X86_64, args };
                    let expected = stack_result(reference_abi(nr), &stack, &data);
                    assert_eq!(bpf::interpret::run(&program, &data), expected, "call {nr} with {args:x?} under {set:?}");
                }
            }
            let foreign = bpf::interpret::Data { nr: 2, arch: 0x4000_0003, args: [0; 6] };
            assert_eq!(bpf::interpret::run(&program, &foreign), libc::SECCOMP_RET_KILL_PROCESS);
        }
    }

    /// Returns the values worth testing against one condition. These are
    /// its value and the value with one bit flipped in the low half, the
    /// high half or the sign bit. For a mask they also flip the lowest and
    /// highest masked bit of each half, and set the bits the mask ignores.
    fn probes(c: &Condition) -> Vec<u64> {
        let mut out = vec![c.value, c.value ^ 1, c.value ^ (1 << 32), c.value ^ (1 << 63), !c.value];
        if let CmpOp::MaskedEq(mask) = c.op {
            out.extend([c.value | !mask, c.value | (!mask & 0x5555_5555_5555_5555)]);
            for half in [mask & 0xffff_ffff, mask & !0xffff_ffff] {
                if half != 0 {
                    out.extend([c.value ^ (half & half.wrapping_neg()), c.value ^ (1 << (63 - half.leading_zeros()))]);
                }
            }
        }
        out
    }

    /// Returns every combination of the probes of a call's conditions,
    /// with the arguments no condition tests all 0 or all 1 bits.
    fn directed_arguments(conditions: &[Condition]) -> Vec<[u64; 6]> {
        let mut per_arg: BTreeMap<u8, Vec<u64>> = BTreeMap::new();
        for c in conditions {
            per_arg.entry(c.arg).or_default().extend(probes(c));
        }
        for values in per_arg.values_mut() {
            values.sort_unstable();
            values.dedup();
        }
        let mut out = Vec::new();
        for background in [0u64, u64::MAX] {
            let mut partial = vec![[background; 6]];
            for (&arg, values) in &per_arg {
                partial = partial
                    .iter()
                    .flat_map(|args| values.iter().map(move |&v| {
                        let mut args = *args;
                        args[usize::from(arg)] = v;
                        args
                    }))
                    .collect();
            }
            out.extend(partial);
        }
        out
    }

    fn dumpable_rules() -> BTreeMap<i64, Vec<Rule>> {
        let rule = Rule::new(vec![
            condition(0, ArgLen::Dword, CmpOp::Eq, libc::PR_SET_DUMPABLE as u64),
            condition(1, ArgLen::Qword, CmpOp::Eq, 0),
        ]);
        BTreeMap::from([(libc::SYS_prctl, vec![rule])])
    }

    /// Collects the conditions of each call listed in `maps`.
    fn conditions_by_call(maps: &[BTreeMap<i64, Vec<Rule>>]) -> BTreeMap<u32, Vec<Condition>> {
        let mut out: BTreeMap<u32, Vec<Condition>> = BTreeMap::new();
        for map in maps {
            for (&nr, rules) in map {
                let entry = out.entry(nr as u32).or_default();
                entry.extend(rules.iter().flat_map(|r| r.conditions.iter().copied()));
            }
        }
        out
    }

    fn every_trace_set() -> Vec<TraceSet> {
        (0..64u32)
            .map(|bits| TraceSet {
                exec: bits & 1 != 0,
                read: bits & 2 != 0,
                write: bits & 4 != 0,
                network: bits & 8 != 0,
                magic: bits & 16 != 0,
                processes: bits & 32 != 0,
            })
            .collect()
    }

    /// Checks that the kernel would accept `program` and that a foreign
    /// architecture kills the process at every number. Also checks that the
    /// kernel's action cache allows exactly the calls neither listed nor
    /// in `missing`.
    fn check_kernel_view(program: &[SockFilter], listed: &BTreeMap<u32, Vec<Condition>>, missing: &[(u32, u32)]) {
        bpf::interpret::kernel_accepts(program).unwrap();
        const AUDIT_ARCH_I386: u32 = 0x4000_0003;
        for nr in (0..=table::MAX_NR + 2).chain([0x4000_0000, 0x8000_0000, u32::MAX]) {
            for arch in [AUDIT_ARCH_I386, AUDIT_ARCH_X86_64 ^ 1, 0] {
                let data = bpf::interpret::Data { nr, arch, args: [u64::MAX; 6] };
                assert_eq!(bpf::interpret::run(program, &data), libc::SECCOMP_RET_KILL_PROCESS, "call {nr} on {arch:#x}");
                assert_eq!(bpf::interpret::const_allow(program, nr, arch), Some(false));
            }
            let in_missing_range = missing.iter().any(|&(first, last)| (first..=last).contains(&nr));
            let cached = bpf::interpret::const_allow(program, nr, AUDIT_ARCH_X86_64);
            match listed.get(&nr) {
                Some(_) => assert_ne!(cached, Some(true), "call {nr} is listed yet cached"),
                None => assert_eq!(cached, Some(!in_missing_range), "call {nr} is not listed"),
            }
        }
    }

    #[test]
    fn merged_program_matches_stack_on_probes() {
        let singles = [
            TraceSet { exec: true, ..TraceSet::default() },
            TraceSet { read: true, ..TraceSet::default() },
            TraceSet { write: true, ..TraceSet::default() },
            TraceSet { network: true, ..TraceSet::default() },
            TraceSet { magic: true, ..TraceSet::default() },
            TraceSet { processes: true, ..TraceSet::default() },
            TraceSet { exec: true, read: true, write: true, network: true, magic: true, processes: true },
            TraceSet::default(),
        ];
        let both = Restrictions { file_control: true, shared_memory_writable: true };
        for set in singles {
            for (restrict, dumpable) in [(both, true), (Restrictions::default(), false)] {
                let program = build(&set, &restrict, dumpable, true, None).unwrap().program;
                let stack = reference_stack(&set, &restrict, dumpable);
                let mut maps = vec![trace_rules(&set), refuse_rules(libc::EPERM), refuse_rules(libc::ENOSYS), restrict_rules(&restrict)];
                if dumpable {
                    maps.push(dumpable_rules());
                }
                let listed = conditions_by_call(&maps);
                for (&nr, conditions) in &listed {
                    for args in directed_arguments(conditions) {
                        let data = bpf::interpret::Data { nr, arch: AUDIT_ARCH_X86_64, args };
                        let expected = stack_result(reference_abi(nr), &stack, &data);
                        assert_eq!(bpf::interpret::run(&program, &data), expected, "call {nr} with {args:x?} under {set:?}");
                    }
                }
                check_kernel_view(&program, &listed, &missing_ranges());
            }
        }
    }

    /// Compiles one filter with seccompiler, as sydbox compiled each of its
    /// filters before it built its own programs.
    fn seccompiler_program(rules: BTreeMap<i64, Vec<Rule>>, action: seccompiler::SeccompAction) -> BpfProgram {
        use seccompiler::{SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule};
        let mut converted = BTreeMap::new();
        for (nr, chain) in rules {
            let chain = chain
                .iter()
                .map(|rule| {
                    let conditions = rule.conditions.iter().map(|c| {
                        let len = match c.len {
                            ArgLen::Dword => SeccompCmpArgLen::Dword,
                            ArgLen::Qword => SeccompCmpArgLen::Qword,
                        };
                        let op = match c.op {
                            CmpOp::Eq => SeccompCmpOp::Eq,
                            CmpOp::Ne => SeccompCmpOp::Ne,
                            CmpOp::MaskedEq(mask) => SeccompCmpOp::MaskedEq(mask),
                        };
                        SeccompCondition::new(c.arg, len, op, c.value).unwrap()
                    });
                    SeccompRule::new(conditions.collect()).unwrap()
                })
                .collect();
            converted.insert(nr, chain);
        }
        let filter = SeccompFilter::new(converted, seccompiler::SeccompAction::Allow, action, seccompiler::TargetArch::x86_64).unwrap();
        let program: seccompiler::BpfProgram = filter.try_into().unwrap();
        program.iter().map(|i| SockFilter { code: i.code, jt: i.jt, jf: i.jf, k: i.k }).collect()
    }

    #[test]
    fn trace_program_matches_seccompiler() {
        for set in every_trace_set() {
            let program = trace_program(&set).unwrap();
            let rules = trace_rules(&set);
            let listed = conditions_by_call(std::slice::from_ref(&rules));
            let reference = seccompiler_program(rules.clone(), seccompiler::SeccompAction::Trace(0));
            for nr in (0..=table::MAX_NR + 2).chain([0x4000_0000 | 2, u32::MAX]) {
                let cases = listed.get(&nr).map_or_else(|| vec![[0u64; 6], [u64::MAX; 6]], |c| directed_arguments(c));
                for args in cases {
                    let data = bpf::interpret::Data { nr, arch: AUDIT_ARCH_X86_64, args };
                    assert_eq!(bpf::interpret::run(&program, &data), bpf::interpret::run(&reference, &data), "call {nr} with {args:x?} under {set:?}");
                }
            }
            check_kernel_view(&program, &listed, &[]);
        }
    }

    #[test]
    fn missing_ranges_cover_the_gap_and_the_tail() {
        let ranges = missing_ranges();
        assert!(ranges.contains(&(335, 423)));
        assert_eq!(ranges.last(), Some(&(table::MAX_NR + 1, u32::MAX)));
    }
}
