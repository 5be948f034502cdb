//! sydbox-1 test catalogue, group G: network sandboxing. Every address is
//! on loopback, and every listener is one the test opens itself.

#[macro_use]
mod common;

use std::net::TcpListener;
use std::os::unix::net::UnixListener;

use common::{each_trace_option, Case};

/// Opens a listener on 127.0.0.1 and returns it with its port.
fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    (listener, port)
}

/// Returns a port on 127.0.0.1 that was free a moment ago.
fn free_port() -> String {
    listener().1
}

/// Returns an IPv6 loopback listener, or None when this host has no `::1`.
fn listener6() -> Option<(TcpListener, String)> {
    match TcpListener::bind("[::1]:0") {
        Ok(listener) => {
            let port = listener.local_addr().unwrap().port().to_string();
            Some((listener, port))
        }
        Err(e) => {
            eprintln!("no IPv6 loopback ({e}); skipping the IPv6 part");
            None
        }
    }
}

fn net_case(options: &[&str]) -> Case {
    let mut case = Case::with_magic(options);
    case.magic("core/sandbox/network:deny");
    case
}

#[test]
fn connect_and_bind_denied() {
    require_ptrace!();
    let (listener, port) = listener();
    common::each_follow_option(|options| {
        let mut case = net_case(options);
        case.must_violate();
        let out = case.run("netc", ["connect", "inet", "127.0.0.1", &port]);
        out.expect_errno(libc::ECONNREFUSED)
            .expect_stderr_contains("connect(")
            .expect_stderr_contains(&format!("inet:127.0.0.1@{port}"));
        assert!(listener.accept().is_err(), "the denied connect reached the listener");

        let free = free_port();
        let out = case.run("netc", ["bind", "inet", "127.0.0.1", &free]);
        out.expect_errno(libc::EADDRNOTAVAIL).expect_stderr_contains(&format!("inet:127.0.0.1@{free}"));
    });
}

#[test]
fn bind_whitelist_ports() {
    require_ptrace!();
    each_trace_option(|options| {
        let mut case = net_case(options);
        case.magic("whitelist/network/bind+LOOPBACK@0");
        case.run("netc", ["bind", "inet", "127.0.0.1", "0"]).expect_success();
        let port = free_port();
        let mut denied = net_case(options);
        denied.magic("whitelist/network/bind+LOOPBACK@0").must_violate();
        denied.run("netc", ["bind", "inet", "127.0.0.1", &port]).expect_errno(libc::EADDRNOTAVAIL);

        for pattern in [format!("LOOPBACK@{port}"), "LOOPBACK@1024-65535".to_string(), format!("inet:127.0.0.1@{port}")] {
            let mut case = net_case(options);
            case.magic(format!("whitelist/network/bind+{pattern}"));
            case.run("netc", ["bind", "inet", "127.0.0.1", &port]).expect_success();
        }
    });
}

/// The address of a successful bind becomes connectable; a port-0 bind
/// counts with the port getsockname reports, also through a dup'ed fd.
#[test]
fn successful_bind_connectable() {
    require_ptrace!();
    common::each_follow_option(|options| {
        let port = free_port();
        let mut case = net_case(options);
        case.magic(format!("whitelist/network/bind+LOOPBACK@{port}"));
        case.run("netc", ["bind", "inet", "127.0.0.1", &port, "--then-connect", "127.0.0.1", &port]).expect_success();

        for extra in [&[][..], &["--dup"][..]] {
            let mut case = net_case(options);
            case.magic("whitelist/network/bind+LOOPBACK@0");
            let mut args = vec!["bind", "inet", "127.0.0.1", "0", "--then-connect", "127.0.0.1", "bound"];
            args.extend(extra);
            case.run("netc", &args).expect_success();
        }

        let mut case = net_case(options);
        case.magic("whitelist/network/bind+LOOPBACK@0")
            .magic("core/whitelist/successful_bind:false")
            .must_violate();
        case.run("netc", ["bind", "inet", "127.0.0.1", "0", "--then-connect", "127.0.0.1", "bound"]).expect_errno(libc::ECONNREFUSED);
    });
}

/// Decided deviation: a successful_bind entry ends when its socket closes
/// (sydbox-1 kept it for the whole run).
#[test]
fn successful_bind_ends_on_close() {
    require_ptrace!();
    common::each_follow_option(|options| {
        let port = free_port();
        let mut case = net_case(options);
        case.magic(format!("whitelist/network/bind+LOOPBACK@{port}")).magic("core/violation/exit_code:0");
        let netc = common::helper("netc").display().to_string();
        // The first netc binds and exits, which closes its socket; the
        // connect afterwards must be denied again (a violation), not refused
        // by the kernel.
        let script = format!("{netc} bind inet 127.0.0.1 {port} || exit 10; exec {netc} connect inet 127.0.0.1 {port}");
        case.run_program("/bin/sh", ["-c", &script]).expect_exit(128 + libc::ECONNREFUSED);
    });
}

#[test]
fn unix_bind_and_connect() {
    require_ptrace!();
    common::each_follow_option(|options| {
        let mut case = net_case(options);
        case.must_violate();
        let sock = case.resolved("sock");
        case.run("netc", ["bind", "unix", &sock]).expect_errno(libc::EADDRNOTAVAIL);
        assert!(!case.path("sock").exists(), "the denied bind created the socket");

        // A whitelisted bind makes the path connectable.
        let mut case = net_case(options);
        let sock = case.resolved("sock");
        let tree = format!("whitelist/network/bind+unix:{}/***", case.resolved(""));
        case.magic(tree);
        case.run("netc", ["bind", "unix", &sock, "--then-connect", &sock, "0"]).expect_success();

        // A connect pattern matches the resolved path, so a link to the
        // socket's directory is allowed by a pattern for the real path.
        let mut case = net_case(options);
        std::fs::create_dir(case.path("real")).unwrap();
        std::os::unix::fs::symlink("real", case.path("link")).unwrap();
        let _listener = UnixListener::bind(case.path("real/sock")).unwrap();
        let real = case.resolved("real/sock");
        case.magic(format!("whitelist/network/connect+unix:{real}"));
        case.run("netc", ["connect", "unix", &case.resolved("link/sock")]).expect_success();
    });
}

#[test]
fn abstract_socket_patterns() {
    require_ptrace!();
    each_trace_option(|options| {
        let name = format!("sydbox-catalogue-{}", std::process::id());
        let mut case = net_case(options);
        case.magic("core/whitelist/successful_bind:false")
            .magic("whitelist/network/bind+unix-abstract:sydbox-catalogue-*")
            .magic("whitelist/network/connect+unix-abstract:sydbox-catalogue-*");
        case.run("netc", ["bind", "unix-abstract", &name, "--then-connect", &name, "0"]).expect_success();

        // unix: patterns do not match abstract sockets.
        let mut case = net_case(options);
        case.magic("core/whitelist/successful_bind:false")
            .magic("whitelist/network/bind+unix-abstract:sydbox-catalogue-*")
            .magic("whitelist/network/connect+unix:sydbox-catalogue-*")
            .magic("whitelist/network/connect+unix:/**")
            .must_violate();
        case.run("netc", ["bind", "unix-abstract", &name, "--then-connect", &name, "0"]).expect_errno(libc::ECONNREFUSED);
    });
}

#[test]
fn sendto_denied_address() {
    require_ptrace!();
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = receiver.local_addr().unwrap().port().to_string();
    each_trace_option(|options| {
        let mut case = net_case(options);
        case.must_violate();
        case.run("netc", ["sendto", "inet", "127.0.0.1", &port]).expect_errno(libc::ECONNREFUSED);
        let mut case = net_case(options);
        case.magic(format!("whitelist/network/connect+LOOPBACK@{port}"));
        case.run("netc", ["sendto", "inet", "127.0.0.1", &port]).expect_success();
    });
}

/// Families other than UNIX, INET and INET6 are allowed unless
/// `unsupported_socket_families` is false; that denial is always reported.
#[test]
fn unsupported_family_option() {
    require_ptrace!();
    each_trace_option(|options| {
        for call in ["bind", "connect"] {
            let case = net_case(options);
            case.run("netc", [call, "netlink", "0"]).expect_success();

            let mut case = net_case(options);
            case.magic("core/whitelist/unsupported_socket_families:false")
                .magic("filter/network+LOOPBACK@0")
                .must_violate();
            case.run("netc", [call, "netlink", "0"]).expect_errno(libc::EAFNOSUPPORT);
        }
    });
}

#[test]
fn address_syntax_checked() {
    for pattern in ["inet:1.2.3.4@80", "inet:1.2.3.0/24@1-1024", "inet:0.0.0.0/0@http", "inet6:::1/128@53", "LOCAL@0", "LOCAL6@0", "LOOPBACK6@0", "unix:/run/x", "unix-abstract:name*"] {
        let mut case = Case::new();
        case.magic(format!("whitelist/network/connect+{pattern}"));
        case.run_program("/bin/true", [""; 0]).expect_exit(0);
    }
    for pattern in ["inet:1.2.3.4", "LOOPBACK", "inet:1.2.3.4@70000", "unix:", "inet:1.2.3.4/33@80", "inet6:::1/129@80", "ipx:1@1"] {
        let mut case = Case::new();
        case.magic(format!("whitelist/network/connect+{pattern}"));
        case.run_program("/bin/true", [""; 0]).expect_exit(1).expect_stderr_contains(pattern);
    }
}

/// Mask and port-range matching, seen through real connects on 127/8.
#[test]
fn address_mask_vectors() {
    require_ptrace!();
    let (listener, port) = listener();
    let port_number: u16 = port.parse().unwrap();
    let vectors: Vec<(String, bool)> = vec![
        (format!("inet:127.0.0.1@{port}"), true),
        (format!("inet:127.0.0.1/32@{port}"), true),
        (format!("inet:127.0.0.0/31@{port}"), true),
        (format!("inet:127.0.0.3/31@{port}"), false),
        (format!("inet:127.0.0.255/24@{port}"), true),
        (format!("inet:127.0.1.1/24@{port}"), false),
        (format!("inet:127.255.255.255/8@{port}"), true),
        (format!("inet:126.0.0.1/8@{port}"), false),
        (format!("inet:0.0.0.0/0@{port}"), true),
        (format!("inet:127.0.0.1@{}-{}", port_number - 1, port_number + 1), true),
        (format!("inet:127.0.0.1@{}-{}", port_number.saturating_sub(3), port_number - 1), false),
        (format!("inet:127.0.0.1@{}", port_number - 1), false),
        (format!("LOOPBACK@{port}"), true),
        (format!("LOCAL@{port}"), true),
    ];
    each_trace_option(|options| {
        for (pattern, allowed) in &vectors {
            let mut case = net_case(options);
            case.magic(format!("whitelist/network/connect+{pattern}")).magic("core/violation/exit_code:0");
            let out = case.run("netc", ["connect", "inet", "127.0.0.1", &port]);
            let expected = if *allowed { 0 } else { 128 + libc::ECONNREFUSED };
            assert_eq!(out.code(), Some(expected), "pattern {pattern}\n{}", out.details());
            let _ = listener.accept();
        }
    });
}

/// Decided deviation: an IPv6 address without a mask is exact (/128);
/// sydbox-1 used /8, under which `::2` would cover `::1`.
#[test]
fn ipv6_without_mask_exact() {
    require_ptrace!();
    let Some((_listener, port)) = listener6() else {
        return;
    };
    each_trace_option(|options| {
        for (pattern, allowed) in [
            (format!("inet6:::1@{port}"), true),
            (format!("LOOPBACK6@{port}"), true),
            (format!("inet6:::2@{port}"), false),
            (format!("inet6:::2/126@{port}"), true),
            (format!("inet6:::0/0@{port}"), true),
        ] {
            let mut case = net_case(options);
            case.magic(format!("whitelist/network/connect+{pattern}")).magic("core/violation/exit_code:0");
            let out = case.run("netc", ["connect", "inet6", "::1", &port]);
            let expected = if allowed { 0 } else { 128 + libc::ECONNREFUSED };
            assert_eq!(out.code(), Some(expected), "pattern {pattern}\n{}", out.details());
        }
    });
}
