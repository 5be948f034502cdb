/* Opens one existing file read-only and closes it, N times, and prints
 * the mean cost of one open in microseconds. Under read sandboxing each
 * open is resolved and checked by the supervisor. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	long n;

	if (argc != 3) {
		fprintf(stderr, "usage: openloop N PATH\n");
		return 2;
	}
	n = atol(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.2f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / 1e3 / n);
	return 0;
}
