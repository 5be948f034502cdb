//! Hostile inputs, path identity: symlinks, spellings, paths
//! longer than PATH_MAX, creation through links, magic links and inherited
//! descriptors. Every check is made on what the kernel would resolve, so
//! each test asserts that the secret was not read and nothing appeared
//! outside the granted tree.

#[macro_use]
mod common;

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::symlink;

use common::{helper, Fixture, Outcome};

fn hostile() -> String {
    helper("hostile").display().to_string()
}

/// Runs `hostile read PATH` under the baseline and checks the read was denied.
#[track_caller]
fn assert_read_denied(fx: &mut Fixture, path: &str) -> Outcome {
    let case = fx.base();
    case.must_violate();
    let out = case.run("hostile", ["read", path]);
    fx.assert_not_leaked(&out);
    out.expect_errno(libc::EPERM);
    out
}

#[test]
fn symlink_in_box_to_outside_is_judged_by_target() {
    require_ptrace!();
    let mut fx = Fixture::new();
    symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
    let path = fx.in_box("ln/flag");
    let out = assert_read_denied(&mut fx, &path);
    // The report names the resolved path, not the link.
    out.expect_stderr_contains(&format!("-> {}", fx.flag_path.display()));

    let mut fx2 = Fixture::new();
    symlink(&fx2.secret_dir, fx2.box_dir.join("ln")).unwrap();
    let new = fx2.in_box("ln/new");
    let case = fx2.base();
    case.must_violate();
    case.run("sysc", ["open", "--flags", "O_WRONLY|O_CREAT", &new]).expect_errno(libc::EPERM);
    assert!(!fx2.secret_dir.join("new").exists(), "a file was created through the link");
}

#[test]
fn relative_and_chained_symlinks_are_followed() {
    require_ptrace!();
    let mut fx = Fixture::new();
    symlink("../outside/secret", fx.box_dir.join("rel")).unwrap();
    { let path = fx.in_box("rel/flag"); assert_read_denied(&mut fx, &path) };

    let mut fx = Fixture::new();
    for i in 0..9 {
        symlink(format!("c{}", i + 1), fx.box_dir.join(format!("c{i}"))).unwrap();
    }
    symlink(&fx.secret_dir, fx.box_dir.join("c9")).unwrap();
    { let path = fx.in_box("c0/flag"); assert_read_denied(&mut fx, &path) };
}

#[test]
fn symlink_to_readonly_whitelisted_tree_denies_write() {
    require_ptrace!();
    let mut fx = Fixture::new();
    symlink("/usr/lib", fx.box_dir.join("usrlib")).unwrap();
    let name = format!("sydbox-hostile-{}", std::process::id());
    let target = std::path::Path::new("/usr/lib").join(&name);
    let through = fx.in_box(&format!("usrlib/{name}"));
    let case = fx.base();
    case.must_violate();
    let out = case.run("sysc", ["open", "--flags", "O_WRONLY|O_CREAT", &through]);
    let created = target.exists();
    let _ = fs::remove_file(&target);
    assert!(!created, "{} was created through a link in the box", target.display());
    out.expect_errno(libc::EPERM);
}

#[test]
fn symlink_made_inside_is_judged_by_target() {
    require_ptrace!();
    let mut fx = Fixture::new();
    let link = fx.in_box("made");
    let secret = fx.secret_dir.display().to_string();
    let script = format!("{h} read {link}/flag; exit $?", h = hostile());
    let case = fx.base();
    case.must_violate();
    // Creating the link checks only its own name, which is in the box.
    case.run("sysc", ["symlink", &secret, &link]).expect_exit(0);
    let out = case.run_program("/bin/sh", ["-c", &script]);
    fx.assert_not_leaked(&out);
    out.expect_errno(libc::EPERM);
}

#[test]
fn hard_link_of_secret_into_box_is_denied() {
    require_ptrace!();
    let mut fx = Fixture::new();
    let secret = fx.flag_path.display().to_string();
    let link = fx.in_box("hl");
    let case = fx.base();
    case.must_violate();
    case.run("sysc", ["link", &secret, &link]).expect_errno(libc::EPERM);
    assert!(!fx.box_dir.join("hl").exists(), "the secret was linked into the box");
}

/// Runs one `sysc` call in deny-list mode with the secret's tree
/// blacklisted by `rule`, and returns the outcome.
fn blacklisted_read(rule: &str, args: &[&str]) -> (Fixture, Outcome) {
    let mut fx = Fixture::new();
    let rule = rule.replace("{outside}", &fx.outside.display().to_string());
    fx.case.magic("core/sandbox/read:allow").magic(format!("blacklist/read+{rule}"));
    let args: Vec<String> = args.iter().map(|a| a.replace("{outside}", &fx.outside.display().to_string())).collect();
    let out = fx.case.run("sysc", &args);
    (fx, out)
}

#[test]
fn path_spellings_reach_the_same_decision() {
    require_ptrace!();
    let spellings: &[&[&str]] = &[
        &["openat", "/{outside}/secret/flag"],
        &["openat", "{outside}//secret/./flag"],
        &["openat", "{outside}/secret/../secret/flag"],
        &["openat", "{outside}/secret/sub/../flag"],
        &["openat", "{outside}/secret/flag/."],
        &["openat", "--chdir", "{outside}", "secret/flag"],
        &["openat", "--chdir", "{outside}/secret/sub", "../flag"],
        &["openat", "--dirfd", "{outside}", "secret/flag"],
        &["openat", "--dirfd", "{outside}", "./secret/sub/../flag"],
        &["openat2", "--dirfd", "{outside}", "--resolve", "RESOLVE_IN_ROOT", "/secret/flag"],
        &["openat2", "--dirfd", "{outside}", "--resolve", "RESOLVE_IN_ROOT", "/../../secret/flag"],
        &["open", "{outside}/./secret//flag"],
    ];
    for args in spellings {
        let (_fx, out) = blacklisted_read("{outside}/secret/***", args);
        // `flag/.` fails with ENOTDIR natively; every other spelling with EPERM.
        let expected = if args[1].ends_with("flag/.") { libc::ENOTDIR } else { libc::EPERM };
        out.expect_errno(expected);
    }
}

#[test]
fn rule_spellings_reach_the_same_decision() {
    require_ptrace!();
    // (rule as written, its canonical spelling)
    let rules = [
        ("/{outside}//secret/", "{outside}/secret"),
        ("{outside}/secret/./***", "{outside}/secret/***"),
        ("{outside}/./secret//***", "{outside}/secret/***"),
        ("{outside}/secret/sub/../***", "{outside}/secret/***"),
        ("{outside}/secret/sub/..", "{outside}/secret"),
    ];
    for (written, canonical) in rules {
        for target in [["openat", "{outside}/secret/flag"], ["openat", "{outside}/secret"]] {
            let (_fx, expected) = blacklisted_read(canonical, &target);
            let (_fx, got) = blacklisted_read(written, &target);
            assert_eq!(
                got.code(),
                expected.code(),
                "rule {written:?} decided {target:?} unlike {canonical:?}\n{}",
                got.details()
            );
        }
    }
}

/// Builds `outside/deep` with 21 levels of 200-byte names, deeper than PATH_MAX.
fn deep_tree(fx: &Fixture) -> String {
    let deep = fx.in_outside("deep");
    fs::create_dir_all(&deep).unwrap();
    fx.case.run_native("hostile", ["deep", &deep, "21", "mkdir"]).expect_exit(0);
    deep
}

/// Reports whether `planted` exists at the bottom of the deep tree.
fn planted_exists(fx: &Fixture, deep: &str) -> bool {
    let level = "d".repeat(200);
    let mut args: Vec<String> = vec!["access".into(), "--chdir".into(), deep.into()];
    for _ in 0..21 {
        args.push("--chdir".into());
        args.push(level.clone());
    }
    args.push("planted".into());
    let out = fx.case.run_native("sysc", &args);
    match out.code() {
        Some(0) => true,
        Some(libc::ENOENT) => false,
        _ => panic!("checking for planted failed\n{}", out.details()),
    }
}

#[test]
fn paths_longer_than_path_max_fail_closed() {
    require_ptrace!();
    for extra in [None, Some("core/trace/use_toolong_hack:true"), Some("core/violation/raise_fail:true")] {
        let mut fx = Fixture::new();
        let deep = deep_tree(&fx);
        let case = fx.base();
        if let Some(magic) = extra {
            case.magic(magic);
        }
        let out = case.run("hostile", ["deep", &deep, "21"]);
        assert_ne!(common::hostile_result(&out, "create"), Some("ok"), "{}", out.details());
        assert_ne!(common::hostile_result(&out, "read-parent"), Some("ok"), "{}", out.details());
        assert!(!planted_exists(&fx, &deep), "planted was created ({extra:?})\n{}", out.details());
        if extra == Some("core/violation/raise_fail:true") {
            out.expect_stderr_contains("ENAMETOOLONG");
        }
    }
}

#[test]
fn deep_paths_inside_the_box_also_fail_closed() {
    require_ptrace!();
    // The policy would allow this tree, but the path cannot be resolved,
    // so the call is denied rather than decided on a guess.
    let mut fx = Fixture::new();
    let deep = fx.in_box("deep");
    fs::create_dir_all(&deep).unwrap();
    fx.case.run_native("hostile", ["deep", &deep, "21", "mkdir"]).expect_exit(0);
    let out = fx.base().run("hostile", ["deep", &deep, "21"]);
    assert_ne!(common::hostile_result(&out, "create"), Some("ok"), "{}", out.details());
}

#[test]
fn creation_through_dangling_and_directory_links_is_denied() {
    require_ptrace!();
    let mut fx = Fixture::new();
    symlink(fx.outside.join("created"), fx.box_dir.join("dangle")).unwrap();
    symlink(&fx.outside, fx.box_dir.join("outdir")).unwrap();
    fs::write(fx.box_dir.join("f"), "y").unwrap();
    let before = fx.outside_listing();
    let b = |p: &str| fx.in_box(p);
    let calls: Vec<Vec<String>> = vec![
        vec!["open".into(), "--flags".into(), "O_WRONLY|O_CREAT".into(), b("dangle")],
        vec!["creat".into(), b("outdir/t")],
        vec!["mkdir".into(), b("outdir/d")],
        vec!["mknod".into(), b("outdir/fifo")],
        vec!["rename".into(), b("f"), b("outdir/f")],
        vec!["link".into(), b("flag"), b("outdir/hl")],
        vec!["symlink".into(), "x".into(), b("outdir/sl")],
        vec!["openat".into(), "--flags".into(), "O_TMPFILE|O_RDWR".into(), b("outdir")],
    ];
    let box_dir = fx.box_dir.display().to_string();
    let case = fx.base();
    case.magic(format!("whitelist/network/bind+unix:{box_dir}/***"));
    case.must_violate();
    for args in &calls {
        case.run("sysc", args).expect_errno(libc::EPERM);
    }
    case.run("netc", ["bind", "unix", &format!("{box_dir}/outdir/s.sock")]).expect_errno(libc::EADDRNOTAVAIL);
    assert_eq!(fx.outside_listing(), before, "something was created outside");
    assert!(fx.box_dir.join("f").exists(), "the rename went through");
}

#[test]
fn proc_magic_links_are_judged_by_target() {
    require_ptrace!();
    // The last one is the root of the test process, a host process
    // outside the sandbox.
    let prefixes = ["/proc/self/root".to_string(), "/proc/thread-self/root".to_string(), format!("/proc/{}/root", std::process::id())];
    for prefix in prefixes {
        let mut fx = Fixture::new();
        let path = format!("{prefix}{}", fx.flag_path.display());
        assert_read_denied(&mut fx, &path);
    }
}

#[test]
fn proc_cwd_and_relative_reads_are_judged_by_target() {
    require_ptrace!();
    let mut fx = Fixture::new();
    let secret = fx.secret_dir.display().to_string();
    let case = fx.base();
    case.must_violate();
    for path in ["/proc/self/cwd/flag", "flag", "sub/../flag"] {
        let out = case.run("sysc", ["openat", "--chdir", &secret, path]);
        out.expect_errno(libc::EPERM);
    }
    let script = format!("cd {secret} && {h} read flag", h = hostile());
    let out = case.run_program("/bin/sh", ["-c", &script]);
    fx.assert_not_leaked(&out);
    out.expect_errno(libc::EPERM);
}

/// Runs sydbox with `dir` open as fd 9 in the command, as an inherited
/// descriptor, and returns the outcome.
fn with_inherited_fd(fx: &Fixture, dir: &str, command: &[&str]) -> Outcome {
    let mut args: Vec<OsString> = vec!["-c".into(), "exec 9<\"$0\" && exec \"$@\"".into(), dir.into()];
    args.extend(fx.case.sydbox_command_line());
    args.push("--".into());
    args.push(helper("hostile").into());
    args.extend(command.iter().map(OsString::from));
    fx.case.run_program_native("/bin/sh", &args)
}

#[test]
fn inherited_directory_fd_is_judged_by_target() {
    require_ptrace!();
    let mut fx = Fixture::new();
    let secret = fx.secret_dir.display().to_string();
    fx.base().magic("core/violation/exit_code:0");
    for command in [
        &["readat", "9", "flag"][..],
        &["readat", "9", "sub/../flag"],
        &["fchdir-read", "9", "flag"],
        &["read", "/proc/self/fd/9/flag"],
        &["read", "/dev/fd/9/flag"],
        &["inroot", "9", "/flag"],
    ] {
        let out = with_inherited_fd(&fx, &secret, command);
        fx.assert_not_leaked(&out);
        out.expect_exit(128 + libc::EPERM);
    }
}

#[test]
fn dirfd_of_a_box_link_is_judged_by_target() {
    require_ptrace!();
    // fd 9 is opened on the host through a link in the box, so it names
    // the secret directory.
    let mut fx = Fixture::new();
    symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
    let ln = fx.in_box("ln");
    fx.base().magic("core/violation/exit_code:0");
    let out = with_inherited_fd(&fx, &ln, &["readat", "9", "flag"]);
    fx.assert_not_leaked(&out);
    out.expect_exit(128 + libc::EPERM);
}

#[test]
fn allowed_reads_through_links_still_work() {
    require_ptrace!();
    // The other side of every denial above: a link that stays in the box
    // must not be denied.
    let mut fx = Fixture::new();
    fs::create_dir(fx.box_dir.join("real")).unwrap();
    fs::write(fx.box_dir.join("real/ok"), "OK\n").unwrap();
    symlink("real", fx.box_dir.join("inner")).unwrap();
    let path = fx.in_box("inner/../inner/ok");
    let out = fx.base().run("hostile", ["read", &path]);
    out.expect_exit(0).expect_stdout("OK\n");
}

#[test]
fn isolate_closes_inherited_descriptors() {
    // Under --isolate, descriptors above 2 that were not passed
    // explicitly are closed, so fd 9 of the secret is gone.
    let mut fx = Fixture::new();
    let secret = fx.secret_dir.display().to_string();
    fx.base().arg("--isolate").magic("core/violation/exit_code:0");
    let out = with_inherited_fd(&fx, &secret, &["readat", "9", "flag"]);
    fx.assert_not_leaked(&out);
    assert!(matches!(out.code(), Some(9) | Some(137)), "expected EBADF\n{}", out.details());
}

#[test]
fn isolate_hides_outside_tree() {
    let mut fx = Fixture::new();
    symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
    let path = fx.in_box("ln/flag");
    let case = fx.base();
    case.arg("--isolate");
    let out = case.run("hostile", ["read", &path]);
    fx.assert_not_leaked(&out);
    assert!(matches!(out.code(), Some(libc::ENOENT) | Some(libc::EPERM)), "{}", out.details());
}
