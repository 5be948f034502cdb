use super::*;
use crate::policy::Policy;
use crate::profile::{parse_command, Origin, Spanned};

/// A host tree given as a list of paths; a path ending in `/` is a
/// directory, `LINK -> TARGET` a symlink, anything else a file.
struct FakeHost {
    entries: BTreeMap<String, (FileKind, Option<String>)>,
}

impl FakeHost {
    fn new(paths: &[&str]) -> FakeHost {
        let mut entries = BTreeMap::new();
        entries.insert("/".to_string(), (FileKind::Directory, None));
        for path in paths {
            if let Some((link, target)) = path.split_once(" -> ") {
                entries.insert(link.to_string(), (FileKind::Symlink, Some(target.to_string())));
            } else if let Some(dir) = path.strip_suffix('/') {
                entries.insert(dir.to_string(), (FileKind::Directory, None));
            } else {
                entries.insert(path.to_string(), (FileKind::Other, None));
            }
        }
        FakeHost { entries }
    }
}

impl Host for FakeHost {
    fn kind(&self, path: &str) -> Option<FileKind> {
        self.entries.get(path).map(|e| e.0)
    }
    fn list(&self, path: &str) -> Vec<String> {
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        self.entries
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect()
    }
    fn read_link(&self, path: &str) -> Option<String> {
        self.entries.get(path).and_then(|e| e.1.clone())
    }
}

fn policy(lines: &[&str]) -> Policy {
    let commands: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| Spanned { origin: Origin::CommandLine { index: index + 1 }, item: parse_command(line).unwrap() })
        .collect();
    Policy::compile(&commands).unwrap()
}

fn binds(plan: &MountPlan) -> Vec<(String, bool)> {
    plan.ops
        .iter()
        .filter_map(|op| match op {
            MountOp::Bind { target, writable, .. } => Some((target.clone(), *writable)),
            _ => None,
        })
        .collect()
}

#[test]
fn whitelists_become_binds_in_order() {
    let host = FakeHost::new(&["/usr/", "/usr/lib/", "/home/", "/home/u/", "/home/u/.ssh/", "/home/u/work/", "/lib -> usr/lib"]);
    let policy = policy(&["whitelist/read+/usr/***", "whitelist/read+/lib*/***", "whitelist/write+/home/u/work/***"]);
    let plan = plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    assert_eq!(binds(&plan), [("/usr".to_string(), false), ("/home/u/work".to_string(), true)]);
    assert!(plan.ops.contains(&MountOp::Symlink { target: "usr/lib".into(), link: "/lib".into() }));
    assert_eq!(plan.ops.first(), Some(&MountOp::RootTmpfs));
    assert_eq!(plan.ops.last(), Some(&MountOp::PivotRoot));
    let text = plan.to_string();
    assert!(text.contains("bind ro     /usr [nosuid,nodev]"), "{text}");
    assert!(!text.contains(".ssh"), "{text}");
}

#[test]
fn wide_glob_binds_its_literal_prefix() {
    let mut paths: Vec<String> = vec!["/sys/".into(), "/sys/devices/".into()];
    for index in 0..40 {
        paths.push(format!("/sys/devices/d{index}/"));
        paths.push(format!("/sys/devices/d{index}/modalias"));
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let host = FakeHost::new(&refs);
    let policy = policy(&["whitelist/read+/sys/devices/*/modalias"]);
    let plan = plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    assert_eq!(binds(&plan), [("/sys/devices".to_string(), false)]);
    assert!(plan.notes.iter().any(|n| n.contains("bound /sys/devices read-only instead")), "{:?}", plan.notes);
}

#[test]
fn missing_write_tree_is_created_on_the_host() {
    let host = FakeHost::new(&["/home/", "/home/u/"]);
    let policy = policy(&["whitelist/write+/home/u/.config/App/***", "whitelist/read+/nowhere/***"]);
    let plan = plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    assert!(plan.notes.iter().any(|n| n.contains("/nowhere")), "{:?}", plan.notes);
    assert!(!plan.ops.contains(&MountOp::CreateHostDir { path: "/home/u/.config/App".into() }));
    let host = FakeHost::new(&["/home/", "/home/u/", "/home/u/.config/"]);
    let plan = super::plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    assert_eq!(plan.ops[0], MountOp::CreateHostDir { path: "/home/u/.config/App".into() }, "{plan}");
}

#[test]
fn proc_and_dev_entries_use_the_fresh_mounts() {
    let host = FakeHost::new(&["/dev/", "/dev/null", "/dev/snd/", "/proc/", "/proc/cpuinfo"]);
    let policy = policy(&["whitelist/read+/dev/null", "whitelist/read+/proc/cpuinfo", "whitelist/write+/dev/snd/***"]);
    let plan = plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    assert_eq!(binds(&plan), [("/dev/snd".to_string(), true)]);
    assert!(plan.ops.iter().any(|op| matches!(op, MountOp::Bind { devices: true, .. })));
}

#[test]
fn literal_read_blacklist_is_masked() {
    let host = FakeHost::new(&["/etc/", "/etc/shadow", "/etc/ssl/"]);
    let policy = policy(&["whitelist/read+/etc/***", "blacklist/read+/etc/shadow", "blacklist/read+/etc/ss*"]);
    let plan = plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    let masks: Vec<_> = plan.ops.iter().filter(|op| matches!(op, MountOp::Mask { .. })).collect();
    assert_eq!(masks.len(), 1, "{plan}");
}

#[test]
fn network_follows_the_connect_whitelist() {
    let host = FakeHost::new(&[]);
    let local = policy(&["core/sandbox/network:deny", "whitelist/network/connect+LOOPBACK@0-65535", "whitelist/network/connect+unix:/run/x"]);
    assert!(plan(&local, &local.global.isolate, &Caller::default(), &host).new_netns);
    let wide = policy(&["core/sandbox/network:deny", "whitelist/network/connect+inet:0.0.0.0/0@0-65000"]);
    assert!(!plan(&wide, &wide.global.isolate, &Caller::default(), &host).new_netns);
    let off = policy(&[]);
    assert!(!plan(&off, &off.global.isolate, &Caller::default(), &host).new_netns);
    let forced = policy(&["isolate/net:none"]);
    assert!(plan(&forced, &forced.global.isolate, &Caller::default(), &host).new_netns);
}

#[test]
fn template_variables_are_substituted() {
    let host = FakeHost::new(&["/b/", "/b/src/"]);
    let policy = policy(&["isolate/bind+${PWD}::rw", "isolate/bind+${UNSET}/x"]);
    let mut caller = Caller::default();
    caller.vars.insert("PWD".into(), "/b/src".into());
    let plan = plan(&policy, &policy.global.isolate, &caller, &host);
    assert_eq!(binds(&plan), [("/b/src".to_string(), true)]);
    assert!(plan.notes.iter().any(|n| n.contains("UNSET")), "{:?}", plan.notes);
}

#[test]
fn fresh_proc_and_dev_land_on_a_bind_of_the_root() {
    let host = FakeHost::new(&["/usr/", "/proc/", "/dev/"]);
    let policy = policy(&["whitelist/read+/***"]);
    let plan = plan(&policy, &policy.global.isolate, &Caller::default(), &host);
    let position = |wanted: &dyn Fn(&MountOp) -> bool| plan.ops.iter().position(wanted);
    let root_bind = position(&|op| matches!(op, MountOp::Bind { target, .. } if target == "/")).expect("a bind of /");
    let proc_mount = position(&|op| matches!(op, MountOp::Proc)).expect("a fresh /proc");
    let dev_mount = position(&|op| matches!(op, MountOp::Dev)).expect("a fresh /dev");
    assert!(root_bind < proc_mount && root_bind < dev_mount, "{plan}");
}
