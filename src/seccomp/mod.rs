//! The seccomp-bpf filters: which calls stop for the supervisor, which are
//! refused in every mode, and the ABI guard. Building them is pure; the
//! launcher installs the finished programs in the command's process.

pub mod table;

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch,
};

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
    compile("trace", trace_rules(set), SeccompAction::Allow, SeccompAction::Trace(0))
}

/// Why a filter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("building the {which} filter: {source}")]
    Build { which: &'static str, source: seccompiler::BackendError },
    #[error("compiling the {which} filter: {source}")]
    Compile { which: &'static str, source: seccompiler::BackendError },
}

const ARCH: TargetArch = TargetArch::x86_64;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const O_WRONLY: u64 = libc::O_WRONLY as u64;
const O_RDWR: u64 = libc::O_RDWR as u64;
const O_CREAT: u64 = libc::O_CREAT as u64;
const O_TRUNC: u64 = libc::O_TRUNC as u64;
/// `__O_TMPFILE` alone; `O_TMPFILE` also carries `O_DIRECTORY`.
const O_TMPFILE_BIT: u64 = 0x0040_0000;
const AT_EMPTY_PATH: u64 = libc::AT_EMPTY_PATH as u64;
const W_OK: u64 = libc::W_OK as u64;

fn condition(arg: u8, len: SeccompCmpArgLen, op: SeccompCmpOp, value: u64) -> SeccompCondition {
    SeccompCondition::new(arg, len, op, value).expect("argument index below 6")
}

/// A rule that matches when `bits` are all set in argument `arg`.
/// A rule that matches when argument `arg`, compared on `len`, is not 0.
fn nonzero(arg: u8, len: SeccompCmpArgLen) -> SeccompRule {
    SeccompRule::new(vec![condition(arg, len, SeccompCmpOp::Ne, 0)]).expect("one condition")
}

fn bits_set(arg: u8, bits: u64) -> SeccompRule {
    SeccompRule::new(vec![condition(arg, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(bits), bits)])
        .expect("one condition")
}

/// A rule that matches when `bits` are all clear in argument `arg`.
fn bits_clear(arg: u8, bits: u64) -> SeccompRule {
    SeccompRule::new(vec![condition(arg, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(bits), 0)])
        .expect("one condition")
}

fn compile(
    which: &'static str,
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    mismatch: SeccompAction,
    on_match: SeccompAction,
) -> Result<BpfProgram, SeccompError> {
    let filter =
        SeccompFilter::new(rules, mismatch, on_match, ARCH).map_err(|source| SeccompError::Build { which, source })?;
    BpfProgram::try_from(filter).map_err(|source| SeccompError::Compile { which, source })
}

/// The rules of the trace filter: every call whose category is in force,
/// narrowed by its flags where the kernel can look at them.
pub fn trace_rules(set: &TraceSet) -> BTreeMap<i64, Vec<SeccompRule>> {
    let mut rules = BTreeMap::new();
    let all = Vec::new;
    for row in X86_64 {
        let nr = i64::from(row.nr);
        let wanted: Option<Vec<SeccompRule>> = match row.handling {
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
                NetCall::SendTo => set.network.then(|| vec![nonzero(4, SeccompCmpArgLen::Qword)]),
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
            Handling::Signal(SignalCall::Pid(arg)) => Some(vec![nonzero(arg, SeccompCmpArgLen::Dword)]),
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
pub fn refuse_rules(errno: i32) -> BTreeMap<i64, Vec<SeccompRule>> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = X86_64
        .iter()
        .filter(|row| row.handling == Handling::Refuse(errno))
        .map(|row| (i64::from(row.nr), Vec::new()))
        .collect();
    if errno == libc::EPERM {
        let mut clone: Vec<SeccompRule> = CLONE_NAMESPACE_FLAGS.iter().map(|flag| bits_set(0, *flag)).collect();
        clone.push(bits_set(0, CLONE_UNTRACED));
        rules.insert(libc::SYS_clone, clone);
        // The request is compared on its low 32 bits, as the kernel does.
        let ioctl = [TIOCSTI, TIOCLINUX]
            .iter()
            .map(|request| {
                SeccompRule::new(vec![condition(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, *request)])
                    .expect("one condition")
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
pub fn restrict_rules(restrict: &Restrictions) -> BTreeMap<i64, Vec<SeccompRule>> {
    let mut rules = BTreeMap::new();
    if restrict.file_control {
        // O_SYNC is __O_SYNC | O_DSYNC; either bit asks for synchronous I/O.
        let bits = [libc::O_ASYNC as u64, libc::O_DIRECT as u64, libc::O_DSYNC as u64, 0x0010_0000];
        rules.insert(libc::SYS_open, bits.iter().map(|b| bits_set(1, *b)).collect());
        rules.insert(libc::SYS_openat, bits.iter().map(|b| bits_set(2, *b)).collect());
        let other_command = SeccompRule::new(
            FCNTL_ALLOWED.iter().map(|cmd| condition(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, *cmd)).collect(),
        )
        .expect("conditions");
        let setfl_adds = |bit: u64| {
            SeccompRule::new(vec![
                condition(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, libc::F_SETFL as u64),
                condition(2, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(bit), bit),
            ])
            .expect("two conditions")
        };
        rules.insert(
            libc::SYS_fcntl,
            vec![other_command, setfl_adds(libc::O_ASYNC as u64), setfl_adds(libc::O_DIRECT as u64)],
        );
    }
    if restrict.shared_memory_writable {
        let rule = SeccompRule::new(vec![
            condition(2, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(libc::PROT_WRITE as u64), libc::PROT_WRITE as u64),
            condition(3, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(libc::MAP_SHARED as u64), libc::MAP_SHARED as u64),
        ])
        .expect("two conditions");
        rules.insert(libc::SYS_mmap, vec![rule]);
    }
    rules
}

/// The filters for one command, in installation order: `before` first,
/// then `notify` with `SECCOMP_FILTER_FLAG_NEW_LISTENER`, then `trace`.
#[derive(Debug, Clone)]
pub struct Filters {
    pub before: Vec<BpfProgram>,
    /// Sends stat-family calls to the supervisor by user notification,
    /// for the magic interface.
    pub notify: Option<BpfProgram>,
    pub trace: Option<BpfProgram>,
}

/// Builds every filter.
///
/// The calls of the categories in force reach the supervisor through user
/// notification (a round trip of a few microseconds) rather than a ptrace
/// stop: a build makes tens of thousands of them, stat-family calls for
/// the magic interface above all. Only bind, whose exit stop records a
/// successful bind, stays on ptrace. `emulate_nondumpable` answers `prctl(PR_SET_DUMPABLE, 0)`
/// with success without letting it take effect: an unprivileged supervisor
/// could not read the memory of a non-dumpable tracee, and every check of
/// its calls would fail closed (design section 5).
pub fn build(set: &TraceSet, restrict: &Restrictions, emulate_nondumpable: bool) -> Result<Filters, SeccompError> {
    let mut before = vec![abi_program()];
    let restricted = restrict_rules(restrict);
    if !restricted.is_empty() {
        before.push(compile("restrict", restricted, SeccompAction::Allow, SeccompAction::Errno(libc::EINVAL as u32))?);
    }
    before.push(compile("refuse-EPERM", refuse_rules(libc::EPERM), SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32))?);
    before.push(compile("refuse-ENOSYS", refuse_rules(libc::ENOSYS), SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32))?);
    if emulate_nondumpable {
        let rule = SeccompRule::new(vec![
            condition(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, libc::PR_SET_DUMPABLE as u64),
            condition(1, SeccompCmpArgLen::Qword, SeccompCmpOp::Eq, 0),
        ])
        .expect("two conditions");
        let rules = BTreeMap::from([(libc::SYS_prctl, vec![rule])]);
        before.push(compile("dumpable", rules, SeccompAction::Allow, SeccompAction::Errno(0))?);
    }
    // Everything decided by allow or deny goes by notification; bind stays
    // on ptrace, whose exit stop records a successful bind.
    let mut notified = trace_rules(set);
    let mut traced = BTreeMap::new();
    if let Some(bind) = notified.remove(&libc::SYS_bind) {
        traced.insert(libc::SYS_bind, bind);
    }
    let notify = if notified.is_empty() { None } else { Some(notify_program(notified)?) };
    let trace = if traced.is_empty() {
        None
    } else {
        Some(compile("trace", traced, SeccompAction::Allow, SeccompAction::Trace(0))?)
    };
    Ok(Filters { before, notify, trace })
}

/// The filter that sends calls to the user-notification listener.
/// seccompiler has no user-notify action, so the program is built with
/// `Trace(0)` and its trace returns are rewritten.
pub fn notify_program(rules: BTreeMap<i64, Vec<SeccompRule>>) -> Result<BpfProgram, SeccompError> {
    let mut program = compile("notify", rules, SeccompAction::Allow, SeccompAction::Trace(0))?;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    for insn in &mut program {
        if insn.code == RET && insn.k == libc::SECCOMP_RET_TRACE {
            insn.k = libc::SECCOMP_RET_USER_NOTIF;
        }
    }
    Ok(program)
}

fn stmt(code: u16, k: u32) -> seccompiler::sock_filter {
    seccompiler::sock_filter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> seccompiler::sock_filter {
    seccompiler::sock_filter { code, jt, jf, k }
}

/// The ABI guard, written by hand because seccompiler cannot express
/// ranges: a foreign architecture kills the process (until an i386 table
/// exists), and an x32 call, a number above the table or a number the
/// table lacks fails with ENOSYS.
pub fn abi_program() -> BpfProgram {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JGE: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
    const JGT: u16 = (libc::BPF_JMP | libc::BPF_JGT | libc::BPF_K) as u16;
    const JSET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

    let mut program = vec![
        // seccomp_data.arch is at offset 4, seccomp_data.nr at offset 0.
        stmt(LD_W_ABS, 4),
        jump(JEQ, AUDIT_ARCH_X86_64, 1, 0),
        stmt(RET, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(LD_W_ABS, 0),
        jump(JSET, X32_SYSCALL_BIT, 0, 1),
        stmt(RET, enosys),
    ];
    // Each range of numbers missing from the table: three instructions
    // that fall through unless the number is inside it.
    for (first, last) in missing_ranges() {
        program.push(jump(JGE, first, 0, 2));
        program.push(jump(JGT, last, 1, 0));
        program.push(stmt(RET, enosys));
    }
    program.push(stmt(RET, libc::SECCOMP_RET_ALLOW));
    program
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
        let filters = build(&set, &restrict, true).unwrap();
        assert_eq!(filters.before.len(), 5);
        let notify = filters.notify.clone().unwrap();
        assert!(notify.iter().any(|insn| insn.k == libc::SECCOMP_RET_USER_NOTIF));
        assert!(!notify.iter().any(|insn| insn.k == libc::SECCOMP_RET_TRACE));
        let trace = filters.trace.clone().unwrap();
        let programs: Vec<_> = filters.before.iter().chain([&notify, &trace]).collect();
        for program in programs {
            assert!(program.len() < 4096, "a filter has {} instructions", program.len());
        }
    }

    #[test]
    fn missing_ranges_cover_the_gap_and_the_tail() {
        let ranges = missing_ranges();
        assert!(ranges.contains(&(335, 423)));
        assert_eq!(ranges.last(), Some(&(table::MAX_NR + 1, u32::MAX)));
    }
}
