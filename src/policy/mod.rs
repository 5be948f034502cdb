//! Compiled rules and the access decision.
//!
//! A [`Policy`] is the global settings plus the sandbox record that the
//! first process starts with. Every traced process owns a copy of its
//! [`Sandbox`] (modes, lists, magic lock), copied at fork, changed only by
//! its own runtime magic. [`apply`] gives a parsed command its effect, at
//! start-up and at run time alike; the `check_*` methods decide an access.
//! Nothing here makes a system call.
#![forbid(unsafe_code)]

pub mod addr;
pub mod isolate;
pub mod wildmatch;

use std::fmt;
use std::sync::Arc;

pub use crate::profile::Origin;
use crate::profile::{keys, Command, Key, KeyType, MagicError, Op, ProfileError, Spanned};
use addr::{AddrPattern, SockTarget};
pub use wildmatch::NoWildcard;

/// A sandboxing category: what kind of access a call makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Exec,
    Read,
    Write,
    /// Network `bind`.
    Bind,
    /// Network `connect`, `sendto`, `sendmsg` and `sendmmsg`.
    Connect,
}

impl Category {
    /// The list name used in profile lines (`whitelist/<name>+...`).
    pub fn list_name(self) -> &'static str {
        match self {
            Category::Exec => "exec",
            Category::Read => "read",
            Category::Write => "write",
            Category::Bind => "network/bind",
            Category::Connect => "network/connect",
        }
    }

    /// The sandbox mode key that governs this category.
    pub fn mode_key(self) -> &'static str {
        match self {
            Category::Exec => "core/sandbox/exec",
            Category::Read => "core/sandbox/read",
            Category::Write => "core/sandbox/write",
            Category::Bind | Category::Connect => "core/sandbox/network",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.list_name())
    }
}

/// A sandbox mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Nothing is checked.
    #[default]
    Off,
    /// Default allow; blacklist entries deny.
    Allow,
    /// Default deny; whitelist entries allow.
    Deny,
}

/// The per-process magic lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockState {
    #[default]
    Off,
    On,
    /// Becomes `On` at the process's next successful exec.
    Exec,
}

/// What one list entry does when it is the last to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// One entry of a path list, after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    pub pattern: String,
    pub action: Action,
    pub origin: Origin,
}

/// One entry of an address list, after alias expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrRule {
    /// The expanded text, which `-` compares against.
    pub text: String,
    pub pattern: AddrPattern,
    pub action: Action,
    pub origin: Origin,
}

/// The per-process sandbox record (spec section 3.2). Lists are shared
/// until a process changes its own, so a fork copies only pointers.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    pub exec: Mode,
    pub read: Mode,
    pub write: Mode,
    pub network: Mode,
    pub lock: LockState,
    pub acl_exec: Arc<Vec<PathRule>>,
    pub acl_read: Arc<Vec<PathRule>>,
    pub acl_write: Arc<Vec<PathRule>>,
    pub acl_bind: Arc<Vec<AddrRule>>,
    pub acl_connect: Arc<Vec<AddrRule>>,
}

/// What sydbox does on a violation (`core/violation/decision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViolationDecision {
    #[default]
    Deny,
    Kill,
    Killall,
    /// Accepted; acts like `deny` because every process stays traced
    /// (design section 2).
    Cont,
    /// Accepted; acts like `deny` (design section 2).
    Contall,
}

/// What sydbox does with its tracees when it is interrupted or dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AbortDecision {
    Killall,
    #[default]
    Contall,
}

/// What sydbox does on an internal error about one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanicDecision {
    #[default]
    Kill,
    Cont,
    Contall,
    Killall,
}

/// sydbox's own handling of SIGHUP, SIGINT, SIGQUIT, SIGPIPE and SIGTERM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interrupt {
    Anywhere,
    #[default]
    WhileWait,
    Never,
    BlockTstpToo,
}

/// The format of `log/file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// sydbox-1's text lines, with the `Access Violation!` marker.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// sydbox-1 log level bits (spec section 11).
pub mod level {
    pub const WARNING: i64 = 1;
    pub const ACCESS_V: i64 = 2;
    pub const INFO: i64 = 4;
    pub const ACCESS: i64 = 8;
    pub const MAGIC: i64 = 16;
    pub const CHECK: i64 = 32;
    pub const MATCH: i64 = 64;
    pub const TRACE: i64 = 128;
    pub const SYSCALL: i64 = 256;
    pub const ASSERT: i64 = 512;
    pub const FATAL: i64 = 1024;
    pub const SYS_ALL: i64 = 2048;
}

/// Settings shared by every process (scope G in spec section 3.3).
#[derive(Debug, Clone)]
pub struct Global {
    pub restrict_file_control: bool,
    pub restrict_shared_memory_writable: bool,
    pub per_process_directories: bool,
    pub successful_bind: bool,
    pub unsupported_socket_families: bool,
    pub abort_decision: AbortDecision,
    pub panic_decision: PanicDecision,
    pub panic_exit_code: i64,
    pub violation_decision: ViolationDecision,
    pub violation_exit_code: i64,
    pub raise_fail: bool,
    pub raise_safe: bool,
    pub follow_fork: bool,
    pub exit_wait_all: bool,
    pub exit_kill: bool,
    pub interrupt: Interrupt,
    pub use_seccomp: bool,
    pub use_seize: bool,
    pub use_ptrace: bool,
    pub use_toolong_hack: bool,
    pub case_sensitive: bool,
    pub no_wildcard: NoWildcard,
    /// `core/limit/processes`: the most processes alive at once, if set.
    pub limit_processes: Option<u64>,
    pub log_file: Option<String>,
    pub log_format: LogFormat,
    pub log_level: i64,
    pub console_fd: i32,
    pub console_level: i64,
    pub kill_if_match: Vec<PathRule>,
    pub resume_if_match: Vec<PathRule>,
    pub filter_exec: Vec<PathRule>,
    pub filter_read: Vec<PathRule>,
    pub filter_write: Vec<PathRule>,
    pub filter_network: Vec<AddrRule>,
    /// The `isolate/*` settings, used only under `--isolate`.
    pub isolate: isolate::Isolate,
    /// The paths the `--isolate` view masks, set by the launcher once the
    /// view is planned; empty otherwise.
    pub masked: Vec<String>,
}

impl Default for Global {
    /// sydbox-1's defaults (spec sections 3.3 and 11).
    fn default() -> Self {
        Global {
            restrict_file_control: false,
            restrict_shared_memory_writable: false,
            per_process_directories: true,
            successful_bind: true,
            unsupported_socket_families: true,
            abort_decision: AbortDecision::Contall,
            panic_decision: PanicDecision::Kill,
            panic_exit_code: -1,
            violation_decision: ViolationDecision::Deny,
            violation_exit_code: -1,
            raise_fail: false,
            raise_safe: false,
            follow_fork: true,
            exit_wait_all: true,
            exit_kill: false,
            interrupt: Interrupt::WhileWait,
            use_seccomp: false,
            use_seize: false,
            use_ptrace: true,
            use_toolong_hack: false,
            case_sensitive: true,
            no_wildcard: NoWildcard::Literal,
            limit_processes: None,
            log_file: None,
            log_format: LogFormat::Text,
            log_level: level::WARNING | level::ACCESS_V | level::INFO | level::FATAL,
            console_fd: 2,
            console_level: level::WARNING | level::ACCESS_V | level::FATAL,
            kill_if_match: Vec::new(),
            resume_if_match: Vec::new(),
            filter_exec: Vec::new(),
            filter_read: Vec::new(),
            filter_write: Vec::new(),
            filter_network: Vec::new(),
            isolate: isolate::Isolate::default(),
            masked: Vec::new(),
        }
    }
}

/// The compiled policy: global settings and the first process's record.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub global: Global,
    pub sandbox: Sandbox,
}

/// Where a command is applied; some keys only make sense in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// A profile, `-m` or `SYDBOX_CONFIG`, before the command starts.
    Startup,
    /// A runtime magic `stat` of a traced process.
    Runtime,
}

/// What applying a command produced, beyond changing the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The command changed the policy (or was the version node).
    Done,
    /// A query and its answer.
    Answer(bool),
    /// `cmd/exec`: run this argv outside the sandbox.
    Exec(Vec<String>),
}

impl Policy {
    /// Applies every command in order, collecting every error with its
    /// origin rather than stopping at the first.
    ///
    /// # Errors
    ///
    /// Every command that could not be applied.
    pub fn compile(commands: &[Spanned<Command>]) -> Result<Policy, Vec<ProfileError>> {
        let mut policy = Policy::default();
        let mut errors = Vec::new();
        for command in commands {
            if let Err(err) = policy.apply(command, Context::Startup) {
                errors.push(ProfileError {
                    origin: command.origin.clone(),
                    text: command_text(&command.item),
                    reason: err.to_string(),
                });
            }
        }
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(errors)
        }
    }

    /// Applies one command to this policy's global settings and record.
    pub fn apply(&mut self, command: &Spanned<Command>, context: Context) -> Result<Applied, MagicError> {
        apply(&mut self.global, &mut self.sandbox, &command.item, &command.origin, context)
    }
}

/// Writes a command back as the text of a profile line.
pub fn command_text(command: &Command) -> String {
    let op = match command.op {
        None => return command.key.name().to_string(),
        Some(Op::Set) => ':',
        Some(Op::Query) => '?',
        Some(Op::Append) => '+',
        Some(Op::Remove) => '-',
        Some(Op::Exec) => '!',
    };
    format!("{}{op}{}", command.key.name(), command.value)
}

/// Parses a boolean the way sydbox-1 does.
fn parse_bool(value: &str) -> Result<bool, MagicError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "t" | "true" => Ok(true),
        "0" | "f" | "false" => Ok(false),
        _ => Err(MagicError::InvalidValue(format!("`{value}' is not a boolean (use true or false)"))),
    }
}

/// Parses an integer like `strtol` in base 0: `0x` hex, leading `0` octal.
pub fn parse_int(value: &str) -> Result<i64, MagicError> {
    let bad = || MagicError::InvalidValue(format!("`{value}' is not an integer"));
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        (16, hex)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let magnitude = i64::from_str_radix(digits, radix).map_err(|_| bad())?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Parses an enumerated value: a name of the table, or its numeric index.
fn parse_enum(value: &str, table: &'static [&'static str], key: Key) -> Result<usize, MagicError> {
    if let Some(index) = table.iter().position(|name| *name == value) {
        // `core/trace/interrupt` lists `never` twice: index 0 is an alias.
        return Ok(if key == Key::TraceInterrupt && index == 0 { 3 } else { index });
    }
    if let Ok(index) = parse_int(value) {
        if let Ok(index) = usize::try_from(index) {
            if index < table.len() {
                return Ok(index);
            }
        }
    }
    let mut names: Vec<&str> = table.to_vec();
    names.dedup();
    Err(MagicError::InvalidValue(format!("`{value}' is not one of {}", names.join(", "))))
}

/// Gives one command its effect on the global settings and on one
/// process's record.
///
/// # Errors
///
/// A value of the wrong form, or an operation not allowed in `context`.
pub fn apply(
    global: &mut Global,
    sandbox: &mut Sandbox,
    command: &Command,
    origin: &Origin,
    context: Context,
) -> Result<Applied, MagicError> {
    let value = command.value.as_str();
    match command.op {
        None => return Ok(Applied::Done),
        Some(Op::Query) => return query(global, sandbox, command.key).map(Applied::Answer),
        Some(Op::Exec) => {
            if context == Context::Startup {
                return Err(MagicError::InvalidOperation(
                    "cmd/exec runs only through the runtime magic interface".into(),
                ));
            }
            let argv: Vec<String> = value.split('\u{1f}').map(str::to_string).collect();
            if argv.first().is_none_or(|arg| arg.is_empty()) {
                return Err(MagicError::InvalidCommand("cmd/exec needs a program".into()));
            }
            return Ok(Applied::Exec(argv));
        }
        Some(Op::Set | Op::Append | Op::Remove) if context == Context::Runtime && command.key.startup_only() => {
            return Err(MagicError::NotSupported(format!(
                "`{}' takes effect when sydbox starts and cannot change at run time; set it in the profile or with -m",
                command.key.name()
            )));
        }
        Some(_) if context == Context::Runtime && command.key.name().starts_with("isolate/") => {
            return Err(MagicError::InvalidOperation(format!(
                "`{}' shapes the view before the command starts and cannot change at run time",
                command.key.name()
            )));
        }
        Some(Op::Append | Op::Remove) if command.key.name().starts_with("isolate/") => {
            global.isolate.apply_list(command.key.name(), value, command.op == Some(Op::Append))?;
            return Ok(Applied::Done);
        }
        Some(Op::Append | Op::Remove) => {
            apply_list(global, sandbox, command, origin)?;
            return Ok(Applied::Done);
        }
        Some(Op::Set) => {}
    }

    let mode = |value: &str, key| -> Result<Mode, MagicError> {
        Ok(match parse_enum(value, keys::MODES, key)? {
            0 => Mode::Off,
            1 => Mode::Allow,
            _ => Mode::Deny,
        })
    };
    let key = command.key;
    match key.ty() {
        KeyType::Bool => {
            let flag = parse_bool(value)?;
            let slot = match key {
                Key::RestrictFileControl => &mut global.restrict_file_control,
                Key::RestrictSharedMemoryWritable => &mut global.restrict_shared_memory_writable,
                Key::WhitelistPerProcessDirectories => &mut global.per_process_directories,
                Key::WhitelistSuccessfulBind => &mut global.successful_bind,
                Key::WhitelistUnsupportedSocketFamilies => &mut global.unsupported_socket_families,
                Key::ViolationRaiseFail => &mut global.raise_fail,
                Key::ViolationRaiseSafe => &mut global.raise_safe,
                Key::TraceFollowFork => &mut global.follow_fork,
                Key::TraceExitWaitAll => &mut global.exit_wait_all,
                Key::TraceExitKill => &mut global.exit_kill,
                Key::TraceUseSeccomp => &mut global.use_seccomp,
                Key::TraceUseSeize => &mut global.use_seize,
                Key::TraceUsePtrace => &mut global.use_ptrace,
                Key::TraceUseToolongHack => &mut global.use_toolong_hack,
                Key::MatchCaseSensitive => &mut global.case_sensitive,
                _ => unreachable!("boolean key {} has no slot", key.name()),
            };
            *slot = flag;
        }
        KeyType::Int => {
            let number = parse_int(value)?;
            match key {
                Key::PanicExitCode => global.panic_exit_code = number,
                Key::ViolationExitCode => {
                    if !(-1..=255).contains(&number) {
                        return Err(MagicError::InvalidValue(format!(
                            "`{value}' is not an exit status (use -1 to keep the command's, 0 for 128 plus it, or 1 to 255)"
                        )));
                    }
                    global.violation_exit_code = number;
                }
                Key::LogLevel => global.log_level = number,
                Key::LogConsoleLevel => global.console_level = number,
                Key::LogConsoleFd => {
                    global.console_fd = i32::try_from(number)
                        .ok()
                        .filter(|fd| *fd >= 0)
                        .ok_or_else(|| MagicError::InvalidValue(format!("`{value}' is not a file descriptor")))?;
                }
                Key::LimitProcesses => {
                    if number < 0 {
                        return Err(MagicError::InvalidValue(format!(
                            "`{value}' is negative (use 0 for no limit)"
                        )));
                    }
                    global.limit_processes = (number > 0).then_some(number as u64);
                }
                _ => unreachable!("integer key {} has no slot", key.name()),
            }
        }
        KeyType::Str => match key {
            Key::LogFile => global.log_file = (!value.is_empty()).then(|| value.to_string()),
            Key::IsolateTemplate => global.isolate.template = (!value.is_empty()).then(|| value.to_string()),
            Key::IsolateRoot => {
                if !value.is_empty() && !value.starts_with('/') {
                    return Err(MagicError::InvalidValue(format!("isolate/root `{value}' is not an absolute path")));
                }
                global.isolate.root = (!value.is_empty()).then(|| value.to_string());
            }
            Key::IsolateHostname => global.isolate.hostname = (!value.is_empty()).then(|| value.to_string()),
            _ => unreachable!("string key {} has no slot", key.name()),
        },
        KeyType::Enum(table) => match key {
            Key::SandboxExec => sandbox.exec = mode(value, key)?,
            Key::SandboxRead => sandbox.read = mode(value, key)?,
            Key::SandboxWrite => sandbox.write = mode(value, key)?,
            Key::SandboxNetwork => sandbox.network = mode(value, key)?,
            Key::TraceMagicLock => {
                let lock = match parse_enum(value, table, key)? {
                    0 => LockState::Off,
                    1 => LockState::On,
                    _ => LockState::Exec,
                };
                // At run time the lock only tightens (off, then exec, then
                // on): a process with a pending `exec` lock cannot undo it.
                // A locked process never reaches here at all.
                let strength = |state: LockState| match state {
                    LockState::Off => 0,
                    LockState::Exec => 1,
                    LockState::On => 2,
                };
                if context == Context::Runtime && strength(lock) < strength(sandbox.lock) {
                    return Err(MagicError::NoPermission(format!(
                        "core/trace/magic_lock:{value} would loosen the magic lock, which only tightens"
                    )));
                }
                sandbox.lock = lock;
            }
            Key::AbortDecision => {
                global.abort_decision =
                    if parse_enum(value, table, key)? == 0 { AbortDecision::Killall } else { AbortDecision::Contall }
            }
            Key::PanicDecision => {
                global.panic_decision = match parse_enum(value, table, key)? {
                    0 => PanicDecision::Kill,
                    1 => PanicDecision::Cont,
                    2 => PanicDecision::Contall,
                    _ => PanicDecision::Killall,
                }
            }
            Key::ViolationDecision => {
                global.violation_decision = match parse_enum(value, table, key)? {
                    0 => ViolationDecision::Deny,
                    1 => ViolationDecision::Kill,
                    2 => ViolationDecision::Killall,
                    3 => ViolationDecision::Cont,
                    _ => ViolationDecision::Contall,
                }
            }
            Key::TraceInterrupt => {
                global.interrupt = match parse_enum(value, table, key)? {
                    1 => Interrupt::Anywhere,
                    2 => Interrupt::WhileWait,
                    4 => Interrupt::BlockTstpToo,
                    _ => Interrupt::Never,
                }
            }
            Key::MatchNoWildcard => {
                global.no_wildcard =
                    if parse_enum(value, table, key)? == 0 { NoWildcard::Literal } else { NoWildcard::Prefix }
            }
            Key::IsolateNet => {
                global.isolate.net = match parse_enum(value, table, key)? {
                    0 => isolate::NetMode::Auto,
                    1 => isolate::NetMode::None,
                    _ => isolate::NetMode::Host,
                }
            }
            Key::LogFormat => {
                global.log_format = if parse_enum(value, table, key)? == 0 { LogFormat::Text } else { LogFormat::Json }
            }
            _ => unreachable!("enumerated key {} has no slot", key.name()),
        },
        KeyType::Array | KeyType::Command | KeyType::Version => {
            unreachable!("parse_command only pairs `:' with settable keys")
        }
    }
    Ok(Applied::Done)
}

/// Answers a `?` query.
fn query(global: &Global, sandbox: &Sandbox, key: Key) -> Result<bool, MagicError> {
    Ok(match key {
        Key::SandboxExec => sandbox.exec != Mode::Off,
        Key::SandboxRead => sandbox.read != Mode::Off,
        Key::SandboxWrite => sandbox.write != Mode::Off,
        Key::SandboxNetwork => sandbox.network != Mode::Off,
        Key::RestrictFileControl => global.restrict_file_control,
        Key::RestrictSharedMemoryWritable => global.restrict_shared_memory_writable,
        Key::WhitelistPerProcessDirectories => global.per_process_directories,
        Key::WhitelistSuccessfulBind => global.successful_bind,
        Key::WhitelistUnsupportedSocketFamilies => global.unsupported_socket_families,
        Key::ViolationRaiseFail => global.raise_fail,
        Key::ViolationRaiseSafe => global.raise_safe,
        Key::TraceFollowFork => global.follow_fork,
        Key::TraceExitWaitAll => global.exit_wait_all,
        Key::TraceExitKill => global.exit_kill,
        Key::TraceUseSeccomp => global.use_seccomp,
        Key::TraceUseSeize => global.use_seize,
        Key::TraceUsePtrace => global.use_ptrace,
        Key::TraceUseToolongHack => global.use_toolong_hack,
        Key::MatchCaseSensitive => global.case_sensitive,
        _ => return Err(MagicError::InvalidQuery(key.name())),
    })
}

/// Appends to or removes from a list (spec section 3.4).
fn apply_list(global: &mut Global, sandbox: &mut Sandbox, command: &Command, origin: &Origin) -> Result<(), MagicError> {
    let value = command.value.as_str();
    if value.is_empty() {
        return Err(MagicError::InvalidValue(format!("`{}' needs a pattern", command.key.name())));
    }
    let append = command.op == Some(Op::Append);
    let no_wildcard = global.no_wildcard;
    let path_list: Option<(&mut Vec<PathRule>, Action)> = match command.key {
        Key::WhitelistExec => Some((Arc::make_mut(&mut sandbox.acl_exec), Action::Allow)),
        Key::WhitelistRead => Some((Arc::make_mut(&mut sandbox.acl_read), Action::Allow)),
        Key::WhitelistWrite => Some((Arc::make_mut(&mut sandbox.acl_write), Action::Allow)),
        Key::BlacklistExec => Some((Arc::make_mut(&mut sandbox.acl_exec), Action::Deny)),
        Key::BlacklistRead => Some((Arc::make_mut(&mut sandbox.acl_read), Action::Deny)),
        Key::BlacklistWrite => Some((Arc::make_mut(&mut sandbox.acl_write), Action::Deny)),
        Key::FilterExec => Some((&mut global.filter_exec, Action::Deny)),
        Key::FilterRead => Some((&mut global.filter_read, Action::Deny)),
        Key::FilterWrite => Some((&mut global.filter_write, Action::Deny)),
        Key::ExecKillIfMatch => Some((&mut global.kill_if_match, Action::Deny)),
        Key::ExecResumeIfMatch => Some((&mut global.resume_if_match, Action::Allow)),
        _ => None,
    };
    if let Some((list, action)) = path_list {
        if !value.starts_with('/') {
            return Err(MagicError::InvalidValue(format!(
                "path pattern `{value}' is not absolute (patterns match whole absolute paths)"
            )));
        }
        for pattern in wildmatch::expand(value, no_wildcard) {
            if append {
                list.push(PathRule { pattern, action, origin: origin.clone() });
            } else if let Some(at) = list.iter().position(|rule| rule.pattern == pattern && rule.action == action) {
                list.remove(at);
            }
        }
        return Ok(());
    }

    let (list, action) = match command.key {
        Key::WhitelistBind => (Arc::make_mut(&mut sandbox.acl_bind), Action::Allow),
        Key::WhitelistConnect => (Arc::make_mut(&mut sandbox.acl_connect), Action::Allow),
        Key::BlacklistBind => (Arc::make_mut(&mut sandbox.acl_bind), Action::Deny),
        Key::BlacklistConnect => (Arc::make_mut(&mut sandbox.acl_connect), Action::Deny),
        Key::FilterNetwork => (&mut global.filter_network, Action::Deny),
        other => unreachable!("list key {} has no list", other.name()),
    };
    let expanded = addr::parse(value, no_wildcard, &addr::lookup_service)
        .map_err(|err| MagicError::InvalidValue(err.to_string()))?;
    if append {
        list.extend(expanded.into_iter().map(|(text, pattern)| AddrRule { text, pattern, action, origin: origin.clone() }));
    } else {
        // Removal compares the stored expanded text with each expansion,
        // so aliases can be removed too (sydbox-1 compared the unexpanded
        // input and removed nothing; docs/compat.md).
        for (text, _) in expanded {
            if let Some(at) = list.iter().position(|rule| rule.text == text && rule.action == action) {
                list.remove(at);
            }
        }
    }
    Ok(())
}

/// Which rule decided an access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A list entry: its origin and the profile line that added it.
    Entry { origin: Origin, line: String },
    /// The mode's default, because nothing matched.
    Default { mode_line: String },
    /// A built-in rule of sydbox (per-process directories, auto bind,
    /// unsupported socket families, the exempt first exec).
    Builtin(String),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Entry { origin, line } => write!(f, "{origin} ({line})"),
            Rule::Default { mode_line } => write!(f, "default ({mode_line})"),
            Rule::Builtin(what) => f.write_str(what),
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allow: bool,
    pub rule: Rule,
}

impl Verdict {
    fn allowed(rule: Rule) -> Verdict {
        Verdict { allow: true, rule }
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Off => "off",
        Mode::Allow => "allow",
        Mode::Deny => "deny",
    }
}

fn path_matches(pattern: &str, path: &[u8], case_sensitive: bool) -> bool {
    if case_sensitive {
        wildmatch::wildmatch(pattern.as_bytes(), path)
    } else {
        wildmatch::iwildmatch(pattern.as_bytes(), path)
    }
}

fn entry_rule(origin: &Origin, category: Category, action: Action, pattern: &str) -> Rule {
    let list = if action == Action::Allow { "whitelist" } else { "blacklist" };
    Rule::Entry { origin: origin.clone(), line: format!("{list}/{}+{pattern}", category.list_name()) }
}

/// Reports whether `path` is `/proc/N` or below it, for one of `pids`.
fn under_proc_of(path: &[u8], pids: &[i32]) -> bool {
    let Some(rest) = path.strip_prefix(b"/proc/") else { return false };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || !(rest.len() == digits || rest[digits] == b'/') {
        return false;
    }
    let Ok(pid) = std::str::from_utf8(&rest[..digits]).unwrap_or("").parse::<i32>() else { return false };
    pids.contains(&pid)
}

impl Sandbox {
    /// The mode of a category.
    pub fn mode(&self, category: Category) -> Mode {
        match category {
            Category::Exec => self.exec,
            Category::Read => self.read,
            Category::Write => self.write,
            Category::Bind | Category::Connect => self.network,
        }
    }

    /// Decides a path access: the last matching entry of the category's
    /// list wins; in deny mode the calling process's own `/proc/PID` and
    /// those of its traced ancestors (`proc_pids`) are allowed next; then
    /// the mode's default applies.
    pub fn check_path(&self, category: Category, path: &[u8], global: &Global, proc_pids: &[i32]) -> Verdict {
        let mode = self.mode(category);
        if mode == Mode::Off {
            return Verdict::allowed(Rule::Builtin(format!("{}:off", category.mode_key())));
        }
        let list = match category {
            Category::Exec => &self.acl_exec,
            Category::Read => &self.acl_read,
            Category::Write => &self.acl_write,
            Category::Bind | Category::Connect => unreachable!("network categories take addresses"),
        };
        if let Some(rule) = list.iter().rev().find(|rule| path_matches(&rule.pattern, path, global.case_sensitive)) {
            return Verdict { allow: rule.action == Action::Allow, rule: entry_rule(&rule.origin, category, rule.action, &rule.pattern) };
        }
        if mode == Mode::Deny
            && category != Category::Exec
            && global.per_process_directories
            && under_proc_of(path, proc_pids)
        {
            return Verdict::allowed(Rule::Builtin("core/whitelist/per_process_directories:true".into()));
        }
        Verdict {
            allow: mode == Mode::Allow,
            rule: Rule::Default { mode_line: format!("{}:{}", category.mode_key(), mode_name(mode)) },
        }
    }

    /// Decides a network access. `auto_connect` holds the addresses of
    /// successful binds, consulted for connect after the process's own
    /// list (spec section 5.6).
    pub fn check_addr(&self, category: Category, target: &SockTarget, global: &Global, auto_connect: &[AddrRule]) -> Verdict {
        let mode = self.network;
        if mode == Mode::Off {
            return Verdict::allowed(Rule::Builtin("core/sandbox/network:off".into()));
        }
        if let SockTarget::Other(_) = target {
            let rule = Rule::Builtin(format!(
                "core/whitelist/unsupported_socket_families:{}",
                global.unsupported_socket_families
            ));
            return Verdict { allow: global.unsupported_socket_families, rule };
        }
        if let SockTarget::UnixUnnamed = target {
            return Verdict::allowed(Rule::Builtin("unnamed unix socket".into()));
        }
        let list = match category {
            Category::Bind => &self.acl_bind,
            Category::Connect => &self.acl_connect,
            _ => unreachable!("path categories take paths"),
        };
        let matching = |rule: &&AddrRule| rule.pattern.matches(target, global.case_sensitive);
        if let Some(rule) = list.iter().rev().find(matching) {
            let kind = if rule.action == Action::Allow { "whitelist" } else { "blacklist" };
            return Verdict {
                allow: rule.action == Action::Allow,
                rule: Rule::Entry { origin: rule.origin.clone(), line: format!("{kind}/{}+{}", category.list_name(), rule.text) },
            };
        }
        if category == Category::Connect {
            if let Some(rule) = auto_connect.iter().rev().find(matching) {
                return Verdict::allowed(Rule::Builtin(format!("core/whitelist/successful_bind:true ({})", rule.text)));
            }
        }
        Verdict {
            allow: mode == Mode::Allow,
            rule: Rule::Default { mode_line: format!("core/sandbox/network:{}", mode_name(mode)) },
        }
    }
}

impl Global {
    /// Reports whether a `filter/*` entry silences the report of a denied
    /// path access.
    pub fn path_filtered(&self, category: Category, path: &[u8]) -> bool {
        let list = match category {
            Category::Exec => &self.filter_exec,
            Category::Read => &self.filter_read,
            Category::Write => &self.filter_write,
            Category::Bind | Category::Connect => return false,
        };
        list.iter().any(|rule| path_matches(&rule.pattern, path, self.case_sensitive))
    }

    /// Reports whether `filter/network` silences the report of a denied
    /// network access.
    pub fn addr_filtered(&self, target: &SockTarget) -> bool {
        self.filter_network.iter().any(|rule| rule.pattern.matches(target, self.case_sensitive))
    }

    /// The first `exec/kill_if_match` or `exec/resume_if_match` entry that
    /// matches an executed path.
    pub fn exec_match<'a>(&'a self, list: &'a [PathRule], path: &[u8]) -> Option<&'a PathRule> {
        list.iter().find(|rule| path_matches(&rule.pattern, path, self.case_sensitive))
    }
}

/// The profile line that would allow an access, for the report's tip.
pub fn tip_for_path(category: Category, path: &[u8]) -> String {
    format!("whitelist/{}+{}", category.list_name(), String::from_utf8_lossy(path))
}

/// The profile line that would allow a network access.
pub fn tip_for_addr(category: Category, target: &SockTarget) -> String {
    match target {
        SockTarget::Other(_) => "core/whitelist/unsupported_socket_families:true".to_string(),
        _ => format!("whitelist/{}+{target}", category.list_name()),
    }
}

/// Compiles a policy from magic commands given as `-m` options, for
/// unit tests.
#[cfg(test)]
pub(crate) fn policy_from_lines(lines: &[&str]) -> Policy {
    let commands: Vec<Spanned<Command>> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| Spanned {
            origin: Origin::CommandLine { index: index + 1 },
            item: crate::profile::parse_command(line).unwrap(),
        })
        .collect();
    Policy::compile(&commands).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(lines: &[&str]) -> Policy {
        policy_from_lines(lines)
    }

    #[test]
    fn path_decisions_follow_the_last_matching_entry() {
        // (profile lines, category, path, allowed)
        let table: &[(&[&str], Category, &str, bool)] = &[
            (&["core/sandbox/write:off"], Category::Write, "/etc/passwd", true),
            (&["core/sandbox/write:deny"], Category::Write, "/etc/passwd", false),
            (&["core/sandbox/write:deny", "whitelist/write+/tmp/***"], Category::Write, "/tmp", true),
            (&["core/sandbox/write:deny", "whitelist/write+/tmp/***"], Category::Write, "/tmp/a/b", true),
            (&["core/sandbox/write:deny", "whitelist/write+/tmp/***"], Category::Write, "/tmpx", false),
            (&["core/sandbox/write:deny", "whitelist/write+/tmp/***", "blacklist/write+/tmp/secret"], Category::Write, "/tmp/secret", false),
            (&["core/sandbox/write:deny", "blacklist/write+/tmp/secret", "whitelist/write+/tmp/***"], Category::Write, "/tmp/secret", true),
            (&["core/sandbox/read:allow", "blacklist/read+/home/*/.ssh/***"], Category::Read, "/home/u/.ssh/id", false),
            (&["core/sandbox/read:allow", "blacklist/read+/home/*/.ssh/***"], Category::Read, "/home/u/.bashrc", true),
            (&["core/sandbox/exec:allow", "blacklist/exec+/usr/bin/curl"], Category::Exec, "/usr/bin/curl", false),
            (&["core/match/no_wildcard:prefix", "core/sandbox/write:deny", "whitelist/write+/var/tmp"], Category::Write, "/var/tmp/x", true),
            (&["core/sandbox/write:deny", "whitelist/write+/var/tmp"], Category::Write, "/var/tmp/x", false),
            (&["core/match/case_sensitive:false", "core/sandbox/write:deny", "whitelist/write+/tmp/***"], Category::Write, "/TMP/A", true),
            (&["core/sandbox/write:deny", "whitelist/write+/tmp/***", "whitelist/write-/tmp/***"], Category::Write, "/tmp/a", false),
        ];
        for (lines, category, path, allowed) in table {
            let policy = policy(lines);
            let verdict = policy.sandbox.check_path(*category, path.as_bytes(), &policy.global, &[]);
            assert_eq!(verdict.allow, *allowed, "{lines:?} {category} {path}: {verdict:?}");
        }
    }

    #[test]
    fn own_proc_directories_are_allowed_in_deny_mode() {
        let policy = policy(&["core/sandbox/write:deny"]);
        let check = |path: &str| policy.sandbox.check_path(Category::Write, path.as_bytes(), &policy.global, &[42]).allow;
        assert!(check("/proc/42/fd/1"));
        assert!(check("/proc/42"));
        assert!(!check("/proc/43/fd/1"));
        assert!(!check("/proc/420"));
    }

    #[test]
    fn address_decisions_use_the_list_then_successful_binds() {
        let policy = policy(&["core/sandbox/network:deny", "whitelist/network/connect+LOOPBACK@80"]);
        let target = |port| SockTarget::Inet(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, port));
        assert!(policy.sandbox.check_addr(Category::Connect, &target(80), &policy.global, &[]).allow);
        assert!(!policy.sandbox.check_addr(Category::Connect, &target(81), &policy.global, &[]).allow);
        let auto = AddrRule {
            text: "inet:127.0.0.1@81".into(),
            pattern: addr::parse("inet:127.0.0.1@81", NoWildcard::Literal, &|_| None).unwrap().remove(0).1,
            action: Action::Allow,
            origin: Origin::Builtin("core/whitelist/successful_bind"),
        };
        assert!(policy.sandbox.check_addr(Category::Connect, &target(81), &policy.global, &[auto]).allow);
        let other = SockTarget::Other(libc::AF_NETLINK as u16);
        assert!(policy.sandbox.check_addr(Category::Connect, &other, &policy.global, &[]).allow);
        let strict = self::tests::policy(&["core/sandbox/network:deny", "core/whitelist/unsupported_socket_families:false"]);
        assert!(!strict.sandbox.check_addr(Category::Connect, &other, &strict.global, &[]).allow);
    }

    #[test]
    fn values_parse_like_sydbox1() {
        assert_eq!(parse_int("0x1ff").unwrap(), 511);
        assert_eq!(parse_int("0777").unwrap(), 511);
        assert_eq!(parse_int("-1").unwrap(), -1);
        assert!(parse_int("12a").is_err());
        let policy = policy(&["core/sandbox/write:2", "core/violation/decision:1", "core/trace/magic_lock:exec"]);
        assert_eq!(policy.sandbox.write, Mode::Deny);
        assert_eq!(policy.global.violation_decision, ViolationDecision::Kill);
        assert_eq!(policy.sandbox.lock, LockState::Exec);
    }
}
