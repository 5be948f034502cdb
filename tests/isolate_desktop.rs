//! The sample Skype profile confining a real X11 program under Xvfb with
//! `--isolate`: the window must appear on the display (checked on a
//! screenshot), and reading under `$HOME/.ssh` and running a program
//! outside the exec whitelist must be denied and reported.
//!
//! Needs Xvfb, xclock and xwd (Debian's xvfb and x11-apps; `.ci/run`
//! installs them); without them the tests skip, and fail under
//! SYDBOX_TEST_STRICT=1.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{shared_dir, strict_mode, sydbox_bin, Case};

fn have(program: &str) -> bool {
    ["/usr/bin", "/bin"].iter().any(|dir| Path::new(dir).join(program).exists())
}

fn require_x11_tools(test: &str) -> bool {
    let missing: Vec<&str> = ["Xvfb", "xclock", "xwd"].into_iter().filter(|p| !have(p)).collect();
    if missing.is_empty() {
        return true;
    }
    let reason = format!("{} (Debian packages xvfb and x11-apps)", missing.join(", "));
    assert!(!strict_mode(), "{test} requires {reason}");
    eprintln!("{test} requires {reason}, skipping");
    false
}

/// An Xvfb server on a free display, killed when dropped.
struct Display {
    server: Child,
    number: u32,
}

impl Display {
    fn start() -> Display {
        let base = 90 + std::process::id() % 400;
        for number in base..base + 50 {
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() || Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let server = Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args(["-screen", "0", "320x240x24", "-nolisten", "tcp", "-br"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting Xvfb");
            let mut display = Display { server, number };
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                    return display;
                }
                if let Ok(Some(_)) = display.server.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = display.server.kill();
        }
        panic!("no Xvfb display could be started");
    }

    fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// The share of non-black bytes in a screenshot of the root window.
    fn lit_share(&self, save_as: &Path) -> f64 {
        let out = Command::new("xwd").args(["-root", "-silent", "-display", &self.name()]).output().expect("running xwd");
        assert!(out.status.success(), "xwd failed: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::write(save_as, &out.stdout).unwrap();
        // The image is the tail of the dump: 320 x 240 pixels of 4 bytes.
        let pixels = &out.stdout[out.stdout.len().saturating_sub(320 * 240 * 4)..];
        pixels.iter().filter(|b| **b != 0).count() as f64 / pixels.len().max(1) as f64
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn skype_profile() -> PathBuf {
    shared_dir().join("conformance/skype.syd-1")
}

#[test]
fn skype_profile_shows_xclock_on_xvfb() {
    require_ptrace!();
    require_userns!();
    if !require_x11_tools("skype_profile_shows_xclock_on_xvfb") {
        return;
    }
    let display = Display::start();
    let case = Case::new();
    let before = display.lit_share(&case.path("before.xwd"));
    let mut xclock = Command::new(sydbox_bin())
        .arg("--isolate")
        .arg("-c")
        .arg(skype_profile())
        .args(["--", "xclock", "-display", &display.name(), "-geometry", "200x200+10+10", "-update", "1"])
        .current_dir(case.dir())
        .env("HOME", case.dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut after = 0.0;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        after = display.lit_share(&case.path("after.xwd"));
        if after > 0.2 {
            break;
        }
        if let Ok(Some(status)) = xclock.try_wait() {
            let mut stderr = String::new();
            let _ = std::io::Read::read_to_string(xclock.stderr.as_mut().unwrap(), &mut stderr);
            panic!("xclock ended early with {status}: {stderr}");
        }
    }
    let _ = xclock.kill();
    let _ = xclock.wait();
    assert!(before < 0.01, "the empty display is not black ({before})");
    assert!(after > 0.2, "no xclock window on the screenshot ({after} of the bytes lit)");
}

#[test]
fn skype_profile_denies_ssh_and_foreign_exec() {
    require_ptrace!();
    require_userns!();
    let mut case = Case::new();
    let home = case.home_resolved();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/x"), "private").unwrap();
    // The view leaves $HOME out entirely; binding it in lets the inner
    // layer decide, and report, the read.
    case.arg("--isolate")
        .config(skype_profile())
        .magic(format!("isolate/bind+{}", home.display()))
        .magic("core/violation/exit_code:0");
    let script = "read line < \"$HOME/.ssh/x\" && echo read:$line; /usr/bin/id -u; echo end";
    let out = case.run_program("/bin/sh", ["-c", script]);
    assert_eq!(out.stdout, "end\n", "{}", out.details());
    out.expect_stderr_contains(&format!("{}/.ssh/x", home.display()));
    out.expect_stderr_contains("/usr/bin/id");
}
