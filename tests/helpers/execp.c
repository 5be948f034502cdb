/*
 * execp: run a program through a raw execve(2) system call.
 *
 * Usage: execp PATH [ARG...]
 *
 * argv[0] of the new program is PATH and the environment is passed through.
 * PATH is not searched in $PATH. If execve fails, execp exits with its errno;
 * status 255 means a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int error;

	if (argc < 2) {
		fputs("Usage: execp PATH [ARG...]\n", stderr);
		return 255;
	}
	syscall(SYS_execve, argv[1], argv + 1, environ);
	error = errno;
	fprintf(stderr, "execp: execve %s: %s\n", argv[1], strerror(error));
	return error;
}
