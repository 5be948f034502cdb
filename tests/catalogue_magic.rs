//! sydbox-1 test catalogue, group C: the runtime interface, magic stat
//! calls on `/dev/sydbox`, the magic lock and `cmd/exec`.

#[macro_use]
mod common;

use std::fs;

use common::{each_trace_option, helper, Case};

const MAGIC_STAT_OUTPUT: &str = "mode=020666 rdev=1:3\n";

#[test]
fn probe_answers_every_stat_call() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        for via in ["stat", "lstat", "newfstatat", "statx"] {
            for path in ["/dev/sydbox", "/dev/sydbox/1"] {
                case.run("magicstat", ["--via", via, path]).expect_success().expect_stdout(MAGIC_STAT_OUTPUT);
            }
        }
        // Any dirfd is accepted with an absolute magic path.
        for via in ["newfstatat", "statx"] {
            for dirfd in ["cwd", "/dev", "/"] {
                case.run("magicstat", ["--via", via, "--dirfd", dirfd, "/dev/sydbox/1"]).expect_success();
            }
        }
    });
}

#[test]
fn malformed_magic_is_einval() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        for path in ["/dev/sydbox/0", "/dev/sydbox/core", "/dev/sydbox/nokey:1", "/dev/sydbox/core/sandbox/write:maybe"] {
            for via in ["stat", "newfstatat", "statx"] {
                case.run("magicstat", ["--via", via, path]).expect_errno(libc::EINVAL);
            }
        }
    });
}

/// A trailing slash with no command is not the probe.
#[test]
fn empty_magic_command_einval() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        case.run("magicstat", ["/dev/sydbox/"]).expect_errno(libc::EINVAL);
    });
}

/// Only the literal absolute prefix `/dev/sydbox` is magic.
#[test]
fn lookalike_paths_not_magic() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        case.run("magicstat", ["/dev/sydboxfoo"]).expect_errno(libc::ENOENT);
        case.run("magicstat", ["--via", "newfstatat", "--dirfd", "/dev", "sydbox"]).expect_errno(libc::ENOENT);
        case.run("magicstat", ["--via", "newfstatat", "--dirfd", "/dev", "sydbox/1"]).expect_errno(libc::ENOENT);
    });
}

/// A query is true (0) when the category is not off and false (ENOENT)
/// when it is off, whether the mode came from `-m` or from run time.
#[test]
fn sandbox_queries_follow_mode() {
    require_ptrace!();
    each_trace_option(|options| {
        for category in ["exec", "read", "write", "network"] {
            let query = format!("/dev/sydbox/core/sandbox/{category}?");
            let case = Case::with_magic(options);
            case.run("magicstat", [&query]).expect_errno(libc::ENOENT);
            for mode in ["allow", "deny"] {
                let mut case = Case::with_magic(options);
                case.magic(format!("core/sandbox/{category}:{mode}")).allow_system_reads();
                case.run("magicstat", [&query]).expect_success();
            }
            // Set and queried by the same process at run time.
            let case = Case::with_magic(options);
            let script = format!(
                "test -e '{query}' && exit 10; test -e /dev/sydbox/core/sandbox/{category}:allow || exit 11; test -e '{query}' || exit 12; exit 0"
            );
            case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
        }
    });
}

/// A runtime change is visible to the caller and to children created
/// afterwards, but not to its parent.
#[test]
fn runtime_change_scope() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        let script = "sh -c 'test -e /dev/sydbox/core/sandbox/write:allow' || exit 10; \
                      test -e '/dev/sydbox/core/sandbox/write?' && exit 11; \
                      test -e /dev/sydbox/core/sandbox/write:allow || exit 12; \
                      sh -c \"test -e '/dev/sydbox/core/sandbox/write?'\" || exit 13; \
                      exit 0";
        case.run_program("/bin/sh", ["-c", script]).expect_exit(0);
    });
}

/// A runtime whitelist entry takes effect at once for the caller itself.
#[test]
fn runtime_whitelist_immediate() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/write:deny");
        let home = case.resolved("");
        // The shell itself opens FILE for `true > FILE`. `true` is a regular
        // builtin, so a failed redirection does not end the shell.
        let script = format!(
            "true > {home}/before 2>/dev/null && exit 10; \
             test -e '/dev/sydbox/whitelist/write+{home}/***' || exit 11; \
             true > {home}/after || exit 12; exit 0"
        );
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
        assert!(!case.path("before").exists(), "the write before the whitelist entry went through");
        assert!(case.path("after").exists(), "the write after the whitelist entry did not happen");
    });
}

/// A category enabled only at run time is enforced from then on.
#[test]
fn runtime_enabled_category_enforced() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        let target = case.resolved("new");
        let script = format!("test -e /dev/sydbox/core/sandbox/write:deny || exit 10; mkdir {target} 2>/dev/null && exit 11; exit 0");
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
        assert!(!case.path("new").exists(), "the write went through");
    });
}

/// With the lock set at start-up, no path is magic, not even the probe,
/// and a command through it changes nothing.
#[test]
fn magic_lock_from_start() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/trace/magic_lock:on");
        for path in ["/dev/sydbox", "/dev/sydbox/1", "/dev/sydbox/core/trace/magic_lock:off", "/dev/sydbox/core/sandbox/write:deny"] {
            case.run("magicstat", [path]).expect_errno(libc::ENOENT);
        }
        let target = case.resolved("new");
        let script = format!("test -e /dev/sydbox/core/sandbox/write:deny; mkdir {target}");
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
        assert!(case.path("new").exists(), "a locked magic command changed the policy");
    });
}

/// A runtime lock locks the caller (and its later children) only.
#[test]
fn runtime_lock_locks_caller() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        let script = "sh -c 'test -e /dev/sydbox/core/trace/magic_lock:on && test -e /dev/sydbox && exit 1; exit 0' || exit 10; \
                      test -e /dev/sydbox || exit 11; \
                      test -e /dev/sydbox/core/trace/magic_lock:on || exit 12; \
                      test -e /dev/sydbox && exit 13; \
                      test -e /dev/sydbox/core/trace/magic_lock:off; test -e /dev/sydbox && exit 14; \
                      sh -c 'test -e /dev/sydbox' && exit 15; exit 0";
        case.run_program("/bin/sh", ["-c", script]).expect_exit(0);
    });
}

/// `magic_lock:exec` locks a process at its next successful exec; a child
/// forked before that exec inherits the pending lock.
#[test]
fn exec_lock_fires_at_exec() {
    require_ptrace!();
    let magicstat = helper("magicstat").display().to_string();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        let script = format!(
            "test -e /dev/sydbox/core/trace/magic_lock:exec || exit 10; \
             test -e /dev/sydbox || exit 11; \
             (test -e /dev/sydbox) || exit 12; \
             {magicstat} /dev/sydbox >/dev/null && exit 13; \
             exec {magicstat} /dev/sydbox/1"
        );
        case.run_program("/bin/sh", ["-c", &script]).expect_errno(libc::ENOENT);
    });
}

/// Returns a shell snippet that waits up to ten seconds for FILE, because
/// `cmd/exec` returns once the program has started, not when it ends.
fn wait_for_file(file: &str) -> String {
    format!("i=0; while [ ! -e {file} ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e {file} ]")
}

/// `cmd/exec` runs a program outside the sandbox: it can write where the
/// caller may not.
#[test]
fn cmd_exec_runs_unsandboxed() {
    require_ptrace!();
    let marker = helper("marker").display().to_string();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/write:deny");
        let file = case.resolved("made-outside");
        let magic = format!("/dev/sydbox/cmd/exec!{marker}\x1f{file}");
        let script = format!("test -e '{magic}' || exit 10; {} || exit 11; exit 0", wait_for_file(&file));
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
        assert!(case.path("made-outside").exists());

        // The same command line from sydfmt.
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/write:deny");
        let file = case.resolved("made-outside");
        let sydfmt = common::sydbox_bin().with_file_name("sydfmt").display().to_string();
        let script = format!("test -e \"$({sydfmt} exec {marker} {file})\" || exit 10; {} || exit 11; exit 0", wait_for_file(&file));
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
    });
}

#[test]
fn cmd_exec_missing_program() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        case.run("magicstat", ["/dev/sydbox/cmd/exec!/nonexistent/sydbox-no-such-program"]).expect_errno(libc::ENOENT);
    });
}

#[test]
fn sydfmt_output_exact() {
    let sydfmt = common::sydbox_bin().with_file_name("sydfmt");
    let out = std::process::Command::new(&sydfmt).args(["exec", "marker", "a b", "c"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"/dev/sydbox/cmd/exec!marker\x1fa b\x1fc");
    let out = std::process::Command::new(&sydfmt).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let _ = fs::metadata(&sydfmt).expect("sydfmt is missing");
}
