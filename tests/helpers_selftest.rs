//! Checks that the helper programs in `tests/helpers` and the harness in
//! `tests/common` work on their own, without sydbox. These tests pass both
//! as root and as an unprivileged uid.

#[macro_use]
mod common;

use std::fs;
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use common::{Case, KernelFeature};

// ---------------------------------------------------------------------------
// sysc
// ---------------------------------------------------------------------------

#[test]
fn sysc_mkdir_creates_directory() {
    let case = Case::new();
    case.run_native("sysc", ["mkdir", "made"])
        .expect_success()
        .expect_stdout("");
    assert!(case.path("made").is_dir());
}

#[test]
fn sysc_mkdir_applies_mode() {
    let case = Case::new();
    case.run_native("sysc", ["mkdirat", "--mode", "0700", "private"])
        .expect_success();
    let mode = fs::metadata(case.path("private"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn sysc_open_missing_file() {
    let case = Case::new();
    case.run_native("sysc", ["open", "missing"])
        .expect_errno(libc::ENOENT);
    case.run_native("sysc", ["openat", "missing"])
        .expect_errno(libc::ENOENT);
    case.run_native("sysc", ["openat2", "missing"])
        .expect_errno(libc::ENOENT);
}

#[test]
fn sysc_open_writes_data() {
    let case = Case::new();
    case.run_native(
        "sysc",
        [
            "open",
            "--flags",
            "O_WRONLY|O_CREAT|O_EXCL",
            "--data",
            "hello",
            "new",
        ],
    )
    .expect_success();
    assert_eq!(fs::read_to_string(case.path("new")).unwrap(), "hello");

    case.run_native(
        "sysc",
        ["open", "--flags", "O_WRONLY|O_CREAT|O_EXCL", "new"],
    )
    .expect_errno(libc::EEXIST);
    case.run_native(
        "sysc",
        [
            "openat",
            "--flags",
            "O_WRONLY|O_APPEND",
            "--data",
            "!",
            "new",
        ],
    )
    .expect_success();
    assert_eq!(fs::read_to_string(case.path("new")).unwrap(), "hello!");
}

#[test]
fn sysc_flags_accept_numbers() {
    let case = Case::new();
    let flags = format!("{:#x}", libc::O_WRONLY | libc::O_CREAT);
    case.run_native("sysc", ["openat", "--flags", &flags, "numeric"])
        .expect_success();
    assert!(case.path("numeric").is_file());
}

#[test]
fn sysc_creat_creates_file() {
    let case = Case::new();
    case.run_native("sysc", ["creat", "--mode", "0600", "--data", "x", "file"])
        .expect_success();
    let metadata = fs::metadata(case.path("file")).unwrap();
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    assert_eq!(metadata.len(), 1);
}

#[test]
fn sysc_openat2_resolve_beneath() {
    let case = Case::new();
    fs::create_dir(case.path("inner")).unwrap();
    fs::write(case.path("outside"), "").unwrap();
    case.run_native(
        "sysc",
        [
            "openat2",
            "--dirfd",
            "inner",
            "--resolve",
            "RESOLVE_BENEATH",
            "../outside",
        ],
    )
    .expect_errno(libc::EXDEV);
    case.run_native(
        "sysc",
        [
            "openat2",
            "--dirfd",
            "inner",
            "--flags",
            "O_WRONLY|O_CREAT",
            "inside",
        ],
    )
    .expect_success();
    assert!(case.path("inner/inside").is_file());
}

#[test]
fn sysc_dirfd_variants() {
    let case = Case::new();
    fs::create_dir(case.path("sub")).unwrap();
    case.run_native("sysc", ["mkdirat", "--dirfd", "bad", "x"])
        .expect_errno(libc::EBADF);
    case.run_native("sysc", ["mkdirat", "--dirfd", "cwd", "in-cwd"])
        .expect_success();
    case.run_native("sysc", ["mkdirat", "--dirfd", "sub", "in-sub"])
        .expect_success();
    assert!(case.path("in-cwd").is_dir());
    assert!(case.path("sub/in-sub").is_dir());

    // A missing --dirfd directory is a setup failure, not an errno.
    case.run_native("sysc", ["mkdirat", "--dirfd", "missing", "x"])
        .expect_exit(255);
}

#[test]
fn sysc_dirfd_falls_back_to_o_path() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    case.run_native(
        "sysc",
        [
            "newfstatat",
            "--dirfd",
            "file",
            "--flags",
            "AT_EMPTY_PATH",
            "",
        ],
    )
    .expect_success();
    case.run_native(
        "sysc",
        ["statx", "--dirfd", "file", "--flags", "AT_EMPTY_PATH", ""],
    )
    .expect_success();
}

#[test]
fn sysc_null_path_is_efault() {
    let case = Case::new();
    for call in [
        "open", "openat", "creat", "mkdir", "unlink", "stat", "access", "chmod",
    ] {
        case.run_native("sysc", [call, "--null"])
            .expect_errno(libc::EFAULT);
    }
    // For two-path calls --null replaces the first path only.
    case.run_native("sysc", ["rename", "--null", "new"])
        .expect_errno(libc::EFAULT);
}

#[test]
fn sysc_chdir_option_moves_first() {
    let case = Case::new();
    fs::create_dir_all(case.path("a/b")).unwrap();
    case.run_native("sysc", ["mkdir", "--chdir", "a", "--chdir", "b", "deep"])
        .expect_success();
    assert!(case.path("a/b/deep").is_dir());
    case.run_native("sysc", ["mkdir", "--chdir", "missing", "x"])
        .expect_exit(255);
}

#[test]
fn sysc_access_modes() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    fs::set_permissions(case.path("file"), fs::Permissions::from_mode(0o644)).unwrap();
    case.run_native("sysc", ["access", "file"]).expect_success();
    case.run_native("sysc", ["faccessat", "--mode", "R_OK", "file"])
        .expect_success();
    // No execute bit is set, so X_OK fails even for root.
    case.run_native(
        "sysc",
        [
            "faccessat2",
            "--mode",
            "X_OK",
            "--flags",
            "AT_EACCESS",
            "file",
        ],
    )
    .expect_errno(libc::EACCES);
    case.run_native("sysc", ["access", "missing"])
        .expect_errno(libc::ENOENT);
}

#[test]
fn sysc_chmod_family() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    let mode = |case: &Case| {
        fs::metadata(case.path("file"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };

    case.run_native("sysc", ["chmod", "--mode", "0600", "file"])
        .expect_success();
    assert_eq!(mode(&case), 0o600);
    case.run_native("sysc", ["fchmodat", "--mode", "0640", "file"])
        .expect_success();
    assert_eq!(mode(&case), 0o640);

    // fchmodat2 arrived in Linux 6.6; older kernels return ENOSYS.
    let outcome = case.run_native("sysc", ["fchmodat2", "--mode", "0604", "file"]);
    if outcome.code() == Some(libc::ENOSYS) {
        return;
    }
    outcome.expect_success();
    assert_eq!(mode(&case), 0o604);
}

#[test]
fn sysc_chown_to_own_ids() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    std::os::unix::fs::symlink("file", case.path("link")).unwrap();
    let uid = nix::unistd::getuid().to_string();
    let gid = nix::unistd::getgid().to_string();
    case.run_native("sysc", ["chown", "file", &uid, &gid])
        .expect_success();
    case.run_native("sysc", ["lchown", "link", &uid])
        .expect_success();
    case.run_native(
        "sysc",
        ["fchownat", "--flags", "AT_SYMLINK_NOFOLLOW", "link"],
    )
    .expect_success();
}

#[test]
fn sysc_chown_to_other_uid() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    let outcome = case.run_native("sysc", ["chown", "file", "12345", "-1"]);
    if common::running_unprivileged() {
        outcome.expect_errno(libc::EPERM);
    } else {
        outcome.expect_success();
        assert_eq!(fs::metadata(case.path("file")).unwrap().uid(), 12345);
    }
}

#[test]
fn sysc_mknod_defaults_to_fifo() {
    let case = Case::new();
    case.run_native("sysc", ["mknod", "fifo"]).expect_success();
    case.run_native("sysc", ["mknodat", "--mode", "S_IFREG|0600", "regular"])
        .expect_success();
    assert!(fs::metadata(case.path("fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(fs::metadata(case.path("regular")).unwrap().is_file());
}

#[test]
fn sysc_rmdir_and_unlink() {
    let case = Case::new();
    fs::create_dir(case.path("dir")).unwrap();
    fs::create_dir(case.path("dir2")).unwrap();
    fs::write(case.path("file"), "").unwrap();
    fs::write(case.path("file2"), "").unwrap();

    case.run_native("sysc", ["rmdir", "file"])
        .expect_errno(libc::ENOTDIR);
    case.run_native("sysc", ["rmdir", "dir"]).expect_success();
    case.run_native("sysc", ["unlinkat", "--flags", "AT_REMOVEDIR", "dir2"])
        .expect_success();
    case.run_native("sysc", ["unlink", "file"]).expect_success();
    case.run_native("sysc", ["unlinkat", "file2"])
        .expect_success();
    for name in ["dir", "dir2", "file", "file2"] {
        assert!(!case.path(name).exists(), "{name} still exists");
    }
}

#[test]
fn sysc_truncate_sets_length() {
    let case = Case::new();
    fs::write(case.path("file"), "0123456789").unwrap();
    case.run_native("sysc", ["truncate", "file", "4"])
        .expect_success();
    assert_eq!(fs::read_to_string(case.path("file")).unwrap(), "0123");
    case.run_native("sysc", ["truncate", "file"])
        .expect_success();
    assert_eq!(fs::metadata(case.path("file")).unwrap().len(), 0);
}

#[test]
fn sysc_time_family_sets_mtime() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    for (call, time) in [
        ("utime", 1000),
        ("utimes", 2000),
        ("utimensat", 3000),
        ("futimesat", 4000),
    ] {
        let time = time.to_string();
        case.run_native("sysc", [call, "--time", &time, "file"])
            .expect_success();
        let mtime = fs::metadata(case.path("file")).unwrap().mtime();
        assert_eq!(mtime.to_string(), time, "mtime after {call}");
    }
    case.run_native("sysc", ["utimensat", "file"])
        .expect_success();
    assert!(fs::metadata(case.path("file")).unwrap().mtime() > 4000);
}

#[test]
fn sysc_link_and_rename() {
    let case = Case::new();
    fs::write(case.path("a"), "a").unwrap();
    fs::write(case.path("b"), "b").unwrap();
    fs::create_dir(case.path("sub")).unwrap();

    case.run_native("sysc", ["link", "a", "a-link"])
        .expect_success();
    case.run_native("sysc", ["linkat", "--newdirfd", "sub", "a", "a-link"])
        .expect_success();
    assert_eq!(fs::metadata(case.path("sub/a-link")).unwrap().nlink(), 3);

    case.run_native("sysc", ["rename", "a-link", "renamed"])
        .expect_success();
    case.run_native(
        "sysc",
        [
            "renameat",
            "--dirfd",
            "sub",
            "--newdirfd",
            "cwd",
            "a-link",
            "moved",
        ],
    )
    .expect_success();
    assert!(case.path("renamed").is_file());
    assert!(case.path("moved").is_file());

    case.run_native(
        "sysc",
        ["renameat2", "--flags", "RENAME_NOREPLACE", "a", "b"],
    )
    .expect_errno(libc::EEXIST);
    case.run_native(
        "sysc",
        ["renameat2", "--flags", "RENAME_EXCHANGE", "a", "b"],
    )
    .expect_success();
    assert_eq!(fs::read_to_string(case.path("a")).unwrap(), "b");
}

#[test]
fn sysc_symlink_and_readlink() {
    let case = Case::new();
    fs::create_dir(case.path("sub")).unwrap();
    case.run_native("sysc", ["symlink", "target", "link"])
        .expect_success();
    case.run_native("sysc", ["symlinkat", "--dirfd", "sub", "other", "link"])
        .expect_success();
    case.run_native("sysc", ["readlink", "link"])
        .expect_success()
        .expect_stdout("target\n");
    case.run_native("sysc", ["readlink", "sub/link"])
        .expect_stdout("other\n");
    case.run_native("sysc", ["symlink", "x", "link"])
        .expect_errno(libc::EEXIST);
    case.run_native("sysc", ["readlink", "sub"])
        .expect_errno(libc::EINVAL);
}

#[test]
fn sysc_stat_family() {
    let case = Case::new();
    std::os::unix::fs::symlink("missing", case.path("dangling")).unwrap();
    for call in ["stat", "lstat", "newfstatat", "statx"] {
        case.run_native("sysc", [call, "."])
            .expect_success()
            .expect_stdout("");
    }
    case.run_native("sysc", ["stat", "dangling"])
        .expect_errno(libc::ENOENT);
    case.run_native("sysc", ["lstat", "dangling"])
        .expect_success();
    case.run_native(
        "sysc",
        ["newfstatat", "--flags", "AT_SYMLINK_NOFOLLOW", "dangling"],
    )
    .expect_success();
}

#[test]
fn sysc_xattr_family() {
    let case = Case::new();
    fs::write(case.path("file"), "").unwrap();
    let outcome = case.run_native("sysc", ["setxattr", "file", "user.sydbox", "1"]);
    if outcome.code() == Some(libc::EOPNOTSUPP) {
        eprintln!("the temporary directory does not support user xattrs, skipping the rest");
        return;
    }
    outcome.expect_success();

    case.run_native(
        "sysc",
        [
            "setxattr",
            "--flags",
            "XATTR_CREATE",
            "file",
            "user.sydbox",
            "2",
        ],
    )
    .expect_errno(libc::EEXIST);

    case.run_native("sysc", ["listxattr", "file"])
        .expect_stdout("user.sydbox\n");
    case.run_native("sysc", ["llistxattr", "file"])
        .expect_stdout("user.sydbox\n");

    case.run_native("sysc", ["removexattr", "file", "user.sydbox"])
        .expect_success();
    case.run_native("sysc", ["lremovexattr", "file", "user.sydbox"])
        .expect_errno(libc::ENODATA);
    case.run_native("sysc", ["listxattr", "file"])
        .expect_stdout("");
}

#[test]
fn sysc_umount2_non_mountpoint() {
    let case = Case::new();
    fs::create_dir(case.path("dir")).unwrap();
    let outcome = case.run_native("sysc", ["umount2", "--flags", "UMOUNT_NOFOLLOW", "dir"]);
    if common::running_unprivileged() {
        outcome.expect_errno(libc::EPERM);
    } else {
        outcome.expect_errno(libc::EINVAL);
    }
}

#[test]
fn sysc_mount_needs_privilege() {
    if !common::running_unprivileged() {
        eprintln!("sysc_mount_needs_privilege checks the unprivileged case only, skipping");
        return;
    }
    let case = Case::new();
    fs::create_dir(case.path("dir")).unwrap();
    case.run_native("sysc", ["mount", "none", "dir", "tmpfs"])
        .expect_errno(libc::EPERM);
}

#[test]
fn sysc_execve_runs_marker() {
    let case = Case::new();
    let marker = common::helper("marker");
    let marker = marker.to_str().unwrap();
    case.run_native("sysc", ["execve", marker, "by-execve"])
        .expect_success();
    case.run_native(
        "sysc",
        ["execveat", "--dirfd", "cwd", marker, "by-execveat"],
    )
    .expect_success();
    assert!(case.path("by-execve").is_file());
    assert!(case.path("by-execveat").is_file());
    case.run_native("sysc", ["execve", "missing"])
        .expect_errno(libc::ENOENT);
}

#[test]
fn sysc_chdir_call() {
    let case = Case::new();
    fs::create_dir(case.path("dir")).unwrap();
    case.run_native("sysc", ["chdir", "dir"]).expect_success();
    case.run_native("sysc", ["chdir", "missing"])
        .expect_errno(libc::ENOENT);
}

#[test]
fn sysc_usage_errors() {
    let case = Case::new();
    case.run_native("sysc", ["--help"]).expect_success();
    case.run_native("sysc", ["no-such-call", "x"])
        .expect_exit(255);
    case.run_native("sysc", ["mkdir"]).expect_exit(255);
    case.run_native("sysc", ["mkdir", "a", "b"])
        .expect_exit(255);
    case.run_native("sysc", ["mkdir", "--flags", "O_BOGUS", "a"])
        .expect_exit(255);
    case.run_native("sysc", ["mkdir", "--bogus", "x", "a"])
        .expect_exit(255);
    assert!(!case.path("a").exists());
}

// ---------------------------------------------------------------------------
// netc
// ---------------------------------------------------------------------------

#[test]
fn netc_bind_prints_port() {
    let case = Case::new();
    for (family, address) in [("inet", "127.0.0.1"), ("inet6", "::1")] {
        let outcome = case.run_native("netc", ["bind", family, address, "0", "--getsockname"]);
        outcome.expect_success();
        let port: u16 = outcome
            .stdout
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{e}\n{}", outcome.details()));
        assert_ne!(port, 0, "{family} bind printed port 0");
    }
}

#[test]
fn netc_connect_to_listener() {
    let case = Case::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    case.run_native("netc", ["connect", "inet", "127.0.0.1", &port])
        .expect_success();
}

#[test]
fn netc_connect_refused() {
    let case = Case::new();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    // The listener is dropped, so nothing accepts on the port.
    case.run_native("netc", ["connect", "inet", "127.0.0.1", &port])
        .expect_errno(libc::ECONNREFUSED);
}

#[test]
fn netc_send_calls_deliver_byte() {
    let case = Case::new();
    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = receiver.local_addr().unwrap().port().to_string();
    for call in ["sendto", "sendmsg", "sendmmsg"] {
        case.run_native("netc", [call, "inet", "127.0.0.1", &port])
            .expect_success();
        let mut buffer = [0u8; 16];
        let length = receiver
            .recv(&mut buffer)
            .unwrap_or_else(|e| panic!("no datagram from {call}: {e}"));
        assert_eq!(length, 1, "{call} sent {length} bytes");
    }
}

#[test]
fn netc_then_connect_bound_port() {
    let case = Case::new();
    for family_args in [["inet", "127.0.0.1"], ["inet6", "::1"]] {
        let [family, address] = family_args;
        for socket_type in ["stream", "dgram"] {
            case.run_native(
                "netc",
                [
                    "bind",
                    family,
                    address,
                    "0",
                    "--dup",
                    "--type",
                    socket_type,
                    "--then-connect",
                    address,
                    "bound",
                ],
            )
            .expect_success();
        }
    }
}

#[test]
fn netc_unix_sockets() {
    let case = Case::new();
    case.run_native(
        "netc",
        [
            "bind",
            "unix",
            "sock",
            "--getsockname",
            "--then-connect",
            "sock",
            "0",
        ],
    )
    .expect_success()
    .expect_stdout("sock\n");
    assert!(fs::symlink_metadata(case.path("sock"))
        .unwrap()
        .file_type()
        .is_socket());
    case.run_native("netc", ["connect", "unix", "missing"])
        .expect_errno(libc::ENOENT);
    case.run_native("netc", ["sendto", "unix", "missing"])
        .expect_errno(libc::ENOENT);

    let name = format!("sydbox-selftest-{}", std::process::id());
    case.run_native(
        "netc",
        [
            "bind",
            "unix-abstract",
            &name,
            "--getsockname",
            "--type",
            "dgram",
            "--then-connect",
            &name,
            "0",
        ],
    )
    .expect_success()
    .expect_stdout(&format!("@{name}\n"));
}

#[test]
fn netc_netlink_socket() {
    let case = Case::new();
    let outcome = case.run_native("netc", ["bind", "netlink", "0", "--getsockname"]);
    outcome.expect_success();
    assert!(
        outcome.stdout.trim().parse::<u32>().is_ok(),
        "{}",
        outcome.details()
    );
    case.run_native("netc", ["sendto", "netlink", "0"])
        .expect_success();
}

#[test]
fn netc_rejects_non_loopback() {
    let case = Case::new();
    for (family, address) in [
        ("inet", "192.0.2.1"),
        ("inet", "0.0.0.0"),
        ("inet6", "::"),
        ("inet6", "2001:db8::1"),
        ("inet6", "::ffff:192.0.2.1"),
    ] {
        case.run_native("netc", ["connect", family, address, "80"])
            .expect_exit(255)
            .expect_stderr_contains("non-loopback");
    }
}

// ---------------------------------------------------------------------------
// magicstat, exitwith, execp, marker
// ---------------------------------------------------------------------------

#[test]
fn magicstat_dev_null() {
    let case = Case::new();
    for via in ["stat", "lstat", "newfstatat", "statx"] {
        case.run_native("magicstat", ["--via", via, "/dev/null"])
            .expect_success()
            .expect_stdout("mode=020666 rdev=1:3\n");
    }
    case.run_native("magicstat", ["/dev/null"])
        .expect_stdout("mode=020666 rdev=1:3\n");
    case.run_native(
        "magicstat",
        ["--via", "newfstatat", "--dirfd", "/dev", "null"],
    )
    .expect_stdout("mode=020666 rdev=1:3\n");
}

#[test]
fn magicstat_missing_path() {
    let case = Case::new();
    case.run_native("magicstat", ["missing"])
        .expect_errno(libc::ENOENT)
        .expect_stdout("");
    case.run_native("magicstat", ["--via", "statx", "missing"])
        .expect_errno(libc::ENOENT);
    case.run_native("magicstat", ["--via", "bogus", "."])
        .expect_exit(255);
}

#[test]
fn exitwith_codes() {
    let case = Case::new();
    for code in [0, 1, 7, 127, 255] {
        case.run_native("exitwith", [code.to_string()])
            .expect_exit(code);
    }
    case.run_native("exitwith", ["256"]).expect_exit(255);
}

#[test]
fn exitwith_signals() {
    let case = Case::new();
    for signal in [libc::SIGKILL, libc::SIGTERM, libc::SIGABRT, libc::SIGSEGV] {
        case.run_native("exitwith", ["--signal".to_string(), signal.to_string()])
            .expect_signal(signal);
    }
}

#[test]
fn exitwith_fork_and_threads() {
    let case = Case::new();
    case.run_native("exitwith", ["--fork", "4", "3"])
        .expect_success();
    case.run_native("exitwith", ["--threads", "8"])
        .expect_success();
}

#[test]
fn execp_missing_and_present() {
    let case = Case::new();
    case.run_native("execp", ["missing"])
        .expect_errno(libc::ENOENT);
    case.run_native("execp", ["/nonexistent/dir/prog"])
        .expect_errno(libc::ENOENT);

    fs::write(case.path("not-executable"), "#!/bin/sh\n").unwrap();
    case.run_native("execp", ["./not-executable"])
        .expect_errno(libc::EACCES);

    let marker = common::helper("marker");
    case.run_native("execp", [marker.to_str().unwrap(), "ran"])
        .expect_success();
    assert!(case.path("ran").is_file());
}

#[test]
fn marker_creates_file() {
    let case = Case::new();
    case.run_native("marker", ["proof"]).expect_success();
    assert!(case.path("proof").is_file());
    case.run_native("marker", ["missing-dir/proof"])
        .expect_errno(libc::ENOENT);
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// A stand-in for sydbox: it records its arguments, working directory, HOME
/// and SYDBOX_CONFIG, runs the command after `--`, and adds 128 to the
/// status when `core/violation/exit_code:0` was given, as sydbox-1 does after
/// a violation.
const FAKE_SYDBOX: &str = r#"#!/bin/sh
printf '%s\n' "$@" > "$HOME/args"
pwd > "$HOME/cwd"
printf '%s' "${SYDBOX_CONFIG-unset}" > "$HOME/config"
offset=0
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    [ "$1" = "core/violation/exit_code:0" ] && offset=128
    shift
done
shift
"$@"
exit $(($? + offset))
"#;

#[test]
fn case_runs_command_after_sydbox_args() {
    let mut case = Case::new();
    let fake = case.path("fake-sydbox");
    common::write_executable(&fake, FAKE_SYDBOX);
    case.sydbox(&fake).magic("core/sandbox/write:deny");

    case.run("exitwith", ["3"]).expect_errno(3);
    let args = fs::read_to_string(case.path("args")).unwrap();
    let exitwith = common::helper("exitwith");
    let expected = format!(
        "-m\ncore/sandbox/write:deny\n--\n{}\n3\n",
        exitwith.display()
    );
    assert_eq!(args, expected);
    assert_eq!(fs::read_to_string(case.path("config")).unwrap(), "unset");
    let cwd = fs::read_to_string(case.path("cwd")).unwrap();
    assert_eq!(cwd.trim_end(), case.home_resolved().to_str().unwrap());
}

#[test]
fn case_must_violate_adds_128() {
    let mut case = Case::new();
    let fake = case.path("fake-sydbox");
    common::write_executable(&fake, FAKE_SYDBOX);
    case.sydbox(&fake).must_violate();

    let outcome = case.run("sysc", ["mkdir", "x"]);
    outcome.expect_success().expect_exit(128);
    case.run("sysc", ["mkdir", "x"])
        .expect_errno(libc::EEXIST)
        .expect_exit(128 + libc::EEXIST);
    let args = fs::read_to_string(case.path("args")).unwrap();
    assert!(
        args.starts_with("-m\ncore/violation/exit_code:0\n--\n"),
        "{args}"
    );
}

#[test]
fn case_env_and_home() {
    let mut case = Case::new();
    let fake = case.path("fake-sydbox");
    common::write_executable(&fake, FAKE_SYDBOX);
    case.sydbox(&fake).env("SYDBOX_CONFIG", "/dev/null");
    case.run_program("/bin/sh", ["-c", "printf '%s' \"$HOME\""])
        .expect_stdout(case.dir().to_str().unwrap());
    assert_eq!(
        fs::read_to_string(case.path("config")).unwrap(),
        "/dev/null"
    );
}

#[test]
fn case_timeout_kills_group() {
    let mut case = Case::new();
    case.timeout(Duration::from_millis(300));
    let started = Instant::now();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        case.run_program_native("/bin/sh", ["-c", "sleep 30 & exec sleep 30"])
    }));
    let message = match result {
        Ok(_) => panic!("a 30 s command finished within a 300 ms timeout"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    };
    assert!(message.contains("timed out"), "{message}");
    // The background sleep keeps the output pipes open, so the run only returns
    // early when the whole process group was killed.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn case_kills_leftover_children() {
    let case = Case::new();
    let started = Instant::now();
    case.run_program_native("/bin/sh", ["-c", "sleep 30 &"])
        .expect_success();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn helpers_dir_has_every_helper() {
    let sources = fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/helpers"));
    // The source tree is not readable in the unprivileged run, so fall back to
    // the known list.
    let names: Vec<String> = match sources {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
            .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
            .collect(),
        Err(_) => ["sysc", "netc", "magicstat", "exitwith", "execp", "marker"]
            .map(String::from)
            .to_vec(),
    };
    assert!(!names.is_empty());
    for name in names {
        let path = common::helper(&name);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o555,
            0o555,
            "{} is not readable and executable by all",
            path.display()
        );
    }
}

#[test]
fn shared_dir_has_conformance_data() {
    let shared = common::shared_dir();
    if !shared.is_dir() {
        eprintln!(
            "shared_dir_has_conformance_data requires {}: not found, skipping",
            shared.display()
        );
        return;
    }
    let mut wildtest = fs::File::open(shared.join("conformance/wildtest.txt")).unwrap();
    let mut first_bytes = [0u8; 1];
    wildtest.read_exact(&mut first_bytes).unwrap();
}

#[test]
fn enclosing_test_name_strips_crate() {
    fn marker() {}
    assert_eq!(
        common::enclosing_test_name(marker),
        "enclosing_test_name_strips_crate"
    );
}

#[test]
fn kernel_feature_list_probes() {
    for &feature in KernelFeature::ALL {
        match common::kernel_lacks(feature) {
            Some(reason) => eprintln!("kernel lacks {}: {reason}", feature.name()),
            None => eprintln!("kernel has {}", feature.name()),
        }
    }
}

#[test]
fn x32_probe_matches_skip_macro() {
    skip_if_kernel_lacks!(KernelFeature::X32Syscalls);
    assert!(common::kernel_lacks(KernelFeature::X32Syscalls).is_none());
}

#[test]
fn ptrace_probe() {
    require_ptrace!();
    common::probe_ptrace().unwrap();
}

#[test]
fn seccomp_probe() {
    require_seccomp!();
    common::probe_seccomp().unwrap();
}

#[test]
fn userns_probe() {
    require_userns!();
    common::probe_userns().unwrap();
}

#[test]
fn landlock_probe() {
    require_landlock!();
    assert!(common::landlock_abi().unwrap() >= 1);
}

#[test]
fn probes_leave_process_unrestricted() {
    // The probes install filters and rulesets in forked children only, so
    // this process keeps no_new_privs off and can still run programs.
    let _ = common::probe_seccomp();
    let _ = common::probe_landlock(1);
    let _ = common::probe_userns();
    // SAFETY: PR_GET_NO_NEW_PRIVS reads a flag of this process and changes nothing.
    let no_new_privs = unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) };
    assert_eq!(no_new_privs, 0);
    let case = Case::new();
    case.run_native("exitwith", ["0"]).expect_success();
}

#[test]
fn check_feature_skips_or_panics() {
    assert!(common::check_feature("t", "a feature", Ok(())));
    let missing = std::panic::catch_unwind(|| {
        common::check_feature("t", "a feature", Err("probe failed".into()))
    });
    if common::strict_mode() {
        assert!(
            missing.is_err(),
            "strict mode did not turn the skip into a failure"
        );
    } else {
        assert!(
            !missing.unwrap(),
            "a failed probe was reported as available"
        );
    }
}
