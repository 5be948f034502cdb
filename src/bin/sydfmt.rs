//! `sydfmt`: formats magic commands for the runtime `/dev/sydbox`
//! interface, e.g. `stat "$(sydfmt exec -- make install)"`.

use std::io::Write as _;
use std::process::ExitCode;

const USAGE: &str = "usage: sydfmt [-hv] exec [--] COMMAND [ARG]...\n\
Prints /dev/sydbox/cmd/exec! followed by the arguments joined with the byte 0x1F,\n\
with no trailing newline; stat(2) of that path runs COMMAND outside the sandbox.\n";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-v" | "--version") => {
            println!("sydfmt-{}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("exec") => {
            let rest = if args.get(1).is_some_and(|a| a == "--") { &args[2..] } else { &args[1..] };
            if rest.is_empty() {
                eprint!("sydfmt: exec needs a command\n{USAGE}");
                return ExitCode::from(1);
            }
            let mut out = std::io::stdout();
            let _ = write!(out, "/dev/sydbox/cmd/exec!{}", rest.join("\u{1f}"));
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprint!("sydfmt: invalid command `{other}'\n{USAGE}");
            ExitCode::from(1)
        }
        None => {
            eprint!("{USAGE}");
            ExitCode::from(1)
        }
    }
}
