// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit test of the guest printf engine (lib/fmt.c). Every case is
 * checked against its expected text and, as an oracle, against the host
 * libc's snprintf, which implements the same C rules.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"

enum arg_kind { ARG_NONE, ARG_INT, ARG_UINT, ARG_LONG, ARG_ULONG, ARG_LLONG,
		ARG_ULLONG, ARG_SIZE, ARG_STR, ARG_PTR, ARG_CHAR, ARG_STAR_INT };

struct fmt_case {
	const char *fmt;
	enum arg_kind kind;
	long long i;		/* ARG_INT .. ARG_LLONG, ARG_CHAR, width for ARG_STAR_INT */
	unsigned long long u;	/* unsigned kinds, ARG_PTR; value for ARG_STAR_INT */
	const char *s;		/* ARG_STR */
	const char *expect;
};

static const struct fmt_case fmt_cases[] = {
	{ "plain text", ARG_NONE, 0, 0, NULL, "plain text" },
	{ "100%%", ARG_NONE, 0, 0, NULL, "100%" },
	{ "%d", ARG_INT, 0, 0, NULL, "0" },
	{ "%d", ARG_INT, -42, 0, NULL, "-42" },
	{ "%i", ARG_INT, INT_MIN, 0, NULL, "-2147483648" },
	{ "%+d", ARG_INT, 5, 0, NULL, "+5" },
	{ "% d", ARG_INT, 5, 0, NULL, " 5" },
	{ "%5d|", ARG_INT, -42, 0, NULL, "  -42|" },
	{ "%-5d|", ARG_INT, -42, 0, NULL, "-42  |" },
	{ "%05d", ARG_INT, -42, 0, NULL, "-0042" },
	{ "%.3d", ARG_INT, 7, 0, NULL, "007" },
	{ "%6.3d", ARG_INT, 7, 0, NULL, "   007" },
	{ "%06.3d", ARG_INT, 7, 0, NULL, "   007" },
	{ "%.0d|", ARG_INT, 0, 0, NULL, "|" },
	{ "%u", ARG_UINT, 0, 4294967295ULL, NULL, "4294967295" },
	{ "%x", ARG_UINT, 0, 0xdeadbeef, NULL, "deadbeef" },
	{ "%X", ARG_UINT, 0, 0xbeef, NULL, "BEEF" },
	{ "%08x", ARG_UINT, 0, 0x1234, NULL, "00001234" },
	{ "%8x|", ARG_UINT, 0, 0x1234, NULL, "    1234|" },
	{ "%-8x|", ARG_UINT, 0, 0x1234, NULL, "1234    |" },
	{ "%#x", ARG_UINT, 0, 255, NULL, "0xff" },
	{ "%#x", ARG_UINT, 0, 0, NULL, "0" },
	{ "%#010x", ARG_UINT, 0, 255, NULL, "0x000000ff" },
	{ "%o", ARG_UINT, 0, 8, NULL, "10" },
	{ "%#o", ARG_UINT, 0, 8, NULL, "010" },
	{ "%hhx", ARG_UINT, 0, 0x1ff, NULL, "ff" },
	{ "%hx", ARG_UINT, 0, 0x12345, NULL, "2345" },
	{ "%hhd", ARG_INT, 255, 0, NULL, "-1" },
	{ "%ld", ARG_LONG, LONG_MIN, 0, NULL, "-9223372036854775808" },
	{ "%lx", ARG_ULONG, 0, 0x123456789abcdef0ULL, NULL, "123456789abcdef0" },
	{ "%lu", ARG_ULONG, 0, ULONG_MAX, NULL, "18446744073709551615" },
	{ "%lld", ARG_LLONG, LLONG_MIN, 0, NULL, "-9223372036854775808" },
	{ "%llu", ARG_ULLONG, 0, ULLONG_MAX, NULL, "18446744073709551615" },
	{ "%llx", ARG_ULLONG, 0, ULLONG_MAX, NULL, "ffffffffffffffff" },
	{ "%llo", ARG_ULLONG, 0, ULLONG_MAX, NULL, "1777777777777777777777" },
	{ "%016llx", ARG_ULLONG, 0, 0x2badb002, NULL, "000000002badb002" },
	{ "%#018llx", ARG_ULLONG, 0, 0x100000, NULL, "0x0000000000100000" },
	{ "%llu", ARG_ULLONG, 0, 10000000000000000000ULL, NULL, "10000000000000000000" },
	{ "%zu", ARG_SIZE, 0, 123456789, NULL, "123456789" },
	{ "%s", ARG_STR, 0, 0, "tap", "tap" },
	{ "%5s|", ARG_STR, 0, 0, "ab", "   ab|" },
	{ "%-5s|", ARG_STR, 0, 0, "ab", "ab   |" },
	{ "%.2s", ARG_STR, 0, 0, "abcdef", "ab" },
	{ "[%s]", ARG_STR, 0, 0, "", "[]" },
	{ "%c", ARG_CHAR, 'k', 0, NULL, "k" },
	{ "%3c|", ARG_CHAR, 'k', 0, NULL, "  k|" },
	{ "%p", ARG_PTR, 0, 0x1000, NULL, "0x1000" },
	{ "%*d|", ARG_STAR_INT, 4, 7, NULL, "   7|" },
	{ "%*d|", ARG_STAR_INT, -4, 7, NULL, "7   |" },
};

typedef int (*snprintf_fn)(char *buf, size_t size, const char *fmt, ...);

/* Calls fn with the case's argument passed as its C type. */
static int fmt_case_run(snprintf_fn fn, char *buf, size_t size, const struct fmt_case *c)
{
	switch (c->kind) {
	case ARG_NONE:		return fn(buf, size, c->fmt);
	case ARG_INT:		return fn(buf, size, c->fmt, (int)c->i);
	case ARG_CHAR:		return fn(buf, size, c->fmt, (int)c->i);
	case ARG_UINT:		return fn(buf, size, c->fmt, (unsigned int)c->u);
	case ARG_LONG:		return fn(buf, size, c->fmt, (long)c->i);
	case ARG_ULONG:		return fn(buf, size, c->fmt, (unsigned long)c->u);
	case ARG_LLONG:		return fn(buf, size, c->fmt, c->i);
	case ARG_ULLONG:	return fn(buf, size, c->fmt, c->u);
	case ARG_SIZE:		return fn(buf, size, c->fmt, (size_t)c->u);
	case ARG_STR:		return fn(buf, size, c->fmt, c->s);
	case ARG_PTR:		return fn(buf, size, c->fmt, (void *)(uintptr_t)c->u);
	case ARG_STAR_INT:	return fn(buf, size, c->fmt, (int)c->i, (int)c->u);
	}
	return -1;
}

static void test_fmt_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		char ours[128], libc[128];
		int n = fmt_case_run(fmt_snprintf, ours, sizeof(ours), c);
		int m = fmt_case_run(snprintf, libc, sizeof(libc), c);

		print_message("# case %zu: \"%s\" -> \"%s\"\n", i, c->fmt, ours);
		assert_string_equal(ours, c->expect);
		assert_int_equal(n, (int)strlen(c->expect));
		assert_string_equal(libc, c->expect);
		assert_int_equal(m, n);
	}
}

static const struct trunc_case {
	size_t size;
	int value;
	const char *expect;	/* buffer contents */
	int ret;		/* full length */
} trunc_cases[] = {
	{ 4, 12345, "123", 5 },
	{ 1, 12345, "", 5 },
	{ 6, 12345, "12345", 5 },
	{ 5, 12345, "1234", 5 },
};

static void test_fmt_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(trunc_cases) / sizeof(trunc_cases[0]); i++) {
		const struct trunc_case *c = &trunc_cases[i];
		char buf[16];

		memset(buf, 'X', sizeof(buf));
		assert_int_equal(fmt_snprintf(buf, c->size, "%d", c->value), c->ret);
		assert_string_equal(buf, c->expect);
		/* Nothing is written past size. */
		assert_int_equal(buf[c->size], 'X');
	}
}

static void test_fmt_size_zero(void **state)
{
	char buf[2] = { 'X', 'X' };

	(void)state;
	assert_int_equal(fmt_snprintf(buf, 0, "%s", "abc"), 3);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(fmt_snprintf(NULL, 0, "%d", -1), 2);
}

/* No format attribute: lets the tests below pass formats C calls invalid. */
static int fmt_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_fmt_unknown_conversion(void **state)
{
	char buf[16];

	(void)state;
	/* Unknown conversions are shown, not guessed at. */
	assert_int_equal(fmt_unchecked(buf, sizeof(buf), "a%kb"), 4);
	assert_string_equal(buf, "a%kb");
	assert_int_equal(fmt_unchecked(buf, sizeof(buf), "end%"), 4);
	assert_string_equal(buf, "end%");
}

static void test_fmt_null_string(void **state)
{
	char buf[16];

	(void)state;
	fmt_unchecked(buf, sizeof(buf), "%s", (const char *)NULL);
	assert_string_equal(buf, "(null)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_cases),
		cmocka_unit_test(test_fmt_truncation),
		cmocka_unit_test(test_fmt_size_zero),
		cmocka_unit_test(test_fmt_unknown_conversion),
		cmocka_unit_test(test_fmt_null_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
