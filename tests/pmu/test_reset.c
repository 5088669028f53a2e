// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PMU reset MSR lists: exact lists for hand-made shapes (Intel v1..v5 with
 * 0..8 GP counters, AMD legacy, core, PerfMonV2), and the ordering rules for
 * the plan of every recorded host in every mode it can give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hostfile.h"
#include "pmu/plan.h"
#include "pmu/reset.h"

static struct pmu_shape intel(unsigned int version, unsigned int gp, uint32_t fixed_mask)
{
	return (struct pmu_shape){ .mode = PMU_MODE_EMULATED, .vendor = PMU_VENDOR_INTEL, .version = version,
				   .nr_gp = gp, .gp_width = 48, .fixed_mask = fixed_mask, .fixed_width = 48 };
}

static struct pmu_shape amd(unsigned int n, bool core, bool v2)
{
	return (struct pmu_shape){ .mode = PMU_MODE_EMULATED, .vendor = PMU_VENDOR_AMD, .amd_nr_counters = n,
				   .perfctr_core = core, .perfmon_v2 = v2, .amd_counter_width = 48 };
}

#define END { 0, 0 }

static const struct list_case {
	const char *name;
	struct pmu_shape (*make)(void);
	struct pmu_msr_value want[PMU_RESET_MAX_MSRS + 1];
} list_cases[];

static struct pmu_shape s_off(void) { return (struct pmu_shape){ .mode = PMU_MODE_OFF }; }
static struct pmu_shape s_v1_2(void) { return intel(1, 2, 0); }
static struct pmu_shape s_v2_2_f3(void) { return intel(2, 2, 0x7); }
static struct pmu_shape s_v5_1_f5(void) { return intel(5, 1, 0x5); }
static struct pmu_shape s_v2_0(void) { return intel(2, 0, 0x1); }
static struct pmu_shape s_k7(void) { return amd(4, false, false); }
static struct pmu_shape s_core(void) { return amd(6, true, false); }
static struct pmu_shape s_v2amd(void) { return amd(2, true, true); }

static const struct list_case list_cases[] = {
	{ "no PMU", s_off, { END } },
	{ "Intel v1, 2 GP: pairs only", s_v1_2, { { 0xc1, 0 }, { 0x186, 0 }, { 0xc2, 0 }, { 0x187, 0 }, END } },
	{ "Intel v2, 2 GP, 3 fixed", s_v2_2_f3,
	  { { 0x38d, 0 }, { 0x38f, 0 }, { 0x309, 0 }, { 0x30a, 0 }, { 0x30b, 0 },
	    { 0xc1, 0 }, { 0x186, 0 }, { 0xc2, 0 }, { 0x187, 0 },
	    { 0x38e, 0 }, { 0x390, 0 }, { 0x38d, 0 }, { 0x38f, 0x3 }, END } },
	{ "Intel v5, 1 GP, fixed 0 and 2", s_v5_1_f5,
	  { { 0x38d, 0 }, { 0x38f, 0 }, { 0x309, 0 }, { 0x30b, 0 }, { 0xc1, 0 }, { 0x186, 0 },
	    { 0x38e, 0 }, { 0x390, 0 }, { 0x38d, 0 }, { 0x38f, 0x1 }, END } },
	{ "Intel v2, no GP counters", s_v2_0,
	  { { 0x38d, 0 }, { 0x38f, 0 }, { 0x309, 0 }, { 0x38e, 0 }, { 0x390, 0 }, { 0x38d, 0 }, { 0x38f, 0 },
	    END } },
	{ "AMD K7 legacy", s_k7,
	  { { 0xc0010004, 0 }, { 0xc0010000, 0 }, { 0xc0010005, 0 }, { 0xc0010001, 0 },
	    { 0xc0010006, 0 }, { 0xc0010002, 0 }, { 0xc0010007, 0 }, { 0xc0010003, 0 }, END } },
	{ "AMD PERFCTR_CORE", s_core,
	  { { 0xc0010201, 0 }, { 0xc0010200, 0 }, { 0xc0010203, 0 }, { 0xc0010202, 0 },
	    { 0xc0010205, 0 }, { 0xc0010204, 0 }, { 0xc0010207, 0 }, { 0xc0010206, 0 },
	    { 0xc0010209, 0 }, { 0xc0010208, 0 }, { 0xc001020b, 0 }, { 0xc001020a, 0 }, END } },
	{ "AMD PerfMonV2, 2 counters", s_v2amd,
	  { { 0xc0010201, 0 }, { 0xc0010200, 0 }, { 0xc0010203, 0 }, { 0xc0010202, 0 },
	    { 0xc0000300, 0 }, { 0xc0000302, 0 }, { 0xc0000301, 0x3 }, END } },
};

static void test_exact_lists(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		struct pmu_shape s = c->make();
		struct pmu_msr_value got[PMU_RESET_MAX_MSRS];
		unsigned int n = pmu_reset_msrs(&s, got), want = 0;

		while (c->want[want].index)
			want++;
		if (n != want)
			fail_msg("%s: %u entries, want %u", c->name, n, want);
		for (unsigned int k = 0; k < n; k++)
			if (got[k].index != c->want[k].index || got[k].value != c->want[k].value)
				fail_msg("%s: entry %u is 0x%x=0x%llx, want 0x%x=0x%llx", c->name, k, got[k].index,
					 (unsigned long long)got[k].value, c->want[k].index,
					 (unsigned long long)c->want[k].value);
	}
}

static int index_of(const struct pmu_msr_value *l, unsigned int n, uint32_t msr, unsigned int from)
{
	for (unsigned int i = from; i < n; i++)
		if (l[i].index == msr)
			return (int)i;
	return -1;
}

/*
 * Emulated --pmu-lbr: DEBUGCTL, LBR_SELECT, LBR_TOS and the stack are reset
 * too (not in KVM_GET_MSR_INDEX_LIST on VMX, not touched by KVM's PMU
 * reset), after the stop writes and before any counter.
 */
static void test_lbr(void **state)
{
	static const struct {
		unsigned int version, depth, format;
		unsigned int n;		/* entries in all */
		unsigned int first;	/* where DEBUGCTL is */
	} cases[] = {
		{ 2, 32, 5, 2 + 3 + 3 * 32 + 3 + 2 * 4 + 4, 2 },	/* Skylake-SP: FROM, TO, INFO */
		{ 2, 16, 4, 2 + 3 + 2 * 16 + 3 + 2 * 4 + 4, 2 },	/* no LBR_INFO before format 5 */
		{ 1, 8, 5, 3 + 3 * 8 + 2 * 4, 0 },
		{ 2, 0, 5, 2 + 3 + 2 * 4 + 4, 0 },			/* no LBR: nothing of it */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pmu_shape s = intel(cases[i].version, 4, cases[i].version >= 2 ? 0x7 : 0);
		struct pmu_msr_value l[PMU_RESET_MAX_MSRS];
		unsigned int n, d = cases[i].depth, f = cases[i].first;

		s.lbr_depth = d;
		s.lbr_format = cases[i].format;
		n = pmu_reset_msrs(&s, l);
		assert_int_equal(n, cases[i].n);
		for (unsigned int k = 0; k < n; k++)
			if (l[k].value)
				assert_int_equal(k, n - 1);	/* only GLOBAL_CTRL is not 0 */
		if (!d) {
			assert_int_equal(index_of(l, n, 0x1d9, 0), -1);
			continue;
		}
		assert_int_equal(l[f].index, 0x1d9);
		assert_int_equal(l[f + 1].index, 0x1c8);
		assert_int_equal(l[f + 2].index, 0x1c9);
		for (unsigned int k = 0; k < d; k++) {
			assert_true(index_of(l, n, 0x680 + k, 0) > (int)f);
			assert_true(index_of(l, n, 0x6c0 + k, 0) > (int)f);
			assert_int_equal(index_of(l, n, 0xdc0 + k, 0) >= 0, cases[i].format >= 5);
			assert_true(index_of(l, n, 0x680 + k, 0) < index_of(l, n, 0xc1, 0));
		}
		assert_int_equal(index_of(l, n, 0x680 + d, 0), -1);
	}
}

/* Intel v1..v5 with 0..8 GP counters: sizes and the stop/start bracket. */
static void test_intel_sweep(void **state)
{
	(void)state;
	for (unsigned int v = 1; v <= 5; v++) {
		for (unsigned int gp = 0; gp <= 8; gp++) {
			struct pmu_shape s = intel(v, gp, v >= 2 ? 0x7 : 0);
			struct pmu_msr_value l[PMU_RESET_MAX_MSRS];
			unsigned int n = pmu_reset_msrs(&s, l);

			if (v == 1) {
				assert_int_equal(n, 2 * gp);
				continue;
			}
			assert_int_equal(n, 2 + 3 + 2 * gp + 2 + 2);
			assert_int_equal(l[0].index, 0x38d);
			assert_int_equal(l[1].index, 0x38f);
			assert_int_equal(l[1].value, 0);
			assert_int_equal(l[n - 1].index, 0x38f);
			assert_int_equal(l[n - 1].value, gp ? (1ULL << gp) - 1 : 0);
		}
	}
}

/* Every recorded host, every mode it can plan: the rules hold for the planned shape. */
static void test_recorded_hosts(void **state)
{
	static const enum pmu_mode modes[] = { PMU_MODE_OFF, PMU_MODE_EMULATED, PMU_MODE_MEDIATED, PMU_MODE_SOFT };
	unsigned int checked = 0;

	(void)state;
	for (size_t h = 0; h < NR_HOSTS; h++) {
		struct pmu_host host;
		struct vmm_err err = { 0 };

		if (hostfile_load(all_hosts[h], &host, &err))
			fail_msg("%s", err.msg);
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			struct pmu_request req;
			static struct pmu_plan plan;
			struct pmu_msr_value l[PMU_RESET_MAX_MSRS];
			unsigned int n, gp;

			pmu_request_init(&req);
			req.mode = modes[m];
			if (pmu_plan(&host, &req, &plan, &err))
				continue;
			n = pmu_reset_msrs(&plan.shape, l);
			checked++;
			if (modes[m] == PMU_MODE_OFF) {
				assert_int_equal(n, 0);
				continue;
			}
			gp = plan.shape.vendor == PMU_VENDOR_INTEL ? plan.shape.nr_gp : plan.shape.amd_nr_counters;
			for (unsigned int i = 0; i < n; i++) {
				/* Only GLOBAL_CTRL/CTL may be non-zero, and only last. */
				if (l[i].value)
					assert_int_equal(i, n - 1);
			}
			if (plan.shape.vendor == PMU_VENDOR_INTEL && plan.shape.version >= 2) {
				assert_int_equal(l[1].index, 0x38f);
				assert_int_equal(l[n - 1].value, gp ? (1ULL << gp) - 1 : 0);
				for (unsigned int i = 0; i < gp; i++)
					assert_true(index_of(l, n, 0xc1 + i, 0) < index_of(l, n, 0x186 + i, 0));
			}
			if (plan.shape.vendor == PMU_VENDOR_AMD && plan.shape.perfmon_v2)
				assert_int_equal(l[n - 1].index, 0xc0000301);
		}
	}
	print_message("# %u host/mode plans checked\n", checked);
	assert_true(checked >= NR_HOSTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_lists),
		cmocka_unit_test(test_intel_sweep),
		cmocka_unit_test(test_lbr),
		cmocka_unit_test(test_recorded_hosts),
	};

	return cmocka_run_group_tests_name("pmu-reset", tests, NULL, NULL);
}
