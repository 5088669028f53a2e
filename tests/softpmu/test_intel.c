// SPDX-License-Identifier: GPL-2.0-only
/* Soft PMU, Intel: shape checks, MSR access rules per version, RESET values, RDPMC. */
#include "helpers.h"

enum shape_id { V0, V1, V2, V3, V4, V5, NR_SHAPES };

#define PERF_METRICS_CAP (1ull << 15)

static struct pmu_shape shape_of(enum shape_id id)
{
	struct pmu_shape s;

	switch (id) {
	case V0:
		s = t_intel(0, 0, 0, 0);
		s.pdcm = false;
		break;
	case V1:
		s = t_intel(1, 2, 0, 0);
		s.pdcm = false;
		break;
	case V2:
		s = t_intel(2, 4, 0x7, 0);
		s.perf_capabilities = 0;
		break;
	case V3:
		s = t_intel(3, 4, 0x7, 16);
		break;
	case V4:
		s = t_intel(4, 8, 0x7, 32);
		break;
	case V5:
	default:
		/* CPUID.0AH: EDX[4:0] = 1, ECX = 0xd: fixed 0, 2 and 3, a hole at 1 */
		s = t_intel(5, 8, 0xd, 8);
		s.nr_fixed = 1;
		s.perf_capabilities |= PERF_METRICS_CAP;
		break;
	}
	return s;
}

static void init_shape(struct softpmu *p, enum shape_id id)
{
	struct pmu_shape s = shape_of(id);

	t_init(p, &s, NULL);
}

struct msr_case {
	enum shape_id shape;
	enum t_op op;
	uint32_t msr;
	uint64_t val;
	int ret;
	uint32_t check;		/* after a good write, read this MSR (0: the same one) */
	uint64_t expect;	/* what RD or the check reads */
};

#define GP SOFTPMU_GP
#define EVT_INSN (0xc0 | T_EN | T_OS | T_USR)

static const struct msr_case msr_cases[] = {
	/* version 0: no architectural PMU */
	{ V0, RD, T_PMC0, 0, GP },
	{ V0, RD, T_EVTSEL0, 0, GP },
	{ V0, RD, T_CTRL, 0, GP },
	{ V0, WR, T_DEBUGCTL, 0x1, 0, 0, 0 },		/* LBR without a stack: dropped */
	{ V0, WR, T_DEBUGCTL, 0x2, 0, 0, 0 },		/* BTF: dropped */
	{ V0, WR, T_DEBUGCTL, 1ull << 12, GP },
	{ V0, RD, T_LBR_TOS, 0, GP },
	{ V0, RD, T_PERF_CAP, 0, GP },
	{ V0, RD, 0x18e, 0, -ENOENT },			/* not a PMU MSR the model owns */
	/* version 1: GP counters only, no global MSRs */
	{ V1, RD, T_PMC0 + 1, 0, 0, 0, 0 },
	{ V1, RD, T_PMC0 + 2, 0, GP },
	{ V1, WR, T_EVTSEL0 + 1, EVT_INSN, 0, 0, EVT_INSN },
	{ V1, WR, T_EVTSEL0 + 2, EVT_INSN, GP },
	{ V1, WR, T_EVTSEL0, EVT_INSN | T_ANY, GP },
	{ V1, WR, T_EVTSEL0, EVT_INSN | (1ull << 32), GP },
	{ V1, RD, T_FIXED0, 0, GP },
	{ V1, RD, T_FIXED_CTRL, 0, GP },
	{ V1, RD, T_CTRL, 0, GP },
	{ V1, RD, T_STATUS, 0, GP },
	{ V1, RD, T_OVF_CTRL, 0, GP },
	{ V1, WR, T_PMC0, 0x80000000, 0, 0, 0xffff80000000ull },	/* sign-extended */
	{ V1, WR, T_PMC0, 0x7fffffff, 0, 0, 0x7fffffff },
	{ V1, WR, T_PMC0, 0x100000001ull, 0, 0, 1 },
	{ V1, RD, T_A_PMC0, 0, GP },			/* no PDCM, no FW_WRITES */
	{ V1, WR, T_DEBUGCTL, 1ull << 12, GP },
	/* version 2 */
	{ V2, RD, T_CTRL, 0, 0, 0, 0xf },
	{ V2, WR, T_CTRL, 0x70000000full, 0, 0, 0x70000000full },
	{ V2, WR, T_CTRL, 1ull << 35, GP },		/* fixed 3 absent */
	{ V2, WR, T_CTRL, 1ull << 4, GP },		/* GP 4 absent */
	{ V2, WR, T_FIXED_CTRL, 0xbbb, 0, 0, 0xbbb },
	{ V2, WR, T_FIXED_CTRL, 0x1000, GP },
	{ V2, WR, T_FIXED_CTRL, 0x4, GP },		/* AnyThread before v3 */
	{ V2, WR, T_EVTSEL0, EVT_INSN | T_ANY, GP },
	{ V2, WR, T_EVTSEL0, EVT_INSN | T_INV | T_EDGE | (0xffull << 24) | (1ull << 19), 0, 0,
	  EVT_INSN | T_INV | T_EDGE | (0xffull << 24) | (1ull << 19) },
	{ V2, RD, T_A_PMC0, 0, GP },			/* PDCM without FW_WRITES */
	{ V2, RD, T_STATUS, 0, 0, 0, 0 },
	{ V2, WR, T_STATUS, 1, GP },			/* read-only */
	{ V2, WR, T_OVF_CTRL, 0x70000000full, 0, 0, 0 },	/* reads 0 */
	{ V2, WR, T_OVF_CTRL, 3ull << 62, 0, 0, 0 },
	{ V2, WR, T_OVF_CTRL, 1ull << 58, GP },		/* LBR_FRZ is v4 */
	{ V2, WR, T_OVF_CTRL, 1ull << 4, GP },
	{ V2, RD, T_STATUS_SET, 0, GP },
	{ V2, RD, T_INUSE, 0, GP },
	{ V2, RD, T_FIXED0 + 3, 0, GP },
	{ V2, WR, T_FIXED0 + 2, ~0ull, 0, 0, 0xffffffffffffull },
	{ V2, RD, T_PERF_CAP, 0, 0, 0, 0 },
	{ V2, WR, T_PERF_CAP, 0, GP },
	{ V2, WR, T_DEBUGCTL, 1ull << 11, GP },		/* no LBR stack */
	{ V2, WR, T_DEBUGCTL, 1ull << 12, 0, 0, 1ull << 12 },
	{ V2, WR, T_DEBUGCTL, 1ull << 3, GP },
	{ V2, RD, T_PERF_METRICS, 0, GP },
	/* version 3: AnyThread, full-width writes */
	{ V3, WR, T_EVTSEL0, EVT_INSN | T_ANY, 0, 0, EVT_INSN | T_ANY },
	{ V3, WR, T_FIXED_CTRL, 0x4, 0, 0, 0x4 },
	{ V3, WR, T_A_PMC0, 0xffffffffffffull, 0, T_PMC0, 0xffffffffffffull },
	{ V3, WR, T_A_PMC0, 1ull << 48, GP },
	{ V3, WR, T_A_PMC0 + 3, 0x80000000, 0, T_PMC0 + 3, 0x80000000 },	/* no sign extension */
	{ V3, RD, T_A_PMC0 + 4, 0, GP },
	{ V3, WR, T_PMC0, 0xffffffff, 0, T_A_PMC0, 0xffffffffffffull },
	{ V3, RD, T_LBR_TOS, 0, 0, 0, 0 },
	{ V3, WR, T_LBR_TOS, 15, 0, 0, 15 },
	{ V3, WR, T_LBR_TOS, 16, GP },
	{ V3, WR, T_LBR_FROM0 + 15, 0x1234, 0, 0, 0x1234 },
	{ V3, RD, T_LBR_FROM0 + 16, 0, GP },
	{ V3, WR, T_LBR_TO0 + 15, 0x5678, 0, 0, 0x5678 },
	{ V3, RD, T_LBR_TO0 + 16, 0, GP },
	{ V3, RD, T_LBR_INFO0 + 15, 0, 0, 0, 0 },
	{ V3, RD, T_LBR_INFO0 + 16, 0, GP },
	{ V3, WR, T_LBR_SELECT, 0x1ff, 0, 0, 0x1ff },
	{ V3, WR, T_LBR_SELECT, 0x200, GP },
	{ V3, WR, T_DEBUGCTL, 0x1803, 0, 0, 0x1801 },	/* BTF dropped */
	{ V3, RD, T_STATUS_SET, 0, GP },
	/* version 4: STATUS_SET, INUSE, freeze bits */
	{ V4, WR, T_STATUS_SET, 1, 0, T_STATUS, 1 },
	{ V4, WR, T_STATUS_SET, 1ull << 58, 0, T_STATUS, 1ull << 58 },
	{ V4, WR, T_STATUS_SET, 1ull << 34, 0, T_STATUS, 1ull << 34 },
	{ V4, WR, T_STATUS_SET, 1ull << 8, GP },
	{ V4, WR, T_STATUS_SET, 1ull << 35, GP },
	{ V4, WR, T_STATUS_SET, 1ull << 62, 0, T_STATUS, 1ull << 62 },
	{ V4, WR, T_STATUS_SET, 1ull << 63, GP },	/* CondChgd: reserved in SET */
	{ V4, WR, T_STATUS_SET, (1ull << 63) | 1, GP },
	{ V4, WR, T_OVF_CTRL, 1ull << 63, 0, 0, 0 },	/* RESET does clear it */
	{ V4, RD, T_STATUS_SET, 0, 0, 0, 0 },
	{ V4, RD, T_INUSE, 0, 0, 0, 0 },
	{ V4, WR, T_INUSE, 0, GP },
	{ V4, WR, T_OVF_CTRL, 3ull << 58, 0, T_STATUS, 0 },
	{ V4, WR, T_EVTSEL0 + 7, EVT_INSN | T_ANY, 0, 0, EVT_INSN | T_ANY },
	{ V4, RD, T_CTRL, 0, 0, 0, 0xff },
	{ V4, RD, T_PERF_CAP, 0, 0, 0, T_FW_WRITES | 0x5 },
	{ V4, RD, T_LBR_FROM0 + 31, 0, 0, 0, 0 },
	/* version 5: AnyThread deprecated, fixed-counter bitmap */
	{ V5, WR, T_EVTSEL0, EVT_INSN | T_ANY, GP },
	{ V5, WR, T_FIXED_CTRL, 0x4, GP },
	{ V5, WR, T_FIXED0, 7, 0, 0, 7 },
	{ V5, RD, T_FIXED0 + 1, 0, GP },
	{ V5, WR, T_FIXED0 + 1, 7, GP },
	{ V5, WR, T_FIXED0 + 2, 7, 0, 0, 7 },
	{ V5, WR, T_FIXED0 + 3, 7, 0, 0, 7 },
	{ V5, WR, T_FIXED_CTRL, 0x80, GP },		/* field of the hole */
	{ V5, WR, T_FIXED_CTRL, 0xbb0b, 0, 0, 0xbb0b },
	{ V5, WR, T_CTRL, 1ull << 33, GP },
	{ V5, WR, T_CTRL, 0xd000000ffull, 0, 0, 0xd000000ffull },
	{ V5, WR, T_PERF_METRICS, 0x55, 0, 0, 0x55 },
	{ V5, RD, T_LBR_FROM0 + 8, 0, GP },
};

static void test_msr_access(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(msr_cases) / sizeof(msr_cases[0]); i++) {
		const struct msr_case *t = &msr_cases[i];
		struct softpmu p;

		print_message("# msr case %zu: shape %d msr %#x\n", i, t->shape, t->msr);
		init_shape(&p, t->shape);
		t_msr_access(&p, t->op, t->msr, t->val, t->ret, t->check, t->expect);
	}
}

/* A rejected write leaves the register as it was. */
static void test_rejected_write_keeps_value(void **state)
{
	struct softpmu p;

	(void)state;
	init_shape(&p, V5);
	t_wr(&p, T_EVTSEL0, EVT_INSN);
	assert_int_equal(softpmu_wrmsr(&p, T_EVTSEL0, EVT_INSN | T_ANY), SOFTPMU_GP);
	assert_int_equal(t_rd(&p, T_EVTSEL0), EVT_INSN);
	t_wr(&p, T_CTRL, 1);
	assert_int_equal(softpmu_wrmsr(&p, T_CTRL, 1ull << 33), SOFTPMU_GP);
	assert_int_equal(t_rd(&p, T_CTRL), 1);
}

static uint64_t reset_value(const struct pmu_shape *s, uint32_t msr)
{
	if (msr == T_CTRL)
		return (1ull << s->nr_gp) - 1;	/* SDM: GP enables set at RESET */
	if (msr == T_PERF_CAP)
		return s->perf_capabilities;
	return 0;
}

/* Scribble over every MSR and make a PMI happen. */
static void dirty(struct softpmu *p)
{
	size_t n;
	const uint32_t *list = softpmu_msr_list(p, &n);
	struct softpmu_insn in = t_plain(0);

	for (size_t i = 0; i < n; i++)
		(void)softpmu_wrmsr(p, list[i], 0x3);
	(void)softpmu_wrmsr(p, T_DEBUGCTL, 0x1801);
	if (p->shape.nr_gp) {
		t_wr(p, T_PMC0, ~0ull);
		t_wr(p, T_EVTSEL0, EVT_INSN | T_INT);
		softpmu_retire(p, &in);
		assert_true(softpmu_pmi_pending(p));
	}
}

static void check_reset_state(struct softpmu *p)
{
	size_t n;
	const uint32_t *list = softpmu_msr_list(p, &n);

	assert_false(softpmu_pmi_pending(p));
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		int r = softpmu_rdmsr(p, list[i], &v);

		if (r == SOFTPMU_GP)
			continue;
		assert_int_equal(r, 0);
		if (v != reset_value(&p->shape, list[i]))
			print_error("MSR %#x = %#llx after reset\n", list[i], (unsigned long long)v);
		assert_int_equal(v, reset_value(&p->shape, list[i]));
	}
}

static void test_reset_values(void **state)
{
	(void)state;
	for (int id = 0; id < NR_SHAPES; id++) {
		struct softpmu p;

		print_message("# shape %d\n", id);
		init_shape(&p, id);
		check_reset_state(&p);
		dirty(&p);
		softpmu_reset(&p);
		check_reset_state(&p);
	}
}

struct rdpmc_case {
	enum shape_id shape;
	uint32_t ecx;
	int ret;
	uint64_t expect;
};

static const struct rdpmc_case rdpmc_cases[] = {
	{ V0, 0, GP },
	{ V1, 0, 0, 0x100 },
	{ V1, 1, 0, 0x101 },
	{ V1, 2, GP },
	{ V1, 1u << 30, GP },			/* no fixed counters in v1 */
	{ V2, 3, 0, 0x103 },
	{ V2, 4, GP },
	{ V2, 0x40000000, 0, 0x200 },
	{ V2, 0x40000002, 0, 0x202 },
	{ V2, 0x40000003, GP },
	{ V2, 0x80000000, GP },			/* "fast" read */
	{ V2, 0x80000001, GP },
	{ V2, 0xc0000000, GP },
	{ V2, 0x00010000, GP },			/* type bits 29:16 */
	{ V2, 0x40010000, GP },
	{ V5, 0x40000000, 0, 0x200 },
	{ V5, 0x40000001, GP },			/* the hole */
	{ V5, 0x40000002, 0, 0x202 },
	{ V5, 0x40000003, 0, 0x203 },
	{ V5, 7, 0, 0x107 },
	{ V5, 8, GP },
};

static void test_rdpmc(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rdpmc_cases) / sizeof(rdpmc_cases[0]); i++) {
		const struct rdpmc_case *t = &rdpmc_cases[i];
		struct softpmu p;
		uint64_t v = 0, m;

		print_message("# rdpmc case %zu\n", i);
		init_shape(&p, t->shape);
		for (uint32_t k = 0; k < 8; k++) {
			(void)softpmu_wrmsr(&p, T_PMC0 + k, 0x100 + k);
			(void)softpmu_wrmsr(&p, T_FIXED0 + (k & 3), 0x200 + (k & 3));
		}
		assert_int_equal(softpmu_rdpmc(&p, t->ecx, &v), t->ret);
		if (t->ret)
			continue;
		assert_int_equal(v, t->expect);
		/* RDPMC and RDMSR agree */
		m = t->ecx & (1u << 30) ? t_rd(&p, T_FIXED0 + (t->ecx & 3)) : t_rd(&p, T_PMC0 + t->ecx);
		assert_int_equal(v, m);
	}
}

struct inuse_case {
	uint64_t evtsel0, evtsel3, fixed_ctrl, expect;
};

/* SDM 20.2.4.3: event select != 0, fixed enabled for a ring, any PMI bit -> 63. */
static const struct inuse_case inuse_cases[] = {
	{ 0, 0, 0, 0 },
	{ 0xc0, 0, 0, 1 },
	{ 0xc0 | T_EN, 0x3c | T_INT, 0, 0x9 | (1ull << 63) },
	{ T_EN | T_OS | T_INT, 0, 0, 1ull << 63 },	/* event 0: not in use, PMI is */
	{ 0, 0, 0x1, 1ull << 32 },
	{ 0, 0, 0x8, 1ull << 63 },
	{ 0, 0, 0x320, (1ull << 34) | (1ull << 33) },
	{ 0xc4, 0, 0xb00, (1ull << 34) | 1 | (1ull << 63) },
};

static void test_inuse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(inuse_cases) / sizeof(inuse_cases[0]); i++) {
		const struct inuse_case *t = &inuse_cases[i];
		struct softpmu p;

		init_shape(&p, V4);
		t_wr(&p, T_EVTSEL0, t->evtsel0);
		t_wr(&p, T_EVTSEL0 + 3, t->evtsel3);
		t_wr(&p, T_FIXED_CTRL, t->fixed_ctrl);
		assert_int_equal(t_rd(&p, T_INUSE), t->expect);
	}
}

struct bad_shape {
	struct pmu_shape s;
	bool filter;
	struct softpmu_filter f;
};

static void test_init_rejects(void **state)
{
	struct bad_shape bad[16];
	size_t n = 0;

	(void)state;
	bad[n++] = (struct bad_shape){ .s = t_intel(6, 4, 0x7, 0) };
	bad[n++] = (struct bad_shape){ .s = t_intel(2, 9, 0x7, 0) };
	bad[n] = (struct bad_shape){ .s = t_intel(2, 2, 0x7, 0) };
	bad[n++].s.gp_width = 0;
	bad[n++] = (struct bad_shape){ .s = t_intel(5, 2, 0x10, 0) };
	bad[n++] = (struct bad_shape){ .s = t_intel(1, 2, 0x1, 0) };
	bad[n] = (struct bad_shape){ .s = t_intel(4, 2, 0x5, 0) };
	bad[n++].s.nr_fixed = 1;			/* hole before v5 */
	bad[n++] = (struct bad_shape){ .s = t_intel(0, 1, 0, 0) };
	bad[n++] = (struct bad_shape){ .s = t_intel(3, 2, 0, 33) };
	bad[n] = (struct bad_shape){ .s = t_intel(2, 2, 0x1, 0) };
	bad[n++].s.fixed_width = 0;
	bad[n++] = (struct bad_shape){ .s = t_amd(7, true, true) };
	bad[n++] = (struct bad_shape){ .s = t_amd(6, false, false) };
	bad[n++] = (struct bad_shape){ .s = t_amd(4, false, true) };
	bad[n] = (struct bad_shape){ .s = t_amd(4, false, false) };
	bad[n++].s.amd_counter_width = 0;
	bad[n] = (struct bad_shape){ .s = t_intel(2, 2, 0, 0) };
	bad[n++].s.vendor = 7;
	bad[n] = (struct bad_shape){ .s = t_intel(2, 2, 0, 0), .filter = true };
	bad[n++].f.action = 2;
	bad[n] = (struct bad_shape){ .s = t_intel(2, 2, 0, 0), .filter = true };
	bad[n++].f.nevents = SOFTPMU_FILTER_MAX_EVENTS + 1;

	for (size_t i = 0; i < n; i++) {
		struct softpmu p;
		struct vmm_err err = { 0 };

		print_message("# bad shape %zu\n", i);
		assert_int_equal(softpmu_init(&p, &bad[i].s, bad[i].filter ? &bad[i].f : NULL,
					      &err), -EINVAL);
		assert_int_equal(err.code, EINVAL);
		assert_true(strlen(err.msg) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_msr_access),
		cmocka_unit_test(test_rejected_write_keeps_value),
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_rdpmc),
		cmocka_unit_test(test_inuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
