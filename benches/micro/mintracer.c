/* A ptrace supervisor that only follows processes: it seizes the command
 * with the fork, vfork, clone and exec options and resumes every stop,
 * with no policy work. Its cost per process is the floor of sydbox's
 * process tracking.
 *
 *   mintracer COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "follow.h"

int main(int argc, char **argv)
{
	long options = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		       PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	int first_status = 1;
	pid_t command;

	if (argc < 2) {
		fprintf(stderr, "usage: mintracer COMMAND [ARG...]\n");
		return 2;
	}
	command = fork();
	if (command < 0) {
		perror("fork");
		return 1;
	}
	if (command == 0) {
		raise(SIGSTOP);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (waitpid(command, NULL, WSTOPPED) < 0 || ptrace(PTRACE_SEIZE, command, 0, options) != 0) {
		perror("mintracer: seize");
		kill(command, SIGKILL);
		return 1;
	}
	kill(command, SIGCONT);
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid < 0)
			break;
		follow_stop(pid, status, command, &first_status);
	}
	return first_status;
}
