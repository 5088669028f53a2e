// SPDX-License-Identifier: GPL-2.0-only
/* Command-line options of the PMU request. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/plan.h"

static void test_options(void **state)
{
	static const struct {
		const char *opt, *val;
		int ret;
		const char *msg;
	} cases[] = {
		{ "pmu", "mediated", 0, NULL },
		{ "pmu", "fast", -EINVAL, "mode must be off, emulated, mediated, soft or auto" },
		{ "pmu-gp", "4", 0, NULL },
		{ "pmu-gp", "-1", -EINVAL, "expected a number from 0 to 255" },
		{ "pmu-gp", "", -EINVAL, "needs a number" },
		/* The one number syntax of the command line (common/num.h): no sign, space or octal. */
		{ "pmu-gp", "+4", -EINVAL, "expected a number from 0 to 255" },
		{ "pmu-gp", " 4", -EINVAL, "expected a number from 0 to 255" },
		{ "pmu-gp", " -18446744073709551614", -EINVAL, "expected a number from 0 to 255" },
		{ "pmu-gp", "010", -EINVAL, "expected a number from 0 to 255" },
		{ "pmu-gp", "0x8", 0, NULL },
		{ "pmu-fixed-mask", "18446744073709551617", -EINVAL, "from 0 to 4294967295" },
		{ "pmu-filter", "allow:+0xc0", -EINVAL, "is not EVENT[/UMASK]" },
		{ "pmu-gp", "4x", -EINVAL, "expected a number from 0 to 255" },
		{ "pmu-fixed", "32", -EINVAL, "from 0 to 31" },
		{ "pmu-fixed-mask", "0xb", 0, NULL },
		{ "pmu-events", "cycles,branches", 0, NULL },
		{ "pmu-events", "cycles,bogus", -EINVAL, "unknown architectural event 'bogus'" },
		{ "pmu-events", "0x2000", -EINVAL, "expected a number" },
		{ "pmu-lbr", "off", 0, NULL },
		{ "pmu-lbr", "16", 0, NULL },
		{ "pmu-lbr", "64", -EINVAL, "expected on, off or a depth up to 32" },
		{ "pmu-filter", "allow:0xc0,0x3c/0x1,0x1c0/0x2,fixed=0x3", 0, NULL },
		{ "pmu-filter", "maybe:0xc0", -EINVAL, "must start with allow: or deny:" },
		{ "pmu-filter", "deny:0x1000", -EINVAL, "is not EVENT[/UMASK]" },
		{ "pmu-cpus", "core", 0, NULL },
		{ "pmu-cpus", "0-3,8", 0, NULL },
		{ "pmu-cpus", "big", -EINVAL, "expected core, atom, common or a CPU list" },
		{ "cpu-vendor", "amd", 0, NULL },
		{ "cpu-vendor", "via", -EINVAL, "vendor must be intel or amd" },
		{ "pmu-colour", "red", -ENOENT, "unknown PMU option --pmu-colour" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_request req;
		struct vmm_err err = { 0 };

		pmu_request_init(&req);
		assert_int_equal(pmu_request_set(&req, cases[i].opt, cases[i].val, &err), cases[i].ret);
		if (cases[i].msg && !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' not in '%s'", i, cases[i].msg, err.msg);
		/* A bad option is the user's input, whatever its errno. */
		if (cases[i].ret && !err.input)
			fail_msg("case %zu (--%s=%s): error not classified as input: %s", i, cases[i].opt,
				 cases[i].val ? cases[i].val : "", err.msg);
	}
}

static void test_values(void **state)
{
	static struct pmu_request req;
	struct vmm_err err = { 0 };

	(void)state;
	pmu_request_init(&req);
	assert_int_equal(req.mode, PMU_MODE_AUTO);
	assert_int_equal(pmu_request_set(&req, "pmu-filter", "deny:0xc0,0x3c/0x1,0x1c0/0x2,fixed=0x3", &err), 0);
	assert_true(req.filter.set);
	assert_int_equal(req.filter.action, PMU_FILTER_DENY);
	assert_int_equal(req.filter.nevents, 3);
	assert_int_equal(req.filter.events[0], 0xc0);
	assert_int_equal(req.filter.events[1], 0x13c);
	/* AMD EventSelect[11:8] goes to bits [35:32] */
	assert_int_equal(req.filter.events[2], (1ULL << 32) | 0x2c0);
	assert_int_equal(req.filter.fixed_bitmap, 3);
	assert_int_equal(pmu_request_set(&req, "pmu-events", "cycles,instructions,branches", &err), 0);
	assert_int_equal(req.events_available, 0x23);
	assert_int_equal(pmu_request_set(&req, "pmu-lbr", "16", &err), 0);
	assert_int_equal(req.lbr, PMU_LBR_ON);
	assert_int_equal(req.lbr_depth, 16);
	assert_int_equal(pmu_request_set(&req, "pmu-cpus", "0-3,8", &err), 0);
	assert_int_equal(req.cpus, PMU_CPUS_LIST);
	assert_string_equal(req.cpu_list, "0-3,8");
	assert_int_equal(pmu_request_set(&req, "pmu", "soft", &err), 0);
	assert_int_equal(req.mode, PMU_MODE_SOFT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
