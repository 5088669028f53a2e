// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU PMU hooks: which engine each mode attaches, that an engine sets
 * every hook, and the software PMU's adapter on its own (no vCPU, no KVM):
 * a fresh engine verifies as fresh, a counter written through the MSR hooks
 * makes the reset check fail until the reset hook runs, and the statistics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../pmu/hostfile.h"
#include "pmu/plan.h"
#include "pmu/soft/softpmu.h"
#include "vmm/run/vcpu_pmu.h"

/* A plan of the mode on a recorded host (soft: with that vendor). */
static void plan_on(const char *host, const char *mode, const char *vendor, struct pmu_plan *plan)
{
	static struct pmu_host h;
	struct pmu_request req;
	struct vmm_err err = { 0 };

	pmu_request_init(&req);
	if (hostfile_load(host, &h, &err) || pmu_request_set(&req, "pmu", mode, &err) ||
	    (vendor && pmu_request_set(&req, "cpu-vendor", vendor, &err)) || pmu_plan(&h, &req, plan, &err))
		fail_msg("%s on %s: %s", mode, host, err.msg);
}

static void test_engine_per_mode(void **state)
{
	static const struct {
		const char *host, *mode;
		const struct vcpu_pmu_ops *want;
	} cases[] = {
		{ "dev-amd-no-pmu", "off", NULL },
		{ "spr-emulated", "emulated", NULL },
		{ "spr-mediated", "mediated", NULL },
		{ "dev-amd-no-pmu", "soft", &softpmu_hooks },
		{ "spr-mediated", "soft", &softpmu_hooks },
	};
	static struct pmu_plan plan;

	(void)state;
	assert_null(vcpu_pmu_ops_for(NULL));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		plan_on(cases[i].host, cases[i].mode, NULL, &plan);
		if (vcpu_pmu_ops_for(&plan) != cases[i].want)
			fail_msg("case %zu: %s on %s attaches %s", i, cases[i].mode, cases[i].host,
				 vcpu_pmu_ops_for(&plan) ? vcpu_pmu_ops_for(&plan)->name : "no engine");
	}
}

static void test_every_hook_set(void **state)
{
	const struct vcpu_pmu_ops *o = &softpmu_hooks;

	(void)state;
	assert_string_equal(o->name, "soft");
	assert_true(o->owns_debug_exits);	/* it single-steps the guest */
	assert_non_null(o->setup_vm);
	assert_non_null(o->create);
	assert_non_null(o->before_run);
	assert_non_null(o->after_exit);
	assert_non_null(o->msr_read);
	assert_non_null(o->msr_write);
	assert_non_null(o->reset);
	assert_non_null(o->verify);
	assert_non_null(o->stats);
	assert_non_null(o->destroy);
}

/* The first of the model's MSRs that takes a value other than its fresh one: *fresh, *val. */
static uint32_t writable_msr(const struct pmu_plan *plan, uint64_t *fresh, uint64_t *val)
{
	static struct softpmu m;
	struct vmm_err err = { 0 };
	const uint32_t *msrs;
	size_t n;

	assert_int_equal(softpmu_init(&m, &plan->shape, NULL, &err), 0);
	msrs = softpmu_msr_list(&m, &n);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;

		if (softpmu_rdmsr(&m, msrs[i], fresh))
			continue;
		*val = *fresh == 1 ? 0 : 1;
		if (!softpmu_wrmsr(&m, msrs[i], *val) && !softpmu_rdmsr(&m, msrs[i], &v) && v == *val)
			return msrs[i];
	}
	fail_msg("no writable MSR in the soft PMU of %s", pmu_mode_name(plan->shape.mode));
	return 0;
}

static void test_soft_adapter(void **state)
{
	static const char *const vendors[] = { "intel", "amd" };
	static struct pmu_plan plan;

	(void)state;
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		const struct vcpu_pmu_ops *o = &softpmu_hooks;
		struct vcpu_pmu_stats st;
		struct vmm_err err = { 0 };
		void *pmu = NULL;
		uint64_t v = 0, fresh = 0, val = 0;
		char want[96];
		uint32_t msr;

		plan_on("dev-amd-no-pmu", "soft", vendors[i], &plan);
		msr = writable_msr(&plan, &fresh, &val);
		assert_int_equal(o->create(NULL, -1, &plan, &pmu, &err), 0);
		assert_non_null(pmu);
		assert_int_equal(o->verify(pmu, &plan, &err), 0);

		assert_int_equal(o->msr_write(pmu, msr, val), 0);
		assert_int_equal(o->msr_read(pmu, msr, &v), 0);
		assert_int_equal(v, val);
		assert_int_equal(o->verify(pmu, &plan, &err), -EPROTO);
		snprintf(want, sizeof(want), "soft PMU MSR 0x%x reads 0x%llx (ok), a fresh model 0x%llx (ok)", msr,
			 (unsigned long long)val, (unsigned long long)fresh);
		if (!strstr(err.msg, want))
			fail_msg("%s: verify says '%s', want '%s'", vendors[i], err.msg, want);

		assert_int_equal(o->reset(pmu, &err), 0);
		assert_int_equal(o->verify(pmu, &plan, &err), 0);
		assert_int_equal(o->msr_read(pmu, msr, &v), 0);
		assert_int_equal(v, fresh);

		memset(&st, 0xff, sizeof(st));
		o->stats(pmu, &st);
		assert_int_equal(st.retired, 0);
		assert_int_equal(st.pmis, 0);
		assert_int_equal(st.rdpmc_gp, 0);
		assert_false(st.missed_user_mode);
		o->destroy(pmu);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_per_mode),
		cmocka_unit_test(test_every_hook_set),
		cmocka_unit_test(test_soft_adapter),
	};

	return cmocka_run_group_tests_name("vcpu-pmu", tests, NULL, NULL);
}
