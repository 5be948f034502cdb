//! Hostile inputs, address canonicalisation and scope and port
//! specifications: IPv4-mapped IPv6, destinations carried by
//! send calls, port 0, service names, abstract unix names and other
//! socket families. Every listener is on loopback and started by the
//! test, which checks afterwards that it saw nothing.

#[macro_use]
mod common;

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt as _;
use std::os::unix::net::{SocketAddr, UnixDatagram, UnixListener};

use common::{hostile_result, Case, Fixture, Mode};

/// A nonblocking TCP listener on 127.0.0.1 and an ephemeral port.
fn tcp_listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

#[track_caller]
fn assert_no_connection(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the listener saw a connection: {other:?}"),
    }
}

#[track_caller]
fn assert_no_datagram(socket: &UdpSocket) {
    let mut buf = [0u8; 16];
    match socket.recv_from(&mut buf) {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the receiver got a datagram: {other:?}"),
    }
}

/// Returns a fixture with the baseline policy applied. Under --isolate it
/// keeps the host's network namespace (`--net host`), so the listeners these
/// tests start on the host's loopback are reachable and what they see shows
/// the inner layer's decision. A private network namespace is checked by
/// `isolate_hides_host_abstract_sockets`.
fn net_fixture(mode: Mode) -> Fixture {
    let mut fx = Fixture::new(mode);
    fx.base();
    if mode == Mode::Isolate {
        fx.case.arg("--net").arg("host");
    }
    fx
}

fn network_deny(case: &mut Case) -> &mut Case {
    case.magic("core/sandbox/network:deny").must_violate()
}

in_both_modes! {
    fn mapped_ipv6_meets_inet_deny_rule(mode) {
        require_ptrace!();
        let (listener, port) = tcp_listener();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        case.magic("core/sandbox/network:allow")
            .magic(format!("blacklist/network/connect+inet:127.0.0.1@{port}"))
            .must_violate();
        let out = case.run("netc", ["connect", "inet6", "::ffff:127.0.0.1", &port.to_string()]);
        out.expect_errno(libc::ECONNREFUSED);
        assert_no_connection(&listener);
    }
}

in_both_modes! {
    fn mapped_ipv6_is_judged_as_ipv4_in_allow_mode(mode) {
        require_ptrace!();
        let (denied, denied_port) = tcp_listener();
        let (allowed, allowed_port) = tcp_listener();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic(format!("whitelist/network/connect+inet:127.0.0.1@{allowed_port}"));
        case.run("netc", ["connect", "inet6", "::ffff:127.0.0.1", &denied_port.to_string()]).expect_errno(libc::ECONNREFUSED);
        assert_no_connection(&denied);

        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        case.magic("core/sandbox/network:deny").magic(format!("whitelist/network/connect+inet:127.0.0.1@{allowed_port}"));
        case.run("netc", ["connect", "inet6", "::ffff:127.0.0.1", &allowed_port.to_string()]).expect_success();
        allowed.set_nonblocking(false).unwrap();
        allowed.accept().expect("the allowed connection did not arrive");
    }
}

in_both_modes! {
    fn mapped_ipv6_udp_sendto_and_sendmsg_are_checked(mode) {
        require_ptrace!();
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver.set_nonblocking(true).unwrap();
        let port = receiver.local_addr().unwrap().port().to_string();
        for call in ["sendto", "sendmsg", "sendmmsg"] {
            let mut fx = net_fixture(mode);
        let case = &mut fx.case;
            case.magic("core/sandbox/network:allow").magic(format!("blacklist/network/connect+inet:127.0.0.1@{port}")).must_violate();
            case.run("netc", [call, "inet6", "::ffff:127.0.0.1", &port]).expect_errno(libc::ECONNREFUSED);
            let mut fx = net_fixture(mode);
        let case = &mut fx.case;
            case.magic("core/sandbox/network:allow").magic(format!("blacklist/network/connect+inet:127.0.0.1@{port}")).must_violate();
            case.run("netc", [call, "inet", "127.0.0.1", &port]).expect_errno(libc::ECONNREFUSED);
        }
        assert_no_datagram(&receiver);
    }
}

in_both_modes! {
    fn wide_rule_does_not_cover_ports_above_its_range(mode) {
        require_ptrace!();
        // Ports 65001 and above cannot be chosen, so this checks the other
        // end with a rule ending one below a listener's port.
        let (listener, port) = tcp_listener();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic(format!("whitelist/network/connect+inet:0.0.0.0/0@0-{}", port - 1));
        case.run("netc", ["connect", "inet6", "::ffff:127.0.0.1", &port.to_string()]).expect_errno(libc::ECONNREFUSED);
        case.run("netc", ["connect", "inet", "127.0.0.1", &port.to_string()]).expect_errno(libc::ECONNREFUSED);
        assert_no_connection(&listener);

        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        case.magic("core/sandbox/network:deny").magic(format!("whitelist/network/connect+inet:0.0.0.0/0@0-{port}"));
        case.run("netc", ["connect", "inet", "127.0.0.1", &port.to_string()]).expect_success();
    }
}

in_both_modes! {
    fn send_calls_carry_checked_destinations(mode) {
        require_ptrace!();
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver.set_nonblocking(true).unwrap();
        let port = receiver.local_addr().unwrap().port().to_string();
        let receiver6 = UdpSocket::bind("[::1]:0").ok();
        if let Some(socket) = &receiver6 {
            socket.set_nonblocking(true).unwrap();
        }
        for call in ["sendto", "sendmsg", "sendmmsg"] {
            let mut fx = net_fixture(mode);
        let case = &mut fx.case;
            network_deny(case).magic("whitelist/network/connect+inet:127.0.0.1@5000");
            case.run("netc", [call, "inet", "127.0.0.1", &port]).expect_errno(libc::ECONNREFUSED);
            if let Some(socket) = &receiver6 {
                let port6 = socket.local_addr().unwrap().port().to_string();
                case.run("netc", [call, "inet6", "::1", &port6]).expect_errno(libc::ECONNREFUSED);
            }
        }
        assert_no_datagram(&receiver);
        if let Some(socket) = &receiver6 {
            assert_no_datagram(socket);
        }
    }
}

in_both_modes! {
    fn sendmmsg_is_checked_message_by_message(mode) {
        require_ptrace!();
        // One message to an allowed port and one to a denied port: the whole
        // call is refused, so neither is sent.
        let allowed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let denied = UdpSocket::bind("127.0.0.1:0").unwrap();
        allowed.set_nonblocking(true).unwrap();
        denied.set_nonblocking(true).unwrap();
        let allowed_port = allowed.local_addr().unwrap().port().to_string();
        let denied_port = denied.local_addr().unwrap().port().to_string();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic(format!("whitelist/network/connect+inet:127.0.0.1@{allowed_port}"));
        for order in [[&allowed_port, &denied_port], [&denied_port, &allowed_port]] {
            case.run("hostile", ["sendmmsg", order[0], order[1]]).expect_errno(libc::ECONNREFUSED);
        }
        assert_no_datagram(&denied);
        assert_no_datagram(&allowed);
    }
}

in_both_modes! {
    fn unix_datagram_to_outside_path_is_refused(mode) {
        require_ptrace!();
        let mut fx = net_fixture(mode);
        let path = fx.outside.join("dgram.sock");
        let receiver = UnixDatagram::bind(&path).unwrap();
        receiver.set_nonblocking(true).unwrap();
        let box_dir = fx.box_dir.display().to_string();
        network_deny(&mut fx.case).magic(format!("whitelist/network/connect+unix:{box_dir}/***"));
        let target = path.display().to_string();
        for call in ["sendto", "sendmsg", "sendmmsg"] {
            // Under --isolate the socket's directory is missing from the
            // view, so the send fails with ENOENT.
            let out = fx.case.run("netc", [call, "unix", &target]);
            fx.expect_denied(&out, libc::ECONNREFUSED);
        }
        let mut buf = [0u8; 8];
        assert!(receiver.recv(&mut buf).is_err_and(|e| e.kind() == ErrorKind::WouldBlock), "the receiver got a datagram");
    }
}

in_both_modes! {
    fn port_specs_are_validated_at_startup(mode) {
        // (spec, accepted)
        let specs = [
            ("@65536", false),
            ("@70000-1", false),
            ("@5000-4000", false),
            ("@nosuchsvc", false),
            ("@-1", false),
            ("@", false),
            ("@80-", false),
            ("@0x10000", false),
            ("@http", true),
            ("@0", true),
            ("@65535", true),
        ];
        for (spec, accepted) in specs {
            let mut fx = net_fixture(mode);
        let case = &mut fx.case;
            case.magic(format!("whitelist/network/connect+inet:127.0.0.1{spec}"));
            let out = case.run_program("/bin/true", [""; 0]);
            if accepted {
                out.expect_exit(0);
            } else {
                out.expect_exit(1).expect_stderr_contains(spec.trim_start_matches('@'));
            }
        }
    }
}

in_both_modes! {
    fn port_zero_rule_is_not_a_wildcard(mode) {
        require_ptrace!();
        let (listener, port) = tcp_listener();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic("whitelist/network/connect+inet:127.0.0.1@0");
        case.run("netc", ["connect", "inet", "127.0.0.1", &port.to_string()]).expect_errno(libc::ECONNREFUSED);
        assert_no_connection(&listener);
    }
}

in_both_modes! {
    fn bind_to_port_zero_needs_a_rule_with_zero(mode) {
        require_ptrace!();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic("whitelist/network/bind+inet:127.0.0.1@8000-8010");
        case.run("netc", ["bind", "inet", "127.0.0.1", "0"]).expect_errno(libc::EADDRNOTAVAIL);
        case.run("netc", ["bind", "inet", "127.0.0.1", "8011"]).expect_errno(libc::EADDRNOTAVAIL);
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        case.magic("core/sandbox/network:deny").magic("whitelist/network/bind+LOOPBACK@0");
        case.run("netc", ["bind", "inet", "127.0.0.1", "0"]).expect_success();
    }
}

/// An abstract listener named `name`, nonblocking.
fn abstract_listener(name: &[u8]) -> UnixListener {
    let addr = SocketAddr::from_abstract_name(name).unwrap();
    let listener = UnixListener::bind_addr(&addr).unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

in_both_modes! {
    fn abstract_names_compare_at_full_length(mode) {
        require_ptrace!();
        let tag = format!("{}{mode:?}", std::process::id());
        let plain_name = format!("sydtest{tag}");
        let listener = abstract_listener(plain_name.as_bytes());
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic("whitelist/network/connect+unix-abstract:ok*");
        case.run("hostile", ["abstract-connect", &plain_name, "-"]).expect_errno(libc::ECONNREFUSED);
        assert!(listener.accept().is_err_and(|e| e.kind() == ErrorKind::WouldBlock), "the abstract listener saw a connection");

        // `ok` NUL `x...` is not `ok`.
        let suffix = format!("x{tag}");
        let embedded = abstract_listener(format!("ok\0{suffix}").as_bytes());
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic("whitelist/network/connect+unix-abstract:ok");
        case.run("hostile", ["abstract-connect", "ok", &suffix]).expect_errno(libc::ECONNREFUSED);
        assert!(embedded.accept().is_err_and(|e| e.kind() == ErrorKind::WouldBlock), "the listener on ok\\0x saw a connection");
    }
}

in_both_modes! {
    fn abstract_names_allowed_by_rule_connect(mode) {
        require_ptrace!();
        let name = format!("ok-sydtest{}{mode:?}", std::process::id());
        let listener = abstract_listener(name.as_bytes());
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        case.magic("core/sandbox/network:deny").magic("whitelist/network/connect+unix-abstract:ok-*");
        case.run("hostile", ["abstract-connect", &name, "-"]).expect_success();
        listener.set_nonblocking(false).unwrap();
        listener.accept().expect("the allowed connection did not arrive");
    }
}

in_both_modes! {
    fn unsupported_families_are_refused_when_configured(mode) {
        require_ptrace!();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        case.magic("core/sandbox/network:deny").magic("core/whitelist/unsupported_socket_families:false");
        let out = case.run("hostile", ["families"]);
        for step in ["netlink-bind", "netlink-sendto", "packet-bind", "vsock-bind", "vsock-connect", "alg-bind"] {
            let socket = format!("{}-socket", step.split('-').next().unwrap());
            if hostile_result(&out, &socket) != Some("ok") {
                continue;
            }
            assert_eq!(hostile_result(&out, step), Some("EAFNOSUPPORT"), "{step}\n{}", out.details());
        }
        assert_eq!(out.code(), Some(0), "a step of another family succeeded\n{}", out.details());
    }
}

in_both_modes! {
    fn bound_port_is_connectable_only_on_that_port(mode) {
        require_ptrace!();
        // Own case: the automatic connect entry of a successful bind is
        // exactly the bound address, not its host or its neighbours.
        let (listener, port) = tcp_listener();
        let mut fx = net_fixture(mode);
        let case = &mut fx.case;
        network_deny(case).magic("whitelist/network/bind+LOOPBACK@0");
        let out = case.run("netc", ["bind", "inet", "127.0.0.1", "0", "--type", "stream", "--then-connect", "127.0.0.1", &port.to_string()]);
        out.expect_errno(libc::ECONNREFUSED);
        assert_no_connection(&listener);
    }
}

#[test]
fn isolate_hides_host_abstract_sockets() {
    // --isolate only: with loopback-only rules it gets a private network
    // namespace, and abstract unix sockets belong to a network namespace.
    let name = format!("sydtest-iso{}", std::process::id());
    let listener = abstract_listener(name.as_bytes());
    let mut fx = Fixture::new(Mode::Isolate);
    let case = fx.base();
    case.run("hostile", ["abstract-connect", &name, "-"]).expect_errno(libc::ECONNREFUSED);
    assert!(listener.accept().is_err_and(|e| e.kind() == ErrorKind::WouldBlock));
}

/// A failed bind on a socket bound already must not whitelist the
/// address the socket had: here an outside listener, inherited as fd 3,
/// and a bind that fails with EINVAL. With ptrace the exit stop reports
/// the failure; without it, only a socket unbound at the check may be read
/// later.
#[test]
fn inherited_socket_bind_failure_whitelists_nothing() {
    require_ptrace!();
    use std::os::fd::AsRawFd as _;
    use std::os::unix::process::CommandExt as _;
    let (listener, port) = tcp_listener();
    let script = format!(
        "import socket, sys\n\
         s = socket.socket(fileno=3)\n\
         try:\n    s.bind(('127.0.0.1', 0))\nexcept OSError as e:\n    print('bind', e.errno)\n\
         c = socket.socket()\n\
         try:\n    c.connect(('127.0.0.1', {port}))\nexcept OSError as e:\n    sys.exit(e.errno)\n"
    );
    for following in [&[][..], common::NO_PTRACE] {
        let case = Case::with_magic(following);
        let mut line = case.sydbox_command_line();
        line.extend(["-m", "core/sandbox/network:deny", "-m", "whitelist/network/bind+LOOPBACK@0", "--", "/usr/bin/python3", "-c"].map(Into::into));
        line.push(script.clone().into());
        let fd = listener.as_raw_fd();
        let mut command = std::process::Command::new(&line[0]);
        command.args(&line[1..]).current_dir(case.dir());
        // SAFETY: dup2(2) and fcntl(2) between fork and exec are
        // async-signal-safe. The copy at 3 has no FD_CLOEXEC, so only this
        // child inherits it; dup2 onto itself keeps the flag, so it is
        // cleared by hand.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(fd, 3) == 3 && libc::fcntl(3, libc::F_SETFD, 0) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let out = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(&format!("bind {}", libc::EINVAL)), "{following:?}: the bind did not fail as expected: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(libc::ECONNREFUSED), "{following:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_no_connection(&listener);
    }
}

/// A unix bind that fails at one path must not whitelist that path when
/// the same relative name is bound later elsewhere: the socket's name is
/// the relative path in both cases. Such profiles keep ptrace, whose exit
/// stop reports the failure, even with the magic lock on.
#[test]
fn relative_unix_bind_failure_whitelists_nothing() {
    require_ptrace!();
    for following in [&[][..], common::NO_PTRACE] {
        let mut case = Case::with_magic(following);
        let home = case.home_resolved();
        let out_dir = home.join("out");
        let mine = home.join("mine");
        std::fs::create_dir_all(&out_dir).unwrap();
        std::fs::create_dir_all(&mine).unwrap();
        let server = out_dir.join("srv.sock");
        let listener = UnixListener::bind(&server).unwrap();
        listener.set_nonblocking(true).unwrap();
        let script = format!(
            "import os, socket, sys\n\
             s = socket.socket(socket.AF_UNIX)\n\
             os.chdir({o:?})\n\
             try:\n    s.bind('srv.sock')\nexcept OSError as e:\n    print('bind', e.errno)\n\
             os.chdir({m:?})\n\
             s.bind('srv.sock')\n\
             c = socket.socket(socket.AF_UNIX)\n\
             try:\n    c.connect({srv:?})\nexcept OSError as e:\n    sys.exit(e.errno)\n",
            o = out_dir.display().to_string(),
            m = mine.display().to_string(),
            srv = server.display().to_string()
        );
        case.magic("core/sandbox/network:deny")
            .magic(format!("whitelist/network/bind+unix:{}/***", home.display()))
            .must_violate();
        let out = case.run_program("/usr/bin/python3", ["-c", &script]);
        out.expect_stdout(&format!("bind {}\n", libc::EADDRINUSE)).expect_errno(libc::ECONNREFUSED);
        assert!(listener.accept().is_err(), "{following:?}: the outside server saw a connection");
    }
}

/// A socket bound to an IPv4-mapped IPv6 address takes IPv4 connects to
/// the plain address too, so successful_bind must allow both forms.
#[test]
fn mapped_bind_is_connectable_by_ipv4() {
    require_ptrace!();
    let script = "import socket\n\
                  s = socket.socket(socket.AF_INET6)\n\
                  s.bind(('::ffff:127.0.0.1', 0))\n\
                  s.listen()\n\
                  port = s.getsockname()[1]\n\
                  socket.create_connection(('127.0.0.1', port)).close()\n\
                  socket.create_connection(('::ffff:127.0.0.1', port)).close()\n\
                  print('ok')\n";
    for following in [&[][..], common::NO_PTRACE] {
        let mut case = Case::with_magic(following);
        case.magic("core/sandbox/network:deny").magic("whitelist/network/bind+LOOPBACK@0");
        case.run_program("/usr/bin/python3", ["-c", script]).expect_stdout("ok\n").expect_success();
    }
}
