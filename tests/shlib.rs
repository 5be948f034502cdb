//! The build-script library share/sydbox.sh, sourced by a shell that runs
//! under sydbox and by one that does not.

#[macro_use]
mod common;

use std::fs;

use common::Case;

const LIBRARY: &str = include_str!("../share/sydbox.sh");

/// Writes the library into the case directory and returns its path.
fn library(case: &Case) -> String {
    let path = case.path("sydbox.sh");
    fs::write(&path, LIBRARY).unwrap();
    path.display().to_string()
}

#[test]
fn library_drives_the_sandbox_from_a_shell() {
    require_ptrace!();
    let case = Case::new();
    let lib = library(&case);
    let dir = case.home_resolved().display().to_string();
    let script = format!(
        ". {lib}
         sydbox_running || exit 10
         sydbox_query write && exit 11
         sydbox_enable write || exit 12
         sydbox_query write || exit 13
         mkdir {dir}/denied 2>/dev/null && exit 14
         sydbox_allow_write {dir}/ok || exit 15
         mkdir -p {dir}/ok/sub || exit 16
         sydbox_disallow_write {dir}/ok || exit 17
         mkdir {dir}/ok/again 2>/dev/null && exit 18
         sydbox_magic core/sandbox/bogus:1 2>/dev/null && exit 19
         sydbox_disable write || exit 20
         mkdir {dir}/free || exit 21
         sydbox_lock || exit 22
         sydbox_running && exit 23
         sydbox_enable write 2>/dev/null && exit 24
         exit 0"
    );
    case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
    assert!(!case.path("denied").exists());
    assert!(case.path("ok/sub").is_dir());
    assert!(!case.path("ok/again").exists());
    assert!(case.path("free").is_dir());
}

#[test]
fn library_exec_runs_a_command_outside_the_sandbox() {
    require_ptrace!();
    let mut case = Case::new();
    let lib = library(&case);
    let marker = case.path("outside-marker");
    case.magic("core/sandbox/write:deny");
    let script = format!(". {lib}; sydbox_exec {} {} || exit 10; exit 0", common::helper("marker").display(), marker.display());
    case.run_program("/bin/sh", ["-c", &script]).expect_exit(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !marker.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(marker.exists(), "cmd/exec did not run its command outside the write sandbox");
}

#[test]
fn library_fails_cleanly_without_sydbox() {
    let case = Case::new();
    let lib = library(&case);
    let out = case.run_program_native("/bin/sh", ["-c", &format!(". {lib}; sydbox_running && exit 10; sydbox_enable write && exit 11; exit 0")]);
    out.expect_exit(0).expect_stderr_contains("magic command `core/sandbox/write:deny' failed");
}
