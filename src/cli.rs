//! The command line: sydbox-1's options, in the order they were given.
#![forbid(unsafe_code)]

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command};

/// One configuration source, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `-c PATHSPEC` or `--profile NAME` (as `@NAME`).
    Profile(String),
    /// `-m MAGIC`.
    Magic(String),
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    pub sources: Vec<Source>,
    /// `-E VAR=VAL` sets, `-E VAR` removes, in order.
    pub env: Vec<String>,
    pub command: Vec<OsString>,
    /// `--isolate`: run inside new namespaces and a view.
    pub isolate: bool,
    /// `--template NAME`: overrides `isolate/template`.
    pub template: Option<String>,
    /// `--net auto|none|host`: overrides `isolate/net`.
    pub net: Option<String>,
    /// `--dump-plan`: print the `--isolate` mount plan and run nothing.
    pub dump_plan: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Request {
    Run(Cli),
    /// `-h`, `-v` and usage errors: the text and the exit status.
    Exit { text: String, to_stderr: bool, code: i32 },
}

fn command() -> Command {
    Command::new("sydbox")
        .about("Run a command in a ptrace and seccomp sandbox driven by sydbox-1 profiles")
        .override_usage("sydbox [-hv] [-c PATHSPEC]... [-m MAGIC]... [-E VAR[=VAL]]... [--isolate] [--template NAME] [--net auto|none|host] [--dump-plan] [--] COMMAND [ARG]...")
        .disable_version_flag(true)
        .arg(Arg::new("version").short('v').long("version").action(ArgAction::SetTrue).help("Print the version and the layers in force, then exit"))
        .arg(
            Arg::new("config")
                .short('c')
                .value_name("PATHSPEC")
                .action(ArgAction::Append)
                .help("Load a profile: a .syd-1 file, or @NAME from $SYDBOX_PROFILE_PATH, /usr/share/sydbox or the built-in set"),
        )
        .arg(Arg::new("magic").short('m').value_name("MAGIC").action(ArgAction::Append).help("Apply one magic command, e.g. core/sandbox/write:deny"))
        .arg(Arg::new("env").short('E').value_name("VAR[=VAL]").action(ArgAction::Append).help("Set VAR=VAL, or remove VAR, in the environment of sydbox and the command"))
        .arg(Arg::new("isolate").long("isolate").action(ArgAction::SetTrue).help("Run the command in new user, mount, pid, ipc, uts (and network) namespaces, in a view built from the profile's whitelists"))
        .arg(Arg::new("template").long("template").value_name("NAME").help("Base view for --isolate: minimal (default), build-chroot or desktop; same as -m isolate/template:NAME"))
        .arg(
            Arg::new("net")
                .long("net")
                .value_name("MODE")
                .value_parser(["auto", "none", "host"])
                .help("Network under --isolate: auto (loopback only unless the policy allows more), none (loopback only) or host"),
        )
        .arg(Arg::new("dump-plan").long("dump-plan").action(ArgAction::SetTrue).help("Print the --isolate mount plan and exit without running anything"))
        .arg(Arg::new("profile").long("profile").value_name("NAME").action(ArgAction::Append).help("Same as -c @NAME"))
        .arg(
            Arg::new("command")
                .value_name("COMMAND")
                .num_args(1..)
                .trailing_var_arg(true)
                .value_parser(clap::value_parser!(OsString))
                .help("The command and its arguments; it starts at the first argument that is not an option"),
        )
}

/// Parses the command line.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Request {
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(err) => {
            let to_stderr = err.use_stderr();
            let code = if to_stderr { 1 } else { 0 };
            return Request::Exit { text: err.render().to_string(), to_stderr, code };
        }
    };
    if matches.get_flag("version") {
        return Request::Exit { text: version_text(), to_stderr: false, code: 0 };
    }
    let mut sources: Vec<(usize, Source)> = Vec::new();
    for (id, make) in [
        ("config", (|v: String| Source::Profile(v)) as fn(String) -> Source),
        ("magic", Source::Magic),
        ("profile", |v: String| Source::Profile(format!("@{v}"))),
    ] {
        if let (Some(values), Some(indices)) = (matches.get_many::<String>(id), matches.indices_of(id)) {
            sources.extend(indices.zip(values.cloned().map(make)));
        }
    }
    sources.sort_by_key(|(index, _)| *index);
    let env = matches.get_many::<String>("env").map(|v| v.cloned().collect()).unwrap_or_default();
    let command: Vec<OsString> = matches.get_many::<OsString>("command").map(|v| v.cloned().collect()).unwrap_or_default();
    if command.is_empty() {
        let text = format!("sydbox: no command given\n\n{}", command_help());
        return Request::Exit { text, to_stderr: true, code: 1 };
    }
    let dump_plan = matches.get_flag("dump-plan");
    Request::Run(Cli {
        sources: sources.into_iter().map(|(_, s)| s).collect(),
        env,
        command,
        isolate: matches.get_flag("isolate") || dump_plan,
        template: matches.get_one::<String>("template").cloned(),
        net: matches.get_one::<String>("net").cloned(),
        dump_plan,
    })
}

fn command_help() -> String {
    command().render_usage().to_string()
}

/// The `--version` text: the version and which layers this build and this
/// kernel provide.
pub fn version_text() -> String {
    let abi = crate::landlock::kernel_abi();
    let landlock = if abi == 0 { "landlock:unsupported".to_string() } else { format!("landlock:abi{abi}") };
    format!(
        "sydbox-{}\nOptions: seccomp:yes ptrace:yes ipv6:yes arch:x86_64 magic-api:1\n\
         Layers: inner(seccomp+ptrace, or seccomp alone with the magic lock on from the start):always outer(--isolate):user,mount,pid,ipc,uts,net {landlock}(when the magic lock is on or exec)\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Cli {
        match parse(args.iter().map(OsString::from)) {
            Request::Run(cli) => cli,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keeps_source_order_and_stops_at_the_command() {
        let cli = run(&["sydbox", "-m", "a:1", "-c", "p.syd-1", "--profile", "paludis", "-m", "b:2", "sh", "-c", "x"]);
        assert_eq!(
            cli.sources,
            [Source::Magic("a:1".into()), Source::Profile("p.syd-1".into()), Source::Profile("@paludis".into()), Source::Magic("b:2".into())]
        );
        assert_eq!(cli.command, ["sh", "-c", "x"]);
        assert_eq!(run(&["sydbox", "--", "-weird"]).command, ["-weird"]);
    }

    #[test]
    fn usage_errors_exit_1_and_help_exits_0() {
        assert!(matches!(parse(["sydbox"].map(OsString::from)), Request::Exit { code: 1, .. }));
        assert!(matches!(parse(["sydbox", "--bogus", "x"].map(OsString::from)), Request::Exit { code: 1, .. }));
        assert!(matches!(parse(["sydbox", "-h"].map(OsString::from)), Request::Exit { code: 0, to_stderr: false, .. }));
        assert!(matches!(parse(["sydbox", "-v"].map(OsString::from)), Request::Exit { code: 0, .. }));
    }
}
