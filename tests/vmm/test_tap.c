// SPDX-License-Identifier: GPL-2.0-only
/* The TAP reader and the self-test verdicts built on it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "selftest/report.h"
#include "selftest/tap.h"

static const struct tap_case {
	const char *text;
	unsigned int planned, ok, not_ok, skipped, todo;
	bool has_plan, plan_skip, bailed;
	const char *first_failure, *skip_reason;
} tap_cases[] = {
	{ "1..2\nok 1 - a\nok 2 - b\n", 2, 2, 0, 0, 0, true, false, false, "", "" },
	{ "ok 1 - a\nnot ok 2 - b\n# diag\nnot ok 3 - c\n1..3\n", 3, 1, 2, 0, 0, true, false, false,
	  "not ok 2 - b", "" },
	{ "1..0 # SKIP no PMU here\n", 0, 0, 0, 0, 0, true, true, false, "", "no PMU here" },
	{ "ok 1 - x # SKIP not on AMD\nok 2 - y # skip too\n", 0, 2, 0, 2, 0, false, false, false, "",
	  "not on AMD" },
	{ "not ok 1 - flaky # TODO later\nok 2\n", 0, 1, 0, 0, 1, false, false, false, "", "" },
	{ "ok 1\r\nBail out! exception 13\r\n", 0, 1, 0, 0, 0, false, false, true, "Bail out! exception 13", "" },
	{ "okay 1\nnot okay\n# ok 3\n", 0, 0, 0, 0, 0, false, false, false, "", "" },
	{ "ok 1 - no newline at end", 0, 1, 0, 0, 0, false, false, false, "", "" },
	{ "", 0, 0, 0, 0, 0, false, false, false, "", "" },
};

static void test_tap_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tap_cases) / sizeof(tap_cases[0]); i++) {
		const struct tap_case *c = &tap_cases[i];
		struct tap_result r;

		tap_parse(c->text, strlen(c->text), &r);
		print_message("# case %zu\n", i);
		assert_int_equal(r.has_plan, c->has_plan);
		assert_int_equal(r.planned, c->planned);
		assert_int_equal(r.plan_skip, c->plan_skip);
		assert_int_equal(r.ok, c->ok);
		assert_int_equal(r.not_ok, c->not_ok);
		assert_int_equal(r.skipped, c->skipped);
		assert_int_equal(r.todo, c->todo);
		assert_int_equal(r.bailed, c->bailed);
		assert_string_equal(r.first_failure, c->first_failure);
		assert_string_equal(r.skip_reason, c->skip_reason);
	}
}

static const struct selftest_guest guest = { "g", "g.elf", "proves", { NULL }, { NULL }, 0 };

static const struct judge_case {
	int status;
	const char *out, *err;
	enum selftest_verdict verdict;
	const char *why;
} judge_cases[] = {
	{ 1, "1..2\nok 1\nok 2\n", "", ST_PASS, "" },
	{ 3, "1..2\nok 1\nnot ok 2 - counts\n", "", ST_FAIL, "not ok 2 - counts" },
	{ 77, "1..0 # SKIP no LBR\n", "", ST_SKIP, "no LBR" },
	{ 1, "ok 1 # SKIP a\nok 2 # SKIP b\n", "", ST_SKIP, "a" },
	{ 8, "ok 1\n", "vmm: vCPU 0: guest triple fault\nrip=...\n", ST_FAIL,
	  "vmm exit status 8: vmm: vCPU 0: guest triple fault" },
	{ 124, "", "vmm: timeout: guest still running after 60.000 s\n", ST_FAIL, "vmm exit status 124: vmm: timeout" },
	{ 1, "1..3\nok 1\nok 2\n", "", ST_FAIL, "planned 3 tests, ran 2" },
	{ 1, "# nothing\n", "", ST_FAIL, "without reporting a test" },
	{ 1, "ok 1\nBail out! boom\n", "", ST_FAIL, "Bail out! boom" },
	{ 128 + 31, "ok 1\nnot ok 2\n", "", ST_FAIL, "killed by SIGSYS: a vCPU thread made a system call" },
};

static void test_judge(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(judge_cases) / sizeof(judge_cases[0]); i++) {
		const struct judge_case *c = &judge_cases[i];
		struct selftest_pair p = { .guest = &guest, .status = c->status };

		tap_parse(c->out, strlen(c->out), &p.tap);
		selftest_judge(&p, c->err);
		if (p.verdict != c->verdict || !strstr(p.why, c->why))
			fail_msg("case %zu: verdict %s '%s', want %s '%s'", i, selftest_verdict_name(p.verdict),
				 p.why, selftest_verdict_name(c->verdict), c->why);
	}
}

static void test_modes_parse(void **state)
{
	unsigned int mask;
	struct vmm_err err = { 0 };

	(void)state;
	assert_int_equal(selftest_modes_parse("off", &mask, &err), 0);
	assert_int_equal(mask, 1u << ST_MODE_OFF);
	assert_int_equal(selftest_modes_parse("off,soft", &mask, &err), 0);
	assert_int_equal(mask, 1u << ST_MODE_OFF | 1u << ST_MODE_SOFT_INTEL | 1u << ST_MODE_SOFT_AMD);
	assert_int_equal(selftest_modes_parse("all", &mask, &err), 0);
	assert_int_equal(mask, (1u << ST_NR_MODES) - 1);
	assert_int_equal(selftest_modes_parse("off,bogus", &mask, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown mode 'bogus'"));
	assert_int_equal(selftest_modes_parse("off,,soft", &mask, &err), -EINVAL);
	assert_int_equal(selftest_guests_check("hello,libcheck", &err), 0);
	assert_int_equal(selftest_guests_check("hello,nope", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no bundled guest 'nope'"));
}

static void test_report_matrix_and_status(void **state)
{
	struct selftest_opts o = { .modes = 1u << ST_MODE_OFF | 1u << ST_MODE_EMULATED };
	struct selftest_env env = { 0 };
	struct selftest_pair pairs[2] = {
		{ .guest = &guest, .mode = ST_MODE_OFF, .verdict = ST_PASS, .status = 1 },
		{ .guest = &guest, .mode = ST_MODE_EMULATED, .verdict = ST_UNAVAILABLE },
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	snprintf(env.unavailable[ST_MODE_EMULATED], sizeof(env.unavailable[0]), "kvm.enable_pmu=N");
	tap_parse("1..1\nok 1\n", 10, &pairs[0].tap);
	assert_int_equal(selftest_report(&o, &env, pairs, 2, 0.5, f, NULL), 0);
	fclose(f);
	assert_non_null(strstr(text, "pass 1/1"));
	assert_non_null(strstr(text, "n/a"));
	assert_non_null(strstr(text, "emulated unavailable: kvm.enable_pmu=N"));
	assert_non_null(strstr(text, "1 passed, 0 failed, 0 skipped"));
	free(text);

	/* Nothing ran: 77. */
	pairs[0].verdict = ST_UNAVAILABLE;
	f = open_memstream(&text, &len);
	assert_int_equal(selftest_report(&o, &env, pairs, 2, 0.5, f, NULL), 77);
	fclose(f);
	free(text);
	/* A failure: 1. */
	pairs[0].verdict = ST_FAIL;
	f = open_memstream(&text, &len);
	assert_int_equal(selftest_report(&o, &env, pairs, 2, 0.5, f, NULL), 1);
	fclose(f);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_parse),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_modes_parse),
		cmocka_unit_test(test_report_matrix_and_status),
	};

	return cmocka_run_group_tests_name("tap", tests, NULL, NULL);
}
