//! Magic commands and `.syd-1` profile files: text in, typed commands out.
//!
//! A magic command is `section/.../key<OP>value`, the same text a profile
//! line, a `-m` argument and a runtime `stat("/dev/sydbox/...")` carry.
//! This module only parses; `policy` gives the commands their effect.
#![forbid(unsafe_code)]

pub mod keys;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use keys::{Key, KeyType};

/// The operation of a magic command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:` sets a value.
    Set,
    /// `?` queries a boolean or a sandbox mode.
    Query,
    /// `+` appends to a list.
    Append,
    /// `-` removes from a list.
    Remove,
    /// `!` runs a command (runtime only).
    Exec,
}

impl Op {
    fn from_char(c: char) -> Option<Op> {
        Some(match c {
            ':' => Op::Set,
            '?' => Op::Query,
            '+' => Op::Append,
            '-' => Op::Remove,
            '!' => Op::Exec,
            _ => return None,
        })
    }
}

/// One parsed magic command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub key: Key,
    /// `None` only for the bare version node `1`.
    pub op: Option<Op>,
    pub value: String,
}

/// Why a magic command was rejected, with sydbox-1's error names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MagicError {
    #[error("invalid key `{key}'{hint}")]
    InvalidKey { key: String, hint: String },
    #[error("invalid type: `{key}' does not take `{op}'")]
    InvalidType { key: &'static str, op: char },
    #[error("invalid value: {0}")]
    InvalidValue(String),
    #[error("invalid query: `{0}' cannot be queried")]
    InvalidQuery(&'static str),
    #[error("invalid command: {0}")]
    InvalidCommand(String),
    #[error("invalid operation: {0}")]
    InvalidOperation(String),
    #[error("no permission: {0}")]
    NoPermission(String),
    #[error("not supported: {0}")]
    NotSupported(String),
}

impl MagicError {
    /// The errno a runtime magic `stat` fails with (spec section 4.2).
    pub fn errno(&self) -> i32 {
        match self {
            MagicError::InvalidKey { .. }
            | MagicError::InvalidType { .. }
            | MagicError::InvalidValue(_)
            | MagicError::InvalidQuery(_)
            | MagicError::InvalidCommand(_)
            | MagicError::InvalidOperation(_) => libc::EINVAL,
            MagicError::NotSupported(_) => libc::ENOTSUP,
            MagicError::NoPermission(_) => libc::EPERM,
        }
    }
}

const OPS: &[char] = &[':', '?', '+', '-', '!'];

/// Parses one magic command such as `core/sandbox/write:deny`.
///
/// # Errors
///
/// An unknown key, or an operation the key's type does not take.
pub fn parse_command(text: &str) -> Result<Command, MagicError> {
    let (name, op, value) = match text.find(OPS) {
        Some(at) => {
            let op = text[at..].chars().next().and_then(Op::from_char);
            (&text[..at], op, &text[at + 1..])
        }
        None => (text, None, ""),
    };
    let key = Key::lookup(name).ok_or_else(|| InvalidKeyHint::error(name))?;
    let op_char = text[name.len()..].chars().next().unwrap_or(' ');
    let fits = match (key.ty(), op) {
        (KeyType::Version, None) => true,
        (_, None) | (KeyType::Version, Some(_)) => false,
        (_, Some(Op::Query)) => {
            if !key.queryable() {
                return Err(MagicError::InvalidQuery(key.name()));
            }
            true
        }
        (KeyType::Bool | KeyType::Int | KeyType::Str | KeyType::Enum(_), Some(Op::Set)) => true,
        (KeyType::Array, Some(Op::Append | Op::Remove)) => true,
        (KeyType::Command, Some(Op::Exec)) => true,
        _ => false,
    };
    if !fits {
        if op.is_none() {
            return Err(MagicError::InvalidOperation(format!(
                "`{}' needs an operation such as `:' or `+'",
                key.name()
            )));
        }
        return Err(MagicError::InvalidType { key: key.name(), op: op_char });
    }
    Ok(Command { key, op, value: value.to_string() })
}

/// Builds the "invalid key" error, naming the closest known key.
struct InvalidKeyHint;

impl InvalidKeyHint {
    fn error(name: &str) -> MagicError {
        // Names whose lengths differ by more than 2 are never within 2 edits,
        // which keeps a long invalid key (a runtime magic path of a few
        // kilobytes) from costing a full distance table per known key.
        let close = Key::ALL
            .iter()
            .map(|key| key.name())
            .find(|known| known.len().abs_diff(name.len()) <= 2 && edit_distance(known, name) <= 2);
        match close {
            Some(known) => MagicError::InvalidKey { key: name.to_string(), hint: format!(" (did you mean `{known}'?)") },
            None => MagicError::InvalidKey { key: name.to_string(), hint: String::new() },
        }
    }
}

/// Counts the single-byte insertions, deletions and substitutions that
/// turn `a` into `b` (Levenshtein distance).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.as_bytes().iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(x != y)).min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod key_hint_tests {
    use super::*;

    #[test]
    fn long_invalid_keys_are_rejected_quickly() {
        let name = "x".repeat(4000);
        let started = std::time::Instant::now();
        for _ in 0..100 {
            assert!(matches!(parse_command(&format!("{name}:1")), Err(MagicError::InvalidKey { .. })));
        }
        // Without the length filter this took seconds in a debug build.
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "took {:?}", started.elapsed());
        let err = parse_command("core/sandbox/wrte:deny").unwrap_err();
        assert!(err.to_string().contains("did you mean `core/sandbox/write'"), "{err}");
    }
}

/// Where a command came from; reports name it as the deciding rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of a profile file (1-based).
    File { name: Arc<str>, line: usize },
    /// The Nth `-m` argument (1-based).
    CommandLine { index: usize },
    /// A runtime magic `stat` by a traced process.
    Runtime { pid: i32 },
    /// sydbox itself (automatic whitelists, defaults).
    Builtin(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { name, line } => write!(f, "{name}:{line}"),
            Origin::CommandLine { index } => write!(f, "-m #{index}"),
            Origin::Runtime { pid } => write!(f, "runtime magic of pid {pid}"),
            Origin::Builtin(what) => f.write_str(what),
        }
    }
}

/// A value with the place it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub origin: Origin,
    pub item: T,
}

/// A rejected profile line or `-m` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub origin: Origin,
    pub text: String,
    pub reason: String,
}

impl fmt::Display for ProfileError {
    /// `FILE:LINE: `TEXT': REASON` for a profile line, and sydbox-1's
    /// `invalid magic: `TEXT': REASON` (with the argument's position) for
    /// `-m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::CommandLine { index } => {
                write!(f, "invalid magic: `{}' (-m #{index}): {}", self.text, self.reason)
            }
            origin => write!(f, "{origin}: `{}': {}", self.text, self.reason),
        }
    }
}

impl std::error::Error for ProfileError {}

/// A profile read into memory, before parsing.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name reports use: the path, or `@name` for a built-in profile.
    pub name: Arc<str>,
    pub text: String,
}

/// Parses every line of a profile, collecting every error rather than
/// stopping at the first.
///
/// A line whose first byte is `#`, or that is empty or all blanks, is
/// skipped. Nothing else is trimmed, so trailing blanks are an error
/// (sydbox-1 rejects them too, with a less helpful message).
pub fn parse_source(source: &Source) -> (Vec<Spanned<Command>>, Vec<ProfileError>) {
    let mut commands = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in source.text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let origin = Origin::File { name: source.name.clone(), line: index + 1 };
        if line.ends_with([' ', '\t']) {
            errors.push(ProfileError {
                origin,
                text: line.to_string(),
                reason: "trailing blank; remove the spaces or tabs at the end of the line".into(),
            });
            continue;
        }
        match parse_command(line) {
            Ok(item) => commands.push(Spanned { origin, item }),
            Err(err) => errors.push(ProfileError {
                origin,
                text: line.to_string(),
                reason: err.to_string(),
            }),
        }
    }
    (commands, errors)
}

/// Profiles built into the binary, by name.
pub const BUILTIN_PROFILES: &[(&str, &str)] = &[
    ("paludis", include_str!("../../profiles/paludis.syd-1")),
    ("build", include_str!("../../profiles/build.syd-1")),
];

/// The installed data directory searched after `$SYDBOX_PROFILE_PATH`.
pub const DATA_DIR: &str = "/usr/share/sydbox";

/// Why a pathspec could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no API information in file name `{0}', current API is 1 (name profiles NAME.syd-1)")]
    NoApi(String),
    #[error("profile `{path}' is written for magic API {api}, and sydbox reads API 1 (`.syd-1' or `.syd')")]
    ApiMismatch { path: String, api: String },
    #[error("cannot read profile `{path}': {source}")]
    Read { path: String, source: std::io::Error },
    #[error("no profile named `@{name}' in $SYDBOX_PROFILE_PATH, {DATA_DIR} or the built-in set ({builtins})")]
    NotFound { name: String, builtins: String },
}

/// Checks a profile's file name for its API (design section 2): `.syd-1`
/// and `.syd` are API 1, any other `.syd-N` is rejected.
pub fn check_api(path: &str) -> Result<(), LoadError> {
    let file = Path::new(path).file_name().map(|f| f.to_string_lossy().into_owned());
    let file = file.unwrap_or_default();
    let Some((_, ext)) = file.rsplit_once('.') else {
        return Err(LoadError::NoApi(path.to_string()));
    };
    if ext == "syd" || ext == "syd-1" {
        return Ok(());
    }
    match ext.strip_prefix("syd-") {
        Some(api) => Err(LoadError::ApiMismatch { path: path.to_string(), api: api.to_string() }),
        None => Err(LoadError::NoApi(path.to_string())),
    }
}

/// Reads a pathspec: a file path, or `@NAME`, looked up in
/// `$SYDBOX_PROFILE_PATH` (colon-separated), then [`DATA_DIR`], then the
/// built-in profiles, so a user's file overrides a built-in one.
pub fn load(pathspec: &str, profile_path: Option<&str>) -> Result<Source, LoadError> {
    let Some(name) = pathspec.strip_prefix('@') else {
        check_api(pathspec)?;
        return read(PathBuf::from(pathspec));
    };
    let file_name =
        if name.ends_with(".syd-1") || name.ends_with(".syd") { name.to_string() } else { format!("{name}.syd-1") };
    check_api(&file_name)?;
    let dirs = profile_path.unwrap_or("").split(':').filter(|d| !d.is_empty()).chain([DATA_DIR]);
    for dir in dirs {
        let candidate = Path::new(dir).join(&file_name);
        if candidate.is_file() {
            return read(candidate);
        }
    }
    let stem = file_name.trim_end_matches(".syd-1").trim_end_matches(".syd");
    match BUILTIN_PROFILES.iter().find(|(builtin, _)| *builtin == stem) {
        Some((builtin, text)) => Ok(Source { name: format!("@{builtin}").into(), text: text.to_string() }),
        None => Err(LoadError::NotFound {
            name: name.to_string(),
            builtins: BUILTIN_PROFILES.iter().map(|(n, _)| format!("@{n}")).collect::<Vec<_>>().join(", "),
        }),
    }
}

fn read(path: PathBuf) -> Result<Source, LoadError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|source| LoadError::Read { path: display.clone(), source })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(Source { name: display.into(), text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_operation() {
        let cmd = parse_command("core/sandbox/write:deny").unwrap();
        assert_eq!((cmd.key, cmd.op, cmd.value.as_str()), (Key::SandboxWrite, Some(Op::Set), "deny"));
        let cmd = parse_command("whitelist/network/connect+inet:0.0.0.0/0@0-65000").unwrap();
        assert_eq!(cmd.key, Key::WhitelistConnect);
        assert_eq!(cmd.value, "inet:0.0.0.0/0@0-65000");
        assert_eq!(parse_command("whitelist/read-/usr/***").unwrap().op, Some(Op::Remove));
        assert_eq!(parse_command("core/sandbox/read?").unwrap().op, Some(Op::Query));
        assert_eq!(parse_command("1").unwrap().key, Key::Version);
        assert_eq!(parse_command("cmd/exec!true").unwrap().op, Some(Op::Exec));
    }

    #[test]
    fn rejects_bad_keys_and_operations() {
        assert!(matches!(parse_command("core/sandbox/wrte:deny"), Err(MagicError::InvalidKey { hint, .. }) if hint.contains("did you mean")));
        assert!(matches!(parse_command("nonsense"), Err(MagicError::InvalidOperation(_) | MagicError::InvalidKey { .. })));
        assert!(matches!(parse_command("whitelist/read:/x"), Err(MagicError::InvalidType { .. })));
        assert!(matches!(parse_command("core/sandbox/read+x"), Err(MagicError::InvalidType { .. })));
        assert!(matches!(parse_command("log/level?"), Err(MagicError::InvalidQuery(_))));
        assert!(matches!(parse_command("1:x"), Err(MagicError::InvalidType { .. })));
    }

    #[test]
    fn source_errors_carry_line_and_text() {
        let source = Source { name: "t.syd-1".into(), text: "# c\n\ncore/sandbox/write:deny \nbogus/key:1\ncore/sandbox/read:off\n".into() };
        let (commands, errors) = parse_source(&source);
        assert_eq!(commands.len(), 1);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].origin, Origin::File { name: "t.syd-1".into(), line: 3 });
        assert!(errors[1].to_string().starts_with("t.syd-1:4: `bogus/key:1': invalid key"));
    }

    #[test]
    fn api_check_follows_the_extension() {
        assert!(check_api("/x/p.syd-1").is_ok());
        assert!(check_api("p.syd").is_ok());
        assert!(matches!(check_api("p.syd-2"), Err(LoadError::ApiMismatch { .. })));
        assert!(matches!(check_api("p.conf"), Err(LoadError::NoApi(_))));
        assert!(load("@paludis", None).is_ok());
        assert!(matches!(load("@nope", None), Err(LoadError::NotFound { .. })));
    }
}
