//! A cgroup pids limit for `core/limit/processes`, where one can be created:
//! the cgroup v1 `pids` hierarchy or a cgroup v2 tree with the `pids`
//! controller enabled for the caller's cgroup. It backs the supervisor's own
//! count, which concurrent forks can overshoot. Creating one usually needs
//! root or a delegated subtree; elsewhere the supervisor's count is all.

use std::path::PathBuf;

use nix::unistd::Pid;

/// A cgroup made for one run, removed when dropped.
#[derive(Debug)]
pub struct PidsCgroup {
    dir: PathBuf,
}

/// The caller's cgroup path in hierarchy `controller` ("" for v2).
fn own_cgroup(controller: &str) -> Option<String> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let _id = parts.next()?;
        let controllers = parts.next()?;
        let path = parts.next()?;
        let matches = if controller.is_empty() { controllers.is_empty() } else { controllers.split(',').any(|c| c == controller) };
        matches.then(|| path.to_string())
    })
}

impl PidsCgroup {
    /// Creates a cgroup allowing `max` tasks, or `None` (logged at debug
    /// level) when no pids controller is writable.
    pub fn create(max: u64) -> Option<PidsCgroup> {
        let name = format!("sydbox-{}", std::process::id());
        let mut candidates = Vec::new();
        if let Some(path) = own_cgroup("pids") {
            candidates.push(PathBuf::from(format!("/sys/fs/cgroup/pids{path}")).join(&name));
        }
        if let Some(path) = own_cgroup("") {
            let base = PathBuf::from(format!("/sys/fs/cgroup{path}"));
            let enabled = std::fs::read_to_string(base.join("cgroup.subtree_control")).unwrap_or_default();
            if enabled.split_whitespace().any(|c| c == "pids") {
                candidates.push(base.join(&name));
            }
        }
        for dir in candidates {
            if std::fs::create_dir(&dir).is_err() {
                continue;
            }
            if std::fs::write(dir.join("pids.max"), max.to_string()).is_ok() {
                tracing::debug!(cgroup = %dir.display(), max, "cgroup pids limit in force");
                return Some(PidsCgroup { dir });
            }
            let _ = std::fs::remove_dir(&dir);
        }
        tracing::debug!("no writable cgroup pids controller; the process limit is enforced by the supervisor alone");
        None
    }

    /// Moves `pid` (a host pid) into the cgroup; its later children follow.
    pub fn add(&self, pid: Pid) -> std::io::Result<()> {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string())
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        if let Err(err) = std::fs::remove_dir(&self.dir) {
            tracing::warn!(cgroup = %self.dir.display(), %err, "could not remove the run's cgroup");
        }
    }
}
