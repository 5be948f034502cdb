/* The stop handling shared by mintracer.c and notifyfloor.c, two tracers
 * that follow every process with ptrace and do no policy work. */
#ifndef SYDBOX_BENCH_FOLLOW_H
#define SYDBOX_BENCH_FOLLOW_H

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

/* Resumes one stopped tracee, or records the exit status of `command` in
 * `first_status`. SIGSTOP, SIGTRAP and SIGCONT are dropped and group stops
 * resumed, which the benchmark workloads do not rely on. */
static void follow_stop(pid_t pid, int status, pid_t command, int *first_status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (pid == command)
			*first_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		return;
	}
	if (WIFSTOPPED(status)) {
		int event = status >> 16;
		int sig = WSTOPSIG(status);

		/* Pass real signals on; swallow event and attach stops. */
		if (event != 0 || sig == SIGSTOP || sig == SIGTRAP || sig == SIGCONT)
			sig = 0;
		ptrace(PTRACE_CONT, pid, 0, sig);
	}
}

#endif
