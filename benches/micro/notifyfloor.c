/* The floor of the user-notification design for stat-family calls. It
 * follows every process with ptrace as mintracer.c does. Its seccomp filter
 * sends each path stat (stat, lstat, and newfstatat and statx without
 * AT_EMPTY_PATH) to the supervisor as a user notification. The supervisor
 * reads the path with one process_vm_readv and lets the call continue,
 * with no policy work. sydbox @paludis with the magic lock off does at
 * least this much for each such call.
 *
 *   notifyfloor [-p] COMMAND [ARG...]
 *
 * By default a second thread blocks in SECCOMP_IOCTL_NOTIF_RECV while the
 * main thread waits for ptrace stops. With -p one thread polls a SIGCHLD
 * signalfd and the listener, as sydbox's supervisor does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "follow.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

static int listener = -1;
static pid_t command;
static int first_status = 1;

/* Receives one notification, reads its path and lets the call go on. */
static int answer(void)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	char path[256];

	memset(&req, 0, sizeof req);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
		/* ENOENT at once when no process has the filter any more. */
		struct pollfd gone = { listener, POLLIN, 0 };
		if (poll(&gone, 1, 0) == 1 && (gone.revents & (POLLHUP | POLLERR)))
			return -1;
		return 0;
	}
	/* stat and lstat name the path in argument 0, the *at calls in 1. */
	unsigned long addr = req.data.nr == __NR_stat || req.data.nr == __NR_lstat ? req.data.args[0] : req.data.args[1];
	struct iovec local = { path, sizeof path }, remote = { (void *)addr, sizeof path };
	process_vm_readv(req.pid, &local, 1, &remote, 1, 0);
	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	return 0;
}

static void *answer_forever(void *unused)
{
	while (answer() == 0)
		;
	return unused;
}

/* In the child: installs the filter and returns its listener, or -1.
 * Calls of other architectures, such as int 0x80, are let through where
 * sydbox kills them; the benchmark workloads make none. */
static int install_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_stat, 7, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_lstat, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_newfstatat, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_statx, 2, 5),
		/* newfstatat: flags in argument 3 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 3, 2),
		/* statx: flags in argument 2 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof code / sizeof code[0], code };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd;
}

int main(int argc, char **argv)
{
	long options = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		       PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	int poll_mode = argc > 1 && strcmp(argv[1], "-p") == 0;
	int ready[2], go[2], pidfd, status, child_listener = -1;
	char byte = 0;
	sigset_t sigchld;

	if (argc < 2 + poll_mode) {
		fprintf(stderr, "usage: notifyfloor [-p] COMMAND [ARG...]\n");
		return 2;
	}
	argv += 1 + poll_mode;
	sigemptyset(&sigchld);
	sigaddset(&sigchld, SIGCHLD);
	if (poll_mode)
		sigprocmask(SIG_BLOCK, &sigchld, NULL);
	if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) {
		perror("notifyfloor: pipe");
		return 1;
	}
	command = fork();
	if (command < 0) {
		perror("notifyfloor: fork");
		return 1;
	}
	if (command == 0) {
		int fd;

		raise(SIGSTOP);
		fd = install_filter();
		if (fd < 0) {
			perror("notifyfloor: seccomp");
			_exit(126);
		}
		/* Wait until the supervisor has its own copy of the listener. */
		if (write(ready[1], &fd, sizeof fd) != sizeof fd || read(go[0], &byte, 1) != 1)
			_exit(126);
		close(fd);
		sigprocmask(SIG_UNBLOCK, &sigchld, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(command, NULL, WSTOPPED) < 0 || ptrace(PTRACE_SEIZE, command, 0, options) != 0) {
		perror("notifyfloor: seize");
		kill(command, SIGKILL);
		return 1;
	}
	kill(command, SIGCONT);
	/* Resume the child's stops until it has installed the filter. */
	fcntl(ready[0], F_SETFL, O_NONBLOCK);
	while (read(ready[0], &child_listener, sizeof child_listener) != sizeof child_listener) {
		pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid > 0)
			follow_stop(pid, status, command, &first_status);
		else if (pid < 0) {
			fprintf(stderr, "notifyfloor: the child ended before its filter was in place\n");
			return first_status;
		} else
			usleep(100);
	}
	pidfd = syscall(SYS_pidfd_open, command, 0);
	listener = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, child_listener, 0);
	if (listener < 0) {
		perror("notifyfloor: pidfd_getfd");
		return 1;
	}
	/* sydbox sets the same synchronous wake-up flag. */
	unsigned long long flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) != 0)
		perror("notifyfloor: warning: no synchronous wake-up (Linux 6.6 or later)");
	if (write(go[1], &byte, 1) != 1) {
		perror("notifyfloor: write");
		return 1;
	}
	if (!poll_mode) {
		pthread_t thread;
		if (pthread_create(&thread, NULL, answer_forever, NULL) != 0) {
			fprintf(stderr, "notifyfloor: pthread_create failed\n");
			return 1;
		}
		for (;;) {
			pid_t pid = waitpid(-1, &status, __WALL);
			if (pid < 0)
				break;
			follow_stop(pid, status, command, &first_status);
		}
		return first_status;
	}
	int sfd = signalfd(-1, &sigchld, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		perror("notifyfloor: signalfd");
		return 1;
	}
	/* The same loop as sydbox's: wait only when SIGCHLD came or the poll
	 * timed out, and stop watching the listener once it hangs up. */
	struct pollfd fds[2] = { { sfd, POLLIN, 0 }, { listener, POLLIN, 0 } };
	for (;;) {
		struct signalfd_siginfo info;
		pid_t pid;
		int ready = poll(fds, 2, 100);

		if (ready < 0 && errno != EINTR)
			break;
		if (fds[1].revents & POLLIN)
			answer();
		else if (fds[1].revents & (POLLHUP | POLLERR))
			fds[1].fd = -1;
		if (ready != 0 && !(fds[0].revents & POLLIN))
			continue;
		if (read(sfd, &info, sizeof info) < 0 && errno != EAGAIN)
			break;
		while ((pid = waitpid(-1, &status, __WALL | WNOHANG)) > 0)
			follow_stop(pid, status, command, &first_status);
		if (pid < 0)
			break;
	}
	return first_status;
}
