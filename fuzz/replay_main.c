/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay_main.c - main() of a harness built without libFuzzer: run
 * LLVMFuzzerTestOneInput() once on every file given, or on every regular file
 * in a directory given (not recursively, in name order).  Prints how many
 * inputs ran; exits 1 if a file cannot be read or none was found, so an empty
 * corpus cannot pass unnoticed.  A crash is the harness's, as under libFuzzer.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (64u << 20) /* a larger file is not a fuzz input */

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    (unsigned long)size > REPLAY_MAX_INPUT || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, f == NULL ? strerror(errno) : "cannot read");
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* An exact-size heap block, so that ASan sees a read one byte past the end. */
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @return inputs run, or -1. */
static long run_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	char **list = NULL;
	size_t n = 0, cap = 0;
	long done = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			char **grown = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof(*list));
			if (grown == NULL)
				break;
			list = grown;
		}
		list[n] = strdup(path);
		if (list[n] != NULL)
			n++;
	}
	closedir(d);
	qsort(list, n, sizeof(*list), by_name);
	for (size_t i = 0; i < n; i++) {
		if (done >= 0)
			done = run_file(list[i]) == 0 ? done + 1 : -1;
		free(list[i]);
	}
	free(list);
	return done;
}

int main(int argc, char **argv)
{
	long total = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		total += n;
	}
	printf("%s: %ld inputs replayed\n", argc > 0 ? argv[0] : "replay", total);
	return total > 0 ? 0 : 1;
}
