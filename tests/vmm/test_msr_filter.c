// SPDX-License-Identifier: GPL-2.0-only
/* MSR filter ranges: the listed MSRs exit to userspace, their neighbours stay with KVM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/kvm/msr_filter.h"

static void test_intel_and_amd_lists(void **state)
{
	static const uint32_t msrs[] = { 0x38f, 0xc1, 0xc2, 0x186, 0x1d9, 0x345, 0x4c1, 0x680, 0x6df,
					 0xc0010000, 0xc0010007, 0xc0010201, 0xc0000300, 0xc0000303 };
	static const uint32_t allowed[] = { 0xc0, 0xc9, 0x185, 0x1da, 0x390, 0x10, 0xc0010008,
					    0xc0000304, 0x6e0, 0 };
	struct msr_filter *f = malloc(sizeof(*f));
	unsigned int ranges = 0;

	(void)state;
	assert_int_equal(msr_filter_build(f, msrs, sizeof(msrs) / sizeof(msrs[0]), NULL), 0);
	assert_int_equal(f->kvm.flags, KVM_MSR_FILTER_DEFAULT_ALLOW);
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		assert_true(msr_filter_denies(f, msrs[i]));
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		assert_false(msr_filter_denies(f, allowed[i]));
	for (unsigned int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		if (!f->kvm.ranges[i].nmsrs)
			continue;
		ranges++;
		assert_int_equal(f->kvm.ranges[i].flags, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE);
		assert_true(f->kvm.ranges[i].nmsrs <= KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8);
	}
	/* Intel's 0xc1..0x6df in one range; AMD's two blocks in one each. */
	assert_int_equal(ranges, 3);
	free(f);
}

static void test_too_many_ranges(void **state)
{
	struct msr_filter *f = malloc(sizeof(*f));
	struct vmm_err err = { 0 };
	uint32_t msrs[KVM_MSR_FILTER_MAX_RANGES + 1];

	(void)state;
	for (unsigned int i = 0; i < KVM_MSR_FILTER_MAX_RANGES + 1; i++)
		msrs[i] = i * 0x100000;
	assert_int_equal(msr_filter_build(f, msrs, KVM_MSR_FILTER_MAX_RANGES + 1, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "more than 16 MSR filter ranges"));
	assert_int_equal(msr_filter_build(f, msrs, KVM_MSR_FILTER_MAX_RANGES, &err), 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_and_amd_lists),
		cmocka_unit_test(test_too_many_ranges),
	};

	return cmocka_run_group_tests_name("msr_filter", tests, NULL, NULL);
}
