//! Hostile inputs, process-tree lifetime: killing or losing the
//! supervisor, daemons that leave the tree, and process caps.

#[macro_use]
mod common;

use std::fs;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{helper, processes_with_token, ChildGuard, unique_token, Fixture, Mode};

/// sydbox removes `SYDBOX_*` variables from the command's environment,
/// so the token travels in another name.
const TOKEN_VARIABLE: &str = "HOSTILE_TEST_TOKEN";

/// The fixture's settings that let sydbox run without ptrace: its base
/// checks execs, which need ptrace's exec events.
const NO_PTRACE: [&str; 2] = ["core/sandbox/exec:off", "core/trace/magic_lock:on"];

/// The two ways sydbox follows processes: by ptrace, and without it.
const FOLLOWING: [&[&str]; 2] = [&[], &NO_PTRACE];

/// Starts sydbox with the fixture's options on `command`, in the
/// background, with `token` in the command's environment and no input or
/// output.
fn spawn_sydbox(fx: &Fixture, token: &str, command: &[&str]) -> ChildGuard {
    let line = fx.case.sydbox_command_line();
    ChildGuard(
        Command::new(&line[0])
            .args(&line[1..])
            .arg("--")
            .args(command)
            .env(TOKEN_VARIABLE, token)
            .current_dir(&fx.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// Waits up to `limit` for every process carrying `token` to be gone, and
/// returns those still there.
fn survivors_after(token: &str, limit: Duration) -> Vec<i32> {
    let started = Instant::now();
    loop {
        let left = processes_with_token(token);
        if left.is_empty() || started.elapsed() > limit {
            return left;
        }
        sleep(Duration::from_millis(50));
    }
}

in_both_modes! {
    fn sandboxed_code_cannot_stop_sydbox(mode) {
        require_ptrace!();
        for following in FOLLOWING {
            cannot_stop_sydbox(mode, following);
        }
    }
}

fn cannot_stop_sydbox(mode: Mode, following: &[&str]) {
    {
        let mut fx = Fixture::new(mode);
        // In plain mode the shell's process group contains sydbox, so sydbox
        // refuses `kill -9 0`. Under --isolate the command runs in its own
        // session, away from sydbox's pid 1, so `kill -9 0` kills only the
        // shell. That run is checked separately below.
        let group_kill = match mode {
            Mode::Plain => "kill -9 0;",
            Mode::Isolate => "",
        };
        let script = format!(
            "kill -9 $PPID; kill -STOP $PPID; {group_kill} sleep 1; {h} read {flag} > {leak}; exit 0",
            h = helper("hostile").display(),
            flag = fx.flag_path.display(),
            leak = fx.in_box("leak")
        );
        let case = fx.base();
        for setting in following {
            case.magic(setting);
        }
        let out = fx.case.run_program("/bin/sh", ["-c", &script]);
        // The shell survived its own signals, so sydbox did too.
        out.expect_exit(0);
        let leak = fs::read_to_string(fx.box_dir.join("leak")).unwrap_or_default();
        assert!(!leak.contains(&fx.flag), "the secret leaked after signalling sydbox");

        if mode == Mode::Isolate {
            let out = fx.case.run_program("/bin/sh", ["-c", "kill -9 0; exit 0"]);
            out.expect_exit(128 + libc::SIGKILL);
        }
    }
}

in_both_modes! {
    fn killing_sydbox_kills_every_tracee(mode) {
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let token = unique_token("kill");
        let script = format!(
            "for i in 1 2 3; do (while :; do {h} read {flag} >> {leak}; sleep 0.1; done) & done; while :; do sleep 0.1; done",
            h = helper("hostile").display(),
            flag = fx.flag_path.display(),
            leak = fx.in_box("leak2")
        );
        fx.base();
        let mut child = spawn_sydbox(&fx, &token, &["/bin/sh", "-c", &script]);
        sleep(Duration::from_millis(800));
        let running = processes_with_token(&token).len();
        assert!(running >= 4, "expected the shell and its loops to run, found {running} processes");

        child.0.kill().unwrap();
        let status = child.0.wait().unwrap();
        let left = survivors_after(&token, Duration::from_secs(2));
        assert!(left.is_empty(), "processes outlived the killed sydbox: {left:?}");
        assert!(!status.success());
        let leak = fs::read_to_string(fx.box_dir.join("leak2")).unwrap_or_default();
        assert!(!leak.contains(&fx.flag), "the secret leaked");
    }
}

in_both_modes! {
    fn daemons_stay_traced_until_they_end(mode) {
        require_ptrace!();
        for following in FOLLOWING {
            daemon_stays_followed(mode, following);
        }
    }
}

fn daemon_stays_followed(mode: Mode, following: &[&str]) {
    {
        let mut fx = Fixture::new(mode);
        let token = unique_token("daemon");
        let flag = fx.flag_path.display().to_string();
        let late = fx.in_box("late");
        let mark = fx.in_outside("late");
        let case = fx.base();
        case.env(TOKEN_VARIABLE, &token);
        for setting in following {
            case.magic(setting);
        }
        let started = Instant::now();
        let out = case.run("hostile", ["daemon", "1", &flag, &late, &mark]);
        let waited = started.elapsed();
        // Either sydbox waited for the daemon, or the daemon is gone now.
        out.expect_exit(0);
        let left = survivors_after(&token, Duration::from_secs(3));
        assert!(left.is_empty(), "the daemon outlived sydbox: {left:?} (sydbox returned after {waited:?})");
        assert!(!fx.outside.join("late").exists(), "the daemon wrote outside the box");
        let copied = fs::read_to_string(fx.box_dir.join("late")).unwrap_or_default();
        assert!(!copied.contains(&fx.flag), "the daemon read the secret");
    }
}

in_both_modes! {
    fn fork_bomb_stops_at_the_process_cap(mode) {
        let mut fx = Fixture::new(mode);
        let token = unique_token("bomb");
        let case = fx.base();
        // As uid 65534 under --isolate (no cgroup), the bomb's shells go on
        // forking as others exit, through about 1,000 generations: 20 to 35 s
        // on a quiet machine, more beside the other tests. The timeout
        // leaves room for that.
        case.env(TOKEN_VARIABLE, &token).magic("core/limit/processes:64").timeout(Duration::from_secs(180));
        let out = case.run_program("/bin/sh", ["-c", "b(){ b & b & }; b; sleep 5"]);
        let left = survivors_after(&token, Duration::from_secs(5));
        assert!(left.is_empty(), "processes outlived sydbox: {}\n{}", left.len(), out.details());
    }
}

in_both_modes! {
    fn killed_sydbox_survivors_cannot_write(mode) {
        // PTRACE_O_EXITKILL is what kills every tracee with sydbox. Without
        // ptrace only the command dies with it (PR_SET_PDEATHSIG). The
        // processes it started live on, but every call the profile checks
        // fails with ENOSYS, because the listener is closed.
        require_ptrace!();
        let mut fx = Fixture::new(mode);
        let token = unique_token("nokill");
        let ticks = fx.box_dir.join("ticks");
        let script = format!(
            "for i in 1 2 3; do (while :; do echo tick >> {t}; sleep 0.1; done) & done; while :; do sleep 0.1; done",
            t = ticks.display()
        );
        let case = fx.base();
        for setting in NO_PTRACE {
            case.magic(setting);
        }
        let mut child = spawn_sydbox(&fx, &token, &["/bin/sh", "-c", &script]);

        sleep(Duration::from_millis(800));
        let before = fs::read_to_string(&ticks).unwrap_or_default().len();
        assert!(before > 0, "the loops wrote nothing while sydbox ran");

        child.0.kill().unwrap();
        let _ = child.0.wait();
        sleep(Duration::from_millis(300));
        let settled = fs::read_to_string(&ticks).unwrap_or_default().len();
        sleep(Duration::from_secs(1));
        let after = fs::read_to_string(&ticks).unwrap_or_default().len();
        for pid in processes_with_token(&token) {
            // SAFETY: kill(2) on a pid read from /proc; the token marks it as this test's.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        assert_eq!(settled, after, "a process wrote after sydbox was killed");
    }
}

in_both_modes! {
    fn sigterm_ends_zombie_leader_threads(mode) {
        // A process whose main thread has ended shows as a zombie in
        // /proc while its other threads run. Without ptrace, sydbox must
        // still find it and end it, rather than wait for it for ever.
        require_ptrace!();
        for following in FOLLOWING {
            let mut fx = Fixture::new(mode);
            let token = unique_token("zleader");
            let ticks = fx.box_dir.join("ticks");
            let case = fx.base();
            for setting in following {
                case.magic(setting);
            }
            let hostile = helper("hostile").display().to_string();
            let mut child = spawn_sydbox(&fx, &token, &[&hostile, "leader-exit-loop", &ticks.display().to_string()]);
            sleep(Duration::from_millis(800));
            assert!(ticks.exists(), "{following:?}: the thread wrote nothing");
            // SAFETY: kill(2) with the pid of our own child.
            assert_eq!(unsafe { libc::kill(child.0.id() as i32, libc::SIGTERM) }, 0);
            let signalled = Instant::now();
            let status = loop {
                if let Some(status) = child.0.try_wait().unwrap() {
                    break Some(status);
                }
                if signalled.elapsed() > Duration::from_secs(10) {
                    break None;
                }
                sleep(Duration::from_millis(50));
            };
            let left = survivors_after(&token, Duration::from_secs(2));
            for pid in &left {
                // SAFETY: kill(2) on a pid the token marks as this test's.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            assert!(status.is_some(), "{following:?}: sydbox did not exit after SIGTERM");
            assert!(left.is_empty(), "{following:?}: processes outlived SIGTERM: {left:?}");
        }
    }
}
