/*
 * exitwith: end the process in a chosen way, for tests of exit status
 * reporting.
 *
 * Usage:
 *   exitwith N               exit with status N
 *   exitwith --signal N      die by signal N; N must be a signal whose default
 *                            action ends the process (exits 255 if it survives)
 *   exitwith --fork K CODE   fork K children that each exit with CODE, wait for
 *                            all of them and exit 0
 *   exitwith --threads K     start K threads that each call getpid(2) and
 *                            return, join them and exit 0
 *
 * Status 255 also means a usage error. A failing fork or pthread_create exits
 * with its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 255
#define MAX_THREADS 1024

static const char usage_text[] =
    "Usage: exitwith N | --signal N | --fork K CODE | --threads K\n";

/* Parse a decimal number in [0, max]; exits 255 on anything else. */
static int parse_number(const char *text, long max)
{
	char *end;
	long number = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || number < 0 || number > max) {
		fprintf(stderr, "exitwith: invalid number '%s', expected 0 to %ld\n%s",
			text, max, usage_text);
		exit(EXIT_USAGE);
	}
	return (int)number;
}

static int die_by_signal(int signal_number)
{
	sigset_t set;

	/* Undo an inherited SIG_IGN or blocked mask, so the signal is fatal. */
	signal(signal_number, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signal_number);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_kill, syscall(SYS_getpid), signal_number);
	fprintf(stderr, "exitwith: still alive after signal %d\n", signal_number);
	return EXIT_USAGE;
}

static int fork_children(int count, int code)
{
	for (int i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			int error = errno;

			fprintf(stderr, "exitwith: fork: %s\n", strerror(error));
			return error;
		}
		if (pid == 0)
			_exit(code);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

static void *call_getpid(void *unused)
{
	(void)unused;
	syscall(SYS_getpid);
	return NULL;
}

static int start_threads(int count)
{
	pthread_t threads[MAX_THREADS];

	for (int i = 0; i < count; i++) {
		int error = pthread_create(&threads[i], NULL, call_getpid, NULL);

		if (error) {
			fprintf(stderr, "exitwith: pthread_create: %s\n", strerror(error));
			return error;
		}
	}
	for (int i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc == 2)
		return parse_number(argv[1], 255);
	if (argc == 3 && strcmp(argv[1], "--signal") == 0)
		return die_by_signal(parse_number(argv[2], 64));
	if (argc == 4 && strcmp(argv[1], "--fork") == 0)
		return fork_children(parse_number(argv[2], 1024), parse_number(argv[3], 255));
	if (argc == 3 && strcmp(argv[1], "--threads") == 0)
		return start_threads(parse_number(argv[2], MAX_THREADS));
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
