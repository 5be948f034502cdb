/*
 * chdirdo: change the working directory, then run a program in it.
 *
 * Usage: chdirdo [--create] [--repeat N] DIR -- PROGRAM [ARG...]
 *
 * chdirdo calls chdir(2) on DIR N times (default 1), so a relative DIR
 * repeated goes deeper than PATH_MAX one short step at a time. With --create
 * each step first calls mkdir(2) on DIR and accepts EEXIST. It then runs
 * PROGRAM through a raw execve(2) (PROGRAM is not searched in $PATH). The exit
 * status is the errno of the first failing mkdir, chdir or execve; 255 means
 * a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: chdirdo [--create] [--repeat N] DIR -- PROGRAM [ARG...]\n";

int main(int argc, char **argv)
{
	int create = 0;
	long repeat = 1;
	int i = 1;
	const char *dir;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--create") == 0) {
			create = 1;
		} else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			char *end;

			repeat = strtol(argv[++i], &end, 10);
			if (*end != '\0' || repeat < 1) {
				fputs(usage_text, stderr);
				return 255;
			}
		} else {
			fputs(usage_text, stderr);
			return 255;
		}
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0) {
		fputs(usage_text, stderr);
		return 255;
	}
	dir = argv[i];
	for (long step = 0; step < repeat; step++) {
		int error;

		if (create && syscall(SYS_mkdirat, AT_FDCWD, dir, 0755) < 0 && errno != EEXIST) {
			error = errno;
			fprintf(stderr, "chdirdo: mkdir %s (step %ld): %s\n", dir, step + 1, strerror(error));
			return error;
		}
		if (syscall(SYS_chdir, dir) < 0) {
			error = errno;
			fprintf(stderr, "chdirdo: chdir %s (step %ld): %s\n", dir, step + 1, strerror(error));
			return error;
		}
	}
	syscall(SYS_execve, argv[i + 2], argv + i + 2, environ);
	{
		int error = errno;

		fprintf(stderr, "chdirdo: execve %s: %s\n", argv[i + 2], strerror(error));
		return error;
	}
}
