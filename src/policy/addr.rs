//! Network address patterns (`unix:`, `unix-abstract:`, `inet:`, `inet6:`
//! and the aliases) and the socket addresses they are matched against.
#![forbid(unsafe_code)]

use std::net::{SocketAddrV4, SocketAddrV6};
use std::ops::RangeInclusive;

use ipnet::{Ipv4Net, Ipv6Net};

use super::wildmatch::NoWildcard;

/// One parsed address pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrPattern {
    /// A path pattern matched against the resolved socket path.
    Unix(String),
    /// A pattern matched against the abstract name without its leading NUL.
    UnixAbstract(String),
    /// An IPv4 network and an inclusive port range.
    Inet { net: Ipv4Net, ports: RangeInclusive<u16> },
    /// An IPv6 network and an inclusive port range.
    Inet6 { net: Ipv6Net, ports: RangeInclusive<u16> },
}

/// A socket address taken from a system call, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockTarget {
    /// A path socket; the path is resolved by the caller before matching.
    Unix(Vec<u8>),
    /// An abstract socket name, without the leading NUL.
    UnixAbstract(Vec<u8>),
    /// An unnamed unix socket address (`sun_path` empty).
    UnixUnnamed,
    Inet(SocketAddrV4),
    Inet6(SocketAddrV6),
    /// Any other address family, by number.
    Other(u16),
}

/// Why an address pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    #[error("address pattern `{0}' has no known family (expected unix:, unix-abstract:, inet:, inet6:, LOOPBACK@, LOOPBACK6@, LOCAL@ or LOCAL6@)")]
    UnknownFamily(String),
    #[error("address pattern `{0}' has an empty unix path pattern")]
    EmptyUnix(String),
    #[error("address pattern `{0}' lacks the `@PORTS' part")]
    MissingPort(String),
    #[error("address pattern `{pattern}' has a bad port `{port}' (a number from 0 to 65535 or a service name from /etc/services)")]
    BadPort { pattern: String, port: String },
    #[error("address pattern `{pattern}' has a bad address `{addr}'")]
    BadAddress { pattern: String, addr: String },
    #[error("address pattern `{pattern}' has a bad netmask `{mask}'")]
    BadMask { pattern: String, mask: String },
}

/// Parses one address pattern as written in a profile, expanding the
/// aliases and a trailing `***` of unix patterns. Returns each expansion
/// with its expanded text. `services` looks up a port by service name
/// (the real one reads `/etc/services`).
pub fn parse(
    text: &str,
    no_wildcard: NoWildcard,
    services: &dyn Fn(&str) -> Option<u16>,
) -> Result<Vec<(String, AddrPattern)>, AddrError> {
    let _ = (text, no_wildcard, services);
    todo!("addr::parse")
}

/// Looks up a TCP service port in `/etc/services`.
pub fn lookup_service(name: &str) -> Option<u16> {
    let _ = name;
    todo!("lookup_service")
}

impl AddrPattern {
    /// Reports whether this pattern matches `target`. IPv4-mapped IPv6
    /// targets match as the IPv4 address they carry.
    pub fn matches(&self, target: &SockTarget, case_sensitive: bool) -> bool {
        let _ = (target, case_sensitive);
        todo!("AddrPattern::matches")
    }
}

/// Decodes a raw `struct sockaddr` as read from a tracee. `len` is the
/// address length the call passed.
pub fn decode_sockaddr(bytes: &[u8]) -> Option<SockTarget> {
    let _ = bytes;
    todo!("decode_sockaddr")
}

impl std::fmt::Display for SockTarget {
    /// Writes the canonical form used in reports and tips:
    /// `unix:/path`, `unix-abstract:name`, `inet:127.0.0.1@80`,
    /// `inet6:::1@80`, `?:AF_NETLINK`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let _ = f;
        todo!("SockTarget Display")
    }
}
