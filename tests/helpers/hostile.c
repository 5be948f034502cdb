/*
 * hostile: attempts that a sandboxed program could make to get around
 * sydbox, one per subcommand, each through raw system calls.
 *
 * Usage: hostile SUBCOMMAND [ARGS...]
 *
 * Exit status: 0 when the attempt's key step succeeded, its errno when it
 * failed, 255 for a usage error or a failed setup step. Subcommands that
 * make several attempts print one "NAME=RESULT" line each (RESULT is "ok"
 * or the errno name) and exit 0 when every attempt failed, 1 when at least
 * one succeeded. Subcommands that read a file print its content.
 *
 *   read PATH               openat(AT_FDCWD, PATH) and print the file
 *   readat FD PATH          openat(FD, PATH) and print the file
 *   fchdir-read FD PATH     fchdir(FD), then open PATH and print it
 *   inroot FD PATH          openat2(FD, PATH, RESOLVE_IN_ROOT), print it
 *   magic-creat VIA MAGIC FILE  stat MAGIC through VIA (stat, lstat,
 *                           newfstatat or statx), then create FILE; prints
 *                           both results, so a runtime magic command and a
 *                           write are made by the same process
 *   chroot-escape DIR FILE  keep an fd of /, chroot(DIR), fchdir to the
 *                           fd, chroot("."), then create FILE; prints each
 *                           step (needs CAP_SYS_CHROOT)
 *   stress PROCS THREADS N ALLOWED DENIED DIR  PROCS processes, and one more
 *                           process with THREADS threads, each N times
 *                           open ALLOWED (must succeed), open DENIED (must
 *                           fail with EPERM) and create a file in DIR
 *                           (must succeed); all start at once. Prints
 *                           "wrong=K" with K the processes in which a call
 *                           had another result, and exits 0 when K is 0
 *   badptr                  open, creat and mkdir with an unmapped path
 *                           pointer; prints each result (expects EFAULT)
 *   memfd-exec SRC ARG...   copy SRC into a memfd, execveat(AT_EMPTY_PATH)
 *   memfd-procexec SRC ARG...  the same, exec through /proc/self/fd/N
 *   opath-exec PATH ARG...  execveat(AT_EMPTY_PATH) on an O_PATH fd
 *   thread-exec PATH ARG... execve from a thread that is not the leader
 *   clone-thread-magic KIND MAGIC FILE  a thread made by raw clone(2)
 *                           with CLONE_THREAD stats MAGIC; once it has
 *                           exited, the leader creates FILE. KIND is the
 *                           exit signal and vfork flag: "sigchld" (a fork
 *                           event to a tracer), "vfork" (CLONE_VFORK: a
 *                           vfork event) or "none" (a clone event). Prints
 *                           "magic=" and "creat=" results; exits 0 when
 *                           FILE was created
 *   leader-exit FILE        the leader ends with exit(2) (the thread alone)
 *                           while a second thread, 200 ms later, creates
 *                           FILE and ends the process with its errno
 *   leader-exit-loop FILE   the leader ends with exit(2) (the thread alone)
 *                           while a second thread appends a line to FILE
 *                           every 100 ms, for ever
 *   signal-parent           kill, tkill, tgkill, rt_sigqueueinfo and
 *                           pidfd_open aimed at the parent process (sydbox,
 *                           when run under it); the target is never taken
 *                           from the command line, so no other process can
 *                           be hit
 *   procfd-signal-parent    SIGKILL the parent by pidfd_send_signal(2) on
 *                           an fd of its /proc/PID directory
 *   prlimit-parent          prlimit64(2) on the parent (RLIMIT_CORE to 0)
 *   surface                 io_uring, the new mount API, namespaces,
 *                           open_by_handle_at and other refused calls
 *   untraced PATH           clone(CLONE_UNTRACED); the child creates PATH
 *   uring PATH              io_uring_setup; on success, read PATH by ring
 *   x32 PATH                openat through the x32 bit, print the file
 *   i386                    getpid through int 0x80
 *   tty                     TIOCSTI (also with bit 32 set) and TIOCLINUX
 *                           on fd 0
 *   daemon SECS SECRET COPY MARK  setsid and double fork; the grandchild
 *                           sleeps SECS, copies SECRET to COPY and creates
 *                           MARK; the caller exits 0 at once
 *   flip-open ALLOWED DENIED N  one thread flips a path buffer between
 *                           ALLOWED and DENIED while the main thread opens
 *                           it N times; prints "read-denied=K" with K the
 *                           number of opens that read DENIED's content
 *   flip-exec ALLOWED DENIED N ARG  N children each execve the flipping
 *                           buffer with argument ARG
 *   sendmmsg PORT1 PORT2    one sendmmsg(2) with two UDP datagrams to
 *                           127.0.0.1:PORT1 and 127.0.0.1:PORT2; exits
 *                           with the errno, and prints "sent=K"
 *   abstract-connect NAME1 NAME2  connect a stream socket to the abstract
 *                           name NAME1 NUL NAME2 at its full length
 *   families                bind/sendto on AF_NETLINK, AF_PACKET,
 *                           AF_VSOCK and AF_ALG sockets
 *   deep DIR N              chdir into DIR, then N times into a directory
 *                           named with 200 'd's; create "planted" there
 *                           and read "../planted"
 *
 * Network subcommands only address 127.0.0.1 and abstract names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 255
#define X32_SYSCALL_BIT 0x40000000L

static int usage(void)
{
	fputs("Usage: hostile SUBCOMMAND [ARGS...]; see the comment at the top of hostile.c\n", stderr);
	return EXIT_USAGE;
}

/* Prints "NAME=ok" or "NAME=ERRNO", and returns 1 when the call succeeded. */
static int note(const char *name, long result)
{
	if (result >= 0) {
		printf("%s=ok\n", name);
		fflush(stdout);
		return 1;
	}
	printf("%s=%s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	fflush(stdout);
	return 0;
}

/* Copies an open file to stdout; returns 0 or the errno. */
static int print_fd(long fd)
{
	char buf[4096];
	long got;

	if (fd < 0)
		return errno;
	while ((got = syscall(SYS_read, fd, buf, sizeof(buf))) > 0)
		if (syscall(SYS_write, 1, buf, got) != got)
			return EIO;
	if (got < 0)
		return errno;
	syscall(SYS_close, fd);
	return 0;
}

static int do_read(int dirfd, const char *path)
{
	return print_fd(syscall(SYS_openat, dirfd, path, O_RDONLY | O_CLOEXEC));
}

static int do_inroot(int dirfd, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

	return print_fd(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

static int do_magic_creat(const char *via, const char *magic, const char *file)
{
	struct stat st;
	char statx_buf[256];
	long result;

	if (strcmp(via, "stat") == 0)
		result = syscall(SYS_stat, magic, &st);
	else if (strcmp(via, "lstat") == 0)
		result = syscall(SYS_lstat, magic, &st);
	else if (strcmp(via, "newfstatat") == 0)
		result = syscall(SYS_newfstatat, AT_FDCWD, magic, &st, 0);
	else if (strcmp(via, "statx") == 0)
		result = syscall(SYS_statx, AT_FDCWD, magic, 0, 0x7ff, statx_buf);
	else
		return usage();
	note("magic", result);
	return note("creat", syscall(SYS_openat, AT_FDCWD, file, O_WRONLY | O_CREAT, 0644));
}

static int do_chroot_escape(const char *dir, const char *file)
{
	long root = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY);

	if (root < 0)
		return EXIT_USAGE;
	note("chroot", syscall(SYS_chroot, dir));
	note("fchdir", syscall(SYS_fchdir, root));
	note("chroot-dot", syscall(SYS_chroot, "."));
	return note("creat", syscall(SYS_openat, AT_FDCWD, file, O_WRONLY | O_CREAT, 0644));
}

struct stress_job {
	long n;
	const char *allowed, *denied, *dir;
	long id;
};

/* Runs one stress worker and returns how many calls had a wrong result. */
static long stress_work(const struct stress_job *job)
{
	char path[4096];
	long i, fd, wrong = 0;

	for (i = 0; i < job->n; i++) {
		fd = syscall(SYS_openat, AT_FDCWD, job->allowed, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			wrong++;
		else
			syscall(SYS_close, fd);
		fd = syscall(SYS_openat, AT_FDCWD, job->denied, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != EPERM) {
			wrong++;
			if (fd >= 0)
				syscall(SYS_close, fd);
		}
		snprintf(path, sizeof(path), "%s/w%ld-%ld", job->dir, job->id, i % 4);
		fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			wrong++;
		else
			syscall(SYS_close, fd);
	}
	return wrong;
}

static int start_pipe[2];

static void wait_for_start(void)
{
	char byte;

	syscall(SYS_read, start_pipe[0], &byte, 1);
}

static void *stress_thread(void *arg)
{
	struct stress_job *job = arg;

	wait_for_start();
	job->n = stress_work(job);
	return NULL;
}

static int do_stress(long procs, long threads, long n, const char *allowed, const char *denied, const char *dir)
{
	struct stress_job jobs[256];
	pthread_t ids[256];
	long i, wrong = 0, child;
	int status;

	if (threads > 256 || syscall(SYS_pipe2, start_pipe, O_CLOEXEC) < 0)
		return EXIT_USAGE;
	for (i = 0; i <= procs; i++) {
		child = syscall(SYS_fork);
		if (child < 0)
			return errno;
		if (child > 0)
			continue;
		syscall(SYS_close, start_pipe[1]);
		if (i < procs) {
			struct stress_job job = { n, allowed, denied, dir, i };

			wait_for_start();
			_exit(stress_work(&job) > 0);
		}
		for (long t = 0; t < threads; t++) {
			jobs[t] = (struct stress_job){ n, allowed, denied, dir, 1000 + t };
			if (pthread_create(&ids[t], NULL, stress_thread, &jobs[t]) != 0)
				_exit(2);
		}
		for (long t = 0; t < threads; t++) {
			pthread_join(ids[t], NULL);
			wrong += jobs[t].n;
		}
		_exit(wrong > 0);
	}
	/* Closing the write end starts every worker at once. */
	syscall(SYS_close, start_pipe[1]);
	while (waitpid(-1, &status, 0) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			wrong++;
	printf("wrong=%ld\n", wrong);
	return wrong > 0;
}

static int do_badptr(void)
{
	/* Address 1 is never mapped, so the supervisor cannot read the path. */
	const char *bad = (const char *)1;
	int succeeded = 0;

	succeeded |= note("open", syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY));
	succeeded |= note("creat", syscall(SYS_openat, AT_FDCWD, bad, O_WRONLY | O_CREAT, 0644));
	succeeded |= note("mkdir", syscall(SYS_mkdirat, AT_FDCWD, bad, 0755));
	return succeeded;
}

/* Copies SRC into a new memfd and returns the memfd, or -1. */
static int memfd_copy(const char *src)
{
	char buf[65536];
	long in, out, got;

	in = syscall(SYS_openat, AT_FDCWD, src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = syscall(SYS_memfd_create, "copy", 0);
	if (out < 0)
		return -1;
	while ((got = syscall(SYS_read, in, buf, sizeof(buf))) > 0)
		if (syscall(SYS_write, out, buf, got) != got)
			return -1;
	syscall(SYS_close, in);
	return (int)out;
}

static int do_memfd_exec(char **argv, int through_proc)
{
	char path[64];
	int fd = memfd_copy(argv[0]);

	if (fd < 0) {
		perror("hostile: memfd copy");
		return EXIT_USAGE;
	}
	if (through_proc) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		syscall(SYS_execve, path, argv, environ);
	} else {
		syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	}
	return errno;
}

static int do_opath_exec(char **argv)
{
	long fd = syscall(SYS_openat, AT_FDCWD, argv[0], O_PATH | O_CLOEXEC);

	if (fd < 0)
		return errno;
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return errno;
}

static char **thread_argv;

static void *exec_thread(void *unused)
{
	(void)unused;
	syscall(SYS_execve, thread_argv[0], thread_argv, environ);
	_exit(errno);
}

static int do_thread_exec(char **argv)
{
	pthread_t thread;

	thread_argv = argv;
	if (pthread_create(&thread, NULL, exec_thread, NULL) != 0)
		return EXIT_USAGE;
	/* The exec replaces this thread too; pause until it does. */
	for (;;)
		pause();
}

static const char *clone_magic_path;
static atomic_long clone_magic_result;
static atomic_int clone_magic_done;

/* The new thread's body: one raw stat(2), and back to glibc's clone(),
 * which ends the thread alone with exit(2). */
static int clone_magic_thread(void *unused)
{
	struct stat st;
	long res;

	(void)unused;
	res = syscall(SYS_stat, clone_magic_path, &st);
	atomic_store(&clone_magic_result, res < 0 ? -errno : res);
	atomic_store(&clone_magic_done, 1);
	return 0;
}

static int do_clone_thread_magic(const char *kind, const char *magic, const char *file)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	struct timespec pause_for = { 0, 1000000 };
	long magic_result;

	if (strcmp(kind, "sigchld") == 0)
		flags |= SIGCHLD;
	else if (strcmp(kind, "vfork") == 0)
		flags |= CLONE_VFORK;
	else if (strcmp(kind, "none") != 0)
		return usage();
	clone_magic_path = magic;
	if (clone(clone_magic_thread, stack + sizeof(stack), flags, NULL) < 0)
		return note("clone", -1), EXIT_USAGE;
	while (!atomic_load(&clone_magic_done))
		nanosleep(&pause_for, NULL);
	/* The thread may still be between its store and its exit. */
	nanosleep(&pause_for, NULL);
	magic_result = atomic_load(&clone_magic_result);
	errno = (int)-magic_result;
	note("magic", magic_result);
	if (!note("creat", syscall(SYS_openat, AT_FDCWD, file, O_WRONLY | O_CREAT | O_TRUNC, 0644)))
		return errno;
	return 0;
}

static const char *leader_exit_file;

static void *leader_exit_thread(void *unused)
{
	struct timespec wait_for_leader = { 0, 200000000 };
	long fd;

	(void)unused;
	nanosleep(&wait_for_leader, NULL);
	fd = syscall(SYS_openat, AT_FDCWD, leader_exit_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	syscall(SYS_exit_group, fd < 0 ? errno : 0);
	return NULL;
}

static int do_leader_exit(const char *file)
{
	pthread_t thread;

	leader_exit_file = file;
	if (pthread_create(&thread, NULL, leader_exit_thread, NULL) != 0)
		return EXIT_USAGE;
	syscall(SYS_exit, 0);
	return EXIT_USAGE;
}

static void *leader_exit_loop_thread(void *file)
{
	for (;;) {
		int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			if (write(fd, "tick\n", 5) != 5)
				perror("write");
			close(fd);
		}
		usleep(100000);
	}
	return NULL;
}

static int do_leader_exit_loop(const char *file)
{
	pthread_t thread;

	if (pthread_create(&thread, NULL, leader_exit_loop_thread, (void *)file) != 0)
		return EXIT_USAGE;
	syscall(SYS_exit, 0);
	return EXIT_USAGE;
}

static int do_signal_parent(void)
{
	int pid = getppid();
	int succeeded = 0;
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_code = SI_QUEUE;
	info.si_pid = getpid();
	info.si_uid = getuid();
	/* Signal 0 first: it only checks, so a broken sandbox loses nothing. */
	succeeded |= note("kill0", syscall(SYS_kill, pid, 0));
	succeeded |= note("kill-group0", syscall(SYS_kill, -1, 0));
	succeeded |= note("kill", syscall(SYS_kill, pid, SIGKILL));
	succeeded |= note("kill-stop", syscall(SYS_kill, pid, SIGSTOP));
	succeeded |= note("tkill", syscall(SYS_tkill, pid, SIGKILL));
	succeeded |= note("tgkill", syscall(SYS_tgkill, pid, pid, SIGKILL));
	succeeded |= note("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, pid, SIGKILL, &info));
	succeeded |= note("pidfd_open", syscall(SYS_pidfd_open, pid, 0));
	/* The caller's process group, which sydbox shares when run by the tests. */
	succeeded |= note("kill-own-group", syscall(SYS_kill, 0, SIGKILL));
	return succeeded;
}

static int do_procfd_signal_parent(void)
{
	char proc[64];
	long fd;

	snprintf(proc, sizeof(proc), "/proc/%d", getppid());
	fd = syscall(SYS_openat, AT_FDCWD, proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return EXIT_USAGE;
	return note("pidfd_send_signal-procfd", syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
}

static int do_prlimit_parent(void)
{
	/* RLIMIT_CORE is harmless to change, so a broken sandbox loses nothing. */
	struct rlimit limit = { 0, 0 };

	return note("prlimit64", syscall(SYS_prlimit64, getppid(), RLIMIT_CORE, &limit, NULL));
}

/* Returns the result of a raw clone(flags) whose child exits at once. */
static long clone_and_reap(unsigned long flags)
{
	long child = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (child == 0)
		_exit(0);
	if (child > 0)
		waitpid((pid_t)child, NULL, 0);
	return child;
}

/* The same for clone3(2), whose flags are in memory. */
static long clone3_and_reap(void *args, size_t size)
{
	long child = syscall(SYS_clone3, args, size);

	if (child == 0)
		_exit(0);
	if (child > 0)
		waitpid((pid_t)child, NULL, 0);
	return child;
}

static int do_surface(void)
{
	int succeeded = 0;
	struct io_uring_params params;
	struct {
		unsigned int handle_bytes;
		int handle_type;
		unsigned char handle[128];
	} handle;
	int mount_id;
	long fd;
	uint64_t clone3_args[11];

	memset(&params, 0, sizeof(params));
	succeeded |= note("io_uring_setup", syscall(SYS_io_uring_setup, 4, &params));
	succeeded |= note("io_uring_enter", syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0));
	succeeded |= note("io_uring_register", syscall(SYS_io_uring_register, 0, 0, NULL, 0));
	succeeded |= note("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */));
	succeeded |= note("move_mount", syscall(SYS_move_mount, AT_FDCWD, "/", AT_FDCWD, "/tmp", 0));
	succeeded |= note("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
	succeeded |= note("fspick", syscall(SYS_fspick, AT_FDCWD, "/", 0));
	succeeded |= note("fsmount", syscall(SYS_fsmount, 0, 0, 0));
	succeeded |= note("fsconfig", syscall(SYS_fsconfig, 0, 0, NULL, NULL, 0));
	succeeded |= note("mount_setattr", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0));
	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	succeeded |= note("setns", syscall(SYS_setns, fd, 0));
	succeeded |= note("unshare-user", syscall(SYS_unshare, CLONE_NEWUSER));
	succeeded |= note("unshare-mount", syscall(SYS_unshare, CLONE_NEWNS));
	succeeded |= note("clone-newuser", clone_and_reap(CLONE_NEWUSER));
	succeeded |= note("clone-newpid", clone_and_reap(CLONE_NEWPID));
	succeeded |= note("clone-newnet", clone_and_reap(CLONE_NEWNET));
	memset(clone3_args, 0, sizeof(clone3_args));
	clone3_args[4] = SIGCHLD; /* exit_signal */
	succeeded |= note("clone3", clone3_and_reap(clone3_args, sizeof(clone3_args)));
	succeeded |= note("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	memset(&handle, 0, sizeof(handle));
	handle.handle_bytes = sizeof(handle.handle);
	if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &handle, &mount_id, 0) == 0) {
		fd = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		succeeded |= note("open_by_handle_at", syscall(SYS_open_by_handle_at, fd, &handle, O_RDONLY));
	} else {
		note("name_to_handle_at", -1);
	}
	succeeded |= note("userfaultfd", syscall(SYS_userfaultfd, 0));
	succeeded |= note("bpf", syscall(SYS_bpf, 0, NULL, 0));
	succeeded |= note("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	succeeded |= note("ptrace", syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
	succeeded |= note("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	succeeded |= note("process_vm_writev", syscall(SYS_process_vm_writev, getppid(), NULL, 0, NULL, 0, 0));
	succeeded |= note("pidfd_getfd", syscall(SYS_pidfd_getfd, 0, 0, 0));
	succeeded |= note("acct", syscall(SYS_acct, NULL));
	return succeeded;
}

static int do_untraced(const char *path)
{
	long child = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	int status;

	if (child == 0) {
		long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT, 0644);

		_exit(fd < 0 ? errno : 0);
	}
	if (child < 0)
		return errno;
	waitpid((pid_t)child, &status, 0);
	printf("child-status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

static int do_uring(void)
{
	struct io_uring_params params;
	long fd;

	memset(&params, 0, sizeof(params));
	fd = syscall(SYS_io_uring_setup, 8, &params);
	/* NOTE: a ring that could be set up is reported and not used: the
	 * caller treats any success as a failed protection. */
	return fd < 0 ? errno : 0;
}

static int do_x32(const char *path)
{
	long fd = syscall(X32_SYSCALL_BIT | SYS_openat, AT_FDCWD, path, O_RDONLY);

	return print_fd(fd);
}

static int do_i386(void)
{
	long result = 20; /* getpid in the i386 table */

	__asm__ volatile("int $0x80" : "+a"(result) : : "memory");
	printf("int80=%ld\n", result);
	return 0;
}

static int do_tty(void)
{
	int succeeded = 0;
	char c = '#';
	char subcode[2] = { 3, 0 }; /* TIOCL_PASTESEL */

	succeeded |= note("TIOCSTI", syscall(SYS_ioctl, 0, TIOCSTI, &c));
	succeeded |= note("TIOCSTI-high-bits", syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c));
	succeeded |= note("TIOCLINUX-paste", syscall(SYS_ioctl, 0, TIOCLINUX, subcode));
	subcode[0] = 2; /* TIOCL_SETSEL */
	succeeded |= note("TIOCLINUX-setsel", syscall(SYS_ioctl, 0, (1UL << 40) | TIOCLINUX, subcode));
	return succeeded;
}

/* Copies SECRET to COPY; returns 0 or the errno. */
static int copy_file(const char *secret, const char *copy)
{
	char buf[4096];
	long in, out, got;

	in = syscall(SYS_openat, AT_FDCWD, secret, O_RDONLY);
	if (in < 0)
		return errno;
	out = syscall(SYS_openat, AT_FDCWD, copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return errno;
	while ((got = syscall(SYS_read, in, buf, sizeof(buf))) > 0)
		syscall(SYS_write, out, buf, got);
	return 0;
}

static int do_daemon(unsigned secs, const char *secret, const char *copy, const char *mark)
{
	long child = syscall(SYS_fork);
	long fd;

	if (child != 0)
		return child < 0 ? errno : 0;
	syscall(SYS_setsid);
	if (syscall(SYS_fork) != 0)
		_exit(0);
	fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
	syscall(SYS_dup2, fd, 0);
	syscall(SYS_dup2, fd, 1);
	syscall(SYS_dup2, fd, 2);
	sleep(secs);
	copy_file(secret, copy);
	syscall(SYS_openat, AT_FDCWD, mark, O_WRONLY | O_CREAT, 0644);
	_exit(0);
}

/* The path buffer that flip_thread rewrites. */
static char flip_path[4096];
static char flip_a[4096], flip_b[4096];
static atomic_int flip_stop;

static void *flip_thread(void *unused)
{
	(void)unused;
	while (!atomic_load_explicit(&flip_stop, memory_order_relaxed)) {
		memcpy(flip_path, flip_a, sizeof(flip_path));
		memcpy(flip_path, flip_b, sizeof(flip_path));
	}
	return NULL;
}

static int start_flip(const char *allowed, const char *denied, pthread_t *thread)
{
	snprintf(flip_a, sizeof(flip_a), "%s", allowed);
	snprintf(flip_b, sizeof(flip_b), "%s", denied);
	memcpy(flip_path, flip_a, sizeof(flip_path));
	return pthread_create(thread, NULL, flip_thread, NULL);
}

static int do_flip_open(const char *allowed, const char *denied, long n)
{
	pthread_t thread;
	long i, hits = 0, fd;
	char buf[64];

	if (start_flip(allowed, denied, &thread) != 0)
		return EXIT_USAGE;
	for (i = 0; i < n; i++) {
		fd = syscall(SYS_openat, AT_FDCWD, flip_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(buf, 0, sizeof(buf));
		if (syscall(SYS_read, fd, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "FLAG-", 5) == 0)
			hits++;
		syscall(SYS_close, fd);
	}
	atomic_store(&flip_stop, 1);
	pthread_join(thread, NULL);
	printf("read-denied=%ld\n", hits);
	return 0;
}

static int do_flip_exec(const char *allowed, const char *denied, long n, char *arg)
{
	long i, child;
	pthread_t thread;

	for (i = 0; i < n; i++) {
		child = syscall(SYS_fork);
		if (child == 0) {
			char *argv[] = { flip_path, arg, NULL };

			if (start_flip(allowed, denied, &thread) != 0)
				_exit(EXIT_USAGE);
			syscall(SYS_execve, flip_path, argv, environ);
			_exit(errno);
		}
		if (child > 0)
			waitpid((pid_t)child, NULL, 0);
	}
	return 0;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in addr;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return addr;
}

static int do_sendmmsg(int port1, int port2)
{
	struct sockaddr_in to[2] = { loopback(port1), loopback(port2) };
	struct mmsghdr messages[2];
	struct iovec iov[2];
	char byte[2] = { 'a', 'b' };
	long fd = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	long sent;
	int i;

	if (fd < 0)
		return EXIT_USAGE;
	memset(messages, 0, sizeof(messages));
	for (i = 0; i < 2; i++) {
		iov[i].iov_base = &byte[i];
		iov[i].iov_len = 1;
		messages[i].msg_hdr.msg_name = &to[i];
		messages[i].msg_hdr.msg_namelen = sizeof(to[i]);
		messages[i].msg_hdr.msg_iov = &iov[i];
		messages[i].msg_hdr.msg_iovlen = 1;
	}
	sent = syscall(SYS_sendmmsg, fd, messages, 2, MSG_NOSIGNAL);
	if (sent < 0)
		return errno;
	printf("sent=%ld\n", sent);
	return 0;
}

static int do_abstract_connect(const char *first, const char *second)
{
	struct sockaddr_un addr;
	size_t at = 1, len1 = strlen(first), len2 = strlen(second);
	long fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || 1 + len1 + 1 + len2 > sizeof(addr.sun_path))
		return EXIT_USAGE;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path + at, first, len1);
	at += len1;
	if (strcmp(second, "-") != 0) {
		addr.sun_path[at++] = '\0';
		memcpy(addr.sun_path + at, second, len2);
		at += len2;
	}
	if (syscall(SYS_connect, fd, &addr, offsetof(struct sockaddr_un, sun_path) + at) < 0)
		return errno;
	return 0;
}

static int do_families(void)
{
	int succeeded = 0;
	long fd;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct nlmsghdr noop = { .nlmsg_len = sizeof(noop), .nlmsg_type = NLMSG_NOOP };
	struct sockaddr_vm vm = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = VMADDR_PORT_ANY };
	struct sockaddr_alg alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha256" };
	struct {
		unsigned short family;
		unsigned short protocol;
		int ifindex;
		unsigned short hatype;
		unsigned char pkttype, halen, addr[8];
	} packet = { .family = AF_PACKET, .ifindex = 1 /* lo */ };

	fd = syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (note("netlink-socket", fd)) {
		succeeded |= note("netlink-bind", syscall(SYS_bind, fd, &nl, sizeof(nl)));
		succeeded |= note("netlink-sendto", syscall(SYS_sendto, fd, &noop, sizeof(noop), 0, &nl, sizeof(nl)));
	}
	/* Bound to the loopback interface only, and nothing is sent. */
	fd = syscall(SYS_socket, AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (note("packet-socket", fd))
		succeeded |= note("packet-bind", syscall(SYS_bind, fd, &packet, sizeof(packet)));
	fd = syscall(SYS_socket, AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (note("vsock-socket", fd)) {
		succeeded |= note("vsock-bind", syscall(SYS_bind, fd, &vm, sizeof(vm)));
		vm.svm_cid = VMADDR_CID_LOCAL;
		vm.svm_port = 9;
		succeeded |= note("vsock-connect", syscall(SYS_connect, fd, &vm, sizeof(vm)));
	}
	fd = syscall(SYS_socket, AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (note("alg-socket", fd))
		succeeded |= note("alg-bind", syscall(SYS_bind, fd, &alg, sizeof(alg)));
	return succeeded;
}

static int do_deep(const char *dir, long n, int mkdir_only)
{
	char name[201];
	long fd;
	char buf[64];

	memset(name, 'd', 200);
	name[200] = '\0';
	if (syscall(SYS_chdir, dir) < 0)
		return EXIT_USAGE;
	while (n-- > 0) {
		if (mkdir_only)
			syscall(SYS_mkdirat, AT_FDCWD, name, 0755);
		if (syscall(SYS_chdir, name) < 0) {
			perror("hostile: chdir");
			return EXIT_USAGE;
		}
	}
	if (mkdir_only)
		return 0;
	fd = syscall(SYS_openat, AT_FDCWD, "planted", O_WRONLY | O_CREAT, 0644);
	note("create", fd);
	fd = syscall(SYS_openat, AT_FDCWD, "../planted", O_RDONLY);
	if (note("read-parent", fd) && syscall(SYS_read, fd, buf, sizeof(buf)) >= 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *command;

	if (argc < 2)
		return usage();
	command = argv[1];
	argc -= 2;
	argv += 2;
	if (strcmp(command, "read") == 0 && argc == 1)
		return do_read(AT_FDCWD, argv[0]);
	if (strcmp(command, "readat") == 0 && argc == 2)
		return do_read(atoi(argv[0]), argv[1]);
	if (strcmp(command, "fchdir-read") == 0 && argc == 2) {
		if (syscall(SYS_fchdir, atoi(argv[0])) < 0)
			return errno;
		return do_read(AT_FDCWD, argv[1]);
	}
	if (strcmp(command, "inroot") == 0 && argc == 2)
		return do_inroot(atoi(argv[0]), argv[1]);
	if (strcmp(command, "magic-creat") == 0 && argc == 3)
		return do_magic_creat(argv[0], argv[1], argv[2]);
	if (strcmp(command, "chroot-escape") == 0 && argc == 2)
		return do_chroot_escape(argv[0], argv[1]);
	if (strcmp(command, "stress") == 0 && argc == 6)
		return do_stress(atol(argv[0]), atol(argv[1]), atol(argv[2]), argv[3], argv[4], argv[5]);
	if (strcmp(command, "badptr") == 0 && argc == 0)
		return do_badptr();
	if (strcmp(command, "memfd-exec") == 0 && argc >= 1)
		return do_memfd_exec(argv, 0);
	if (strcmp(command, "memfd-procexec") == 0 && argc >= 1)
		return do_memfd_exec(argv, 1);
	if (strcmp(command, "opath-exec") == 0 && argc >= 1)
		return do_opath_exec(argv);
	if (strcmp(command, "thread-exec") == 0 && argc >= 1)
		return do_thread_exec(argv);
	if (strcmp(command, "clone-thread-magic") == 0 && argc == 3)
		return do_clone_thread_magic(argv[0], argv[1], argv[2]);
	if (strcmp(command, "leader-exit") == 0 && argc == 1)
		return do_leader_exit(argv[0]);
	if (strcmp(command, "leader-exit-loop") == 0 && argc == 1)
		return do_leader_exit_loop(argv[0]);
	if (strcmp(command, "signal-parent") == 0 && argc == 0)
		return do_signal_parent();
	if (strcmp(command, "procfd-signal-parent") == 0 && argc == 0)
		return do_procfd_signal_parent();
	if (strcmp(command, "prlimit-parent") == 0 && argc == 0)
		return do_prlimit_parent();
	if (strcmp(command, "surface") == 0 && argc == 0)
		return do_surface();
	if (strcmp(command, "untraced") == 0 && argc == 1)
		return do_untraced(argv[0]);
	if (strcmp(command, "uring") == 0 && argc == 0)
		return do_uring();
	if (strcmp(command, "x32") == 0 && argc == 1)
		return do_x32(argv[0]);
	if (strcmp(command, "i386") == 0 && argc == 0)
		return do_i386();
	if (strcmp(command, "tty") == 0 && argc == 0)
		return do_tty();
	if (strcmp(command, "daemon") == 0 && argc == 4)
		return do_daemon((unsigned)atoi(argv[0]), argv[1], argv[2], argv[3]);
	if (strcmp(command, "flip-open") == 0 && argc == 3)
		return do_flip_open(argv[0], argv[1], atol(argv[2]));
	if (strcmp(command, "flip-exec") == 0 && argc == 4)
		return do_flip_exec(argv[0], argv[1], atol(argv[2]), argv[3]);
	if (strcmp(command, "sendmmsg") == 0 && argc == 2)
		return do_sendmmsg(atoi(argv[0]), atoi(argv[1]));
	if (strcmp(command, "abstract-connect") == 0 && argc == 2)
		return do_abstract_connect(argv[0], argv[1]);
	if (strcmp(command, "families") == 0 && argc == 0)
		return do_families();
	if (strcmp(command, "deep") == 0 && (argc == 2 || argc == 3))
		return do_deep(argv[0], atol(argv[1]), argc == 3 && strcmp(argv[2], "mkdir") == 0);
	return usage();
}
