//! sydbox-1 test catalogue, groups E and F: read and exec sandboxing,
//! `/proc/PID` auto-whitelisting, kill_if_match and resume_if_match.

#[macro_use]
mod common;

use std::fs;
use std::os::unix::fs::symlink;

use common::{each_trace_option, helper, Case};

/// A case with read sandboxing in deny mode, the system trees whitelisted,
/// a file `secret` and the raise options.
fn read_case(options: &[&str]) -> (Case, String) {
    let mut case = Case::with_magic(options);
    fs::write(case.path("secret"), b"s").unwrap();
    case.magic("core/sandbox/read:deny").allow_system_reads();
    let secret = case.resolved("secret");
    (case, secret)
}

#[test]
fn read_deny_and_whitelist() {
    require_ptrace!();
    each_trace_option(|options| {
        let (mut case, secret) = read_case(options);
        case.must_violate();
        let out = case.run("sysc", ["open", "--flags", "O_RDONLY", &secret]);
        out.expect_errno(libc::EPERM).expect_stderr_contains("Access Violation");
        // The directory itself is readable, so only the file is denied.
        let (mut case, _) = read_case(options);
        let home = case.resolved("");
        case.magic(format!("whitelist/read+{home}")).must_violate();
        case.run("sysc", ["openat", "--dirfd", &home, "--flags", "O_RDONLY", "secret"]).expect_errno(libc::EPERM);

        let (mut case, secret) = read_case(options);
        let tree = format!("whitelist/read+{}/***", case.resolved(""));
        case.magic(tree);
        case.run("sysc", ["open", "--flags", "O_RDONLY", &secret]).expect_success();
    });
}

/// O_RDWR is checked for reading too, even when writing is allowed.
#[test]
fn rdwr_checked_for_read() {
    require_ptrace!();
    each_trace_option(|options| {
        let (mut case, secret) = read_case(options);
        case.magic("core/sandbox/write:allow").must_violate();
        case.run("sysc", ["open", "--flags", "O_RDWR", "--data", "x", &secret]).expect_errno(libc::EPERM);
        assert_eq!(fs::read(case.path("secret")).unwrap(), b"s", "the denied open wrote data");
    });
}

/// access(2) under read deny fails with EACCES silently, unless raise_safe.
#[test]
fn access_silent_eacces() {
    require_ptrace!();
    each_trace_option(|options| {
        for call in ["access", "faccessat", "faccessat2"] {
            for mode in ["F_OK", "R_OK"] {
                let (mut case, secret) = read_case(options);
                case.magic("core/violation/exit_code:0");
                let out = case.run("sysc", [call, "--mode", mode, &secret]);
                out.expect_exit(libc::EACCES);
                assert!(!out.stderr.contains("Access Violation"), "{call} {mode} was reported\n{}", out.details());

                let (mut case, secret) = read_case(options);
                case.magic("core/violation/raise_safe:1").must_violate();
                case.run("sysc", [call, "--mode", mode, &secret]).expect_errno(libc::EACCES);
            }
        }
        // W_OK under write deny.
        let mut case = Case::with_magic(options);
        fs::write(case.path("file"), b"").unwrap();
        case.magic("core/sandbox/write:deny").magic("core/violation/exit_code:0");
        let out = case.run("sysc", ["access", "--mode", "W_OK", &case.resolved("file")]);
        out.expect_exit(libc::EACCES);
        assert!(!out.stderr.contains("Access Violation"), "{}", out.details());
    });
}

#[test]
fn listxattr_silent_enotsup() {
    require_ptrace!();
    each_trace_option(|options| {
        for call in ["listxattr", "llistxattr"] {
            let (mut case, secret) = read_case(options);
            case.magic("core/violation/exit_code:0");
            let out = case.run("sysc", [call, &secret]);
            out.expect_exit(libc::ENOTSUP);
            assert!(!out.stderr.contains("Access Violation"), "{call} was reported\n{}", out.details());
        }
    });
}

/// stat is not read-sandboxed.
#[test]
fn stat_not_read_checked() {
    require_ptrace!();
    each_trace_option(|options| {
        let (mut case, secret) = read_case(options);
        case.magic("core/violation/exit_code:0");
        for call in ["stat", "lstat", "newfstatat", "statx"] {
            let out = case.run("sysc", [call, &secret]);
            out.expect_exit(0);
        }
    });
}

/// `per_process_directories` allows a process its own `/proc/PID` and those
/// of its traced ancestors, not those of unrelated processes.
#[test]
fn proc_pid_auto_whitelist() {
    require_ptrace!();
    let sysc = helper("sysc").display().to_string();
    each_trace_option(|options| {
        let (mut case, _) = read_case(options);
        case.must_violate();
        case.run("sysc", ["open", "--flags", "O_RDONLY", "/proc/1/status"]).expect_errno(libc::EPERM);

        let (case, _) = read_case(options);
        case.run("sysc", ["open", "--flags", "O_RDONLY", "/proc/self/status"]).expect_success();
        let script = format!("{sysc} open --flags O_RDONLY /proc/$$/status");
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);

        let (mut case, _) = read_case(options);
        case.magic("core/whitelist/per_process_directories:false").must_violate();
        case.run("sysc", ["open", "--flags", "O_RDONLY", "/proc/self/status"]).expect_errno(libc::EPERM);
    });
}

/// Exec patterns name resolved paths.
fn canonical(path: impl AsRef<std::path::Path>) -> String {
    fs::canonicalize(path).unwrap().display().to_string()
}

#[test]
fn exec_deny_and_whitelist() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    let exitwith = canonical(helper("exitwith"));
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:deny").magic(format!("whitelist/exec+{exitwith}"));
        case.run("execp", [&exitwith, "3"]).expect_exit(3);

        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:deny").magic(format!("whitelist/exec+{exitwith}")).must_violate();
        let file = case.resolved("ran");
        let out = case.run("execp", [&marker, &file]);
        out.expect_errno(libc::EACCES).expect_stderr_contains(&format!("execve(`{marker}')"));
        assert!(!case.path("ran").exists(), "the denied program ran");
    });
}

/// Allow mode with a blacklist denies the listed program only (the 2013
/// semantics; later sydbox-1 versions made allow mode act like deny).
#[test]
fn exec_allow_and_blacklist() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    let exitwith = canonical(helper("exitwith"));
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:allow").magic(format!("blacklist/exec+{marker}")).must_violate();
        let file = case.resolved("ran");
        case.run("execp", [&marker, &file]).expect_errno(libc::EACCES);
        assert!(!case.path("ran").exists(), "the blacklisted program ran");

        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:allow").magic(format!("blacklist/exec+{marker}"));
        case.run("execp", [&exitwith, "4"]).expect_exit(4);
    });
}

/// A whitelisted symbolic link does not allow its target.
#[test]
fn exec_symlink_not_target() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        symlink(&marker, case.path("link")).unwrap();
        let link = case.resolved("link");
        case.magic("core/sandbox/exec:deny").magic(format!("whitelist/exec+{link}")).must_violate();
        let file = case.resolved("ran");
        case.run("execp", [&link, &file]).expect_errno(libc::EACCES);
        assert!(!case.path("ran").exists());
    });
}

/// An exec of a missing path fails with ENOENT, reported only with
/// raise_fail.
#[test]
fn exec_missing_enoent() {
    require_ptrace!();
    each_trace_option(|options| {
        for (raise_fail, code) in [(false, libc::ENOENT), (true, 128 + libc::ENOENT)] {
            let mut case = Case::with_magic(options);
            case.magic("core/sandbox/exec:deny")
                .magic("core/violation/exit_code:0")
                .magic(format!("core/violation/raise_fail:{}", u8::from(raise_fail)));
            case.run("execp", ["/nonexistent/program"]).expect_exit(code);
        }
    });
}

/// filter/exec silences the report of a denied exec.
#[test]
fn exec_filter_silences() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:deny")
            .magic(format!("filter/exec+{marker}"))
            .magic("core/violation/exit_code:0");
        let file = case.resolved("ran");
        let out = case.run("execp", [&marker, &file]);
        out.expect_exit(libc::EACCES);
        assert!(!out.stderr.contains("Access Violation"), "{}", out.details());
        assert!(!case.path("ran").exists());
    });
}

/// kill_if_match kills a process at its exec, before the new program runs.
#[test]
fn kill_if_match_kills() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic(format!("exec/kill_if_match+{marker}"));
        let file = case.resolved("ran");
        let script = format!("{marker} {file}; exit $?");
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(128 + libc::SIGKILL);
        assert!(!case.path("ran").exists(), "the program ran despite kill_if_match");
    });
}

/// kill_if_match also applies to an exec from a thread that is not the
/// thread group leader.
#[test]
fn kill_if_match_thread_exec() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic(format!("exec/kill_if_match+{marker}"));
        let file = case.resolved("ran");
        case.run("threads", ["exec", &marker, &file]).expect_exit(128 + libc::SIGKILL);
        assert!(!case.path("ran").exists(), "the program ran despite kill_if_match");

        // And exec sandboxing checks it.
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:deny").must_violate();
        let file = case.resolved("ran");
        case.run("threads", ["exec", &marker, &file]).expect_errno(libc::EACCES);
        assert!(!case.path("ran").exists(), "the denied program ran");
    });
}

/// resume_if_match stops checking a process and its children after the
/// matching exec.
#[test]
fn resume_if_match_unsandboxed() {
    require_ptrace!();
    let marker = canonical(helper("marker"));
    let shell = canonical("/bin/sh");
    each_trace_option(|options| {
        for resume in [false, true] {
            let mut case = Case::with_magic(options);
            case.magic("core/sandbox/write:deny");
            if resume {
                case.magic(format!("exec/resume_if_match+{shell}"));
            }
            let own = case.resolved("own");
            let child = case.resolved("child");
            // The initial exec (execp) is exempt, so the shell is the first
            // matching exec; it writes itself and through a child.
            let script = format!("true > {own}; {marker} {child}; exit 0");
            case.run("execp", [shell.as_str(), "-c", &script]).expect_exit(0);
            assert_eq!(case.path("own").exists(), resume, "resume {resume}: the shell's own write");
            assert_eq!(case.path("child").exists(), resume, "resume {resume}: the child's write");
        }
    });
}
