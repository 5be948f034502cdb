//! Hostile inputs, rule-language semantics: `***`, `*`, `**`,
//! prefix mode, sibling prefixes, rule order and case folding, checked
//! through real writes, plus table-driven checks of the compiled policy.

#[macro_use]
mod common;

use std::fs;

use common::{Fixture, Mode};
use sydbox::policy::{Category, Policy};
use sydbox::profile::{parse_command, Origin, Spanned};

/// Creates the sibling directories the matching cases need, next to `box`.
fn siblings(fx: &Fixture) {
    for dir in ["boxer", "box2", "BOX", "box/keep", "box/KEEP", "box/a/b"] {
        fs::create_dir_all(fx.root.join(dir)).unwrap();
    }
}

/// Runs `sysc CALL PATH` with write sandboxing and `rules`, and reports
/// whether the call was allowed. Under --isolate the system trees and the
/// helpers are whitelisted for reading, which only shapes the view because
/// read sandboxing is off, and a path the view leaves out (ENOENT) counts
/// as denied.
fn write_allowed(fx: &Fixture, rules: &[String], call: &str, relative: &str) -> bool {
    let mut case = common::Case::new();
    case.magic("core/sandbox/write:deny");
    if fx.mode == Mode::Isolate {
        let helpers = fs::canonicalize(common::helpers_dir()).unwrap();
        case.arg("--isolate");
        for tree in ["/usr", "/lib", "/lib64", "/etc", &helpers.display().to_string()] {
            case.magic(format!("whitelist/read+{tree}/***"));
        }
    }
    for rule in rules {
        case.magic(rule);
    }
    let path = fx.root.join(relative).display().to_string();
    let args: Vec<&str> = match call {
        "touch" => vec!["open", "--flags", "O_WRONLY|O_CREAT", &path],
        _ => vec!["utimensat", &path],
    };
    let out = case.run("sysc", &args);
    match out.code() {
        Some(0) => true,
        Some(libc::EPERM) => false,
        Some(libc::ENOENT) if fx.mode == Mode::Isolate => false,
        _ => panic!("unexpected result\n{}", out.details()),
    }
}

in_both_modes! {
    fn wildcards_prefix_and_siblings_match_as_documented(mode) {
        require_ptrace!();
        let fx = Fixture::new(mode);
        siblings(&fx);
        let b = fx.box_dir.display().to_string();
        // (rules, call, path relative to the case directory, allowed)
        let table: Vec<(Vec<String>, &str, &str, bool)> = vec![
            (vec![format!("whitelist/write+{b}/***")], "utime", "box", true),
            (vec![format!("whitelist/write+{b}/***")], "touch", "box/a/b/c", true),
            (vec![format!("whitelist/write+{b}/***")], "touch", "boxer/x", false),
            (vec![format!("whitelist/write+{b}/***")], "touch", "box2/x", false),
            (vec![format!("whitelist/write+{b}/***")], "touch", "BOX/x", false),
            (vec![format!("whitelist/write+{b}/*")], "touch", "box/x", true),
            (vec![format!("whitelist/write+{b}/*")], "touch", "box/a/b/c", false),
            (vec![format!("whitelist/write+{b}/*")], "utime", "box", false),
            (vec![format!("whitelist/write+{b}/**")], "touch", "box/a/b/c", true),
            (vec![format!("whitelist/write+{b}/**")], "utime", "box", false),
            (vec!["core/match/no_wildcard:prefix".into(), format!("whitelist/write+{b}")], "utime", "box", true),
            (vec!["core/match/no_wildcard:prefix".into(), format!("whitelist/write+{b}")], "touch", "box/a/b/c", true),
            (vec!["core/match/no_wildcard:prefix".into(), format!("whitelist/write+{b}")], "touch", "boxer/x", false),
            (vec![format!("whitelist/write+{b}/***"), format!("blacklist/write+{b}/keep/***")], "touch", "box/keep/x", false),
            // Reversed order: the last matching rule, the whitelist, decides.
            (vec![format!("blacklist/write+{b}/keep/***"), format!("whitelist/write+{b}/***")], "touch", "box/keep/x", true),
            (vec![format!("whitelist/write+{b}/***"), format!("blacklist/write+{b}/keep/***")], "touch", "box/KEEP/x", true),
            (
                vec!["core/match/case_sensitive:false".into(), format!("whitelist/write+{b}/***"), format!("blacklist/write+{b}/keep/***")],
                "touch",
                "box/KEEP/x",
                false,
            ),
            // Own case: folding widens a deny rule written in capitals too.
            (
                vec!["core/match/case_sensitive:false".into(), format!("whitelist/write+{b}/***"), format!("blacklist/write+{b}/KEEP/***")],
                "touch",
                "box/keep/y",
                false,
            ),
            // Own case: a deny rule spelled with `.` and `..` still denies.
            (vec![format!("whitelist/write+{b}/***"), format!("blacklist/write+{b}/./a/../keep/***")], "touch", "box/keep/z", false),
        ];
        for (rules, call, path, allowed) in &table {
            assert_eq!(write_allowed(&fx, rules, call, path), *allowed, "{call} {path} under {rules:?}");
        }
    }
}

fn compile(lines: &[&str]) -> Policy {
    let commands: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| Spanned { origin: Origin::CommandLine { index: index + 1 }, item: parse_command(line).unwrap() })
        .collect();
    Policy::compile(&commands).unwrap()
}

// The two table-driven tests below check the compiled policy without
// running sydbox, so they have no plain or --isolate variant.

#[test]
fn lib_star_rule_covers_exactly_its_trees() {
    let policy = compile(&["core/sandbox/read:deny", "whitelist/read+/usr/lib*/***"]);
    let table = [
        ("/usr/lib", true),
        ("/usr/lib64", true),
        ("/usr/libexec", true),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", true),
        ("/usr/libexec/a/b", true),
        ("/usr/li", false),
        ("/usr", false),
        ("/usr/share/lib", false),
        ("/usr/local/lib", false),
    ];
    for (path, allowed) in table {
        let verdict = policy.sandbox.check_path(Category::Read, path.as_bytes(), &policy.global, &[]);
        assert_eq!(verdict.allow, allowed, "{path}: {verdict:?}");
    }
}

#[test]
fn case_folding_never_narrows_a_rule() {
    // Own case: every path a case-sensitive rule matches, the folded rule
    // matches too, for allow and deny rules alike.
    let rules = ["/tmp/Box/***", "/tmp/[!a]x", "/tmp/[A-C]*", "/tmp/[[:upper:]]", "/home/*/.SSH/**"];
    let paths = ["/tmp/Box", "/tmp/box/x", "/tmp/BOX/y", "/tmp/Ax", "/tmp/ax", "/tmp/b1", "/tmp/B", "/tmp/b", "/home/u/.ssh/id", "/home/u/.SSH/id"];
    for rule in rules {
        let exact = compile(&["core/sandbox/read:allow", &format!("blacklist/read+{rule}")]);
        let folded = compile(&["core/sandbox/read:allow", "core/match/case_sensitive:false", &format!("blacklist/read+{rule}")]);
        for path in paths {
            let denied_exact = !exact.sandbox.check_path(Category::Read, path.as_bytes(), &exact.global, &[]).allow;
            let denied_folded = !folded.sandbox.check_path(Category::Read, path.as_bytes(), &folded.global, &[]).allow;
            assert!(!denied_exact || denied_folded, "folding un-denied {path} under {rule}");
            if path.eq_ignore_ascii_case(rule) {
                assert!(denied_folded, "{path} under {rule}");
            }
        }
    }
}

in_both_modes! {
    fn invalid_rules_are_rejected_at_startup(mode) {
        // Own case: malformed rules stop sydbox before anything runs.
        for rule in [
            "whitelist/write+relative/path",
            "whitelist/write+",
            "whitelist/network/connect+inet:127.0.0.1",
            "whitelist/network/connect+inet:127.0.0.1/33@80",
            "whitelist/network/connect+inet6:::1/129@80",
            "whitelist/network/connect+inet:1.2.3.4.5@80",
            "whitelist/network/connect+inet:01.2.3.4@80",
            "whitelist/network/connect+unix:",
            "whitelist/network/connect+unix:/***",
            "whitelist/network/connect+tcp:127.0.0.1@80",
            "whitelist/network/connect+LOOPBACK",
        ] {
            let mut case = common::Case::new();
            if mode == Mode::Isolate {
                case.arg("--isolate");
            }
            case.magic(rule);
            let out = case.run_program("/bin/true", [""; 0]);
            out.expect_exit(1);
        }
    }
}
