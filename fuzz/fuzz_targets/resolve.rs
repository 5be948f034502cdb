//! Fuzzes the path resolver against the kernel on a scratch tree.
//!
//! The input picks a base directory, the lookup mode and a path built from
//! names of the tree (directories, a file, absolute, relative, looping,
//! dangling and upward symlinks, `.`, `..` and empty components). The
//! kernel's own answer is `openat(O_PATH)` of the same path, read back
//! through `/proc/self/fd`. The resolver must agree with it: the same
//! canonical path when the kernel finds the object, the same errno when
//! it fails, and for a lookup that may create, a missing last component
//! under an existing directory.
#![no_main]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sydbox::trace::resolve::{resolve, Kind, Mode, View};

/// Names the path is built from.
const TOKENS: &[&str] =
    &["a", "b", "f", "abs", "rel", "up", "root", "loop", "dangle", "fl", "back", "slash", "self", "nowhere", ".", "..", ""];

/// Creates the scratch tree once and returns its canonical root.
fn tree() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sydbox-fuzz-resolve.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        let root = std::fs::canonicalize(&dir).unwrap();
        std::fs::write(root.join("f"), "f").unwrap();
        std::fs::write(root.join("a/f"), "f").unwrap();
        symlink(root.join("a"), root.join("abs")).unwrap();
        symlink("a/b", root.join("rel")).unwrap();
        symlink("../..", root.join("a/up")).unwrap();
        symlink("/", root.join("root")).unwrap();
        symlink("loop", root.join("loop")).unwrap();
        symlink("nowhere", root.join("dangle")).unwrap();
        symlink("f", root.join("fl")).unwrap();
        symlink("..", root.join("a/back")).unwrap();
        symlink("a/", root.join("slash")).unwrap();
        symlink(".", root.join("a/b/self")).unwrap();
        root
    })
}

/// The kernel's resolution: the canonical path or the errno.
fn kernel(path: &[u8], follow: bool) -> Result<Vec<u8>, i32> {
    let c_path = std::ffi::CString::new(path).map_err(|_| libc::EINVAL)?;
    let flags = libc::O_PATH | libc::O_CLOEXEC | if follow { 0 } else { libc::O_NOFOLLOW };
    // SAFETY: c_path is a valid NUL-terminated string; the fd is closed below.
    let fd = unsafe { libc::open(c_path.as_ptr(), flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO));
    }
    let target = std::fs::read_link(format!("/proc/self/fd/{fd}"));
    // SAFETY: fd was opened above and is not used afterwards.
    unsafe { libc::close(fd) };
    Ok(target.expect("readlink of an open fd").into_os_string().into_vec())
}

use std::os::unix::ffi::OsStringExt as _;

fuzz_target!(|data: &[u8]| {
    let Some((&control, tokens)) = data.split_first() else { return };
    let root = tree();
    let root_bytes = root.as_os_str().as_bytes().to_vec();
    let base = if control & 1 == 0 { root_bytes.clone() } else { [root_bytes.as_slice(), b"/a"].concat() };
    let absolute = control & 2 != 0;
    let mode = Mode { follow: control & 4 == 0, may_miss: control & 8 != 0 };

    let mut path: Vec<u8> = if absolute { [root_bytes.as_slice(), b"/"].concat() } else { Vec::new() };
    for (i, token) in tokens.iter().take(16).enumerate() {
        if i > 0 {
            path.push(b'/');
        }
        path.extend_from_slice(TOKENS[usize::from(*token) % TOKENS.len()].as_bytes());
    }
    if path.is_empty() {
        return;
    }
    let full = if path.starts_with(b"/") { path.clone() } else { [base.as_slice(), b"/", path.as_slice()].concat() };

    let pid = std::process::id() as i32;
    let view = View { root_prefix: Vec::new(), tgid: pid, tid: pid };
    let ours = resolve(&view, &base, &path, mode);
    let theirs = kernel(&full, mode.follow);
    let shown = String::from_utf8_lossy(&path).into_owned();

    match (&ours, &theirs) {
        (Ok(resolved), Ok(canonical)) => {
            assert_ne!(resolved.kind, Kind::Missing, "{shown:?} ({mode:?}): the kernel found {canonical:?}");
            assert_eq!(
                String::from_utf8_lossy(&resolved.path),
                String::from_utf8_lossy(canonical),
                "{shown:?} from {:?} ({mode:?})",
                String::from_utf8_lossy(&base)
            );
        }
        (Ok(resolved), Err(errno)) => {
            assert!(
                mode.may_miss && resolved.kind == Kind::Missing && *errno == libc::ENOENT,
                "{shown:?} ({mode:?}): resolved to {:?} ({:?}) but the kernel failed with errno {errno}",
                String::from_utf8_lossy(&resolved.path),
                resolved.kind
            );
            // The parent of a missing name exists and is canonical.
            let parent = std::path::Path::new(OsStr::from_bytes(&resolved.path)).parent().unwrap();
            assert_eq!(std::fs::canonicalize(parent).ok().as_deref(), Some(parent), "{shown:?}: parent of {:?}", resolved.path);
        }
        (Err(ours), Ok(canonical)) => {
            panic!("{shown:?} ({mode:?}): failed with {ours} but the kernel found {:?}", String::from_utf8_lossy(canonical))
        }
        (Err(ours), Err(errno)) => {
            assert_eq!(*ours as i32, *errno, "{shown:?} ({mode:?}): errno differs from the kernel's");
        }
    }
});
