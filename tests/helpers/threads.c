/*
 * threads: make system calls from a thread other than the main one, for
 * tests of per-thread sandbox state and of exec from a non-leader thread.
 *
 * Usage:
 *   threads magic MAGIC PATH   one thread calls newfstatat(2) on MAGIC (a
 *                              /dev/sydbox path), then, after it ended, a
 *                              second thread calls mkdir(2) on PATH
 *   threads exec PROGRAM [ARG...]
 *                              a second thread calls execve(2) on PROGRAM
 *                              while the main thread waits for it
 *
 * magic prints "magic=E" with the errno of the stat (0 on success) and exits
 * with the errno of the mkdir. exec exits with the errno of the execve when it
 * fails. Status 255 means a usage error or a failed pthread_create.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXIT_USAGE 255

static const char usage_text[] =
    "Usage: threads magic MAGIC PATH | threads exec PROGRAM [ARG...]\n";

static char **thread_argv;

/* Returns the errno of a raw newfstatat(2) on thread_argv[0], as a pointer. */
static void *stat_magic(void *unused)
{
	struct stat st;

	(void)unused;
	if (syscall(SYS_newfstatat, AT_FDCWD, thread_argv[0], &st, 0) < 0)
		return (void *)(long)errno;
	return NULL;
}

/* Returns the errno of a raw mkdirat(2) on thread_argv[1], as a pointer. */
static void *make_directory(void *unused)
{
	(void)unused;
	if (syscall(SYS_mkdirat, AT_FDCWD, thread_argv[1], 0755) < 0)
		return (void *)(long)errno;
	return NULL;
}

/* Returns the errno of a failed raw execve(2) of thread_argv[0]. */
static void *run_program(void *unused)
{
	(void)unused;
	syscall(SYS_execve, thread_argv[0], thread_argv, environ);
	return (void *)(long)errno;
}

/* Runs start in a new thread and returns what it returned, as an int. */
static int in_thread(void *(*start)(void *))
{
	pthread_t thread;
	void *result;
	int error = pthread_create(&thread, NULL, start, NULL);

	if (error != 0) {
		fprintf(stderr, "threads: pthread_create: %s\n", strerror(error));
		return -1;
	}
	pthread_join(thread, &result);
	return (int)(long)result;
}

int main(int argc, char **argv)
{
	int result;

	if (argc == 4 && strcmp(argv[1], "magic") == 0) {
		thread_argv = argv + 2;
		result = in_thread(stat_magic);
		if (result < 0)
			return EXIT_USAGE;
		printf("magic=%d\n", result);
		fflush(stdout);
		result = in_thread(make_directory);
		return result < 0 ? EXIT_USAGE : result;
	}
	if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
		thread_argv = argv + 2;
		result = in_thread(run_program);
		if (result > 0)
			fprintf(stderr, "threads: execve %s: %s\n", argv[2], strerror(result));
		return result < 0 ? EXIT_USAGE : result;
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
