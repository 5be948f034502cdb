//! Violation records and their three outputs: one readable console line,
//! the sydbox-1 text format (or JSON Lines) in `log/file`, and one
//! `tracing` event on target `sydbox::violation`.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::policy::{level, Category, Global, LogFormat, Rule};

/// One denied access.
#[derive(Debug, Clone)]
pub struct Violation {
    pub pid: i32,
    pub ppid: i32,
    /// The process name: the command as typed, then the basename of each
    /// executed path.
    pub comm: String,
    pub cwd: String,
    pub cmdline: String,
    pub syscall: &'static str,
    pub category: Option<Category>,
    /// The resolved path or canonical address; empty for a resolution failure.
    pub target: String,
    /// The call as sydbox-1 describes it, e.g. ``open(`/etc/x')``.
    pub call: String,
    pub errno: i32,
    pub rule: Rule,
    /// The profile line that would allow the access.
    pub tip: Option<String>,
}

/// Writes reports to the console fd and the log file.
pub struct Reporter {
    console: Option<File>,
    console_level: i64,
    log: Option<File>,
    log_level: i64,
    log_format: LogFormat,
    count: usize,
}

/// Returns the symbolic name of an errno, as reports print it.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EACCES => "EACCES",
        libc::EEXIST => "EEXIST",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::ELOOP => "ELOOP",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::EBADF => "EBADF",
        libc::EFAULT => "EFAULT",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::ENOTSUP => "ENOTSUP",
        libc::ENOSYS => "ENOSYS",
        libc::EAGAIN => "EAGAIN",
        libc::ESRCH => "ESRCH",
        libc::EXDEV => "EXDEV",
        _ => "E?",
    }
}

impl Reporter {
    /// Opens the log file the policy names; `console` is a duplicate of
    /// `log/console_fd`, made by the caller.
    ///
    /// # Errors
    ///
    /// `log/file` cannot be opened for appending.
    pub fn open(global: &Global, console: Option<File>) -> Result<Reporter, ReportError> {
        let log = match &global.log_file {
            Some(path) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| ReportError::OpenLog { path: path.clone(), source })?,
            ),
            None => None,
        };
        Ok(Reporter {
            console,
            console_level: global.console_level | level::ASSERT | level::FATAL,
            log,
            log_level: global.log_level | level::ASSERT | level::FATAL,
            log_format: global.log_format,
            count: 0,
        })
    }

    /// The number of violations reported so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Reports one violation on every output.
    pub fn violation(&mut self, violation: &Violation) {
        self.count += 1;
        tracing::warn!(
            target: "sydbox::violation",
            pid = violation.pid,
            comm = %violation.comm,
            syscall = violation.syscall,
            category = violation.category.map(|c| c.list_name()).unwrap_or("-"),
            target_path = %violation.target,
            errno = errno_name(violation.errno),
            rule = %violation.rule,
            tip = violation.tip.as_deref().unwrap_or(""),
            "access violation"
        );
        if self.console_level & (level::WARNING | level::ACCESS_V) != 0 {
            if let Some(console) = &mut self.console {
                let _ = console.write_all(console_line(violation).as_bytes());
            }
        }
        if let Some(log) = &mut self.log {
            let text = match self.log_format {
                LogFormat::Text => text_block(violation, self.log_level, now()),
                LogFormat::Json => json_line(violation, now()),
            };
            let _ = log.write_all(text.as_bytes());
        }
    }

    /// Writes a warning or notice line on the console, and in the log file
    /// when its level asks for it.
    pub fn message(&mut self, bits: i64, text: &str) {
        if self.console_level & bits != 0 {
            if let Some(console) = &mut self.console {
                let _ = writeln!(console, "sydbox: {text}");
            }
        }
        if self.log_format == LogFormat::Text && self.log_level & bits != 0 {
            if let Some(log) = &mut self.log {
                let _ = writeln!(log, "sydbox@{}: {text}", now());
            }
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Why the report outputs could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot open log/file `{path}' for appending: {source}")]
    OpenLog { path: String, source: std::io::Error },
}

/// The console line: one readable line per violation.
pub fn console_line(v: &Violation) -> String {
    let mut line = format!("sydbox: Access Violation! {}[{}] {}", v.comm, v.pid, v.call);
    if !v.target.is_empty() && !v.call.contains(&format!("`{}'", v.target)) && !v.call.contains(&v.target) {
        let _ = write!(line, " -> {}", v.target);
    }
    let _ = write!(line, " = -1 {}, rule {}", errno_name(v.errno), v.rule);
    if let Some(tip) = &v.tip {
        let _ = write!(line, "; to allow: {tip}");
    }
    line.push('\n');
    line
}

/// The sydbox-1 text block (spec section 13, 2013 format), with the
/// deciding rule and the tip appended as two more lines.
pub fn text_block(v: &Violation, log_level: i64, time: u64) -> String {
    let mut out = String::new();
    if log_level & level::ACCESS_V != 0 {
        let _ = writeln!(out, "sydbox@{time}: -- Access Violation! --");
        let _ = writeln!(out, "sydbox@{time}: proc: {}[{}] (parent:{})", v.comm, v.pid, v.ppid);
        let _ = writeln!(out, "sydbox@{time}: cwd: `{}'", v.cwd);
        let _ = writeln!(out, "sydbox@{time}: cmdline: `{}'", v.cmdline);
    }
    if log_level & level::WARNING != 0 {
        let _ = writeln!(out, "sydbox@{time}: {}", v.call);
        let _ = writeln!(out, "sydbox@{time}: rule: {}", v.rule);
        if let Some(tip) = &v.tip {
            let _ = writeln!(out, "sydbox@{time}: tip: {tip}");
        }
    }
    out
}

fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One JSON object per violation, for `log/format:json`.
pub fn json_line(v: &Violation, time: u64) -> String {
    format!(
        "{{\"time\":{time},\"event\":\"access_violation\",\"pid\":{},\"ppid\":{},\"comm\":{},\"cwd\":{},\"cmdline\":{},\"syscall\":{},\"category\":{},\"target\":{},\"call\":{},\"errno\":{},\"rule\":{},\"tip\":{}}}\n",
        v.pid,
        v.ppid,
        json_escape(&v.comm),
        json_escape(&v.cwd),
        json_escape(&v.cmdline),
        json_escape(v.syscall),
        v.category.map(|c| json_escape(c.list_name())).unwrap_or_else(|| "null".into()),
        json_escape(&v.target),
        json_escape(&v.call),
        json_escape(errno_name(v.errno)),
        json_escape(&v.rule.to_string()),
        v.tip.as_deref().map(json_escape).unwrap_or_else(|| "null".into()),
    )
}

/// Formats `/proc/PID/cmdline` as sydbox-1 does: each run of
/// non-printable bytes becomes one space, cut at 124 characters.
pub fn format_cmdline(raw: &[u8]) -> String {
    let mut out = String::new();
    let mut gap = false;
    for &b in raw {
        if (0x20..0x7f).contains(&b) {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(b as char);
        } else {
            gap = true;
        }
    }
    if out.len() > 124 {
        out.truncate(121);
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Violation {
        Violation {
            pid: 42,
            ppid: 1,
            comm: "make".into(),
            cwd: "/build".into(),
            cmdline: "make install".into(),
            syscall: "openat",
            category: Some(Category::Write),
            target: "/home/u/x".into(),
            call: "openat(`/home/u/x', prefix=`/build')".into(),
            errno: libc::EPERM,
            rule: Rule::Default { mode_line: "core/sandbox/write:deny".into() },
            tip: Some("whitelist/write+/home/u/x".into()),
        }
    }

    #[test]
    fn console_line_names_call_rule_and_tip() {
        let line = console_line(&sample());
        assert!(line.contains("Access Violation!"));
        assert!(line.contains("make[42]"));
        assert!(line.contains("= -1 EPERM"));
        assert!(line.contains("default (core/sandbox/write:deny)"));
        assert!(line.ends_with("to allow: whitelist/write+/home/u/x\n"));
    }

    #[test]
    fn text_block_keeps_the_sydbox1_lines() {
        let block = text_block(&sample(), 511, 7);
        assert!(block.starts_with("sydbox@7: -- Access Violation! --\nsydbox@7: proc: make[42] (parent:1)\n"));
        assert!(block.contains("sydbox@7: cmdline: `make install'\n"));
        assert!(text_block(&sample(), level::WARNING, 7).lines().count() == 3);
    }

    #[test]
    fn json_line_is_one_object() {
        let line = json_line(&sample(), 7);
        assert!(line.starts_with("{\"time\":7,") && line.ends_with("}\n"));
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.contains("\"errno\":\"EPERM\""));
    }

    #[test]
    fn cmdline_folds_nonprintable_runs() {
        assert_eq!(format_cmdline(b"sh\0-c\0echo hi\0"), "sh -c echo hi");
        assert_eq!(format_cmdline(&[b'a'; 200]).len(), 124);
    }
}
