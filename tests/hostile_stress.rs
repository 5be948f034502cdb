//! Stress under one supervisor: many processes and threads making allowed
//! and denied calls at once, a flood of denied calls beside another
//! sandbox, and a supervisor killed in the middle of a build.

#[macro_use]
mod common;

use std::fs;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{helper, hostile_result, processes_with_token, ChildGuard, unique_token, Case, Fixture};

/// sydbox removes `SYDBOX_*` variables from the command's environment,
/// so the token travels in another name.
const TOKEN_VARIABLE: &str = "HOSTILE_TEST_TOKEN";

in_both_modes! {
    fn processes_and_threads_get_exact_decisions(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let allowed = fx.in_box("flag");
        // The helper counts a denied read as right only when it fails with
        // EPERM, but `outside` is missing from the --isolate view (ENOENT).
        // So the denied file is a copy of the secret in a tree that is only
        // exec-whitelisted: --isolate binds it into the view, and the inner
        // layer alone denies reading it, in both modes.
        let exec_only = fx.root.join("exec-only");
        fs::create_dir(&exec_only).unwrap();
        fs::copy(&fx.flag_path, exec_only.join("flag")).unwrap();
        let denied = exec_only.join("flag").display().to_string();
        let work = fx.in_box("work");
        fs::create_dir(&work).unwrap();
        let case = fx.base();
        case.magic(format!("whitelist/exec+{}/***", exec_only.display()));
        case.timeout(Duration::from_secs(60));
        let started = Instant::now();
        let out = case.run("hostile", ["stress", "64", "100", "30", &allowed, &denied, &work]);
        let took = started.elapsed();
        assert_eq!(hostile_result(&out, "wrong"), Some("0"), "{}", out.details());
        out.expect_exit(0);
        assert!(took < Duration::from_secs(30), "took {took:?}");
        fx.assert_not_leaked(&out);
    }
}

in_both_modes! {
    fn denied_call_flood_leaves_other_sandboxes_responsive(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let allowed = fx.in_box("flag");
        let denied = fx.flag_path.display().to_string();
        let work = fx.in_box("work");
        fs::create_dir(&work).unwrap();
        fx.base();
        let line = fx.case.sydbox_command_line();
        let flood = ChildGuard(Command::new(&line[0])
            .args(&line[1..])
            .args(["--", helper("hostile").to_str().unwrap(), "stress", "64", "0", "200", &allowed, &denied, &work])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap());
        sleep(Duration::from_millis(300));
        let mut other = Case::new();
        other.magic("core/sandbox/write:deny");
        let started = Instant::now();
        other.run_program("/bin/true", [""; 0]).expect_exit(0);
        let took = started.elapsed();
        drop(flood);
        assert!(took < Duration::from_secs(5), "a second sandbox took {took:?} during the flood");
    }
}

in_both_modes! {
    fn killing_sydbox_mid_build_leaves_nothing(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let token = unique_token("build");
        // Enough functions that each compile runs for a while at -O2.
        let mut source = String::new();
        for f in 0..400 {
            source.push_str(&format!("static int f{f}(int x) {{ int s = 0; for (int i = 0; i < x; i++) s += i * {f} % 7; return s; }}\n"));
        }
        source.push_str("int main(int argc, char **argv) { (void)argv; return 0");
        for f in 0..400 {
            source.push_str(&format!(" + f{f}(argc)"));
        }
        source.push_str("; }\n");
        let mut makefile = String::from("all:");
        for i in 0..24 {
            fs::write(fx.box_dir.join(format!("u{i}.c")), &source).unwrap();
            makefile.push_str(&format!(" u{i}"));
        }
        makefile.push_str("\n%: %.c\n\tgcc -O2 -o $@ $<\n");
        fs::write(fx.box_dir.join("Makefile"), makefile).unwrap();
        let box_dir = fx.in_box("");
        fx.base();
        let line = fx.case.sydbox_command_line();
        let mut child = ChildGuard(Command::new(&line[0])
            .args(&line[1..])
            .args(["--", "make", "-s", "-j8", "-C", &box_dir])
            .env(TOKEN_VARIABLE, &token)
            .env("TMPDIR", &box_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap());
        let started = Instant::now();
        while processes_with_token(&token).len() < 4 && started.elapsed() < Duration::from_secs(10) {
            sleep(Duration::from_millis(50));
        }
        let running = processes_with_token(&token).len();
        assert!(running >= 4, "the build did not start: {running} processes");

        child.0.kill().unwrap();
        let status = child.0.wait().unwrap();
        assert!(!status.success());
        let killed_at = Instant::now();
        let mut left = processes_with_token(&token);
        while !left.is_empty() && killed_at.elapsed() < Duration::from_secs(3) {
            sleep(Duration::from_millis(50));
            left = processes_with_token(&token);
        }
        assert!(left.is_empty(), "{} processes outlived the killed sydbox: {left:?}", left.len());
    }
}
