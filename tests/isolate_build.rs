//! GNU hello built under `sydbox --isolate --template build-chroot` with
//! the paludis profile: the build must pass `make check` with output
//! identical to a native build, and a step that writes outside the build
//! tree, reads /etc/shadow or reaches the network must fail cleanly.
//!
//! The source tree comes from `SYDBOX_HELLO_SRC` (`.ci/run` fetches it);
//! without it the tests skip, and fail under SYDBOX_TEST_STRICT=1.

#[macro_use]
mod common;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hello_source, sydbox_bin};

/// A scratch area with a copy of the source in `build` and a private
/// `tmp` (TMPDIR).
struct Area {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Area {
    fn new(source: &Path) -> Area {
        let dir = tempfile::Builder::new().prefix("sydbox-isolate-build.").tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(root.join("tmp")).unwrap();
        let area = Area { _dir: dir, root };
        area.copy(source);
        area
    }

    fn copy(&self, source: &Path) {
        let _ = fs::remove_dir_all(self.root.join("build"));
        let status = Command::new("cp").arg("-a").arg(source).arg(self.root.join("build")).status().unwrap();
        assert!(status.success(), "copying the source tree failed");
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.root.join("build"))
            .env("HOME", self.root.join("tmp"))
            .env("TMPDIR", self.root.join("tmp"))
            .env_remove("SYDBOX_CONFIG")
            .env_remove("MAKEFLAGS");
        command
    }

    fn sydbox(&self) -> Command {
        let mut command = self.command(&sydbox_bin());
        command.args(["--isolate", "--template", "build-chroot", "-c", "@paludis"]);
        command.args(["-m", "whitelist/write-/tmp/***", "-m", "whitelist/write-/var/tmp/***"]);
        command.arg("-m").arg(format!("whitelist/write+{}/build/***", self.root.display()));
        command.arg("-m").arg(format!("whitelist/write+{}/tmp/***", self.root.display()));
        command.arg("--");
        command
    }
}

const BUILD: &str = "./configure >/dev/null && make >/dev/null 2>&1 && make check >/dev/null 2>&1";

#[test]
fn hello_builds_in_build_chroot_identically() {
    require_ptrace!();
    require_userns!();
    let Some(source) = hello_source("hello_builds_in_build_chroot_identically") else { return };
    let area = Area::new(&source);

    let native = area.command(Path::new("/bin/sh")).args(["-c", BUILD]).status().unwrap();
    assert!(native.success(), "the native build failed");
    let native_hello = fs::read(area.root.join("build/hello")).unwrap();

    area.copy(&source);
    let out = area.sydbox().args(["/bin/sh", "-c", BUILD]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the build under --isolate failed: {stderr}");
    assert!(!stderr.contains("Access Violation"), "violations in a clean build: {stderr}");
    let isolated_hello = fs::read(area.root.join("build/hello")).unwrap();
    assert!(native_hello == isolated_hello, "hello differs between the native and the isolated build");
}

#[test]
fn misbehaving_step_fails_cleanly_in_build_chroot() {
    require_ptrace!();
    require_userns!();
    let Some(source) = hello_source("misbehaving_step_fails_cleanly_in_build_chroot") else { return };
    let area = Area::new(&source);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let outside = tempfile::Builder::new().prefix("sydbox-outside.").tempdir_in("/var/tmp").unwrap();
    let pwned = fs::canonicalize(outside.path()).unwrap().join("pwned");
    let script = format!(
        "./configure >/dev/null && make >/dev/null 2>&1 && \
         {{ echo stolen > {pwned}; echo write=$?; }} ; \
         {{ cat /etc/shadow >/dev/null 2>&1; echo shadow=$?; }} ; \
         {{ python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 2)' 2>/dev/null; echo connect=$?; }} ; \
         make check >/dev/null 2>&1 && echo check=ok",
        pwned = pwned.display()
    );
    let out = area.sydbox().args(["/bin/sh", "-c", &script]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build failed: {stdout}\n{stderr}");
    assert!(stdout.contains("write=2"), "the write outside was not refused: {stdout}");
    assert!(stdout.contains("shadow=1"), "/etc/shadow was readable: {stdout}");
    assert!(stdout.contains("connect=1"), "the connect did not fail: {stdout}");
    assert!(stdout.contains("check=ok"), "the rest of the build did not complete: {stdout}");
    assert!(stderr.contains("pwned"), "the write was not reported: {stderr}");
    assert!(stderr.contains("= -1 EPERM"), "the write was not denied with EPERM: {stderr}");
    assert!(stderr.contains(&format!("127.0.0.1@{port}")), "the connect was not reported: {stderr}");
    assert!(
        stderr.contains("`/etc/shadow'") && stderr.contains("isolate/mask"),
        "the read of the masked /etc/shadow was not reported: {stderr}"
    );
    assert!(!pwned.exists(), "the build wrote outside its tree");
    assert!(listener.accept().is_err(), "the listener saw a connection");
}
