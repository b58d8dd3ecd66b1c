/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz.h - what the harnesses share.  Built with -Dfuzzing=true, libFuzzer
 * drives LLVMFuzzerTestOneInput(); otherwise replay_main.c gives each harness
 * a main() that feeds it every file named on the command line (directories:
 * every file in them), so the corpora and the crashes once found are replayed
 * by the normal test suite (dav1d's tests/libfuzzer does the same).
 */
#ifndef TCPTRACK_FUZZ_H
#define TCPTRACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the harness checks failed: print it and abort (a crash to libFuzzer). */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			fuzz_fail(__FILE__, __LINE__, #cond);                              \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/*
 * fuzz_decode's first byte: the link types tcptrack decodes, in a fixed order;
 * a byte of FUZZ_N_LINKS mod (FUZZ_N_LINKS + 1) stands for itself as a DLT.
 */
#define FUZZ_N_LINKS 10
int fuzz_link_from_byte(uint8_t b);
/** @return the byte that stands for dlt. */
uint8_t fuzz_link_to_byte(int dlt);

#endif /* TCPTRACK_FUZZ_H */
