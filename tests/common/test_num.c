// SPDX-License-Identifier: GPL-2.0-only
/*
 * The number parser against a reference written differently: the syntax is
 * checked with character classes and the value computed by strtoull(),
 * whose ERANGE says what overflows. Both must agree on every input of a
 * large generated set (random strings over digits, x, signs, white space,
 * letters and suffixes; long digit strings; values around 2^64), and on a
 * table of edge cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/num.h"

/* ---- the reference ---- */

/* Length of the number's text at s (0x prefix included), or 0 if s does not start with one. */
static size_t ref_number_len(const char *s, int *base)
{
	size_t n = 0;

	if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X')) {
		*base = 16;
		while (isxdigit((unsigned char)s[2 + n]))
			n++;
		return n ? n + 2 : 0;
	}
	*base = 10;
	while (isdigit((unsigned char)s[n]))
		n++;
	if (n > 1 && s[0] == '0')
		return 0;
	return n;
}

static int ref_value(const char *s, size_t len, int base, uint64_t *v)
{
	char *buf = strndup(s, len);
	unsigned long long x;
	int r = 0;

	assert_non_null(buf);
	errno = 0;
	x = strtoull(buf, NULL, base);
	if (errno == ERANGE)
		r = -ERANGE;
	else
		*v = x;
	free(buf);
	return r;
}

static int ref_parse_u64(const char *s, uint64_t *v)
{
	int base;
	size_t len = ref_number_len(s, &base);

	if (!len || s[len])
		return -EINVAL;
	return ref_value(s, len, base, v);
}

static int ref_parse_size(const char *s, unsigned int default_shift, uint64_t *v)
{
	static const char *const suffixes[] = { "", "k", "K", "m", "M", "g", "G" };
	static const unsigned int shifts[] = { 0, 10, 10, 20, 20, 30, 30 };
	int base, r;
	size_t len = ref_number_len(s, &base);
	const char *suf = s + len;
	unsigned int shift = 99;
	uint64_t x = 0;

	if (!len)
		return -EINVAL;
	if (!*suf) {
		shift = default_shift;
	} else {
		for (size_t i = 1; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
			if (suf[0] == suffixes[i][0] && (!strcmp(suf + 1, "") || !strcmp(suf + 1, "B") ||
							  !strcmp(suf + 1, "iB")))
				shift = shifts[i];
		if (shift == 99)
			return -EINVAL;
	}
	r = ref_value(s, len, base, &x);
	if (r < 0)
		return r;
	/* Fits when multiplying by 2^shift and dividing back gives x again. */
	if (shift && (x << shift) >> shift != x)
		return -ERANGE;
	*v = x << shift;
	return 0;
}

/* ---- comparison ---- */

static void check_one(const char *s)
{
	uint64_t got = 0xdead, want = 0xdead;
	int r = num_parse_u64(s, &got), rr = ref_parse_u64(s, &want);

	if (r != rr || (r == 0 && got != want))
		fail_msg("num_parse_u64(\"%s\") = %d, %" PRIu64 "; reference %d, %" PRIu64, s, r, got, rr, want);
	for (unsigned int shift = 0; shift <= 30; shift += 10) {
		got = want = 0xdead;
		r = num_parse_size(s, shift, &got);
		rr = ref_parse_size(s, shift, &want);
		if (r != rr || (r == 0 && got != want))
			fail_msg("num_parse_size(\"%s\", %u) = %d, %" PRIu64 "; reference %d, %" PRIu64, s, shift,
				 r, got, rr, want);
	}
}

/* A small deterministic generator, so a failure is reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_random_strings(void **state)
{
	static const char alphabet[] = "0123456789xX+- \t\nabcdefABCDEFgkKmMGiBz.";
	char s[40];

	(void)state;
	for (unsigned int i = 0; i < 400000; i++) {
		size_t len = rng() % 24;

		for (size_t j = 0; j < len; j++)
			s[j] = alphabet[rng() % (sizeof(alphabet) - 1)];
		s[len] = '\0';
		check_one(s);
	}
}

/* Mostly well-formed: a prefix, digits, a suffix, so the value paths are covered too. */
static void test_random_numbers(void **state)
{
	static const char *const prefixes[] = { "", "", "0x", "0X", "0", "-", "+", " ", "00x" };
	static const char *const suffixes[] = { "", "", "", "K", "M", "G", "k", "MiB", "GB", "x", " ", "Mi",
						"KiBB", "T" };
	char s[128];

	(void)state;
	for (unsigned int i = 0; i < 300000; i++) {
		const char *pre = prefixes[rng() % (sizeof(prefixes) / sizeof(prefixes[0]))];
		const char *suf = suffixes[rng() % (sizeof(suffixes) / sizeof(suffixes[0]))];
		bool hex = rng() % 2;
		size_t n = 1 + rng() % 22, len;

		len = (size_t)snprintf(s, sizeof(s), "%s", pre);
		for (size_t j = 0; j < n; j++)
			s[len++] = hex ? "0123456789abcdefABCDEF"[rng() % 22] : (char)('0' + rng() % 10);
		snprintf(s + len, sizeof(s) - len, "%s", suf);
		check_one(s);
	}
}

/* Around 2^64 and the size shifts, in decimal and hex; long digit runs. */
static void test_boundaries(void **state)
{
	char s[200];

	(void)state;
	for (int delta = -3; delta <= 3; delta++) {
		for (unsigned int shift = 0; shift <= 64; shift += 10) {
			uint64_t base = shift >= 64 ? UINT64_MAX : UINT64_MAX >> shift;
			uint64_t x = base + (uint64_t)(int64_t)delta;

			snprintf(s, sizeof(s), "%" PRIu64, x);
			check_one(s);
			snprintf(s, sizeof(s), "0x%" PRIx64, x);
			check_one(s);
			snprintf(s, sizeof(s), "0x%" PRIX64 "M", x);
			check_one(s);
			snprintf(s, sizeof(s), "%" PRIu64 "G", x);
			check_one(s);
		}
	}
	for (size_t n = 1; n < sizeof(s) - 4; n++) {
		memset(s, '9', n);
		s[n] = '\0';
		check_one(s);
		s[0] = '1';
		check_one(s);
		memcpy(s, "0x", 2);
		memset(s + 2, 'f', n);
		s[n + 2] = '\0';
		check_one(s);
		memset(s + 2, '0', n);
		s[n + 1] = '1';
		check_one(s);
	}
}

struct edge {
	const char *s;
	int r;
	uint64_t v;
};

static const struct edge u64_edges[] = {
	{ "0", 0, 0 }, { "7", 0, 7 }, { "42", 0, 42 }, { "0x0", 0, 0 }, { "0x2a", 0, 42 }, { "0X2A", 0, 42 },
	{ "0x00000000000000000000ff", 0, 255 },
	{ "18446744073709551615", 0, UINT64_MAX }, { "0xffffffffffffffff", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 }, { "0x10000000000000000", -ERANGE, 0 },
	{ "99999999999999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 }, { " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 }, { "\t1", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 }, { "+1", -EINVAL, 0 }, { " -18446744073709551614", -EINVAL, 0 },
	{ "010", -EINVAL, 0 }, { "00", -EINVAL, 0 }, { "08", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
	{ "x10", -EINVAL, 0 }, { "0xg", -EINVAL, 0 }, { "1x2", -EINVAL, 0 }, { "0x-1", -EINVAL, 0 },
	{ "0x 1", -EINVAL, 0 }, { "1.5", -EINVAL, 0 }, { "1e3", -EINVAL, 0 }, { "ten", -EINVAL, 0 },
	{ "12K", -EINVAL, 0 }, { "0b101", -EINVAL, 0 },
};

static const struct edge size_edges[] = {	/* default unit MiB */
	{ "64", 0, 64ULL << 20 }, { "64M", 0, 64ULL << 20 }, { "64MiB", 0, 64ULL << 20 }, { "64MB", 0, 64ULL << 20 },
	{ "1G", 0, 1ULL << 30 }, { "1g", 0, 1ULL << 30 }, { "131072K", 0, 128ULL << 20 }, { "0x10M", 0, 16ULL << 20 },
	{ "0x1B", 0, 27ULL << 20 }, { "0", 0, 0 }, { "17179869183G", 0, 17179869183ULL << 30 },
	{ "17179869184G", -ERANGE, 0 }, { "99999999999999999999G", -ERANGE, 0 },
	{ "-5", -EINVAL, 0 }, { " 5M", -EINVAL, 0 }, { "5 M", -EINVAL, 0 }, { "5M ", -EINVAL, 0 },
	{ "010M", -EINVAL, 0 }, { "5T", -EINVAL, 0 }, { "5Mi", -EINVAL, 0 }, { "5MBB", -EINVAL, 0 },
	{ "5B", -EINVAL, 0 }, { "M", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "+5M", -EINVAL, 0 },
};

static void test_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(u64_edges) / sizeof(u64_edges[0]); i++) {
		const struct edge *e = &u64_edges[i];
		uint64_t v = 0;
		int r = num_parse_u64(e->s, &v);

		if (r != e->r || (r == 0 && v != e->v))
			fail_msg("num_parse_u64(\"%s\") = %d, %" PRIu64 "; want %d, %" PRIu64, e->s, r, v, e->r, e->v);
		check_one(e->s);
	}
	for (size_t i = 0; i < sizeof(size_edges) / sizeof(size_edges[0]); i++) {
		const struct edge *e = &size_edges[i];
		uint64_t v = 0;
		int r = num_parse_size(e->s, 20, &v);

		if (r != e->r || (r == 0 && v != e->v))
			fail_msg("num_parse_size(\"%s\") = %d, %" PRIu64 "; want %d, %" PRIu64, e->s, r, v, e->r, e->v);
		check_one(e->s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_random_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
