//! Path resolution in the tracee's view, as the kernel would resolve the
//! same path for the same call.
//!
//! The walk goes one component at a time with `lstat` under the tracee's
//! root (`/proc/PID/root`, or `/` when it is the supervisor's own root),
//! reads each symlink itself and substitutes it, so `..` applies after
//! symlinks and never reaches the kernel. `/proc/self` and
//! `/proc/thread-self` name the tracee, not the supervisor.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::FileTypeExt as _;
use std::path::PathBuf;

use nix::errno::Errno;

use super::mem::PATH_MAX;

/// The kernel's limit on symlinks followed in one lookup.
const MAX_SYMLINKS: usize = 40;

/// How the last component is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// The last component may be missing (create, rename target).
    pub may_miss: bool,
    /// A final symlink is followed.
    pub follow: bool,
}

/// Whose view a path is resolved in.
#[derive(Debug, Clone)]
pub struct View {
    /// The prefix that reaches the tracee's root from the supervisor:
    /// empty when both share a root, else `/proc/TID/root`.
    pub root_prefix: Vec<u8>,
    /// The tracee's thread group id and thread id, for `/proc/self` and
    /// `/proc/thread-self`.
    pub tgid: i32,
    pub tid: i32,
}

/// Returns the thread group id and thread id of host thread `tid` as its
/// own pid namespace numbers them (the last fields of `NStgid` and `NSpid`
/// in `/proc/TID/status`), which is what `/proc/self` means inside
/// `--isolate`. `None` when the thread is gone.
pub fn namespace_ids(tid: i32) -> Option<(i32, i32)> {
    let status = status_text(tid)?;
    Some((status_field(&status, "NStgid:")?, status_field(&status, "NSpid:")?))
}

/// Returns the thread group (process) that thread `tid` belongs to now,
/// from its `Tgid:` line; `None` when no such thread exists.
pub fn thread_group(tid: i32) -> Option<i32> {
    status_field(&status_text(tid)?, "Tgid:")
}

/// Returns the parent of process `pid`, from `/proc/PID/status`; `None`
/// when it is gone.
pub fn parent_of(pid: i32) -> Option<i32> {
    status_field(&status_text(pid)?, "PPid:")
}

/// Reads `/proc/TID/status`.
fn status_text(tid: i32) -> Option<String> {
    use std::io::Read as _;
    // The file reports no size, so `read_to_string` would read it in eight
    // growing pieces. The fields wanted are in the first kilobyte, and one
    // 4 KiB buffer takes the whole file in one or two calls.
    let mut file = std::fs::File::open(format!("/proc/{tid}/status")).ok()?;
    let mut buffer = [0u8; 4096];
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(String::from_utf8_lossy(&buffer[..filled]).into_owned())
}

/// Returns the last number on the line of `status` that starts with `key`
/// (the innermost namespace's, for the `NS` lines).
fn status_field(status: &str, key: &str) -> Option<i32> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().last()?.parse().ok()
}

/// A file type, as far as resolution needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Directory,
    Symlink,
    Other,
    Missing,
}

/// The result of a resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The canonical absolute path, in the tracee's view.
    pub path: Vec<u8>,
    /// What the last component is.
    pub kind: Kind,
}

fn lstat_kind(full: &[u8]) -> Result<Kind, Errno> {
    match std::fs::symlink_metadata(OsStr::from_bytes(full)) {
        Ok(meta) => {
            let ty = meta.file_type();
            Ok(if ty.is_dir() {
                Kind::Directory
            } else if ty.is_symlink() {
                Kind::Symlink
            } else {
                let _ = ty.is_socket();
                Kind::Other
            })
        }
        Err(err) => Err(Errno::from_raw(err.raw_os_error().unwrap_or(libc::EIO))),
    }
}

fn read_link(full: &[u8]) -> Result<Vec<u8>, Errno> {
    std::fs::read_link(OsStr::from_bytes(full))
        .map(|target: PathBuf| target.into_os_string().into_vec())
        .map_err(|err| Errno::from_raw(err.raw_os_error().unwrap_or(libc::EIO)))
}

use std::os::unix::ffi::OsStringExt as _;

fn join(components: &[Vec<u8>]) -> Vec<u8> {
    if components.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::with_capacity(components.iter().map(|c| c.len() + 1).sum());
    for component in components {
        out.push(b'/');
        out.extend_from_slice(component);
    }
    out
}

/// Reports whether `resolved` is a `/proc/N/fd` or `/proc/N/task/M/fd`
/// directory, or names `/proc/N` itself (for `cwd`, `root` and `exe`):
/// the places whose symlinks are magic links to kernel objects.
fn in_proc_pid(resolved: &[Vec<u8>]) -> bool {
    resolved.len() >= 2 && resolved[0] == b"proc" && resolved[1].iter().all(u8::is_ascii_digit)
}

/// Reports whether the magic link at `link` (a full path for the
/// supervisor) leads to the same object as its text `target` names in the
/// tracee's view. The kernel follows a magic link to the object itself,
/// never through its text.
fn names_object(link: &[u8], root_prefix: &[u8], target: &[u8]) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    if !target.starts_with(b"/") {
        return false;
    }
    let named = [root_prefix, target].concat();
    match (std::fs::metadata(OsStr::from_bytes(link)), std::fs::metadata(OsStr::from_bytes(&named))) {
        (Ok(object), Ok(by_name)) => object.dev() == by_name.dev() && object.ino() == by_name.ino(),
        _ => false,
    }
}

fn is_directory(full: &[u8]) -> bool {
    std::fs::metadata(OsStr::from_bytes(full)).is_ok_and(|meta| meta.is_dir())
}

/// Resolves `path` for a call made by the tracee.
///
/// `base` is the absolute directory a relative path starts from (the
/// working directory or the dirfd's target), in the tracee's view.
///
/// # Errors
///
/// The errno the kernel would give for the same lookup: `ENOENT`,
/// `ENOTDIR`, `ELOOP`, `ENAMETOOLONG`, `EACCES` and so on. Callers deny
/// the call with it (fail closed).
pub fn resolve(view: &View, base: &[u8], path: &[u8], mode: Mode) -> Result<Resolved, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut resolved: Vec<Vec<u8>> = Vec::new();
    let mut pending: Vec<Vec<u8>> = Vec::new();
    // A trailing slash (or `/.`) asks for a directory.
    let mut must_be_dir = path.ends_with(b"/") || path.ends_with(b"/.") || path.ends_with(b"/..");

    push_components(&mut pending, path);
    if !path.starts_with(b"/") {
        push_components(&mut pending, base);
    }
    let mut links = 0usize;
    let mut kind = Kind::Directory;

    while let Some(component) = pending.pop() {
        match component.as_slice() {
            b"." => {
                kind = Kind::Directory;
                continue;
            }
            b".." => {
                resolved.pop();
                kind = Kind::Directory;
                continue;
            }
            _ => {}
        }
        let last = pending.is_empty();

        // /proc/self and /proc/thread-self would name the supervisor.
        if resolved.len() == 1 && resolved[0] == b"proc" {
            if component == b"self" {
                resolved.push(view.tgid.to_string().into_bytes());
                kind = Kind::Directory;
                continue;
            }
            if component == b"thread-self" {
                resolved.push(view.tgid.to_string().into_bytes());
                resolved.push(b"task".to_vec());
                resolved.push(view.tid.to_string().into_bytes());
                kind = Kind::Directory;
                continue;
            }
        }

        resolved.push(component);
        let mut full = view.root_prefix.clone();
        full.extend_from_slice(&join(&resolved));
        if full.len() >= PATH_MAX + view.root_prefix.len() {
            return Err(Errno::ENAMETOOLONG);
        }
        kind = match lstat_kind(&full) {
            Ok(kind) => kind,
            Err(Errno::ENOENT) if last && mode.may_miss => {
                kind = Kind::Missing;
                break;
            }
            Err(err) => return Err(err),
        };
        match kind {
            Kind::Symlink => {
                if last && !mode.follow && !must_be_dir {
                    break;
                }
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = read_link(&full)?;
                if in_proc_pid(&resolved[..resolved.len() - 1]) && !names_object(&full, &view.root_prefix, &target) {
                    // A magic link to an object that its text does not
                    // name: one with no path (pipe:[N], socket:[N],
                    // anon_inode:...), a memfd (`/memfd:NAME (deleted)`)
                    // or a deleted file. The link itself names it.
                    if !last {
                        return Err(if is_directory(&full) { Errno::ENOENT } else { Errno::ENOTDIR });
                    }
                    kind = Kind::Other;
                    break;
                }
                resolved.pop();
                if target.starts_with(b"/") {
                    resolved.clear();
                }
                if target.ends_with(b"/") && last {
                    must_be_dir = true;
                }
                push_components(&mut pending, &target);
            }
            Kind::Directory => {}
            Kind::Other | Kind::Missing => {
                if !last {
                    return Err(Errno::ENOTDIR);
                }
            }
        }
    }

    if must_be_dir && kind == Kind::Other {
        return Err(Errno::ENOTDIR);
    }
    let path = join(&resolved);
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(Resolved { path, kind })
}

/// Pushes the components of `path` so that the first is popped first.
fn push_components(pending: &mut Vec<Vec<u8>>, path: &[u8]) {
    for component in path.split(|b| *b == b'/').filter(|c| !c.is_empty()).rev() {
        pending.push(component.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn me() -> View {
        let pid = std::process::id() as i32;
        View { root_prefix: Vec::new(), tgid: pid, tid: pid }
    }

    const FOLLOW: Mode = Mode { may_miss: false, follow: true };
    const CREATE: Mode = Mode { may_miss: true, follow: true };
    const NOFOLLOW: Mode = Mode { may_miss: false, follow: false };

    #[test]
    fn resolves_like_the_kernel() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap().into_os_string().into_vec();
        let at = |s: &str| [root.as_slice(), s.as_bytes()].concat();
        std::fs::create_dir_all(OsStr::from_bytes(&at("/a/b"))).unwrap();
        std::fs::write(OsStr::from_bytes(&at("/a/b/f")), b"x").unwrap();
        symlink(OsStr::from_bytes(&at("/a/b")), OsStr::from_bytes(&at("/l"))).unwrap();
        symlink("b/f", OsStr::from_bytes(&at("/a/rel"))).unwrap();
        symlink("loop", OsStr::from_bytes(&at("/loop"))).unwrap();
        symlink("nowhere", OsStr::from_bytes(&at("/dangling"))).unwrap();
        let view = me();

        assert_eq!(resolve(&view, &root, b"a/./b//f", FOLLOW).unwrap().path, at("/a/b/f"));
        // `..` applies after the symlink: l/.. is /a, not the directory of l.
        assert_eq!(resolve(&view, &root, b"l/../b/f", FOLLOW).unwrap().path, at("/a/b/f"));
        assert_eq!(resolve(&view, &root, b"a/rel", FOLLOW).unwrap().path, at("/a/b/f"));
        assert_eq!(resolve(&view, &root, b"a/rel", NOFOLLOW).unwrap().path, at("/a/rel"));
        assert_eq!(resolve(&view, &root, b"loop", FOLLOW), Err(Errno::ELOOP));
        assert_eq!(resolve(&view, &root, b"missing", FOLLOW), Err(Errno::ENOENT));
        assert_eq!(resolve(&view, &root, b"missing", CREATE).unwrap().kind, Kind::Missing);
        assert_eq!(resolve(&view, &root, b"missing/x", CREATE), Err(Errno::ENOENT));
        assert_eq!(resolve(&view, &root, b"a/b/f/", FOLLOW), Err(Errno::ENOTDIR));
        assert_eq!(resolve(&view, &root, b"a/b/f/x", CREATE), Err(Errno::ENOTDIR));
        assert_eq!(resolve(&view, &root, b"dangling", CREATE).unwrap().path, at("/nowhere"));
        assert_eq!(resolve(&view, &root, b"", FOLLOW), Err(Errno::ENOENT));
        assert_eq!(resolve(&view, &root, &vec![b'a'; 5000], FOLLOW), Err(Errno::ENAMETOOLONG));
        assert_eq!(resolve(&view, b"/", b"/../../..", FOLLOW).unwrap().path, b"/".to_vec());
    }

    #[test]
    fn namespace_ids_of_self_are_host_ids() {
        let pid = std::process::id() as i32;
        assert_eq!(namespace_ids(pid), Some((pid, pid)));
        assert_eq!(namespace_ids(i32::MAX), None);
        assert_eq!(thread_group(pid), Some(pid));
        assert_eq!(thread_group(i32::MAX), None);
    }

    #[test]
    fn proc_self_names_the_tracee() {
        let view = View { root_prefix: Vec::new(), tgid: 1, tid: 1 };
        assert_eq!(resolve(&view, b"/", b"/proc/self/status", FOLLOW).unwrap().path, b"/proc/1/status".to_vec());
        let view = me();
        let fd = resolve(&view, b"/", b"/proc/self/fd/0", FOLLOW);
        assert!(fd.is_ok(), "{fd:?}");
    }

    #[test]
    fn magic_links_to_pathless_objects_name_themselves() {
        use std::os::fd::AsRawFd as _;
        let view = me();
        let pid = view.tgid;
        // A memfd's link text is `/memfd:NAME (deleted)`, which names no file.
        let memfd = nix::sys::memfd::memfd_create(c"probe", nix::sys::memfd::MFdFlags::empty()).unwrap();
        let link = format!("/proc/self/fd/{}", memfd.as_raw_fd());
        let resolved = resolve(&view, b"/", link.as_bytes(), FOLLOW).unwrap();
        assert_eq!(resolved.path, format!("/proc/{pid}/fd/{}", memfd.as_raw_fd()).into_bytes());
        assert_eq!(resolved.kind, Kind::Other);

        // A deleted file whose name was taken by another file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = std::fs::File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"other").unwrap();
        let link = format!("/proc/self/fd/{}", file.as_raw_fd());
        let resolved = resolve(&view, b"/", link.as_bytes(), FOLLOW).unwrap();
        assert_eq!(resolved.path, format!("/proc/{pid}/fd/{}", file.as_raw_fd()).into_bytes());

        // An ordinary open file still resolves to its path.
        let kept = std::fs::File::open(&path).unwrap();
        let link = format!("/proc/self/fd/{}", kept.as_raw_fd());
        let resolved = resolve(&view, b"/", link.as_bytes(), FOLLOW).unwrap();
        assert_eq!(resolved.path, std::fs::canonicalize(&path).unwrap().into_os_string().into_vec());
    }
}
