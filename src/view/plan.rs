//! Derives the `--isolate` view from the policy: the template's base, then
//! one bind per whitelisted tree, then the fresh `/proc` and `/dev`, masks,
//! and the switch to the new root. The result is an ordered, printable
//! [`MountPlan`]; `view::apply` runs it.
//!
//! Planning makes no system call of its own: the host file system is read
//! through the [`Host`] trait, so tests can plan against a fake tree.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;

use crate::policy::addr::AddrPattern;
use crate::policy::isolate::{Isolate, NetMode};
use crate::policy::wildmatch::wildmatch;
use crate::policy::{Action, Mode, PathRule, Policy};

/// The maximum number of paths one glob may expand to before the plan
/// binds its longest literal prefix instead.
pub const MAX_GLOB_PATHS: usize = 32;

/// Device trees a whitelist may bring into the view with usable device
/// nodes. The view's own minimal `/dev` serves every other `/dev` entry.
const DEVICE_PREFIXES: &[&str] = &["/dev/snd", "/dev/dri", "/dev/video", "/dev/nvidia", "/dev/input"];

/// The type of a host file, as far as planning needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Symlink,
    Other,
}

/// Read access to the host's file system for planning.
pub trait Host {
    /// The type of `path` without following a final symlink, or `None`
    /// when it does not exist.
    fn kind(&self, path: &str) -> Option<FileKind>;
    /// The names in directory `path`, sorted; empty when unreadable.
    fn list(&self, path: &str) -> Vec<String>;
    /// The target of symlink `path`.
    fn read_link(&self, path: &str) -> Option<String>;
}

/// The host's real file system.
pub struct RealHost;

impl Host for RealHost {
    fn kind(&self, path: &str) -> Option<FileKind> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let ty = meta.file_type();
        Some(if ty.is_symlink() {
            FileKind::Symlink
        } else if ty.is_dir() {
            FileKind::Directory
        } else {
            FileKind::Other
        })
    }

    fn list(&self, path: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn read_link(&self, path: &str) -> Option<String> {
        std::fs::read_link(path).ok().map(|p| p.to_string_lossy().into_owned())
    }
}

/// The caller's environment, the plan's input besides the policy.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// Environment variables for `${NAME}` in templates (`PWD`, `HOME`,
    /// `XDG_RUNTIME_DIR`, `WAYLAND_DISPLAY`, `XAUTHORITY`, ...).
    pub vars: BTreeMap<String, String>,
}

/// One step of building the view. Targets are paths inside the view;
/// sources are host paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountOp {
    /// Create a missing write-whitelisted directory on the host, as the
    /// calling user, before any namespace exists.
    CreateHostDir { path: String },
    /// A fresh tmpfs as the view's root.
    RootTmpfs,
    /// A host directory bound read-only as the view's root.
    RootBind { source: String },
    /// A bind mount, always `nosuid`, and `nodev` unless `devices`.
    Bind { source: String, target: String, writable: bool, devices: bool, reason: String },
    /// A symlink created in the view.
    Symlink { target: String, link: String },
    /// A private, empty, writable tmpfs.
    Tmpfs { target: String, reason: String },
    /// A fresh procfs of the new pid namespace at `/proc`.
    Proc,
    /// A tmpfs `/dev` with null, zero, full, random, urandom and tty bound
    /// from the host, a new devpts instance and a tmpfs `/dev/shm`.
    Dev,
    /// Hides `target` (a directory under an empty read-only tmpfs, a file
    /// under `/dev/null`).
    Mask { target: String, directory: bool, reason: String },
    /// Makes the root tmpfs read-only once every mount point exists.
    RemountRootReadOnly,
    /// `pivot_root(2)` into the view and detach the old root.
    PivotRoot,
}

impl fmt::Display for MountOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountOp::CreateHostDir { path } => write!(f, "mkdir-host {path}  (missing write-whitelisted directory)"),
            MountOp::RootTmpfs => write!(f, "tmpfs       /  (view root)"),
            MountOp::RootBind { source } => write!(f, "bind ro     {source} -> /  (isolate/root)"),
            MountOp::Bind { source, target, writable, devices, reason } => {
                let mode = if *writable { "rw" } else { "ro" };
                let flags = if *devices { "nosuid" } else { "nosuid,nodev" };
                if source == target {
                    write!(f, "bind {mode}     {target} [{flags}]  ({reason})")
                } else {
                    write!(f, "bind {mode}     {source} -> {target} [{flags}]  ({reason})")
                }
            }
            MountOp::Symlink { target, link } => write!(f, "symlink     {link} -> {target}"),
            MountOp::Tmpfs { target, reason } => write!(f, "tmpfs       {target} [nosuid,nodev]  ({reason})"),
            MountOp::Proc => write!(f, "proc        /proc [nosuid,nodev,noexec]  (new pid namespace)"),
            MountOp::Dev => write!(
                f,
                "dev         /dev: tmpfs; null zero full random urandom tty bound; devpts /dev/pts; tmpfs /dev/shm"
            ),
            MountOp::Mask { target, directory, reason } => {
                let with = if *directory { "empty read-only tmpfs" } else { "/dev/null" };
                write!(f, "mask        {target} with {with}  ({reason})")
            }
            MountOp::RemountRootReadOnly => write!(f, "remount ro  /"),
            MountOp::PivotRoot => write!(f, "pivot_root  into the view; detach the old root"),
        }
    }
}

/// The ordered steps that build the view, the network choice and the notes
/// on entries left out or widened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MountPlan {
    pub ops: Vec<MountOp>,
    /// Whether the command gets a new network namespace (loopback only).
    pub new_netns: bool,
    /// The reason for the network choice, for the printed plan.
    pub net_reason: String,
    pub hostname: String,
    /// Entries left out of the view or bound wider than written.
    pub notes: Vec<String>,
}

impl fmt::Display for MountPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# namespaces: user mount pid ipc uts{}", if self.new_netns { " net" } else { "" })?;
        writeln!(f, "# network: {}", self.net_reason)?;
        writeln!(f, "# hostname: {}", self.hostname)?;
        for (index, op) in self.ops.iter().enumerate() {
            writeln!(f, "{:>3}  {op}", index + 1)?;
        }
        for note in &self.notes {
            writeln!(f, "# note: {note}")?;
        }
        Ok(())
    }
}

/// One path the view must contain, before ordering.
#[derive(Debug, Clone)]
struct Want {
    source: String,
    target: String,
    writable: bool,
    devices: bool,
    reason: String,
}

/// Replaces `${NAME}` with the caller's variable; `None` when a variable
/// is unset or empty.
fn substitute(text: &str, caller: &Caller) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let value = caller.vars.get(&rest[start + 2..end]).filter(|v| !v.is_empty())?;
        out.push_str(value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn has_glob(component: &str) -> bool {
    component.contains(['*', '?', '[', '\\'])
}

/// The deepest directory of `pattern` written without glob characters.
fn literal_prefix(pattern: &str) -> String {
    let mut prefix = String::new();
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        if has_glob(component) {
            break;
        }
        prefix.push('/');
        prefix.push_str(component);
    }
    if prefix.is_empty() {
        "/".into()
    } else {
        prefix
    }
}

/// The result of expanding one whitelist pattern against the host.
#[derive(Debug, PartialEq, Eq)]
enum Expansion {
    /// Existing host paths the pattern names (whole trees for `/***`).
    Paths(Vec<String>),
    /// Too many paths, or a `**` inside the pattern: bind this instead.
    Widened(String),
}

/// Expands a whitelist pattern to the host paths it names. A trailing
/// `/***` or `/**` names the directory before it as a whole tree.
fn expand(pattern: &str, host: &dyn Host) -> Expansion {
    let mut pattern = pattern;
    for suffix in ["/***", "/**"] {
        if let Some(stripped) = pattern.strip_suffix(suffix) {
            pattern = if stripped.is_empty() { "/" } else { stripped };
            break;
        }
    }
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    if components.iter().any(|c| c.contains("**")) {
        return Expansion::Widened(literal_prefix(pattern));
    }
    let mut current = vec![String::new()];
    for component in components {
        let mut next = Vec::new();
        for dir in &current {
            if has_glob(component) {
                let parent = if dir.is_empty() { "/" } else { dir.as_str() };
                for name in host.list(parent) {
                    // Like the inner layer's matcher, a wildcard matches
                    // dot files too.
                    if wildmatch(component.as_bytes(), name.as_bytes()) {
                        next.push(format!("{dir}/{name}"));
                    }
                }
            } else {
                let unescaped = component.replace('\\', "");
                next.push(format!("{dir}/{unescaped}"));
            }
            if next.len() > MAX_GLOB_PATHS {
                return Expansion::Widened(literal_prefix(pattern));
            }
        }
        current = next;
    }
    let found: Vec<String> = current
        .into_iter()
        .map(|p| if p.is_empty() { "/".to_string() } else { p })
        .filter(|p| host.kind(p).is_some())
        .collect();
    Expansion::Paths(found)
}

/// Expands a whitelist pattern to existing host paths, or to its longest
/// literal prefix when it matches too many paths or cannot be enumerated.
pub fn expand_pattern(pattern: &str, host: &dyn Host) -> Vec<String> {
    match expand(pattern, host) {
        Expansion::Paths(paths) => paths,
        Expansion::Widened(prefix) => vec![prefix],
    }
}

/// Whether `path` is `tree` or lies under it.
fn within(path: &str, tree: &str) -> bool {
    tree == "/" || path == tree || (path.starts_with(tree) && path.as_bytes().get(tree.len()) == Some(&b'/'))
}

fn depth(path: &str) -> usize {
    path.split('/').filter(|c| !c.is_empty()).count()
}

/// Decides `isolate/net:auto`: the host network when the policy lets the
/// command reach any address beyond loopback and unix sockets.
fn choose_network(policy: &Policy, isolate: &Isolate) -> (bool, String) {
    match isolate.net {
        NetMode::None => return (true, "new namespace, loopback only (isolate/net:none)".into()),
        NetMode::Host => return (false, "host network (isolate/net:host)".into()),
        NetMode::Auto => {}
    }
    if policy.sandbox.network != Mode::Deny {
        return (false, "host network (auto: network sandboxing is not in deny mode)".into());
    }
    let wide = policy.sandbox.acl_connect.iter().chain(policy.sandbox.acl_bind.iter()).find(|rule| {
        rule.action == Action::Allow
            && match &rule.pattern {
                AddrPattern::Inet { net, .. } => !(net.prefix_len() >= 8 && net.network().octets()[0] == 127),
                AddrPattern::Inet6 { net, .. } => !(net.prefix_len() == 128 && net.addr().is_loopback()),
                _ => false,
            }
    });
    match wide {
        Some(rule) => (false, format!("host network (auto: the policy allows {})", rule.text)),
        None => (true, "new namespace, loopback only (auto: the policy allows only loopback and unix sockets)".into()),
    }
}

/// Builds the mount plan for `policy` with `isolate` (the template's base
/// with the profile's own `isolate/*` entries laid over it).
pub fn plan(policy: &Policy, isolate: &Isolate, caller: &Caller, host: &dyn Host) -> MountPlan {
    let mut out = MountPlan::default();
    let (new_netns, net_reason) = choose_network(policy, isolate);
    out.new_netns = new_netns;
    out.net_reason = net_reason;
    out.hostname = isolate.hostname.clone().unwrap_or_else(|| "sydbox".into());

    let base = isolate.root.as_deref().and_then(|r| substitute(r, caller));
    let root = base.clone().filter(|r| r != "/");
    // With isolate/root the profile's paths are view paths, found under
    // that root; otherwise every bind is identity-mapped from the host.
    let source_of = |view_path: &str| match &root {
        Some(root) => format!("{root}{view_path}"),
        None => view_path.to_string(),
    };

    let mut wants: Vec<Want> = Vec::new();
    let mut symlinks: Vec<(String, String)> = Vec::new();
    let mut tmpfs: Vec<(String, String)> = Vec::new();
    let mut create_host: Vec<String> = Vec::new();

    for spec in &isolate.binds {
        let (Some(source), Some(target)) = (substitute(&spec.source, caller), substitute(&spec.target, caller)) else {
            out.notes.push(format!("isolate/bind+{} left out: a variable it names is unset", spec.text));
            continue;
        };
        match host.kind(&source) {
            None => {
                if !spec.optional {
                    out.notes.push(format!("isolate/bind+{} left out: {source} does not exist", spec.text));
                }
            }
            Some(FileKind::Symlink) if source == target => {
                if let Some(link) = host.read_link(&source) {
                    symlinks.push((link, target));
                }
            }
            Some(_) => wants.push(Want {
                source,
                target,
                writable: spec.writable,
                devices: spec.devices,
                reason: format!("isolate/bind+{}", spec.text),
            }),
        }
    }
    for entry in &isolate.tmpfs {
        match substitute(entry, caller) {
            Some(path) => tmpfs.push((path, format!("isolate/tmpfs+{entry}"))),
            None => out.notes.push(format!("isolate/tmpfs+{entry} left out: a variable it names is unset")),
        }
    }
    for (target, link) in &isolate.symlinks {
        if let Some(link) = substitute(link, caller) {
            symlinks.push((target.clone(), link));
        }
    }

    // Whitelists: every allow entry adds its paths, even when its category
    // is off, so a profile opens exactly what it names.
    let lists: [(&[PathRule], bool, &str); 3] = [
        (&policy.sandbox.acl_read, false, "whitelist/read"),
        (&policy.sandbox.acl_exec, false, "whitelist/exec"),
        (&policy.sandbox.acl_write, true, "whitelist/write"),
    ];
    let mut patterns: Vec<(String, bool, String)> = Vec::new();
    for (list, writable, key) in lists {
        for rule in list.iter().filter(|r| r.action == Action::Allow) {
            patterns.push((rule.pattern.clone(), writable, format!("{key}+{}", rule.pattern)));
        }
    }
    for rule in policy.sandbox.acl_connect.iter().filter(|r| r.action == Action::Allow) {
        if let AddrPattern::Unix(pattern) = &rule.pattern {
            patterns.push((pattern.clone(), false, format!("whitelist/network/connect+{}", rule.text)));
        }
    }
    // wildmatch::expand stores `DIR/***` as `DIR` and `DIR/**`; the tree
    // entry speaks for both.
    let tree_entries: std::collections::HashSet<String> = patterns.iter().map(|(p, _, _)| p.clone()).collect();
    for (pattern, writable, reason) in patterns {
        if within(&pattern, "/proc") {
            out.notes.push(format!("{reason}: served by the view's fresh /proc"));
            continue;
        }
        if base.as_deref() == Some("/") && !writable {
            // The host's root is the base: every path is already there,
            // read-only; only writable trees need their own bind.
            continue;
        }
        if within(&pattern, "/dev") && !DEVICE_PREFIXES.iter().any(|p| pattern.starts_with(p)) {
            out.notes.push(format!("{reason}: served by the view's minimal /dev"));
            continue;
        }
        let expansion = match &root {
            // Under isolate/root, expand in the root's tree, then map back.
            Some(root) => match expand(&format!("{root}{pattern}"), host) {
                Expansion::Paths(paths) => {
                    Expansion::Paths(paths.into_iter().map(|p| p[root.len()..].to_string()).collect())
                }
                Expansion::Widened(prefix) => Expansion::Widened(prefix[root.len().min(prefix.len())..].to_string()),
            },
            None => expand(&pattern, host),
        };
        let paths = match expansion {
            Expansion::Paths(paths) if paths.is_empty() => {
                if tree_entries.contains(&format!("{pattern}/**")) {
                    continue;
                }
                let tree = pattern.strip_suffix("/***").or_else(|| pattern.strip_suffix("/**")).filter(|t| !has_glob(t));
                let parent_exists = tree
                    .and_then(|t| t.rsplit_once('/'))
                    .is_some_and(|(parent, _)| host.kind(&source_of(if parent.is_empty() { "/" } else { parent })) == Some(FileKind::Directory));
                match tree {
                    Some(tree) if writable && parent_exists && root.is_none() => {
                        create_host.push(tree.to_string());
                        vec![tree.to_string()]
                    }
                    _ => {
                        out.notes.push(format!("{reason}: left out, nothing on the host matches"));
                        continue;
                    }
                }
            }
            Expansion::Paths(paths) => paths,
            Expansion::Widened(prefix) => {
                out.notes.push(format!(
                    "{reason}: matches more than {MAX_GLOB_PATHS} paths or cannot be enumerated; bound {prefix} read-only instead"
                ));
                wants.push(Want { source: source_of(&prefix), target: prefix, writable: false, devices: false, reason });
                continue;
            }
        };
        let devices = DEVICE_PREFIXES.iter().any(|p| pattern.starts_with(p));
        for path in paths {
            let source = source_of(&path);
            if host.kind(&source) == Some(FileKind::Symlink) {
                if let Some(link) = host.read_link(&source) {
                    symlinks.push((link, path));
                }
                continue;
            }
            wants.push(Want { source, target: path, writable, devices, reason: reason.clone() });
        }
    }

    // A target bound twice keeps the widest access; a target inside a tree
    // bound with the same access is left to that tree.
    let mut merged: BTreeMap<String, Want> = BTreeMap::new();
    for want in wants {
        match merged.get_mut(&want.target) {
            Some(existing) => {
                existing.writable |= want.writable;
                existing.devices |= want.devices;
            }
            None => {
                merged.insert(want.target.clone(), want);
            }
        }
    }
    let all: Vec<Want> = merged.values().cloned().collect();
    let mut binds: Vec<Want> = all
        .iter()
        .filter(|want| {
            !all.iter().any(|outer| {
                outer.target != want.target
                    && within(&want.target, &outer.target)
                    && outer.writable == want.writable
                    && outer.devices == want.devices
                    && outer.source.len() <= want.source.len()
                    && want.source.strip_prefix(outer.source.as_str()) == want.target.strip_prefix(outer.target.as_str())
            })
        })
        .cloned()
        .collect();
    // A whitelisted tree replaces the template's tmpfs at the same place.
    tmpfs.retain(|(path, _)| {
        let replaced = binds.iter().any(|b| b.target == *path);
        if replaced {
            out.notes.push(format!("tmpfs {path} replaced by a whitelisted bind of the same path"));
        }
        !replaced
    });
    binds.sort_by(|a, b| depth(&a.target).cmp(&depth(&b.target)).then(a.target.cmp(&b.target)));

    for path in create_host {
        out.ops.push(MountOp::CreateHostDir { path });
    }
    out.ops.push(match &base {
        Some(base) => MountOp::RootBind { source: base.clone() },
        None => MountOp::RootTmpfs,
    });
    // Parents before children, so a deeper bind lands on top of its tree.
    let mut mounts: Vec<(usize, MountOp)> = Vec::new();
    for want in binds {
        mounts.push((
            depth(&want.target),
            MountOp::Bind {
                source: want.source,
                target: want.target,
                writable: want.writable,
                devices: want.devices,
                reason: want.reason,
            },
        ));
    }
    for (target, reason) in tmpfs {
        mounts.push((depth(&target), MountOp::Tmpfs { target, reason }));
    }
    mounts.sort_by_key(|(d, _)| *d);
    // A bind of `/` itself (`whitelist/read+/***`) goes first; the fresh
    // /proc and /dev then land on top of it, so the host's processes and
    // devices stay out of the view, and device binds land on top of /dev.
    let (covering, deeper): (Vec<_>, Vec<_>) = mounts.into_iter().partition(|(_, op)| {
        matches!(op, MountOp::Bind { target, .. } | MountOp::Tmpfs { target, .. } if target == "/")
    });
    out.ops.extend(covering.into_iter().map(|(_, op)| op));
    out.ops.push(MountOp::Proc);
    out.ops.push(MountOp::Dev);
    out.ops.extend(deeper.into_iter().map(|(_, op)| op));
    symlinks.sort_by(|a, b| a.1.cmp(&b.1));
    symlinks.dedup_by(|a, b| a.1 == b.1);
    for (target, link) in symlinks {
        out.ops.push(MountOp::Symlink { target, link });
    }

    // Literal read-blacklisted paths that a bound tree would show.
    let bound: Vec<String> = out
        .ops
        .iter()
        .filter_map(|op| match op {
            MountOp::Bind { target, .. } => Some(target.clone()),
            MountOp::RootBind { .. } => Some("/".into()),
            _ => None,
        })
        .collect();
    let mut masks: Vec<(String, String)> = isolate
        .masks
        .iter()
        .filter_map(|m| substitute(m, caller).map(|p| (p, format!("isolate/mask+{m}"))))
        .collect();
    for rule in policy.sandbox.acl_read.iter().filter(|r| r.action == Action::Deny && !has_glob(&r.pattern)) {
        masks.push((rule.pattern.clone(), format!("blacklist/read+{}", rule.pattern)));
    }
    for (path, reason) in masks {
        if !bound.iter().any(|tree| within(&path, tree)) {
            continue;
        }
        match host.kind(&source_of(&path)) {
            Some(kind) => out.ops.push(MountOp::Mask { target: path, directory: kind == FileKind::Directory, reason }),
            None => out.notes.push(format!("{reason}: nothing to mask, {path} does not exist")),
        }
    }
    if base.is_none() {
        out.ops.push(MountOp::RemountRootReadOnly);
    }
    out.ops.push(MountOp::PivotRoot);
    out
}

#[cfg(test)]
mod tests;
