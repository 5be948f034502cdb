//! Shared harness for the integration tests: helper programs, the `Case`
//! runner and probes for kernel features.
//!
//! Include it with `#[macro_use] mod common;` so that the `require_*!` macros
//! are in scope. A typical case:
//!
//! ```ignore
//! let mut case = Case::new();
//! case.magic("core/sandbox/write:deny").must_violate();
//! case.run("sysc", ["mkdir", "x"]).expect_errno(libc::EPERM);
//! assert!(!case.path("x").exists());
//! ```
//!
//! The test executables are also run as an unprivileged uid from a copy
//! outside the source tree (see `tests/run-unprivileged.sh`), so every path
//! they need at run time can come from the environment:
//!
//! * `SYDBOX_BIN`: the sydbox binary (default: the one cargo built);
//! * `SYDBOX_TEST_HELPERS`: a directory of prebuilt helpers (default: compile
//!   `tests/helpers/*.c` with gcc into `$CARGO_TARGET_TMPDIR/helpers`);
//! * `SYDBOX_SHARED_DIR`: the shared data directory (default:
//!   `$CARGO_MANIFEST_DIR/../shared`);
//! * `SYDBOX_TEST_STRICT=1`: a missing feature fails the test instead of
//!   skipping it, except for the `KernelFeature` list.
#![allow(dead_code, unused_macros)]

use std::ffi::{CString, OsStr, OsString};
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

/// Compiler flags for the helpers. `tests/run-unprivileged.sh` repeats them.
pub const HELPER_CFLAGS: &[&str] = &["-O1", "-Wall", "-Werror"];

/// Time a `Case` run may take before its process group is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

const STRICT_VARIABLE: &str = "SYDBOX_TEST_STRICT";

// ---------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------

/// Returns the directory of helper executables, compiling them on first use.
///
/// With `SYDBOX_TEST_HELPERS` set, that directory is used as is. Otherwise
/// every `tests/helpers/*.c` is compiled once per test process into
/// `$CARGO_TARGET_TMPDIR/helpers`.
///
/// # Panics
///
/// Panics when gcc is missing or a helper fails to compile.
pub fn helpers_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| match std::env::var_os("SYDBOX_TEST_HELPERS") {
        Some(dir) => PathBuf::from(dir),
        None => compile_helpers(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("helpers")),
    })
}

/// Returns the path of the helper executable `name` (for example `"sysc"`).
#[track_caller]
pub fn helper(name: &str) -> PathBuf {
    let path = helpers_dir().join(name);
    assert!(
        path.is_file(),
        "helper {name} not found at {}; compile tests/helpers/{name}.c there, or unset SYDBOX_TEST_HELPERS to compile all helpers",
        path.display()
    );
    path
}

/// Returns the sydbox binary: `SYDBOX_BIN`, else the one cargo built.
pub fn sydbox_bin() -> PathBuf {
    std::env::var_os("SYDBOX_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sydbox")))
}

/// Returns the shared data directory (profiles, conformance vectors):
/// `SYDBOX_SHARED_DIR`, else `../shared` next to the crate.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("SYDBOX_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")))
}

/// Compiles every helper source in parallel into `out`, which gets mode 0755.
fn compile_helpers(out: &Path) -> PathBuf {
    let sources_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helpers");
    fs::create_dir_all(out).unwrap_or_else(|e| {
        panic!(
            "failed to create {}: {e}; set SYDBOX_TEST_HELPERS to a prebuilt directory",
            out.display()
        )
    });
    fs::set_permissions(out, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("failed to chmod {}: {e}", out.display()));

    let mut sources: Vec<PathBuf> = fs::read_dir(&sources_dir)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", sources_dir.display()))
        .map(|entry| {
            entry
                .expect("failed to read a helpers directory entry")
                .path()
        })
        .filter(|path| path.extension() == Some(OsStr::new("c")))
        .collect();
    sources.sort();

    // Each compiler writes to a name unique to this process, and the rename
    // is atomic, so test executables that start at once do not collide.
    let mut builds = Vec::new();
    for source in &sources {
        let name = source
            .file_stem()
            .expect("helper source without a name")
            .to_owned();
        let final_path = out.join(&name);
        let mut temporary_name = OsString::from(".");
        temporary_name.push(&name);
        temporary_name.push(format!(".{}", std::process::id()));
        let temporary_path = out.join(temporary_name);
        let child = Command::new("gcc")
            .args(HELPER_CFLAGS)
            .arg("-o")
            .arg(&temporary_path)
            .arg(source)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "failed to run gcc for {}: {e}; install gcc",
                    source.display()
                )
            });
        builds.push((source, child, temporary_path, final_path));
    }

    for (source, child, temporary_path, final_path) in builds {
        let output = child.wait_with_output().expect("failed to wait for gcc");
        assert!(
            output.status.success(),
            "gcc failed on {} ({}):\n{}{}",
            source.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        fs::rename(&temporary_path, &final_path).unwrap_or_else(|e| {
            panic!(
                "failed to rename {} to {}: {e}",
                temporary_path.display(),
                final_path.display()
            )
        });
    }
    out.to_path_buf()
}

// ---------------------------------------------------------------------------
// Privilege
// ---------------------------------------------------------------------------

/// Reports whether the effective uid is 0.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Reports whether the effective capability set is empty, as it is for uid
/// 65534 under `tests/run-unprivileged.sh`. Root without capabilities also
/// counts as unprivileged, since DAC overrides and mounts then fail for it too.
pub fn running_unprivileged() -> bool {
    caps::read(None, caps::CapSet::Effective)
        .map(|set| set.is_empty())
        .unwrap_or_else(|e| panic!("failed to read the effective capability set: {e}"))
}

// ---------------------------------------------------------------------------
// Feature probes
// ---------------------------------------------------------------------------

/// Reports whether `SYDBOX_TEST_STRICT=1` is set, which turns skips into failures.
pub fn strict_mode() -> bool {
    std::env::var_os(STRICT_VARIABLE).is_some_and(|value| value == "1")
}

/// Returns the name of the function that defines `marker`, without the crate
/// name, which is the test name as libtest prints it.
pub fn enclosing_test_name<F>(_marker: F) -> &'static str {
    let path = std::any::type_name::<F>();
    let path = path.strip_suffix("::marker").unwrap_or(path);
    path.split_once("::")
        .map_or(path, |(_crate_name, rest)| rest)
}

/// Handles a feature probe result: returns true when the feature works.
/// Otherwise prints `<test> requires <feature>: <reason>, skipping` and
/// returns false, or panics under strict mode.
#[track_caller]
pub fn check_feature(test: &str, feature: &str, probe: Result<(), String>) -> bool {
    let Err(reason) = probe else {
        return true;
    };
    if strict_mode() {
        panic!("{test} requires {feature}: {reason}; {STRICT_VARIABLE}=1 forbids skipping");
    }
    eprintln!("{test} requires {feature}: {reason}, skipping");
    false
}

/// Skips the calling test (returns from it) unless ptrace works here.
macro_rules! require_ptrace {
    () => {{
        fn marker() {}
        let test = $crate::common::enclosing_test_name(marker);
        if !$crate::common::check_feature(test, "ptrace", $crate::common::probe_ptrace()) {
            return;
        }
    }};
}

/// Skips the calling test unless a seccomp filter can be installed and
/// SECCOMP_RET_TRACE is available.
macro_rules! require_seccomp {
    () => {{
        fn marker() {}
        let test = $crate::common::enclosing_test_name(marker);
        if !$crate::common::check_feature(test, "seccomp", $crate::common::probe_seccomp()) {
            return;
        }
    }};
}

/// Skips the calling test unless this uid can create a user namespace.
macro_rules! require_userns {
    () => {{
        fn marker() {}
        let test = $crate::common::enclosing_test_name(marker);
        if !$crate::common::check_feature(test, "user namespaces", $crate::common::probe_userns()) {
            return;
        }
    }};
}

/// Skips the calling test unless Landlock is enabled with at least the given
/// ABI version (default 1) and a ruleset can be enforced.
macro_rules! require_landlock {
    () => {
        require_landlock!(1)
    };
    ($min_abi:expr) => {{
        fn marker() {}
        let test = $crate::common::enclosing_test_name(marker);
        let feature = format!("Landlock ABI {}", $min_abi);
        if !$crate::common::check_feature(test, &feature, $crate::common::probe_landlock($min_abi))
        {
            return;
        }
    }};
}

/// Skips the calling test when the kernel lacks a `KernelFeature`, even under
/// strict mode.
macro_rules! skip_if_kernel_lacks {
    ($feature:expr) => {{
        fn marker() {}
        let feature: $crate::common::KernelFeature = $feature;
        if let Some(reason) = $crate::common::kernel_lacks(feature) {
            let test = $crate::common::enclosing_test_name(marker);
            eprintln!("{test} requires {}: {reason}, skipping", feature.name());
            return;
        }
    }};
}

/// Kernel features that a kernel can lack by build configuration. CI cannot
/// change the kernel, so tests that need one skip even under strict mode.
/// This enum is the complete list of such features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelFeature {
    /// System calls of the x32 ABI (`__X32_SYSCALL_BIT` set on x86_64).
    X32Syscalls,
}

impl KernelFeature {
    pub const ALL: &'static [KernelFeature] = &[KernelFeature::X32Syscalls];

    pub fn name(self) -> &'static str {
        match self {
            KernelFeature::X32Syscalls => "x32 system calls",
        }
    }
}

/// Returns why this kernel lacks `feature`, or `None` when it has it.
pub fn kernel_lacks(feature: KernelFeature) -> Option<&'static str> {
    match feature {
        KernelFeature::X32Syscalls => probe_x32(),
    }
}

#[cfg(target_arch = "x86_64")]
fn probe_x32() -> Option<&'static str> {
    const X32_SYSCALL_BIT: libc::c_long = 0x4000_0000;
    // SAFETY: getpid takes no arguments and has no side effects, so calling it
    // through the x32 table is harmless.
    let result = unsafe { libc::syscall(X32_SYSCALL_BIT | libc::SYS_getpid) };
    if result < 0 && Errno::last() == Errno::ENOSYS {
        Some("getpid through the x32 bit fails with ENOSYS, so the kernel was built without CONFIG_X86_X32_ABI")
    } else {
        None
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn probe_x32() -> Option<&'static str> {
    Some("x32 is an x86_64 ABI")
}

/// Runs `f` in a forked child and returns the child's wait status. The child
/// exits with the value `f` returns, or 255 if `f` panics.
///
/// # Safety
///
/// The test process has other threads, so `f` must only make
/// async-signal-safe calls: raw system calls, no allocation and no locks.
/// Prepare strings and buffers before calling `in_child`.
pub unsafe fn in_child<F: FnOnce() -> i32>(f: F) -> Result<WaitStatus, String> {
    // SAFETY: the caller guarantees that `f` is async-signal-safe, and the
    // child leaves through _exit without running destructors or atexit hooks.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(255);
            // SAFETY: _exit ends the forked child immediately, which is the only
            // safe way out of a fork of a multithreaded process.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))
        }
    }
}

/// Turns the wait status of a probe child that exits with 0 or an errno into
/// a result that names the failing step.
fn probe_result(step: &str, status: WaitStatus) -> Result<(), String> {
    match status {
        WaitStatus::Exited(_, 0) => Ok(()),
        WaitStatus::Exited(_, errno) => {
            Err(format!("{step} failed with {}", Errno::from_raw(errno)))
        }
        other => Err(format!("{step} probe ended unexpectedly: {other:?}")),
    }
}

fn last_errno() -> i32 {
    Errno::last() as i32
}

/// Checks that a child can be traced: it calls PTRACE_TRACEME and stops, and
/// this process sets trace options on it and kills it.
pub fn probe_ptrace() -> Result<(), String> {
    // SAFETY: the child only calls ptrace, raise and _exit, which are
    // async-signal-safe.
    let child = match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            let code = match ptrace::traceme() {
                Ok(()) => signal::raise(Signal::SIGSTOP).map_or_else(|e| e as i32, |()| 0),
                Err(e) => e as i32,
            };
            // SAFETY: leave the forked child without running any Rust cleanup.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => child,
    };

    let status = waitpid(child, None).map_err(|e| format!("waitpid failed: {e}"))?;
    if status != WaitStatus::Stopped(child, Signal::SIGSTOP) {
        return probe_result("PTRACE_TRACEME", status);
    }
    let options = ptrace::setoptions(
        child,
        ptrace::Options::PTRACE_O_TRACESYSGOOD | ptrace::Options::PTRACE_O_EXITKILL,
    );
    kill_and_reap(child);
    options.map_err(|e| format!("PTRACE_SETOPTIONS failed with {e}"))
}

fn kill_and_reap(child: Pid) {
    let _ = signal::kill(child, Signal::SIGKILL);
    let _ = waitpid(child, None);
}

/// Checks that SECCOMP_RET_TRACE is available and that a child can install
/// an allow-all filter after PR_SET_NO_NEW_PRIVS.
pub fn probe_seccomp() -> Result<(), String> {
    let mut action = libc::SECCOMP_RET_TRACE;
    // SAFETY: SECCOMP_GET_ACTION_AVAIL only reads the u32 that `action` points to.
    let available = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_GET_ACTION_AVAIL,
            0,
            &mut action as *mut u32,
        )
    };
    if available < 0 {
        return Err(format!(
            "SECCOMP_GET_ACTION_AVAIL for SECCOMP_RET_TRACE failed with {}",
            Errno::last()
        ));
    }

    let mut allow_all = [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_ALLOW,
    }];
    let program = libc::sock_fprog {
        len: 1,
        filter: allow_all.as_mut_ptr(),
    };
    // SAFETY: the child only makes the prctl and seccomp system calls on
    // memory prepared before the fork.
    let status = unsafe {
        in_child(|| {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 {
                return last_errno();
            }
            if libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &program,
            ) < 0
            {
                return last_errno();
            }
            0
        })
    }?;
    probe_result("installing a seccomp filter", status)
}

/// Checks that a child can create a user namespace and map its own uid in it.
pub fn probe_userns() -> Result<(), String> {
    let uid_map_path = CString::new("/proc/self/uid_map").expect("path contains no NUL byte");
    let uid_map = format!("0 {} 1\n", nix::unistd::getuid());
    // Exit codes of the steps, above any errno value.
    const OPEN_FAILED: i32 = 200;
    const WRITE_FAILED: i32 = 201;

    // SAFETY: the child only makes the unshare, open, write and close system
    // calls on memory prepared before the fork.
    let status = unsafe {
        in_child(|| {
            if libc::unshare(libc::CLONE_NEWUSER) < 0 {
                return last_errno();
            }
            let fd = libc::open(uid_map_path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd < 0 {
                return OPEN_FAILED;
            }
            let written = libc::write(fd, uid_map.as_ptr().cast(), uid_map.len());
            libc::close(fd);
            if written != uid_map.len() as isize {
                return WRITE_FAILED;
            }
            0
        })
    }?;
    match status {
        WaitStatus::Exited(_, OPEN_FAILED) => {
            Err("opening /proc/self/uid_map in a new user namespace failed".into())
        }
        WaitStatus::Exited(_, WRITE_FAILED) => Err(format!(
            "writing {:?} to /proc/self/uid_map failed",
            uid_map.trim_end()
        )),
        _ => probe_result("unshare(CLONE_NEWUSER)", status),
    }
}

/// Returns the Landlock ABI version of the kernel.
pub fn landlock_abi() -> Result<i64, String> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with LANDLOCK_CREATE_RULESET_VERSION the call reads no memory
    // and returns the ABI version instead of a file descriptor.
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if version < 0 {
        return Err(format!(
            "landlock_create_ruleset version query failed with {}",
            Errno::last()
        ));
    }
    Ok(version)
}

/// Checks that the Landlock ABI is at least `min_abi` and that a child can
/// enforce a ruleset that handles LANDLOCK_ACCESS_FS_EXECUTE.
pub fn probe_landlock(min_abi: i64) -> Result<(), String> {
    let abi = landlock_abi()?;
    if abi < min_abi {
        return Err(format!("the kernel has Landlock ABI {abi}"));
    }

    /// `struct landlock_ruleset_attr` cut to its first field. The kernel reads
    /// the fields that a shorter struct leaves out as zero.
    #[repr(C)]
    struct RulesetAttr {
        handled_access_fs: u64,
    }
    const LANDLOCK_ACCESS_FS_EXECUTE: u64 = 1;
    let attr = RulesetAttr {
        handled_access_fs: LANDLOCK_ACCESS_FS_EXECUTE,
    };

    // SAFETY: the child only makes the landlock and prctl system calls on
    // memory prepared before the fork.
    let status = unsafe {
        in_child(|| {
            let fd = libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0,
            );
            if fd < 0 {
                return last_errno();
            }
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 {
                return last_errno();
            }
            if libc::syscall(libc::SYS_landlock_restrict_self, fd, 0) < 0 {
                return last_errno();
            }
            0
        })
    }?;
    probe_result("enforcing a Landlock ruleset", status)
}

// ---------------------------------------------------------------------------
// Running cases
// ---------------------------------------------------------------------------

/// One test case: a fresh temporary directory that is both HOME and the
/// working directory, plus the sydbox options to run commands with.
pub struct Case {
    dir: tempfile::TempDir,
    sydbox: PathBuf,
    sydbox_args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    violation_expected: bool,
    timeout: Duration,
}

impl Default for Case {
    fn default() -> Self {
        Self::new()
    }
}

impl Case {
    /// Creates a case with a new directory under `std::env::temp_dir()`.
    pub fn new() -> Case {
        let dir = tempfile::Builder::new()
            .prefix("sydbox-case.")
            .tempdir_in(std::env::temp_dir())
            .unwrap_or_else(|e| {
                panic!(
                    "failed to create a directory in {}: {e}",
                    std::env::temp_dir().display()
                )
            });
        Case {
            dir,
            sydbox: sydbox_bin(),
            sydbox_args: Vec::new(),
            env: Vec::new(),
            violation_expected: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Returns the case directory, which is also HOME and the working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Returns `relative` joined to the case directory.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.dir().join(relative)
    }

    /// Returns the case directory with symbolic links resolved, for patterns
    /// such as `"{home}/**"` that sydbox matches against resolved paths.
    pub fn home_resolved(&self) -> PathBuf {
        fs::canonicalize(self.dir())
            .unwrap_or_else(|e| panic!("failed to resolve {}: {e}", self.dir().display()))
    }

    /// Replaces the sydbox binary for this case.
    pub fn sydbox(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.sydbox = path.into();
        self
    }

    /// Adds one sydbox argument before `--`.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.sydbox_args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds sydbox arguments before `--`.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    /// Adds `-m COMMAND`, a magic command such as `core/sandbox/write:deny`.
    pub fn magic(&mut self, command: impl AsRef<OsStr>) -> &mut Self {
        self.arg("-m").arg(command)
    }

    /// Adds `-c PATH`, a profile file.
    pub fn config(&mut self, path: impl AsRef<OsStr>) -> &mut Self {
        self.arg("-c").arg(path)
    }

    /// Sets an environment variable for sydbox and the command. It may set
    /// `SYDBOX_CONFIG`, which the case otherwise removes.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Sets how long a run may take before it is killed.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Expects an access violation: adds `-m core/violation/exit_code:0`, so
    /// sydbox exits with 128 plus the command's status when it reports a
    /// violation, and makes the `Outcome` checks add 128.
    pub fn must_violate(&mut self) -> &mut Self {
        self.violation_expected = true;
        self.magic("core/violation/exit_code:0")
    }

    /// Runs `sydbox ARGS -- HELPER HELPER_ARGS` for the helper named `helper`.
    #[track_caller]
    pub fn run<I, S>(&self, helper_name: &str, helper_args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_program(helper(helper_name), helper_args)
    }

    /// Runs `sydbox ARGS -- PROGRAM PROGRAM_ARGS`.
    #[track_caller]
    pub fn run_program<I, S>(&self, program: impl AsRef<OsStr>, program_args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command(&self.sydbox);
        command
            .args(&self.sydbox_args)
            .arg("--")
            .arg(program)
            .args(program_args);
        run_with_timeout(command, self.timeout, self.violation_expected)
    }

    /// Runs the helper without sydbox, in the same directory and environment.
    #[track_caller]
    pub fn run_native<I, S>(&self, helper_name: &str, helper_args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_program_native(helper(helper_name), helper_args)
    }

    /// Runs `PROGRAM PROGRAM_ARGS` without sydbox, in the same directory and
    /// environment.
    #[track_caller]
    pub fn run_program_native<I, S>(&self, program: impl AsRef<OsStr>, program_args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command(program);
        command.args(program_args);
        run_with_timeout(command, self.timeout, false)
    }

    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.dir())
            .env("HOME", self.dir())
            .env_remove("SYDBOX_CONFIG");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }
}

/// How a run ended, with its output.
pub struct Outcome {
    /// The command line, for failure messages.
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    violation_expected: bool,
}

impl Outcome {
    /// Returns the exit code, or `None` when a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Checks that the helper exited with `errno` (0 for success). After
    /// `Case::must_violate` the expected exit code is 128 + `errno`.
    #[track_caller]
    pub fn expect_errno(&self, errno: i32) -> &Self {
        let expected = if self.violation_expected {
            128 + errno
        } else {
            errno
        };
        let meaning = if errno == 0 {
            "success".to_string()
        } else {
            Errno::from_raw(errno).to_string()
        };
        let violation = if self.violation_expected {
            " with a violation"
        } else {
            ""
        };
        assert!(
            self.code() == Some(expected),
            "expected exit code {expected} ({meaning}{violation}), got {}\n{}",
            self.describe_status(),
            self.details()
        );
        self
    }

    /// Reports whether the helper exited with `errno`, counting the
    /// `must_violate` offset as `expect_errno` does.
    pub fn is_errno(&self, errno: i32) -> bool {
        let expected = if self.violation_expected { 128 + errno } else { errno };
        self.code() == Some(expected)
    }

    /// Checks that the helper succeeded, which is exit code 128 after
    /// `Case::must_violate`.
    #[track_caller]
    pub fn expect_success(&self) -> &Self {
        self.expect_errno(0)
    }

    /// Checks the exit code exactly, without the `must_violate` offset.
    #[track_caller]
    pub fn expect_exit(&self, code: i32) -> &Self {
        assert!(
            self.code() == Some(code),
            "expected exit code {code}, got {}\n{}",
            self.describe_status(),
            self.details()
        );
        self
    }

    /// Checks that the process died by `signal`.
    #[track_caller]
    pub fn expect_signal(&self, signal: i32) -> &Self {
        assert!(
            self.status.signal() == Some(signal),
            "expected death by signal {signal}, got {}\n{}",
            self.describe_status(),
            self.details()
        );
        self
    }

    /// Checks that stdout equals `expected`.
    #[track_caller]
    pub fn expect_stdout(&self, expected: &str) -> &Self {
        assert!(
            self.stdout == expected,
            "expected stdout {expected:?}\n{}",
            self.details()
        );
        self
    }

    /// Checks that stderr contains `needle`.
    #[track_caller]
    pub fn expect_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "expected stderr to contain {needle:?}\n{}",
            self.details()
        );
        self
    }

    fn describe_status(&self) -> String {
        match (self.status.code(), self.status.signal()) {
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(signal)) => format!("death by signal {signal}"),
            (None, None) => format!("{:?}", self.status),
        }
    }

    /// Returns the command and its output, for failure messages.
    pub fn details(&self) -> String {
        format!(
            "command: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.stdout, self.stderr
        )
    }
}

fn describe_command(command: &Command) -> String {
    let mut words = vec![format!("{:?}", command.get_program())];
    words.extend(command.get_args().map(|arg| format!("{arg:?}")));
    words.join(" ")
}

/// Starts `command`, retrying while exec fails with ETXTBSY. That error
/// appears when another test thread forks while an executable it just wrote
/// is still open for writing, and clears once that child has exec'd or exited.
fn spawn_retrying(command: &mut Command) -> io::Result<Child> {
    let mut attempts = 0;
    loop {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && attempts < 100 => {
                attempts += 1;
                thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

/// Waits until `pid` exits but leaves it unreaped.
fn wait_without_reaping(pid: Pid) -> io::Result<()> {
    loop {
        // SAFETY: waitid writes only into `info`, a zeroed siginfo_t owned here.
        let result = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid.as_raw() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if result == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `command` in its own process group with stdin closed, collects its
/// output, and kills the whole group after `timeout` or once the command exits.
#[track_caller]
fn run_with_timeout(mut command: Command, timeout: Duration, violation_expected: bool) -> Outcome {
    let description = describe_command(&command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = spawn_retrying(&mut command)
        .unwrap_or_else(|e| panic!("failed to start {description}: {e}"));
    let group = Pid::from_raw(child.id() as i32);
    let stdout = read_in_background(child.stdout.take().expect("stdout is piped"));
    let stderr = read_in_background(child.stderr.take().expect("stderr is piped"));

    // The waiter thread waits with WNOWAIT, so the exited command stays a
    // zombie and its process group id cannot be reused before the killpg.
    let (sender, receiver) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let _ = sender.send(wait_without_reaping(group));
    });
    let timed_out = receiver.recv_timeout(timeout).is_err();
    // Kill what is left of the group: on a timeout the command itself, else
    // any background children that would keep the output pipes open.
    let _ = signal::killpg(group, Signal::SIGKILL);
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("failed to wait for {description}: {e}"));
    waiter.join().expect("waiter thread panicked");

    let outcome = Outcome {
        command: description,
        status,
        stdout: stdout.join().expect("stdout reader panicked"),
        stderr: stderr.join().expect("stderr reader panicked"),
        violation_expected,
    };
    assert!(
        !timed_out,
        "timed out after {timeout:?} and killed\n{}",
        outcome.details()
    );
    outcome
}

/// Writes an executable file (mode 0755) with the given contents.
pub fn write_executable(path: &Path, contents: &str) {
    let mut file = fs::File::create(path)
        .unwrap_or_else(|e| panic!("failed to create {}: {e}", path.display()));
    file.write_all(contents.as_bytes())
        .unwrap_or_else(|e| panic!("failed to write {}: {e}", path.display()));
    drop(file);
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("failed to chmod {}: {e}", path.display()));
}

// ---------------------------------------------------------------------------
// Catalogue helpers
// ---------------------------------------------------------------------------

/// Magic commands of the two trace settings that every catalogue case runs
/// under: the defaults, and seccomp plus PTRACE_SEIZE. Both must give the
/// same observable results.
pub const TRACE_OPTION_SETS: [&[&str]; 2] = [
    &[],
    &["core/trace/use_seccomp:1", "core/trace/use_seize:1"],
];

/// The magic commands that let sydbox run without ptrace: with the lock
/// on from the start (and no exec checks, the default), every check goes
/// by user notification and sydbox follows processes as their subreaper.
pub const NO_PTRACE: &[&str] = &["core/trace/magic_lock:on"];

/// `TRACE_OPTION_SETS` and `NO_PTRACE`, for cases whose outcome must not
/// depend on how sydbox follows processes.
pub const FOLLOW_OPTION_SETS: [&[&str]; 3] = [TRACE_OPTION_SETS[0], TRACE_OPTION_SETS[1], NO_PTRACE];

/// Runs `body` once for each entry of `TRACE_OPTION_SETS`, passing the magic
/// commands of that setting (see `Case::with_magic`).
pub fn each_trace_option(mut body: impl FnMut(&[&str])) {
    for options in TRACE_OPTION_SETS {
        body(options);
    }
}

/// `each_trace_option` over `FOLLOW_OPTION_SETS`.
pub fn each_follow_option(mut body: impl FnMut(&[&str])) {
    for options in FOLLOW_OPTION_SETS {
        body(options);
    }
}

impl Case {
    /// Creates a case that starts with `-m` for each of `commands`.
    pub fn with_magic(commands: &[&str]) -> Case {
        let mut case = Case::new();
        for command in commands {
            case.magic(command);
        }
        case
    }

    /// Returns `relative` joined to the resolved case directory, as a string
    /// for helper arguments and patterns.
    pub fn resolved(&self, relative: &str) -> String {
        let base = self.home_resolved();
        if relative.is_empty() {
            base.display().to_string()
        } else {
            base.join(relative).display().to_string()
        }
    }

    /// Whitelists the system trees that a dynamically linked helper reads
    /// while it starts (the loader cache and shared libraries), so a case
    /// with `core/sandbox/read:deny` fails only on the paths it tests.
    pub fn allow_system_reads(&mut self) -> &mut Self {
        for pattern in ["/usr/***", "/lib/***", "/lib64/***", "/lib32/***", "/etc/***"] {
            self.magic(format!("whitelist/read+{pattern}"));
        }
        self
    }
}

/// Returns a description of every entry under `dir`: type, permission bits,
/// owner, size, modification and change times, and the contents of regular
/// files or the target of symbolic links. Two equal snapshots mean that
/// nothing under `dir` was created, removed or changed (access times are
/// left out). Entries the caller cannot read are described as unreadable.
pub fn tree_snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    use std::os::unix::fs::MetadataExt;

    let mut entries = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(listing) = fs::read_dir(&current) else {
            entries.insert(current, "unreadable directory".to_string());
            continue;
        };
        for entry in listing {
            let path = entry.expect("failed to read a directory entry").path();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                entries.insert(path, "vanished".to_string());
                continue;
            };
            let mut text = format!(
                "mode={:o} uid={} gid={} size={} mtime={}.{} ctime={}.{}",
                meta.mode(),
                meta.uid(),
                meta.gid(),
                meta.size(),
                meta.mtime(),
                meta.mtime_nsec(),
                meta.ctime(),
                meta.ctime_nsec()
            );
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap_or_default();
                text.push_str(&format!(" link={}", target.display()));
            } else if meta.is_file() {
                match fs::read(&path) {
                    Ok(bytes) => text.push_str(&format!(" data={:?}", String::from_utf8_lossy(&bytes))),
                    Err(e) => text.push_str(&format!(" data=<{e}>")),
                }
            } else if meta.is_dir() {
                pending.push(path.clone());
            }
            entries.insert(path, text);
        }
    }
    entries
}

/// Returns the lines on which two snapshots of `tree_snapshot` differ, for
/// failure messages.
pub fn snapshot_difference(
    before: &std::collections::BTreeMap<PathBuf, String>,
    after: &std::collections::BTreeMap<PathBuf, String>,
) -> String {
    let mut lines = Vec::new();
    for (path, old) in before {
        match after.get(path) {
            None => lines.push(format!("removed {}: {old}", path.display())),
            Some(new) if new != old => {
                lines.push(format!("changed {}: {old} -> {new}", path.display()))
            }
            Some(_) => {}
        }
    }
    for (path, new) in after {
        if !before.contains_key(path) {
            lines.push(format!("created {}: {new}", path.display()));
        }
    }
    lines.join("\n")
}

// ---------------------------------------------------------------------------
// Hostile-input fixture
// ---------------------------------------------------------------------------

/// How a hostile-input case runs sydbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The inner layer alone: ptrace and seccomp on the host's file system.
    Plain,
    /// `--isolate`: new namespaces and a view built from the whitelists,
    /// with the inner layer on top. `box` is whitelisted, so it is bound
    /// into the view; `outside` is not, so it is missing there.
    Isolate,
}

/// The fixture of the hostile-input tests: inside a fresh case directory,
/// `box` (the tree the policy grants) holds a decoy `flag`, and
/// `outside/secret/flag` holds a random secret that no policy grants.
pub struct Fixture {
    pub case: Case,
    pub mode: Mode,
    /// The case directory, resolved.
    pub root: PathBuf,
    pub box_dir: PathBuf,
    pub outside: PathBuf,
    /// `outside/secret`.
    pub secret_dir: PathBuf,
    /// `outside/secret/flag`.
    pub flag_path: PathBuf,
    /// The secret's content.
    pub flag: String,
}

impl Fixture {
    /// Creates the fixture with no sydbox options yet. In `Mode::Isolate`,
    /// `base` and `xbase` add `--isolate`.
    pub fn new(mode: Mode) -> Fixture {
        let case = Case::new();
        let root = case.home_resolved();
        let box_dir = root.join("box");
        let outside = root.join("outside");
        let secret_dir = outside.join("secret");
        fs::create_dir_all(secret_dir.join("sub")).expect("failed to create outside/secret/sub");
        fs::create_dir_all(&box_dir).expect("failed to create box");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let flag = format!("FLAG-{}{nanos}", std::process::id());
        let flag_path = secret_dir.join("flag");
        fs::write(&flag_path, format!("{flag}\n")).expect("failed to write the secret");
        fs::write(box_dir.join("flag"), "DECOY\n").expect("failed to write the decoy");
        Fixture { case, mode, root, box_dir, outside, secret_dir, flag_path, flag }
    }

    /// Returns the path of `relative` under `box`, as a string.
    pub fn in_box(&self, relative: &str) -> String {
        self.box_dir.join(relative).display().to_string()
    }

    /// Returns the path of `relative` under `outside`, as a string.
    pub fn in_outside(&self, relative: &str) -> String {
        self.outside.join(relative).display().to_string()
    }

    /// Adds the read and exec rules that let the helpers run.
    fn helper_rules(&mut self) {
        let helpers = fs::canonicalize(helpers_dir()).expect("failed to resolve the helpers directory");
        self.case
            .magic(format!("whitelist/read+{}/***", helpers.display()))
            .magic(format!("whitelist/exec+{}/***", helpers.display()));
    }

    /// Applies the baseline policy: read, write, exec and network denied,
    /// system trees readable and executable, `box` readable and writable.
    pub fn base(&mut self) -> &mut Case {
        self.system_rules();
        for rule in ["whitelist/exec+/usr/***", "whitelist/exec+/bin/***", "whitelist/exec+/lib*/***"] {
            self.case.magic(rule);
        }
        self.helper_rules();
        self.add_isolate_option();
        &mut self.case
    }

    /// Applies the baseline with a narrow exec whitelist: the helpers, the
    /// shells, `cat` and `true`, but not `/usr/bin/id`, copies in `box`
    /// or the dynamic loader.
    pub fn xbase(&mut self) -> &mut Case {
        self.system_rules();
        for program in ["/usr/bin/sh", "/usr/bin/dash", "/usr/bin/bash", "/bin/sh", "/bin/dash", "/bin/bash", "/usr/bin/cat", "/usr/bin/true"] {
            self.case.magic(format!("whitelist/exec+{program}"));
        }
        self.helper_rules();
        self.add_isolate_option();
        &mut self.case
    }

    fn add_isolate_option(&mut self) {
        if self.mode == Mode::Isolate {
            self.case.arg("--isolate");
        }
    }

    fn system_rules(&mut self) {
        let box_dir = self.box_dir.display().to_string();
        for mode in ["read", "write", "exec", "network"] {
            self.case.magic(format!("core/sandbox/{mode}:deny"));
        }
        for rule in [
            "whitelist/read+/usr/***",
            "whitelist/read+/lib*/***",
            "whitelist/read+/usr/lib*/***",
            "whitelist/read+/etc/***",
            "whitelist/read+/dev/***",
            "whitelist/read+/proc/***",
            "whitelist/write+/dev/null",
            "whitelist/write+/dev/tty",
        ] {
            self.case.magic(rule);
        }
        self.case
            .magic(format!("whitelist/read+{box_dir}/***"))
            .magic(format!("whitelist/write+{box_dir}/***"));
    }

    /// Checks that a call the policy denies failed with `errno`. Under
    /// `--isolate` a path outside the view, or masked in it, may fail with
    /// ENOENT instead. sydbox reports that ENOENT as a violation ("hidden
    /// by the view") only when the path as passed exists on the host, so
    /// both exit codes are accepted here.
    #[track_caller]
    pub fn expect_denied(&self, outcome: &Outcome, errno: i32) {
        let hidden = outcome.code() == Some(libc::ENOENT) || outcome.code() == Some(128 + libc::ENOENT);
        if self.mode == Mode::Isolate && hidden {
            return;
        }
        outcome.expect_errno(errno);
    }

    /// Checks that the secret appears in neither output stream.
    #[track_caller]
    pub fn assert_not_leaked(&self, outcome: &Outcome) {
        assert!(
            !outcome.stdout.contains(&self.flag) && !outcome.stderr.contains(&self.flag),
            "the secret {} was read\n{}",
            self.flag,
            outcome.details()
        );
    }

    /// Lists every path under `outside`, to compare before and after a run.
    pub fn outside_listing(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                out.push(path.clone());
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(&path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.outside, &mut out);
        out.sort();
        out
    }
}


/// Returns the value of the `NAME=RESULT` line that the `hostile` helper
/// printed for `name`, or `None` when it printed none.
pub fn hostile_result<'a>(outcome: &'a Outcome, name: &str) -> Option<&'a str> {
    outcome
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}

impl Case {
    /// Returns the sydbox binary and its options as a run would pass
    /// them, without `--` or the command, for tests that start sydbox
    /// themselves (to hand it a file descriptor, for example).
    pub fn sydbox_command_line(&self) -> Vec<OsString> {
        let mut line = vec![self.sydbox.clone().into_os_string()];
        line.extend(self.sydbox_args.iter().cloned());
        line
    }
}

/// Returns the pids of the processes whose environment contains
/// `token` (as `NAME=token`), to find what a sandboxed tree left behind.
/// Processes of other users, whose environment cannot be read, are skipped.
pub fn processes_with_token(token: &str) -> Vec<i32> {
    let needle = format!("={token}");
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else { return found };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<i32>().ok()) else { continue };
        let Ok(environ) = fs::read(entry.path().join("environ")) else { continue };
        let is_zombie = fs::read_to_string(entry.path().join("stat"))
            .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')));
        if !is_zombie && environ.split(|b| *b == 0).any(|var| var.ends_with(needle.as_bytes())) {
            found.push(pid);
        }
    }
    found
}

/// Returns a token unique to this test process and call.
pub fn unique_token(label: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("sydbox-{label}-{}-{count}", std::process::id())
}

/// A child process that is killed and reaped when dropped, so a test that
/// fails half-way leaves no sandbox running.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Defines a module `NAME` with two tests, `NAME::plain` and
/// `NAME::isolate`, that run the same body with `Mode::Plain` and
/// `Mode::Isolate`. A leading `#[ignore_isolate = "REASON"]` ignores the
/// `--isolate` test with that reason; the reason names the sydbox fault.
///
/// ```ignore
/// in_both_modes! {
///     fn symlink_to_outside(mode) {
///         let mut fx = Fixture::new(mode);
///         ...
///     }
/// }
/// ```
macro_rules! in_both_modes {
    ($(#[doc = $doc:literal])* fn $name:ident($mode:ident) $body:block) => {
        in_both_modes!(@define [] $(#[doc = $doc])* fn $name($mode) $body);
    };
    (#[ignore_isolate = $reason:literal] $(#[doc = $doc:literal])* fn $name:ident($mode:ident) $body:block) => {
        in_both_modes!(@define [#[ignore = $reason]] $(#[doc = $doc])* fn $name($mode) $body);
    };
    (@define [$($isolate_attribute:tt)*] $(#[doc = $doc:literal])* fn $name:ident($mode:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($mode: $crate::common::Mode) $body

            #[test]
            fn plain() {
                body($crate::common::Mode::Plain);
            }

            #[test]
            $($isolate_attribute)*
            fn isolate() {
                body($crate::common::Mode::Isolate);
            }
        }
    };
}

/// Returns the GNU hello source tree named by `SYDBOX_HELLO_SRC`, or skips
/// the calling test loudly (failing it under SYDBOX_TEST_STRICT=1).
pub fn hello_source(test: &str) -> Option<PathBuf> {
    match std::env::var_os("SYDBOX_HELLO_SRC") {
        Some(dir) if Path::new(&dir).join("configure").exists() => Some(PathBuf::from(dir)),
        _ => {
            let reason = "SYDBOX_HELLO_SRC naming an unpacked GNU hello source tree (see .ci/run)";
            assert!(!strict_mode(), "{test} requires {reason}");
            eprintln!("{test} requires {reason}, skipping");
            None
        }
    }
}
