// SPDX-License-Identifier: GPL-2.0-only
/* The JSON validator of the fuzz targets accepts exactly RFC 8259 JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json_check.h"

static const struct {
	const char *text;
	int result;
} cases[] = {
	{ "{}", 0 },
	{ " [1, -0, 0.5, 1e9, -2.25E-3, true, false, null] \n", 0 },
	{ "{\"a\":{\"b\":[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"]}}", 0 },
	{ "\"\\ud83d\\ude00\"", 0 },		/* a surrogate pair */
	{ "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", 0 },
	{ "\"\x7f\"", 0 },
	{ "", -1 },
	{ "{} {}", -1 },
	{ "{\"a\":1,}", -1 },
	{ "[1,]", -1 },
	{ "{a:1}", -1 },
	{ "[01]", -1 },
	{ "[1.]", -1 },
	{ "[.5]", -1 },
	{ "[1e]", -1 },
	{ "[+1]", -1 },
	{ "[tru]", -1 },
	{ "\"a\tb\"", -1 },			/* raw control character */
	{ "\"\\x41\"", -1 },
	{ "\"\\u12\"", -1 },
	{ "\"\\ud83d\"", -1 },		/* high surrogate alone */
	{ "\"\\ude00\"", -1 },		/* low surrogate alone */
	{ "\"\\ud83d\\u0041\"", -1 },
	{ "\"abc", -1 },
	{ "\"\xff\"", -1 },
	{ "\"\xc3\"", -1 },			/* cut short */
	{ "\"\xc0\xaf\"", -1 },		/* overlong '/' */
	{ "\"\xe0\x80\xaf\"", -1 },		/* overlong */
	{ "\"\xed\xa0\x80\"", -1 },		/* encoded surrogate */
	{ "\"\xf4\x90\x80\x80\"", -1 },	/* above U+10FFFF */
	{ "\"\x80\"", -1 },			/* continuation byte first */
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", -1 },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[256];
		int r = json_check(cases[i].text, strlen(cases[i].text), why, sizeof(why));

		if (r != cases[i].result)
			fail_msg("case %zu '%s': %d, expected %d (%s)", i, cases[i].text, r, cases[i].result,
				 why);
		if (r)
			assert_true(why[0] != '\0');
	}
}

/* A NUL byte inside the length is not the end of the text. */
static void test_embedded_nul(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(json_check("\"a\0b\"", 5, why, sizeof(why)), -1);
	assert_int_equal(json_check("{}\0", 3, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_embedded_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
