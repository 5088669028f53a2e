// SPDX-License-Identifier: GPL-2.0-only
/*
 * --pmu=off MSR answers: the legacy P6 and K7 counter MSRs read 0 and drop
 * writes, as KVM with its vPMU off answers them; every other PMU MSR #GPs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "pmu/msrs.h"

static const struct {
	uint32_t msr;
	bool inert;
	const char *name;
} cases[] = {
	{ 0xc1, true, "P6_PERFCTR0 (IA32_PMC0)" },
	{ 0xc2, true, "P6_PERFCTR1 (IA32_PMC1)" },
	{ 0xc3, false, "IA32_PMC2" },
	{ 0xc8, false, "IA32_PMC7" },
	{ 0x186, true, "P6_EVNTSEL0 (IA32_PERFEVTSEL0)" },
	{ 0x187, true, "P6_EVNTSEL1 (IA32_PERFEVTSEL1)" },
	{ 0x188, false, "IA32_PERFEVTSEL2" },
	{ 0x309, false, "IA32_FIXED_CTR0" },
	{ 0x345, false, "IA32_PERF_CAPABILITIES" },
	{ 0x38d, false, "IA32_FIXED_CTR_CTRL" },
	{ 0x38f, false, "IA32_PERF_GLOBAL_CTRL" },
	{ 0x4c1, false, "IA32_A_PMC0" },
	{ 0xc0010000, true, "K7_EVNTSEL0" },
	{ 0xc0010003, true, "K7_EVNTSEL3" },
	{ 0xc0010004, true, "K7_PERFCTR0" },
	{ 0xc0010007, true, "K7_PERFCTR3" },
	{ 0xc0010008, false, "after K7_PERFCTR3" },
	{ 0xc0010200, false, "F15H_PERF_CTL0" },
	{ 0xc0010201, false, "F15H_PERF_CTR0" },
	{ 0xc0000300, false, "PERF_CNTR_GLOBAL_STATUS" },
	{ 0xc0000301, false, "PERF_CNTR_GLOBAL_CTL" },
};

static void test_off_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0x5a5a;

		print_message("# %s (%#x): %s\n", cases[i].name, cases[i].msr, cases[i].inert ? "0" : "#GP");
		assert_int_equal(pmu_msr_legacy_inert(cases[i].msr), cases[i].inert);
		assert_int_equal(pmu_off_rdmsr(cases[i].msr, &v) == 0, cases[i].inert);
		assert_int_equal(v, 0);
		assert_int_equal(pmu_off_wrmsr(cases[i].msr, 0x1234) == 0, cases[i].inert);
	}
}

/* Every inert MSR is in the list the off-mode filter sends to userspace. */
static void test_inert_are_filtered(void **state)
{
	uint32_t msrs[PMU_EVERY_MSR_MAX];
	size_t n = pmu_every_msr(msrs, PMU_EVERY_MSR_MAX), inert = 0;

	(void)state;
	assert_true(n < PMU_EVERY_MSR_MAX);
	for (size_t i = 0; i < n; i++)
		inert += pmu_msr_legacy_inert(msrs[i]);
	assert_int_equal(inert, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_answers),
		cmocka_unit_test(test_inert_are_filtered),
	};

	return cmocka_run_group_tests_name("pmu-msrs", tests, NULL, NULL);
}
