/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * maxrss - run a command and report its peak resident set size.
 *
 *   maxrss OUTFILE COMMAND [ARGS...]
 *
 * Runs COMMAND (stdin, stdout, stderr inherited), writes its peak RSS in KiB
 * (getrusage(RUSAGE_CHILDREN) ru_maxrss after wait) to OUTFILE, and exits
 * with its exit status (128 + signal if it was killed; 127 if it could not run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: maxrss OUTFILE COMMAND [ARGS...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("maxrss: exec");
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		perror("maxrss: wait");
		return 127;
	}
	f = fopen(argv[1], "w");
	if (f == NULL || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror("maxrss: write");
		return 127;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
