//! Black-box tests of the core sandbox: profiles, path and network
//! checks, errnos, reports and exit statuses, through the `sydbox` binary
//! and the raw-syscall helpers of tests/helpers.

#[macro_use]
mod common;

use std::fs;
use std::net::TcpListener;

use common::{helper, shared_dir, Case};

/// Denies writes everywhere except the case directory's `ok` subtree.
fn write_box(case: &mut Case) -> String {
    let ok = case.home_resolved().join("ok");
    fs::create_dir_all(&ok).unwrap();
    case.magic("core/sandbox/write:deny").magic(format!("whitelist/write+{}/***", ok.display()));
    ok.display().to_string()
}

#[test]
fn every_api1_conformance_profile_loads_unchanged() {
    require_ptrace!();
    let mut loaded = 0;
    for dir in ["conformance", "conformance/v1.0.7", "conformance/v1.2.1"] {
        for entry in fs::read_dir(shared_dir().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "syd-1") {
                let mut case = Case::new();
                case.config(&path);
                case.run_program("/bin/true", [""; 0]).expect_success();
                loaded += 1;
            }
        }
    }
    assert_eq!(loaded, 6, "expected the six API-1 profiles of shared/conformance");
}

#[test]
fn api2_profiles_are_rejected_with_the_api_named() {
    let mut case = Case::new();
    case.config(shared_dir().join("conformance/sydbox-main-2021/paludis.syd-2"));
    let out = case.run_program("/bin/true", [""; 0]);
    out.expect_exit(1).expect_stderr_contains("magic API 2");
}

#[test]
fn every_error_of_a_bad_profile_is_reported_and_nothing_runs() {
    let case = Case::new();
    let profile = case.path("bad.syd-1");
    fs::write(&profile, "# fine\ncore/sandbox/write:deny\ncore/sandbox/wrte:deny\nwhitelist/read+relative\ncore/sandbox/read:maybe\n").unwrap();
    let marker = case.path("ran");
    let mut case = case;
    case.config(&profile);
    let out = case.run("marker", [&marker]);
    out.expect_exit(1);
    for needle in ["bad.syd-1:3: `core/sandbox/wrte:deny'", "bad.syd-1:4:", "bad.syd-1:5:", "did you mean `core/sandbox/write'", "3 error(s)"] {
        out.expect_stderr_contains(needle);
    }
    assert!(!marker.exists(), "the command ran despite a bad profile");
}

#[test]
fn a_missing_profile_and_a_bad_magic_exit_1() {
    let mut case = Case::new();
    case.config("/nonexistent/p.syd-1");
    case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains("cannot read profile `/nonexistent/p.syd-1'");
    let mut case = Case::new();
    case.magic("core/sandbox/write:sometimes");
    case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains("core/sandbox/write:sometimes");
}

#[test]
fn write_denied_outside_the_whitelist_and_allowed_inside() {
    require_ptrace!();
    let mut case = Case::new();
    let ok = write_box(&mut case);
    let outside = case.path("outside");
    case.must_violate();
    let out = case.run("sysc", ["open", "--flags", "O_WRONLY|O_CREAT", outside.to_str().unwrap()]);
    out.expect_errno(libc::EPERM).expect_stderr_contains("Access Violation!").expect_stderr_contains("to allow: whitelist/write+");
    assert!(!outside.exists());

    let mut case = Case::new();
    let ok2 = write_box(&mut case);
    let inside = format!("{ok2}/file");
    case.run("sysc", ["open", "--flags", "O_WRONLY|O_CREAT", &inside]).expect_success();
    assert!(fs::metadata(&inside).is_ok());
    let _ = ok;
}

#[test]
fn write_calls_of_every_family_are_checked() {
    require_ptrace!();
    let cases: &[&[&str]] = &[
        &["creat", "F"],
        &["mkdir", "D"],
        &["mkdirat", "D"],
        &["truncate", "E"],
        &["chmod", "--mode", "600", "E"],
        &["fchmodat", "--mode", "600", "E"],
        &["fchmodat2", "--mode", "600", "E"],
        &["unlink", "E"],
        &["unlinkat", "E"],
        &["rename", "E", "F"],
        &["renameat2", "E", "F"],
        &["link", "E", "F"],
        &["symlink", "E", "F"],
        &["utimensat", "E"],
        &["open", "--flags", "O_WRONLY|O_TRUNC", "E"],
        &["openat", "--flags", "O_RDONLY|O_TRUNC", "E"],
        &["openat2", "--flags", "O_WRONLY", "E"],
        &["openat", "--flags", "O_TMPFILE|O_RDWR", "--mode", "600", "."],
        &["setxattr", "E", "user.x", "v"],
    ];
    for args in cases {
        let mut case = Case::new();
        write_box(&mut case);
        fs::write(case.path("E"), b"data").unwrap();
        case.must_violate();
        let args: Vec<String> = args.iter().map(|a| match *a {
            "E" | "F" | "D" => case.path(a).display().to_string(),
            "." => case.dir().display().to_string(),
            other => other.to_string(),
        }).collect();
        let out = case.run("sysc", &args);
        out.expect_errno(libc::EPERM);
        assert_eq!(fs::read(case.path("E")).unwrap(), b"data", "{args:?} changed the file");
    }
}

#[test]
fn read_only_opens_pass_when_only_write_is_sandboxed() {
    require_ptrace!();
    let mut case = Case::new();
    write_box(&mut case);
    fs::write(case.path("E"), b"data").unwrap();
    case.run("sysc", ["open", "--flags", "O_RDONLY", case.path("E").to_str().unwrap()]).expect_success();
}

#[test]
fn read_sandbox_denies_and_access_is_silent_eacces() {
    require_ptrace!();
    let mut case = Case::new();
    fs::write(case.path("secret"), b"s").unwrap();
    let secret = case.path("secret").display().to_string();
    case.magic("core/sandbox/read:deny").magic("whitelist/read+/usr/***").magic("whitelist/read+/lib*/***").magic("whitelist/read+/etc/***").magic("whitelist/read+/proc/***").must_violate();
    case.run("sysc", ["openat", "--flags", "O_RDONLY", &secret]).expect_errno(libc::EPERM);

    let mut case = Case::new();
    fs::write(case.path("secret"), b"s").unwrap();
    let secret = case.path("secret").display().to_string();
    case.magic("core/sandbox/read:deny").magic("whitelist/read+/usr/***").magic("whitelist/read+/lib*/***").magic("whitelist/read+/etc/***").magic("whitelist/read+/proc/***");
    let out = case.run("sysc", ["faccessat2", &secret]);
    out.expect_errno(libc::EACCES);
    assert!(!out.stderr.contains("Access Violation"), "access(2) denials are silent: {}", out.stderr);
}

#[test]
fn symlinks_and_dotdot_resolve_to_the_real_target() {
    require_ptrace!();
    let mut case = Case::new();
    let ok = write_box(&mut case);
    let outside = case.path("outside");
    fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, format!("{ok}/link")).unwrap();
    case.must_violate();
    // ok/link/../ok would be ok/ok textually; physically it is outside/../ok.
    case.run("sysc", ["mkdir", &format!("{ok}/link/newdir")]).expect_errno(libc::EPERM);
    assert!(!outside.join("newdir").exists());

    let mut case = Case::new();
    let ok = write_box(&mut case);
    case.run("sysc", ["mkdir", &format!("{ok}/sub/../newdir")]).expect_errno(libc::ENOENT);
    case.run("sysc", ["mkdir", &format!("{ok}/./newdir")]).expect_success();
}

#[test]
fn relative_paths_use_the_callers_cwd_and_dirfd() {
    require_ptrace!();
    let mut case = Case::new();
    let ok = write_box(&mut case);
    case.run("sysc", ["mkdir", "--chdir", &ok, "rel"]).expect_success();
    assert!(fs::metadata(format!("{ok}/rel")).is_ok());
    case.run("sysc", ["mkdirat", "--dirfd", &ok, "viafd"]).expect_success();
    let mut case = Case::new();
    write_box(&mut case);
    let dir = case.dir().display().to_string();
    case.must_violate();
    case.run("sysc", ["mkdirat", "--dirfd", &dir, "nope"]).expect_errno(libc::EPERM);
}

#[test]
fn exec_sandbox_denies_with_eacces() {
    require_ptrace!();
    let mut case = Case::new();
    case.magic("core/sandbox/exec:deny").magic(format!("whitelist/exec+{}", helper("execp").display())).must_violate();
    case.run("execp", ["/bin/true"]).expect_errno(libc::EACCES);
    let mut case = Case::new();
    case.magic("core/sandbox/exec:deny").magic(format!("whitelist/exec+{}", helper("execp").display()));
    let real_true = fs::canonicalize("/bin/true").unwrap();
    case.magic(format!("whitelist/exec+{}", real_true.display()));
    case.run("execp", ["/bin/true"]).expect_success();
}

#[test]
fn connect_denied_with_econnrefused_and_the_listener_sees_nothing() {
    require_ptrace!();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut case = Case::new();
    case.magic("core/sandbox/network:deny").must_violate();
    let out = case.run("netc", ["connect", "inet", "127.0.0.1", &port]);
    out.expect_errno(libc::ECONNREFUSED).expect_stderr_contains(&format!("inet:127.0.0.1@{port}"));
    assert!(listener.accept().is_err(), "the denied connect reached the listener");

    let mut case = Case::new();
    case.magic("core/sandbox/network:deny").magic(format!("whitelist/network/connect+LOOPBACK@{port}"));
    case.run("netc", ["connect", "inet", "127.0.0.1", &port]).expect_success();
    // An IPv4-mapped IPv6 destination matches as the IPv4 address it is.
    let mut case = Case::new();
    case.magic("core/sandbox/network:deny").must_violate();
    case.run("netc", ["connect", "inet6", "::ffff:127.0.0.1", &port]).expect_errno(libc::ECONNREFUSED);
}

#[test]
fn sendto_sendmsg_and_sendmmsg_are_checked() {
    require_ptrace!();
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = receiver.local_addr().unwrap().port().to_string();
    for call in ["sendto", "sendmsg", "sendmmsg"] {
        let mut case = Case::new();
        case.magic("core/sandbox/network:deny").must_violate();
        case.run("netc", [call, "inet", "127.0.0.1", &port, "--type", "dgram"]).expect_errno(libc::ECONNREFUSED);
    }
}

#[test]
fn bind_denied_with_eaddrnotavail_and_successful_bind_is_connectable() {
    require_ptrace!();
    let mut case = Case::new();
    case.magic("core/sandbox/network:deny").must_violate();
    case.run("netc", ["bind", "inet", "127.0.0.1", "0"]).expect_errno(libc::EADDRNOTAVAIL);

    let mut case = Case::new();
    case.magic("core/sandbox/network:deny").magic("whitelist/network/bind+LOOPBACK@0");
    case.run("netc", ["bind", "inet", "127.0.0.1", "0", "--then-connect", "127.0.0.1", "bound"]).expect_success();
}

#[test]
fn exit_status_follows_the_command() {
    require_ptrace!();
    common::each_follow_option(|options| {
        let case = Case::with_magic(options);
        case.run("exitwith", ["7"]).expect_exit(7);
        case.run("exitwith", ["--signal", "15"]).expect_exit(128 + 15);
        case.run("exitwith", ["--fork", "3", "9"]).expect_exit(0);
        case.run("exitwith", ["--threads", "8"]).expect_exit(0);
    });
    let mut case = Case::new();
    write_box(&mut case);
    case.magic("core/violation/exit_code:42");
    let target = case.path("x").display().to_string();
    case.run("sysc", ["mkdir", &target]).expect_exit(42);
}

#[test]
fn violation_decision_kill_kills_the_offender() {
    require_ptrace!();
    let mut case = Case::new();
    write_box(&mut case);
    case.magic("core/violation/decision:kill");
    let target = case.path("x").display().to_string();
    case.run("sysc", ["mkdir", &target]).expect_exit(128 + libc::SIGKILL);
}

#[test]
fn log_file_gets_the_text_block_or_json_lines() {
    require_ptrace!();
    for (format, needle) in [("text", "-- Access Violation! --"), ("json", "\"event\":\"access_violation\"")] {
        let mut case = Case::new();
        write_box(&mut case);
        let log = case.path("log");
        case.magic(format!("log/file:{}", log.display())).magic(format!("log/format:{format}"));
        let target = case.path("x").display().to_string();
        case.run("sysc", ["mkdir", &target]).expect_errno(libc::EPERM);
        let text = fs::read_to_string(&log).unwrap();
        assert!(text.contains(needle), "{format} log lacks {needle}: {text}");
        assert!(text.contains("core/sandbox/write:deny"), "{text}");
    }
}

#[test]
fn magic_stat_answers_through_newfstatat_and_statx() {
    require_ptrace!();
    let case = Case::new();
    for via in ["stat", "lstat", "newfstatat", "statx"] {
        case.run("magicstat", ["--via", via, "/dev/sydbox"]).expect_success().expect_stdout("mode=020666 rdev=1:3\n");
        case.run("magicstat", ["--via", via, "/dev/sydbox/1"]).expect_success();
        case.run("magicstat", ["--via", via, "/dev/sydbox/core/sandbox/read?"]).expect_errno(libc::ENOENT);
        case.run("magicstat", ["--via", via, "/dev/sydbox/core/sandbox/bogus:1"]).expect_errno(libc::EINVAL);
    }
    let mut case = Case::new();
    case.magic("core/trace/magic_lock:on");
    case.run("magicstat", ["/dev/sydbox"]).expect_errno(libc::ENOENT);
}

#[test]
fn a_shell_changes_its_own_policy_through_dev_sydbox() {
    require_ptrace!();
    // Write sandboxing starts off: enabling it at run time adds a filter to
    // the shell, which its later children inherit.
    let case = Case::new();
    let dir = case.home_resolved().display().to_string();
    let script = format!(
        "test -e /dev/sydbox || exit 10; \
         mkdir {dir}/before || exit 11; \
         test -e '/dev/sydbox/core/sandbox/write?' && exit 12; \
         test -e /dev/sydbox/core/sandbox/write:deny || exit 13; \
         test -e '/dev/sydbox/core/sandbox/write?' || exit 14; \
         mkdir {dir}/a 2>/dev/null && exit 15; \
         sh -c 'mkdir {dir}/child' 2>/dev/null && exit 16; \
         test -e '/dev/sydbox/whitelist/write+{dir}/***' || exit 17; \
         mkdir {dir}/b || exit 18; \
         test -e /dev/sydbox/core/sandbox/write:off || exit 19; \
         test -e /dev/sydbox/core/trace/magic_lock:on || exit 20; \
         test -e /dev/sydbox && exit 21; exit 0"
    );
    let out = case.run_program("/bin/sh", ["-c", &script]);
    out.expect_exit(0);
    assert!(!case.path("a").exists(), "the write enabled at run time was not enforced");
    assert!(!case.path("child").exists(), "a child escaped the filter added at run time");
    assert!(case.path("b").exists());
}

#[test]
fn violation_decision_killall_ends_every_process() {
    require_ptrace!();
    // Also an orphan, `(sleep 30 &)`, whose parent has already exited:
    // without ptrace sydbox finds it as its subreaper.
    common::each_follow_option(|options| {
        let mut case = Case::with_magic(options);
        let ok = write_box(&mut case);
        case.magic("core/violation/decision:killall");
        let target = case.path("x").display().to_string();
        let orphan = std::path::Path::new(&ok).join("orphan");
        let script =
            format!("(setsid sleep 30 & echo $! > {o}); sleep 30 & sleep 30 & mkdir {target}; wait; exit 3", o = orphan.display());
        let started = std::time::Instant::now();
        let out = case.run_program("/bin/sh", ["-c", &script]);
        out.expect_exit(128 + libc::SIGKILL);
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{options:?}: the sleeping children outlived killall");
        let pid: i32 = fs::read_to_string(&orphan).unwrap().trim().parse().unwrap();
        let alive = fs::read_to_string(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.starts_with("sleep"));
        if alive {
            // SAFETY: kill(2) of the orphan this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        assert!(!alive, "{options:?}: the orphan outlived killall");
    });
}

#[test]
fn sydbox_waits_for_orphans() {
    require_ptrace!();
    common::each_follow_option(|options| {
        let mut case = Case::with_magic(options);
        let ok = write_box(&mut case);
        let late = std::path::Path::new(&ok).join("late");
        let script = format!("(sleep 0.5; echo late > {}) & exit 0", late.display());
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
        assert_eq!(fs::read_to_string(&late).unwrap_or_default(), "late\n", "{options:?}: sydbox did not wait for the orphan");
    });
}

#[test]
fn a_chrooted_process_is_checked_by_host_path() {
    require_ptrace!();
    let mut case = Case::new();
    write_box(&mut case);
    // Inside the jail the path reads /ok/evil, and /ok/*** looks like the
    // whitelisted tree; on the host it is CASE/jail/ok/evil, outside it.
    let jail = case.home_resolved().join("jail");
    let ok_name = case.home_resolved().join("ok");
    fs::create_dir_all(jail.join(ok_name.strip_prefix("/").unwrap())).unwrap();
    let inner = format!("{}/evil", ok_name.display());
    // The first write, allowed, comes before the chroot, so the supervisor
    // has already looked at the process's root once when the second comes.
    let script = format!(
        "import os\nopen('{inner}.before', 'w').write('x')\ntry:\n    os.chroot('{jail}')\nexcept PermissionError:\n    raise SystemExit(0)\nopen('{inner}', 'w').write('x')",
        jail = jail.display()
    );
    let out = case.run_program("/usr/bin/python3", ["-c", &script]);
    assert!(ok_name.join("evil.before").exists(), "the write before the chroot was refused: {}", out.details());
    let host_file = jail.join(inner.trim_start_matches('/'));
    assert!(!host_file.exists(), "a chrooted write escaped the whitelist: {}", out.details());
}

#[test]
fn report_names_a_deleted_program() {
    require_ptrace!();
    let mut case = Case::new();
    let ok = write_box(&mut case);
    // A copy of the interpreter that deletes itself, then makes a denied
    // write: the report names the program without " (deleted)".
    let program = format!("{ok}/selfdel");
    fs::copy("/usr/bin/python3", &program).unwrap();
    let denied = case.home_resolved().join("denied");
    let script = format!("import os\nos.unlink('{program}')\nopen('{}', 'w')", denied.display());
    let out = case.run_program(&program, ["-c", &script]);
    let report = out.stderr.lines().find(|line| line.contains("Access Violation!")).unwrap_or_default();
    assert!(report.contains(" selfdel["), "{}", out.details());
    assert!(!report.contains("(deleted)"), "{}", out.details());
}

#[test]
fn priority_report_names_target_pid() {
    require_ptrace!();
    // PRIO_PGRP with who 0 is the caller's process group, which sydbox
    // shares: refused, and reported with the pid argument, not `which`.
    let case = Case::new();
    let out = case.run_program("/usr/bin/python3", ["-c", "import os\nos.setpriority(os.PRIO_PGRP, 0, 5)"]);
    assert!(out.stderr.contains("setpriority(0)"), "{}", out.details());
    assert!(!out.stderr.contains("setpriority(1)"), "{}", out.details());
}

#[test]
fn sigusr1_and_sigusr2_dump_the_process_tree() {
    require_ptrace!();
    for (signal, needle) in [(libc::SIGUSR1, "Received SIGUSR1"), (libc::SIGUSR2, "sandbox: {exec:off read:off write:deny")] {
        let case = Case::new();
        let child = std::process::Command::new(common::sydbox_bin())
            .args(["-m", "core/sandbox/write:deny", "--", "/bin/sh", "-c", "sleep 1; echo finished"])
            .current_dir(case.dir())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        // SAFETY: kill(2) with the pid of our own child and a valid signal.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
        assert!(stderr.contains("Tracing 1 process(es)") || stderr.contains("Tracing 2 process(es)"), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "finished\n", "tracing stopped after the dump");
    }
}

#[test]
fn successful_bind_follows_dup_and_ends_on_close() {
    require_ptrace!();
    common::each_follow_option(successful_bind_follows_dup_and_ends_on_close_with);
}

fn successful_bind_follows_dup_and_ends_on_close_with(options: &[&str]) {
    // A port-0 bind, dup'd and the original closed, stays connectable.
    let mut case = Case::with_magic(options);
    case.magic("core/sandbox/network:deny").magic("whitelist/network/bind+LOOPBACK@0");
    case.run("netc", ["bind", "inet", "127.0.0.1", "0", "--dup", "--then-connect", "127.0.0.1", "bound"]).expect_success();
    // With successful_bind off, the same connect is refused.
    let mut case = Case::with_magic(options);
    case.magic("core/sandbox/network:deny").magic("whitelist/network/bind+LOOPBACK@0").magic("core/whitelist/successful_bind:false").must_violate();
    case.run("netc", ["bind", "inet", "127.0.0.1", "0", "--then-connect", "127.0.0.1", "bound"]).expect_errno(libc::ECONNREFUSED);
    // Once the bound socket is closed, its address is no longer allowed:
    // the test listens on the freed port, so only sydbox can refuse.
    let mut case = Case::with_magic(options);
    case.magic("core/sandbox/network:deny").magic("whitelist/network/bind+LOOPBACK@0").must_violate();
    let netc = helper("netc").display().to_string();
    let port_file = case.path("port");
    let go = case.path("go");
    let script = format!(
        "port=$({netc} bind inet 127.0.0.1 0 --getsockname) || exit 90; echo \"$port\" > {pf}.tmp && mv {pf}.tmp {pf}; \
         while [ ! -e {go} ]; do sleep 0.05; done; {netc} connect inet 127.0.0.1 \"$port\"",
        pf = port_file.display(),
        go = go.display()
    );
    std::thread::scope(|scope| {
        let run = scope.spawn(|| case.run_program("/bin/sh", ["-c", &script]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !port_file.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let port: u16 = fs::read_to_string(&port_file).unwrap().trim().parse().unwrap();
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        fs::write(&go, b"").unwrap();
        let out = run.join().unwrap();
        out.expect_errno(libc::ECONNREFUSED);
        assert!(listener.accept().is_err(), "a closed socket's address stayed connectable");
    });
}

#[test]
fn restrictions_fail_calls_with_einval_in_the_kernel() {
    require_seccomp!();
    let case = Case::new();
    let file = case.path("f");
    fs::write(&file, b"x").unwrap();
    let file = file.display().to_string();
    case.run("sysc", ["openat", "--flags", "O_WRONLY|O_SYNC", &file]).expect_success();
    let mut case = Case::new();
    case.magic("core/restrict/file_control:true");
    let file2 = case.path("f");
    fs::write(&file2, b"x").unwrap();
    let file2 = file2.display().to_string();
    case.run("sysc", ["openat", "--flags", "O_WRONLY|O_SYNC", &file2]).expect_errno(libc::EINVAL);
    case.run("sysc", ["openat", "--flags", "O_RDONLY", &file2]).expect_success();
    let fcntl = "import fcntl, os\nr, w = os.pipe()\nfcntl.fcntl(r, fcntl.F_GETFL)\ntry:\n    fcntl.fcntl(r, 1032)\nexcept OSError as e:\n    raise SystemExit(e.errno)\n";
    case.run_program("/usr/bin/python3", ["-c", fcntl]).expect_exit(libc::EINVAL);

    let mmap = "import mmap\ntry:\n    mmap.mmap(-1, 4096, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)\nexcept OSError as e:\n    raise SystemExit(e.errno)\nmmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)\n";
    let mut case = Case::new();
    case.magic("core/restrict/shared_memory_writable:true");
    case.run_program("/usr/bin/python3", ["-c", mmap]).expect_exit(libc::EINVAL);
    Case::new().run_program("/usr/bin/python3", ["-c", mmap]).expect_exit(0);
}

#[test]
fn interrupt_setting_decides_what_sigterm_to_sydbox_does() {
    require_ptrace!();
    for (setting, expect_survives, lock) in
        [("while_wait", false, "off"), ("never", true, "off"), ("while_wait", false, "on"), ("never", true, "on")]
    {
        let case = Case::new();
        let mut child = std::process::Command::new(common::sydbox_bin())
            .args(["-m", &format!("core/trace/interrupt:{setting}"), "-m", &format!("core/trace/magic_lock:{lock}")])
            // Caught, the signal must end every process at once, the
            // orphaned `sleep 30` in its own session too.
            .args(["--", "/bin/sh", "-c", if expect_survives { "sleep 1; exit 5" } else { "(setsid sleep 30 &); sleep 30; exit 5" }])
            .current_dir(case.dir())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let signalled = std::time::Instant::now();
        // SAFETY: kill(2) with the pid of our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        let status = child.wait().unwrap();
        if !expect_survives {
            assert!(signalled.elapsed() < std::time::Duration::from_secs(20), "{setting}, lock {lock}: processes outlived SIGTERM");
        }
        if expect_survives {
            assert_eq!(status.code(), Some(5), "{setting}: sydbox did not ignore SIGTERM");
        } else {
            assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{setting}: {status:?}");
        }
    }
}

#[test]
fn an_empty_magic_command_is_invalid() {
    require_ptrace!();
    let case = Case::new();
    case.run("magicstat", ["/dev/sydbox/"]).expect_errno(libc::EINVAL);
    case.run("magicstat", ["/dev/sydboxfoo"]).expect_errno(libc::ENOENT);
    case.run("magicstat", ["/dev/sydbox/0"]).expect_errno(libc::EINVAL);
}

#[test]
fn magic_lock_never_loosens_at_run_time() {
    require_ptrace!();
    let mut case = Case::new();
    case.magic("core/trace/magic_lock:exec");
    // Before its next exec the shell may still use magic, but not to undo
    // the pending lock; after the exec the child is locked.
    let script = "test -e /dev/sydbox/core/trace/magic_lock:off && exit 10; \
                  test -e /dev/sydbox || exit 11; \
                  exec /bin/sh -c 'test -e /dev/sydbox && exit 12; exit 0'";
    case.run_program("/bin/sh", ["-c", script]).expect_exit(0);
}

/// `kill` never fails with EINTR natively. A call that waits for sydbox
/// can: a signal that arrives before sydbox reads it ends the wait, and
/// dash's SIGCHLD handler lacks SA_RESTART. Without ptrace, stopping a
/// child sends its parent SIGCHLD at once. So this loop failed about one
/// `kill` in ten while kill went to sydbox. Signals to ordinary pids now
/// stay in the kernel.
#[test]
fn sandboxed_signals_never_fail_with_eintr() {
    require_ptrace!();
    let script = "sleep 30 & p=$!; i=0; while [ $i -lt 1000 ]; do kill -STOP $p; kill -CONT $p; i=$((i+1)); done; kill $p; echo done";
    common::each_follow_option(|options| {
        let case = Case::with_magic(options);
        let out = case.run_program("/bin/sh", ["-c", script]);
        out.expect_stdout("done\n").expect_success();
        assert!(!out.stderr.contains("Interrupted"), "{options:?}: {}", out.details());
    });
}
