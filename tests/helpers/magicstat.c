/*
 * magicstat: make one raw stat-family system call and exit with its errno.
 *
 * Usage: magicstat [--via stat|lstat|newfstatat|statx] [--dirfd cwd|PATH] PATH
 *
 * The default call is stat(2), or newfstatat(2) where the architecture has no
 * stat(2). --dirfd applies to newfstatat and statx; PATH is opened
 * O_RDONLY|O_DIRECTORY, falling back to O_PATH. On success magicstat prints
 * "mode=0%o rdev=%u:%u" (st_mode, then the major and minor number of st_rdev)
 * and exits 0. On failure it exits with the errno; status 255 means a usage
 * error or a --dirfd that cannot be opened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define EXIT_USAGE 255

static const char usage_text[] =
    "Usage: magicstat [--via stat|lstat|newfstatat|statx] [--dirfd cwd|PATH] PATH\n"
    "Print \"mode=0%o rdev=MAJOR:MINOR\" on success, else exit with the errno.\n";

static int usage_error(const char *message)
{
	fprintf(stderr, "magicstat: %s\n%s", message, usage_text);
	return EXIT_USAGE;
}

static long open_dirfd(const char *spec)
{
	long fd;

	if (strcmp(spec, "cwd") == 0)
		return AT_FDCWD;
	fd = syscall(SYS_openat, AT_FDCWD, spec, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = syscall(SYS_openat, AT_FDCWD, spec, O_PATH | O_CLOEXEC);
	return fd;
}

/* Fill mode and rdev through the call named by via; returns the raw result. */
static long stat_via(const char *via, long dirfd, const char *path,
		     unsigned int *mode, dev_t *rdev)
{
	struct stat st;
	struct statx stx;
	long result;

	if (strcmp(via, "statx") == 0) {
		result = syscall(SYS_statx, dirfd, path, 0, STATX_TYPE | STATX_MODE, &stx);
		*mode = stx.stx_mode;
		*rdev = makedev(stx.stx_rdev_major, stx.stx_rdev_minor);
		return result;
	}
	if (strcmp(via, "newfstatat") == 0) {
		result = syscall(SYS_newfstatat, dirfd, path, &st, 0);
#ifdef SYS_stat
	} else if (strcmp(via, "stat") == 0) {
		result = syscall(SYS_stat, path, &st);
	} else if (strcmp(via, "lstat") == 0) {
		result = syscall(SYS_lstat, path, &st);
#else
	} else if (strcmp(via, "stat") == 0 || strcmp(via, "lstat") == 0) {
		errno = ENOSYS;
		return -1;
#endif
	} else {
		errno = EINVAL;
		return -2;
	}
	*mode = st.st_mode;
	*rdev = st.st_rdev;
	return result;
}

int main(int argc, char **argv)
{
#ifdef SYS_stat
	const char *via = "stat";
#else
	const char *via = "newfstatat";
#endif
	const char *dirfd_spec = "cwd";
	const char *path = NULL;
	unsigned int mode = 0;
	dev_t rdev = 0;
	long dirfd, result;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(argv[i], "--via") == 0 && i + 1 < argc) {
			via = argv[++i];
		} else if (strcmp(argv[i], "--dirfd") == 0 && i + 1 < argc) {
			dirfd_spec = argv[++i];
		} else if (strncmp(argv[i], "--", 2) == 0 || path) {
			return usage_error("unknown option or extra argument");
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return usage_error("missing PATH");

	dirfd = open_dirfd(dirfd_spec);
	if (dirfd < 0 && dirfd != AT_FDCWD) {
		fprintf(stderr, "magicstat: cannot open dirfd '%s': %s\n", dirfd_spec,
			strerror(errno));
		return EXIT_USAGE;
	}

	result = stat_via(via, dirfd, path, &mode, &rdev);
	if (result == -2)
		return usage_error("unknown --via call");
	if (result < 0) {
		int error = errno;

		fprintf(stderr, "magicstat: %s: %s\n", via, strerror(error));
		return error;
	}
	printf("mode=0%o rdev=%u:%u\n", mode, major(rdev), minor(rdev));
	return 0;
}
