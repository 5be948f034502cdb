//! Fuzzes the profile parser and the policy compiler: any text must parse
//! or be rejected without a panic, and every accepted command must write
//! back to a line that parses to the same command.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sydbox::policy::{command_text, Policy};
use sydbox::profile::{parse_command, parse_source, Source};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let source = Source { name: Arc::from("fuzz.syd-1"), text };
    let (commands, _errors) = parse_source(&source);
    for command in &commands {
        let line = command_text(&command.item);
        let again = parse_command(&line).unwrap_or_else(|err| panic!("{line:?} was accepted, then rejected when written back: {err}"));
        assert_eq!(again, command.item, "{line:?} changed when written back");
    }
    // Compiling looks up service names in /etc/services, which is fine:
    // the file is read, never written.
    let _ = Policy::compile(&commands);
});
