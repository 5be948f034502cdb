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

use common::{helper, Fixture, Mode, Outcome};

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
    fx.expect_denied(&out, libc::EPERM);
    out
}

in_both_modes! {
    fn symlink_in_box_to_outside_is_judged_by_target(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
        let path = fx.in_box("ln/flag");
        assert_read_denied(&mut fx, &path);

        let mut fx2 = Fixture::new(mode);
        symlink(&fx2.secret_dir, fx2.box_dir.join("ln")).unwrap();
        let new = fx2.in_box("ln/new");
        let case = fx2.base();
        case.must_violate();
        let out = case.run("sysc", ["open", "--flags", "O_WRONLY|O_CREAT", &new]);
        fx2.expect_denied(&out, libc::EPERM);
        assert!(!fx2.secret_dir.join("new").exists(), "a file was created through the link");
    }
}

in_both_modes! {
    fn symlink_report_names_the_target(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
        let path = fx.in_box("ln/flag");
        let out = assert_read_denied(&mut fx, &path);
        // The report names the resolved path, not only the link.
        out.expect_stderr_contains(&format!("-> {}", fx.flag_path.display()));
    }
}

in_both_modes! {
    fn creation_through_link_is_reported(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
        let new = fx.in_box("ln/new");
        let case = fx.base();
        case.must_violate();
        let out = case.run("sysc", ["open", "--flags", "O_WRONLY|O_CREAT", &new]);
        fx.expect_denied(&out, libc::EPERM);
        out.expect_stderr_contains("Access Violation");
        out.expect_stderr_contains(&fx.secret_dir.join("new").display().to_string());
        assert!(!fx.secret_dir.join("new").exists(), "a file was created through the link");
    }
}

in_both_modes! {
    fn relative_and_chained_symlinks_are_followed(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        symlink("../outside/secret", fx.box_dir.join("rel")).unwrap();
        let path = fx.in_box("rel/flag");
        assert_read_denied(&mut fx, &path);

        let mut fx = Fixture::new(mode);
        for i in 0..9 {
            symlink(format!("c{}", i + 1), fx.box_dir.join(format!("c{i}"))).unwrap();
        }
        symlink(&fx.secret_dir, fx.box_dir.join("c9")).unwrap();
        let path = fx.in_box("c0/flag");
        assert_read_denied(&mut fx, &path);
    }
}

in_both_modes! {
    fn symlink_to_readonly_whitelisted_tree_denies_write(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        symlink("/usr/lib", fx.box_dir.join("usrlib")).unwrap();
        let name = format!("sydbox-hostile-{}-{mode:?}", std::process::id());
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
}

in_both_modes! {
    fn symlink_made_inside_is_judged_by_target(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let link = fx.in_box("made");
        let secret = fx.secret_dir.display().to_string();
        let script = format!("{h} read {link}/flag; exit $?", h = hostile());
        let case = fx.base();
        case.must_violate();
        // Creating the link checks only its own name, which is in the box.
        case.run("sysc", ["symlink", &secret, &link]).expect_exit(0);
        let out = case.run_program("/bin/sh", ["-c", &script]);
        fx.assert_not_leaked(&out);
        fx.expect_denied(&out, libc::EPERM);
    }
}

in_both_modes! {
    fn hard_link_of_secret_into_box_is_denied(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let secret = fx.flag_path.display().to_string();
        let link = fx.in_box("hl");
        let case = fx.base();
        case.must_violate();
        let out = case.run("sysc", ["link", &secret, &link]);
        fx.expect_denied(&out, libc::EPERM);
        assert!(!fx.box_dir.join("hl").exists(), "the secret was linked into the box");
    }
}

/// Runs one `sysc` call in deny-list mode with the secret's tree
/// blacklisted by `rule`, and returns the outcome. `outside` is
/// whitelisted for reading before the blacklist, so `--isolate` binds it
/// into the view and the blacklist alone decides in both modes.
fn blacklisted_read(mode: Mode, rule: &str, args: &[&str]) -> (Fixture, Outcome) {
    let mut fx = Fixture::new(mode);
    let outside = fx.outside.display().to_string();
    let rule = rule.replace("{outside}", &outside);
    fx.base()
        .magic("core/sandbox/read:allow")
        .magic(format!("whitelist/read+{outside}/***"))
        .magic(format!("blacklist/read+{rule}"));
    let args: Vec<String> = args.iter().map(|a| a.replace("{outside}", &outside)).collect();
    let out = fx.case.run("sysc", &args);
    (fx, out)
}

in_both_modes! {
    fn path_spellings_reach_the_same_decision(mode) {
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
            let (fx, out) = blacklisted_read(mode, "{outside}/secret/***", args);
            // `flag/.` fails with ENOTDIR natively; every other spelling with
            // EPERM. Under --isolate the view masks `secret` with an empty
            // tmpfs, so every spelling may fail with ENOENT instead.
            let expected = if args[1].ends_with("flag/.") { libc::ENOTDIR } else { libc::EPERM };
            fx.assert_not_leaked(&out);
            // sysc cannot even change into the masked `secret/sub`.
            let chdir_failed = out.code() == Some(255) && out.stderr.contains("cannot chdir");
            if mode == Mode::Isolate && chdir_failed {
                continue;
            }
            fx.expect_denied(&out, expected);
        }
    }
}

in_both_modes! {
    fn rule_spellings_reach_the_same_decision(mode) {
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
                let (_fx, expected) = blacklisted_read(mode, canonical, &target);
                let (_fx, got) = blacklisted_read(mode, written, &target);
                assert_eq!(
                    got.code(),
                    expected.code(),
                    "rule {written:?} decided {target:?} unlike {canonical:?}\n{}",
                    got.details()
                );
            }
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

in_both_modes! {
    fn paths_longer_than_path_max_fail_closed(mode) {
        require_ptrace!();
        for extra in [None, Some("core/trace/use_toolong_hack:true"), Some("core/violation/raise_fail:true")] {
            let mut fx = Fixture::new(mode);
            let deep = deep_tree(&fx);
            let case = fx.base();
            // Readable but not writable: --isolate binds the tree into the
            // view read-only, so the helper reaches its bottom in both modes.
            case.magic(format!("whitelist/read+{deep}/***"));
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
}

in_both_modes! {
    fn deep_paths_inside_the_box_also_fail_closed(mode) {
        require_ptrace!();
        // The policy would allow this tree, but the path cannot be resolved,
        // so the call is denied rather than decided on a guess.
        let mut fx = Fixture::new(mode);
        let deep = fx.in_box("deep");
        fs::create_dir_all(&deep).unwrap();
        fx.case.run_native("hostile", ["deep", &deep, "21", "mkdir"]).expect_exit(0);
        let out = fx.base().run("hostile", ["deep", &deep, "21"]);
        assert!(common::hostile_result(&out, "create").is_some(), "the helper did not reach the bottom\n{}", out.details());
        assert_ne!(common::hostile_result(&out, "create"), Some("ok"), "{}", out.details());
    }
}

in_both_modes! {
    fn creation_through_dangling_and_directory_links_is_denied(mode) {
        require_ptrace!();
        // Under --isolate, `outside` is missing from the view, so the links
        // dangle there and the calls may fail with ENOENT instead.
        let mut fx = Fixture::new(mode);
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
        fx.base();
        fx.case.magic(format!("whitelist/network/bind+unix:{box_dir}/***"));
        fx.case.must_violate();
        for args in &calls {
            let out = fx.case.run("sysc", args);
            fx.expect_denied(&out, libc::EPERM);
        }
        let out = fx.case.run("netc", ["bind", "unix", &format!("{box_dir}/outdir/s.sock")]);
        match mode {
            Mode::Plain => {
                out.expect_errno(libc::EADDRNOTAVAIL);
            }
            // The socket's directory is missing from the view, so the bind
            // fails with ENOENT. NOTE: sydbox reports no violation for it,
            // unlike the path calls above.
            Mode::Isolate => {
                out.expect_exit(libc::ENOENT);
            }
        }
        assert_eq!(fx.outside_listing(), before, "something was created outside");
        assert!(fx.box_dir.join("f").exists(), "the rename went through");
    }
}

in_both_modes! {
    fn proc_magic_links_are_judged_by_target(mode) {
        require_ptrace!();
        // The last one is the root of the test process, a host process
        // outside the sandbox. Under --isolate it is outside the pid
        // namespace, so its /proc entry is missing.
        let prefixes = ["/proc/self/root".to_string(), "/proc/thread-self/root".to_string(), format!("/proc/{}/root", std::process::id())];
        for prefix in prefixes {
            let mut fx = Fixture::new(mode);
            let path = format!("{prefix}{}", fx.flag_path.display());
            assert_read_denied(&mut fx, &path);
        }
    }
}

in_both_modes! {
    fn proc_cwd_and_relative_reads_are_judged_by_target(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let secret = fx.secret_dir.display().to_string();
        let script = format!("cd {secret} && {h} read flag", h = hostile());
        fx.base().must_violate();
        for path in ["/proc/self/cwd/flag", "flag", "sub/../flag"] {
            let out = fx.case.run("sysc", ["openat", "--chdir", &secret, path]);
            fx.assert_not_leaked(&out);
            match mode {
                Mode::Plain => {
                    out.expect_errno(libc::EPERM);
                }
                // `secret` is missing from the view, so sysc cannot even
                // change into it, and exits with 255 before the open.
                Mode::Isolate => {
                    out.expect_exit(255).expect_stderr_contains("cannot chdir");
                }
            }
        }
        let out = fx.case.run_program("/bin/sh", ["-c", &script]);
        fx.assert_not_leaked(&out);
        match mode {
            Mode::Plain => {
                out.expect_errno(libc::EPERM);
            }
            Mode::Isolate => {
                assert_ne!(out.code(), Some(0), "cd into the hidden secret succeeded\n{}", out.details());
                assert!(!out.stdout.contains("DECOY"), "{}", out.details());
            }
        }
    }
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

/// Checks the end of a run that used the inherited fd 9: denied with EPERM
/// in plain mode. Under --isolate, descriptors above 2 that were not passed
/// explicitly are closed, so fd 9 is gone (EBADF, or SIGKILL reported as 137).
#[track_caller]
fn assert_inherited_fd_denied(fx: &Fixture, out: &Outcome) {
    fx.assert_not_leaked(out);
    match fx.mode {
        Mode::Plain => {
            out.expect_exit(128 + libc::EPERM);
        }
        // A path through /proc/self/fd/9 is then missing, so ENOENT too.
        Mode::Isolate => {
            let code = out.code();
            assert!(
                matches!(code, Some(libc::EBADF) | Some(137)) || code == Some(128 + libc::ENOENT),
                "expected EBADF or ENOENT\n{}",
                out.details()
            );
        }
    }
}

in_both_modes! {
    fn inherited_directory_fd_is_judged_by_target(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
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
            assert_inherited_fd_denied(&fx, &out);
        }
    }
}

in_both_modes! {
    fn dirfd_of_a_box_link_is_judged_by_target(mode) {
        require_ptrace!();
        // fd 9 is opened on the host through a link in the box, so it names
        // the secret directory.
        let mut fx = Fixture::new(mode);
        symlink(&fx.secret_dir, fx.box_dir.join("ln")).unwrap();
        let ln = fx.in_box("ln");
        fx.base().magic("core/violation/exit_code:0");
        let out = with_inherited_fd(&fx, &ln, &["readat", "9", "flag"]);
        assert_inherited_fd_denied(&fx, &out);
    }
}

in_both_modes! {
    fn allowed_reads_through_links_still_work(mode) {
        require_ptrace!();
        // The other side of every denial above: a link that stays in the box
        // must not be denied.
        let mut fx = Fixture::new(mode);
        fs::create_dir(fx.box_dir.join("real")).unwrap();
        fs::write(fx.box_dir.join("real/ok"), "OK\n").unwrap();
        symlink("real", fx.box_dir.join("inner")).unwrap();
        let path = fx.in_box("inner/../inner/ok");
        let out = fx.base().run("hostile", ["read", &path]);
        out.expect_exit(0).expect_stdout("OK\n");
    }
}
