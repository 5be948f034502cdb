//! Hostile inputs, the system call surface and channels shared
//! with the host: io_uring, the new mount API and namespaces,
//! foreign ABIs (x32, i386), CLONE_UNTRACED and terminal injection.

#[macro_use]
mod common;

use std::ffi::OsString;
use std::fs;
use std::os::fd::AsRawFd as _;

use common::{helper, hostile_result, Fixture, KernelFeature, Mode};

in_both_modes! {
    fn io_uring_is_refused(mode) {
        require_ptrace!();
        let setting = fs::read_to_string("/proc/sys/kernel/io_uring_disabled").unwrap_or_else(|_| "absent".into());
        let mut fx = Fixture::new(mode);
        let out = fx.base().run("hostile", ["uring"]);
        assert_eq!(out.code(), Some(libc::ENOSYS), "kernel.io_uring_disabled={}\n{}", setting.trim(), out.details());
    }
}

in_both_modes! {
    fn mount_namespace_and_kernel_calls_are_refused(mode) {
        require_ptrace!();
        let before = fs::read_to_string("/proc/self/mountinfo").unwrap();
        let mut fx = Fixture::new(mode);
        let out = fx.base().run("hostile", ["surface"]);
        let expected: &[(&str, &str)] = &[
            ("io_uring_setup", "ENOSYS"),
            ("io_uring_enter", "ENOSYS"),
            ("io_uring_register", "ENOSYS"),
            ("open_tree", "EPERM"),
            ("move_mount", "EPERM"),
            ("fsopen", "EPERM"),
            ("fspick", "EPERM"),
            ("fsmount", "EPERM"),
            ("fsconfig", "EPERM"),
            ("mount_setattr", "EPERM"),
            ("setns", "EPERM"),
            ("unshare-user", "EPERM"),
            ("unshare-mount", "EPERM"),
            ("clone-newuser", "EPERM"),
            ("clone-newpid", "EPERM"),
            ("clone-newnet", "EPERM"),
            ("clone3", "ENOSYS"),
            ("pivot_root", "EPERM"),
            ("open_by_handle_at", "EPERM"),
            ("userfaultfd", "EPERM"),
            ("bpf", "EPERM"),
            ("perf_event_open", "EPERM"),
            ("ptrace", "EPERM"),
            ("keyctl", "EPERM"),
            ("process_vm_writev", "EPERM"),
            ("pidfd_getfd", "EPERM"),
            ("acct", "EPERM"),
        ];
        for (call, errno) in expected {
            assert_eq!(hostile_result(&out, call), Some(*errno), "{call}\n{}", out.details());
        }
        out.expect_exit(0);
        assert_eq!(fs::read_to_string("/proc/self/mountinfo").unwrap(), before, "the host's mounts changed");
    }
}

#[test]
fn chroot_escape_keeps_host_paths_checked() {
    require_ptrace!();
    if !common::is_root() {
        eprintln!("chroot_escape_keeps_host_paths_checked needs CAP_SYS_CHROOT, which only the root run has; skipping");
        return;
    }
    // Own case: a root build chroots into the box, escapes the chroot
    // through a saved descriptor of /, and then writes outside. Plain mode
    // only: --isolate empties every capability set, so chroot itself fails
    // there (checked by isolate_drops_capabilities_and_keeps_mounts_private).
    let mut fx = Fixture::new(Mode::Plain);
    let target = fx.in_outside("escaped");
    let box_dir = fx.in_box("");
    // Reading the directory / itself is allowed, so the escape can hold it.
    let out = fx.base().magic("whitelist/read+/").run("hostile", ["chroot-escape", &box_dir, &target]);
    assert_eq!(hostile_result(&out, "chroot-dot"), Some("ok"), "the escape itself failed\n{}", out.details());
    assert_eq!(hostile_result(&out, "creat"), Some("EPERM"), "{}", out.details());
    assert!(!fx.outside.join("escaped").exists());
}

in_both_modes! {
    fn untraced_clone_is_refused(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let path = fx.in_box("untraced-ran");
        let out = fx.base().run("hostile", ["untraced", &path]);
        assert_eq!(out.code(), Some(libc::EPERM), "{}", out.details());
        assert!(!fx.box_dir.join("untraced-ran").exists(), "an untraced child ran");
    }
}

in_both_modes! {
    fn x32_calls_are_refused(mode) {
        skip_if_kernel_lacks!(KernelFeature::X32Syscalls);
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let flag = fx.flag_path.display().to_string();
        let out = fx.base().run("hostile", ["x32", &flag]);
        fx.assert_not_leaked(&out);
        assert!(matches!(out.code(), Some(libc::ENOSYS) | Some(libc::EPERM)) || out.code().is_none(), "{}", out.details());
    }
}

in_both_modes! {
    fn i386_calls_kill_the_process(mode) {
        require_ptrace!();
        // Own case: an int 0x80 call carries the i386 audit arch, which the
        // filter answers by killing the process (SIGSYS), reported as 128 + 31.
        let mut fx = Fixture::new(mode);
        let out = fx.base().run("hostile", ["i386"]);
        assert!(!out.stdout.contains("int80="), "the i386 call returned\n{}", out.details());
        out.expect_exit(128 + libc::SIGSYS);
    }
}

/// Opens a pseudo-terminal and returns the master and the slave's path.
fn open_pty() -> (nix::pty::PtyMaster, String) {
    use nix::fcntl::OFlag;
    let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY).unwrap();
    nix::pty::grantpt(&master).unwrap();
    nix::pty::unlockpt(&master).unwrap();
    let slave = nix::pty::ptsname_r(&master).unwrap();
    (master, slave)
}

in_both_modes! {
    fn terminal_injection_is_refused(mode) {
        require_ptrace!();
        let legacy = fs::read_to_string("/proc/sys/dev/tty/legacy_tiocsti").unwrap_or_else(|_| "absent".into());
        let (master, slave) = open_pty();
        let mut fx = Fixture::new(mode);
        fx.base();
        let mut args: Vec<OsString> = vec!["-c".into(), "exec \"$@\" <\"$0\"".into(), slave.clone().into()];
        args.extend(fx.case.sydbox_command_line());
        args.extend(["--".into(), helper("hostile").into(), "tty".into()]);
        let out = fx.case.run_program_native("/bin/sh", &args);
        for request in ["TIOCSTI", "TIOCSTI-high-bits", "TIOCLINUX-paste", "TIOCLINUX-setsel"] {
            assert_eq!(hostile_result(&out, request), Some("EPERM"), "{request} (dev.tty.legacy_tiocsti={})\n{}", legacy.trim(), out.details());
        }
        out.expect_exit(0);

        // Nothing reached the terminal's input queue.
        let reader = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&slave)
            .unwrap();
        let mut buf = [0u8; 16];
        // SAFETY: buf is a valid, writable buffer of its length.
        let got = unsafe { libc::read(reader.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        assert!(got <= 0, "{got} bytes were injected into the terminal: {:?}", &buf[..got.max(0) as usize]);
        drop(master);
    }
}

use std::os::unix::fs::OpenOptionsExt as _;

#[test]
fn isolate_drops_capabilities_and_keeps_mounts_private() {
    let before = fs::read_to_string("/proc/self/mountinfo").unwrap();
    // --isolate only: plain mode creates no namespaces to keep private.
    let mut fx = Fixture::new(Mode::Isolate);
    let case = fx.base();
    let out = case.run_program("/bin/sh", ["-c", "grep ^Cap /proc/self/status; umount -l /tmp; unshare -Urm true; chroot / true; exit 0"]);
    for line in out.stdout.lines().filter(|l| l.starts_with("Cap")) {
        assert!(line.ends_with("0000000000000000"), "a capability set is not empty: {line}\n{}", out.details());
    }
    let out = case.run("hostile", ["surface"]);
    out.expect_exit(0);
    assert_eq!(fs::read_to_string("/proc/self/mountinfo").unwrap(), before);
}
