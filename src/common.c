/* SPDX-License-Identifier: BSD-2-Clause */
/* common.c - error buffer helpers shared by every module. */
#include "tcptrack/common.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Up to 9 decimals after the point; *p ends after them.  @return false on none or too many. */
static bool parse_fraction(const char **p, int64_t *ns)
{
	int64_t scale = TT_NS_PER_SEC;

	*ns = 0;
	if (**p != '.')
		return true;
	(*p)++;
	if (**p < '0' || **p > '9')
		return false;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		if (scale == 1)
			return false;
		scale /= 10;
		*ns += (**p - '0') * scale;
	}
	return true;
}

static bool parse_digits(const char **p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		*out = *out * 10 + (**p - '0');
	}
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool parse_iso8601(const char *s, tt_time_ns *out)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t frac, days;

	if (!parse_digits(&p, 4, &y) || *p++ != '-' || !parse_digits(&p, 2, &mo) || *p++ != '-' ||
	    !parse_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return false;
	p++;
	if (!parse_digits(&p, 2, &h) || *p++ != ':' || !parse_digits(&p, 2, &mi) || *p++ != ':' ||
	    !parse_digits(&p, 2, &sec) || !parse_fraction(&p, &frac))
		return false;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!parse_digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (!parse_digits(&p, 2, &om) || oh > 23 || om > 59)
			return false;
	}
	if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) || h > 23 ||
	    mi > 59 || sec > 60 || y > 2261)
		return false;
	days = days_from_civil(y, mo, d);
	*out = ((days * 86400 + h * 3600 + mi * 60 + sec) - sign * (oh * 3600 + om * 60)) *
	               TT_NS_PER_SEC +
	       frac;
	return true;
}

int tt_parse_time_spec(const char *s, tt_time_ns *t, bool *relative)
{
	const char *p = s;
	int64_t sec = 0, frac;

	*relative = *p == '+';
	if (*relative)
		p++;
	if (!*relative && parse_iso8601(p, t))
		return TT_OK;
	if (*p < '0' || *p > '9')
		return TT_ERR_INVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sec > INT64_MAX / TT_NS_PER_SEC / 10)
			return TT_ERR_INVAL;
		sec = sec * 10 + (*p - '0');
	}
	if (!parse_fraction(&p, &frac) || *p != '\0')
		return TT_ERR_INVAL;
	*t = sec * TT_NS_PER_SEC + frac;
	return TT_OK;
}

int tt_drop_privileges(const char *user, char *errbuf)
{
	struct passwd *pw;

	if (geteuid() != 0 || user == NULL || strcmp(user, "root") == 0)
		return TT_OK;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL)
		return tt_set_err(errbuf, TT_ERR_INVAL, "-Z %s: no such user", user);
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return tt_set_errno(errbuf, TT_ERR_IO, errno, "-Z %s: cannot switch to that user",
		                    user);
	if (setuid(0) == 0)
		return tt_set_err(errbuf, TT_ERR_IO, "-Z %s: root privileges could not be dropped",
		                  user);
	return TT_OK;
}

void *tt_block_alloc(size_t *bytes)
{
	size_t align = *bytes >= TT_HUGE_PAGE ? TT_HUGE_PAGE : 64;
	size_t n = (*bytes + align - 1) & ~(align - 1);
	void *p = aligned_alloc(align, n);

#ifdef MADV_HUGEPAGE
	if (p != NULL && align == TT_HUGE_PAGE)
		(void)madvise(p, n, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
	*bytes = n;
	return p;
}
