//! Network address patterns (`unix:`, `unix-abstract:`, `inet:`, `inet6:`
//! and the aliases) and the socket addresses they are matched against.
//!
//! Where this differs from sydbox-1:
//! - `inet6:` without a mask is exact (/128). sydbox-1 gave it /8, and
//!   `LOOPBACK6` is `::1/128` here.
//! - An IPv4 address may be shortened to leading groups, and the default
//!   mask is 8 bits per group written: `10` is 10.0.0.0/8 and `10.1` is
//!   10.1.0.0/16. sydbox-1 passed such text to `inet_pton` and rejected it.
//! - An IPv4-mapped IPv6 target (`::ffff:a.b.c.d`) also matches `inet:`
//!   patterns, as the IPv4 address it carries.
//! - Abstract socket names compare at their full length, embedded NUL
//!   bytes included. sydbox-1 compared them up to the first NUL.
//! - A mask above 32 (inet) or 128 (inet6) and a port range whose first
//!   port is above its last are rejected. sydbox-1 accepted both.
#![forbid(unsafe_code)]

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::ops::RangeInclusive;

use ipnet::{Ipv4Net, Ipv6Net};

use super::wildmatch::{expand, iwildmatch, wildmatch, NoWildcard};

/// One parsed address pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrPattern {
    /// A path pattern matched against the resolved socket path.
    Unix(String),
    /// A pattern matched against the abstract name without its leading NUL.
    UnixAbstract(String),
    /// An IPv4 network and an inclusive port range. The network is stored
    /// truncated to its mask.
    Inet { net: Ipv4Net, ports: RangeInclusive<u16> },
    /// An IPv6 network and an inclusive port range. The network is stored
    /// truncated to its mask.
    Inet6 { net: Ipv6Net, ports: RangeInclusive<u16> },
}

/// A socket address taken from a system call, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockTarget {
    /// A path socket; the path is resolved by the caller before matching.
    Unix(Vec<u8>),
    /// An abstract socket name, without the leading NUL. It may contain
    /// NUL bytes, and all of its bytes count when matching.
    UnixAbstract(Vec<u8>),
    /// An unnamed unix socket address (only `sun_family`, no `sun_path`).
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
    #[error("address pattern `{0}' has an empty path pattern (expected unix:PATTERN or unix-abstract:PATTERN)")]
    EmptyUnix(String),
    #[error("address pattern `{0}' lacks the `@PORTS' part (expected a port or port range after its last @, such as @80 or @1024-65535)")]
    MissingPort(String),
    #[error("address pattern `{pattern}' has an invalid port `{port}' (expected a number from 0 to 65535 or a service name from /etc/services)")]
    BadPort { pattern: String, port: String },
    #[error("address pattern `{pattern}' has the port range `{ports}' whose first port is above its last (expected LOW-HIGH)")]
    ReversedPorts { pattern: String, ports: String },
    #[error("address pattern `{pattern}' has an invalid address `{addr}' (expected an IPv4 address such as 10.0.0.1 or 10.1 after inet:, an IPv6 address such as ::1 after inet6:)")]
    BadAddress { pattern: String, addr: String },
    #[error("address pattern `{pattern}' has an invalid netmask `{mask}' (expected a bit count from 0 to 32 for inet:, 0 to 128 for inet6:)")]
    BadMask { pattern: String, mask: String },
}

const UNIX_PREFIX: &str = "unix:";
const UNIX_ABSTRACT_PREFIX: &str = "unix-abstract:";
const INET_PREFIX: &str = "inet:";
const INET6_PREFIX: &str = "inet6:";

/// Aliases and the patterns each one expands to. `@PORTS` is appended to
/// every expansion.
///
/// NOTE: the /7 masks of `LOCAL6` are sydbox-1's. `fe80::/7` and
/// `fec0::/7` both truncate to fe00::/7, which also covers the multicast
/// range ff00::/8. Link-local and site-local addresses are /10.
const ALIASES: &[(&str, &[&str])] = &[
    ("LOOPBACK", &["inet:127.0.0.0/8"]),
    ("LOOPBACK6", &["inet6:::1/128"]),
    (
        "LOCAL",
        &[
            "inet:127.0.0.0/8",
            "inet:10.0.0.0/8",
            "inet:172.16.0.0/12",
            "inet:192.168.0.0/16",
        ],
    ),
    (
        "LOCAL6",
        &["inet6:::1/128", "inet6:fe80::/7", "inet6:fc00::/7", "inet6:fec0::/7"],
    ),
];

/// The file `lookup_service` reads.
const SERVICES_PATH: &str = "/etc/services";

/// Parses one address pattern as written in a profile. Returns each
/// expansion with its expanded text, which is what a later removal
/// compares against.
///
/// Aliases expand to one or more `inet:`/`inet6:` patterns. `unix:` and
/// `unix-abstract:` patterns go through the path pattern expansion
/// (`no_wildcard` prefix mode, slash folding, `dir/***`). `services`
/// looks up a port by service name; the real one is `lookup_service`.
///
/// Ports follow C's `strtoul` with base 0 when they start with a digit,
/// so `0x50` is 80 and `010` is 8. The first `-` after `@` separates a
/// range, so a service name that contains `-` cannot be used.
pub fn parse(
    text: &str,
    no_wildcard: NoWildcard,
    services: &dyn Fn(&str) -> Option<u16>,
) -> Result<Vec<(String, AddrPattern)>, AddrError> {
    if let Some(pattern) = text.strip_prefix(UNIX_PREFIX) {
        return parse_unix(text, pattern, no_wildcard, UNIX_PREFIX, AddrPattern::Unix);
    }
    if let Some(pattern) = text.strip_prefix(UNIX_ABSTRACT_PREFIX) {
        return parse_unix(
            text,
            pattern,
            no_wildcard,
            UNIX_ABSTRACT_PREFIX,
            AddrPattern::UnixAbstract,
        );
    }
    if text.starts_with(INET_PREFIX) || text.starts_with(INET6_PREFIX) {
        let pattern = parse_ip(text, text, services)?;
        return Ok(vec![(text.to_string(), pattern)]);
    }

    // An alias is recognised by its name followed by `@`. Errors in the
    // expansions name the text as written.
    let (name, ports) = match text.split_once('@') {
        Some((name, ports)) => (name, Some(ports)),
        None => (text, None),
    };
    let Some((_, targets)) = ALIASES.iter().find(|(alias, _)| *alias == name) else {
        return Err(AddrError::UnknownFamily(text.to_string()));
    };
    let Some(ports) = ports else {
        return Err(AddrError::MissingPort(text.to_string()));
    };
    targets
        .iter()
        .map(|target| {
            let expanded = format!("{target}@{ports}");
            let pattern = parse_ip(&expanded, text, services)?;
            Ok((expanded, pattern))
        })
        .collect()
}

/// Parses the path pattern of a `unix:` or `unix-abstract:` pattern.
fn parse_unix(
    text: &str,
    pattern: &str,
    no_wildcard: NoWildcard,
    prefix: &str,
    make: fn(String) -> AddrPattern,
) -> Result<Vec<(String, AddrPattern)>, AddrError> {
    if pattern.is_empty() {
        return Err(AddrError::EmptyUnix(text.to_string()));
    }

    // `/***` expands to an empty pattern and `/**`. sydbox-1 rejected the
    // empty pattern and so the whole text, and this parser does the same.
    expand(pattern, no_wildcard)
        .into_iter()
        .map(|expanded| {
            if expanded.is_empty() {
                return Err(AddrError::EmptyUnix(text.to_string()));
            }
            Ok((format!("{prefix}{expanded}"), make(expanded)))
        })
        .collect()
}

/// Parses `inet:ADDR[/MASK]@PORTS` or `inet6:ADDR[/MASK]@PORTS`. Errors
/// name `original`, the text as written, which differs from `text` when
/// `text` is the expansion of an alias.
fn parse_ip(text: &str, original: &str, services: &dyn Fn(&str) -> Option<u16>) -> Result<AddrPattern, AddrError> {
    let (is_inet6, body) = match text.strip_prefix(INET6_PREFIX) {
        Some(body) => (true, body),
        None => (false, text.strip_prefix(INET_PREFIX).unwrap_or(text)),
    };

    // The last `@` separates the ports, so `@` may not appear in them.
    let (host, ports_text) = match body.rsplit_once('@') {
        Some((host, ports)) if !ports.is_empty() => (host, ports),
        _ => return Err(AddrError::MissingPort(original.to_string())),
    };
    let (addr_text, mask_text) = match host.rsplit_once('/') {
        Some((addr, mask)) => (addr, Some(mask)),
        None => (host, None),
    };

    let bad_address = || AddrError::BadAddress {
        pattern: original.to_string(),
        addr: addr_text.to_string(),
    };
    let bad_mask = |mask: &str| AddrError::BadMask {
        pattern: original.to_string(),
        mask: mask.to_string(),
    };

    let pattern = if is_inet6 {
        let addr: Ipv6Addr = addr_text.parse().map_err(|_| bad_address())?;
        let prefix_len = match mask_text {
            Some(mask) => parse_mask(mask, 128).ok_or_else(|| bad_mask(mask))?,
            None => 128,
        };
        let net = Ipv6Net::new(addr, prefix_len).map_err(|_| bad_mask(mask_text.unwrap_or("")))?;
        let ports = parse_ports(ports_text, original, services)?;
        AddrPattern::Inet6 {
            net: net.trunc(),
            ports,
        }
    } else {
        let (addr, groups) = parse_ipv4_prefix(addr_text).ok_or_else(bad_address)?;
        let prefix_len = match mask_text {
            Some(mask) => parse_mask(mask, 32).ok_or_else(|| bad_mask(mask))?,
            None => 8 * groups,
        };
        let net = Ipv4Net::new(addr, prefix_len).map_err(|_| bad_mask(mask_text.unwrap_or("")))?;
        let ports = parse_ports(ports_text, original, services)?;
        AddrPattern::Inet {
            net: net.trunc(),
            ports,
        }
    };
    Ok(pattern)
}

/// Parses a dotted IPv4 address of one to four groups, with the missing
/// groups zero. Returns the address and the number of groups written.
/// Each group is decimal from 0 to 255 without leading zeros, as
/// `inet_pton` requires.
fn parse_ipv4_prefix(text: &str) -> Option<(Ipv4Addr, u8)> {
    let mut octets = [0u8; 4];
    let mut groups = 0u8;
    for group in text.split('.') {
        let octet = octets.get_mut(usize::from(groups))?;
        let leading_zero = group.len() > 1 && group.starts_with('0');
        if group.is_empty() || group.len() > 3 || leading_zero || !is_decimal(group) {
            return None;
        }
        *octet = group.parse().ok()?;
        groups += 1;
    }
    Some((Ipv4Addr::from(octets), groups))
}

/// Parses a decimal netmask bit count of at most `max`.
fn parse_mask(text: &str, max: u8) -> Option<u8> {
    if !is_decimal(text) {
        return None;
    }
    text.parse::<u8>().ok().filter(|&bits| bits <= max)
}

/// Parses `P` or `P1-P2` into an inclusive range.
fn parse_ports(
    text: &str,
    original: &str,
    services: &dyn Fn(&str) -> Option<u16>,
) -> Result<RangeInclusive<u16>, AddrError> {
    let (first_text, last_text) = text.split_once('-').unwrap_or((text, text));
    let port = |port_text: &str| {
        parse_port(port_text, services).ok_or_else(|| AddrError::BadPort {
            pattern: original.to_string(),
            port: port_text.to_string(),
        })
    };
    let first = port(first_text)?;
    let last = port(last_text)?;
    if first > last {
        return Err(AddrError::ReversedPorts {
            pattern: original.to_string(),
            ports: text.to_string(),
        });
    }
    Ok(first..=last)
}

/// Parses one port: a number if it starts with a digit, else a service
/// name.
fn parse_port(text: &str, services: &dyn Fn(&str) -> Option<u16>) -> Option<u16> {
    let first = *text.as_bytes().first()?;
    if first.is_ascii_digit() {
        parse_c_unsigned(text).and_then(|number| u16::try_from(number).ok())
    } else {
        services(text)
    }
}

/// Parses an unsigned number as `strtoul(text, &end, 0)` does when the
/// whole text must be consumed: `0x` or `0X` starts hexadecimal, another
/// leading `0` starts octal, anything else is decimal. Signs and spaces
/// are not accepted.
fn parse_c_unsigned(text: &str) -> Option<u32> {
    let (digits, radix) = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        (hex, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        (&text[1..], 8)
    } else {
        (text, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

fn is_decimal(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Looks up a service port in `/etc/services`. A `tcp` entry wins. When
/// there is none, the first entry of another protocol is used. Names and
/// aliases compare case-sensitively.
pub fn lookup_service(name: &str) -> Option<u16> {
    let table = std::fs::read(SERVICES_PATH).ok()?;
    find_service(&String::from_utf8_lossy(&table), name)
}

/// Finds `name` in the text of a services file: lines of
/// `NAME PORT/PROTOCOL [ALIAS...]` with `#` comments.
fn find_service(table: &str, name: &str) -> Option<u16> {
    let mut other_protocol = None;
    for line in table.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let (Some(service), Some(port_protocol)) = (fields.next(), fields.next()) else {
            continue;
        };
        if service != name && !fields.any(|alias| alias == name) {
            continue;
        }
        let Some((port, protocol)) = port_protocol.split_once('/') else {
            continue;
        };
        if !is_decimal(port) {
            continue;
        }
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        if protocol == "tcp" {
            return Some(port);
        }
        other_protocol.get_or_insert(port);
    }
    other_protocol
}

impl AddrPattern {
    /// Reports whether this pattern matches `target`.
    ///
    /// Unix patterns are matched with `wildmatch`, or with `iwildmatch`
    /// when `case_sensitive` is false, and only against targets of their
    /// own kind. `inet:` also matches an IPv4-mapped IPv6 target
    /// (`::ffff:a.b.c.d`) as the IPv4 address it carries. The port must lie
    /// in the pattern's range.
    pub fn matches(&self, target: &SockTarget, case_sensitive: bool) -> bool {
        let glob = if case_sensitive { wildmatch } else { iwildmatch };
        self.matches_with(target, glob)
    }

    /// Does the work of `matches`, with `glob` matching path patterns.
    fn matches_with(&self, target: &SockTarget, glob: fn(&[u8], &[u8]) -> bool) -> bool {
        match (self, target) {
            (AddrPattern::Unix(pattern), SockTarget::Unix(path)) => glob(pattern.as_bytes(), path),
            (AddrPattern::UnixAbstract(pattern), SockTarget::UnixAbstract(name)) => glob(pattern.as_bytes(), name),
            (AddrPattern::Inet { net, ports }, SockTarget::Inet(addr)) => {
                net.contains(addr.ip()) && ports.contains(&addr.port())
            }
            (AddrPattern::Inet { net, ports }, SockTarget::Inet6(addr)) => match addr.ip().to_ipv4_mapped() {
                Some(ipv4) => net.contains(&ipv4) && ports.contains(&addr.port()),
                None => false,
            },
            (AddrPattern::Inet6 { net, ports }, SockTarget::Inet6(addr)) => {
                net.contains(addr.ip()) && ports.contains(&addr.port())
            }
            _ => false,
        }
    }
}

impl fmt::Display for AddrPattern {
    /// Writes the canonical pattern text: the network as stored (truncated
    /// to its mask, mask always written) and a single port written once,
    /// for example `inet:127.0.0.0/8@0-65535` or `inet6:::1/128@80`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrPattern::Unix(pattern) => write!(f, "{UNIX_PREFIX}{pattern}"),
            AddrPattern::UnixAbstract(pattern) => write!(f, "{UNIX_ABSTRACT_PREFIX}{pattern}"),
            AddrPattern::Inet { net, ports } => write!(f, "{INET_PREFIX}{net}@{}", PortsText(ports)),
            AddrPattern::Inet6 { net, ports } => write!(f, "{INET6_PREFIX}{net}@{}", PortsText(ports)),
        }
    }
}

/// Writes a port range as `P` or `P1-P2`.
struct PortsText<'a>(&'a RangeInclusive<u16>);

impl fmt::Display for PortsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, last) = (self.0.start(), self.0.end());
        if first == last {
            write!(f, "{first}")
        } else {
            write!(f, "{first}-{last}")
        }
    }
}

/// Size of `sockaddr_un::sun_path` on Linux.
const SUN_PATH_LEN: usize = 108;
/// Bytes of `sockaddr_in` the kernel requires (`sizeof(struct sockaddr_in)`).
const SOCKADDR_IN_LEN: usize = 16;
/// Bytes of `sockaddr_in6` the kernel requires: the RFC 2133 layout,
/// without `sin6_scope_id` (`SIN6_LEN_RFC2133`).
const SOCKADDR_IN6_MIN_LEN: usize = 24;
/// Bytes of `sockaddr_in6` with `sin6_scope_id`.
const SOCKADDR_IN6_LEN: usize = 28;

const AF_UNIX: u16 = libc::AF_UNIX as u16;
const AF_INET: u16 = libc::AF_INET as u16;
const AF_INET6: u16 = libc::AF_INET6 as u16;

/// Decodes a raw `struct sockaddr` as read from a tracee. `bytes` is the
/// address the call passed, exactly its address length long. `sa_family` is in native
/// byte order, ports and addresses are in network byte order.
///
/// Returns `None` when `bytes` is shorter than the kernel accepts for the
/// family: 2 bytes for any family, 16 for AF_INET, 24 for AF_INET6. A
/// unix address longer than `sockaddr_un` is cut to it.
pub fn decode_sockaddr(bytes: &[u8]) -> Option<SockTarget> {
    let family = u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?]);
    let target = match family {
        AF_UNIX => decode_unix(&bytes[2..]),
        AF_INET => {
            let bytes = bytes.get(..SOCKADDR_IN_LEN)?;
            let port = u16::from_be_bytes([bytes[2], bytes[3]]);
            let ip = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
            SockTarget::Inet(SocketAddrV4::new(ip, port))
        }
        AF_INET6 => {
            let head = bytes.get(..SOCKADDR_IN6_MIN_LEN)?;
            let port = u16::from_be_bytes([head[2], head[3]]);
            let flowinfo = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&head[8..24]);
            // The kernel reads sin6_scope_id only when the caller passed it.
            let scope_id = match bytes.get(SOCKADDR_IN6_MIN_LEN..SOCKADDR_IN6_LEN) {
                Some(scope) => u32::from_ne_bytes([scope[0], scope[1], scope[2], scope[3]]),
                None => 0,
            };
            SockTarget::Inet6(SocketAddrV6::new(Ipv6Addr::from(octets), port, flowinfo, scope_id))
        }
        other => SockTarget::Other(other),
    };
    Some(target)
}

/// Decodes the `sun_path` bytes of an AF_UNIX address.
fn decode_unix(sun_path: &[u8]) -> SockTarget {
    let sun_path = &sun_path[..sun_path.len().min(SUN_PATH_LEN)];
    match sun_path.split_first() {
        None => SockTarget::UnixUnnamed,
        // An abstract name is every byte after the leading NUL, up to the
        // address length. It is not NUL-terminated.
        Some((0, name)) => SockTarget::UnixAbstract(name.to_vec()),
        Some(_) => {
            let end = sun_path.iter().position(|&b| b == 0).unwrap_or(sun_path.len());
            SockTarget::Unix(sun_path[..end].to_vec())
        }
    }
}

impl fmt::Display for SockTarget {
    /// Writes the canonical form used in reports and tips:
    /// `unix:/path`, `unix-abstract:name`, `unix-unnamed`,
    /// `inet:127.0.0.1@80`, `inet6:::1@80`, `?:AF_NETLINK`, or `?:AF_99`
    /// for a family without a known name. Control characters, invalid
    /// UTF-8 and NUL bytes in names are written as `\xNN`, and a backslash
    /// as `\\`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockTarget::Unix(path) => {
                f.write_str(UNIX_PREFIX)?;
                write_escaped(f, path)
            }
            SockTarget::UnixAbstract(name) => {
                f.write_str(UNIX_ABSTRACT_PREFIX)?;
                write_escaped(f, name)
            }
            SockTarget::UnixUnnamed => f.write_str("unix-unnamed"),
            SockTarget::Inet(addr) => write!(f, "{INET_PREFIX}{}@{}", addr.ip(), addr.port()),
            SockTarget::Inet6(addr) => write!(f, "{INET6_PREFIX}{}@{}", addr.ip(), addr.port()),
            SockTarget::Other(family) => match family_name(*family) {
                Some(name) => write!(f, "?:{name}"),
                None => write!(f, "?:AF_{family}"),
            },
        }
    }
}

/// Writes `bytes` as text, escaping what would be unreadable or ambiguous.
fn write_escaped(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                f.write_str("\\\\")?;
            } else if c.is_control() {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    write!(f, "\\x{byte:02x}")?;
                }
            } else {
                write!(f, "{c}")?;
            }
        }
        for byte in chunk.invalid() {
            write!(f, "\\x{byte:02x}")?;
        }
    }
    Ok(())
}

/// Returns the `AF_*` name of a Linux address family, as spelled in
/// `<linux/socket.h>`, up to AF_MCTP (45), the last family in glibc
/// 2.36's `<bits/socket.h>`.
fn family_name(family: u16) -> Option<&'static str> {
    const NAMES: [&str; 46] = [
        "AF_UNSPEC",
        "AF_UNIX",
        "AF_INET",
        "AF_AX25",
        "AF_IPX",
        "AF_APPLETALK",
        "AF_NETROM",
        "AF_BRIDGE",
        "AF_ATMPVC",
        "AF_X25",
        "AF_INET6",
        "AF_ROSE",
        "AF_DECnet",
        "AF_NETBEUI",
        "AF_SECURITY",
        "AF_KEY",
        "AF_NETLINK",
        "AF_PACKET",
        "AF_ASH",
        "AF_ECONET",
        "AF_ATMSVC",
        "AF_RDS",
        "AF_SNA",
        "AF_IRDA",
        "AF_PPPOX",
        "AF_WANPIPE",
        "AF_LLC",
        "AF_IB",
        "AF_MPLS",
        "AF_CAN",
        "AF_TIPC",
        "AF_BLUETOOTH",
        "AF_IUCV",
        "AF_RXRPC",
        "AF_ISDN",
        "AF_PHONET",
        "AF_IEEE802154",
        "AF_CAIF",
        "AF_ALG",
        "AF_NFC",
        "AF_VSOCK",
        "AF_KCM",
        "AF_QIPCRTR",
        "AF_SMC",
        "AF_XDP",
        "AF_MCTP",
    ];
    NAMES.get(usize::from(family)).copied()
}

/// The state of a socket after a bind to a requested address was let
/// through, as its own name (`getsockname(2)`) shows it (`bind_state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindState {
    /// Bound as requested. The address to whitelist, with the port the
    /// kernel chose when the request named port 0.
    Bound(SockTarget),
    /// Not bound yet: the bind may still be under way.
    Unbound,
    /// Bound to another address, or not a socket of the requested family,
    /// so the requested bind failed.
    Elsewhere,
}

/// Compares an inet bind's address with the name its socket has now.
/// Other families are `Elsewhere`: a unix socket's name is the path as
/// the program gave it, which cannot tell which file the socket got.
pub fn bind_state(requested: &SockTarget, name: &SockTarget) -> BindState {
    match (requested, name) {
        (SockTarget::Inet(_), SockTarget::Inet(now)) if now.port() == 0 => BindState::Unbound,
        (SockTarget::Inet6(_), SockTarget::Inet6(now)) if now.port() == 0 => BindState::Unbound,
        (SockTarget::Inet(a), SockTarget::Inet(now)) if a.ip() == now.ip() && (a.port() == 0 || a.port() == now.port()) => {
            BindState::Bound(name.clone())
        }
        (SockTarget::Inet6(a), SockTarget::Inet6(now))
            if a.ip() == now.ip() && (a.port() == 0 || a.port() == now.port()) =>
        {
            BindState::Bound(SockTarget::Inet6(SocketAddrV6::new(*now.ip(), now.port(), 0, 0)))
        }
        _ => BindState::Elsewhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stands in for wildmatch, which these tests do not depend on: a
    /// pattern matches only the identical byte string.
    fn exact(pattern: &[u8], text: &[u8]) -> bool {
        pattern == text
    }

    #[test]
    fn unix_patterns_match_only_their_kind() {
        let unix = AddrPattern::Unix("/run/a".into());
        let abstract_ = AddrPattern::UnixAbstract("/run/a".into());
        let path = SockTarget::Unix(b"/run/a".to_vec());
        let name = SockTarget::UnixAbstract(b"/run/a".to_vec());

        assert!(unix.matches_with(&path, exact));
        assert!(!unix.matches_with(&name, exact));
        assert!(abstract_.matches_with(&name, exact));
        assert!(!abstract_.matches_with(&path, exact));
        assert!(!unix.matches_with(&SockTarget::UnixUnnamed, exact));
        assert!(!abstract_.matches_with(&SockTarget::UnixUnnamed, exact));
    }

    #[test]
    fn abstract_name_passed_at_full_length() {
        let pattern = AddrPattern::UnixAbstract("foo".into());
        let with_nul = SockTarget::UnixAbstract(b"foo\0bar".to_vec());
        let trailing_nul = SockTarget::UnixAbstract(b"foo\0".to_vec());

        assert!(!pattern.matches_with(&with_nul, exact));
        assert!(!pattern.matches_with(&trailing_nul, exact));
        assert!(AddrPattern::UnixAbstract("foo\0bar".into()).matches_with(&with_nul, exact));
    }

    #[test]
    fn services_prefer_tcp_entries() {
        let table = "\
# comment line
echo      7/udp
echo      7/tcp
syslog    514/udp
http      80/tcp    www www-http   # World Wide Web
bad       x/tcp
";
        assert_eq!(find_service(table, "echo"), Some(7));
        assert_eq!(find_service(table, "syslog"), Some(514));
        assert_eq!(find_service(table, "www"), Some(80));
        assert_eq!(find_service(table, "www-http"), Some(80));
        assert_eq!(find_service(table, "HTTP"), None);
        assert_eq!(find_service(table, "World"), None);
        assert_eq!(find_service(table, "bad"), None);
        assert_eq!(find_service(table, ""), None);
    }

    #[test]
    fn c_unsigned_follows_strtoul_base_0() {
        let cases: &[(&str, Option<u32>)] = &[
            ("80", Some(80)),
            ("0", Some(0)),
            ("0x50", Some(80)),
            ("0X50", Some(80)),
            ("010", Some(8)),
            ("00", Some(0)),
            ("08", None),
            ("0x", None),
            ("0xg", None),
            ("80a", None),
            ("", None),
            ("99999999999", None),
        ];
        for &(text, expected) in cases {
            assert_eq!(parse_c_unsigned(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn family_names_agree_with_libc() {
        let known = [
            (libc::AF_UNSPEC, "AF_UNSPEC"),
            (libc::AF_UNIX, "AF_UNIX"),
            (libc::AF_INET6, "AF_INET6"),
            (libc::AF_DECnet, "AF_DECnet"),
            (libc::AF_NETLINK, "AF_NETLINK"),
            (libc::AF_PACKET, "AF_PACKET"),
            (libc::AF_CAN, "AF_CAN"),
            (libc::AF_BLUETOOTH, "AF_BLUETOOTH"),
            (libc::AF_ALG, "AF_ALG"),
            (libc::AF_VSOCK, "AF_VSOCK"),
            (libc::AF_XDP, "AF_XDP"),
        ];
        for (family, name) in known {
            assert_eq!(family_name(family as u16), Some(name), "family {family}");
        }
        assert_eq!(family_name(46), None);
    }

    #[test]
    fn sockaddr_sizes_agree_with_libc() {
        assert_eq!(std::mem::size_of::<libc::sockaddr_in>(), SOCKADDR_IN_LEN);
        assert_eq!(std::mem::size_of::<libc::sockaddr_in6>(), SOCKADDR_IN6_LEN);
        assert_eq!(std::mem::size_of::<libc::sockaddr_un>(), 2 + SUN_PATH_LEN);
    }

    #[test]
    fn bind_state_reads_the_socket_name() {
        let v4 = |s: &str| SockTarget::Inet(s.parse().unwrap());
        let v6 = |s: &str| SockTarget::Inet6(s.parse().unwrap());
        let unix = |p: &str| SockTarget::Unix(p.as_bytes().to_vec());
        assert_eq!(bind_state(&v4("127.0.0.1:0"), &v4("127.0.0.1:40000")), BindState::Bound(v4("127.0.0.1:40000")));
        assert_eq!(bind_state(&v4("127.0.0.1:8080"), &v4("127.0.0.1:8080")), BindState::Bound(v4("127.0.0.1:8080")));
        assert_eq!(bind_state(&v4("127.0.0.1:8080"), &v4("0.0.0.0:0")), BindState::Unbound);
        assert_eq!(bind_state(&v4("127.0.0.1:8080"), &v4("127.0.0.1:9090")), BindState::Elsewhere);
        assert_eq!(bind_state(&v4("127.0.0.1:8080"), &v4("127.0.0.2:8080")), BindState::Elsewhere);
        assert_eq!(bind_state(&v6("[::1]:0"), &v6("[::1]:40000")), BindState::Bound(v6("[::1]:40000")));
        assert_eq!(bind_state(&v6("[::1]:0"), &v6("[::]:0")), BindState::Unbound);
        assert_eq!(bind_state(&unix("s"), &unix("s")), BindState::Elsewhere);
        assert_eq!(bind_state(&unix("/tmp/a/s"), &SockTarget::UnixUnnamed), BindState::Elsewhere);
        assert_eq!(bind_state(&v4("127.0.0.1:0"), &v6("[::1]:1")), BindState::Elsewhere);
    }
}
