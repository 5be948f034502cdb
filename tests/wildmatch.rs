//! Runs rsync's wildtest vectors against `wildmatch`.

use sydbox::policy::wildmatch::wildmatch;

/// The conformance vectors: under `SYDBOX_SHARED_DIR` when it is set (the
/// unprivileged CI run), else in the shared folder beside the checkout.
fn vectors_path() -> std::path::PathBuf {
    let shared = std::env::var_os("SYDBOX_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared").into());
    shared.join("conformance/wildtest.txt")
}

/// One line of wildtest.txt.
struct Vector {
    line: usize,
    expected: bool,
    text: Vec<u8>,
    pattern: Vec<u8>,
}

/// Splits a line into whitespace-separated fields the way rsync's wildtest
/// reads them. A field that starts with `'`, `"` or a backtick runs to the
/// next copy of that quote, with no escapes inside.
fn split_fields(line: &[u8]) -> Result<Vec<&[u8]>, String> {
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let start = rest.iter().position(|b| !is_blank(b)).unwrap_or(rest.len());
        rest = &rest[start..];
        let Some(&first) = rest.first() else {
            return Ok(fields);
        };

        if matches!(first, b'\'' | b'"' | b'`') {
            let len = rest[1..]
                .iter()
                .position(|&b| b == first)
                .ok_or_else(|| format!("unmatched {} quote", first as char))?;
            fields.push(&rest[1..1 + len]);
            rest = &rest[len + 2..];
        } else {
            let len = rest.iter().position(is_blank).unwrap_or(rest.len());
            fields.push(&rest[..len]);
            rest = &rest[len..];
        }
    }
}

/// Reads every vector, skipping blank lines and `#` comments.
fn read_vectors() -> Vec<Vector> {
    let source = vectors_path().display().to_string();
    let bytes =
        std::fs::read(vectors_path()).unwrap_or_else(|err| panic!("failed to read {source}: {err}"));
    let mut vectors = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_number = index + 1;
        if line.is_empty() || line[0] == b'#' {
            continue;
        }

        let fields =
            split_fields(line).unwrap_or_else(|err| panic!("{source}:{line_number}: {err}"));
        let [expected, _fnmatch_same, text, pattern] = fields[..] else {
            panic!(
                "{source}:{line_number}: expected 4 fields, found {}",
                fields.len()
            );
        };
        let expected = match expected {
            b"1" => true,
            b"0" => false,
            other => panic!(
                "{source}:{line_number}: invalid MATCH column {:?}",
                String::from_utf8_lossy(other)
            ),
        };
        vectors.push(Vector {
            line: line_number,
            expected,
            text: text.to_vec(),
            pattern: pattern.to_vec(),
        });
    }
    vectors
}

#[test]
fn wildtest_vectors_pass() {
    let vectors = read_vectors();
    assert_eq!(vectors.len(), 144, "vector count read from {}", vectors_path().display());
    assert_eq!(
        vectors.iter().filter(|v| v.expected).count(),
        88,
        "vectors that must match"
    );

    let failures: Vec<String> = vectors
        .iter()
        .filter(|v| wildmatch(&v.pattern, &v.text) != v.expected)
        .map(|v| {
            format!(
                "line {}: pattern {:?} on text {:?}: expected {}",
                v.line,
                v.pattern.escape_ascii().to_string(),
                v.text.escape_ascii().to_string(),
                if v.expected { "match" } else { "no match" },
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn reader_handles_quotes_and_bytes() {
    let vectors = read_vectors();
    let by_line = |line: usize| vectors.iter().find(|v| v.line == line).unwrap();

    let empty = by_line(13);
    assert_eq!(
        (empty.text.as_slice(), empty.pattern.as_slice()),
        (&b""[..], &b""[..])
    );
    let quoted = by_line(123);
    assert_eq!(
        (quoted.text.as_slice(), quoted.pattern.as_slice()),
        (&b" "[..], &b"[ --]"[..])
    );
    assert_eq!(by_line(99).text, b"\x7f");
}

/// Patterns that take exponential time in a naive backtracking matcher.
/// Each must return on a 4096-byte text. The test has no timer, so a slow
/// matcher shows up as a slow or hanging test.
#[test]
fn hostile_patterns_finish() {
    let mut a_run = vec![b'a'; 4096];
    let long_component = [&[b'a'; 4095][..], b"/"].concat();
    let long_literal = [&b"**a*"[..], &[b'a'; 100], b"b/"].concat();
    let cases: Vec<(&[u8], Vec<u8>)> = vec![
        (b"*a*a*a*a*a*a*a*b", a_run.clone()),
        (b"**a**a**a**a**a**a**a**b", a_run.clone()),
        (b"**a*a*a*a*a*a*a*b/", long_component.clone()),
        (b"**/*a*a*a*a*a*a*a*b", b"aaa/".repeat(1024)),
        (b"*a*a*a*a*a*a*a*", long_component.clone()),
        (b"**[[:alpha:]]*[!/]?*a**b", a_run.clone()),
        // rsync's abort codes alone rescan the component once per `**` retry.
        (&long_literal, long_component.clone()),
    ];
    for (pattern, text) in &cases {
        assert!(
            !wildmatch(pattern, text),
            "pattern {:?}",
            pattern.escape_ascii().to_string()
        );
    }

    a_run.push(b'b');
    assert!(wildmatch(b"*a*a*a*a*a*a*a*b", &a_run));
}
