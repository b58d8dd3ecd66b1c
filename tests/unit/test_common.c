/* SPDX-License-Identifier: BSD-2-Clause */
/* test_common.c - time specifications (--at). */
#include <criterion/criterion.h>

#include "tcptrack/common.h"

static tt_time_ns parse_ok(const char *s, bool want_relative)
{
	tt_time_ns t = -1;
	bool rel = !want_relative;

	cr_assert_eq(tt_parse_time_spec(s, &t, &rel), TT_OK, "%s", s);
	cr_assert_eq(rel, want_relative, "%s", s);
	return t;
}

static void parse_bad(const char *s)
{
	tt_time_ns t;
	bool rel;

	cr_assert_eq(tt_parse_time_spec(s, &t, &rel), TT_ERR_INVAL, "%s", s);
}

Test(common, iso8601_utc)
{
	/* 2024-05-01T12:00:03Z = 1714564803 (date -u -d ... +%s) */
	cr_assert_eq(parse_ok("2024-05-01T12:00:03Z", false), INT64_C(1714564803) * TT_NS_PER_SEC);
	cr_assert_eq(parse_ok("2024-05-01T12:00:03.25Z", false),
	             INT64_C(1714564803) * TT_NS_PER_SEC + 250000000);
	cr_assert_eq(parse_ok("2024-05-01 12:00:03.000000001", false),
	             INT64_C(1714564803) * TT_NS_PER_SEC + 1, "no zone: UTC");
	cr_assert_eq(parse_ok("1970-01-01T00:00:00Z", false), 0);
	cr_assert_eq(parse_ok("2000-02-29T00:00:00Z", false), INT64_C(951782400) * TT_NS_PER_SEC,
	             "leap day of a 400-year");
}

Test(common, iso8601_offsets)
{
	tt_time_ns utc = INT64_C(1714564803) * TT_NS_PER_SEC;

	cr_assert_eq(parse_ok("2024-05-01T14:00:03+02:00", false), utc);
	cr_assert_eq(parse_ok("2024-05-01T14:00:03+0200", false), utc);
	cr_assert_eq(parse_ok("2024-05-01T06:30:03-05:30", false), utc);
}

Test(common, epoch_and_relative)
{
	cr_assert_eq(parse_ok("1700000000", false), INT64_C(1700000000) * TT_NS_PER_SEC);
	cr_assert_eq(parse_ok("1700000000.123456789", false),
	             INT64_C(1700000000) * TT_NS_PER_SEC + 123456789);
	cr_assert_eq(parse_ok("+0.05", true), 50000000);
	cr_assert_eq(parse_ok("+12", true), 12 * TT_NS_PER_SEC);
}

Test(common, rejected)
{
	static const char *const bad[] = {
		"", "+", "-5", "abc", "12:00", "1700000000.", "1700000000.1234567891",
		"2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
		"2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z", "2024-05-01T12:00:03X",
		"2024-05-01T12:00:03+25:00", "2024-05-01", "1969-12-31T23:59:59Z",
		"+2024-05-01T12:00:03Z", "99999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i]);
}

/* Sums of times and durations saturate at the ends of tt_time_ns. */
Test(common, ns_add_saturates)
{
	cr_assert_eq(tt_ns_add(1, 2), 3);
	cr_assert_eq(tt_ns_add(-5, 2), -3);
	cr_assert_eq(tt_ns_add(INT64_MAX, 1), INT64_MAX);
	cr_assert_eq(tt_ns_add(INT64_MAX, INT64_MAX), INT64_MAX);
	cr_assert_eq(tt_ns_add(INT64_MAX - 1, 1), INT64_MAX);
	/* The difference of two times of a crafted capture, almost 2^64 ns apart. */
	cr_assert_eq(tt_ns_sub(5, 7), -2);
	cr_assert_eq(tt_ns_sub(INT64_MAX - 1, -(INT64_MAX - 1)), INT64_MAX);
	cr_assert_eq(tt_ns_sub(-(INT64_MAX - 1), INT64_MAX - 1), INT64_MIN);
	cr_assert_eq(tt_ns_sub(INT64_MIN, 1), INT64_MIN);
	cr_assert_eq(tt_ns_sub(INT64_MAX, -1), INT64_MAX);
	cr_assert_eq(tt_ns_sub(INT64_MIN, INT64_MIN), 0);
	cr_assert_eq(tt_ns_add(INT64_MIN, -1), INT64_MIN);
	cr_assert_eq(tt_ns_add(INT64_MAX, INT64_MIN), -1);
}
