//! `sydfmt exec` output, byte for byte.

use std::process::Command;

fn sydfmt() -> std::path::PathBuf {
    match std::env::var_os("SYDBOX_BIN") {
        Some(sydbox) => std::path::Path::new(&sydbox).with_file_name("sydfmt"),
        None => env!("CARGO_BIN_EXE_sydfmt").into(),
    }
}

#[test]
fn exec_joins_arguments_with_unit_separators_and_no_newline() {
    let out = Command::new(sydfmt()).args(["exec", "--", "echo", "a b", "-n"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"/dev/sydbox/cmd/exec!echo\x1fa b\x1f-n");
}

#[test]
fn bad_usage_exits_1() {
    assert_eq!(Command::new(sydfmt()).output().unwrap().status.code(), Some(1));
    assert_eq!(Command::new(sydfmt()).arg("frob").output().unwrap().status.code(), Some(1));
    assert_eq!(Command::new(sydfmt()).arg("-h").output().unwrap().status.code(), Some(0));
}
