/*
 * netc: open one socket, make one raw network system call and exit with its
 * errno (0 on success).
 *
 * Usage: netc bind|connect|sendto|sendmsg|sendmmsg FAMILY ADDR [PORT]
 *             [--type stream|dgram] [--getsockname] [--dup]
 *             [--then-connect ADDR PORT]
 *
 * FAMILY and ADDR:
 *   inet ADDR [PORT]       IPv4; ADDR must be in 127.0.0.0/8
 *   inet6 ADDR [PORT]      IPv6; ADDR must be ::1 or in ::ffff:127.0.0.0/104
 *   unix PATH              filesystem socket
 *   unix-abstract NAME     abstract socket (leading NUL byte added)
 *   netlink PORTID         AF_NETLINK, NETLINK_ROUTE, SOCK_RAW (a family
 *                          outside inet and unix); --type is ignored
 * PORT defaults to 0. Any address outside loopback is rejected with status
 * 255 before a socket is opened, so a broken sandbox never reaches a network.
 *
 * Options:
 *   --type stream|dgram   socket type; default stream for bind and connect,
 *                         dgram for the send calls
 *   --getsockname         after bind, print the bound port (inet, inet6),
 *                         path ("@NAME" when abstract) or netlink port id
 *   --dup                 after bind, dup(2) the socket, close the original
 *                         and use the copy for the later steps
 *   --then-connect ADDR PORT
 *                         after bind, connect a second socket of the same
 *                         family and type to ADDR PORT; PORT "bound" means
 *                         the port of the first socket, learnt through
 *                         getsockname(2). A bound stream socket listens
 *                         first, so the connect can succeed.
 *
 * The send calls send one byte with MSG_NOSIGNAL. The exit status is the
 * errno of the first failing step (socket, bind, connect or send, dup,
 * getsockname, listen, then the second socket and its connect), or 0. A
 * message on stderr names the failing step. Status 255 means a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define EXIT_USAGE 255

static const char usage_text[] =
    "Usage: netc bind|connect|sendto|sendmsg|sendmmsg FAMILY ADDR [PORT]\n"
    "            [--type stream|dgram] [--getsockname] [--dup]\n"
    "            [--then-connect ADDR PORT]\n"
    "Families: inet (127.0.0.0/8), inet6 (::1, ::ffff:127.0.0.0/104),\n"
    "unix PATH, unix-abstract NAME, netlink PORTID.\n"
    "Exit status: the errno of the first failing step, 0 on success,\n"
    "255 on a usage error or a non-loopback address.\n";

struct address {
	struct sockaddr_storage storage;
	socklen_t length;
};

static void usage_error(const char *message, const char *arg)
{
	fprintf(stderr, "netc: %s%s\n%s", message, arg, usage_text);
	exit(EXIT_USAGE);
}

static void reject_address(const char *text)
{
	fprintf(stderr, "netc: rejected non-loopback address %s; netc only uses loopback\n",
		text);
	exit(EXIT_USAGE);
}

static int fail(const char *step)
{
	int error = errno;

	fprintf(stderr, "netc: %s: %s\n", step, strerror(error));
	return error;
}

static int family_number(const char *family)
{
	if (strcmp(family, "inet") == 0)
		return AF_INET;
	if (strcmp(family, "inet6") == 0)
		return AF_INET6;
	if (strcmp(family, "unix") == 0 || strcmp(family, "unix-abstract") == 0)
		return AF_UNIX;
	if (strcmp(family, "netlink") == 0)
		return AF_NETLINK;
	usage_error("unknown family ", family);
	return -1;
}

static unsigned int parse_port(const char *text)
{
	char *end;
	unsigned long port = strtoul(text, &end, 10);

	if (*text == '\0' || *end != '\0' || port > 65535)
		usage_error("invalid port ", text);
	return (unsigned int)port;
}

static int is_loopback6(const struct in6_addr *addr)
{
	static const unsigned char mapped_prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (IN6_IS_ADDR_LOOPBACK(addr))
		return 1;
	return memcmp(addr->s6_addr, mapped_prefix, 12) == 0 &&
	       addr->s6_addr[12] == 127;
}

/* Fill out from FAMILY ADDR PORT; exits 255 on bad input or a non-loopback address. */
static void parse_address(struct address *out, const char *family,
			  const char *text, unsigned int port)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(family, "inet") == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&out->storage;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (inet_pton(AF_INET, text, &in->sin_addr) != 1)
			usage_error("invalid IPv4 address ", text);
		if ((ntohl(in->sin_addr.s_addr) >> 24) != 127)
			reject_address(text);
		out->length = sizeof(*in);
	} else if (strcmp(family, "inet6") == 0) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->storage;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, text, &in6->sin6_addr) != 1)
			usage_error("invalid IPv6 address ", text);
		if (!is_loopback6(&in6->sin6_addr))
			reject_address(text);
		out->length = sizeof(*in6);
	} else if (strcmp(family, "unix") == 0 || strcmp(family, "unix-abstract") == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&out->storage;
		int abstract = strcmp(family, "unix-abstract") == 0;
		size_t length = strlen(text);

		if (length + abstract >= sizeof(un->sun_path))
			usage_error("socket path too long: ", text);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path + abstract, text, length);
		out->length = offsetof(struct sockaddr_un, sun_path) + abstract + length;
		if (!abstract)
			out->length += 1;
	} else {
		struct sockaddr_nl *nl = (struct sockaddr_nl *)&out->storage;
		char *end;

		nl->nl_family = AF_NETLINK;
		nl->nl_pid = (unsigned int)strtoul(text, &end, 10);
		if (*text == '\0' || *end != '\0')
			usage_error("invalid netlink port id ", text);
		out->length = sizeof(*nl);
	}
}

static long open_socket(int family, int type)
{
	if (family == AF_NETLINK)
		return syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			       NETLINK_ROUTE);
	return syscall(SYS_socket, family, type | SOCK_CLOEXEC, 0);
}

static void print_bound_name(const struct address *bound)
{
	const struct sockaddr_storage *storage = &bound->storage;
	const struct sockaddr_un *un = (const struct sockaddr_un *)storage;
	size_t path_length;

	switch (storage->ss_family) {
	case AF_INET:
		printf("%u\n", ntohs(((const struct sockaddr_in *)storage)->sin_port));
		break;
	case AF_INET6:
		printf("%u\n", ntohs(((const struct sockaddr_in6 *)storage)->sin6_port));
		break;
	case AF_NETLINK:
		printf("%u\n", ((const struct sockaddr_nl *)storage)->nl_pid);
		break;
	case AF_UNIX:
		path_length = bound->length - offsetof(struct sockaddr_un, sun_path);
		if (path_length > 0 && un->sun_path[0] == '\0')
			printf("@%.*s\n", (int)path_length - 1, un->sun_path + 1);
		else
			printf("%s\n", un->sun_path);
		break;
	}
}

static unsigned int bound_port(const struct address *bound)
{
	if (bound->storage.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&bound->storage)->sin_port);
	if (bound->storage.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&bound->storage)->sin6_port);
	return 0;
}

/* Send one byte to target with the send call named by operation. */
static long send_one_byte(const char *operation, long fd, struct address *target)
{
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr message = {
		.msg_name = &target->storage,
		.msg_namelen = target->length,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct mmsghdr messages[1] = { { .msg_hdr = message } };
	long result;

	if (strcmp(operation, "sendto") == 0)
		return syscall(SYS_sendto, fd, &byte, 1, MSG_NOSIGNAL,
			       &target->storage, target->length);
	if (strcmp(operation, "sendmsg") == 0)
		return syscall(SYS_sendmsg, fd, &message, MSG_NOSIGNAL);
	result = syscall(SYS_sendmmsg, fd, messages, 1, MSG_NOSIGNAL);
	if (result == 0) {
		/* sendmmsg(2) reports 0 messages sent without setting errno. */
		errno = EAGAIN;
		return -1;
	}
	return result;
}

int main(int argc, char **argv)
{
	const char *positional[4];
	int positional_count = 0;
	const char *type_name = NULL;
	const char *then_address = NULL, *then_port = NULL;
	int want_sockname = 0, want_dup = 0;
	int family, type, is_bind;
	struct address target, bound;
	long fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(argv[i], "--getsockname") == 0) {
			want_sockname = 1;
		} else if (strcmp(argv[i], "--dup") == 0) {
			want_dup = 1;
		} else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
			type_name = argv[++i];
		} else if (strcmp(argv[i], "--then-connect") == 0 && i + 2 < argc) {
			then_address = argv[++i];
			then_port = argv[++i];
		} else if (strncmp(argv[i], "--", 2) == 0) {
			usage_error("unknown option or missing value: ", argv[i]);
		} else if (positional_count < 4) {
			positional[positional_count++] = argv[i];
		} else {
			usage_error("too many arguments at ", argv[i]);
		}
	}
	if (positional_count < 3)
		usage_error("missing arguments", "");

	const char *operation = positional[0];
	const char *family_name = positional[1];

	is_bind = strcmp(operation, "bind") == 0;
	if (!is_bind && strcmp(operation, "connect") != 0 &&
	    strcmp(operation, "sendto") != 0 && strcmp(operation, "sendmsg") != 0 &&
	    strcmp(operation, "sendmmsg") != 0)
		usage_error("unknown operation ", operation);
	if (!is_bind && (want_sockname || want_dup || then_address))
		usage_error("--getsockname, --dup and --then-connect need bind", "");
	family = family_number(family_name);
	if (!type_name)
		type = (is_bind || strcmp(operation, "connect") == 0) ? SOCK_STREAM : SOCK_DGRAM;
	else if (strcmp(type_name, "stream") == 0)
		type = SOCK_STREAM;
	else if (strcmp(type_name, "dgram") == 0)
		type = SOCK_DGRAM;
	else
		usage_error("unknown socket type ", type_name);
	parse_address(&target, family_name, positional[2],
		      positional_count > 3 ? parse_port(positional[3]) : 0);

	fd = open_socket(family, type);
	if (fd < 0)
		return fail("socket");

	if (strcmp(operation, "connect") == 0) {
		if (syscall(SYS_connect, fd, &target.storage, target.length) < 0)
			return fail("connect");
		return 0;
	}
	if (!is_bind) {
		if (send_one_byte(operation, fd, &target) < 0)
			return fail(operation);
		return 0;
	}

	if (syscall(SYS_bind, fd, &target.storage, target.length) < 0)
		return fail("bind");
	if (want_dup) {
		long copy = syscall(SYS_dup, fd);

		if (copy < 0)
			return fail("dup");
		syscall(SYS_close, fd);
		fd = copy;
	}

	/* Only call getsockname(2) when asked, since a sandbox may track it. */
	if (want_sockname || (then_port && strcmp(then_port, "bound") == 0)) {
		bound.length = sizeof(bound.storage);
		if (syscall(SYS_getsockname, fd, &bound.storage, &bound.length) < 0)
			return fail("getsockname");
	}
	if (want_sockname) {
		print_bound_name(&bound);
		fflush(stdout);
	}
	if (!then_address)
		return 0;

	/* --then-connect: a second socket connects to the address just bound or to ADDR PORT. */
	struct address peer;
	unsigned int port = strcmp(then_port, "bound") == 0 ? bound_port(&bound)
							   : parse_port(then_port);
	long second;

	parse_address(&peer, family_name, then_address, port);
	if (type == SOCK_STREAM && family != AF_NETLINK &&
	    syscall(SYS_listen, fd, 1) < 0)
		return fail("listen");
	second = open_socket(family, type);
	if (second < 0)
		return fail("socket");
	if (syscall(SYS_connect, second, &peer.storage, peer.length) < 0)
		return fail("connect");
	return 0;
}
