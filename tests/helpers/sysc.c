/*
 * sysc: make one raw system call through syscall(2) and exit with its errno.
 *
 * Usage: sysc CALL [OPTIONS] OPERANDS...
 *
 * The exit status is 0 when the call succeeds and the errno when it fails.
 * Status 255 means a usage error or a failed setup step (--chdir, opening a
 * --dirfd directory), and is never an errno. Options and operands may be mixed,
 * and "--" ends the options. `sysc --help` lists every call with its operands.
 *
 * Options:
 *   --dirfd cwd|bad|PATH  directory fd of *at calls: AT_FDCWD, the closed fd
 *                         1023 (for EBADF), or PATH opened O_RDONLY|O_DIRECTORY,
 *                         falling back to O_PATH when that open fails
 *   --newdirfd SPEC       second directory fd of linkat, renameat, renameat2
 *                         (default: the --dirfd value)
 *   --flags A|B|...       flags argument: symbolic names or numbers (C syntax)
 *   --mode A|B|...        mode argument: octal numbers or names (S_IFIFO, R_OK)
 *   --resolve A|B|...     resolve field of openat2 (RESOLVE_* names or numbers)
 *   --dev MAJOR:MINOR     device number of mknod and mknodat (default 0:0)
 *   --time SECONDS        atime and mtime of the utime family (default: now)
 *   --null                pass NULL for the first path operand, which is then
 *                         left out of the command line
 *   --data STR            write STR to the fd after a successful open
 *   --chdir DIR           chdir(2) to DIR before the call; repeat it to go
 *                         deeper than PATH_MAX with relative steps
 *
 * Only readlink, listxattr and llistxattr print on success. Calls that this
 * architecture lacks (open, stat and the other legacy calls on arm64) fail
 * with ENOSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

/* Linux 6.6 added fchmodat2(2). Debian 12's headers predate it, and every
 * architecture uses the same number for calls added after 5.1. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

#define EXIT_USAGE 255
#define BAD_FD 1023
#define MAX_CHDIRS 64

static const char usage_text[] =
    "Usage: sysc CALL [OPTIONS] OPERANDS...\n"
    "Make one raw system call and exit with its errno (0 on success).\n"
    "\n"
    "Calls and operands (D: uses --dirfd, N: also --newdirfd, F: --flags,\n"
    "M: --mode):\n"
    "  access PATH (M)            faccessat PATH (D M)\n"
    "  faccessat2 PATH (D M F)    open PATH (F M)\n"
    "  openat PATH (D F M)        openat2 PATH (D F M --resolve)\n"
    "  creat PATH (M)             chmod PATH (M)\n"
    "  fchmodat PATH (D M)        fchmodat2 PATH (D M F)\n"
    "  chown PATH [UID [GID]]     lchown PATH [UID [GID]]\n"
    "  fchownat PATH [UID [GID]] (D F); UID and GID default to -1\n"
    "  mkdir PATH (M)             mkdirat PATH (D M)\n"
    "  mknod PATH (M --dev)       mknodat PATH (D M --dev)\n"
    "  rmdir PATH                 truncate PATH [LENGTH]\n"
    "  utime PATH (--time)        utimes PATH (--time)\n"
    "  utimensat PATH (D F --time)  futimesat PATH (D --time)\n"
    "  unlink PATH                unlinkat PATH (D F)\n"
    "  link OLD NEW               linkat OLD NEW (D N F)\n"
    "  rename OLD NEW             renameat OLD NEW (D N)\n"
    "  renameat2 OLD NEW (D N F)  symlink TARGET LINKPATH\n"
    "  symlinkat TARGET LINKPATH (D)\n"
    "  setxattr PATH NAME VALUE (F)  lsetxattr PATH NAME VALUE (F)\n"
    "  removexattr PATH NAME      lremovexattr PATH NAME\n"
    "  listxattr PATH             llistxattr PATH (print one name a line)\n"
    "  mount SOURCE TARGET [FSTYPE [DATA]] (F); '-' passes NULL for SOURCE,\n"
    "        FSTYPE or DATA, and --null replaces TARGET\n"
    "  umount2 TARGET (F)\n"
    "  execve PATH [ARG...]       execveat PATH [ARG...] (D F)\n"
    "  stat PATH                  lstat PATH\n"
    "  newfstatat PATH (D F)      statx PATH (D F)\n"
    "  readlink PATH (prints the target)  chdir DIR\n"
    "\n"
    "Options:\n"
    "  --dirfd cwd|bad|PATH   dirfd: AT_FDCWD, closed fd 1023, or PATH opened\n"
    "                         O_RDONLY|O_DIRECTORY, else O_PATH\n"
    "  --newdirfd SPEC        second dirfd (default: the --dirfd value)\n"
    "  --flags A|B|...        flags: names such as O_CREAT, AT_REMOVEDIR,\n"
    "                         RENAME_NOREPLACE, XATTR_CREATE, MS_BIND,\n"
    "                         MNT_DETACH, or numbers (0x.. hex, 0.. octal)\n"
    "  --mode A|B|...         mode: octal numbers or names (S_IFIFO, R_OK);\n"
    "                         defaults: 0644 for files, 0755 for mkdir,\n"
    "                         S_IFIFO|0644 for mknod, F_OK for access\n"
    "  --resolve A|B|...      openat2 resolve flags (RESOLVE_BENEATH, ...)\n"
    "  --dev MAJOR:MINOR      device number for mknod (default 0:0)\n"
    "  --time SECONDS         timestamps for the utime family (default: now)\n"
    "  --null                 pass NULL for the first path operand, which is\n"
    "                         then left out of the command line\n"
    "  --data STR             write STR after a successful open\n"
    "  --chdir DIR            chdir to DIR first (repeatable, applied in order)\n"
    "  --help                 print this help\n"
    "\n"
    "Exit status: 0 on success, the errno on failure, 255 on a usage error\n"
    "or a failed setup step.\n";

struct name_value {
	const char *name;
	unsigned long value;
};

#define NAME_VALUE(x) { #x, (unsigned long)(x) }

/* Names accepted by --flags, --mode and --resolve. */
static const struct name_value symbols[] = {
	NAME_VALUE(O_RDONLY), NAME_VALUE(O_WRONLY), NAME_VALUE(O_RDWR),
	NAME_VALUE(O_CREAT), NAME_VALUE(O_EXCL), NAME_VALUE(O_NOCTTY),
	NAME_VALUE(O_TRUNC), NAME_VALUE(O_APPEND), NAME_VALUE(O_NONBLOCK),
	NAME_VALUE(O_DSYNC), NAME_VALUE(O_SYNC), NAME_VALUE(O_DIRECTORY),
	NAME_VALUE(O_NOFOLLOW), NAME_VALUE(O_CLOEXEC), NAME_VALUE(O_PATH),
	NAME_VALUE(O_TMPFILE), NAME_VALUE(O_NOATIME), NAME_VALUE(O_LARGEFILE),
	NAME_VALUE(AT_SYMLINK_NOFOLLOW), NAME_VALUE(AT_SYMLINK_FOLLOW),
	NAME_VALUE(AT_REMOVEDIR), NAME_VALUE(AT_EMPTY_PATH),
	NAME_VALUE(AT_EACCESS), NAME_VALUE(AT_NO_AUTOMOUNT),
	NAME_VALUE(RENAME_NOREPLACE), NAME_VALUE(RENAME_EXCHANGE),
	NAME_VALUE(RENAME_WHITEOUT),
	NAME_VALUE(XATTR_CREATE), NAME_VALUE(XATTR_REPLACE),
	NAME_VALUE(MS_RDONLY), NAME_VALUE(MS_NOSUID), NAME_VALUE(MS_NODEV),
	NAME_VALUE(MS_NOEXEC), NAME_VALUE(MS_REMOUNT), NAME_VALUE(MS_BIND),
	NAME_VALUE(MS_MOVE), NAME_VALUE(MS_REC), NAME_VALUE(MS_PRIVATE),
	NAME_VALUE(MS_SLAVE), NAME_VALUE(MS_SHARED),
	NAME_VALUE(MNT_FORCE), NAME_VALUE(MNT_DETACH), NAME_VALUE(MNT_EXPIRE),
	NAME_VALUE(UMOUNT_NOFOLLOW),
	NAME_VALUE(RESOLVE_NO_XDEV), NAME_VALUE(RESOLVE_NO_MAGICLINKS),
	NAME_VALUE(RESOLVE_NO_SYMLINKS), NAME_VALUE(RESOLVE_BENEATH),
	NAME_VALUE(RESOLVE_IN_ROOT), NAME_VALUE(RESOLVE_CACHED),
	NAME_VALUE(F_OK), NAME_VALUE(R_OK), NAME_VALUE(W_OK), NAME_VALUE(X_OK),
	NAME_VALUE(S_IFREG), NAME_VALUE(S_IFCHR), NAME_VALUE(S_IFBLK),
	NAME_VALUE(S_IFIFO), NAME_VALUE(S_IFSOCK), NAME_VALUE(S_IFDIR),
};

/* Parsed options. A *_set field records whether the option was given. */
struct options {
	const char *dirfd_spec;
	const char *newdirfd_spec;
	unsigned long flags;
	int flags_set;
	unsigned long mode;
	int mode_set;
	unsigned long resolve;
	dev_t dev;
	long time;
	int time_set;
	int null_path;
	const char *data;
	const char *chdirs[MAX_CHDIRS];
	int chdir_count;
};

static struct options opt;
static int dirfd = AT_FDCWD;
static int newdirfd = AT_FDCWD;
static const char *call_name = "sysc";

/* Operands left after option parsing, consumed in order by the call. */
static char **operands;
static int operand_count;
static int next_operand;
static int null_path_used;

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sysc %s: ", call_name);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'sysc --help'.\n", stderr);
	exit(EXIT_USAGE);
}

/* Parse "A|B|3" into the OR of its parts; bare numbers use number_base. */
static unsigned long parse_bits(const char *text, int number_base)
{
	unsigned long bits = 0;
	char *copy = strdup(text);
	char *save = NULL;

	for (char *part = strtok_r(copy, "|", &save); part;
	     part = strtok_r(NULL, "|", &save)) {
		char *end;
		unsigned long number = strtoul(part, &end, number_base);
		size_t i;

		if (*part && *end == '\0') {
			bits |= number;
			continue;
		}
		for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
			if (strcmp(part, symbols[i].name) == 0)
				break;
		}
		if (i == sizeof(symbols) / sizeof(symbols[0]))
			usage_error("unknown flag or mode name '%s'", part);
		bits |= symbols[i].value;
	}
	free(copy);
	return bits;
}

static long parse_number(const char *text, const char *what)
{
	char *end;
	long number;

	errno = 0;
	number = strtol(text, &end, 0);
	if (errno || *text == '\0' || *end != '\0')
		usage_error(what, text);
	return number;
}

static dev_t parse_dev(const char *text)
{
	unsigned int major_number, minor_number;
	char tail;

	if (sscanf(text, "%u:%u%c", &major_number, &minor_number, &tail) != 2)
		usage_error("invalid device number '%s', expected MAJOR:MINOR", text);
	return makedev(major_number, minor_number);
}

/* Turn a --dirfd value into a file descriptor; exits 255 if PATH cannot be opened. */
static int open_dirfd(const char *spec)
{
	long fd;

	if (strcmp(spec, "cwd") == 0)
		return AT_FDCWD;
	if (strcmp(spec, "bad") == 0)
		return BAD_FD;
	fd = syscall(SYS_openat, AT_FDCWD, spec, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = syscall(SYS_openat, AT_FDCWD, spec, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "sysc %s: cannot open dirfd '%s': %s\n", call_name,
			spec, strerror(errno));
		exit(EXIT_USAGE);
	}
	return (int)fd;
}

static const char *take(const char *what)
{
	if (next_operand >= operand_count)
		usage_error("missing operand %s", what);
	return operands[next_operand++];
}

/* Take a path operand, or NULL in place of the first one when --null is given. */
static const char *take_path(const char *what)
{
	if (opt.null_path && !null_path_used) {
		null_path_used = 1;
		return NULL;
	}
	return take(what);
}

/* Take an operand where "-" stands for NULL (mount's SOURCE, FSTYPE and DATA). */
static const char *take_or_null(void)
{
	const char *text;

	if (next_operand >= operand_count)
		return NULL;
	text = operands[next_operand++];
	return strcmp(text, "-") == 0 ? NULL : text;
}

static long take_id(void)
{
	if (next_operand >= operand_count)
		return -1;
	return parse_number(operands[next_operand++], "invalid uid or gid '%s'");
}

static unsigned long mode_or(unsigned long fallback)
{
	return opt.mode_set ? opt.mode : fallback;
}

static unsigned long flags_or(unsigned long fallback)
{
	return opt.flags_set ? opt.flags : fallback;
}

/* Fail like the kernel does for a call this architecture does not have. */
static long missing_call(void)
{
	errno = ENOSYS;
	return -1;
}

/* Build argv for execve from the path and the remaining operands. */
static char **exec_argv(const char *path)
{
	int count = operand_count - next_operand;
	char **argv = calloc(count + 2, sizeof(char *));

	argv[0] = (char *)(path ? path : "");
	for (int i = 0; i < count; i++)
		argv[i + 1] = operands[next_operand + i];
	next_operand = operand_count;
	return argv;
}

static long print_xattr_names(long size, const char *names)
{
	for (long at = 0; at < size; at += (long)strlen(names + at) + 1)
		printf("%s\n", names + at);
	return 0;
}

/* Each do_CALL takes its operands, makes the call and returns its raw result. */

static long do_access(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_access
	return syscall(SYS_access, path, mode_or(F_OK));
#else
	(void)path;
	return missing_call();
#endif
}

static long do_faccessat(void)
{
	return syscall(SYS_faccessat, dirfd, take_path("PATH"), mode_or(F_OK));
}

static long do_faccessat2(void)
{
	return syscall(SYS_faccessat2, dirfd, take_path("PATH"), mode_or(F_OK),
		       flags_or(0));
}

static long do_open(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_open
	return syscall(SYS_open, path, flags_or(O_RDONLY), mode_or(0644));
#else
	(void)path;
	return missing_call();
#endif
}

static long do_openat(void)
{
	return syscall(SYS_openat, dirfd, take_path("PATH"), flags_or(O_RDONLY),
		       mode_or(0644));
}

static long do_openat2(void)
{
	struct open_how how = { 0 };
	const char *path = take_path("PATH");

	how.flags = flags_or(O_RDONLY);
	how.resolve = opt.resolve;
	/* openat2(2) rejects a nonzero mode unless the call can create a file. */
	if ((how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode_or(0644);
	else
		how.mode = mode_or(0);
	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static long do_creat(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_creat
	return syscall(SYS_creat, path, mode_or(0644));
#else
	(void)path;
	return missing_call();
#endif
}

static long do_chmod(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_chmod
	return syscall(SYS_chmod, path, mode_or(0644));
#else
	(void)path;
	return missing_call();
#endif
}

static long do_fchmodat(void)
{
	/* The fchmodat(2) system call has no flags argument; glibc emulates it. */
	return syscall(SYS_fchmodat, dirfd, take_path("PATH"), mode_or(0644));
}

static long do_fchmodat2(void)
{
	return syscall(SYS_fchmodat2, dirfd, take_path("PATH"), mode_or(0644),
		       flags_or(0));
}

static long do_chown_call(long number)
{
	const char *path = take_path("PATH");
	long uid = take_id();
	long gid = take_id();

	if (number < 0)
		return missing_call();
	return syscall(number, path, uid, gid);
}

static long do_chown(void)
{
#ifdef SYS_chown
	return do_chown_call(SYS_chown);
#else
	return do_chown_call(-1);
#endif
}

static long do_lchown(void)
{
#ifdef SYS_lchown
	return do_chown_call(SYS_lchown);
#else
	return do_chown_call(-1);
#endif
}

static long do_fchownat(void)
{
	const char *path = take_path("PATH");
	long uid = take_id();
	long gid = take_id();

	return syscall(SYS_fchownat, dirfd, path, uid, gid, flags_or(0));
}

static long do_mkdir(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_mkdir
	return syscall(SYS_mkdir, path, mode_or(0755));
#else
	(void)path;
	return missing_call();
#endif
}

static long do_mkdirat(void)
{
	return syscall(SYS_mkdirat, dirfd, take_path("PATH"), mode_or(0755));
}

static long do_mknod(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_mknod
	return syscall(SYS_mknod, path, mode_or(S_IFIFO | 0644), opt.dev);
#else
	(void)path;
	return missing_call();
#endif
}

static long do_mknodat(void)
{
	return syscall(SYS_mknodat, dirfd, take_path("PATH"),
		       mode_or(S_IFIFO | 0644), opt.dev);
}

static long do_rmdir(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_rmdir
	return syscall(SYS_rmdir, path);
#else
	(void)path;
	return missing_call();
#endif
}

static long do_truncate(void)
{
	const char *path = take_path("PATH");
	long length = 0;

	if (next_operand < operand_count)
		length = parse_number(take("LENGTH"), "invalid length '%s'");
	return syscall(SYS_truncate, path, length);
}

static long do_utime(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_utime
	struct utimbuf times = { .actime = opt.time, .modtime = opt.time };

	return syscall(SYS_utime, path, opt.time_set ? &times : NULL);
#else
	(void)path;
	return missing_call();
#endif
}

static long do_utimes(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_utimes
	struct timeval times[2] = { { opt.time, 0 }, { opt.time, 0 } };

	return syscall(SYS_utimes, path, opt.time_set ? times : NULL);
#else
	(void)path;
	return missing_call();
#endif
}

static long do_utimensat(void)
{
	struct timespec times[2] = { { opt.time, 0 }, { opt.time, 0 } };

	return syscall(SYS_utimensat, dirfd, take_path("PATH"),
		       opt.time_set ? times : NULL, flags_or(0));
}

static long do_futimesat(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_futimesat
	struct timeval times[2] = { { opt.time, 0 }, { opt.time, 0 } };

	return syscall(SYS_futimesat, dirfd, path, opt.time_set ? times : NULL);
#else
	(void)path;
	return missing_call();
#endif
}

static long do_unlink(void)
{
	const char *path = take_path("PATH");
#ifdef SYS_unlink
	return syscall(SYS_unlink, path);
#else
	(void)path;
	return missing_call();
#endif
}

static long do_unlinkat(void)
{
	return syscall(SYS_unlinkat, dirfd, take_path("PATH"), flags_or(0));
}

static long do_link(void)
{
	const char *old_path = take_path("OLD");
	const char *new_path = take_path("NEW");
#ifdef SYS_link
	return syscall(SYS_link, old_path, new_path);
#else
	(void)old_path;
	(void)new_path;
	return missing_call();
#endif
}

static long do_linkat(void)
{
	const char *old_path = take_path("OLD");
	const char *new_path = take_path("NEW");

	return syscall(SYS_linkat, dirfd, old_path, newdirfd, new_path, flags_or(0));
}

static long do_rename(void)
{
	const char *old_path = take_path("OLD");
	const char *new_path = take_path("NEW");
#ifdef SYS_rename
	return syscall(SYS_rename, old_path, new_path);
#else
	(void)old_path;
	(void)new_path;
	return missing_call();
#endif
}

static long do_renameat(void)
{
	const char *old_path = take_path("OLD");
	const char *new_path = take_path("NEW");
#ifdef SYS_renameat
	return syscall(SYS_renameat, dirfd, old_path, newdirfd, new_path);
#else
	(void)old_path;
	(void)new_path;
	return missing_call();
#endif
}

static long do_renameat2(void)
{
	const char *old_path = take_path("OLD");
	const char *new_path = take_path("NEW");

	return syscall(SYS_renameat2, dirfd, old_path, newdirfd, new_path,
		       flags_or(0));
}

static long do_symlink(void)
{
	/* TARGET is stored, never resolved, so --null replaces LINKPATH. */
	const char *target = take("TARGET");
	const char *link_path = take_path("LINKPATH");
#ifdef SYS_symlink
	return syscall(SYS_symlink, target, link_path);
#else
	(void)target;
	(void)link_path;
	return missing_call();
#endif
}

static long do_symlinkat(void)
{
	const char *target = take("TARGET");
	const char *link_path = take_path("LINKPATH");

	return syscall(SYS_symlinkat, target, dirfd, link_path);
}

static long do_setxattr_call(long number)
{
	const char *path = take_path("PATH");
	const char *name = take("NAME");
	const char *value = take("VALUE");

	return syscall(number, path, name, value, strlen(value), flags_or(0));
}

static long do_setxattr(void)
{
	return do_setxattr_call(SYS_setxattr);
}

static long do_lsetxattr(void)
{
	return do_setxattr_call(SYS_lsetxattr);
}

static long do_removexattr(void)
{
	const char *path = take_path("PATH");

	return syscall(SYS_removexattr, path, take("NAME"));
}

static long do_lremovexattr(void)
{
	const char *path = take_path("PATH");

	return syscall(SYS_lremovexattr, path, take("NAME"));
}

static long do_listxattr_call(long number)
{
	static char names[65536];
	long size = syscall(number, take_path("PATH"), names, sizeof(names));

	if (size < 0)
		return size;
	return print_xattr_names(size, names);
}

static long do_listxattr(void)
{
	return do_listxattr_call(SYS_listxattr);
}

static long do_llistxattr(void)
{
	return do_listxattr_call(SYS_llistxattr);
}

static long do_mount(void)
{
	const char *source = take_or_null();
	const char *target = take_path("TARGET");
	const char *fstype = take_or_null();
	const char *data = take_or_null();

	return syscall(SYS_mount, source, target, fstype, flags_or(0), data);
}

static long do_umount2(void)
{
	return syscall(SYS_umount2, take_path("TARGET"), flags_or(0));
}

static long do_execve(void)
{
	const char *path = take_path("PATH");

	return syscall(SYS_execve, path, exec_argv(path), environ);
}

static long do_execveat(void)
{
	const char *path = take_path("PATH");

	return syscall(SYS_execveat, dirfd, path, exec_argv(path), environ,
		       flags_or(0));
}

static long do_stat(void)
{
	struct stat st;
	const char *path = take_path("PATH");
#ifdef SYS_stat
	return syscall(SYS_stat, path, &st);
#else
	(void)path;
	(void)st;
	return missing_call();
#endif
}

static long do_lstat(void)
{
	struct stat st;
	const char *path = take_path("PATH");
#ifdef SYS_lstat
	return syscall(SYS_lstat, path, &st);
#else
	(void)path;
	(void)st;
	return missing_call();
#endif
}

static long do_newfstatat(void)
{
	struct stat st;

	return syscall(SYS_newfstatat, dirfd, take_path("PATH"), &st, flags_or(0));
}

static long do_statx(void)
{
	struct statx stx;

	return syscall(SYS_statx, dirfd, take_path("PATH"), flags_or(0),
		       STATX_BASIC_STATS, &stx);
}

static long do_readlink(void)
{
	char target[PATH_MAX + 1];
	const char *path = take_path("PATH");
	long length;

#ifdef SYS_readlink
	length = syscall(SYS_readlink, path, target, PATH_MAX);
#else
	length = syscall(SYS_readlinkat, AT_FDCWD, path, target, PATH_MAX);
#endif
	if (length < 0)
		return length;
	target[length] = '\0';
	printf("%s\n", target);
	return 0;
}

static long do_chdir(void)
{
	return syscall(SYS_chdir, take_path("DIR"));
}

/*
 * One row per call. min and max count the operands, including the path that
 * --null replaces; max -1 means no limit. returns_fd marks the calls whose
 * result --data writes to.
 */
struct call {
	const char *name;
	long (*run)(void);
	int min;
	int max;
	int returns_fd;
};

static const struct call calls[] = {
	{ "access", do_access, 1, 1, 0 },
	{ "faccessat", do_faccessat, 1, 1, 0 },
	{ "faccessat2", do_faccessat2, 1, 1, 0 },
	{ "open", do_open, 1, 1, 1 },
	{ "openat", do_openat, 1, 1, 1 },
	{ "openat2", do_openat2, 1, 1, 1 },
	{ "creat", do_creat, 1, 1, 1 },
	{ "chmod", do_chmod, 1, 1, 0 },
	{ "fchmodat", do_fchmodat, 1, 1, 0 },
	{ "fchmodat2", do_fchmodat2, 1, 1, 0 },
	{ "chown", do_chown, 1, 3, 0 },
	{ "lchown", do_lchown, 1, 3, 0 },
	{ "fchownat", do_fchownat, 1, 3, 0 },
	{ "mkdir", do_mkdir, 1, 1, 0 },
	{ "mkdirat", do_mkdirat, 1, 1, 0 },
	{ "mknod", do_mknod, 1, 1, 0 },
	{ "mknodat", do_mknodat, 1, 1, 0 },
	{ "rmdir", do_rmdir, 1, 1, 0 },
	{ "truncate", do_truncate, 1, 2, 0 },
	{ "utime", do_utime, 1, 1, 0 },
	{ "utimes", do_utimes, 1, 1, 0 },
	{ "utimensat", do_utimensat, 1, 1, 0 },
	{ "futimesat", do_futimesat, 1, 1, 0 },
	{ "unlink", do_unlink, 1, 1, 0 },
	{ "unlinkat", do_unlinkat, 1, 1, 0 },
	{ "link", do_link, 2, 2, 0 },
	{ "linkat", do_linkat, 2, 2, 0 },
	{ "rename", do_rename, 2, 2, 0 },
	{ "renameat", do_renameat, 2, 2, 0 },
	{ "renameat2", do_renameat2, 2, 2, 0 },
	{ "symlink", do_symlink, 2, 2, 0 },
	{ "symlinkat", do_symlinkat, 2, 2, 0 },
	{ "setxattr", do_setxattr, 3, 3, 0 },
	{ "lsetxattr", do_lsetxattr, 3, 3, 0 },
	{ "removexattr", do_removexattr, 2, 2, 0 },
	{ "lremovexattr", do_lremovexattr, 2, 2, 0 },
	{ "listxattr", do_listxattr, 1, 1, 0 },
	{ "llistxattr", do_llistxattr, 1, 1, 0 },
	{ "mount", do_mount, 2, 4, 0 },
	{ "umount2", do_umount2, 1, 1, 0 },
	{ "execve", do_execve, 1, -1, 0 },
	{ "execveat", do_execveat, 1, -1, 0 },
	{ "stat", do_stat, 1, 1, 0 },
	{ "lstat", do_lstat, 1, 1, 0 },
	{ "newfstatat", do_newfstatat, 1, 1, 0 },
	{ "statx", do_statx, 1, 1, 0 },
	{ "readlink", do_readlink, 1, 1, 0 },
	{ "chdir", do_chdir, 1, 1, 0 },
};

static const struct call *find_call(const char *name)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (strcmp(calls[i].name, name) == 0)
			return &calls[i];
	}
	return NULL;
}

/* Read the options into opt and collect the operands; argv[1] is the call. */
static void parse_options(int argc, char **argv)
{
	operands = calloc(argc, sizeof(char *));
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(arg, "--") == 0) {
			while (++i < argc)
				operands[operand_count++] = argv[i];
			break;
		}
		if (strncmp(arg, "--", 2) != 0) {
			operands[operand_count++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--null") == 0) {
			opt.null_path = 1;
			continue;
		}
		if (!value)
			usage_error("option %s needs a value", arg);
		if (strcmp(arg, "--dirfd") == 0) {
			opt.dirfd_spec = value;
		} else if (strcmp(arg, "--newdirfd") == 0) {
			opt.newdirfd_spec = value;
		} else if (strcmp(arg, "--flags") == 0) {
			opt.flags = parse_bits(value, 0);
			opt.flags_set = 1;
		} else if (strcmp(arg, "--mode") == 0) {
			opt.mode = parse_bits(value, 8);
			opt.mode_set = 1;
		} else if (strcmp(arg, "--resolve") == 0) {
			opt.resolve = parse_bits(value, 0);
		} else if (strcmp(arg, "--dev") == 0) {
			opt.dev = parse_dev(value);
		} else if (strcmp(arg, "--time") == 0) {
			opt.time = parse_number(value, "invalid time '%s'");
			opt.time_set = 1;
		} else if (strcmp(arg, "--data") == 0) {
			opt.data = value;
		} else if (strcmp(arg, "--chdir") == 0) {
			if (opt.chdir_count == MAX_CHDIRS)
				usage_error("more than 64 --chdir options%s", "");
			opt.chdirs[opt.chdir_count++] = value;
		} else {
			usage_error("unknown option %s", arg);
		}
		i++;
	}
}

static void check_operand_count(const struct call *call)
{
	int given = operand_count + (opt.null_path ? 1 : 0);

	if (given < call->min)
		usage_error("missing operands%s", "");
	if (call->max >= 0 && given > call->max)
		usage_error("too many operands%s", "");
}

/* Run the --chdir steps and open the directory fds; any failure exits 255. */
static void set_up(void)
{
	for (int i = 0; i < opt.chdir_count; i++) {
		if (syscall(SYS_chdir, opt.chdirs[i]) < 0) {
			fprintf(stderr, "sysc %s: cannot chdir to '%s': %s\n",
				call_name, opt.chdirs[i], strerror(errno));
			exit(EXIT_USAGE);
		}
	}
	if (opt.dirfd_spec)
		dirfd = open_dirfd(opt.dirfd_spec);
	if (opt.newdirfd_spec)
		newdirfd = open_dirfd(opt.newdirfd_spec);
	else
		newdirfd = dirfd;
}

static int write_data(long fd)
{
	size_t length = strlen(opt.data);

	if (syscall(SYS_write, fd, opt.data, length) != (long)length) {
		int error = errno ? errno : EIO;

		fprintf(stderr, "sysc %s: write: %s\n", call_name, strerror(error));
		return error;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct call *call;
	long result;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	call_name = argv[1];
	call = find_call(call_name);
	if (!call)
		usage_error("unknown call%s", "");
	parse_options(argc, argv);
	check_operand_count(call);
	set_up();

	errno = 0;
	result = call->run();
	if (result < 0) {
		int error = errno;

		fprintf(stderr, "sysc %s: %s\n", call_name, strerror(error));
		return error;
	}
	if (call->returns_fd && opt.data)
		return write_data(result);
	return 0;
}
