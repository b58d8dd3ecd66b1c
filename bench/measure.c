/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * measure.c - run a program and print its CPU time, peak RSS and wall time.
 *
 *   tcptrack-measure PROGRAM [ARG...]
 *
 * The program's standard output goes to /dev/null; on exit this prints
 * "user_s system_s maxrss_kib wall_s status" on standard error.  posix_spawn()
 * starts the child without copying this process, so its peak RSS is its own
 * (a child forked from a large interpreter would inherit that interpreter's).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	struct rusage ru;
	int status, rc;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: tcptrack-measure PROGRAM [ARG...]\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = posix_spawnp(&pid, argv[1], &fa, NULL, argv + 1, environ);
	if (rc != 0) {
		fprintf(stderr, "tcptrack-measure: %s: %s\n", argv[1], strerror(rc));
		return 127;
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("tcptrack-measure: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "%ld.%06ld %ld.%06ld %ld %.6f %d\n", (long)ru.ru_utime.tv_sec,
	        (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
	        ru.ru_maxrss, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
