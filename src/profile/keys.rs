//! The magic-command key tree: every key of the 2013 set, of v1.0.7 and
//! sydbox's own additions, with its value type.
#![forbid(unsafe_code)]

/// The value type of a key, which decides the operations it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `1`, `t`, `true`, `0`, `f`, `false` (any case); takes `:` and `?`.
    Bool,
    /// An integer in `strtol` base 0 (`0x1ff`, `0777`); takes `:`.
    Int,
    /// A string taken verbatim; takes `:`.
    Str,
    /// One name of a table, or its numeric index; takes `:`.
    Enum(&'static [&'static str]),
    /// A list of patterns; takes `+` and `-`.
    Array,
    /// A command run through the magic interface; takes `!` at run time.
    Command,
    /// The version node `1`, which takes no operation.
    Version,
}

macro_rules! keys {
    ($($variant:ident => $name:literal, $ty:expr;)*) => {
        /// One key of the magic-command tree.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($variant,)* }

        impl Key {
            /// Every key, in the order of the profile reference.
            pub const ALL: &'static [Key] = &[$(Key::$variant,)*];

            /// The key as written in profiles, without the `/dev/sydbox/` prefix.
            pub fn name(self) -> &'static str {
                match self { $(Key::$variant => $name,)* }
            }

            /// The type of the key's value.
            pub fn ty(self) -> KeyType {
                match self { $(Key::$variant => $ty,)* }
            }
        }
    };
}

/// Sandbox modes, indexed as sydbox-1 indexes them.
pub const MODES: &[&str] = &["off", "allow", "deny"];
/// Magic lock states.
pub const LOCK_STATES: &[&str] = &["off", "on", "exec"];
/// `core/abort/decision` values.
pub const ABORT_DECISIONS: &[&str] = &["killall", "contall"];
/// `core/panic/decision` values.
pub const PANIC_DECISIONS: &[&str] = &["kill", "cont", "contall", "killall"];
/// `core/violation/decision` values.
pub const VIOLATION_DECISIONS: &[&str] = &["deny", "kill", "killall", "cont", "contall"];
/// `core/trace/interrupt` values; index 0 is accepted and means `never`.
pub const INTERRUPTS: &[&str] = &["never", "anywhere", "while_wait", "never", "block_tstp_too"];
/// `core/match/no_wildcard` values.
pub const NO_WILDCARD: &[&str] = &["literal", "prefix"];
/// `log/format` values (sydbox's own key).
pub const LOG_FORMATS: &[&str] = &["text", "json"];
/// `isolate/net` values (sydbox's own key).
pub const NET_MODES: &[&str] = &["auto", "none", "host"];

keys! {
    SandboxExec => "core/sandbox/exec", KeyType::Enum(MODES);
    SandboxRead => "core/sandbox/read", KeyType::Enum(MODES);
    SandboxWrite => "core/sandbox/write", KeyType::Enum(MODES);
    SandboxNetwork => "core/sandbox/network", KeyType::Enum(MODES);
    RestrictFileControl => "core/restrict/file_control", KeyType::Bool;
    RestrictSharedMemoryWritable => "core/restrict/shared_memory_writable", KeyType::Bool;
    WhitelistPerProcessDirectories => "core/whitelist/per_process_directories", KeyType::Bool;
    WhitelistSuccessfulBind => "core/whitelist/successful_bind", KeyType::Bool;
    WhitelistUnsupportedSocketFamilies => "core/whitelist/unsupported_socket_families", KeyType::Bool;
    AbortDecision => "core/abort/decision", KeyType::Enum(ABORT_DECISIONS);
    PanicDecision => "core/panic/decision", KeyType::Enum(PANIC_DECISIONS);
    PanicExitCode => "core/panic/exit_code", KeyType::Int;
    ViolationDecision => "core/violation/decision", KeyType::Enum(VIOLATION_DECISIONS);
    ViolationExitCode => "core/violation/exit_code", KeyType::Int;
    ViolationRaiseFail => "core/violation/raise_fail", KeyType::Bool;
    ViolationRaiseSafe => "core/violation/raise_safe", KeyType::Bool;
    TraceFollowFork => "core/trace/follow_fork", KeyType::Bool;
    TraceExitWaitAll => "core/trace/exit_wait_all", KeyType::Bool;
    TraceExitKill => "core/trace/exit_kill", KeyType::Bool;
    TraceMagicLock => "core/trace/magic_lock", KeyType::Enum(LOCK_STATES);
    TraceInterrupt => "core/trace/interrupt", KeyType::Enum(INTERRUPTS);
    TraceUseSeccomp => "core/trace/use_seccomp", KeyType::Bool;
    TraceUseSeize => "core/trace/use_seize", KeyType::Bool;
    TraceUsePtrace => "core/trace/use_ptrace", KeyType::Bool;
    TraceUseToolongHack => "core/trace/use_toolong_hack", KeyType::Bool;
    MatchCaseSensitive => "core/match/case_sensitive", KeyType::Bool;
    MatchNoWildcard => "core/match/no_wildcard", KeyType::Enum(NO_WILDCARD);
    LimitProcesses => "core/limit/processes", KeyType::Int;
    IsolateTemplate => "isolate/template", KeyType::Str;
    IsolateNet => "isolate/net", KeyType::Enum(NET_MODES);
    IsolateRoot => "isolate/root", KeyType::Str;
    IsolateHostname => "isolate/hostname", KeyType::Str;
    IsolateBind => "isolate/bind", KeyType::Array;
    IsolateTmpfs => "isolate/tmpfs", KeyType::Array;
    IsolateSymlink => "isolate/symlink", KeyType::Array;
    IsolateMask => "isolate/mask", KeyType::Array;
    LogFile => "log/file", KeyType::Str;
    LogFormat => "log/format", KeyType::Enum(LOG_FORMATS);
    LogLevel => "log/level", KeyType::Int;
    LogConsoleFd => "log/console_fd", KeyType::Int;
    LogConsoleLevel => "log/console_level", KeyType::Int;
    ExecKillIfMatch => "exec/kill_if_match", KeyType::Array;
    ExecResumeIfMatch => "exec/resume_if_match", KeyType::Array;
    WhitelistExec => "whitelist/exec", KeyType::Array;
    WhitelistRead => "whitelist/read", KeyType::Array;
    WhitelistWrite => "whitelist/write", KeyType::Array;
    WhitelistBind => "whitelist/network/bind", KeyType::Array;
    WhitelistConnect => "whitelist/network/connect", KeyType::Array;
    BlacklistExec => "blacklist/exec", KeyType::Array;
    BlacklistRead => "blacklist/read", KeyType::Array;
    BlacklistWrite => "blacklist/write", KeyType::Array;
    BlacklistBind => "blacklist/network/bind", KeyType::Array;
    BlacklistConnect => "blacklist/network/connect", KeyType::Array;
    FilterExec => "filter/exec", KeyType::Array;
    FilterRead => "filter/read", KeyType::Array;
    FilterWrite => "filter/write", KeyType::Array;
    FilterNetwork => "filter/network", KeyType::Array;
    CmdExec => "cmd/exec", KeyType::Command;
    Version => "1", KeyType::Version;
}

impl Key {
    /// Looks a key up by its full name.
    pub fn lookup(name: &str) -> Option<Key> {
        Key::ALL.iter().copied().find(|key| key.name() == name)
    }

    /// Reports whether the key only takes effect at start-up: run-time magic
    /// rejects a change to it (with ENOTSUP) rather than accept a change
    /// that would do nothing.
    pub fn startup_only(self) -> bool {
        matches!(
            self,
            Key::RestrictFileControl
                | Key::RestrictSharedMemoryWritable
                | Key::AbortDecision
                | Key::PanicDecision
                | Key::PanicExitCode
                | Key::TraceFollowFork
                | Key::TraceExitWaitAll
                | Key::TraceExitKill
                | Key::TraceInterrupt
                | Key::TraceUseSeccomp
                | Key::TraceUseSeize
                | Key::TraceUsePtrace
                | Key::TraceUseToolongHack
                | Key::LimitProcesses
                | Key::LogFile
                | Key::LogFormat
                | Key::LogLevel
                | Key::LogConsoleFd
                | Key::LogConsoleLevel
        )
    }

    /// Reports whether `?` answers for this key: sandbox modes and booleans.
    pub fn queryable(self) -> bool {
        matches!(
            self,
            Key::SandboxExec | Key::SandboxRead | Key::SandboxWrite | Key::SandboxNetwork
        ) || self.ty() == KeyType::Bool
    }
}
