//! Real package builds under sydbox: GNU hello from its Debian source,
//! built under the paludis profile, compared with a native build.
//!
//! The source tree comes from `SYDBOX_HELLO_SRC` (`.ci/run` fetches it
//! with shared/tools/fetch-debian-source). Without it the tests skip,
//! loudly, and fail under SYDBOX_TEST_STRICT=1.

#[macro_use]
mod common;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{helper, hello_source, sydbox_bin};

/// A scratch area: `build` (the tree), `tmp` (TMPDIR) and `home` (HOME,
/// which the profile leaves read-only).
struct Area {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Area {
    fn new(source: &Path) -> Area {
        let dir = tempfile::Builder::new().prefix("sydbox-build.").tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        for sub in ["tmp", "home"] {
            fs::create_dir(root.join(sub)).unwrap();
        }
        let status = Command::new("cp").arg("-a").arg(source).arg(root.join("build")).status().unwrap();
        assert!(status.success(), "copying the source tree failed");
        Area { _dir: dir, root }
    }

    fn reset(&self, source: &Path) {
        fs::remove_dir_all(self.root.join("build")).unwrap();
        let status = Command::new("cp").arg("-a").arg(source).arg(self.root.join("build")).status().unwrap();
        assert!(status.success());
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.root.join("build"))
            .env("HOME", self.root.join("home"))
            .env("TMPDIR", self.root.join("tmp"))
            .env_remove("SYDBOX_CONFIG")
            .env_remove("MAKEFLAGS");
        command
    }

    /// `sydbox -c @paludis` with /tmp taken out of the write whitelist, so
    /// only the build tree and the private TMPDIR are writable.
    fn sydbox(&self) -> Command {
        let mut command = self.command(&sydbox_bin());
        command.args(["-c", "@paludis", "-m", "whitelist/write-/tmp/***", "-m", "whitelist/write-/var/tmp/***"]);
        command.arg("-m").arg(format!("whitelist/write+{}/build/***", self.root.display()));
        command.arg("-m").arg(format!("whitelist/write+{}/tmp/***", self.root.display()));
        command.arg("--");
        command
    }
}

const BUILD: &str = "./configure >/dev/null && make >/dev/null 2>&1 && make check >/dev/null 2>&1";

#[test]
fn hello_builds_under_paludis_with_no_violation_and_identical_output() {
    require_ptrace!();
    let Some(source) = hello_source("hello_builds_under_paludis_with_no_violation_and_identical_output") else { return };
    let area = Area::new(&source);

    let native = area.command(Path::new("/bin/sh")).args(["-c", BUILD]).status().unwrap();
    assert!(native.success(), "the native build failed");
    let native_hello = fs::read(area.root.join("build/hello")).unwrap();

    area.reset(&source);
    let out = area.sydbox().args(["/bin/sh", "-c", BUILD]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the build under sydbox failed: {stderr}");
    assert!(!stderr.contains("Access Violation"), "violations in a clean build: {stderr}");
    let sandboxed_hello = fs::read(area.root.join("build/hello")).unwrap();
    assert!(native_hello == sandboxed_hello, "hello differs between the native and the sandboxed build");
}

#[test]
fn a_misbehaving_build_step_is_denied_and_the_build_completes() {
    require_ptrace!();
    let Some(source) = hello_source("a_misbehaving_build_step_is_denied_and_the_build_completes") else { return };
    let area = Area::new(&source);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let pwned = area.root.join("home/pwned");
    let script = format!(
        "./configure >/dev/null && make >/dev/null 2>&1 && \
         {{ echo stolen > \"$HOME/pwned\"; echo write=$?; }} ; \
         {{ {netc} connect inet 127.0.0.1 {port}; echo connect=$?; }} ; \
         make check >/dev/null 2>&1 && echo check=ok",
        netc = helper("netc").display()
    );
    let out = area.sydbox().args(["/bin/sh", "-c", &script]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build failed: {stdout}\n{stderr}");
    assert!(stdout.contains("write=2"), "the shell's redirection was not refused: {stdout}");
    assert!(stdout.contains(&format!("connect={}", libc::ECONNREFUSED)), "connect not refused with ECONNREFUSED: {stdout}");
    assert!(stdout.contains("check=ok"), "the rest of the build did not complete: {stdout}");
    assert!(stderr.contains("home/pwned") && stderr.contains("= -1 EPERM"), "write not reported: {stderr}");
    assert!(stderr.contains(&format!("inet:127.0.0.1@{port}")) && stderr.contains("ECONNREFUSED"), "connect not reported: {stderr}");
    assert!(!pwned.exists(), "the build wrote into $HOME");
    assert!(listener.accept().is_err(), "the listener saw a connection");
    assert!(area.root.join("build/hello").exists());
}
