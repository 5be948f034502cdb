//! sydbox-1 test catalogue, group D: write sandboxing, one table of cases
//! per system call, each run in write deny mode, in allow mode with a
//! blacklist, and in deny mode with a whitelist. Every case also checks that
//! a denied call left the case directory exactly as it was.

#[macro_use]
mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use common::{each_trace_option, snapshot_difference, tree_snapshot, Case};

/// Expected result of one call in one mode.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// The call succeeds and changes the case directory.
    Changed,
    /// The call succeeds and changes nothing (a read-only open).
    Unchanged,
    /// The call fails with this errno and a violation is reported; nothing
    /// changes.
    Violation(i32),
    /// The call fails with this errno and nothing is reported; nothing
    /// changes.
    Silent(i32),
}

use Want::{Changed, Silent, Unchanged, Violation};

/// The three write policies of the original suite.
#[derive(Clone, Copy, Debug)]
enum Policy {
    /// `core/sandbox/write:deny`.
    Deny,
    /// `core/sandbox/write:allow` with `blacklist/write+CASE/***`.
    AllowBlacklist,
    /// `core/sandbox/write:deny` with `whitelist/write+CASE/***`.
    DenyWhitelist,
}

/// One call with its expected result per policy. `call` is `LEGACY|AT...`:
/// the legacy call runs with absolute paths, and each `*at` call (optionally
/// written `name:FLAGS` to add `--flags FLAGS`) runs three times: with the bad
/// dirfd and absolute paths, with AT_FDCWD and relative paths, and with the
/// case directory as dirfd and relative paths. Operands in braces name the
/// fixture entries of `make_fixture`.
struct Row {
    call: &'static str,
    args: &'static [&'static str],
    deny: Want,
    blacklist: Want,
    whitelist: Want,
}

const EPERM: i32 = libc::EPERM;
const ENOENT: i32 = libc::ENOENT;
const EEXIST: i32 = libc::EEXIST;

/// Creates the fixture: `file` (contents "data"), `symlink` -> `file`,
/// `dangling` -> `missing`, an empty directory `dir` and a directory `full`
/// that contains `x`. `nofile` and `new` do not exist.
fn make_fixture(case: &Case) {
    fs::write(case.path("file"), b"data").unwrap();
    fs::set_permissions(case.path("file"), fs::Permissions::from_mode(0o644)).unwrap();
    symlink("file", case.path("symlink")).unwrap();
    symlink("missing", case.path("dangling")).unwrap();
    fs::create_dir(case.path("dir")).unwrap();
    fs::create_dir(case.path("full")).unwrap();
    fs::write(case.path("full/x"), b"x").unwrap();
}

/// Replaces a leading `{name}` by the fixture path (absolute or relative),
/// and `{uid}` and `{gid}` by the effective ids.
fn expand(case: &Case, arg: &str, absolute: bool) -> String {
    if arg == "{uid}" {
        return nix::unistd::geteuid().to_string();
    }
    if arg == "{gid}" {
        return nix::unistd::getegid().to_string();
    }
    let Some((name, suffix)) = arg.strip_prefix('{').and_then(|rest| rest.split_once('}')) else {
        return arg.to_string();
    };
    let name = format!("{name}{suffix}");
    if absolute {
        case.resolved(&name)
    } else {
        name
    }
}

/// Returns the command lines (sysc arguments) of every form of `row`.
fn forms(case: &Case, row: &Row) -> Vec<Vec<String>> {
    let mut calls = row.call.split('|');
    let mut result = Vec::new();
    let legacy = calls.next().unwrap();
    if !legacy.is_empty() {
        let mut args = vec![legacy.to_string()];
        args.extend(row.args.iter().map(|a| expand(case, a, true)));
        result.push(args);
    }
    for at_call in calls {
        let (name, flags) = match at_call.split_once(':') {
            Some((name, flags)) => (name, Some(flags)),
            None => (at_call, None),
        };
        let dir = case.resolved("");
        for (dirfd, absolute) in [("bad", true), ("cwd", false), (dir.as_str(), false)] {
            let mut args = vec![name.to_string(), "--dirfd".to_string(), dirfd.to_string()];
            if let Some(flags) = flags {
                args.push("--flags".to_string());
                args.push(flags.to_string());
            }
            args.extend(row.args.iter().map(|a| expand(case, a, absolute)));
            result.push(args);
        }
    }
    result
}

/// Adds the magic commands of `policy` for the case directory.
fn apply_policy(case: &mut Case, policy: Policy) {
    let tree = format!("{}/***", case.resolved(""));
    match policy {
        Policy::Deny => case.magic("core/sandbox/write:deny"),
        Policy::AllowBlacklist => case
            .magic("core/sandbox/write:allow")
            .magic(format!("blacklist/write+{tree}")),
        Policy::DenyWhitelist => case
            .magic("core/sandbox/write:deny")
            .magic(format!("whitelist/write+{tree}")),
    };
}

/// Runs every form of every row under every policy and both trace
/// settings, with `raise_fail:1`, the given `raise_safe` and `exit_code:0`.
fn check_rows(rows: &[Row], raise_safe: bool) {
    each_trace_option(|options| {
        for row in rows {
            for (policy, want) in [
                (Policy::Deny, row.deny),
                (Policy::AllowBlacklist, row.blacklist),
                (Policy::DenyWhitelist, row.whitelist),
            ] {
                let form_count = forms(&Case::new(), row).len();
                for form in 0..form_count {
                    let mut case = Case::with_magic(options);
                    make_fixture(&case);
                    case.magic("core/violation/raise_fail:1")
                        .magic(format!("core/violation/raise_safe:{}", u8::from(raise_safe)))
                        .magic("core/violation/exit_code:0");
                    apply_policy(&mut case, policy);
                    let args = forms(&case, row).swap_remove(form);
                    check_one(&case, &args, policy, want);
                }
            }
        }
    });
}

#[track_caller]
fn check_one(case: &Case, args: &[String], policy: Policy, want: Want) {
    let before = tree_snapshot(case.dir());
    let out = case.run("sysc", args);
    let after = tree_snapshot(case.dir());
    let context = format!("{policy:?} {args:?}: expected {want:?}");
    let reported = out.stderr.contains("Access Violation");
    let (code, violation, changed) = match want {
        Changed => (0, false, true),
        Unchanged => (0, false, false),
        Violation(errno) => (128 + errno, true, false),
        Silent(errno) => (errno, false, false),
    };
    assert_eq!(out.code(), Some(code), "{context}, exit code differs\n{}", out.details());
    assert_eq!(reported, violation, "{context}, report on stderr differs\n{}", out.details());
    if violation {
        assert!(
            out.stderr.contains(&format!("{}(", args[0])),
            "{context}, the report does not name the call\n{}",
            out.details()
        );
    }
    if changed {
        assert!(before != after, "{context}, but nothing changed\n{}", out.details());
    } else {
        assert!(
            before == after,
            "{context}, but the case directory changed:\n{}\n{}",
            snapshot_difference(&before, &after),
            out.details()
        );
    }
}

#[test]
fn chmod_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "chmod|fchmodat", args: &["--mode", "600", "{file}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "chmod|fchmodat", args: &["--mode", "600", "{symlink}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "chmod|fchmodat", args: &["--mode", "600", "{nofile}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "chmod|fchmodat", args: &["--mode", "600", "{dangling}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
        ],
        false,
    );
}

#[test]
fn chown_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "chown|fchownat", args: &["{file}", "{uid}", "{gid}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "chown|fchownat", args: &["{symlink}", "{uid}", "{gid}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "chown|fchownat", args: &["{nofile}", "{uid}", "{gid}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "chown|fchownat", args: &["{dangling}", "{uid}", "{gid}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            // lchown acts on the link itself, so a dangling link is fine.
            Row { call: "lchown|fchownat:AT_SYMLINK_NOFOLLOW", args: &["{symlink}", "{uid}", "{gid}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "lchown|fchownat:AT_SYMLINK_NOFOLLOW", args: &["{dangling}", "{uid}", "{gid}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "lchown|fchownat:AT_SYMLINK_NOFOLLOW", args: &["{nofile}", "{uid}", "{gid}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
        ],
        false,
    );
}

#[test]
fn open_matrix() {
    require_ptrace!();
    let w = |flags: &'static [&'static str]| flags;
    check_rows(
        &[
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY", "{file}"]), deny: Unchanged, blacklist: Unchanged, whitelist: Unchanged },
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY", "{symlink}"]), deny: Unchanged, blacklist: Unchanged, whitelist: Unchanged },
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY|O_CREAT", "{new}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY|O_CREAT", "{dangling}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY|O_CREAT|O_EXCL", "{new}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY|O_CREAT|O_EXCL", "{file}"]), deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY|O_CREAT|O_EXCL", "{symlink}"]), deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY", "--data", "x", "{file}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY", "--data", "x", "{nofile}"]), deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY", "--data", "x", "{symlink}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY|O_CREAT", "--data", "x", "{new}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY|O_CREAT", "--data", "x", "{file}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY|O_CREAT", "--data", "x", "{symlink}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            // The dangling link's target would be created: nothing may appear.
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY|O_CREAT", "--data", "x", "{dangling}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY|O_CREAT|O_EXCL", "--data", "x", "{new}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_WRONLY|O_CREAT|O_EXCL", "{file}"]), deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "open|openat", args: w(&["--flags", "O_RDWR", "--data", "x", "{file}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_RDWR|O_CREAT", "{new}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "open|openat", args: w(&["--flags", "O_RDWR|O_CREAT|O_EXCL", "{file}"]), deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            // Decided deviation: O_TRUNC is a write even on a read-only open
            // (sydbox-1 let it through).
            Row { call: "open|openat", args: w(&["--flags", "O_RDONLY|O_TRUNC", "{file}"]), deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
        ],
        false,
    );
}

#[test]
fn creat_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "creat", args: &["{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "creat", args: &["{dangling}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "creat", args: &["{file}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
        ],
        false,
    );
}

#[test]
fn mkdir_and_mknod_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "mkdir|mkdirat", args: &["{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "mkdir|mkdirat", args: &["{dir}"], deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "mkdir|mkdirat", args: &["{file}"], deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "mkdir|mkdirat", args: &["{nofile}/sub"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "mknod|mknodat", args: &["{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "mknod|mknodat", args: &["{file}"], deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
        ],
        false,
    );
}

#[test]
fn rmdir_and_unlink_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{dir}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{file}"], deny: Silent(libc::ENOTDIR), blacklist: Silent(libc::ENOTDIR), whitelist: Silent(libc::ENOTDIR) },
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{dangling}"], deny: Silent(libc::ENOTDIR), blacklist: Silent(libc::ENOTDIR), whitelist: Silent(libc::ENOTDIR) },
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{full}"], deny: Silent(libc::ENOTEMPTY), blacklist: Silent(libc::ENOTEMPTY), whitelist: Silent(libc::ENOTEMPTY) },
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{nofile}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "unlink|unlinkat", args: &["{file}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "unlink|unlinkat", args: &["{symlink}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "unlink|unlinkat", args: &["{dangling}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "unlink|unlinkat", args: &["{dir}"], deny: Silent(libc::EISDIR), blacklist: Silent(libc::EISDIR), whitelist: Silent(libc::EISDIR) },
            Row { call: "unlink|unlinkat", args: &["{nofile}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
        ],
        false,
    );
}

#[test]
fn link_rename_symlink_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "link|linkat", args: &["{file}", "{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            // The old path is checked first, so an existing new path is
            // reached only when the old one is allowed.
            Row { call: "link|linkat", args: &["{file}", "{symlink}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Silent(EEXIST) },
            Row { call: "link|linkat", args: &["{nofile}", "{new}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "rename|renameat", args: &["{file}", "{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "rename|renameat", args: &["{symlink}", "{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "rename|renameat", args: &["{file}", "{dir}/new"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "rename|renameat", args: &["{nofile}", "{new}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "symlink|symlinkat", args: &["target", "{new}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "symlink|symlinkat", args: &["target", "{file}"], deny: Silent(EEXIST), blacklist: Silent(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "symlink|symlinkat", args: &["target", "{nofile}/sub"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
        ],
        false,
    );
}

#[test]
fn truncate_and_utime_matrix() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "truncate", args: &["{file}", "1"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "truncate", args: &["{symlink}", "1"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "truncate", args: &["{nofile}", "1"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "utime", args: &["--time", "0", "{file}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "utimes|futimesat|utimensat", args: &["--time", "0", "{file}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "utimes|futimesat|utimensat", args: &["--time", "0", "{symlink}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
            Row { call: "utimes|futimesat|utimensat", args: &["--time", "0", "{nofile}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
            Row { call: "|utimensat:AT_SYMLINK_NOFOLLOW", args: &["--time", "0", "{symlink}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Changed },
        ],
        false,
    );
}

#[test]
fn xattr_matrix() {
    require_ptrace!();
    // The setxattr family changes the change time (ctime), which the
    // snapshot records. The kernel forbids user.* attributes on symbolic
    // links, and removing a missing attribute fails with ENODATA.
    let probe = Case::new();
    fs::write(probe.path("f"), b"").unwrap();
    let supported = probe.run_native("sysc", ["setxattr", probe.path("f").to_str().unwrap(), "user.probe", "v"]);
    let (set_result, remove_result) = if supported.code() == Some(0) {
        (Changed, Silent(libc::ENODATA))
    } else {
        let errno = supported.code().expect("setxattr probe died by a signal");
        eprintln!("this filesystem rejects user.* xattrs with errno {errno}; expecting that errno where the call is allowed");
        (Silent(errno), Silent(errno))
    };
    check_rows(
        &[
            Row { call: "setxattr", args: &["{file}", "user.test", "v"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: set_result },
            Row { call: "setxattr", args: &["{symlink}", "user.test", "v"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: set_result },
            Row { call: "lsetxattr", args: &["{symlink}", "user.test", "v"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Silent(EPERM) },
            Row { call: "removexattr", args: &["{file}", "user.test"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: remove_result },
            Row { call: "lremovexattr", args: &["{symlink}", "user.test"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: Silent(EPERM) },
            Row { call: "setxattr", args: &["{nofile}", "user.test", "v"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
        ],
        false,
    );
}

#[test]
fn mount_and_umount_matrix() {
    require_ptrace!();
    // Where the call is allowed the kernel decides: EPERM without
    // CAP_SYS_ADMIN; as root, ENODEV for the unknown file system type and
    // EINVAL for a directory that is not a mount point.
    let (mount_result, umount_result) = if common::running_unprivileged() {
        (Silent(EPERM), Silent(EPERM))
    } else {
        (Silent(libc::ENODEV), Silent(libc::EINVAL))
    };
    check_rows(
        &[
            Row { call: "mount", args: &["-", "{dir}", "sydbox-no-such-fs"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: mount_result },
            Row { call: "umount2", args: &["{dir}"], deny: Violation(EPERM), blacklist: Violation(EPERM), whitelist: umount_result },
            Row { call: "umount2", args: &["{nofile}"], deny: Violation(ENOENT), blacklist: Violation(ENOENT), whitelist: Violation(ENOENT) },
        ],
        false,
    );
}

/// The "safe" denials of the original suite, which ran with
/// `raise_safe:1`: the same errno as without it, now reported.
#[test]
fn safe_errnos_reported_with_raise_safe() {
    require_ptrace!();
    check_rows(
        &[
            Row { call: "mkdir|mkdirat", args: &["{dir}"], deny: Violation(EEXIST), blacklist: Violation(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "mknod|mknodat", args: &["{file}"], deny: Violation(EEXIST), blacklist: Violation(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "symlink|symlinkat", args: &["target", "{file}"], deny: Violation(EEXIST), blacklist: Violation(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "open|openat", args: &["--flags", "O_WRONLY|O_CREAT|O_EXCL", "{file}"], deny: Violation(EEXIST), blacklist: Violation(EEXIST), whitelist: Silent(EEXIST) },
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{file}"], deny: Violation(libc::ENOTDIR), blacklist: Violation(libc::ENOTDIR), whitelist: Silent(libc::ENOTDIR) },
            Row { call: "rmdir|unlinkat:AT_REMOVEDIR", args: &["{full}"], deny: Violation(libc::ENOTEMPTY), blacklist: Violation(libc::ENOTEMPTY), whitelist: Silent(libc::ENOTEMPTY) },
            Row { call: "unlink|unlinkat", args: &["{dir}"], deny: Violation(libc::EISDIR), blacklist: Violation(libc::EISDIR), whitelist: Silent(libc::EISDIR) },
        ],
        true,
    );
}

/// Without any sandbox category, every call gives the kernel's result and
/// effect, compared with a native run on an identical fixture.
#[test]
fn unsandboxed_calls_match_native() {
    require_ptrace!();
    let calls: &[&[&str]] = &[
        &["chmod", "--null"],
        &["chmod", ""],
        &["chmod", "{nofile}"],
        &["chmod", "{file}/foo"],
        &["chmod", "{selfloop}"],
        &["chmod", "{circular}"],
        &["chmod", "{noaccess}/file"],
        &["fchmodat", "--dirfd", "bad", "file"],
        &["fchmodat", "--dirfd", "bad", ""],
        &["fchmodat", "--dirfd", "{file}", "x"],
        &["chown", "--null"],
        &["open", "--null"],
        &["open", "--flags", "O_RDONLY|O_DIRECTORY", "{file}"],
        &["open", "--flags", "O_RDONLY|O_NOFOLLOW", "{symlink}"],
        &["openat", "--dirfd", "bad", "--flags", "O_RDONLY", "file"],
        &["mkdir", "--null"],
        &["mkdir", "{dir}"],
        &["rmdir", "{dir}/."],
        &["rmdir", "{selfloop}/foo"],
        &["rmdir", "{file}"],
        &["rmdir", "{dangling}"],
        &["rmdir", "{full}"],
        &["rmdir", "{dir}"],
        &["rename", "{dir}", "{dir}/new"],
        &["rename", "{file}", "{dir}"],
        &["rename", "{dir}", "{file}"],
        &["rename", "{dir}", "{full}"],
        &["rename", "{selfloop}", "new"],
        &["rename", "", "new"],
        &["utimensat", "--null", "--dirfd", "{dir}", "--flags", "AT_SYMLINK_NOFOLLOW"],
        &["unlink", "{dir}"],
    ];
    let prepare = |case: &Case| {
        make_fixture(case);
        symlink("selfloop", case.path("selfloop")).unwrap();
        symlink("circular2", case.path("circular")).unwrap();
        symlink("circular", case.path("circular2")).unwrap();
        fs::create_dir(case.path("noaccess")).unwrap();
        fs::write(case.path("noaccess/file"), b"").unwrap();
        fs::set_permissions(case.path("noaccess"), fs::Permissions::from_mode(0o000)).unwrap();
    };
    let expand_dirfd = |case: &Case, args: &[&str]| -> Vec<String> {
        args.iter().map(|a| expand(case, a, true)).collect()
    };
    each_trace_option(|options| {
        for args in calls {
            let native = Case::new();
            prepare(&native);
            let native_out = native.run_native("sysc", expand_dirfd(&native, args));
            let native_after = tree_snapshot(native.dir());

            let sandboxed = Case::with_magic(options);
            prepare(&sandboxed);
            let out = sandboxed.run("sysc", expand_dirfd(&sandboxed, args));
            let after = tree_snapshot(sandboxed.dir());
            assert_eq!(out.code(), native_out.code(), "{args:?}: sydbox differs from the native run\n{}", out.details());
            // Compare the trees by names and types only: times differ.
            let shape = |tree: &std::collections::BTreeMap<std::path::PathBuf, String>, base: &std::path::Path| {
                tree.iter()
                    .map(|(path, text)| (path.strip_prefix(base).unwrap().to_path_buf(), text.split(' ').next().unwrap().to_string()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(shape(&after, sandboxed.dir()), shape(&native_after, native.dir()), "{args:?}: the trees differ");
            for case in [&native, &sandboxed] {
                fs::set_permissions(case.path("noaccess"), fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
    });
}

/// A whitelisted directory with a link to a file outside it: the decision
/// uses the resolved target.
#[test]
fn symlink_escape_denied() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        make_fixture(&case);
        symlink("../file", case.path("dir/link")).unwrap();
        let resolved_dir = case.resolved("dir");
        case.magic("core/sandbox/write:deny")
            .magic(format!("whitelist/write+{}/**", resolved_dir))
            .must_violate();
        let before = tree_snapshot(case.dir());
        case.run("sysc", ["chmod", "--mode", "600", &case.resolved("dir/link")]).expect_errno(EPERM);
        assert_eq!(before, tree_snapshot(case.dir()), "the target outside the whitelist changed");
    });
}

/// creat and O_CREAT through a dangling link are checked against the
/// link's target.
#[test]
fn dangling_create_checks_target() {
    require_ptrace!();
    each_trace_option(|options| {
        for call in [&["creat"][..], &["open", "--flags", "O_WRONLY|O_CREAT"][..]] {
            // The link is inside the whitelist, its target outside.
            let mut case = Case::with_magic(options);
            fs::create_dir(case.path("ok")).unwrap();
            symlink("../outside", case.path("ok/link")).unwrap();
            let resolved_ok = case.resolved("ok");
            case.magic("core/sandbox/write:deny")
                .magic(format!("whitelist/write+{}/***", resolved_ok))
                .must_violate();
            let mut args: Vec<String> = call.iter().map(|s| s.to_string()).collect();
            args.push(case.resolved("ok/link"));
            case.run("sysc", &args).expect_errno(EPERM);
            assert!(!case.path("outside").exists(), "{args:?} created the target outside the whitelist");

            // The link is outside the whitelist, its target inside.
            let mut case = Case::with_magic(options);
            fs::create_dir(case.path("ok")).unwrap();
            symlink("ok/target", case.path("link")).unwrap();
            let resolved_ok = case.resolved("ok");
            case.magic("core/sandbox/write:deny")
                .magic(format!("whitelist/write+{}/***", resolved_ok));
            let mut args: Vec<String> = call.iter().map(|s| s.to_string()).collect();
            args.push(case.resolved("link"));
            case.run("sysc", &args).expect_success();
            assert!(case.path("ok/target").exists(), "{args:?} did not create the whitelisted target");
        }
    });
}

/// A relative path with a bad dirfd fails with EBADF, reported only with
/// raise_fail; an absolute path with a bad dirfd is checked normally.
#[test]
fn bad_dirfd_relative_ebadf() {
    require_ptrace!();
    each_trace_option(|options| {
        for call in ["fchmodat", "fchownat", "mkdirat", "openat", "unlinkat", "utimensat"] {
            for raise_fail in [false, true] {
                let mut case = Case::with_magic(options);
                make_fixture(&case);
                let resolved_home = case.resolved("");
                case.magic("core/sandbox/write:deny")
                    .magic(format!("whitelist/write+{}/***", resolved_home))
                    .magic(format!("core/violation/raise_fail:{}", u8::from(raise_fail)));
                if raise_fail {
                    case.must_violate();
                }
                let mut args = vec![call, "--dirfd", "bad"];
                if call == "openat" {
                    args.extend(["--flags", "O_WRONLY"]);
                }
                args.push(if call == "mkdirat" { "new" } else { "file" });
                let before = tree_snapshot(case.dir());
                let out = case.run("sysc", &args);
                out.expect_errno(libc::EBADF);
                assert_eq!(before, tree_snapshot(case.dir()), "{args:?} changed the case directory");
                if !raise_fail {
                    assert!(!out.stderr.contains("Access Violation"), "{args:?} reported without raise_fail\n{}", out.details());
                }
            }
        }
    });
}

/// raise_fail decides whether a failed resolution is a violation; the
/// errno is the same either way.
#[test]
fn raise_fail_reports_missing() {
    require_ptrace!();
    each_trace_option(|options| {
        for (raise_fail, code) in [(false, ENOENT), (true, 128 + ENOENT)] {
            let mut case = Case::with_magic(options);
            case.magic("core/sandbox/write:deny")
                .magic("core/violation/exit_code:0")
                .magic(format!("core/violation/raise_fail:{}", u8::from(raise_fail)));
            case.run("sysc", ["chmod", &case.resolved("nofile")]).expect_exit(code);
        }
    });
}

/// raise_safe decides whether a safe denial is a violation; without it the
/// errno is the file-type errno and nothing is reported.
#[test]
fn raise_safe_off_is_silent() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        make_fixture(&case);
        case.magic("core/sandbox/write:deny").magic("core/violation/exit_code:0");
        let out = case.run("sysc", ["mkdir", &case.resolved("dir")]);
        out.expect_exit(EEXIST);
        assert!(!out.stderr.contains("Access Violation"), "{}", out.details());
    });
}

/// filter/write silences the report and the exit status, but the call is
/// still denied.
#[test]
fn filter_silences_report_only() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        let resolved_home = case.resolved("");
        case.magic("core/sandbox/write:deny")
            .magic(format!("filter/write+{}/***", resolved_home))
            .magic("core/violation/exit_code:0");
        let out = case.run("sysc", ["mkdir", &case.resolved("new")]);
        out.expect_exit(EPERM);
        assert!(!out.stderr.contains("Access Violation"), "a filtered denial was reported\n{}", out.details());
        assert!(!case.path("new").exists(), "the filter allowed the call");
    });
}

/// ACL ordering: within one category the last matching pattern decides;
/// the mode's default applies when nothing matches.
#[test]
fn acl_last_match_wins() {
    require_ptrace!();
    let rules: &[(&str, &[&str], bool)] = &[
        ("deny", &["whitelist/write+{H}/**"], true),
        ("deny", &["whitelist/write+/foo/bar", "whitelist/write+{H}/**"], true),
        ("deny", &["blacklist/write+{H}/**", "whitelist/write+{H}/**"], true),
        ("deny", &["whitelist/write+{H}/**", "blacklist/write+{H}/**"], false),
        ("allow", &["blacklist/write+{H}/**"], false),
        ("allow", &["blacklist/write+/foo/bar", "blacklist/write+{H}/**"], false),
        ("allow", &["whitelist/write+{H}/**", "blacklist/write+{H}/**"], false),
        // Tells last-match from the 2013 rule, under which allow mode only
        // reads the blacklist and the file would stay.
        ("allow", &["blacklist/write+{H}/**", "whitelist/write+{H}/**"], true),
    ];
    each_trace_option(|options| {
        for (mode, list, removed) in rules {
            let mut case = Case::with_magic(options);
            fs::write(case.path("file"), b"").unwrap();
            case.magic(format!("core/sandbox/write:{mode}"));
            for rule in *list {
                case.magic(rule.replace("{H}", &case.resolved("")));
            }
            let out = case.run("sysc", ["unlink", &case.resolved("file")]);
            if *removed {
                out.expect_success();
            } else {
                out.expect_errno(EPERM);
            }
            assert_eq!(!case.path("file").exists(), *removed, "mode {mode} with {list:?}");
        }
    });
}

/// A whitelisted chown to another owner gets the kernel's answer: only a
/// privileged caller may give a file away, anyone else gets an EPERM that
/// sydbox must not report as a violation.
#[test]
fn chown_to_other_uid() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = Case::with_magic(options);
        make_fixture(&case);
        let resolved_home = case.resolved("");
        case.magic("core/sandbox/write:deny")
            .magic(format!("whitelist/write+{}/***", resolved_home))
            .magic("core/violation/exit_code:0");
        let out = case.run("sysc", ["chown", &case.resolved("file"), "1", "1"]);
        if !common::running_unprivileged() {
            out.expect_exit(0);
        } else {
            out.expect_exit(EPERM);
        }
        assert!(!out.stderr.contains("Access Violation"), "{}", out.details());
    });
}
