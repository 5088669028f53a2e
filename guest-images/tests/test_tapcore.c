// SPDX-License-Identifier: GPL-2.0-only
/* Host unit test of the TAP tally and its verdict (lib/tapcore.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exit.h"
#include "tapcore.h"

static const struct verdict_case {
	const char *name;
	bool has_plan;
	unsigned int planned, passed, failed, skipped;
	enum tap_verdict verdict;
	unsigned int exit_code;
} verdict_cases[] = {
	{ "all passed", true, 3, 3, 0, 0, TAP_VERDICT_PASS, GUEST_EXIT_PASS },
	{ "all passed, no plan", false, 0, 2, 0, 0, TAP_VERDICT_PASS, GUEST_EXIT_PASS },
	{ "one failed", true, 3, 2, 1, 0, TAP_VERDICT_FAIL, GUEST_EXIT_FAIL },
	{ "failed and skipped", true, 2, 0, 1, 1, TAP_VERDICT_FAIL, GUEST_EXIT_FAIL },
	{ "passed and skipped", true, 3, 2, 0, 1, TAP_VERDICT_PASS, GUEST_EXIT_PASS },
	{ "all skipped", true, 2, 0, 0, 2, TAP_VERDICT_SKIP, GUEST_EXIT_SKIP },
	{ "all skipped, no plan", false, 0, 0, 0, 1, TAP_VERDICT_SKIP, GUEST_EXIT_SKIP },
	{ "fewer than planned", true, 4, 3, 0, 0, TAP_VERDICT_FAIL, GUEST_EXIT_FAIL },
	{ "more than planned", true, 2, 3, 0, 0, TAP_VERDICT_FAIL, GUEST_EXIT_FAIL },
	{ "nothing ran, no plan", false, 0, 0, 0, 0, TAP_VERDICT_FAIL, GUEST_EXIT_FAIL },
	{ "plan 1..0", true, 0, 0, 0, 0, TAP_VERDICT_SKIP, GUEST_EXIT_SKIP },
	{ "plan 1..0 but a test ran", true, 0, 1, 0, 0, TAP_VERDICT_FAIL, GUEST_EXIT_FAIL },
};

/* Builds the tally the way the reporter does: one tap_tally_add() per result. */
static struct tap_tally tally_from_case(const struct verdict_case *c)
{
	struct tap_tally t = { .has_plan = c->has_plan, .planned = c->planned };
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->passed; i++)
		assert_int_equal(tap_tally_add(&t, TAP_RESULT_PASS), ++n);
	for (unsigned int i = 0; i < c->failed; i++)
		assert_int_equal(tap_tally_add(&t, TAP_RESULT_FAIL), ++n);
	for (unsigned int i = 0; i < c->skipped; i++)
		assert_int_equal(tap_tally_add(&t, TAP_RESULT_SKIP), ++n);
	return t;
}

static void test_tap_verdicts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		struct tap_tally t = tally_from_case(c);

		print_message("# case: %s\n", c->name);
		assert_int_equal(t.run, c->passed + c->failed + c->skipped);
		assert_int_equal(t.passed, c->passed);
		assert_int_equal(t.failed, c->failed);
		assert_int_equal(t.skipped, c->skipped);
		assert_int_equal(tap_tally_verdict(&t), c->verdict);
		assert_int_equal(tap_verdict_exit_code(tap_tally_verdict(&t)), c->exit_code);
	}
}

/* The VMM turns a written V into status (V << 1) | 1: meson's codes. */
static void test_tap_exit_statuses(void **state)
{
	(void)state;
	assert_int_equal(tap_verdict_exit_code(TAP_VERDICT_PASS) << 1 | 1, 1);
	assert_int_equal(tap_verdict_exit_code(TAP_VERDICT_FAIL) << 1 | 1, 3);
	assert_int_equal(tap_verdict_exit_code(TAP_VERDICT_SKIP) << 1 | 1, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_verdicts),
		cmocka_unit_test(test_tap_exit_statuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
