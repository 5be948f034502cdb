/*
 * mkdirp: create a relative directory path one component at a time, the
 * way "mkdir -p" does, entering each component before making the next.
 *
 * Usage: mkdirp DIR
 *
 * For each component of DIR, mkdirp calls mkdir(2) (mkdirat(2) where the
 * architecture has no mkdir) with the bare component name and then chdir(2)
 * into it. The mkdir must succeed when the component is missing and fail with
 * EEXIST when it exists (checked first with newfstatat). Relative names make
 * the sandbox resolve each call against the cwd it tracked after the last
 * chdir. The exit status is the first unexpected errno (0 on success); 255
 * means a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long make_directory(const char *name)
{
#ifdef SYS_mkdir
	return syscall(SYS_mkdir, name, 0755);
#else
	return syscall(SYS_mkdirat, AT_FDCWD, name, 0755);
#endif
}

int main(int argc, char **argv)
{
	char *save = NULL;

	if (argc != 2 || argv[1][0] == '/') {
		fputs("Usage: mkdirp RELATIVE-DIR\n", stderr);
		return 255;
	}
	for (char *name = strtok_r(argv[1], "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		struct stat st;
		int exists = syscall(SYS_newfstatat, AT_FDCWD, name, &st, 0) == 0;
		int error = make_directory(name) < 0 ? errno : 0;
		int expected = exists ? EEXIST : 0;

		if (error != expected) {
			fprintf(stderr, "mkdirp: mkdir %s: %s\n", name,
				error ? strerror(error) : "succeeded on an existing name");
			return error ? error : EEXIST;
		}
		if (syscall(SYS_chdir, name) < 0) {
			error = errno;
			fprintf(stderr, "mkdirp: chdir %s: %s\n", name, strerror(error));
			return error;
		}
	}
	return 0;
}
