//! The cheap read check of an `--isolate` view whose only read rules are
//! its masks.
//!
//! When a profile leaves read sandboxing off, the launcher turns it to
//! allow mode with one blacklist entry per masked path, so that reading a
//! masked file is reported (`report_masked_reads` in `main.rs`). Every
//! read then reaches the supervisor, and the full check resolves the path
//! one component at a time under `/proc/PID/root`. Almost none of those
//! reads is aimed at a mask. This check uses the kernel instead: one
//! `openat2(2)` with `RESOLVE_IN_ROOT` from the view's root, then the
//! mount id of what it found. A path that does not reach a mask mount is
//! allowed at once. Anything else (a mask, an error, a magic link, a
//! `/proc/self` path) goes down the full check, which decides and reports
//! as before, so this check can only skip work, never change a decision.

use std::os::fd::{AsFd as _, OwnedFd};
use std::sync::Arc;

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};

use crate::policy::{Mode, PathRule, Sandbox};
use crate::profile::Origin;

/// The origin `report_masked_reads` gives its blacklist entries.
pub const MASK_ORIGIN: Origin = Origin::Builtin("isolate/mask");

/// The state of the cheap check for one run.
#[derive(Debug)]
pub enum MaskCheck {
    /// Not used: no masks, or the profile has read rules of its own.
    Off,
    /// Not yet set up: the masked paths, and the read list they make.
    Pending {
        acl: Arc<Vec<PathRule>>,
        paths: Vec<String>,
    },
    /// Set up from the first isolated caller's root.
    Ready {
        acl: Arc<Vec<PathRule>>,
        root: OwnedFd,
        mounts: Vec<u64>,
    },
}

impl MaskCheck {
    /// Creates the check for a run whose first sandbox is `sandbox` and
    /// whose view masks `paths`.
    pub fn new(sandbox: &Sandbox, paths: &[String]) -> MaskCheck {
        let only_masks = sandbox
            .acl_read
            .iter()
            .all(|rule| rule.origin == MASK_ORIGIN);
        if paths.is_empty() || sandbox.read != Mode::Allow || !only_masks {
            return MaskCheck::Off;
        }
        MaskCheck::Pending {
            acl: Arc::clone(&sandbox.acl_read),
            paths: paths.to_vec(),
        }
    }

    /// Reports whether `sandbox` still has exactly the read rules the masks
    /// made. Runtime magic that edits them gives the process its own list.
    pub fn applies_to(&self, sandbox: &Sandbox) -> bool {
        let acl = match self {
            MaskCheck::Off => return false,
            MaskCheck::Pending { acl, .. } | MaskCheck::Ready { acl, .. } => acl,
        };
        sandbox.read == Mode::Allow && Arc::ptr_eq(acl, &sandbox.acl_read)
    }

    /// Reports whether `absolute`, a path in the view as the caller gives
    /// it (after its working directory or directory descriptor), surely
    /// does not reach a mask. `tid` is an isolated caller, used once to
    /// open the view's root. `false` means "check it fully".
    pub fn misses_masks(&mut self, tid: i32, absolute: &[u8], follow: bool) -> bool {
        if let MaskCheck::Pending { .. } = self {
            *self = self.set_up(tid).unwrap_or(MaskCheck::Off);
        }
        let MaskCheck::Ready { root, mounts, .. } = self else {
            return false;
        };
        match mount_of(root, absolute, follow) {
            Ok(mount) => !mounts.contains(&mount),
            Err(_) => false,
        }
    }

    /// Opens the view's root and finds each mask's mount id. Fails when a
    /// mask cannot be found, and the check stays off for the run.
    fn set_up(&self, tid: i32) -> Result<MaskCheck, Errno> {
        let MaskCheck::Pending { acl, paths } = self else {
            return Err(Errno::EINVAL);
        };
        let how = OpenHow::new().flags(OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC);
        let root = nix::fcntl::openat2(
            nix::fcntl::AT_FDCWD,
            format!("/proc/{tid}/root").as_str(),
            how,
        )?;
        let mut mounts = Vec::with_capacity(paths.len());
        for path in paths {
            mounts.push(mount_of(&root, path.as_bytes(), false)?);
        }
        Ok(MaskCheck::Ready {
            acl: Arc::clone(acl),
            root,
            mounts,
        })
    }
}

/// Returns the mount id of what `path` reaches from `root`, resolved with
/// `root` as `/`. Magic links are refused, so `/proc/PID/fd/N` and the like take
/// the full check.
fn mount_of(root: &OwnedFd, path: &[u8], follow: bool) -> Result<u64, Errno> {
    let mut flags = OFlag::O_PATH | OFlag::O_CLOEXEC;
    if !follow {
        flags |= OFlag::O_NOFOLLOW;
    }
    let how = OpenHow::new()
        .flags(flags)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let found = nix::fcntl::openat2(root.as_fd(), path, how)?;
    crate::sys::mount_id(found.as_fd())
}
