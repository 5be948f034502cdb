//! Fuzzes the path pattern matcher.
//!
//! The first input byte selects a mode. Raw mode matches arbitrary bytes
//! and only checks that the matcher returns. Reference mode maps the
//! input onto `a b / * ?` and compares `wildmatch` with a plain recursive
//! matcher of the same rules (`?` and `*` stop at `/`, `**` crosses it),
//! which is exponential but obviously right for short inputs. Every mode
//! also checks the case-folding and expansion invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sydbox::policy::wildmatch::{expand, iwildmatch, wildmatch, NoWildcard};

/// Reference matcher for patterns of literals, `?`, `*` and `**`.
fn reference(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some(b'*') => {
            let stars = pattern.iter().take_while(|&&b| b == b'*').count();
            let rest = &pattern[stars..];
            for taken in 0..=text.len() {
                if stars == 1 && text[..taken].contains(&b'/') {
                    break;
                }
                if reference(rest, &text[taken..]) {
                    return true;
                }
            }
            false
        }
        Some(b'?') => matches!(text.first(), Some(&c) if c != b'/') && reference(&pattern[1..], &text[1..]),
        Some(&literal) => text.first() == Some(&literal) && reference(&pattern[1..], &text[1..]),
    }
}

fn escape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in text {
        if matches!(b, b'*' | b'?' | b'[' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (pattern, text) = (&rest[..split], rest.get(split + 1..).unwrap_or_default());

    if mode % 2 == 0 {
        const ALPHABET: &[u8] = b"ab/*?";
        let map = |bytes: &[u8]| -> Vec<u8> { bytes.iter().take(24).map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()]).collect() };
        let (pattern, text) = (map(pattern), map(text));
        let text: Vec<u8> = text.into_iter().filter(|b| *b != b'*' && *b != b'?').collect();
        assert_eq!(
            wildmatch(&pattern, &text),
            reference(&pattern, &text),
            "pattern {:?} text {:?}",
            String::from_utf8_lossy(&pattern),
            String::from_utf8_lossy(&text)
        );
    }

    let matched = wildmatch(pattern, text);
    let folded = iwildmatch(pattern, text);
    // Folding only widens, and cannot depend on the text's case.
    assert!(!matched || folded, "wildmatch matched but iwildmatch did not");
    assert_eq!(folded, iwildmatch(pattern, &text.to_ascii_lowercase()));
    assert_eq!(folded, iwildmatch(pattern, &text.to_ascii_uppercase()));
    // A pattern that escapes every special byte matches exactly its text.
    assert!(wildmatch(&escape(text), text));

    if let Ok(pattern) = std::str::from_utf8(pattern) {
        for no_wildcard in [NoWildcard::Literal, NoWildcard::Prefix] {
            let expanded = expand(pattern, no_wildcard);
            assert!(!expanded.is_empty() && expanded.len() <= 2);
            if pattern.starts_with('/') {
                for one in &expanded {
                    // Expansion is idempotent, apart from `dir/***` splitting.
                    if !one.ends_with("/**") && !one.ends_with("/***") && !one.is_empty() {
                        assert_eq!(expand(one, NoWildcard::Literal), vec![one.clone()], "expanding {pattern:?}");
                    }
                    assert!(!one.split('/').any(|c| c == "."), "{one:?} from {pattern:?} keeps a `.` component");
                }
            }
        }
    }
});
