// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON string writer: a table of inputs with their exact output (escapes,
 * invalid UTF-8, overlong forms, surrogates, code points beyond U+10FFFF,
 * truncated sequences), and random byte strings whose output must be one
 * valid JSON string (RFC 8259 section 7) in well-formed UTF-8, checked by a
 * validator written from the table of well-formed byte sequences (Unicode
 * table 3-7) rather than by decoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"

static char *render(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	json_string(f, s);
	assert_int_equal(fclose(f), 0);
	return out;
}

struct row {
	const char *in, *out;
};

static const struct row rows[] = {
	{ "", "\"\"" },
	{ "plain text", "\"plain text\"" },
	{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
	{ "\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"" },
	{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
	{ "/", "\"/\"" },
	/* Well-formed UTF-8 is copied: 2, 3 and 4 bytes, the first and last of each length. */
	{ "\xc2\x80 \xdf\xbf", "\"\xc2\x80 \xdf\xbf\"" },
	{ "\xe0\xa0\x80 \xef\xbf\xbf \xe2\x82\xac", "\"\xe0\xa0\x80 \xef\xbf\xbf \xe2\x82\xac\"" },
	{ "\xed\x9f\xbf \xee\x80\x80", "\"\xed\x9f\xbf \xee\x80\x80\"" },	/* U+D7FF, U+E000 */
	{ "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"" },
	/* Not UTF-8: each offending byte becomes U+FFFD. */
	{ "\x80", "\"\\ufffd\"" },
	{ "a\xbf" "b", "\"a\\ufffdb\"" },
	{ "\xff\xfe", "\"\\ufffd\\ufffd\"" },
	{ "\xc3", "\"\\ufffd\"" },				/* truncated at the end */
	{ "\xc3(", "\"\\ufffd(\"" },				/* truncated by an ASCII byte */
	{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
	{ "\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"" },
	/* Overlong forms. */
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },			/* '/' in 2 bytes */
	{ "\xc1\xbf", "\"\\ufffd\\ufffd\"" },
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xc0\x80", "\"\\ufffd\\ufffd\"" },			/* "modified UTF-8" NUL */
	/* Surrogates, alone and paired (CESU-8), are not UTF-8. */
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xed\xa0\xbd\xed\xb8\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	/* Beyond U+10FFFF, and lead bytes that cannot start anything. */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	/* A quote right after a bad byte still gets escaped. */
	{ "\xe2\"", "\"\\ufffd\\\"\"" },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = render(rows[i].in);

		if (strcmp(out, rows[i].out))
			fail_msg("row %zu: got %s, want %s", i, out, rows[i].out);
		free(out);
	}
}

/* Unicode table 3-7: the well-formed sequence at p, as ranges per byte position; its length or 0. */
static size_t well_formed(const unsigned char *p, size_t left)
{
	static const struct { unsigned char lo[4], hi[4]; size_t n; } seqs[] = {
		{ { 0x00 }, { 0x7f }, 1 },
		{ { 0xc2, 0x80 }, { 0xdf, 0xbf }, 2 },
		{ { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
		{ { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
		{ { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
		{ { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
		{ { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
	};

	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		size_t k = 0;

		while (k < seqs[i].n && k < left && p[k] >= seqs[i].lo[k] && p[k] <= seqs[i].hi[k])
			k++;
		if (k == seqs[i].n)
			return k;
	}
	return 0;
}

/* One JSON string (RFC 8259 section 7) and nothing else, in well-formed UTF-8. */
static bool valid_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 1;

	if (len < 2 || p[0] != '"')
		return false;
	while (i < len) {
		size_t n = well_formed(p + i, len - i);

		if (!n)
			return false;
		if (p[i] == '"')
			return i == len - 1;
		if (p[i] < 0x20)
			return false;
		if (p[i] == '\\') {
			if (i + 1 >= len)
				return false;
			if (strchr("\"\\/bfnrt", p[i + 1]) && p[i + 1]) {
				i += 2;
				continue;
			}
			if (p[i + 1] != 'u' || i + 6 > len)
				return false;
			for (size_t k = 2; k < 6; k++)
				if (!strchr("0123456789abcdefABCDEF", p[i + k]) || !p[i + k])
					return false;
			i += 6;
			continue;
		}
		i += n;
	}
	return false;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_random_bytes(void **state)
{
	/* Bytes weighted towards the interesting ones: quotes, controls, lead and continuation bytes. */
	static const unsigned char some[] = { '"', '\\', '\n', 0x01, 0x1f, 0x7f, 'a', 0x80, 0xbf, 0xc0, 0xc1,
					      0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f,
					      0x8f, 0x90 };
	char in[32];

	(void)state;
	for (unsigned int i = 0; i < 200000; i++) {
		size_t len = rng() % (sizeof(in) - 1);
		char *out;

		for (size_t j = 0; j < len; j++) {
			unsigned char c = rng() % 2 ? some[rng() % sizeof(some)] : (unsigned char)(rng() % 255 + 1);

			in[j] = (char)c;
		}
		in[len] = '\0';
		out = render(in);
		if (!valid_json_string(out))
			fail_msg("input %u gives invalid JSON: %s", i, out);
		free(out);
	}
}

/* The validator itself rejects what it must, so the random test can fail. */
static void test_validator(void **state)
{
	(void)state;
	assert_true(valid_json_string("\"ok \\u00e9 \xc3\xa9\""));
	assert_false(valid_json_string("\"\xc3\""));
	assert_false(valid_json_string("\"\xed\xa0\x80\""));
	assert_false(valid_json_string("\"\xc0\xaf\""));
	assert_false(valid_json_string("\"a\nb\""));
	assert_false(valid_json_string("\"a\"b\""));
	assert_false(valid_json_string("\"\\x\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
