// SPDX-License-Identifier: GPL-2.0-only
/* CPUID PMU shaping: field layout, seed-000 dependency rules, checked writes, vendor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpuid/pmu_leaves.h"

static void add(struct cpuid_table *t, uint32_t fn, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &t->ent[t->nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

/* A table where every PMU bit is set, so "off" has something to clear. */
static void base_table(struct cpuid_table *t, bool amd)
{
	t->nent = 0;
	if (amd)
		add(t, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);
	else
		add(t, 0, 0x20, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(t, 1, 0x806f8, 0, 1u << 15, 0);
	add(t, 0xa, amd ? 0 : 0x08300802, 0, 0, amd ? 0 : 0x8603);
	add(t, 0x80000000, 0x80000022, 0, 0, 0);
	add(t, 0x80000001, 0, 0, 1u << 23, 0);
	add(t, 0x80000022, 1, 6, 0, 0);
}

struct shape_case {
	const char *what;
	bool amd_table;
	struct pmu_shape s;
	int ret;
	const char *msg;
	/* expected raw registers (checked on success) */
	uint32_t a_eax, a_ebx, a_ecx, a_edx, e22_eax, e22_ebx;
	bool pdcm, perfctr_core;
};

static const struct shape_case shape_cases[] = {
	{ "intel v2", false, { .mode = PMU_MODE_EMULATED, .vendor = PMU_VENDOR_INTEL, .version = 2, .nr_gp = 8,
	  .gp_width = 48, .events_len = 8, .nr_fixed = 3, .fixed_mask = 7, .fixed_width = 48, .pdcm = true,
	  .anythread_deprecated = true }, 0, NULL, 0x08300802, 0, 0, 0x8603, 0, 0, true, false },
	{ "intel v4 with AnyThread", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 4,
	  .nr_gp = 8, .gp_width = 48, .events_len = 8, .nr_fixed = 3, .fixed_mask = 7, .fixed_width = 48 },
	  0, NULL, 0x08300804, 0, 0, 0x0603, 0, 0, false, false },
	{ "intel v5 bitmap", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 5, .nr_gp = 4,
	  .gp_width = 48, .events_len = 8, .events_unavailable = 0xdc, .nr_fixed = 2, .fixed_mask = 0xb,
	  .fixed_width = 48, .anythread_deprecated = true }, 0, NULL, 0x08300405, 0xdc, 0xb, 0x8602, 0, 0, false,
	  false },
	{ "intel v1", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 1, .nr_gp = 2,
	  .gp_width = 40, .events_len = 7, .anythread_deprecated = true }, 0, NULL, 0x07280201, 0, 0, 0x8000, 0, 0,
	  false, false },
	{ "amd perfmonv2", true, { .mode = PMU_MODE_MEDIATED, .vendor = PMU_VENDOR_AMD, .amd_nr_counters = 6,
	  .perfctr_core = true, .perfmon_v2 = true, .amd_counter_width = 48 },
	  0, NULL, 0, 0, 0, 0, 1, 6, false, true },
	{ "amd legacy", true, { .mode = PMU_MODE_EMULATED, .vendor = PMU_VENDOR_AMD, .amd_nr_counters = 4,
	  .amd_counter_width = 48 }, 0, NULL, 0, 0, 0, 0, 0, 0, false, false },
	{ "off clears all", true, { .mode = PMU_MODE_OFF, .vendor = PMU_VENDOR_AMD, .perfctr_core = true,
	  .perfmon_v2 = true, .pdcm = true, .version = 2 }, 0, NULL, 0, 0, 0, 0, 0, 0, false, false },
	{ "off clears intel", false, { .mode = PMU_MODE_OFF, .vendor = PMU_VENDOR_INTEL }, 0, NULL,
	  0, 0, 0, 0, 0, 0, false, false },
	{ "v2 without perfctr_core", true, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_AMD,
	  .amd_nr_counters = 6, .perfmon_v2 = true }, -EINVAL, "PerfMonV2 (CPUID 80000022H.EAX[0]) requires PERFCTR_CORE" },
	{ "gp too many", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 2, .nr_gp = 256 },
	  -ERANGE, "GP counters [15:8]: value 256 does not fit in 8 bits" },
	{ "fixed too many", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 2, .nr_fixed = 32,
	  .fixed_mask = 0xffffffff }, -ERANGE, "fixed counters [4:0]: value 32 does not fit" },
	{ "amd counters too many", true, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_AMD, .amd_nr_counters = 16,
	  .perfctr_core = true, .perfmon_v2 = true }, -ERANGE, "core counters [3:0]: value 16 does not fit" },
	{ "bitmap needs v5", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 4, .nr_fixed = 2,
	  .fixed_mask = 0xb }, -EINVAL, "needs architectural perfmon version 5" },
	{ "bitmap contradicts count", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 5,
	  .nr_fixed = 3, .fixed_mask = 0xb }, -EINVAL, "contradicts 3 fixed counters" },
	{ "amd with leaf A", true, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_AMD, .version = 2 },
	  -EINVAL, "Intel only" },
	{ "intel with perfctr_core", false, { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 2,
	  .perfctr_core = true }, -EINVAL, "AMD features" },
};

static void check_regs(const struct shape_case *c, const struct cpuid_table *t)
{
	const struct kvm_cpuid_entry2 *a = cpuid_find_const(t, 0xa, 0);
	const struct kvm_cpuid_entry2 *e22 = cpuid_find_const(t, 0x80000022, 0);
	const struct kvm_cpuid_entry2 *l1 = cpuid_find_const(t, 1, 0);
	const struct kvm_cpuid_entry2 *e1 = cpuid_find_const(t, 0x80000001, 0);

	assert_non_null(a);
	if (a->eax != c->a_eax || a->ebx != c->a_ebx || a->ecx != c->a_ecx || a->edx != c->a_edx)
		fail_msg("%s: leaf 0AH %08x %08x %08x %08x", c->what, a->eax, a->ebx, a->ecx, a->edx);
	assert_non_null(e22);
	assert_int_equal(e22->eax, c->e22_eax);
	assert_int_equal(e22->ebx, c->e22_ebx);
	assert_int_equal((l1->ecx >> 15) & 1, c->pdcm);
	assert_int_equal((e1->ecx >> 23) & 1, c->perfctr_core);
}

static void test_apply_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
		const struct shape_case *c = &shape_cases[i];
		static struct cpuid_table t;
		struct vmm_err err = { 0 };
		struct pmu_shape back;
		int r;

		base_table(&t, c->amd_table);
		r = cpuid_apply_pmu(&t, &c->s, &err);
		if (r != c->ret)
			fail_msg("%s: returned %d, want %d (%s)", c->what, r, c->ret, err.msg);
		if (r) {
			if (!strstr(err.msg, c->msg))
				fail_msg("%s: '%s' not in '%s'", c->what, c->msg, err.msg);
			continue;
		}
		check_regs(c, &t);
		cpuid_read_pmu(&t, &back);
		assert_int_equal(back.version, c->s.mode == PMU_MODE_OFF ? 0 : c->s.version);
		assert_int_equal(back.perfmon_v2, c->s.mode == PMU_MODE_OFF ? false : c->s.perfmon_v2);
		if (c->s.mode != PMU_MODE_OFF && c->s.vendor == PMU_VENDOR_AMD)
			assert_int_equal(back.amd_nr_counters, c->s.amd_nr_counters);
		if (c->s.mode != PMU_MODE_OFF && c->s.vendor == PMU_VENDOR_INTEL) {
			assert_int_equal(back.fixed_mask, c->s.fixed_mask);
			assert_int_equal(back.events_unavailable, c->s.events_unavailable);
		}
	}
}

/* Soft mode with another vendor rewrites the vendor string; same vendor leaves it. */
static void test_vendor(void **state)
{
	static const struct {
		bool amd_table;
		enum pmu_vendor want;
		enum pmu_mode mode;
		enum pmu_vendor expect;
	} cases[] = {
		{ false, PMU_VENDOR_AMD, PMU_MODE_SOFT, PMU_VENDOR_AMD },
		{ true, PMU_VENDOR_INTEL, PMU_MODE_SOFT, PMU_VENDOR_INTEL },
		{ true, PMU_VENDOR_AMD, PMU_MODE_SOFT, PMU_VENDOR_AMD },
		{ false, PMU_VENDOR_AMD, PMU_MODE_OFF, PMU_VENDOR_INTEL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct cpuid_table t;
		struct pmu_shape s = { .mode = cases[i].mode, .vendor = cases[i].want };
		struct vmm_err err = { 0 };
		enum pmu_vendor got;
		const struct kvm_cpuid_entry2 *e;

		if (s.vendor == PMU_VENDOR_AMD) {
			s.amd_nr_counters = 4;
		} else {
			s.version = 2;
			s.nr_gp = 2;
			s.gp_width = 48;
		}
		base_table(&t, cases[i].amd_table);
		assert_int_equal(cpuid_apply_pmu(&t, &s, &err), 0);
		assert_true(cpuid_table_vendor(&t, &got));
		assert_int_equal(got, cases[i].expect);
		e = cpuid_find_const(&t, 0, 0);
		assert_int_equal(e->eax, cases[i].amd_table ? 0x10 : 0x20);
	}
}

/* Shaping adds missing leaves and raises the maximum leaf numbers. */
static void test_adds_leaves(void **state)
{
	static struct cpuid_table t;
	struct pmu_shape s = { .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_AMD, .amd_nr_counters = 5,
			       .perfctr_core = true, .perfmon_v2 = true };
	struct vmm_err err = { 0 };

	(void)state;
	t.nent = 0;
	add(&t, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65);
	add(&t, 1, 0, 0, 0, 0);
	add(&t, 0x80000000, 0x8000001f, 0, 0, 0);
	add(&t, 0x80000001, 0, 0, 0, 0);
	assert_int_equal(cpuid_apply_pmu(&t, &s, &err), 0);
	assert_int_equal(cpuid_find_const(&t, 0x80000000, 0)->eax, 0x80000022);
	assert_int_equal(cpuid_find_const(&t, 0x80000022, 0)->ebx, 5);
	s = (struct pmu_shape){ .mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 2, .nr_gp = 1 };
	assert_int_equal(cpuid_apply_pmu(&t, &s, &err), 0);
	assert_int_equal(cpuid_find_const(&t, 0, 0)->eax, 0xd);	/* already >= 0xa */
	assert_int_equal(cpuid_find_const(&t, 0x80000022, 0)->eax, 0);
	assert_int_equal(cpuid_find_const(&t, 0xa, 0)->eax, 0x102);
}

/*
 * The soft PMU does not offer IBPB: CPUID.7.0:EDX[26] and 80000008H:EBX[12]
 * are cleared in soft mode only; neighbouring bits (STIBP 7.0:EDX[27],
 * IBRS 80000008H:EBX[14]) and other modes are left alone.
 */
static const struct ibpb_case {
	enum pmu_mode mode;
	enum pmu_vendor vendor;
	uint32_t edx7, ebx8;		/* after shaping, from 0x0c000000 / 0x00005000 */
} ibpb_cases[] = {
	{ PMU_MODE_SOFT, PMU_VENDOR_INTEL, 0x08000000, 0x00004000 },
	{ PMU_MODE_SOFT, PMU_VENDOR_AMD, 0x08000000, 0x00004000 },
	{ PMU_MODE_EMULATED, PMU_VENDOR_INTEL, 0x0c000000, 0x00005000 },
	{ PMU_MODE_MEDIATED, PMU_VENDOR_AMD, 0x0c000000, 0x00005000 },
	{ PMU_MODE_OFF, PMU_VENDOR_INTEL, 0x0c000000, 0x00005000 },
};

static void test_soft_hides_ibpb(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ibpb_cases) / sizeof(ibpb_cases[0]); i++) {
		const struct ibpb_case *c = &ibpb_cases[i];
		bool amd = c->vendor == PMU_VENDOR_AMD;
		struct pmu_shape s = { .mode = c->mode, .vendor = c->vendor };
		static struct cpuid_table t;
		struct vmm_err err = { 0 };

		print_message("# ibpb case %zu\n", i);
		if (amd) {
			s.amd_nr_counters = 4;
			s.amd_counter_width = 48;
		} else {
			s.version = 2;
			s.nr_gp = 2;
			s.gp_width = 48;
		}
		base_table(&t, amd);
		add(&t, 7, 0, 0, 0, 0x0c000000);
		add(&t, 0x80000008, 0x3030, 0x00005000, 0, 0);
		assert_int_equal(cpuid_apply_pmu(&t, &s, &err), 0);
		assert_int_equal(cpuid_find_const(&t, 7, 0)->edx, c->edx7);
		assert_int_equal(cpuid_find_const(&t, 0x80000008, 0)->ebx, c->ebx8);
		assert_int_equal(cpuid_find_const(&t, 0x80000008, 0)->eax, 0x3030);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soft_hides_ibpb),
		cmocka_unit_test(test_apply_cases),
		cmocka_unit_test(test_vendor),
		cmocka_unit_test(test_adds_leaves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
