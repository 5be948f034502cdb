/* Forks, execs PROGRAM and waits for it, N times, and prints the mean
 * cost of one round in microseconds. Under a ptrace supervisor each round
 * costs a fork event, the child's attach stop, an exec event and the
 * reaping of its exit. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	long n;

	if (argc != 3) {
		fprintf(stderr, "usage: churn N PROGRAM\n");
		return 2;
	}
	n = atol(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++) {
		int status;
		pid_t child = fork();
		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			execl(argv[2], argv[2], (char *)NULL);
			_exit(127);
		}
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "churn: %s failed\n", argv[2]);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%.1f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / 1e3 / n);
	return 0;
}
