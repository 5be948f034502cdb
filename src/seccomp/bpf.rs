//! Compiles per-call rules into one classic BPF program for seccomp.
//!
//! The program dispatches on the call number by binary search, so a call
//! is decided after about log2(N) comparisons rather than a walk past
//! every listed call. The kernel pays for a program's shape twice when it
//! installs it: it JIT-compiles the whole program, and it emulates the
//! program once per call number to find the calls it always allows (the
//! action cache). Both grow with the length of the path a call number
//! takes, and a linear chain of N calls makes that path up to N
//! comparisons long for every number.
//!
//! Several groups of rules, each with its own action, go into one
//! program. For each call the first group whose rule matches decides;
//! nothing matching means the default action. Building is pure.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

/// One instruction, laid out as the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// A finished program, ready for `seccomp(SECCOMP_SET_MODE_FILTER)`.
pub type BpfProgram = Vec<SockFilter>;

/// How much of a 64-bit argument a condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgLen {
    /// The low 32 bits, as the kernel reads an `int` or `pid_t`.
    Dword,
    /// All 64 bits.
    Qword,
}

/// The comparison of a condition: `argument OP value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    /// `argument & mask == value`.
    MaskedEq(u64),
}

/// One test of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    pub arg: u8,
    pub len: ArgLen,
    pub op: CmpOp,
    pub value: u64,
}

/// Conditions that must all hold. A rule without conditions always holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    pub conditions: Vec<Condition>,
}

impl Rule {
    pub fn new(conditions: Vec<Condition>) -> Rule {
        Rule { conditions }
    }
}

/// The rules of one action: a call listed here matches when any of its
/// rules holds, or always when its list is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The full `SECCOMP_RET_*` value returned on a match.
    pub action: u32,
    pub calls: BTreeMap<u32, Vec<Rule>>,
}

/// The checks made before any group: the architecture and the missing
/// call numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// The `AUDIT_ARCH_*` value of the only architecture allowed; any
    /// other kills the process.
    pub arch: u32,
    /// Call numbers that fail with ENOSYS whatever the groups contain, as
    /// inclusive ranges in ascending order.
    pub missing: Vec<(u32, u32)>,
}

/// An error that stops a program from being built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BpfError {
    #[error("argument index {0} is out of range (0 to 5)")]
    Argument(u8),
    #[error("the rules of call {0} are too long for a conditional jump")]
    RuleTooLong(u32),
    #[error("call {0} is listed by a rule and also refused as missing")]
    Missing(u32),
    #[error("the missing ranges are not in ascending order without overlaps")]
    MissingOrder,
    #[error("the program has {0} instructions, more than the kernel's 4096")]
    TooLong(usize),
}

const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const ALU_AND_K: u16 = (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16;
const JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// Offsets in `struct seccomp_data`.
const NR: u32 = 0;
const ARCH: u32 = 4;
const ARGS: u32 = 16;

/// The kernel's limit on a program's length (`BPF_MAXINSNS`).
const MAX_LENGTH: usize = 4096;

fn stmt(code: u16, k: u32) -> SockFilter {
    SockFilter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

/// Builds the program: the guard if any, then the groups in order, then
/// `default` for every call no group matches.
pub fn compile(guard: Option<&Guard>, groups: &[Group], default: u32) -> Result<BpfProgram, BpfError> {
    let mut program = Vec::new();
    let mut missing: &[(u32, u32)] = &[];
    if let Some(guard) = guard {
        program.push(stmt(LD_W_ABS, ARCH));
        program.push(jump(JEQ, guard.arch, 1, 0));
        program.push(stmt(RET, libc::SECCOMP_RET_KILL_PROCESS));
        missing = &guard.missing;
    }
    program.push(stmt(LD_W_ABS, NR));
    let intervals = intervals(missing, groups, default)?;
    program.extend(dispatch(&intervals));
    if program.len() > MAX_LENGTH {
        return Err(BpfError::TooLong(program.len()));
    }
    Ok(program)
}

/// The code for a range of call numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Returns this value whatever the arguments.
    Return(u32),
    /// Tests the arguments; the code ends in returns on every path and
    /// expects nothing in the accumulator.
    Body(Vec<SockFilter>),
}

/// Splits the numbers 0 to `u32::MAX` into ranges of one outcome each,
/// neighbours with the same fixed return merged.
fn intervals(missing: &[(u32, u32)], groups: &[Group], default: u32) -> Result<Vec<(u32, Outcome)>, BpfError> {
    let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
    // A range inside another would end the outer one early below.
    if missing.iter().any(|&(first, last)| first > last) || missing.windows(2).any(|pair| pair[1].0 <= pair[0].1) {
        return Err(BpfError::MissingOrder);
    }

    // Every number where the outcome may change, with the outcome from it on.
    let mut starts: BTreeMap<u32, Outcome> = BTreeMap::new();
    starts.insert(0, Outcome::Return(default));
    for &(first, last) in missing {
        starts.insert(first, Outcome::Return(enosys));
        if let Some(next) = last.checked_add(1) {
            starts.entry(next).or_insert(Outcome::Return(default));
        }
    }

    let listed: std::collections::BTreeSet<u32> = groups.iter().flat_map(|g| g.calls.keys().copied()).collect();
    for nr in listed {
        if missing.iter().any(|&(first, last)| (first..=last).contains(&nr)) {
            return Err(BpfError::Missing(nr));
        }
        starts.insert(nr, call_outcome(nr, groups, default)?);
        if let Some(next) = nr.checked_add(1) {
            starts.entry(next).or_insert(Outcome::Return(default));
        }
    }

    let mut merged: Vec<(u32, Outcome)> = Vec::new();
    for (start, outcome) in starts {
        match (merged.last(), &outcome) {
            (Some((_, Outcome::Return(previous))), Outcome::Return(value)) if previous == value => {}
            _ => merged.push((start, outcome)),
        }
    }
    Ok(merged)
}

/// Builds the code of one listed call: each group's rules in order, and
/// the first rule that matches returns its group's action.
fn call_outcome(nr: u32, groups: &[Group], default: u32) -> Result<Outcome, BpfError> {
    let mut body = Vec::new();
    for group in groups {
        let Some(rules) = group.calls.get(&nr) else { continue };
        if rules.is_empty() || rules.iter().any(|rule| rule.conditions.is_empty()) {
            // This group always matches; later rules cannot be reached.
            if body.is_empty() {
                return Ok(Outcome::Return(group.action));
            }
            body.push(stmt(RET, group.action));
            return Ok(Outcome::Body(body));
        }
        for rule in rules {
            body.extend(rule_block(nr, rule, group.action)?);
        }
    }
    if body.is_empty() {
        return Ok(Outcome::Return(default));
    }
    body.push(stmt(RET, default));
    Ok(Outcome::Body(body))
}

/// Where a conditional jump of a rule goes when its test decides the rule
/// does not hold: past the rule's return, to the next rule.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fail {
    None,
    WhenTrue,
    WhenFalse,
}

/// Builds the code of one rule: its conditions, then `ret action`.
fn rule_block(nr: u32, rule: &Rule, action: u32) -> Result<Vec<SockFilter>, BpfError> {
    let mut code: Vec<(SockFilter, Fail)> = Vec::new();
    for condition in &rule.conditions {
        if condition.arg > 5 {
            return Err(BpfError::Argument(condition.arg));
        }
        let low = ARGS + 8 * u32::from(condition.arg);
        let high = low + 4;
        let (value_high, value_low) = ((condition.value >> 32) as u32, condition.value as u32);
        let qword = condition.len == ArgLen::Qword;
        match condition.op {
            CmpOp::Eq => {
                if qword {
                    code.push((stmt(LD_W_ABS, high), Fail::None));
                    code.push((jump(JEQ, value_high, 0, 0), Fail::WhenFalse));
                }
                code.push((stmt(LD_W_ABS, low), Fail::None));
                code.push((jump(JEQ, value_low, 0, 0), Fail::WhenFalse));
            }
            CmpOp::Ne => {
                if qword {
                    // Different high halves settle it: skip the low test.
                    code.push((stmt(LD_W_ABS, high), Fail::None));
                    code.push((jump(JEQ, value_high, 0, 2), Fail::None));
                }
                code.push((stmt(LD_W_ABS, low), Fail::None));
                code.push((jump(JEQ, value_low, 0, 0), Fail::WhenTrue));
            }
            CmpOp::MaskedEq(mask) => {
                // Bits of the value outside the mask are ignored, as
                // seccompiler does.
                let value = condition.value & mask;
                let (value_high, value_low) = ((value >> 32) as u32, value as u32);
                let (mask_high, mask_low) = ((mask >> 32) as u32, mask as u32);
                // A half whose mask is 0 always passes, since its value is
                // masked to 0 too.
                if qword && mask_high != 0 {
                    code.push((stmt(LD_W_ABS, high), Fail::None));
                    code.push((stmt(ALU_AND_K, mask_high), Fail::None));
                    code.push((jump(JEQ, value_high, 0, 0), Fail::WhenFalse));
                }
                if mask_low != 0 {
                    code.push((stmt(LD_W_ABS, low), Fail::None));
                    code.push((stmt(ALU_AND_K, mask_low), Fail::None));
                    code.push((jump(JEQ, value_low, 0, 0), Fail::WhenFalse));
                }
            }
        }
    }
    code.push((stmt(RET, action), Fail::None));
    let end = code.len();
    let mut block = Vec::with_capacity(end);
    for (at, (mut insn, fail)) in code.into_iter().enumerate() {
        let offset = u8::try_from(end - at - 1).map_err(|_| BpfError::RuleTooLong(nr))?;
        match fail {
            Fail::None => {}
            Fail::WhenTrue => insn.jt = offset,
            Fail::WhenFalse => insn.jf = offset,
        }
        block.push(insn);
    }
    Ok(block)
}

/// Builds the binary search over the ranges. With the call number in the
/// accumulator, `number >= start of the upper half` picks a half, down to
/// one range, whose code follows.
fn dispatch(ranges: &[(u32, Outcome)]) -> Vec<SockFilter> {
    if let [(_, outcome)] = ranges {
        return match outcome {
            Outcome::Return(value) => vec![stmt(RET, *value)],
            Outcome::Body(body) => body.clone(),
        };
    }
    let middle = ranges.len() / 2;
    let lower = dispatch(&ranges[..middle]);
    let upper = dispatch(&ranges[middle..]);
    let pivot = ranges[middle].0;
    let mut code = Vec::with_capacity(lower.len() + upper.len() + 2);
    match u8::try_from(lower.len()) {
        // Jump over the lower half when the number is at or above the pivot.
        Ok(skip) => code.push(jump(JGE, pivot, skip, 0)),
        // Too far for a conditional jump: go through an unconditional one.
        Err(_) => {
            code.push(jump(JGE, pivot, 0, 1));
            code.push(stmt(JA, lower.len() as u32));
        }
    }
    code.extend(lower);
    code.extend(upper);
    code
}

#[cfg(test)]
pub mod interpret {
    //! A classic BPF interpreter for the instructions seccomp programs use,
    //! to check what a program returns for given call data.
    use super::*;

    /// The fields of `struct seccomp_data` a program reads.
    #[derive(Debug, Clone, Copy)]
    pub struct Data {
        pub nr: u32,
        pub arch: u32,
        pub args: [u64; 6],
    }

    fn load(data: &Data, offset: u32) -> u32 {
        match offset {
            NR => data.nr,
            ARCH => data.arch,
            o if (ARGS..ARGS + 48).contains(&o) && o % 4 == 0 => {
                let arg = data.args[((o - ARGS) / 8) as usize];
                if (o - ARGS) % 8 == 0 { arg as u32 } else { (arg >> 32) as u32 }
            }
            o => panic!("load from offset {o}"),
        }
    }

    /// Runs `program` on `data` and returns its return value.
    pub fn run(program: &[SockFilter], data: &Data) -> u32 {
        let mut a = 0u32;
        let mut pc = 0usize;
        loop {
            let insn = program[pc];
            pc += 1;
            let class = u32::from(insn.code) & 0x07;
            let op = u32::from(insn.code) & 0xf0;
            match class {
                c if c == libc::BPF_LD => a = load(data, insn.k),
                c if c == libc::BPF_ALU && op == libc::BPF_AND => a &= insn.k,
                c if c == libc::BPF_RET => return insn.k,
                c if c == libc::BPF_JMP => {
                    let taken = match op {
                        o if o == libc::BPF_JA => {
                            pc += insn.k as usize;
                            continue;
                        }
                        o if o == libc::BPF_JEQ => a == insn.k,
                        o if o == libc::BPF_JGE => a >= insn.k,
                        o if o == libc::BPF_JGT => a > insn.k,
                        o if o == libc::BPF_JSET => a & insn.k != 0,
                        o => panic!("jump op {o:#x}"),
                    };
                    pc += usize::from(if taken { insn.jt } else { insn.jf });
                }
                c => panic!("instruction class {c:#x}"),
            }
        }
    }

    /// Checks `program` as the kernel does before it accepts it
    /// (`bpf_check_classic` and `seccomp_check_filter`), for the
    /// instructions this module emits. The length must be 1 to 4096, every
    /// jump must land inside the program, loads must be aligned and inside
    /// `seccomp_data`, and the last instruction must be a return.
    pub fn kernel_accepts(program: &[SockFilter]) -> Result<(), String> {
        let len = program.len();
        if len == 0 || len > MAX_LENGTH {
            return Err(format!("length {len}"));
        }
        for (pc, insn) in program.iter().enumerate() {
            match insn.code {
                LD_W_ABS if insn.k >= 64 || insn.k % 4 != 0 => return Err(format!("load of {} at {pc}", insn.k)),
                JA if insn.k as usize >= len - pc - 1 => return Err(format!("ja {} at {pc}", insn.k)),
                JEQ | JGE if pc + usize::from(insn.jt) + 1 >= len || pc + usize::from(insn.jf) + 1 >= len => {
                    return Err(format!("jump {}/{} at {pc}", insn.jt, insn.jf));
                }
                LD_W_ABS | JA | JEQ | JGE | RET | ALU_AND_K => {}
                code => return Err(format!("code {code:#x} at {pc}")),
            }
        }
        if program[len - 1].code != RET {
            return Err("the last instruction is no return".into());
        }
        Ok(())
    }

    /// Emulates the program as the kernel's action cache does
    /// (`seccomp_is_const_allow`). Returns `Some(true)` when the program
    /// allows `nr` on `arch` whatever the arguments, and `None` when it
    /// loads an argument.
    pub fn const_allow(program: &[SockFilter], nr: u32, arch: u32) -> Option<bool> {
        let mut a = 0u32;
        let mut pc = 0usize;
        while pc < program.len() {
            let insn = program[pc];
            pc += 1;
            match insn.code {
                LD_W_ABS => {
                    a = match insn.k {
                        NR => nr,
                        ARCH => arch,
                        _ => return None,
                    }
                }
                RET => return Some(insn.k == libc::SECCOMP_RET_ALLOW),
                JA => pc += insn.k as usize,
                JEQ => pc += usize::from(if a == insn.k { insn.jt } else { insn.jf }),
                JGE => pc += usize::from(if a >= insn.k { insn.jt } else { insn.jf }),
                ALU_AND_K => a &= insn.k,
                _ => return Some(false),
            }
        }
        panic!("ran off the end of the program");
    }
}

#[cfg(test)]
mod tests {
    use super::interpret::{run, Data};
    use super::*;

    const X86_64: u32 = 0xc000_003e;
    const ERRNO_EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;

    fn data(nr: u32, args: [u64; 6]) -> Data {
        Data { nr, arch: X86_64, args }
    }

    fn condition(arg: u8, len: ArgLen, op: CmpOp, value: u64) -> Condition {
        Condition { arg, len, op, value }
    }

    #[test]
    fn groups_first_match_decides() {
        let groups = [
            Group { action: ERRNO_EPERM, calls: BTreeMap::from([(10, vec![Rule::new(vec![condition(0, ArgLen::Dword, CmpOp::Eq, 7)])])]) },
            Group { action: libc::SECCOMP_RET_TRACE, calls: BTreeMap::from([(10, vec![]), (11, vec![])]) },
        ];
        let program = compile(None, &groups, libc::SECCOMP_RET_ALLOW).unwrap();
        assert_eq!(run(&program, &data(10, [7, 0, 0, 0, 0, 0])), ERRNO_EPERM);
        assert_eq!(run(&program, &data(10, [8, 0, 0, 0, 0, 0])), libc::SECCOMP_RET_TRACE);
        assert_eq!(run(&program, &data(11, [7, 0, 0, 0, 0, 0])), libc::SECCOMP_RET_TRACE);
        assert_eq!(run(&program, &data(12, [7, 0, 0, 0, 0, 0])), libc::SECCOMP_RET_ALLOW);
    }

    #[test]
    fn conditions_compare_named_width() {
        let rules = vec![
            Rule::new(vec![condition(1, ArgLen::Qword, CmpOp::Eq, 0x1_0000_0002)]),
            Rule::new(vec![condition(2, ArgLen::Dword, CmpOp::Ne, 5), condition(3, ArgLen::Qword, CmpOp::Ne, 1 << 40)]),
            Rule::new(vec![condition(4, ArgLen::Qword, CmpOp::MaskedEq(0x0100_0000_0040), 0x0100_0000_0000)]),
        ];
        let groups = [Group { action: ERRNO_EPERM, calls: BTreeMap::from([(3, rules)]) }];
        let program = compile(None, &groups, libc::SECCOMP_RET_ALLOW).unwrap();
        let at = |args| run(&program, &data(3, args));
        // arg2 == 5 everywhere below keeps the second rule out.
        assert_eq!(at([0, 0x1_0000_0002, 5, 0, 0, 0]), ERRNO_EPERM);
        assert_eq!(at([0, 0x2, 5, 0, 0, 0]), libc::SECCOMP_RET_ALLOW);
        assert_eq!(at([0, 0x2_0000_0002, 5, 0, 0, 0]), libc::SECCOMP_RET_ALLOW);
        // Dword: only the low half of arg2 counts.
        assert_eq!(at([0, 0, 0x7_0000_0005, 0, 0, 0]), libc::SECCOMP_RET_ALLOW);
        assert_eq!(at([0, 0, 6, 0, 0, 0]), ERRNO_EPERM);
        assert_eq!(at([0, 0, 6, 1 << 40, 0, 0]), libc::SECCOMP_RET_ALLOW);
        assert_eq!(at([0, 0, 6, (1 << 40) | 1, 0, 0]), ERRNO_EPERM);
        // MaskedEq on both halves.
        assert_eq!(at([0, 0, 5, 0, 0x0100_0000_0000, 0]), ERRNO_EPERM);
        assert_eq!(at([0, 0, 5, 0, 0x0100_0000_0040, 0]), libc::SECCOMP_RET_ALLOW);
        assert_eq!(at([0, 0, 5, 0, 0xff00_0000_0000, 0]), ERRNO_EPERM);
        assert_eq!(at([0, 0, 5, 0, 0, 0]), libc::SECCOMP_RET_ALLOW);

        // Bits of the value outside the mask do not count.
        let loose = vec![Rule::new(vec![condition(0, ArgLen::Qword, CmpOp::MaskedEq(0xff), 0x1ff)])];
        let groups = [Group { action: ERRNO_EPERM, calls: BTreeMap::from([(3, loose)]) }];
        let program = compile(None, &groups, libc::SECCOMP_RET_ALLOW).unwrap();
        assert_eq!(run(&program, &data(3, [0xff, 0, 0, 0, 0, 0])), ERRNO_EPERM);
        assert_eq!(run(&program, &data(3, [0x1fe, 0, 0, 0, 0, 0])), libc::SECCOMP_RET_ALLOW);
    }

    #[test]
    fn guard_kills_foreign_arch_and_missing_calls() {
        let guard = Guard { arch: X86_64, missing: vec![(5, 9), (1000, u32::MAX)] };
        let groups = [Group { action: ERRNO_EPERM, calls: BTreeMap::from([(4, vec![])]) }];
        let program = compile(Some(&guard), &groups, libc::SECCOMP_RET_ALLOW).unwrap();
        let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
        let expect = |nr: u32| match nr {
            4 => ERRNO_EPERM,
            5..=9 | 1000.. => enosys,
            _ => libc::SECCOMP_RET_ALLOW,
        };
        for nr in (0..1100).chain([0x4000_0000, u32::MAX]) {
            assert_eq!(run(&program, &data(nr, [0; 6])), expect(nr), "call {nr}");
        }
        let foreign = Data { nr: 4, arch: 0x4000_0003, args: [0; 6] };
        assert_eq!(run(&program, &foreign), libc::SECCOMP_RET_KILL_PROCESS);
        let overlap = Guard { arch: X86_64, missing: vec![(4, 4)] };
        assert_eq!(compile(Some(&overlap), &groups, libc::SECCOMP_RET_ALLOW), Err(BpfError::Missing(4)));
        let nested = Guard { arch: X86_64, missing: vec![(5, 12), (8, 9)] };
        assert_eq!(compile(Some(&nested), &groups, libc::SECCOMP_RET_ALLOW), Err(BpfError::MissingOrder));
    }

    #[test]
    fn far_halves_use_unconditional_jump() {
        // Enough bodies that the lower half of the search exceeds 255
        // instructions.
        let long = |nr: u64| {
            (0..6).map(|arg| Rule::new(vec![condition(arg, ArgLen::Qword, CmpOp::Eq, nr * 10 + u64::from(arg))])).collect()
        };
        let calls: BTreeMap<u32, Vec<Rule>> = (0..40).map(|nr| (nr * 2, long(u64::from(nr)))).collect();
        let groups = [Group { action: ERRNO_EPERM, calls }];
        let program = compile(None, &groups, libc::SECCOMP_RET_ALLOW).unwrap();
        assert!(program.iter().any(|insn| insn.code == JA), "no unconditional jump in {} instructions", program.len());
        for nr in 0..80u32 {
            for arg in 0..6usize {
                let mut args = [u64::MAX; 6];
                args[arg] = u64::from(nr / 2) * 10 + arg as u64;
                let expected = if nr % 2 == 0 { ERRNO_EPERM } else { libc::SECCOMP_RET_ALLOW };
                assert_eq!(run(&program, &data(nr, args)), expected, "call {nr}, argument {arg}");
            }
            assert_eq!(run(&program, &data(nr, [u64::MAX; 6])), libc::SECCOMP_RET_ALLOW);
        }
    }
}
