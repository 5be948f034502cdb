//! sydbox-1 test catalogue, groups A and B: the command line, exit
//! statuses, profile files and the syntax of magic commands.

#[macro_use]
mod common;

use std::fs;

use common::{each_trace_option, helper, Case};

fn sydfmt() -> std::path::PathBuf {
    common::sydbox_bin().with_file_name("sydfmt")
}

#[test]
fn help_and_version_exit_zero() {
    let case = Case::new();
    for option in ["-h", "--help"] {
        let out = case.run_program_native(common::sydbox_bin(), [option]);
        out.expect_exit(0);
        assert!(out.stdout.contains("Usage: sydbox"), "{option}: no usage on stdout\n{}", out.details());
    }
    for option in ["-v", "--version"] {
        let out = case.run_program_native(common::sydbox_bin(), [option]);
        out.expect_exit(0);
        assert!(out.stdout.starts_with("sydbox-"), "{option}: no version on stdout\n{}", out.details());
    }
    for option in ["-h", "--help", "-v", "--version"] {
        case.run_program_native(sydfmt(), [option]).expect_exit(0);
    }
}

#[test]
fn unknown_option_exits_one() {
    let case = Case::new();
    let marker = case.resolved("ran");
    let out = case.run_program_native(common::sydbox_bin(), ["--bogus".as_ref(), "--".as_ref(), helper("marker").as_os_str(), marker.as_ref()]);
    out.expect_exit(1);
    assert!(out.stderr.contains("Usage:"), "no usage on stderr\n{}", out.details());
    assert!(!case.path("ran").exists(), "the command ran after an unknown option");
}

#[test]
fn no_command_exits_one() {
    let case = Case::new();
    let out = case.run_program_native(common::sydbox_bin(), ["-m", "core/sandbox/write:deny"]);
    out.expect_exit(1);
    assert!(out.stderr.contains("Usage:"), "no usage on stderr\n{}", out.details());
}

#[test]
fn missing_command_cannot_exec() {
    let case = Case::new();
    let out = case.run_program("/nonexistent/sydbox-no-such-program", [""; 0]);
    out.expect_exit(1).expect_stderr_contains("can't exec");
    let out = case.run_program("sydbox-no-such-program-in-path", [""; 0]);
    out.expect_exit(1).expect_stderr_contains("can't exec `sydbox-no-such-program-in-path'");
}

/// Each invalid magic command stops sydbox before the command runs, and
/// the message quotes the command and names the kind of error.
#[test]
fn invalid_magic_exits_one() {
    for (magic, reason) in [
        ("core/sandbox/wrte:deny", "invalid key"),
        ("core/sandbox/write:maybe", "invalid value"),
        ("core/violation/exit_code:abc", "invalid value"),
        ("whitelist/read:x", "invalid type"),
        ("core/sandbox/read+x", "invalid type"),
        ("core/violation/decision?", "invalid query"),
        ("whitelist/read+", "invalid value"),
        ("cmd/exec!true", "invalid operation"),
    ] {
        let mut case = Case::new();
        case.magic(magic);
        let marker = case.resolved("ran");
        let out = case.run("marker", [&marker]);
        out.expect_exit(1).expect_stderr_contains(&format!("`{magic}'")).expect_stderr_contains(reason);
        assert!(!case.path("ran").exists(), "{magic}: the command ran");
    }
}

/// sydbox-1 starts every such message with `invalid magic:`.
#[test]
fn invalid_magic_message_prefix() {
    for magic in ["core/sandbox/wrte:deny", "core/sandbox/write:maybe", "whitelist/read+", "cmd/exec!true"] {
        let mut case = Case::new();
        case.magic(magic);
        case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains("invalid magic");
    }
}

#[test]
fn bad_profile_line_named() {
    let mut case = Case::new();
    let profile = case.path("bad.syd-1");
    fs::write(&profile, "core/sandbox/write:deny\n\ncore/bogus:1\n").unwrap();
    case.config(&profile);
    case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains("bad.syd-1:3:");

    let mut case = Case::new();
    case.config(case.path("missing.syd-1"));
    case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains("missing.syd-1");
}

/// Profile names: `.syd-1` and `.syd` are API 1, no extension has no API
/// information, `.syd-2` is another API; `@NAME` and `--profile NAME` look
/// in `$SYDBOX_PROFILE_PATH`.
#[test]
fn profile_naming_rules() {
    require_ptrace!();
    let case = Case::new();
    let profiles = case.path("profiles");
    fs::create_dir(&profiles).unwrap();
    for name in ["deny.conf", "deny.syd-2", "deny.syd-1", "deny.syd", "mine.syd-1"] {
        fs::write(profiles.join(name), "core/sandbox/write:deny\n").unwrap();
    }
    let run = |args: &[String]| {
        let mut case = Case::new();
        case.env("SYDBOX_PROFILE_PATH", &profiles).args(args).must_violate();
        let target = case.resolved("new");
        (case.run("sysc", ["mkdir", &target]), case)
    };
    let path = |name: &str| profiles.join(name).display().to_string();

    let (out, _) = run(&["-c".into(), path("deny.conf")]);
    out.expect_exit(1).expect_stderr_contains("no API information");
    let (out, _) = run(&["-c".into(), path("deny.syd-2")]);
    out.expect_exit(1).expect_stderr_contains("API 2");
    for args in [
        vec!["-c".to_string(), path("deny.syd-1")],
        vec!["-c".to_string(), path("deny.syd")],
        vec!["-c".to_string(), "@mine".to_string()],
        vec!["--profile".to_string(), "mine".to_string()],
    ] {
        let (out, case) = run(&args);
        out.expect_errno(libc::EPERM);
        assert!(!case.path("new").exists(), "{args:?}: the profile's write:deny was not applied");
    }
}

/// `$SYDBOX_CONFIG` is read after every `-c` and `-m`, so it overrides them.
#[test]
fn sydbox_config_read_last() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        let profile = case.path("deny.syd-1");
        fs::write(&profile, "core/sandbox/write:deny\n").unwrap();
        case.env("SYDBOX_CONFIG", &profile).magic("core/sandbox/write:off").must_violate();
        let target = case.resolved("new");
        case.run("sysc", ["mkdir", &target]).expect_errno(libc::EPERM);
        assert!(!case.path("new").exists());
    });
}

/// Decided deviation: the command starts at the first argument that is not
/// an option, so options after it belong to the command (sydbox-1 used
/// argument permutation and read them itself).
#[test]
fn no_argument_permutation() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        case.run_program("/bin/sh", ["-c", "exit 3"]).expect_exit(3);
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/write:off");
        case.run_program("sh", ["-c", "exit 4"]).expect_exit(4);
    });
}

#[test]
fn environment_option_sets_and_removes() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.env("CATALOGUE_REMOVED", "present").args(["-E", "CATALOGUE_SET=value", "-E", "CATALOGUE_REMOVED"]);
        let out = case.run_program(
            "/bin/sh",
            ["-c", "printf '%s:%s:%s' \"${CATALOGUE_SET-unset}\" \"${CATALOGUE_REMOVED-unset}\" \"${SYDBOX_API_VERSION-unset}\""],
        );
        out.expect_exit(0).expect_stdout("value:unset:1");
    });
}

#[test]
fn exit_status_of_first_child() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        case.run("exitwith", ["0"]).expect_exit(0);
        case.run("exitwith", ["1"]).expect_exit(1);
        case.run("exitwith", ["7"]).expect_exit(7);
        case.run_program("/bin/sh", ["-c", "exit 7"]).expect_exit(7);
        // Only the first child's status counts, and every tracee is waited for.
        case.run_program("/bin/sh", ["-c", "for i in 1 2 3 4 5 6 7; do (exit $i) & done; exit 0"]).expect_exit(0);
        case.run_program("/bin/sh", ["-c", "for i in 1 2 3; do (exit 0) & done; wait; exit 7"]).expect_exit(7);
        case.run("exitwith", ["--fork", "256", "1"]).expect_exit(0);
        case.run("exitwith", ["--threads", "32"]).expect_exit(0);
    });
}

#[test]
fn death_by_signal_is_128_plus() {
    require_ptrace!();
    each_trace_option(|options| {
        let case = Case::with_magic(options);
        for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGILL, libc::SIGABRT, libc::SIGFPE, libc::SIGSEGV, libc::SIGPIPE, libc::SIGALRM, libc::SIGTERM] {
            case.run("exitwith", ["--signal", &signal.to_string()]).expect_exit(128 + signal);
        }
        case.run_program("/bin/sh", ["-c", "kill -2 $$"]).expect_exit(130);
    });
}

/// Exec sandboxing does not apply to the initial exec of the command.
#[test]
fn initial_exec_not_sandboxed() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/exec:deny");
        case.run("exitwith", ["5"]).expect_exit(5);
    });
}

/// kill_if_match does not apply to the initial exec of the command either.
#[test]
fn initial_exec_not_killed() {
    require_ptrace!();
    let exitwith = fs::canonicalize(helper("exitwith")).unwrap();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic(format!("exec/kill_if_match+{}", exitwith.display()));
        case.run("exitwith", ["5"]).expect_exit(5);
    });
}

/// Comments and empty lines are skipped. A line of blanks is skipped too
/// (sydbox-1 rejected it); trailing blanks after a command are an error in
/// both.
#[test]
fn profile_comments_and_blanks() {
    require_ptrace!();
    let mut case = Case::new();
    let profile = case.path("p.syd-1");
    fs::write(&profile, "# a comment\n\n   \n\t\ncore/sandbox/write:deny\n#core/sandbox/write:off\n").unwrap();
    case.config(&profile).must_violate();
    let target = case.resolved("new");
    case.run("sysc", ["mkdir", &target]).expect_errno(libc::EPERM);

    let mut case = Case::new();
    let profile = case.path("p.syd-1");
    fs::write(&profile, "core/sandbox/write:deny \n").unwrap();
    case.config(&profile);
    case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains("p.syd-1:1:");
}

/// Booleans in any case, integers in hex and octal, and enumerations by
/// index.
#[test]
fn value_forms_accepted() {
    require_ptrace!();
    for value in ["1", "0", "t", "f", "T", "F", "true", "false", "TRUE", "False", "tRuE"] {
        let mut case = Case::new();
        case.magic(format!("core/violation/raise_fail:{value}"));
        case.run_program("/bin/true", [""; 0]).expect_exit(0);
    }
    for value in ["maybe", "yes", "2", ""] {
        let mut case = Case::new();
        case.magic(format!("core/violation/raise_fail:{value}"));
        case.run_program("/bin/true", [""; 0]).expect_exit(1);
    }
    each_trace_option(|options| {
        // exit_code 0x2a and 052 are both 42; write:2 is deny.
        for exit_code in ["0x2a", "052", "42"] {
            let mut case = Case::with_magic(options);
            case.magic("core/sandbox/write:2").magic(format!("core/violation/exit_code:{exit_code}"));
            let target = case.resolved("new");
            case.run("sysc", ["mkdir", &target]).expect_exit(42);
            assert!(!case.path("new").exists());
        }
        // write:1 is allow.
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/write:1");
        let target = case.resolved("new");
        case.run("sysc", ["mkdir", &target]).expect_success();
    });
}

/// Removing a pattern removes one copy of the same text.
#[test]
fn remove_one_copy() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        let tree = format!("{}/***", case.resolved(""));
        case.magic("core/sandbox/write:deny")
            .magic(format!("whitelist/write+{tree}"))
            .magic(format!("whitelist/write+{tree}"))
            .magic(format!("whitelist/write-{tree}"));
        let target = case.resolved("new");
        case.run("sysc", ["mkdir", &target]).expect_success();

        let mut case = Case::with_magic(options);
        let tree = format!("{}/***", case.resolved(""));
        case.magic("core/sandbox/write:deny")
            .magic(format!("whitelist/write+{tree}"))
            .magic(format!("whitelist/write-{tree}"))
            .must_violate();
        let target = case.resolved("new");
        case.run("sysc", ["mkdir", &target]).expect_errno(libc::EPERM);
        assert!(!case.path("new").exists());
    });
}

/// Decided deviation: removing an alias removes the entries of its
/// expansion (sydbox-1 compared the unexpanded text and removed nothing).
#[test]
fn remove_alias_entries() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        case.magic("core/sandbox/network:deny")
            .magic("whitelist/network/bind+LOOPBACK@0")
            .magic("whitelist/network/bind-LOOPBACK@0")
            .must_violate();
        case.run("netc", ["bind", "inet", "127.0.0.1", "0"]).expect_errno(libc::EADDRNOTAVAIL);
    });
}

/// `no_wildcard:prefix` applies to patterns added after it only.
#[test]
fn no_wildcard_applies_later() {
    require_ptrace!();
    each_trace_option(|options| {
        for (prefix_first, allowed) in [(true, true), (false, false)] {
            let mut case = Case::with_magic(options);
            fs::create_dir(case.path("dir")).unwrap();
            let dir = case.resolved("dir");
            case.magic("core/sandbox/write:deny").magic("core/violation/exit_code:0");
            if prefix_first {
                case.magic("core/match/no_wildcard:prefix").magic(format!("whitelist/write+{dir}"));
            } else {
                case.magic(format!("whitelist/write+{dir}")).magic("core/match/no_wildcard:prefix");
            }
            let out = case.run("sysc", ["mkdir", &format!("{dir}/child")]);
            out.expect_exit(if allowed { 0 } else { 128 + libc::EPERM });
            assert_eq!(case.path("dir/child").exists(), allowed, "prefix first: {prefix_first}");
        }
    });
}

/// Every key of the 2013 set, `core/trace/exit_kill` of v1.0.7 and
/// `core/trace/use_ptrace` of v1.2, with a valid value.
const ALL_KEYS: &[&str] = &[
    "core/sandbox/exec:off",
    "core/sandbox/read:off",
    "core/sandbox/write:off",
    "core/sandbox/network:off",
    "core/restrict/file_control:false",
    "core/restrict/shared_memory_writable:false",
    "core/whitelist/per_process_directories:true",
    "core/whitelist/successful_bind:true",
    "core/whitelist/unsupported_socket_families:true",
    "core/abort/decision:contall",
    "core/panic/decision:kill",
    "core/panic/exit_code:-1",
    "core/violation/decision:deny",
    "core/violation/exit_code:-1",
    "core/violation/raise_fail:false",
    "core/violation/raise_safe:false",
    "core/trace/follow_fork:true",
    "core/trace/exit_wait_all:true",
    "core/trace/magic_lock:off",
    "core/trace/interrupt:while_wait",
    "core/trace/use_toolong_hack:false",
    "core/trace/exit_kill:false",
    "core/trace/use_ptrace:true",
    "core/match/case_sensitive:true",
    "core/match/no_wildcard:literal",
    "log/file:",
    "log/level:511",
    "log/console_fd:2",
    "log/console_level:3",
    "exec/kill_if_match+/nonexistent/kill",
    "exec/resume_if_match+/nonexistent/resume",
    "whitelist/exec+/nonexistent/***",
    "whitelist/read+/nonexistent/***",
    "whitelist/write+/nonexistent/***",
    "blacklist/exec+/nonexistent/***",
    "blacklist/read+/nonexistent/***",
    "blacklist/write+/nonexistent/***",
    "filter/exec+/nonexistent/***",
    "filter/read+/nonexistent/***",
    "filter/write+/nonexistent/***",
    "whitelist/network/bind+LOOPBACK@0",
    "whitelist/network/connect+unix:/nonexistent/socket",
    "blacklist/network/bind+LOOPBACK6@0",
    "blacklist/network/connect+unix-abstract:nonexistent",
    "filter/network+LOOPBACK@0",
];

/// Keys that take effect only at start-up, so the runtime interface may
/// reject them.
const START_UP_KEYS: &[&str] = &[
    "core/trace/use_seccomp",
    "core/trace/use_seize",
    "core/trace/follow_fork",
    "core/trace/interrupt",
    "core/trace/exit_wait_all",
    "core/trace/exit_kill",
    "core/trace/use_ptrace",
    "core/abort/decision",
    "core/panic/decision",
    "core/panic/exit_code",
    "core/trace/use_toolong_hack",
    "core/restrict/",
    "core/limit/processes",
    "log/",
];

#[test]
fn every_key_accepted() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        for key in ALL_KEYS {
            case.magic(key);
        }
        case.run("exitwith", ["0"]).expect_exit(0);

        let mut case = Case::with_magic(options);
        let profile = case.path("all.syd-1");
        fs::write(&profile, ALL_KEYS.join("\n") + "\n").unwrap();
        case.config(&profile);
        case.run("exitwith", ["0"]).expect_exit(0);

        // The runtime interface, one key per magicstat call: start-up keys
        // are refused with ENOTSUP rather than accepted to no effect.
        let case = Case::with_magic(options);
        for key in ALL_KEYS {
            let outcome = case.run("magicstat", [format!("/dev/sydbox/{key}")]);
            if START_UP_KEYS.iter().any(|prefix| key.starts_with(prefix)) {
                outcome.expect_errno(libc::ENOTSUP);
            } else {
                outcome.expect_success();
            }
        }
    });
}
