/* Calls stat(2) on one existing path N times and prints the mean cost of
 * one call in microseconds. Under sydbox with the magic lock off, each
 * call goes to the supervisor for the /dev/sydbox check. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	struct stat st;
	long n;

	if (argc != 3) {
		fprintf(stderr, "usage: statloop N PATH\n");
		return 2;
	}
	n = atol(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++)
		if (stat(argv[2], &st) != 0) {
			perror(argv[2]);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.2f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / 1e3 / n);
	return 0;
}
