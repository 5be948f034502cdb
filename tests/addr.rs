//! Address patterns: parsing, alias expansion, matching and sockaddr
//! decoding.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::ops::RangeInclusive;

use ipnet::{Ipv4Net, Ipv6Net};
use sydbox::policy::addr::*;
use sydbox::policy::wildmatch::NoWildcard;

/// Looks up a port in a fixed service table, so results do not depend on
/// the host's `/etc/services`.
fn services(name: &str) -> Option<u16> {
    match name {
        "http" => Some(80),
        "https" => Some(443),
        "domain" => Some(53),
        _ => None,
    }
}

fn parse_literal(text: &str) -> Result<Vec<(String, AddrPattern)>, AddrError> {
    parse(text, NoWildcard::Literal, &services)
}

/// Parses a pattern that must expand to exactly one entry.
fn parse_one(text: &str) -> AddrPattern {
    let mut parsed = parse_literal(text).unwrap_or_else(|err| panic!("{text}: {err}"));
    assert_eq!(parsed.len(), 1, "{text} expanded to {parsed:?}");
    parsed.remove(0).1
}

fn inet(net: &str, ports: RangeInclusive<u16>) -> AddrPattern {
    AddrPattern::Inet {
        net: net.parse::<Ipv4Net>().unwrap(),
        ports,
    }
}

fn inet6(net: &str, ports: RangeInclusive<u16>) -> AddrPattern {
    AddrPattern::Inet6 {
        net: net.parse::<Ipv6Net>().unwrap(),
        ports,
    }
}

fn v4(addr: &str, port: u16) -> SockTarget {
    SockTarget::Inet(SocketAddrV4::new(addr.parse().unwrap(), port))
}

fn v6(addr: &str, port: u16) -> SockTarget {
    SockTarget::Inet6(SocketAddrV6::new(addr.parse().unwrap(), port, 0, 0))
}

// Parsing

#[test]
fn parse_inet_forms() {
    let cases: &[(&str, AddrPattern)] = &[
        ("inet:127.0.0.1@80", inet("127.0.0.1/32", 80..=80)),
        ("inet:10.0.0.0/8@80", inet("10.0.0.0/8", 80..=80)),
        ("inet:0.0.0.0/0@0-65000", inet("0.0.0.0/0", 0..=65000)),
        ("inet:1.2.3.255/24@80", inet("1.2.3.0/24", 80..=80)),
        ("inet:1.2.3.4/0@1", inet("0.0.0.0/0", 1..=1)),
        ("inet:1.2.3.4/32@1", inet("1.2.3.4/32", 1..=1)),
        ("inet:172.31.255.255/12@1", inet("172.16.0.0/12", 1..=1)),
        ("inet:127.0.0.1@1024-65535", inet("127.0.0.1/32", 1024..=65535)),
        ("inet:127.0.0.1@0", inet("127.0.0.1/32", 0..=0)),
        ("inet:127.0.0.1@65535", inet("127.0.0.1/32", 65535..=65535)),
        ("inet:127.0.0.1@7-7", inet("127.0.0.1/32", 7..=7)),
    ];
    for (text, expected) in cases {
        assert_eq!(&parse_one(text), expected, "{text}");
    }
}

#[test]
fn parse_short_ipv4_gets_8_bits_per_group() {
    let cases: &[(&str, AddrPattern)] = &[
        ("inet:10@80", inet("10.0.0.0/8", 80..=80)),
        ("inet:10.1@80", inet("10.1.0.0/16", 80..=80)),
        ("inet:10.1.2@80", inet("10.1.2.0/24", 80..=80)),
        ("inet:10.1.2.3@80", inet("10.1.2.3/32", 80..=80)),
        ("inet:0@80", inet("0.0.0.0/8", 80..=80)),
        ("inet:10/16@80", inet("10.0.0.0/16", 80..=80)),
        ("inet:192.168/12@80", inet("192.160.0.0/12", 80..=80)),
    ];
    for (text, expected) in cases {
        assert_eq!(&parse_one(text), expected, "{text}");
    }
}

#[test]
fn parse_inet6_forms() {
    let cases: &[(&str, AddrPattern)] = &[
        ("inet6:::1@80", inet6("::1/128", 80..=80)),
        ("inet6:::0/0@0-65000", inet6("::/0", 0..=65000)),
        ("inet6:fe80::1/64@22", inet6("fe80::/64", 22..=22)),
        ("inet6:2001:db8::ff/120@22", inet6("2001:db8::/120", 22..=22)),
        ("inet6:2001:db8::1/128@22", inet6("2001:db8::1/128", 22..=22)),
        ("inet6:::ffff:10.0.0.1/104@53", inet6("::ffff:10.0.0.0/104", 53..=53)),
        ("inet6:::ffff:10.0.0.1@53", inet6("::ffff:10.0.0.1/128", 53..=53)),
    ];
    for (text, expected) in cases {
        assert_eq!(&parse_one(text), expected, "{text}");
    }
}

#[test]
fn parse_port_numbers_like_strtoul() {
    let cases: &[(&str, RangeInclusive<u16>)] = &[
        ("inet:127.0.0.1@0x50", 80..=80),
        ("inet:127.0.0.1@0X50", 80..=80),
        ("inet:127.0.0.1@010", 8..=8),
        ("inet:127.0.0.1@0xffff", 65535..=65535),
        ("inet:127.0.0.1@0x10-0x20", 16..=32),
    ];
    for (text, ports) in cases {
        assert_eq!(parse_one(text), inet("127.0.0.1/32", ports.clone()), "{text}");
    }
}

#[test]
fn parse_service_names() {
    let cases: &[(&str, RangeInclusive<u16>)] = &[
        ("inet:127.0.0.1@http", 80..=80),
        ("inet:127.0.0.1@http-https", 80..=443),
        ("inet:127.0.0.1@domain-1024", 53..=1024),
        ("inet:127.0.0.1@1-http", 1..=80),
    ];
    for (text, ports) in cases {
        assert_eq!(parse_one(text), inet("127.0.0.1/32", ports.clone()), "{text}");
    }
    assert_eq!(parse_one("inet6:::1@https"), inet6("::1/128", 443..=443));
}

#[test]
fn parse_keeps_text_as_written() {
    for text in ["inet:1.2.3.255/24@http", "inet:10@0x50", "inet6:::1@80"] {
        let parsed = parse_literal(text).unwrap();
        assert_eq!(parsed[0].0, text);
    }
}

#[test]
fn lookup_service_reads_etc_services() {
    if !std::path::Path::new("/etc/services").exists() {
        eprintln!("skipped: /etc/services does not exist");
        return;
    }
    assert_eq!(lookup_service("http"), Some(80));
    assert_eq!(lookup_service("no-such-service-name"), None);
}

#[test]
fn parse_unix_expands_patterns() {
    let cases: &[(&str, NoWildcard, &[&str])] = &[
        ("unix:/run/nscd/socket", NoWildcard::Literal, &["unix:/run/nscd/socket"]),
        (
            "unix:/run/nscd/socket",
            NoWildcard::Prefix,
            &["unix:/run/nscd/socket", "unix:/run/nscd/socket/**"],
        ),
        (
            "unix:/tmp/x/***",
            NoWildcard::Literal,
            &["unix:/tmp/x", "unix:/tmp/x/**"],
        ),
        ("unix://tmp//qt-*", NoWildcard::Prefix, &["unix:/tmp/qt-*"]),
        (
            "unix-abstract:/tmp/.X11-unix/**",
            NoWildcard::Prefix,
            &["unix-abstract:/tmp/.X11-unix/**"],
        ),
        (
            "unix-abstract:/tmp/dbus-*",
            NoWildcard::Literal,
            &["unix-abstract:/tmp/dbus-*"],
        ),
        (
            "unix-abstract:@foo",
            NoWildcard::Prefix,
            &["unix-abstract:@foo", "unix-abstract:@foo/**"],
        ),
    ];
    for (text, mode, expanded) in cases {
        let expected: Vec<(String, AddrPattern)> = expanded
            .iter()
            .map(|&expanded| {
                let pattern = match expanded.strip_prefix("unix-abstract:") {
                    Some(name) => AddrPattern::UnixAbstract(name.to_string()),
                    None => AddrPattern::Unix(expanded.strip_prefix("unix:").unwrap().to_string()),
                };
                (expanded.to_string(), pattern)
            })
            .collect();
        assert_eq!(
            parse(text, *mode, &services).unwrap(),
            expected,
            "{text} in {mode:?} mode"
        );
    }
}

#[test]
fn parse_aliases_expand() {
    let cases: &[(&str, &[(&str, AddrPattern)])] = &[
        ("LOOPBACK@0", &[("inet:127.0.0.0/8@0", inet("127.0.0.0/8", 0..=0))]),
        (
            "LOOPBACK@1024-65535",
            &[("inet:127.0.0.0/8@1024-65535", inet("127.0.0.0/8", 1024..=65535))],
        ),
        (
            "LOOPBACK@http",
            &[("inet:127.0.0.0/8@http", inet("127.0.0.0/8", 80..=80))],
        ),
        ("LOOPBACK6@0", &[("inet6:::1/128@0", inet6("::1/128", 0..=0))]),
        (
            "LOOPBACK6@1024-65535",
            &[("inet6:::1/128@1024-65535", inet6("::1/128", 1024..=65535))],
        ),
        (
            "LOCAL@80",
            &[
                ("inet:127.0.0.0/8@80", inet("127.0.0.0/8", 80..=80)),
                ("inet:10.0.0.0/8@80", inet("10.0.0.0/8", 80..=80)),
                ("inet:172.16.0.0/12@80", inet("172.16.0.0/12", 80..=80)),
                ("inet:192.168.0.0/16@80", inet("192.168.0.0/16", 80..=80)),
            ],
        ),
        (
            "LOCAL6@53",
            &[
                ("inet6:::1/128@53", inet6("::1/128", 53..=53)),
                ("inet6:fe80::/7@53", inet6("fe00::/7", 53..=53)),
                ("inet6:fc00::/7@53", inet6("fc00::/7", 53..=53)),
                ("inet6:fec0::/7@53", inet6("fe00::/7", 53..=53)),
            ],
        ),
    ];
    for (text, expected) in cases {
        let parsed = parse_literal(text).unwrap();
        let expected: Vec<(String, AddrPattern)> = expected.iter().map(|(t, p)| (t.to_string(), p.clone())).collect();
        assert_eq!(parsed, expected, "{text}");
    }
}

#[test]
fn parse_rejects_bad_patterns() {
    fn bad_port(pattern: &str, port: &str) -> AddrError {
        AddrError::BadPort {
            pattern: pattern.into(),
            port: port.into(),
        }
    }
    fn bad_address(pattern: &str, addr: &str) -> AddrError {
        AddrError::BadAddress {
            pattern: pattern.into(),
            addr: addr.into(),
        }
    }
    fn bad_mask(pattern: &str, mask: &str) -> AddrError {
        AddrError::BadMask {
            pattern: pattern.into(),
            mask: mask.into(),
        }
    }
    let missing = |text: &str| AddrError::MissingPort(text.into());
    let unknown = |text: &str| AddrError::UnknownFamily(text.into());
    let empty = |text: &str| AddrError::EmptyUnix(text.into());

    let cases: Vec<(&str, AddrError)> = vec![
        // Aliases need a port.
        ("LOOPBACK", missing("LOOPBACK")),
        ("LOOPBACK6", missing("LOOPBACK6")),
        ("LOCAL", missing("LOCAL")),
        ("LOCAL6", missing("LOCAL6")),
        ("LOOPBACK@", missing("LOOPBACK@")),
        ("LOCAL@65536", bad_port("LOCAL@65536", "65536")),
        (
            "LOOPBACK6@9-1",
            AddrError::ReversedPorts {
                pattern: "LOOPBACK6@9-1".into(),
                ports: "9-1".into(),
            },
        ),
        // Unknown families, including alias names in the wrong case.
        ("", unknown("")),
        ("loopback@80", unknown("loopback@80")),
        ("LOOPBACK80", unknown("LOOPBACK80")),
        ("tcp:127.0.0.1@80", unknown("tcp:127.0.0.1@80")),
        ("INET:127.0.0.1@80", unknown("INET:127.0.0.1@80")),
        ("/tmp/socket", unknown("/tmp/socket")),
        // Missing ports.
        ("inet:", missing("inet:")),
        ("inet:127.0.0.1", missing("inet:127.0.0.1")),
        ("inet:127.0.0.1@", missing("inet:127.0.0.1@")),
        ("inet6:::1", missing("inet6:::1")),
        ("inet6:::1/128", missing("inet6:::1/128")),
        // Bad ports.
        ("inet:127.0.0.1@65536", bad_port("inet:127.0.0.1@65536", "65536")),
        ("inet:127.0.0.1@0x10000", bad_port("inet:127.0.0.1@0x10000", "0x10000")),
        ("inet:127.0.0.1@08", bad_port("inet:127.0.0.1@08", "08")),
        ("inet:127.0.0.1@80a", bad_port("inet:127.0.0.1@80a", "80a")),
        ("inet:127.0.0.1@1-", bad_port("inet:127.0.0.1@1-", "")),
        ("inet:127.0.0.1@-1", bad_port("inet:127.0.0.1@-1", "")),
        ("inet:127.0.0.1@1-2-3", bad_port("inet:127.0.0.1@1-2-3", "2-3")),
        ("inet:127.0.0.1@nosuch", bad_port("inet:127.0.0.1@nosuch", "nosuch")),
        ("inet:127.0.0.1@+80", bad_port("inet:127.0.0.1@+80", "+80")),
        ("inet:127.0.0.1@ 80", bad_port("inet:127.0.0.1@ 80", " 80")),
        (
            "inet:127.0.0.1@80-70",
            AddrError::ReversedPorts {
                pattern: "inet:127.0.0.1@80-70".into(),
                ports: "80-70".into(),
            },
        ),
        // Bad masks.
        ("inet:10.0.0.0/33@80", bad_mask("inet:10.0.0.0/33@80", "33")),
        ("inet:10.0.0.0/256@80", bad_mask("inet:10.0.0.0/256@80", "256")),
        ("inet:10.0.0.0/@80", bad_mask("inet:10.0.0.0/@80", "")),
        ("inet:10.0.0.0/x@80", bad_mask("inet:10.0.0.0/x@80", "x")),
        ("inet:10.0.0.0/+8@80", bad_mask("inet:10.0.0.0/+8@80", "+8")),
        ("inet:10.0.0.0/0x8@80", bad_mask("inet:10.0.0.0/0x8@80", "0x8")),
        ("inet6:::1/129@80", bad_mask("inet6:::1/129@80", "129")),
        // Bad addresses.
        ("inet:@80", bad_address("inet:@80", "")),
        ("inet:/8@80", bad_address("inet:/8@80", "")),
        ("inet:1.2.3.4.5@80", bad_address("inet:1.2.3.4.5@80", "1.2.3.4.5")),
        ("inet:256.0.0.0@80", bad_address("inet:256.0.0.0@80", "256.0.0.0")),
        ("inet:01.2.3.4@80", bad_address("inet:01.2.3.4@80", "01.2.3.4")),
        ("inet:10.@80", bad_address("inet:10.@80", "10.")),
        ("inet:10..1@80", bad_address("inet:10..1@80", "10..1")),
        ("inet:0x7f.0.0.1@80", bad_address("inet:0x7f.0.0.1@80", "0x7f.0.0.1")),
        ("inet:localhost@80", bad_address("inet:localhost@80", "localhost")),
        ("inet:::1@80", bad_address("inet:::1@80", "::1")),
        ("inet:1.2.3.4@80@90", bad_address("inet:1.2.3.4@80@90", "1.2.3.4@80")),
        ("inet6:1.2.3.4@80", bad_address("inet6:1.2.3.4@80", "1.2.3.4")),
        ("inet6:::1::2@80", bad_address("inet6:::1::2@80", "::1::2")),
        (
            "inet6:fe80::1%eth0@80",
            bad_address("inet6:fe80::1%eth0@80", "fe80::1%eth0"),
        ),
        ("inet6:[::1]@80", bad_address("inet6:[::1]@80", "[::1]")),
        // Empty unix patterns.
        ("unix:", empty("unix:")),
        ("unix-abstract:", empty("unix-abstract:")),
        ("unix:/***", empty("unix:/***")),
    ];
    for (text, expected) in cases {
        for mode in [NoWildcard::Literal, NoWildcard::Prefix] {
            assert_eq!(
                parse(text, mode, &services),
                Err(expected.clone()),
                "{text} in {mode:?} mode"
            );
        }
    }
}

#[test]
fn error_messages_name_value() {
    let cases = [
        ("LOOPBACK", "address pattern `LOOPBACK' lacks the `@PORTS' part"),
        ("inet:127.0.0.1@65536", "invalid port `65536'"),
        ("inet:10.0.0.0/33@80", "invalid netmask `33'"),
        ("inet:300.0.0.1@80", "invalid address `300.0.0.1'"),
        ("unix:", "address pattern `unix:' has an empty path pattern"),
        ("udp:1.2.3.4@53", "address pattern `udp:1.2.3.4@53' has no known family"),
        ("inet:127.0.0.1@9-1", "port range `9-1'"),
    ];
    for (text, expected) in cases {
        let message = parse_literal(text).unwrap_err().to_string();
        assert!(message.contains(expected), "{text}: {message}");
        assert!(!message.ends_with('.'), "{text}: {message}");
        assert!(message.starts_with(char::is_lowercase), "{text}: {message}");
    }
}

// Matching of inet and inet6 patterns

#[test]
fn inet_matching_masks_and_ports() {
    let cases: &[(&str, SockTarget, bool)] = &[
        ("inet:1.2.3.255/24@80", v4("1.2.3.0", 80), true),
        ("inet:1.2.3.255/24@80", v4("1.2.3.255", 80), true),
        ("inet:1.2.3.255/24@80", v4("1.2.4.0", 80), false),
        ("inet:1.2.3.255/24@80", v4("1.2.3.0", 81), false),
        ("inet:10.0.0.0/8@80", v4("10.255.255.255", 80), true),
        ("inet:10.0.0.0/8@80", v4("11.0.0.0", 80), false),
        ("inet:10.0.0.0/8@80", v4("9.255.255.255", 80), false),
        ("inet:172.16.0.0/12@80", v4("172.31.255.255", 80), true),
        ("inet:172.16.0.0/12@80", v4("172.32.0.0", 80), false),
        ("inet:192.168.1.128/25@80", v4("192.168.1.200", 80), true),
        ("inet:192.168.1.128/25@80", v4("192.168.1.127", 80), false),
        ("inet:127.0.0.1@80", v4("127.0.0.1", 80), true),
        ("inet:127.0.0.1@80", v4("127.0.0.2", 80), false),
        ("inet:10.1@80", v4("10.1.200.3", 80), true),
        ("inet:10.1@80", v4("10.2.0.0", 80), false),
        ("inet:0.0.0.0/0@0-65535", v4("255.255.255.255", 65535), true),
        ("inet:0.0.0.0/0@0-65535", v4("0.0.0.0", 0), true),
        // Port 0 means "let the kernel choose" and matches only port 0.
        ("inet:127.0.0.1@0", v4("127.0.0.1", 0), true),
        ("inet:127.0.0.1@0", v4("127.0.0.1", 1), false),
        ("inet:127.0.0.1@1024-65535", v4("127.0.0.1", 1023), false),
        ("inet:127.0.0.1@1024-65535", v4("127.0.0.1", 1024), true),
        ("inet:127.0.0.1@1024-65535", v4("127.0.0.1", 65535), true),
        ("inet:127.0.0.1@80-80", v4("127.0.0.1", 80), true),
        // A family mismatch never matches.
        ("inet:0.0.0.0/0@0-65535", v6("::1", 80), false),
        ("inet:0.0.0.0/0@0-65535", SockTarget::Unix(b"/tmp/s".to_vec()), false),
        ("inet:0.0.0.0/0@0-65535", SockTarget::UnixAbstract(b"s".to_vec()), false),
        ("inet:0.0.0.0/0@0-65535", SockTarget::UnixUnnamed, false),
        ("inet:0.0.0.0/0@0-65535", SockTarget::Other(16), false),
    ];
    for (text, target, expected) in cases {
        let pattern = parse_one(text);
        assert_eq!(pattern.matches(target, true), *expected, "{text} against {target}");
        assert_eq!(
            pattern.matches(target, false),
            *expected,
            "{text} against {target}, case-insensitive"
        );
    }
}

#[test]
fn inet6_matching_masks_and_ports() {
    let cases: &[(&str, SockTarget, bool)] = &[
        // Without a mask an IPv6 address is exact.
        ("inet6:::1@80", v6("::1", 80), true),
        ("inet6:::1@80", v6("::2", 80), false),
        ("inet6:::1@80", v6("100::1", 80), false),
        ("inet6:::1@80", v6("::1", 81), false),
        ("inet6:fe80::/10@22", v6("febf:ffff::1", 22), true),
        ("inet6:fe80::/10@22", v6("fec0::1", 22), false),
        ("inet6:2001:db8::ff/120@22", v6("2001:db8::1", 22), true),
        ("inet6:2001:db8::ff/120@22", v6("2001:db8::100", 22), false),
        ("inet6:2001:db8::/33@22", v6("2001:db8:7fff::1", 22), true),
        ("inet6:2001:db8::/33@22", v6("2001:db8:8000::1", 22), false),
        ("inet6:::/0@0", v6("ffff::1", 0), true),
        ("inet6:::/0@0", v6("ffff::1", 1), false),
        // An IPv4-mapped target matches an inet6 pattern in IPv6 form.
        ("inet6:::/0@0-65535", v6("::ffff:1.2.3.4", 80), true),
        ("inet6:::ffff:0:0/96@80", v6("::ffff:1.2.3.4", 80), true),
        ("inet6:::ffff:0:0/96@80", v6("::1", 80), false),
        // inet6 patterns never match IPv4 targets or other kinds.
        ("inet6:::/0@0-65535", v4("1.2.3.4", 80), false),
        ("inet6:::/0@0-65535", SockTarget::Unix(b"/tmp/s".to_vec()), false),
        ("inet6:::/0@0-65535", SockTarget::Other(10), false),
    ];
    for (text, target, expected) in cases {
        let pattern = parse_one(text);
        assert_eq!(pattern.matches(target, true), *expected, "{text} against {target}");
    }
}

#[test]
fn ipv4_mapped_target_matches_inet() {
    let cases: &[(&str, SockTarget, bool)] = &[
        ("inet:127.0.0.0/8@80", v6("::ffff:127.0.0.1", 80), true),
        ("inet:127.0.0.0/8@80", v6("::ffff:127.0.0.1", 81), false),
        ("inet:127.0.0.0/8@80", v6("::ffff:128.0.0.1", 80), false),
        ("inet:0.0.0.0/0@0-65535", v6("::ffff:8.8.8.8", 53), true),
        // Only ::ffff:a.b.c.d carries an IPv4 address. The deprecated
        // IPv4-compatible form ::a.b.c.d and plain IPv6 do not.
        ("inet:127.0.0.0/8@80", v6("::127.0.0.1", 80), false),
        ("inet:0.0.0.0/0@0-65535", v6("::1", 80), false),
        ("inet:0.0.0.0/0@0-65535", v6("2001:db8::1", 80), false),
    ];
    for (text, target, expected) in cases {
        let pattern = parse_one(text);
        assert_eq!(pattern.matches(target, true), *expected, "{text} against {target}");
    }
}

#[test]
fn alias_expansions_match() {
    let matches_any = |text: &str, target: &SockTarget| {
        parse_literal(text)
            .unwrap()
            .iter()
            .any(|(_, pattern)| pattern.matches(target, true))
    };
    let cases: &[(&str, SockTarget, bool)] = &[
        ("LOOPBACK@0", v4("127.0.0.1", 0), true),
        ("LOOPBACK@0", v4("127.255.0.1", 0), true),
        ("LOOPBACK@0", v4("127.0.0.1", 80), false),
        ("LOOPBACK@0", v4("10.0.0.1", 0), false),
        ("LOOPBACK@0", v6("::ffff:127.0.0.1", 0), true),
        ("LOOPBACK6@0", v6("::1", 0), true),
        ("LOOPBACK6@0", v6("::2", 0), false),
        ("LOOPBACK6@0", v4("127.0.0.1", 0), false),
        ("LOCAL@80", v4("10.9.8.7", 80), true),
        ("LOCAL@80", v4("172.20.0.1", 80), true),
        ("LOCAL@80", v4("192.168.200.1", 80), true),
        ("LOCAL@80", v4("8.8.8.8", 80), false),
        ("LOCAL@80", v4("192.169.0.1", 80), false),
        ("LOCAL6@80", v6("::1", 80), true),
        ("LOCAL6@80", v6("fe80::1", 80), true),
        ("LOCAL6@80", v6("fd12:3456::1", 80), true),
        ("LOCAL6@80", v6("2001:db8::1", 80), false),
        // sydbox-1's /7 masks also cover fe00::/7, so multicast matches.
        ("LOCAL6@80", v6("ff02::1", 80), true),
    ];
    for (text, target, expected) in cases {
        assert_eq!(matches_any(text, target), *expected, "{text} against {target}");
    }
}

#[test]
fn skype_profile_inet_examples() {
    let any_v4 = parse_one("inet:0.0.0.0/0@0-65000");
    assert!(any_v4.matches(&v4("8.8.8.8", 443), true));
    assert!(any_v4.matches(&v4("127.0.0.1", 65000), true));
    assert!(!any_v4.matches(&v4("8.8.8.8", 65001), true));
    assert!(!any_v4.matches(&v6("2001:db8::1", 443), true));

    let any_v6 = parse_one("inet6:::0/0@0-65000");
    assert!(any_v6.matches(&v6("2001:db8::1", 443), true));
    assert!(any_v6.matches(&v6("::ffff:8.8.8.8", 443), true));
    assert!(!any_v6.matches(&v6("2001:db8::1", 65001), true));
    assert!(!any_v6.matches(&v4("8.8.8.8", 443), true));
}

#[test]
fn unix_patterns_ignore_other_kinds() {
    // Each target here is of another kind, so no path pattern is matched.
    let unix = parse_one("unix:/**");
    let abstract_ = parse_one("unix-abstract:**");
    for target in [
        v4("127.0.0.1", 80),
        v6("::1", 80),
        SockTarget::UnixUnnamed,
        SockTarget::Other(16),
    ] {
        assert!(!unix.matches(&target, true), "unix:/** against {target}");
        assert!(!abstract_.matches(&target, true), "unix-abstract:** against {target}");
    }
}

// Matching of unix patterns: these call wildmatch.

#[test]
fn unix_matching_paths() {
    let cases: &[(&str, NoWildcard, &[u8], bool)] = &[
        ("unix:/run/nscd/socket", NoWildcard::Literal, b"/run/nscd/socket", true),
        (
            "unix:/run/nscd/socket",
            NoWildcard::Literal,
            b"/run/nscd/socket2",
            false,
        ),
        ("unix:/run/nscd/socket", NoWildcard::Prefix, b"/run/nscd/socket", true),
        ("unix:/run/nscd/socket", NoWildcard::Prefix, b"/run/nscd/socket/x", true),
        ("unix:/run/nscd/socket", NoWildcard::Prefix, b"/run/nscd/socketx", false),
        (
            "unix:/tmp/qtsingleapp-*",
            NoWildcard::Prefix,
            b"/tmp/qtsingleapp-1234",
            true,
        ),
        (
            "unix:/tmp/qtsingleapp-*",
            NoWildcard::Prefix,
            b"/tmp/qtsingleapp-1/x",
            false,
        ),
    ];
    for (text, mode, path, expected) in cases {
        let parsed = parse(text, *mode, &services).unwrap();
        let target = SockTarget::Unix(path.to_vec());
        let matched = parsed.iter().any(|(_, pattern)| pattern.matches(&target, true));
        assert_eq!(matched, *expected, "{text} in {mode:?} mode against {target}");
        // A unix: pattern never matches an abstract name with the same bytes.
        let name = SockTarget::UnixAbstract(path.to_vec());
        assert!(
            !parsed.iter().any(|(_, pattern)| pattern.matches(&name, true)),
            "{text} against {name}"
        );
    }
}

#[test]
fn unix_matching_case_insensitive() {
    let pattern = parse_one("unix:/run/dbus/*");
    let target = SockTarget::Unix(b"/RUN/DBUS/System_Bus_Socket".to_vec());
    assert!(!pattern.matches(&target, true));
    assert!(pattern.matches(&target, false));

    // Folding covers the pattern too, so a pattern written in capitals
    // matches every spelling of the path.
    let upper = parse_one("unix:/RUN/dbus/*");
    assert!(upper.matches(&target, false));
    assert!(upper.matches(&SockTarget::Unix(b"/run/dbus/system_bus_socket".to_vec()), false));
    assert!(!upper.matches(&SockTarget::Unix(b"/run/dbus/system_bus_socket".to_vec()), true));
}

#[test]
fn abstract_matching_skype_example() {
    let pattern = parse_one("unix-abstract:/tmp/.X11-unix/**");
    assert!(pattern.matches(&SockTarget::UnixAbstract(b"/tmp/.X11-unix/X0".to_vec()), true));
    assert!(!pattern.matches(&SockTarget::UnixAbstract(b"/tmp/.ICE-unix/1".to_vec()), true));
    assert!(!pattern.matches(&SockTarget::Unix(b"/tmp/.X11-unix/X0".to_vec()), true));
}

#[test]
fn abstract_matching_embedded_nul() {
    let name = SockTarget::UnixAbstract(b"/tmp/foo\0bar".to_vec());
    assert!(!parse_one("unix-abstract:/tmp/foo").matches(&name, true));
    assert!(parse_one("unix-abstract:/tmp/foo*").matches(&name, true));
    assert!(!parse_one("unix-abstract:/tmp/foo").matches(&SockTarget::UnixAbstract(b"/tmp/foo\0".to_vec()), true));
}

// Decoding sockaddr buffers

/// Returns the bytes of a libc socket address structure.
fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: `value` is a valid reference, so its `size_of::<T>()` bytes
    // are readable for the lifetime of the borrow. The libc sockaddr types
    // passed here have no padding, so every byte is initialised.
    let bytes = unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>()) };
    bytes.to_vec()
}

fn sockaddr_in(addr: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(addr).to_be(),
        },
        sin_zero: [0; 8],
    }
}

fn sockaddr_in6(addr: Ipv6Addr, port: u16, flowinfo: u32, scope_id: u32) -> libc::sockaddr_in6 {
    libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: port.to_be(),
        sin6_flowinfo: flowinfo.to_be(),
        sin6_addr: libc::in6_addr { s6_addr: addr.octets() },
        sin6_scope_id: scope_id,
    }
}

/// Returns a `sockaddr_un` holding `path` and the address length a caller
/// passes for it: the family plus `path_len` bytes of `sun_path`.
fn sockaddr_un(path: &[u8], path_len: usize) -> Vec<u8> {
    let mut addr = libc::sockaddr_un {
        sun_family: libc::AF_UNIX as libc::sa_family_t,
        sun_path: [0; 108],
    };
    for (slot, &byte) in addr.sun_path.iter_mut().zip(path) {
        *slot = byte as libc::c_char;
    }
    let mut bytes = bytes_of(&addr);
    bytes.truncate(2 + path_len);
    bytes
}

#[test]
fn decode_inet_round_trip() {
    let cases = [
        ("127.0.0.1", 80),
        ("0.0.0.0", 0),
        ("255.255.255.255", 65535),
        ("10.1.2.3", 0x1234),
    ];
    for (addr, port) in cases {
        let addr: Ipv4Addr = addr.parse().unwrap();
        let bytes = bytes_of(&sockaddr_in(addr, port));
        let expected = SockTarget::Inet(SocketAddrV4::new(addr, port));
        assert_eq!(decode_sockaddr(&bytes), Some(expected.clone()), "{addr}:{port}");

        // Extra bytes after the structure are ignored.
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0xff; 16]);
        assert_eq!(
            decode_sockaddr(&longer),
            Some(expected),
            "{addr}:{port} with trailing bytes"
        );
    }
}

#[test]
fn decode_inet6_round_trip() {
    let cases = [
        ("::1", 80, 0, 0),
        ("fe80::1", 22, 0x000a_bcde, 2),
        ("::ffff:127.0.0.1", 443, 0, 0),
        ("::", 0, 0, 0),
    ];
    for (addr, port, flowinfo, scope_id) in cases {
        let addr: Ipv6Addr = addr.parse().unwrap();
        let bytes = bytes_of(&sockaddr_in6(addr, port, flowinfo, scope_id));
        let expected = SockTarget::Inet6(SocketAddrV6::new(addr, port, flowinfo, scope_id));
        assert_eq!(decode_sockaddr(&bytes), Some(expected), "{addr}:{port}");

        // The RFC 2133 layout without sin6_scope_id is accepted too.
        let short = SockTarget::Inet6(SocketAddrV6::new(addr, port, flowinfo, 0));
        assert_eq!(decode_sockaddr(&bytes[..24]), Some(short), "{addr}:{port} in 24 bytes");
    }
}

#[test]
fn decode_unix_kinds() {
    let cases: &[(&[u8], usize, SockTarget)] = &[
        // A path socket ends at the first NUL, whatever the address length.
        (b"/run/nscd/socket", 17, SockTarget::Unix(b"/run/nscd/socket".to_vec())),
        (b"/run/nscd/socket", 108, SockTarget::Unix(b"/run/nscd/socket".to_vec())),
        (b"/tmp/a\0junk", 11, SockTarget::Unix(b"/tmp/a".to_vec())),
        (b"/tmp/nonul", 10, SockTarget::Unix(b"/tmp/nonul".to_vec())),
        // An abstract name is every byte after the leading NUL, up to the
        // length, embedded and trailing NULs included.
        (
            b"\0/tmp/.X11-unix/X0",
            18,
            SockTarget::UnixAbstract(b"/tmp/.X11-unix/X0".to_vec()),
        ),
        (b"\0foo\0bar", 8, SockTarget::UnixAbstract(b"foo\0bar".to_vec())),
        (b"\0foo", 5, SockTarget::UnixAbstract(b"foo\0".to_vec())),
        (b"\0", 1, SockTarget::UnixAbstract(Vec::new())),
        // Only the family: an unnamed address.
        (b"", 0, SockTarget::UnixUnnamed),
    ];
    for (path, path_len, expected) in cases {
        let bytes = sockaddr_un(path, *path_len);
        assert_eq!(
            decode_sockaddr(&bytes),
            Some(expected.clone()),
            "{path:?} with length {path_len}"
        );
    }
}

#[test]
fn decode_unix_abstract_compares_full_length() {
    let short = decode_sockaddr(&sockaddr_un(b"\0foo", 4)).unwrap();
    let with_nul = decode_sockaddr(&sockaddr_un(b"\0foo\0bar", 8)).unwrap();
    assert_ne!(short, with_nul);
    assert_eq!(with_nul.to_string(), "unix-abstract:foo\\x00bar");
}

#[test]
fn decode_unix_longer_than_sockaddr_un() {
    let mut bytes = sockaddr_un(b"\0name", 108);
    bytes.extend_from_slice(b"beyond");
    let Some(SockTarget::UnixAbstract(name)) = decode_sockaddr(&bytes) else {
        panic!("not an abstract address");
    };
    assert_eq!(name.len(), 107);
    assert!(name.starts_with(b"name"));
}

#[test]
fn decode_other_families() {
    for family in [libc::AF_NETLINK, libc::AF_PACKET, libc::AF_UNSPEC, 999] {
        let family = family as u16;
        let mut bytes = family.to_ne_bytes().to_vec();
        bytes.extend_from_slice(&[0; 10]);
        assert_eq!(
            decode_sockaddr(&bytes),
            Some(SockTarget::Other(family)),
            "family {family}"
        );
        assert_eq!(
            decode_sockaddr(&family.to_ne_bytes()),
            Some(SockTarget::Other(family)),
            "family {family} alone"
        );
    }
}

#[test]
fn decode_rejects_short_buffers() {
    let inet = bytes_of(&sockaddr_in(Ipv4Addr::LOCALHOST, 80));
    let inet6 = bytes_of(&sockaddr_in6(Ipv6Addr::LOCALHOST, 80, 0, 0));
    assert_eq!(decode_sockaddr(&[]), None);
    assert_eq!(decode_sockaddr(&[1]), None);
    assert_eq!(decode_sockaddr(&inet[..15]), None);
    assert_eq!(decode_sockaddr(&inet[..2]), None);
    assert_eq!(decode_sockaddr(&inet6[..23]), None);
    assert_eq!(decode_sockaddr(&inet6[..2]), None);
}

// Display

#[test]
fn sock_target_display() {
    let cases: &[(SockTarget, &str)] = &[
        (SockTarget::Unix(b"/run/nscd/socket".to_vec()), "unix:/run/nscd/socket"),
        (
            SockTarget::Unix(b"/tmp/back\\slash".to_vec()),
            "unix:/tmp/back\\\\slash",
        ),
        (
            SockTarget::Unix("/tmp/ünïcode".as_bytes().to_vec()),
            "unix:/tmp/ünïcode",
        ),
        (SockTarget::Unix(b"/tmp/\xff\xfe".to_vec()), "unix:/tmp/\\xff\\xfe"),
        (SockTarget::Unix(b"/tmp/new\nline".to_vec()), "unix:/tmp/new\\x0aline"),
        (
            SockTarget::UnixAbstract(b"/tmp/.X11-unix/X0".to_vec()),
            "unix-abstract:/tmp/.X11-unix/X0",
        ),
        (
            SockTarget::UnixAbstract(b"a\0b\x7f".to_vec()),
            "unix-abstract:a\\x00b\\x7f",
        ),
        (SockTarget::UnixAbstract(Vec::new()), "unix-abstract:"),
        (SockTarget::UnixUnnamed, "unix-unnamed"),
        (v4("127.0.0.1", 80), "inet:127.0.0.1@80"),
        (v6("::1", 80), "inet6:::1@80"),
        (v6("::ffff:127.0.0.1", 53), "inet6:::ffff:127.0.0.1@53"),
        (SockTarget::Other(libc::AF_NETLINK as u16), "?:AF_NETLINK"),
        (SockTarget::Other(libc::AF_PACKET as u16), "?:AF_PACKET"),
        (SockTarget::Other(libc::AF_BLUETOOTH as u16), "?:AF_BLUETOOTH"),
        (SockTarget::Other(libc::AF_ALG as u16), "?:AF_ALG"),
        (SockTarget::Other(libc::AF_VSOCK as u16), "?:AF_VSOCK"),
        (SockTarget::Other(999), "?:AF_999"),
    ];
    for (target, expected) in cases {
        assert_eq!(target.to_string(), *expected, "{target:?}");
    }
}

#[test]
fn addr_pattern_display_is_canonical() {
    let cases = [
        ("inet:127.0.0.0/8@0-65535", "inet:127.0.0.0/8@0-65535"),
        ("inet:127.0.0.1@80", "inet:127.0.0.1/32@80"),
        ("inet:1.2.3.255/24@80-80", "inet:1.2.3.0/24@80"),
        ("inet:10.1@0x50", "inet:10.1.0.0/16@80"),
        ("inet:127.0.0.1@http-https", "inet:127.0.0.1/32@80-443"),
        ("inet6:::1@80", "inet6:::1/128@80"),
        ("inet6:::0/0@0-65000", "inet6:::/0@0-65000"),
        ("inet6:fe80::1/64@22", "inet6:fe80::/64@22"),
        ("unix:/run/nscd/socket", "unix:/run/nscd/socket"),
        ("unix-abstract:/tmp/.X11-unix/**", "unix-abstract:/tmp/.X11-unix/**"),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_one(text).to_string(), expected, "{text}");
    }
}

#[test]
fn addr_pattern_display_parses_back() {
    for text in [
        "inet:10.1@0x50",
        "inet:1.2.3.255/24@1-2",
        "inet6:2001:db8::1/48@http",
        "LOOPBACK6@0",
    ] {
        for (_, pattern) in parse_literal(text).unwrap() {
            let canonical = pattern.to_string();
            assert_eq!(parse_one(&canonical), pattern, "{text} written as {canonical}");
        }
    }
}
