//! The `sydbox` command: parse the command line and the profiles, then run
//! the command under the supervisor and exit with its status.

use std::ffi::OsString;
use std::io::Write as _;

use std::process::ExitCode;

use sydbox::cli::{self, Request, Source};
use sydbox::policy::Policy;
use sydbox::profile::{self, Origin, ProfileError, Spanned};
use sydbox::report::Reporter;

fn exit(code: i32) -> ExitCode {
    ExitCode::from((code & 0xff) as u8)
}

fn main() -> ExitCode {
    let cli = match cli::parse(std::env::args_os()) {
        Request::Run(cli) => cli,
        Request::Exit { text, to_stderr, code } => {
            if to_stderr {
                let _ = std::io::stderr().write_all(text.as_bytes());
            } else {
                let _ = std::io::stdout().write_all(text.as_bytes());
            }
            return exit(code);
        }
    };
    init_logging();

    // -E changes sydbox's own environment first, so it can name the
    // SYDBOX_CONFIG profile that is read last.
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    for entry in &cli.env {
        match entry.split_once('=') {
            Some((key, value)) => {
                env.retain(|(k, _)| k != key);
                env.push((key.into(), value.into()));
            }
            None => env.retain(|(k, _)| k != entry.as_str()),
        }
    }
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.to_string_lossy().into_owned());

    let mut commands = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut sources = cli.sources.clone();
    if let Some(config) = get("SYDBOX_CONFIG").filter(|c| !c.is_empty()) {
        sources.push(Source::Profile(config));
    }
    let profile_path = get("SYDBOX_PROFILE_PATH");
    let mut magic_index = 0;
    for source in &sources {
        match source {
            Source::Profile(spec) => match profile::load(spec, profile_path.as_deref()) {
                Ok(source) => {
                    let (parsed, bad) = profile::parse_source(&source);
                    commands.extend(parsed);
                    errors.extend(bad.iter().map(ProfileError::to_string));
                }
                Err(err) => errors.push(err.to_string()),
            },
            Source::Magic(text) => {
                magic_index += 1;
                let origin = Origin::CommandLine { index: magic_index };
                match profile::parse_command(text) {
                    Ok(item) => commands.push(Spanned { origin, item }),
                    Err(err) => errors.push(format!("invalid magic: `{text}' (-m #{magic_index}): {err}")),
                }
            }
        }
    }
    let policy = match Policy::compile(&commands) {
        Ok(policy) if errors.is_empty() => Some(policy),
        Ok(_) => None,
        Err(bad) => {
            errors.extend(bad.iter().map(ProfileError::to_string));
            None
        }
    };
    let Some(policy) = policy else {
        for error in &errors {
            eprintln!("sydbox: {error}");
        }
        eprintln!("sydbox: {} error(s); nothing was run", errors.len());
        return exit(1);
    };

    let mut policy = policy;
    if let Some(net) = cli.net.as_deref().and_then(sydbox::policy::isolate::NetMode::parse) {
        policy.global.isolate.net = net;
    }
    if !cli.isolate && (cli.template.is_some() || cli.net.is_some()) {
        eprintln!("sydbox: --template and --net shape the --isolate view; add --isolate, or drop them");
        return exit(1);
    }
    let isolate = if cli.isolate {
        match plan_view(&policy, cli.template.as_deref(), get("SYDBOX_TEMPLATE_PATH").as_deref(), &env) {
            Ok(plan) => Some(plan),
            Err(err) => {
                eprintln!("sydbox: {err}");
                return exit(1);
            }
        }
    } else {
        None
    };
    if let Some(plan) = &isolate {
        report_masked_reads(&mut policy, plan);
    }
    if cli.dump_plan {
        if let Some(plan) = &isolate {
            print!("{plan}");
        }
        return exit(0);
    }

    let console = sydbox::sys::dup_cloexec(policy.global.console_fd).map(std::fs::File::from).map_err(|errno| {
        eprintln!("sydbox: log/console_fd {} is not an open file descriptor: {errno}", policy.global.console_fd);
    });
    let Ok(console) = console else { return exit(1) };
    let reporter = match Reporter::open(&policy.global, Some(console)) {
        Ok(reporter) => reporter,
        Err(err) => {
            eprintln!("sydbox: {err}");
            return exit(1);
        }
    };

    env.retain(|(k, _)| !k.to_string_lossy().starts_with("SYDBOX_") && k != "SYDBOX");
    env.push(("SYDBOX_ACTIVE".into(), "1".into()));
    env.push(("SYDBOX_VERSION".into(), env!("CARGO_PKG_VERSION").into()));
    env.push(("SYDBOX_API_VERSION".into(), "1".into()));

    let result = match isolate {
        Some(plan) => sydbox::launch::run_isolated(policy, sydbox::launch::IsolateLaunch { plan }, cli.command, env, reporter),
        None => sydbox::launch::run(policy, cli.command, env, reporter),
    };
    match result {
        Ok(end) => exit(exit_status(&end)),
        Err(err) => {
            eprintln!("sydbox: {err}");
            exit(1)
        }
    }
}

/// Makes reads of masked paths reported: a masked path fails to open
/// inside the view, but with read sandboxing off no read reaches the
/// supervisor. When the profile leaves reads unchecked, read sandboxing
/// runs in allow mode with a blacklist entry per masked path, which allows
/// exactly what was allowed before and reports the rest.
fn report_masked_reads(policy: &mut Policy, plan: &sydbox::view::MountPlan) {
    use sydbox::policy::{Action, Mode, PathRule};
    let masked: Vec<(&str, bool)> = plan
        .ops
        .iter()
        .filter_map(|op| match op {
            sydbox::view::MountOp::Mask { target, directory, .. } => Some((target.as_str(), *directory)),
            _ => None,
        })
        .collect();
    if masked.is_empty() || policy.sandbox.read != Mode::Off {
        return;
    }
    policy.global.masked = masked.iter().map(|(path, _)| (*path).to_owned()).collect();
    policy.sandbox.read = Mode::Allow;
    let list = std::sync::Arc::make_mut(&mut policy.sandbox.acl_read);
    for (path, directory) in masked {
        let literal: String = path
            .chars()
            .flat_map(|c| if matches!(c, '*' | '?' | '[' | ']' | '\\') { vec!['\\', c] } else { vec![c] })
            .collect();
        let mut patterns = vec![literal.clone()];
        if directory {
            patterns.push(format!("{literal}/**"));
        }
        for pattern in patterns {
            list.push(PathRule { pattern, action: Action::Deny, origin: sydbox::trace::masks::MASK_ORIGIN });
        }
    }
}

/// Plans the `--isolate` view: the template (from `--template`, the
/// profile or the default) with the profile's `isolate/*` entries over it,
/// expanded against the host with the caller's environment.
fn plan_view(
    policy: &Policy,
    template: Option<&str>,
    template_path: Option<&str>,
    env: &[(OsString, OsString)],
) -> Result<sydbox::view::MountPlan, sydbox::view::TemplateError> {
    let isolate = sydbox::view::effective(&policy.global.isolate, template, template_path)?;
    let mut caller = sydbox::view::Caller::default();
    for (key, value) in env {
        caller.vars.insert(key.to_string_lossy().into_owned(), value.to_string_lossy().into_owned());
    }
    if let Ok(cwd) = std::env::current_dir() {
        caller.vars.insert("PWD".into(), cwd.to_string_lossy().into_owned());
    }
    Ok(sydbox::view::plan(policy, &isolate, &caller, &sydbox::view::RealHost))
}

/// sydbox's exit status (`core/violation/exit_code`): the command's status
/// when no violation was reported or the key is -1; 128 plus it for 0,
/// capped at 255 so a command killed by a signal does not wrap around to
/// a small number; else the key's value.
fn exit_status(end: &sydbox::trace::RunEnd) -> i32 {
    match end.violation_exit_code {
        _ if end.violations == 0 => end.status,
        code if code < 0 => end.status,
        0 => (128 + end.status).min(255),
        code => code as i32,
    }
}

/// `SYDBOX_LOG` takes an EnvFilter directive for sydbox's own diagnostics;
/// violations have their own console line, so their events are off unless
/// asked for.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SYDBOX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sydbox::violation=off"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(true).try_init();
}

