//! Fuzzes the address pattern parser and the socket address decoder.
//!
//! Every accepted inet or inet6 pattern must write back (`Display`) to a
//! canonical text that parses to the same pattern, and must match an
//! address inside its own network on its first and last port. Every
//! byte string must decode or be rejected without a panic, and a decoded
//! target must display.
#![no_main]

use std::net::{SocketAddrV4, SocketAddrV6};

use libfuzzer_sys::fuzz_target;
use sydbox::policy::addr::{decode_sockaddr, parse, AddrPattern, SockTarget};
use sydbox::policy::wildmatch::NoWildcard;

fn services(name: &str) -> Option<u16> {
    match name {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(target) = decode_sockaddr(data) {
        let _ = target.to_string();
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    for no_wildcard in [NoWildcard::Literal, NoWildcard::Prefix] {
        let Ok(parsed) = parse(text, no_wildcard, &services) else { continue };
        assert!(!parsed.is_empty(), "{text:?} parsed to nothing");
        for (_, pattern) in parsed {
            let canonical = pattern.to_string();
            let probe = match &pattern {
                AddrPattern::Inet { net, ports } => {
                    Some([*ports.start(), *ports.end()].map(|port| SockTarget::Inet(SocketAddrV4::new(net.network(), port))))
                }
                AddrPattern::Inet6 { net, ports } => Some(
                    [*ports.start(), *ports.end()].map(|port| SockTarget::Inet6(SocketAddrV6::new(net.network(), port, 0, 0))),
                ),
                _ => None,
            };
            let Some(targets) = probe else { continue };
            let again = parse(&canonical, NoWildcard::Literal, &services)
                .unwrap_or_else(|err| panic!("{text:?} wrote back as {canonical:?}, which is rejected: {err}"));
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].1, pattern, "{text:?} wrote back as {canonical:?}");
            for target in targets {
                assert!(pattern.matches(&target, true), "{canonical} does not match {target}");
            }
        }
    }
});
