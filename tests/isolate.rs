//! Acceptance tests of `sydbox --isolate`: what the command can see of the
//! host (processes, files, mounts, network), what is left after it ends,
//! the process cap, the Landlock layer's superset rule, and the mount plan.
//! They run as root and as uid 65534 (tests/run-unprivileged.sh) and skip
//! loudly where user namespaces or ptrace are missing.

#[macro_use]
mod common;

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{sydbox_bin, Case};

/// A case whose own directory is bound read-write into the view, so the
/// command can start in it.
fn isolated_case() -> Case {
    let mut case = Case::new();
    let dir = case.home_resolved();
    case.arg("--isolate").magic(format!("whitelist/write+{}/***", dir.display()));
    case
}

#[test]
fn host_processes_are_invisible() {
    require_ptrace!();
    require_userns!();
    let case = isolated_case();
    let out = case.run_program("/bin/sh", ["-c", "ls /proc | grep -c '^[0-9]'; cat /proc/1/comm"]);
    out.expect_success();
    let mut lines = out.stdout.lines();
    let count: usize = lines.next().unwrap_or("").trim().parse().unwrap_or(usize::MAX);
    // pid 1 (sydbox), sh, ls and grep at most.
    assert!(count <= 4, "{count} processes visible inside: {}", out.details());
    assert_eq!(lines.next(), Some("sydbox"), "{}", out.details());
}

#[test]
fn host_files_outside_the_view_are_absent() {
    require_ptrace!();
    require_userns!();
    let case = isolated_case();
    let outside = tempfile::Builder::new().prefix("sydbox-outside.").tempdir_in("/var/tmp").unwrap();
    fs::write(outside.path().join("secret"), "x").unwrap();
    let secret = outside.path().join("secret");
    let script = format!(
        "test -e {} && echo visible; test -e /home && echo home; test -e /root && echo root; test -s /etc/shadow && echo shadow; echo end",
        secret.display()
    );
    let out = case.run_program("/bin/sh", ["-c", &script]);
    out.expect_success().expect_stdout("end\n");
}

#[test]
fn masked_reads_are_reported_by_every_route() {
    require_ptrace!();
    require_userns!();
    // Reads stay unchecked in this profile, so sydbox checks reads only
    // for the masks. Paths that miss them take a cheap kernel lookup, the
    // rest the full check. Each route to a mask must end in the full
    // check and its report.
    let case = isolated_case();

    let link = case.home_resolved().join("link");
    let mut routes = vec![
        "/etc/shadow".to_owned(),
        link.display().to_string(),
        "../etc/gshadow".to_owned(),
        "/proc/self/root/etc/shadow".to_owned(),
        "/etc/../etc/shadow".to_owned(),
    ];
    // As an ordinary user sydbox cannot look through pid 1's root (its
    // reaper is not dumpable), so the kernel's EACCES goes unreported.
    if common::is_root() {
        routes.push("/proc/1/root/etc/shadow".to_owned());
    }
    if std::path::Path::new("/etc/shadow-").exists() {
        routes.push("/etc/shadow-".to_owned());
    }
    // The second `ln` probes the existing link with O_DIRECTORY, which
    // reads nothing and fails with ENOTDIR: no report for it.
    let mut script = format!("ln -s /etc/shadow {0}; ln -s /etc/shadow {0} 2>/dev/null; cd /usr; ", link.display());
    for route in &routes {
        script.push_str(&format!("cat {route} 2>/dev/null || echo refused; "));
    }
    script.push_str("cat /etc/hostname >/dev/null && echo readable");

    let out = case.run_program("/bin/sh", ["-c", &script]);
    let expected = format!("{}readable\n", "refused\n".repeat(routes.len()));
    out.expect_success().expect_stdout(&expected);
    let reports: Vec<&str> = out.stderr.lines().filter(|line| line.contains("rule isolate/mask")).collect();
    assert_eq!(reports.len(), routes.len(), "each masked read is reported once: {}", out.details());
    assert!(reports[0].contains("to allow: isolate/mask-/etc/shadow"), "the tip lifts the mask: {}", out.details());
}

#[test]
fn file_masks_read_only_nodev_nosuid() {
    require_ptrace!();
    require_userns!();
    // The first file mask is mounted and restricted; the others are binds
    // of it, which keep its flags.
    let case = isolated_case();
    let out = case.run_program("/bin/cat", ["/proc/self/mountinfo"]);
    out.expect_success();
    let masks: Vec<&str> = out.stdout.lines().filter(|line| line.split(' ').nth(4).is_some_and(|at| at.contains("shadow"))).collect();
    let expected = ["/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-"]
        .iter()
        .filter(|path| std::path::Path::new(path).exists())
        .count();
    assert_eq!(masks.len(), expected, "one mount per mask: {}", out.details());
    for line in masks {
        let options: Vec<&str> = line.split(' ').nth(5).unwrap_or("").split(',').collect();
        for flag in ["ro", "nodev", "nosuid"] {
            assert!(options.contains(&flag), "a mask lacks {flag}: {line}");
        }
    }
}

#[test]
fn mounts_stay_out_of_the_host_table() {
    require_ptrace!();
    require_userns!();
    let before = fs::read_to_string("/proc/self/mountinfo").unwrap();
    let mut child = Command::new(sydbox_bin())
        .args(["--isolate", "--", "/bin/sleep", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let during = fs::read_to_string("/proc/self/mountinfo").unwrap();
    let status = child.wait().unwrap();
    let after = fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(status.success(), "sydbox failed: {status}");
    assert_eq!(before, during, "the host mount table changed while the view existed");
    assert_eq!(before, after, "the host mount table changed after the run");
}

/// The pids of host processes whose command line is exactly `needle`
/// (arguments joined by spaces).
fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).replace('\0', " ").trim_end() == needle {
            found.push(name);
        }
    }
    found
}

#[test]
fn killing_sydbox_ends_everything_inside() {
    require_ptrace!();
    require_userns!();
    let marker = format!("{}.{}", 900 + std::process::id() % 97, std::process::id() % 1000);
    let mut child = Command::new(sydbox_bin())
        .args(["--isolate", "--", "/bin/sh", "-c", &format!("/bin/sleep {marker} & /bin/sleep {marker}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let needle = format!("/bin/sleep {marker}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while processes_with(&needle).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(processes_with(&needle).len(), 2, "the sleeps did not start");
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with(&needle).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(processes_with(&needle), Vec::<String>::new(), "processes outlived sydbox");
}

#[test]
fn nothing_is_left_after_a_normal_exit() {
    require_ptrace!();
    require_userns!();
    let marker = format!("{}.{}", 800 + std::process::id() % 89, std::process::id() % 1000);
    let case = isolated_case();
    // The orphaned sleep is reparented to sydbox's pid 1, which waits for it.
    let out = case.run_program("/bin/sh", ["-c", &format!("/bin/sleep 0.{marker} & echo started")]);
    out.expect_success().expect_stdout("started\n");
    assert_eq!(processes_with(&format!("/bin/sleep 0.{marker}")), Vec::<String>::new());
}

#[test]
fn net_none_has_only_loopback() {
    require_ptrace!();
    require_userns!();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut case = isolated_case();
    case.arg("--net").arg("none");
    // The namespace's own loopback is up: a listener there can be reached.
    let inner = "import socket; l=socket.socket(); l.bind((\"127.0.0.1\", 0)); l.listen(); \
                 c=socket.socket(); c.connect(l.getsockname()); print(\"inner\")";
    let script = format!(
        "grep -c : /proc/net/dev; grep -q '^ *lo:' /proc/net/dev && echo lo; \
         python3 -c '{inner}' 2>/dev/null; \
         python3 -c 'import socket; s=socket.socket(); s.connect((\"127.0.0.1\", {port}))' 2>/dev/null && echo reached; echo end"
    );
    let out = case.run_program("/bin/sh", ["-c", &script]);
    out.expect_success().expect_stdout("1\nlo\ninner\nend\n");
}

#[test]
fn auto_net_keeps_the_host_network_when_allowed() {
    require_ptrace!();
    require_userns!();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let case = isolated_case();
    let script = format!("python3 -c 'import socket; s=socket.socket(); s.connect((\"127.0.0.1\", {port}))' && echo reached");
    case.run_program("/bin/sh", ["-c", &script]).expect_success().expect_stdout("reached\n");
}

#[test]
fn fork_bomb_stops_at_the_cap() {
    require_ptrace!();
    require_userns!();
    let mut case = isolated_case();
    case.magic("core/limit/processes:16").timeout(Duration::from_secs(60));
    // An inner shell starts 32 sleepers against a cap of 16: a fork fails
    // with EAGAIN (dash then exits with 2), the outer shell goes on, and
    // sydbox reports the cap once.
    let script = "/bin/sh -c 'for i in $(seq 32); do /bin/sleep 1 & done' 2>/dev/null; echo inner=$?; echo done";
    let out = case.run_program("/bin/sh", ["-c", script]);
    out.expect_success().expect_stdout("inner=2\ndone\n");
    assert!(out.stderr.contains("core/limit/processes"), "{}", out.details());
}

#[test]
fn inner_layer_sees_view_paths() {
    require_ptrace!();
    require_userns!();
    let mut case = isolated_case();
    case.must_violate()
        .magic("core/sandbox/read:deny")
        .magic("whitelist/read+/usr/***")
        .magic("whitelist/read+/lib*/***")
        .magic("whitelist/read+/etc/ld.so.cache")
        .magic("whitelist/read+/etc/locale.alias");
    let out = case.run_program("/bin/sh", ["-c", "head -c 4 /proc/self/status; cat /etc/hostname; true"]);
    out.expect_stderr_contains("/etc/hostname");
    assert!(out.stdout.starts_with("Name"), "/proc/self must name the tracee: {}", out.details());
    assert!(!out.stderr.contains("/proc/"), "{}", out.details());
}

#[test]
fn dump_plan_prints_and_runs_nothing() {
    let case = Case::new();
    let marker = case.path("ran");
    let mut command = Command::new(sydbox_bin());
    command
        .args(["--dump-plan", "-m", "whitelist/read+/usr/share/***", "--template", "desktop", "--", "/usr/bin/touch"])
        .arg(&marker);
    let out = command.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("pivot_root"), "{text}");
    assert!(text.contains("proc        /proc"), "{text}");
    assert!(!marker.exists(), "--dump-plan ran the command");
}

#[test]
fn version_names_the_layers() {
    let out = Command::new(sydbox_bin()).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Layers:"), "{text}");
    assert!(text.contains("landlock:"), "{text}");
}

#[test]
fn landlock_never_denies_what_the_inner_layer_allows() {
    require_ptrace!();
    require_landlock!();
    let mut case = Case::new();
    let dir = case.home_resolved();
    case.magic("core/trace/magic_lock:on")
        .magic("core/sandbox/write:deny")
        .magic("core/sandbox/exec:deny")
        .magic(format!("whitelist/write+{}/***", dir.display()))
        .magic("whitelist/write+/dev/null")
        .magic("whitelist/exec+/usr/bin/***")
        .magic("whitelist/exec+/bin/***");
    let script = "echo data > out && mv out moved && cat moved && /usr/bin/true && echo > /dev/null && echo ok";
    let out = case.run_program("/bin/sh", ["-c", script]);
    out.expect_success().expect_stdout("data\nok\n");
}

#[test]
fn landlock_binds_a_raced_write() {
    require_ptrace!();
    require_landlock!();
    // With the lock on, a write outside the whitelist fails even for a
    // process the inner layer stops checking (exec/resume_if_match).
    let mut case = Case::new();
    let dir = case.home_resolved();
    let outside = tempfile::Builder::new().prefix("sydbox-outside.").tempdir_in("/var/tmp").unwrap();
    let target = outside.path().join("x");
    case.magic("core/trace/magic_lock:on")
        .magic("core/sandbox/write:deny")
        .magic(format!("whitelist/write+{}/***", dir.display()))
        .magic("exec/resume_if_match+/usr/bin/touch")
        .magic("exec/resume_if_match+/bin/touch");
    let out = case.run_program("/bin/sh", ["-c", &format!("exec touch {}", target.display())]);
    assert!(!target.exists(), "landlock let the write through: {}", out.details());
}

#[test]
fn paths_hidden_by_the_view_are_reported() {
    require_ptrace!();
    require_userns!();
    let mut case = isolated_case();
    let outside = tempfile::Builder::new().prefix("sydbox-outside.").tempdir_in("/var/tmp").unwrap();
    let secret = fs::canonicalize(outside.path()).unwrap().join("secret");
    fs::write(&secret, "x").unwrap();
    // Write sandboxing makes the open reach the supervisor.
    case.magic("core/sandbox/write:deny");
    let script = format!("echo x >> {}; echo rc=$?", secret.display());
    let out = case.run_program("/bin/sh", ["-c", &script]);
    out.expect_success();
    assert!(out.stdout.contains("rc=2"), "{}", out.details());
    out.expect_stderr_contains("hidden by the view").expect_stderr_contains(&format!("isolate/bind+{}", secret.display()));
    assert_eq!(fs::read_to_string(&secret).unwrap(), "x");
}

#[test]
fn cmd_exec_runs_inside_the_view_without_the_inner_layer() {
    require_ptrace!();
    require_userns!();
    let mut case = isolated_case();
    case.magic("core/sandbox/write:deny");
    let dir = case.home_resolved();
    let out_file = dir.join("from-cmd-exec");
    // The shell builds the cmd/exec path itself: the arguments are joined
    // with the byte 0x1F.
    let script = format!(
        "us=$(printf '\\037'); test -e \"/dev/sydbox/cmd/exec!/bin/sh${{us}}-c${{us}}ls / > {out}; cat /proc/1/comm >> {out}\" || exit 10; sleep 1",
        out = out_file.display()
    );
    let out = case.run_program("/bin/sh", ["-c", &script]);
    out.expect_exit(0);
    let listing = fs::read_to_string(&out_file).unwrap_or_default();
    assert!(listing.contains("sydbox"), "cmd/exec did not see the view's pid 1: {listing}");
    assert!(!listing.lines().any(|l| l == "root" || l == "home"), "cmd/exec saw the host root: {listing}");
}

#[test]
fn a_whitelist_of_the_root_keeps_host_processes_out() {
    require_ptrace!();
    require_userns!();
    let mut case = isolated_case();
    case.magic("whitelist/read+/***");
    let out = case.run_program("/bin/sh", ["-c", "ls /proc | grep -c '^[0-9]'; cat /proc/1/comm; echo x > /dev/null && echo null-ok"]);
    out.expect_success();
    let mut lines = out.stdout.lines();
    let count: usize = lines.next().unwrap_or("").trim().parse().unwrap_or(usize::MAX);
    assert!(count <= 4, "{count} processes visible inside: {}", out.details());
    assert_eq!(lines.next(), Some("sydbox"), "{}", out.details());
    assert_eq!(lines.next(), Some("null-ok"), "{}", out.details());
}
