// SPDX-License-Identifier: GPL-2.0-only
/* Soft PMU, AMD: K7 / F15H counters, aliasing, PerfMonV2, counting, overflow, RDPMC. */
#include "helpers.h"

#define ALL (T_EN | T_OS | T_USR)
#define GP SOFTPMU_GP

enum amd_id { A2, A4, A6, A6V2, NR_AMD };

static struct pmu_shape amd_shape(enum amd_id id)
{
	switch (id) {
	case A2:	return t_amd(2, false, false);
	case A4:	return t_amd(4, false, false);
	case A6:	return t_amd(6, true, false);
	case A6V2:
	default:	return t_amd(6, true, true);
	}
}

struct msr_case {
	enum amd_id shape;
	enum t_op op;
	uint32_t msr;
	uint64_t val;
	int ret;
	uint32_t check;
	uint64_t expect;
};

static const struct msr_case msr_cases[] = {
	{ A2, RD, T_K7_EVNTSEL0 + 1, 0, 0, 0, 0 },
	{ A2, RD, T_K7_EVNTSEL0 + 2, 0, GP },
	{ A2, RD, T_K7_PERFCTR0 + 2, 0, GP },
	{ A4, WR, T_K7_EVNTSEL0 + 3, 0xc0 | ALL, 0, 0, 0xc0 | ALL },
	{ A4, WR, T_K7_PERFCTR0, (1ull << 48) | 5, 0, 0, 5 },	/* 48 bits */
	{ A4, RD, T_F15H_CTL0, 0, GP },				/* no PERFCTR_CORE */
	{ A4, RD, T_F15H_CTR0, 0, GP },
	{ A4, RD, T_AMD_CTL, 0, GP },
	{ A4, RD, T_AMD_STATUS, 0, GP },
	/* reserved bits (19, 21, 36+ with Host/GuestOnly) dropped, EventSelect[11:8] kept */
	{ A4, WR, T_K7_EVNTSEL0, 0xc0 | T_EN | (1ull << 19) | (1ull << 21) | (1ull << 32) |
	  (3ull << 40) | (1ull << 63), 0, 0, 0xc0 | T_EN | (1ull << 32) },
	{ A6, WR, T_F15H_CTL0 + 10, 0x76 | ALL, 0, 0, 0x76 | ALL },
	{ A6, WR, T_F15H_CTR0 + 10, 0x1234, 0, 0, 0x1234 },
	{ A6, WR, T_F15H_CTL0, 0xc2 | ALL, 0, T_K7_EVNTSEL0, 0xc2 | ALL },	/* aliases */
	{ A6, WR, T_K7_PERFCTR0 + 2, 0x77, 0, T_F15H_CTR0 + 4, 0x77 },
	{ A6, WR, T_K7_EVNTSEL0 + 3, 0x11, 0, T_F15H_CTL0 + 6, 0x11 },
	{ A6, RD, T_AMD_CTL, 0, GP },
	{ A6V2, RD, T_AMD_CTL, 0, 0, 0, 0x3f },
	{ A6V2, WR, T_AMD_CTL, 0x15, 0, 0, 0x15 },
	/* PerfMonV2: reserved bits and read-only MSRs are ignored, not #GP (KVM, PPR) */
	{ A6V2, WR, T_AMD_CTL, 0x40 | 0x5, 0, 0, 0x5 },
	{ A6V2, WR, T_AMD_CTL, ~0ull, 0, 0, 0x3f },
	{ A6V2, WR, T_AMD_CTL, 1ull << 32, 0, 0, 0 },
	{ A6V2, WR, T_AMD_STATUS, 0x3f, 0, 0, 0 },
	{ A6V2, WR, T_AMD_STATUS, ~0ull, 0, 0, 0 },
	{ A6, WR, T_AMD_STATUS, 0, GP },			/* no PerfMonV2: no MSR */
	{ A6, WR, T_AMD_CTL, 0, GP },
	{ A6V2, WR, T_AMD_CLR, ~0ull, 0, T_AMD_STATUS, 0 },
	{ A6V2, WR, T_AMD_SET, ~0ull, 0, T_AMD_STATUS, 0x3f },
	{ A6V2, WR, T_AMD_SET, 0x5, 0, T_AMD_STATUS, 0x5 },
	{ A6V2, WR, T_AMD_SET, 0x40, 0, T_AMD_STATUS, 0 },
	{ A6V2, WR, T_AMD_CLR, 0x1, 0, T_AMD_STATUS, 0 },
	{ A6V2, RD, T_AMD_CLR, 0, 0, 0, 0 },
	{ A6V2, RD, T_AMD_SET, 0, 0, 0, 0 },
};

static void test_msr_access(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(msr_cases) / sizeof(msr_cases[0]); i++) {
		const struct msr_case *t = &msr_cases[i];
		struct pmu_shape s = amd_shape(t->shape);
		struct softpmu p;

		print_message("# amd msr case %zu\n", i);
		t_init(&p, &s, NULL);
		t_msr_access(&p, t->op, t->msr, t->val, t->ret, t->check, t->expect);
	}
}

static void test_status_clear(void **state)
{
	struct pmu_shape s = amd_shape(A6V2);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	t_wr(&p, T_AMD_SET, 0x7);
	t_wr(&p, T_AMD_CLR, 0x2);
	assert_int_equal(t_rd(&p, T_AMD_STATUS), 0x5);
	/* GLOBAL_STATUS is read-only: a write is ignored, the bits stay */
	t_wr(&p, T_AMD_STATUS, 0);
	assert_int_equal(t_rd(&p, T_AMD_STATUS), 0x5);
}

static void test_reset_values(void **state)
{
	(void)state;
	for (int id = 0; id < NR_AMD; id++) {
		struct pmu_shape s = amd_shape(id);
		struct softpmu p;
		size_t n;
		const uint32_t *l;

		t_init(&p, &s, NULL);
		l = softpmu_msr_list(&p, &n);
		for (size_t k = 0; k < n; k++)
			(void)softpmu_wrmsr(&p, l[k], 0x1);
		softpmu_reset(&p);
		for (size_t k = 0; k < n; k++) {
			uint64_t v;

			if (softpmu_rdmsr(&p, l[k], &v) == GP)
				continue;
			/* APM: GLOBAL_CTL enables all counters at RESET; the rest is 0 */
			assert_int_equal(v, l[k] == T_AMD_CTL ? 0x3f : 0);
		}
	}
}

/* 11 instructions: 7 at CPL 0, 3 branches (1 at CPL 3), 14 cycles. */
static void run_program(struct softpmu *p)
{
	struct softpmu_insn k = t_plain(0), u = t_plain(3), slow = t_plain(0);
	struct softpmu_insn kb = t_branch(0, X86_BR_JCC, false, 0, 0);
	struct softpmu_insn ub = t_branch(3, X86_BR_RET, true, 0, 0);

	slow.cycles = 4;
	t_retire_n(p, &k, 4);
	t_retire_n(p, &kb, 2);
	t_retire_n(p, &u, 3);
	t_retire_n(p, &ub, 1);
	t_retire_n(p, &slow, 1);
}

struct count_case {
	enum amd_id shape;
	uint64_t sel;
	uint64_t global;	/* ~0: leave RESET value */
	uint64_t expect;
};

static const struct count_case count_cases[] = {
	{ A4, 0xc0 | ALL, ~0ull, 11 },
	{ A4, 0xc0 | T_EN | T_OS, ~0ull, 7 },
	{ A4, 0xc0 | T_EN | T_USR, ~0ull, 4 },
	{ A4, 0xc0 | T_EN, ~0ull, 0 },
	{ A4, 0xc0 | T_OS | T_USR, ~0ull, 0 },
	{ A4, 0xc2 | ALL, ~0ull, 3 },
	{ A4, 0xc2 | T_EN | T_USR, ~0ull, 1 },
	{ A4, 0x76 | ALL, ~0ull, 14 },
	{ A4, 0xffc0 | ALL, ~0ull, 11 },		/* unit mask ignored */
	{ A4, 0xc0 | ALL | (1ull << 32), ~0ull, 0 },	/* event 1C0h */
	{ A4, 0xc0 | ALL | (1ull << 24), ~0ull, 0 },	/* CntMask */
	{ A4, 0xc4 | ALL, ~0ull, 0 },			/* not an AMD event we model */
	{ A6, 0xc0 | ALL, ~0ull, 11 },
	{ A6V2, 0xc0 | ALL, ~0ull, 11 },
	{ A6V2, 0xc0 | ALL, 0x3b, 0 },			/* global bit 2 clear */
	{ A6V2, 0xc0 | ALL, 0x04, 11 },
};

static void test_counting(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *t = &count_cases[i];
		struct pmu_shape s = amd_shape(t->shape);
		struct softpmu p;

		print_message("# amd count case %zu\n", i);
		t_init(&p, &s, NULL);
		assert_false(softpmu_counting(&p));
		if (t->global != ~0ull)
			t_wr(&p, T_AMD_CTL, t->global);
		t_wr(&p, T_K7_EVNTSEL0 + 2, t->sel);
		assert_int_equal(softpmu_counting(&p), t->expect != 0);
		run_program(&p);
		assert_int_equal(t_rd(&p, T_K7_PERFCTR0 + 2), t->expect);
	}
}

struct ovf_case {
	enum amd_id shape;
	unsigned int idx;
	bool interrupt;
};

static const struct ovf_case ovf_cases[] = {
	{ A4, 3, true },
	{ A4, 0, false },
	{ A6, 5, true },
	{ A6V2, 2, true },
	{ A6V2, 4, false },
};

static void test_overflow_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ovf_cases) / sizeof(ovf_cases[0]); i++) {
		const struct ovf_case *t = &ovf_cases[i];
		struct pmu_shape s = amd_shape(t->shape);
		struct softpmu_insn in = t_plain(3);
		uint32_t ctl = s.perfctr_core ? T_F15H_CTL0 + 2 * t->idx : T_K7_EVNTSEL0 + t->idx;
		uint64_t v;
		struct softpmu p;

		print_message("# amd overflow case %zu\n", i);
		t_init(&p, &s, NULL);
		t_wr(&p, ctl, 0xc0 | ALL | (t->interrupt ? T_INT : 0));
		t_wr(&p, ctl + (s.perfctr_core ? 1 : 4), (1ull << 48) - 3);
		t_retire_n(&p, &in, 2);
		assert_false(softpmu_pmi_pending(&p));
		softpmu_retire(&p, &in);
		assert_int_equal(softpmu_pmi_pending(&p), t->interrupt);
		assert_int_equal(softpmu_rdpmc(&p, t->idx, &v), 0);
		assert_int_equal(v, 0);
		if (s.perfmon_v2)
			assert_int_equal(t_rd(&p, T_AMD_STATUS), 1ull << t->idx);
	}
}

struct rdpmc_case {
	enum amd_id shape;
	uint32_t ecx;
	int ret;
};

static const struct rdpmc_case rdpmc_cases[] = {
	{ A4, 0, 0 }, { A4, 3, 0 }, { A4, 4, GP },
	{ A6, 5, 0 }, { A6, 6, GP }, { A6, 0x80000000, GP }, { A6, 0x40000000, GP },
	{ A2, 2, GP },
};

static void test_rdpmc(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rdpmc_cases) / sizeof(rdpmc_cases[0]); i++) {
		const struct rdpmc_case *t = &rdpmc_cases[i];
		struct pmu_shape s = amd_shape(t->shape);
		struct softpmu p;
		uint64_t v;

		t_init(&p, &s, NULL);
		for (uint32_t k = 0; k < 4; k++)
			(void)softpmu_wrmsr(&p, T_K7_PERFCTR0 + k, 0x100 + k);
		for (uint32_t k = 4; k < 6; k++)
			(void)softpmu_wrmsr(&p, T_F15H_CTR0 + 2 * k, 0x100 + k);
		assert_int_equal(softpmu_rdpmc(&p, t->ecx, &v), t->ret);
		if (!t->ret)
			assert_int_equal(v, 0x100 + t->ecx);
	}
}

/* KVM's AMD filter key carries EventSelect[11:8] in bits 35:32. */
static void test_filter(void **state)
{
	struct pmu_shape s = amd_shape(A6);
	struct softpmu_filter f = { .action = SOFTPMU_FILTER_DENY, .nevents = 1 };
	struct softpmu p;

	(void)state;
	f.events[0] = softpmu_filter_event(0xc2, 0);
	t_init(&p, &s, &f);
	t_wr(&p, T_K7_EVNTSEL0, 0xc2 | ALL);
	t_wr(&p, T_K7_EVNTSEL0 + 1, 0xc0 | ALL);
	run_program(&p);
	assert_int_equal(t_rd(&p, T_K7_PERFCTR0), 0);
	assert_int_equal(t_rd(&p, T_K7_PERFCTR0 + 1), 11);
	f.action = SOFTPMU_FILTER_ALLOW;
	f.events[0] = softpmu_filter_event(0x1c0, 0);
	t_init(&p, &s, &f);
	t_wr(&p, T_K7_EVNTSEL0, 0xc0 | ALL);
	run_program(&p);
	assert_int_equal(t_rd(&p, T_K7_PERFCTR0), 0);	/* 0C0h is not 1C0h */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_access),
		cmocka_unit_test(test_status_clear),
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_overflow_exact),
		cmocka_unit_test(test_rdpmc),
		cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
