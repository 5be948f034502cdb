//! Runs a [`MountPlan`] in the calling process, which must be alone in a
//! new mount namespace that it owns (pid 1 of the `--isolate` namespaces).
//!
//! The host root is first moved aside: a staging tmpfs becomes `/` with the
//! host's root under `/oldroot` and the view under `/newroot`, so every
//! source is `/oldroot/SRC` and every target `/newroot/DST`. The last step
//! pivots into `/newroot` and detaches everything else.

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::Mode;
use nix::unistd::{chdir, pivot_root};

use super::plan::{MountOp, MountPlan};

const STAGE: &str = "/tmp";
const OLD: &str = "/oldroot";
const NEW: &str = "/newroot";

/// A step of building the view that failed.
#[derive(Debug, thiserror::Error)]
#[error("{call}({path}) failed while building the view: {source}")]
pub struct ViewError {
    /// The system call, with the flags that matter.
    pub call: &'static str,
    pub path: String,
    pub source: Errno,
}

fn fail(call: &'static str, path: impl AsRef<Path>) -> impl FnOnce(Errno) -> ViewError {
    let path = path.as_ref().display().to_string();
    move |source| ViewError { call, path, source }
}

fn io_errno(err: std::io::Error) -> Errno {
    Errno::from_raw(err.raw_os_error().unwrap_or(libc::EIO))
}

fn host(path: &str) -> PathBuf {
    PathBuf::from(format!("{OLD}{path}"))
}

fn view(path: &str) -> PathBuf {
    if path == "/" {
        PathBuf::from(NEW)
    } else {
        PathBuf::from(format!("{NEW}{path}"))
    }
}

/// Creates `path` with `create`, and the directories leading to it,
/// unless something exists there already. When the parent exists this
/// costs the one call of `create`. `call` names it in errors.
fn create_with_parents(path: &Path, call: &'static str, create: impl Fn() -> nix::Result<()>) -> Result<(), ViewError> {
    match create() {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(Errno::ENOENT) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| fail("mkdir", parent)(io_errno(e)))?;
            }
            match create() {
                Ok(()) | Err(Errno::EEXIST) => Ok(()),
                Err(errno) => Err(fail(call, path)(errno)),
            }
        }
        Err(errno) => Err(fail(call, path)(errno)),
    }
}

/// Creates `path` as a directory or an empty file, and the directories
/// leading to it, unless something exists there already. `mkdir(2)` and
/// `mknod(2)` both report `EEXIST` before `EROFS`, so an existing mount
/// point inside a read-only bind is accepted. An existing file is never
/// opened, so no host file is truncated.
fn make_mount_point(path: &Path, directory: bool) -> Result<(), ViewError> {
    if directory {
        create_with_parents(path, "mkdir", || nix::unistd::mkdir(path, Mode::from_bits_truncate(0o777)))
    } else {
        create_with_parents(path, "mknod(S_IFREG)", || {
            nix::sys::stat::mknod(path, nix::sys::stat::SFlag::S_IFREG, Mode::from_bits_truncate(0o666), 0)
        })
    }
}

/// Adds `attr_set` to the mount at `path` and every mount below it with
/// `mount_setattr(2)` (Linux 5.12), falling back to a bind remount of the
/// top mount alone on older kernels.
fn restrict_recursively(path: &Path, read_only: bool, nodev: bool) -> Result<(), ViewError> {
    const MOUNT_ATTR_RDONLY: u64 = 0x1;
    const MOUNT_ATTR_NOSUID: u64 = 0x2;
    const MOUNT_ATTR_NODEV: u64 = 0x4;
    #[repr(C)]
    struct MountAttr {
        attr_set: u64,
        attr_clr: u64,
        propagation: u64,
        userns_fd: u64,
    }
    let mut set = MOUNT_ATTR_NOSUID;
    if read_only {
        set |= MOUNT_ATTR_RDONLY;
    }
    if nodev {
        set |= MOUNT_ATTR_NODEV;
    }
    let attr = MountAttr { attr_set: set, attr_clr: 0, propagation: 0, userns_fd: 0 };
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| fail("mount_setattr", path)(Errno::EINVAL))?;
    // SAFETY: `c_path` is a NUL-terminated string and `attr` a
    // `struct mount_attr` of the size passed; both outlive the call, and
    // the kernel only reads them.
    let res = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            c_path.as_ptr(),
            libc::AT_RECURSIVE as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    match Errno::result(res) {
        Ok(_) => Ok(()),
        Err(Errno::ENOSYS) => {
            // NOTE: without mount_setattr only the top mount is restricted;
            // mounts nested inside a bound host tree keep their flags.
            let mut flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_NOSUID;
            if read_only {
                flags |= MsFlags::MS_RDONLY;
            }
            if nodev {
                flags |= MsFlags::MS_NODEV;
            }
            mount(None::<&str>, path, None::<&str>, flags, None::<&str>).map_err(fail("mount(MS_REMOUNT|MS_BIND)", path))
        }
        Err(errno) => Err(fail("mount_setattr(AT_RECURSIVE)", path)(errno)),
    }
}

fn bind(source: &Path, target: &Path, read_only: bool, nodev: bool) -> Result<(), ViewError> {
    let is_dir = std::fs::metadata(source).map(|m| m.is_dir()).map_err(|e| fail("stat", source)(io_errno(e)))?;
    bind_kind(source, target, is_dir, read_only, nodev)
}

/// Binds `source` (a directory when `is_dir`) at `target`, which is
/// created as a mount point of the same kind.
fn bind_kind(source: &Path, target: &Path, is_dir: bool, read_only: bool, nodev: bool) -> Result<(), ViewError> {
    make_mount_point(target, is_dir)?;
    mount(Some(source), target, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
        .map_err(fail("mount(MS_BIND|MS_REC)", target))?;
    restrict_recursively(target, read_only, nodev)
}

fn tmpfs(target: &Path, mode: &str, flags: MsFlags) -> Result<(), ViewError> {
    make_mount_point(target, true)?;
    let data = format!("mode={mode}");
    mount(Some("tmpfs"), target, Some("tmpfs"), flags | MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some(data.as_str()))
        .map_err(fail("mount(tmpfs)", target))
}

/// Creates symlink `link` to `target`, and the directories leading to it,
/// unless something exists at `link` already.
fn make_symlink(target: &str, link: &Path) -> Result<(), ViewError> {
    create_with_parents(link, "symlink", || nix::unistd::symlinkat(target, nix::fcntl::AT_FDCWD, link))
}

/// The minimal `/dev`: a tmpfs with the harmless host device nodes bound
/// in (a user namespace cannot `mknod`), a new devpts instance, and a
/// tmpfs `/dev/shm`.
fn make_dev() -> Result<(), ViewError> {
    let dev = view("/dev");
    tmpfs(&dev, "0755", MsFlags::empty())?;
    for node in ["null", "zero", "full", "random", "urandom", "tty"] {
        let source = host(&format!("/dev/{node}"));
        let Ok(meta) = std::fs::metadata(&source) else { continue };
        bind_kind(&source, &dev.join(node), meta.is_dir(), false, false)?;
    }
    let pts = dev.join("pts");
    make_mount_point(&pts, true)?;
    mount(
        Some("devpts"),
        &pts,
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620"),
    )
    .map_err(fail("mount(devpts)", &pts))?;
    make_symlink("pts/ptmx", &dev.join("ptmx"))?;
    tmpfs(&dev.join("shm"), "1777", MsFlags::MS_NOEXEC)?;
    for (target, link) in [("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"), ("/proc/self/fd/2", "stderr")] {
        make_symlink(target, &dev.join(link))?;
    }
    Ok(())
}

/// Builds the view described by `plan` and pivots into it. Skips
/// `CreateHostDir`, which the caller runs before the namespaces exist.
///
/// # Errors
///
/// The first step that fails, with its system call, path and errno.
pub fn apply(plan: &MountPlan) -> Result<(), ViewError> {
    // Nothing mounted from here on may propagate back to the host.
    mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>)
        .map_err(fail("mount(MS_REC|MS_PRIVATE)", "/"))?;

    // Move the host root aside: a staging tmpfs becomes `/`, the host's
    // root sits at /oldroot, and the view is assembled at /newroot.
    mount(Some("tmpfs"), STAGE, Some("tmpfs"), MsFlags::MS_NOSUID | MsFlags::MS_NODEV, Some("mode=0755"))
        .map_err(fail("mount(tmpfs)", STAGE))?;
    for dir in ["oldroot", "newroot"] {
        let path = format!("{STAGE}/{dir}");
        nix::unistd::mkdir(path.as_str(), Mode::from_bits_truncate(0o755)).map_err(fail("mkdir", &path))?;
    }
    chdir(STAGE).map_err(fail("chdir", STAGE))?;
    pivot_root(".", "oldroot").map_err(fail("pivot_root", STAGE))?;
    chdir("/").map_err(fail("chdir", "/"))?;

    // The first file mask, once mounted: later file masks are binds of it,
    // and a bind keeps the read-only, nodev and nosuid flags of its source.
    let mut file_mask: Option<PathBuf> = None;
    for op in &plan.ops {
        match op {
            MountOp::CreateHostDir { .. } => {}
            MountOp::RootTmpfs => tmpfs(Path::new(NEW), "0755", MsFlags::empty())?,
            MountOp::RootBind { source } => {
                let source = host(source);
                mount(Some(&source), NEW, None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
                    .map_err(fail("mount(MS_BIND|MS_REC)", &source))?;
                restrict_recursively(Path::new(NEW), true, true)?;
            }
            MountOp::Bind { source, target, writable, devices, .. } => bind(&host(source), &view(target), !writable, !devices)?,
            MountOp::Symlink { target, link } => make_symlink(target, &view(link))?,
            MountOp::Tmpfs { target, .. } => {
                let mode = if matches!(target.as_str(), "/tmp" | "/var/tmp") { "1777" } else { "0755" };
                tmpfs(&view(target), mode, MsFlags::empty())?;
            }
            MountOp::Proc => {
                let proc_ = view("/proc");
                make_mount_point(&proc_, true)?;
                let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
                mount(Some("proc"), &proc_, Some("proc"), flags, None::<&str>).map_err(fail("mount(proc)", &proc_))?;
            }
            MountOp::Dev => make_dev()?,
            MountOp::Mask { target, directory, .. } => {
                let target = view(target);
                if *directory {
                    tmpfs(&target, "0555", MsFlags::MS_RDONLY)?;
                } else if let Some(source) = &file_mask {
                    // The mask file exists on the host, so its mount point
                    // usually exists in the view too.
                    let copy = || mount(Some(source.as_path()), &target, None::<&str>, MsFlags::MS_BIND, None::<&str>);
                    let copied = match copy() {
                        Err(Errno::ENOENT) => {
                            make_mount_point(&target, false)?;
                            copy()
                        }
                        other => other,
                    };
                    copied.map_err(fail("mount(MS_BIND)", &target))?;
                } else {
                    // A file masked by /dev/null on a nodev mount: every
                    // open fails with EACCES.
                    bind(&host("/dev/null"), &target, true, true)?;
                    file_mask = Some(target);
                }
            }
            MountOp::RemountRootReadOnly => {
                let flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
                mount(None::<&str>, NEW, None::<&str>, flags, None::<&str>).map_err(fail("mount(MS_REMOUNT|MS_RDONLY)", NEW))?;
            }
            MountOp::PivotRoot => {
                // pivot_root(".", ".") stacks the staging root on top of
                // the view; detaching it drops the host's root with it.
                chdir(NEW).map_err(fail("chdir", NEW))?;
                pivot_root(".", ".").map_err(fail("pivot_root", NEW))?;
                umount2(".", MntFlags::MNT_DETACH).map_err(fail("umount2(MNT_DETACH)", "old root"))?;
                chdir("/").map_err(fail("chdir", "/"))?;
            }
        }
    }
    Ok(())
}
