/*
 * marker: create a file, to prove that an exec of this program ran.
 *
 * Usage: marker FILE
 *
 * FILE is created (or truncated) with mode 0644 through a raw openat(2).
 * marker exits 0 on success and with the errno on failure; status 255 means a
 * usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long fd;

	if (argc != 2) {
		fputs("Usage: marker FILE\n", stderr);
		return 255;
	}
	fd = syscall(SYS_openat, AT_FDCWD, argv[1],
		     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int error = errno;

		fprintf(stderr, "marker: %s: %s\n", argv[1], strerror(error));
		return error;
	}
	syscall(SYS_close, fd);
	return 0;
}
