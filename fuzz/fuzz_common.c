/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_common.c - what the harnesses share: invariant failures, the link type byte. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "tcptrack/decode.h"

static const int links[FUZZ_N_LINKS] = {
	TT_DLT_NULL, TT_DLT_EN10MB, TT_DLT_RAW, TT_DLT_RAW_OPENBSD, TT_DLT_LOOP,
	TT_DLT_LINUX_SLL, TT_DLT_IPV4, TT_DLT_IPV6, TT_DLT_LINUX_SLL2, TT_LINKTYPE_RAW,
};

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

int fuzz_link_from_byte(uint8_t b)
{
	unsigned i = b % (FUZZ_N_LINKS + 1u);

	return i < FUZZ_N_LINKS ? links[i] : b;
}

uint8_t fuzz_link_to_byte(int dlt)
{
	for (unsigned i = 0; i < FUZZ_N_LINKS; i++)
		if (links[i] == dlt)
			return (uint8_t)i;
	return FUZZ_N_LINKS; /* 10 mod 11: the DLT 10 (FDDI), which tcptrack does not decode */
}
