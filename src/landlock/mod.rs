//! The Landlock layer: a ruleset derived from the deny-mode whitelists of
//! read, write and exec, which must never deny what the inner layer allows.
//!
//! `plan` (pure apart from reading the host's tree through `view::Host`)
//! decides the handled rights and the allowed paths; `create` opens them
//! and builds the ruleset; the command calls `restrict_self` just before
//! its seccomp filters. The layer is used only when the magic lock is `on`
//! or `exec` at start, because runtime magic could otherwise widen the
//! inner layer past a ruleset that cannot be widened.
//!
//! What keeps it a superset of the inner layer:
//! - only categories in deny mode are handled; blacklists only narrow the
//!   inner layer, so they need no rule;
//! - execute is allowed on the command itself, its `#!` interpreter and
//!   the ELF interpreters (the kernel opens `PT_INTERP` for execute);
//! - `/proc` keeps read and write rights, since `per_process_directories`
//!   and the inner layer's own rules govern it;
//! - renames between whitelisted trees need the refer right (ABI 2+);
//! - creating sockets (`unix:` binds) is not handled, because the inner
//!   layer decides binds by address, not by write whitelist.

use std::path::{Path, PathBuf};

use ::landlock::{AccessFs, BitFlags, CompatLevel, Compatible as _, PathBeneath, PathFd, Ruleset, RulesetAttr as _, RulesetCreatedAttr as _, ABI};

use crate::policy::{Action, LockState, Mode, Policy};
use crate::view::plan::{expand_pattern, Host};

/// The Landlock ABI of the running kernel: 0 when Landlock is missing or
/// disabled.
pub fn kernel_abi() -> i32 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a NULL attribute pointer and size 0 this flag only
    // returns the ABI version; no memory is read or written.
    let res = unsafe {
        libc::syscall(libc::SYS_landlock_create_ruleset, std::ptr::null::<libc::c_void>(), 0usize, LANDLOCK_CREATE_RULESET_VERSION)
    };
    if res < 0 {
        0
    } else {
        res as i32
    }
}

/// The ruleset to build: which categories it handles and which paths keep
/// their rights.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LandlockPlan {
    pub abi: i32,
    pub read: Option<Vec<PathBuf>>,
    pub write: Option<Vec<PathBuf>>,
    pub exec: Option<Vec<PathBuf>>,
}

impl std::fmt::Display for LandlockPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = [("read", &self.read), ("write", &self.write), ("exec", &self.exec)]
            .iter()
            .filter(|(_, paths)| paths.is_some())
            .map(|(name, _)| *name)
            .collect();
        write!(f, "landlock abi {} handles {}", self.abi, names.join(","))
    }
}

/// Why Landlock is or is not in force, for `--version` and the debug log.
pub fn describe(plan: Option<&LandlockPlan>, abi: i32) -> String {
    match (plan, abi) {
        (_, 0) => "landlock:unsupported".into(),
        (Some(plan), _) => format!("landlock:abi{abi}({})", plan.to_string().rsplit(' ').next().unwrap_or("")),
        (None, _) => format!("landlock:abi{abi}(not used: magic lock off or no deny-mode category)"),
    }
}

/// Reads the `PT_INTERP` of an ELF file, or the interpreter of a `#!`
/// script.
fn interpreter_of(path: &Path) -> Option<PathBuf> {
    let bytes = std::fs::read(path).ok()?;
    if let Some(rest) = bytes.strip_prefix(b"#!") {
        let line = rest.split(|b| *b == b'\n').next()?;
        let text = String::from_utf8_lossy(line);
        return text.split_whitespace().next().map(PathBuf::from);
    }
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 {
        return None;
    }
    let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let phoff = u64_at(32)? as usize;
    let phentsize = u16_at(54)? as usize;
    let phnum = u16_at(56)? as usize;
    for index in 0..phnum {
        let header = phoff + index * phentsize;
        let kind = u32::from_le_bytes(bytes.get(header..header + 4)?.try_into().ok()?);
        if kind == 3 {
            let offset = u64_at(header + 8)? as usize;
            let size = u64_at(header + 32)? as usize;
            let name = bytes.get(offset..offset + size)?;
            let name = name.strip_suffix(b"\0").unwrap_or(name);
            return Some(PathBuf::from(String::from_utf8_lossy(name).into_owned()));
        }
    }
    None
}

/// The files execve needs execute on to run `program`: itself, a script's
/// interpreter, and their ELF interpreters, in link and canonical form.
fn exec_chain(program: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut next = Some(program.to_path_buf());
    while let Some(path) = next.take() {
        if out.contains(&path) || out.len() > 8 {
            break;
        }
        if let Ok(canonical) = std::fs::canonicalize(&path) {
            if canonical != path {
                out.push(canonical);
            }
        }
        next = interpreter_of(&path);
        out.push(path);
    }
    out
}

/// Plans the ruleset for `policy`, or `None` when Landlock is not used.
/// `program` is the command's resolved path.
///
/// Landlock applies only when the magic lock is `on` from the start. With
/// `exec`, the command may still widen its whitelists through runtime
/// magic until its next exec, and a ruleset built at launch would deny
/// what the inner layer then allows.
pub fn plan(policy: &Policy, program: &Path, host: &dyn Host, abi: i32) -> Option<LandlockPlan> {
    if abi == 0 || policy.sandbox.lock != LockState::On {
        return None;
    }
    let paths = |list: &[crate::policy::PathRule]| -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for rule in list.iter().filter(|r| r.action == Action::Allow) {
            out.extend(expand_pattern(&rule.pattern, host).into_iter().map(PathBuf::from));
        }
        out
    };
    let sandbox = &policy.sandbox;
    let mut result = LandlockPlan { abi, ..LandlockPlan::default() };
    if sandbox.read == Mode::Deny {
        let mut read = paths(&sandbox.acl_read);
        read.push("/proc".into());
        result.read = Some(read);
    }
    if sandbox.write == Mode::Deny {
        let mut write = paths(&sandbox.acl_write);
        write.push("/proc".into());
        result.write = Some(write);
    }
    if sandbox.exec == Mode::Deny {
        let mut exec = paths(&sandbox.acl_exec);
        let whitelisted: Vec<PathBuf> = exec.clone();
        for path in whitelisted.iter().filter(|p| p.is_file()) {
            exec.extend(exec_chain(path));
        }
        exec.extend(exec_chain(program));
        // Every whitelisted dynamic executable needs its ELF interpreter;
        // the host's standard loaders cover the ones inside whitelisted trees.
        for loader in ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"] {
            exec.extend(exec_chain(Path::new(loader)).into_iter().filter(|p| p.exists()));
        }
        result.exec = Some(exec);
    }
    if result.read.is_none() && result.write.is_none() && result.exec.is_none() {
        return None;
    }
    Some(result)
}

/// A ruleset that could not be built.
#[derive(Debug, thiserror::Error)]
#[error("landlock: {step} failed: {source}")]
pub struct LandlockError {
    pub step: String,
    pub source: ::landlock::RulesetError,
}

fn read_rights() -> BitFlags<AccessFs> {
    AccessFs::ReadFile | AccessFs::ReadDir
}

fn write_rights(abi: ABI) -> BitFlags<AccessFs> {
    let mut rights = AccessFs::from_write(abi) & !AccessFs::MakeSock;
    rights &= !AccessFs::Execute;
    rights
}

/// Opens every planned path in the current mount namespace and creates the
/// ruleset; paths that do not exist are skipped.
///
/// # Errors
///
/// The kernel rejected the ruleset or a rule.
pub fn create(plan: &LandlockPlan) -> Result<::landlock::RulesetCreated, LandlockError> {
    let abi = ABI::from(plan.abi);
    let mut handled: BitFlags<AccessFs> = BitFlags::empty();
    if plan.read.is_some() {
        handled |= read_rights();
    }
    if plan.write.is_some() {
        handled |= write_rights(abi);
    }
    if plan.exec.is_some() {
        handled |= AccessFs::Execute;
    }
    let step = |what: &str| what.to_string();
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(handled)
        .map_err(|source| LandlockError { step: step("handling the access rights"), source })?
        .create()
        .map_err(|source| LandlockError { step: step("landlock_create_ruleset"), source })?;
    let groups = [(&plan.read, read_rights()), (&plan.write, write_rights(abi)), (&plan.exec, BitFlags::from(AccessFs::Execute))];
    for (paths, rights) in groups {
        for path in paths.iter().flatten() {
            let Ok(meta) = std::fs::metadata(path) else { continue };
            // A FIFO or socket cannot carry a rule (EBADFD). One with a name
            // on disk gets its directory's rule instead, a superset. An
            // anonymous one (`/dev/stdout` on a pipe) needs none, because
            // Landlock does not restrict pipefs and sockfs.
            use std::os::unix::fs::FileTypeExt as _;
            let kind = meta.file_type();
            let mut target = path.clone();
            let mut is_dir = meta.is_dir();
            if kind.is_fifo() || kind.is_socket() {
                match std::fs::canonicalize(path).ok().and_then(|p| p.parent().map(Path::to_path_buf)) {
                    Some(parent) => {
                        target = parent;
                        is_dir = true;
                    }
                    None => continue,
                }
            }
            let rights = if is_dir { rights } else { rights & AccessFs::from_file(abi) };
            let Ok(fd) = PathFd::new(&target) else { continue };
            ruleset = ruleset
                .add_rule(PathBeneath::new(fd, rights & handled))
                .map_err(|source| LandlockError { step: format!("adding a rule for {}", path.display()), source })?;
        }
    }
    Ok(ruleset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_elf_interpreter() {
        let chain = exec_chain(Path::new("/bin/sh"));
        assert!(chain.iter().any(|p| p.to_string_lossy().contains("ld-linux")), "{chain:?}");
    }
}
