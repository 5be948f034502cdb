//! rsync wildmatch, the path pattern language of sydbox-1 profiles.
//!
//! Patterns always match the whole path. `?` and `*` stop at `/`, `**`
//! (two or more stars) crosses `/`, `[...]` classes take ranges, `!`/`^`
//! negation and `[:name:]` classes, and a backslash always escapes the next
//! byte. The arbiter is `shared/conformance/wildtest.txt` (tests/wildmatch.rs).
#![forbid(unsafe_code)]

/// Reports whether `pattern` matches the whole of `text`.
pub fn wildmatch(pattern: &[u8], text: &[u8]) -> bool {
    let _ = (pattern, text);
    todo!("wildmatch")
}

/// Reports whether `pattern` matches `text` with only the text lower-cased,
/// as sydbox-1's `core/match/case_sensitive:false` does.
pub fn iwildmatch(pattern: &[u8], text: &[u8]) -> bool {
    let _ = (pattern, text);
    todo!("iwildmatch")
}

/// How a pattern without `*` or `?` is stored (`core/match/no_wildcard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoWildcard {
    /// Stored as written: it matches exactly one path.
    #[default]
    Literal,
    /// `/***` is appended, so it matches the path and everything below.
    Prefix,
}

/// Expands a path pattern the way sydbox-1 does when it is added to a list
/// (spec section 6.2): prefix mode, slash folding, and `dir/***` into `dir`
/// plus `dir/**`.
pub fn expand(pattern: &str, no_wildcard: NoWildcard) -> Vec<String> {
    let mut pattern = pattern.to_string();
    if no_wildcard == NoWildcard::Prefix && !pattern.contains(['*', '?']) {
        pattern.push_str("/***");
    }

    // Fold runs of slashes and drop a trailing slash.
    let mut folded = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if c == '/' && folded.ends_with('/') {
            continue;
        }
        folded.push(c);
    }
    if folded.len() > 1 && folded.ends_with('/') {
        folded.pop();
    }

    match folded.strip_suffix("/***") {
        Some(dir) => vec![dir.to_string(), format!("{dir}/**")],
        None => vec![folded],
    }
}

#[cfg(test)]
mod expand_tests {
    use super::*;

    #[test]
    fn prefix_mode_appends_triple_star() {
        assert_eq!(expand("/tmp", NoWildcard::Prefix), ["/tmp", "/tmp/**"]);
        assert_eq!(expand("/dev/tty*", NoWildcard::Prefix), ["/dev/tty*"]);
        assert_eq!(expand("/tmp", NoWildcard::Literal), ["/tmp"]);
    }

    #[test]
    fn triple_star_splits_and_slashes_fold() {
        assert_eq!(expand("//var//tmp/***", NoWildcard::Literal), ["/var/tmp", "/var/tmp/**"]);
        assert_eq!(expand("/***", NoWildcard::Literal), ["", "/**"]);
        assert_eq!(expand("/a/b/", NoWildcard::Literal), ["/a/b"]);
        assert_eq!(expand("/a/***/b", NoWildcard::Literal), ["/a/***/b"]);
    }
}
