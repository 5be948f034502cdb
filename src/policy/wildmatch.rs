//! rsync wildmatch, the path pattern language of sydbox-1 profiles.
//!
//! Patterns always match the whole path. `?` and `*` stop at `/`, `**`
//! (two or more stars) crosses `/`, `[...]` classes take ranges, `!`/`^`
//! negation and `[:name:]` classes, and a backslash always escapes the next
//! byte. The arbiter is `shared/conformance/wildtest.txt` (tests/wildmatch.rs).
//!
//! Unlike git's wildmatch, `**/` never matches an empty directory level, so
//! `foo/**/bar` does not match `foo/bar` and `**/foo` does not match `foo`.
//! Matching works on bytes, and the time is polynomial, not exponential, in
//! the pattern and text lengths.
#![forbid(unsafe_code)]

/// Reports whether `pattern` matches the whole of `text`.
pub fn wildmatch(pattern: &[u8], text: &[u8]) -> bool {
    Matcher::new(pattern, text, false).run()
}

/// Reports whether `pattern` matches some spelling of `text` that differs
/// only in the case of ASCII letters (`core/match/case_sensitive:false`).
///
/// So a literal pattern byte matches either case, `[[:upper:]]` matches
/// `a`, and `[!a]` matches `a` (through `A`). Whatever `wildmatch`
/// matches, this matches too, so turning case folding on never narrows a
/// rule, deny rules included. sydbox-1 folded only the text, so a pattern
/// written with a capital letter matched nothing and a deny rule spelled
/// that way denied nothing. Bytes of 0x80 and above are compared as they
/// are.
pub fn iwildmatch(pattern: &[u8], text: &[u8]) -> bool {
    Matcher::new(pattern, text, true).run()
}

/// A star that can still be retried.
#[derive(Debug, Clone, Copy)]
struct Star {
    /// Pattern offset after the run of stars.
    rest: usize,
    /// Text offset where the rest was first tried.
    start: usize,
    /// Text offset where the rest was last tried.
    tried: usize,
}

/// The result of matching one non-star pattern element against one byte.
enum Element {
    /// The element matched, and the next element starts at this offset.
    Matched(usize),
    Mismatch,
    /// The element is a malformed class, which no text can match.
    Invalid,
}

/// State of one match.
///
/// rsync's wildmatch.c recurses once per star and returns two abort codes
/// that stop outer stars from retrying. ABORT_ALL is returned when the text
/// runs out, because giving an outer star more bytes only shortens what is
/// left. ABORT_TO_STARSTAR is returned when a `*` would have to cross `/`,
/// because only a `**` can take the slash. Under those rules a star that
/// gets retried is always either the innermost star or the innermost `**`.
/// So two saved stars replace the recursion.
///
/// The abort codes alone still allow time of order n * n * m for text length
/// n and pattern length m, because each retry of a `**` can rescan a long
/// component with the `*`s after it. `dead_ends` skips those rescans.
/// NOTE: the resulting bound of about n * m steps is argued, not measured.
/// The tests only check that hostile patterns return.
struct Matcher<'a> {
    pattern: &'a [u8],
    text: &'a [u8],
    fold_text: bool,
    /// Offset of the last `/` in the text, so a trailing `*` is checked in
    /// constant time.
    last_slash: Option<usize>,
    /// The innermost star if it is a single `*`. It is always newer than
    /// `double`.
    single: Option<Star>,
    /// The innermost `**`.
    double: Option<Star>,
    /// For each `*`, indexed by the offset of its rest, a span of start
    /// offsets from which it is known to fail at a `/`. rsync's result for a
    /// star depends only on its pattern offset and its start offset, so a
    /// span stays valid. Empty until a pattern with `**` records a span.
    dead_ends: Vec<Option<(usize, usize)>>,
}

impl<'a> Matcher<'a> {
    fn new(pattern: &'a [u8], text: &'a [u8], fold_text: bool) -> Self {
        Matcher {
            pattern,
            text,
            fold_text,
            last_slash: text.iter().rposition(|&b| b == b'/'),
            single: None,
            double: None,
            dead_ends: Vec::new(),
        }
    }

    fn text_byte(&self, offset: usize) -> u8 {
        let byte = self.text[offset];
        if self.fold_text {
            byte.to_ascii_lowercase()
        } else {
            byte
        }
    }

    fn run(mut self) -> bool {
        let (mut p, mut t) = (0, 0);
        loop {
            if p == self.pattern.len() {
                if t == self.text.len() {
                    return true;
                }
            } else if self.pattern[p] == b'*' {
                let stars = self.pattern[p..].iter().take_while(|&&b| b == b'*').count();
                let star = Star {
                    rest: p + stars,
                    start: t,
                    tried: t,
                };
                let crosses_slash = stars >= 2;

                if star.rest == self.pattern.len() {
                    let slash_left = self.last_slash.is_some_and(|slash| slash >= t);
                    if crosses_slash || !slash_left {
                        return true;
                    }
                } else if t == self.text.len() {
                    // The rest starts with a non-star element, which needs a byte.
                    return false;
                } else if crosses_slash {
                    // Every star before this one can only shorten the text
                    // this `**` may take, so none is retried.
                    self.double = Some(star);
                    self.single = None;
                    p = star.rest;
                    continue;
                } else {
                    // The outer `*` is never retried after this point,
                    // because this `*` either ends the whole match or fails
                    // at a `/`. In the second case the outer `*` fails at a
                    // `/` from every start it has tried.
                    if let Some(outer) = self.single {
                        self.record_dead_end(outer);
                    }
                    self.single = Some(star);
                    if !self.is_dead_end(star) {
                        p = star.rest;
                        continue;
                    }
                    self.single = None;
                }
            } else if t == self.text.len() {
                return false;
            } else {
                match match_element(self.pattern, p, self.text_byte(t), self.fold_text) {
                    Element::Matched(next) => {
                        p = next;
                        t += 1;
                        continue;
                    }
                    Element::Mismatch => {}
                    Element::Invalid => return false,
                }
            }

            match self.retry_star() {
                Some(star) => (p, t) = (star.rest, star.tried),
                None => return false,
            }
        }
    }

    /// Lets the innermost retryable star take one more byte, and returns
    /// it, or `None` once no star can make the match succeed.
    fn retry_star(&mut self) -> Option<Star> {
        if let Some(star) = self.single.as_mut() {
            if self.text[star.tried] != b'/' {
                star.tried += 1;
                return (star.tried < self.text.len()).then_some(*star);
            }
            let star = *star;
            self.record_dead_end(star);
            self.single = None;
        }

        let star = self.double.as_mut()?;
        star.tried += 1;
        (star.tried < self.text.len()).then_some(*star)
    }

    /// Records that the `*` in `star` fails at a `/` when started anywhere
    /// from `star.start` to `star.tried`.
    fn record_dead_end(&mut self, star: Star) {
        // Only a `**` retry starts the same `*` again.
        if self.double.is_none() {
            return;
        }
        if self.dead_ends.is_empty() {
            self.dead_ends = vec![None; self.pattern.len()];
        }
        self.dead_ends[star.rest] = Some((star.start, star.tried));
    }

    fn is_dead_end(&self, star: Star) -> bool {
        match self.dead_ends.get(star.rest) {
            Some(&Some((first, last))) => (first..=last).contains(&star.start),
            _ => false,
        }
    }
}

/// Matches the non-star element at `pattern[p]` against the text byte `c`.
/// With `fold`, `c` is lower-case and the element may match either case
/// of it.
fn match_element(pattern: &[u8], p: usize, c: u8, fold: bool) -> Element {
    let same = |byte: u8| if fold { byte.to_ascii_lowercase() == c } else { byte == c };
    match pattern[p] {
        b'?' if c != b'/' => Element::Matched(p + 1),
        b'?' => Element::Mismatch,
        // A trailing backslash matches nothing.
        b'\\' => match pattern.get(p + 1) {
            Some(&escaped) if same(escaped) => Element::Matched(p + 2),
            _ => Element::Mismatch,
        },
        b'[' => {
            let upper = c.to_ascii_uppercase();
            let mut result = match_class(pattern, p + 1, c);
            if fold && upper != c && matches!(result, Some((false, _))) {
                result = match_class(pattern, p + 1, upper);
            }
            match result {
                Some((contains, next)) if contains && c != b'/' => Element::Matched(next),
                Some(_) => Element::Mismatch,
                None => Element::Invalid,
            }
        }
        literal if same(literal) => Element::Matched(p + 1),
        _ => Element::Mismatch,
    }
}

/// Matches the bracket expression whose body starts at `pattern[start]`
/// (just after `[`) against `c`, and returns whether the class accepts `c`
/// (negation applied) and the offset after the closing `]`.
///
/// Returns `None` for an unterminated class or an unknown `[:name:]`.
/// The caller rejects `/` separately. The parsing quirks are those of
/// rsync's wildmatch.c:
/// - `]` right after `[`, `[!` or `[^` is a literal.
/// - `-` is a range only between a start byte and an end byte that is not
///   `]`. After a range or a `[:name:]` it is a literal again.
/// - `\` escapes the next byte, also as a range end.
/// - `[:` without a matching `:]` is a literal `[`.
fn match_class(pattern: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start;
    let negated = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }

    let mut contains = false;
    // The byte a following `-` would start a range from.
    let mut range_start: Option<u8> = None;
    let mut first = true;
    loop {
        let byte = *pattern.get(i)?;
        if byte == b']' && !first {
            return Some((contains != negated, i + 1));
        }
        first = false;

        if byte == b'\\' {
            i += 1;
            let escaped = *pattern.get(i)?;
            contains |= c == escaped;
            range_start = Some(escaped);
        } else if let (b'-', Some(low), Some(&next)) = (byte, range_start, pattern.get(i + 1)) {
            if next == b']' {
                contains |= c == b'-';
                range_start = Some(b'-');
            } else {
                i += 1;
                let mut high = next;
                if high == b'\\' {
                    i += 1;
                    high = *pattern.get(i)?;
                }
                contains |= (low..=high).contains(&c);
                range_start = None;
            }
        } else if byte == b'[' && pattern.get(i + 1) == Some(&b':') {
            let name_start = i + 2;
            let close = name_start + pattern[name_start..].iter().position(|&b| b == b']')?;
            // `[:]` has no room for a closing `:`.
            if close > name_start && pattern[close - 1] == b':' {
                contains |= in_named_class(&pattern[name_start..close - 1], c)?;
                range_start = None;
                i = close;
            } else {
                contains |= c == b'[';
                range_start = Some(b'[');
            }
        } else {
            contains |= c == byte;
            range_start = Some(byte);
        }
        i += 1;
    }
}

/// Reports whether `c` is in the POSIX class `name` of the C locale, or
/// returns `None` for an unknown name. Bytes of 0x80 and above are in none.
fn in_named_class(name: &[u8], c: u8) -> Option<bool> {
    let contains = match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c.is_ascii_control(),
        b"digit" => c.is_ascii_digit(),
        b"graph" => c.is_ascii_graphic(),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => c.is_ascii_graphic() || c == b' ',
        b"punct" => c.is_ascii_punctuation(),
        // isspace(3) includes the vertical tab, which is_ascii_whitespace() omits.
        b"space" => c == b' ' || (b'\t'..=b'\r').contains(&c),
        b"upper" => c.is_ascii_uppercase(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    };
    Some(contains)
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
    let folded = drop_dot_components(&folded);

    match folded.strip_suffix("/***") {
        Some(dir) => vec![dir.to_string(), format!("{dir}/**")],
        None => vec![folded],
    }
}

/// Removes `.` components and applies `..` to the component before it,
/// so that a rule names the paths that resolution produces: a resolved
/// path never contains `.` or `..`, so a rule spelled with them would
/// otherwise match nothing, and a deny rule would deny nothing.
///
/// A `..` after a `**` component is kept, because `**` can stand for
/// several directories and no shorter pattern means the same.
/// NOTE: such a rule still matches nothing.
fn drop_dot_components(pattern: &str) -> String {
    let Some(rest) = pattern.strip_prefix('/') else { return pattern.to_string() };
    let mut kept: Vec<&str> = Vec::new();
    for component in rest.split('/') {
        match component {
            "." => {}
            ".." => match kept.last() {
                None => {}
                Some(last) if last.contains("**") || *last == ".." => kept.push(component),
                Some(_) => {
                    kept.pop();
                }
            },
            _ => kept.push(component),
        }
    }
    format!("/{}", kept.join("/"))
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

    #[test]
    fn dot_components_are_applied() {
        let cases: &[(&str, &[&str])] = &[
            ("/tmp/outside/secret/./***", &["/tmp/outside/secret", "/tmp/outside/secret/**"]),
            ("/tmp/./outside//secret/", &["/tmp/outside/secret"]),
            ("/tmp/outside/secret/sub/..", &["/tmp/outside/secret"]),
            ("/tmp/x/../secret/***", &["/tmp/secret", "/tmp/secret/**"]),
            ("/tmp/*/../secret", &["/tmp/secret"]),
            ("/..", &["/"]),
            ("/../tmp", &["/tmp"]),
            ("/.", &["/"]),
            ("/a/**/../b", &["/a/**/../b"]),
            ("/a/.hidden/..x", &["/a/.hidden/..x"]),
        ];
        for (pattern, expected) in cases {
            assert_eq!(expand(pattern, NoWildcard::Literal), *expected, "pattern {pattern}");
        }
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;

    #[test]
    fn iwildmatch_folds_both_sides() {
        assert!(iwildmatch(b"/tmp/box/keep/**", b"/TMP/Box/KEEP/x"));
        assert!(iwildmatch(b"/home/*/.cache", b"/home/Alice/.CACHE"));
        assert!(iwildmatch(b"/tmp/BOX", b"/tmp/BOX"));
        assert!(iwildmatch(b"/tmp/BOX", b"/tmp/box"));
        assert!(iwildmatch(b"/tmp/B\\OX", b"/tmp/box"));
        assert!(!iwildmatch(b"/tmp/BOX", b"/tmp/boxer"));
        assert!(!wildmatch(b"/tmp/box", b"/tmp/BOX"));
    }

    #[test]
    fn iwildmatch_classes_take_either_case() {
        assert!(iwildmatch(b"[[:upper:]]", b"A"));
        assert!(iwildmatch(b"[[:upper:]]", b"a"));
        assert!(iwildmatch(b"[[:lower:]]", b"A"));
        assert!(iwildmatch(b"[a-c]", b"B"));
        assert!(iwildmatch(b"[A-C]", b"b"));
        // Some spelling of the text matches: `A` for `[!a]`, `b` for `[!A-C]`.
        assert!(iwildmatch(b"[!a]", b"A"));
        assert!(iwildmatch(b"[!A-C]", b"b"));
        assert!(!iwildmatch(b"[!A-Ca-c]", b"b"));
        assert!(iwildmatch(b"[!.-a]", b"x"));
        assert!(!iwildmatch(b"[[:digit:]]", b"a"));
    }

    #[test]
    fn iwildmatch_leaves_non_ascii_bytes() {
        assert!(iwildmatch(b"/x/\xc3\x89", b"/X/\xc3\x89"));
        assert!(!iwildmatch(b"/x/\xc3\xa9", b"/x/\xc3\x89"));
    }

    #[test]
    fn double_star_has_no_empty_directory_rule() {
        // rsync's wildmatch, unlike git's, needs both slashes of `/**/`.
        assert!(!wildmatch(b"foo/**/bar", b"foo/bar"));
        assert!(wildmatch(b"foo/**/bar", b"foo/x/bar"));
        assert!(wildmatch(b"foo/**/bar", b"foo/x/y/bar"));
        assert!(!wildmatch(b"**/foo", b"foo"));
        assert!(wildmatch(b"/**/foo", b"//foo"));
    }

    #[test]
    fn star_runs_and_slashes() {
        assert!(wildmatch(b"/usr/lib*/***", b"/usr/lib64/x/y"));
        assert!(!wildmatch(b"/usr/lib*/***", b"/usr/lib"));
        assert!(wildmatch(b"/tmp/*", b"/tmp/"));
        assert!(!wildmatch(b"/tmp/*", b"/tmp/a/b"));
        assert!(wildmatch(b"/tmp/**", b"/tmp/a/b"));
        assert!(!wildmatch(b"/tmp/**", b"/tmp"));
        assert!(wildmatch(b"*", b""));
        assert!(wildmatch(b"**", b""));
        assert!(!wildmatch(b"*a", b""));
        assert!(!wildmatch(b"a*/b", b"ab/c/b"));
        assert!(wildmatch(b"a**/b", b"ab/c/b"));
    }

    #[test]
    fn classes_skip_slash() {
        assert!(!wildmatch(b"a[!x]b", b"a/b"));
        assert!(!wildmatch(b"a[+-0]b", b"a/b"));
        assert!(!wildmatch(b"a[[:punct:]]b", b"a/b"));
        assert!(wildmatch(b"a[[:punct:]]b", b"a.b"));
    }

    #[test]
    fn named_classes_follow_c_locale() {
        assert!(wildmatch(b"[[:space:]]", b"\x0b"));
        assert!(!wildmatch(b"[[:blank:]]", b"\x0b"));
        assert!(wildmatch(b"[[:cntrl:]]", b"\x7f"));
        assert!(!wildmatch(b"[[:print:]]", b"\x7f"));
        assert!(!wildmatch(b"[[:alpha:]]", b"\xe9"));
        assert!(wildmatch(b"[![:alpha:]]", b"\xe9"));
    }

    #[test]
    fn malformed_classes_never_match() {
        assert!(!wildmatch(b"*[[:nope:]]", b"abc"));
        assert!(!wildmatch(b"a[", b"a["));
        assert!(!wildmatch(b"a[b", b"ab"));
        assert!(!wildmatch(b"a[\\", b"a\\"));
        assert!(!wildmatch(b"a[b-\\", b"ab"));
        assert!(!wildmatch(b"a[[:alpha", b"ab"));
    }

    #[test]
    fn backslash_escapes_everywhere() {
        assert!(wildmatch(b"/a\\*b", b"/a*b"));
        assert!(!wildmatch(b"/a\\*b", b"/axb"));
        assert!(wildmatch(b"/a\\?", b"/a?"));
        assert!(wildmatch(b"/\\a", b"/a"));
        assert!(!wildmatch(b"/a\\", b"/a\\"));
        assert!(!wildmatch(b"/a\\", b"/a"));
    }

    #[test]
    fn non_utf8_bytes_match() {
        assert!(wildmatch(b"/tmp/\xff*", b"/tmp/\xff\xfe"));
        assert!(wildmatch(b"/tmp/?", b"/tmp/\x80"));
        assert!(wildmatch(b"/tmp/[\x80-\xff]", b"/tmp/\x90"));
        assert!(!wildmatch(b"/tmp/[\x80-\x8f]", b"/tmp/\x90"));
    }
}
