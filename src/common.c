/* SPDX-License-Identifier: BSD-2-Clause */
/* common.c - error buffer helpers shared by every module. */
#include "tcptrack/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tt_set_err(char *errbuf, int err, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(errbuf, TT_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return err;
}

int tt_set_errno(char *errbuf, int err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (errbuf == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(errbuf, TT_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	if (n < TT_ERRBUF_SIZE - 1)
		snprintf(errbuf + n, TT_ERRBUF_SIZE - n, ": %s", strerror(errnum));
	return err;
}
