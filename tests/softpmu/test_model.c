// SPDX-License-Identifier: GPL-2.0-only
/*
 * Soft PMU: what counts (events, CPL filtering, enables), overflow at exactly
 * the expected instruction, the event filter, the MSR list, counting(), and
 * building a retired instruction from the classifier.
 */
#include <stdlib.h>

#include "helpers.h"

/*
 * The instruction stream every counting case runs: 11 instructions, 7 at
 * CPL 0 and 4 at CPL 3; 3 branches (2 at CPL 0); 14 cycles (10 at CPL 0,
 * one CPL 0 instruction takes 4 cycles).
 */
static const struct softpmu_insn program[] = {
	{ .cpl = 0, .cycles = 1 },
	{ .cpl = 0, .cycles = 1 },
	{ .cpl = 0, .is_branch = true, .taken = true, .kind = X86_BR_JCC, .cycles = 1 },
	{ .cpl = 0, .cycles = 1 },
	{ .cpl = 3, .cycles = 1 },
	{ .cpl = 3, .cycles = 1 },
	{ .cpl = 3, .is_branch = true, .taken = true, .kind = X86_BR_JMP_REL, .cycles = 1 },
	{ .cpl = 3, .cycles = 1 },
	{ .cpl = 0, .is_branch = true, .taken = false, .kind = X86_BR_JCC, .cycles = 1 },
	{ .cpl = 0, .cycles = 4 },
	{ .cpl = 0, .cycles = 1 },
};

static void run_program(struct softpmu *p)
{
	for (size_t i = 0; i < sizeof(program) / sizeof(program[0]); i++)
		softpmu_retire(p, &program[i]);
}

#define ALL (T_EN | T_OS | T_USR)
#define NO_WRITE (~0ull)

struct count_case {
	unsigned int version;
	uint64_t evtsel;
	uint32_t unavailable;
	unsigned int events_len;	/* 0: the default (8) */
	uint64_t global_ctrl;		/* NO_WRITE: leave the RESET value */
	uint64_t expect;
};

static const struct count_case count_cases[] = {
	{ 2, 0xc0 | ALL, 0, 0, NO_WRITE, 11 },
	{ 2, 0xc0 | T_EN | T_OS, 0, 0, NO_WRITE, 7 },
	{ 2, 0xc0 | T_EN | T_USR, 0, 0, NO_WRITE, 4 },
	{ 2, 0xc0 | T_EN, 0, 0, NO_WRITE, 0 },
	{ 2, 0xc0 | T_OS | T_USR, 0, 0, NO_WRITE, 0 },		/* EN clear */
	{ 2, 0xc4 | ALL, 0, 0, NO_WRITE, 3 },
	{ 2, 0xc4 | T_EN | T_OS, 0, 0, NO_WRITE, 2 },
	{ 2, 0xc4 | T_EN | T_USR, 0, 0, NO_WRITE, 1 },
	{ 2, 0x3c | ALL, 0, 0, NO_WRITE, 14 },
	{ 2, 0x3c | T_EN | T_USR, 0, 0, NO_WRITE, 4 },
	{ 2, 0x13c | ALL, 0, 0, NO_WRITE, 14 },			/* reference cycles */
	{ 2, 0x1c0 | ALL, 0, 0, NO_WRITE, 0 },			/* unknown umask */
	{ 2, 0xc5 | ALL, 0, 0, NO_WRITE, 0 },			/* branch misses: no model */
	{ 2, 0x412e | ALL, 0, 0, NO_WRITE, 0 },			/* LLC misses: no model */
	{ 2, 0xc0 | ALL | (1ull << 24), 0, 0, NO_WRITE, 0 },	/* CMASK */
	{ 2, 0xc0 | ALL | T_EDGE, 0, 0, NO_WRITE, 0 },
	{ 2, 0xc0 | ALL | T_INV, 0, 0, NO_WRITE, 11 },		/* INV without CMASK: no effect */
	{ 2, 0xc0 | ALL | (1ull << 19), 0, 0, NO_WRITE, 11 },	/* PC */
	{ 2, 0xc0 | ALL, 1u << 1, 0, NO_WRITE, 0 },		/* EBX: instructions unavailable */
	{ 2, 0xc4 | ALL, 1u << 1, 0, NO_WRITE, 3 },
	{ 2, 0xc4 | ALL, 0, 2, NO_WRITE, 0 },			/* branches past EAX[31:24] */
	{ 2, 0xc0 | ALL, 0, 2, NO_WRITE, 11 },
	{ 2, 0xc0 | ALL, 0, 0, 0x0, 0 },			/* GLOBAL_CTRL bit clear */
	{ 2, 0xc0 | ALL, 0, 0, 0x4, 11 },
	{ 2, 0xc0 | ALL, 0, 0, 0x3, 0 },
	{ 2, 0xc0 | ALL, 0, 0, 0x700000000ull, 0 },
	{ 1, 0xc0 | ALL, 0, 0, NO_WRITE, 11 },			/* v1: EN alone */
	{ 3, 0xc0 | ALL | T_ANY, 0, 0, NO_WRITE, 11 },		/* one thread per core */
	{ 5, 0xc4 | ALL, 0, 0, NO_WRITE, 3 },
};

static void test_gp_counting(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *t = &count_cases[i];
		struct pmu_shape s = t_intel(t->version, 4, t->version >= 2 ? 0x7 : 0, 0);
		struct softpmu p;

		print_message("# count case %zu\n", i);
		s.events_unavailable = t->unavailable;
		if (t->events_len)
			s.events_len = t->events_len;
		t_init(&p, &s, NULL);
		if (t->global_ctrl != NO_WRITE)
			t_wr(&p, T_CTRL, t->global_ctrl);
		t_wr(&p, T_EVTSEL0 + 2, t->evtsel);
		run_program(&p);
		assert_int_equal(t_rd(&p, T_PMC0 + 2), t->expect);
		/* the other counters are not programmed and stay at 0 */
		assert_int_equal(t_rd(&p, T_PMC0), 0);
		assert_false(softpmu_pmi_pending(&p));
	}
}

struct fixed_case {
	uint64_t ctrl, global;
	uint64_t expect[4];
};

static const struct fixed_case fixed_cases[] = {
	{ 0x3333, 0xf00000000ull, { 11, 14, 14, 0 } },	/* slots: not modelled */
	{ 0x0001, 0xf00000000ull, { 7, 0, 0, 0 } },
	{ 0x0020, 0xf00000000ull, { 0, 4, 0, 0 } },
	{ 0x0300, 0xf00000000ull, { 0, 0, 14, 0 } },
	{ 0x0333, 0x100000000ull, { 11, 0, 0, 0 } },
	{ 0x0888, 0xf00000000ull, { 0, 0, 0, 0 } },	/* PMI bit alone does not enable */
	{ 0x0333, 0xfull, { 0, 0, 0, 0 } },
};

static void test_fixed_counting(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixed_cases) / sizeof(fixed_cases[0]); i++) {
		const struct fixed_case *t = &fixed_cases[i];
		struct pmu_shape s = t_intel(5, 4, 0xf, 0);
		struct softpmu p;

		print_message("# fixed case %zu\n", i);
		t_init(&p, &s, NULL);
		t_wr(&p, T_FIXED_CTRL, t->ctrl);
		t_wr(&p, T_CTRL, t->global);
		run_program(&p);
		for (unsigned int k = 0; k < 4; k++)
			assert_int_equal(t_rd(&p, T_FIXED0 + k), t->expect[k]);
	}
}

enum ctr_kind { GPC, FIX };

struct ovf_case {
	unsigned int version;
	unsigned int width;
	enum ctr_kind kind;
	unsigned int idx;
	bool interrupt;
	uint64_t status_bit;	/* 0: no GLOBAL_STATUS (v1) */
};

static const struct ovf_case ovf_cases[] = {
	{ 2, 48, GPC, 0, true, 1ull << 0 },
	{ 2, 48, GPC, 3, false, 1ull << 3 },
	{ 1, 48, GPC, 1, true, 0 },
	{ 1, 40, GPC, 0, false, 0 },
	{ 2, 48, FIX, 0, true, 1ull << 32 },
	{ 2, 48, FIX, 1, false, 1ull << 33 },
	{ 4, 32, GPC, 3, true, 1ull << 3 },
	{ 4, 40, FIX, 2, true, 1ull << 34 },
	{ 5, 64, GPC, 1, true, 1ull << 1 },
};

/* Program counter (kind, idx) to count every instruction, INT as asked. */
static void ovf_program(struct softpmu *p, const struct ovf_case *t, uint64_t start)
{
	if (t->kind == GPC) {
		t_wr(p, T_EVTSEL0 + t->idx, (t->idx == 1 && t->version == 5 ? 0x3c : 0xc0) | ALL |
		     (t->interrupt ? T_INT : 0));
		assert_int_equal(softpmu_wrmsr(p, 0x4c1 + t->idx, start), 0);
	} else {
		t_wr(p, T_FIXED_CTRL, (0x3ull | (t->interrupt ? 0x8 : 0)) << (4 * t->idx));
		t_wr(p, T_CTRL, 1ull << (32 + t->idx));
		t_wr(p, T_FIXED0 + t->idx, start);
	}
}

static void test_overflow_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ovf_cases) / sizeof(ovf_cases[0]); i++) {
		const struct ovf_case *t = &ovf_cases[i];
		struct pmu_shape s = t_intel(t->version, 4, t->version >= 2 ? 0x7 : 0, 0);
		uint64_t mask = t->width == 64 ? ~0ull : (1ull << t->width) - 1;
		uint32_t ctr = t->kind == GPC ? T_PMC0 + t->idx : T_FIXED0 + t->idx;
		struct softpmu_insn in = t_plain(3);
		struct softpmu p;
		uint64_t st;

		print_message("# overflow case %zu\n", i);
		s.gp_width = s.fixed_width = t->width;
		t_init(&p, &s, NULL);
		ovf_program(&p, t, mask - 4);
		for (int k = 0; k < 4; k++) {
			softpmu_retire(&p, &in);
			assert_false(softpmu_pmi_pending(&p));
			if (t->status_bit)
				assert_int_equal(t_rd(&p, T_STATUS), 0);
		}
		assert_int_equal(t_rd(&p, ctr), mask);
		softpmu_retire(&p, &in);		/* the fifth one wraps */
		assert_int_equal(t_rd(&p, ctr), 0);
		assert_int_equal(softpmu_pmi_pending(&p), t->interrupt);
		if (t->status_bit)
			assert_int_equal(t_rd(&p, T_STATUS), t->status_bit);
		else
			assert_int_equal(softpmu_rdmsr(&p, T_STATUS, &st), SOFTPMU_GP);
		softpmu_pmi_ack(&p);
		assert_false(softpmu_pmi_pending(&p));
		softpmu_retire(&p, &in);		/* keeps counting after the wrap */
		assert_int_equal(t_rd(&p, ctr), 1);
		assert_false(softpmu_pmi_pending(&p));
		if (t->status_bit) {			/* OVF_CTRL clears it */
			t_wr(&p, T_OVF_CTRL, t->status_bit);
			assert_int_equal(t_rd(&p, T_STATUS), 0);
		}
	}
}

/* A multi-cycle instruction can step over the top: the remainder is kept. */
static void test_overflow_multi_cycle(void **state)
{
	struct pmu_shape s = t_intel(2, 2, 0x7, 0);
	struct softpmu_insn in = t_plain(0);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	t_wr(&p, T_EVTSEL0, 0x3c | ALL | T_INT);
	t_wr(&p, T_PMC0, (uint64_t)-3);
	in.cycles = 10;
	softpmu_retire(&p, &in);
	assert_int_equal(t_rd(&p, T_PMC0), 7);
	assert_true(softpmu_pmi_pending(&p));
	assert_int_equal(t_rd(&p, T_STATUS), 1);
}

/*
 * softpmu_retire_repeat(n) leaves the model exactly as n softpmu_retire()
 * calls would, stopping after the retirement that makes a PMI pending.
 * Each case: shape, counters programmed (MSR, value pairs), the instruction
 * (a taken LOOP to itself or a plain one) and n.
 */
struct repeat_shape {
	bool amd;
	unsigned int version, nr;
	uint32_t fixed;
	unsigned int lbr;
	bool core, v2;
};

#define SHAPE_I(v, nr, fixed, lbr) { false, (v), (nr), (fixed), (lbr), false, false }
#define SHAPE_A(nr, core, v2) { true, 0, (nr), 0, 0, (core), (v2) }

struct repeat_case {
	struct repeat_shape shape;
	struct { uint32_t msr; uint64_t val; } wr[8];
	bool branch;
	unsigned int cycles;
	uint64_t n;
	uint64_t retired;	/* what softpmu_retire_repeat() returns */
};

#define GP_SEL(ev, umask, extra) ((ev) | (umask) << 8 | ALL | (extra))

static const struct repeat_case repeat_cases[] = {
	/* nothing counts: all n at once */
	{ SHAPE_I(2, 2, 0x7, 0), { { 0 } }, true, 1, 100000, 100000 },
	/* instructions and branches, far from overflow */
	{ SHAPE_I(2, 4, 0x7, 0), { { T_EVTSEL0, GP_SEL(0xc0, 0, 0) }, { T_EVTSEL0 + 1, GP_SEL(0xc4, 0, 0) },
	  { T_FIXED_CTRL, 0x333 }, { T_CTRL, 0x70000000full } }, true, 1, 100000, 100000 },
	/* a PMI at the 5th retirement: stops there */
	{ SHAPE_I(2, 2, 0x7, 0), { { T_EVTSEL0, GP_SEL(0xc0, 0, T_INT) }, { T_PMC0, (uint64_t)-5 } },
	  true, 1, 100, 5 },
	/* an overflow without INT does not stop it; a later one with INT does */
	{ SHAPE_I(2, 2, 0x7, 0), { { T_EVTSEL0, GP_SEL(0xc0, 0, 0) }, { T_PMC0, (uint64_t)-3 },
	  { T_EVTSEL0 + 1, GP_SEL(0xc4, 0, T_INT) }, { T_PMC0 + 1, (uint64_t)-10 } }, true, 1, 100, 10 },
	/* narrow counters wrap many times without INT */
	{ SHAPE_I(2, 2, 0x7, 0), { { T_EVTSEL0, GP_SEL(0x3c, 0, 0) }, { T_PMC0, 7 } }, true, 3, 5000, 5000 },
	/* a fixed counter's PMI, a not-taken-relevant plain instruction */
	{ SHAPE_I(4, 2, 0x7, 0), { { T_FIXED_CTRL, 0x0b0 }, { T_FIXED0 + 1, 0xffffffffff00ull },
	  { T_CTRL, 1ull << 33 } }, false, 2, 1000, 128 },
	/* freeze on PMI (v4): counters stop after the PMI */
	{ SHAPE_I(4, 2, 0x7, 0), { { T_DEBUGCTL, 1ull << 12 }, { T_EVTSEL0, GP_SEL(0xc0, 0, T_INT) },
	  { T_PMC0, (uint64_t)-50 } }, true, 1, 1000, 50 },
	/* the LBR records the taken branch; the stack wraps */
	{ SHAPE_I(2, 2, 0x7, 16), { { T_DEBUGCTL, 1 }, { T_LBR_TOS, 3 }, { T_EVTSEL0, GP_SEL(0xc4, 0, 0) } },
	  true, 1, 10003, 10003 },
	/* AMD PerfMonV2: instructions with INT, cycles without */
	{ SHAPE_A(6, true, true), { { T_F15H_CTL0, 0xc0 | ALL | T_INT }, { T_F15H_CTR0, 0xffffffffff00ull },
	  { T_F15H_CTL0 + 2, 0x76 | ALL }, { T_F15H_CTR0 + 2, 0xfffffffffff0ull } }, true, 1, 1000, 256 },
	/* AMD legacy K7 counters, no overflow */
	{ SHAPE_A(4, false, false), { { T_K7_EVNTSEL0, 0xc2 | ALL } }, true, 1, 77777, 77777 },
};

static void test_retire_repeat(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(repeat_cases) / sizeof(repeat_cases[0]); i++) {
		const struct repeat_case *t = &repeat_cases[i];
		struct softpmu_insn in = t->branch ? t_branch(0, X86_BR_LOOP, true, 0x1000, 0x1000) : t_plain(0);
		struct softpmu *bulk = malloc(sizeof(*bulk)), *one = malloc(sizeof(*one));
		uint64_t k;

		print_message("# repeat case %zu\n", i);
		assert_non_null(bulk);
		assert_non_null(one);
		const struct repeat_shape *rs = &t->shape;
		struct pmu_shape shape = rs->amd ? t_amd(rs->nr, rs->core, rs->v2) :
					 t_intel(rs->version, rs->nr, rs->fixed, rs->lbr);

		in.cycles = t->cycles;
		t_init(bulk, &shape, NULL);
		for (unsigned int w = 0; w < 8 && t->wr[w].msr; w++)
			t_wr(bulk, t->wr[w].msr, t->wr[w].val);
		*one = *bulk;
		assert_int_equal(softpmu_retire_repeat(bulk, &in, t->n), t->retired);
		for (k = 0; k < t->n && !softpmu_pmi_pending(one); k++)
			softpmu_retire(one, &in);
		assert_int_equal(k, t->retired);
		assert_memory_equal(bulk, one, sizeof(*one));
		/* with the PMI pending, nothing more retires */
		if (softpmu_pmi_pending(bulk))
			assert_int_equal(softpmu_retire_repeat(bulk, &in, 10), 0);
		free(bulk);
		free(one);
	}
}

/* STATUS_SET sets status bits but is not an overflow: no PMI. */
static void test_status_set_no_pmi(void **state)
{
	struct pmu_shape s = t_intel(4, 2, 0x7, 0);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	t_wr(&p, T_EVTSEL0, 0xc0 | ALL | T_INT);
	t_wr(&p, T_STATUS_SET, 0x100000003ull);
	assert_int_equal(t_rd(&p, T_STATUS), 0x100000003ull);
	assert_false(softpmu_pmi_pending(&p));
	t_wr(&p, T_OVF_CTRL, 0x1);
	assert_int_equal(t_rd(&p, T_STATUS), 0x100000002ull);
}

struct filter_case {
	enum softpmu_filter_action action;
	uint64_t event;		/* one listed event, 0 for an empty list */
	uint32_t fixed_bitmap;
	uint64_t evtsel;
	uint64_t expect_gp, expect_fixed0, expect_fixed1;
};

static const struct filter_case filter_cases[] = {
	{ SOFTPMU_FILTER_ALLOW, 0x00c0, 0x0, 0xc0 | ALL, 11, 0, 0 },
	{ SOFTPMU_FILTER_ALLOW, 0x00c0, 0x0, 0xc4 | ALL, 0, 0, 0 },
	{ SOFTPMU_FILTER_DENY, 0x00c0, 0x0, 0xc0 | ALL, 0, 11, 14 },
	{ SOFTPMU_FILTER_DENY, 0x00c0, 0x0, 0xc4 | ALL, 3, 11, 14 },
	{ SOFTPMU_FILTER_ALLOW, 0x01c0, 0x0, 0xc0 | ALL, 0, 0, 0 },	/* umask must match */
	{ SOFTPMU_FILTER_ALLOW, 0x013c, 0x1, 0x13c | ALL, 14, 11, 0 },
	{ SOFTPMU_FILTER_ALLOW, 0, 0x1, 0xc0 | ALL, 0, 11, 0 },
	{ SOFTPMU_FILTER_DENY, 0, 0x2, 0xc0 | ALL, 11, 11, 0 },
	{ SOFTPMU_FILTER_DENY, 0, 0x0, 0xc0 | ALL, 11, 11, 14 },
};

static void test_filter(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++) {
		const struct filter_case *t = &filter_cases[i];
		struct pmu_shape s = t_intel(2, 2, 0x7, 0);
		struct softpmu_filter f = { .action = t->action, .fixed_counter_bitmap = t->fixed_bitmap };
		struct softpmu p;

		print_message("# filter case %zu\n", i);
		if (t->event) {
			f.events[0] = t->event;
			f.nevents = 1;
		}
		t_init(&p, &s, &f);
		t_wr(&p, T_EVTSEL0, t->evtsel);
		t_wr(&p, T_FIXED_CTRL, 0x33);
		t_wr(&p, T_CTRL, 0x300000003ull);
		run_program(&p);
		assert_int_equal(t_rd(&p, T_EVTSEL0), t->evtsel);	/* reads back */
		assert_int_equal(t_rd(&p, T_PMC0), t->expect_gp);
		assert_int_equal(t_rd(&p, T_FIXED0), t->expect_fixed0);
		assert_int_equal(t_rd(&p, T_FIXED0 + 1), t->expect_fixed1);
	}
}

static void test_filter_encoding(void **state)
{
	(void)state;
	assert_int_equal(softpmu_filter_event(0xc0, 0x00), 0xc0);
	assert_int_equal(softpmu_filter_event(0x3c, 0x01), 0x13c);
	assert_int_equal(softpmu_filter_event(0x1c0, 0x02), 0x1000002c0ull);
}

static bool list_has(const uint32_t *l, size_t n, uint32_t msr)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == msr)
			return true;
	return false;
}

struct list_case {
	struct pmu_shape s;
	size_t count;
	uint32_t in[8];
	uint32_t out[6];
};

static void test_msr_list(void **state)
{
	const struct list_case cases[] = {
		{ t_intel(2, 4, 0x7, 0), 135,
		  { 0xc1, 0xc8, 0x1d9, 0x38e, 0x392, 0x4c8, 0x6df, 0xddf },
		  { 0x10, 0x1da, 0xc9, 0x3f1, 0xc0010000u, 0x18e } },
		{ t_intel(0, 0, 0, 0), 135,
		  { 0xc1, 0x186, 0x1c8, 0x1c9, 0x309, 0x30c, 0x329, 0x345 },
		  { 0x30d, 0x393, 0x4c9, 0x6e0, 0xde0, 0xc0000300u } },
		{ t_amd(4, false, false), 24,
		  { 0xc0010000u, 0xc0010007u, 0xc0010200u, 0xc001020bu, 0xc0000300u, 0xc0000303u,
		    0xc0010003u, 0xc0010004u },
		  { 0x1d9, 0xc1, 0xc001020cu, 0xc0010008u, 0xc0000304u, 0x186 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct softpmu p;
		size_t n;
		const uint32_t *l;

		t_init(&p, &cases[i].s, NULL);
		l = softpmu_msr_list(&p, &n);
		assert_int_equal(n, cases[i].count);
		for (size_t k = 0; k < n; k++) {
			uint64_t v;
			int r = softpmu_rdmsr(&p, l[k], &v);

			assert_true(softpmu_handles(&p, l[k]));
			assert_false(list_has(l + k + 1, n - k - 1, l[k]));	/* no duplicates */
			assert_true(r == 0 || r == SOFTPMU_GP);
		}
		for (size_t k = 0; k < 8; k++)
			assert_true(list_has(l, n, cases[i].in[k]) && softpmu_handles(&p, cases[i].in[k]));
		for (size_t k = 0; k < 6; k++) {
			uint64_t v;

			assert_false(list_has(l, n, cases[i].out[k]));
			assert_false(softpmu_handles(&p, cases[i].out[k]));
			assert_int_equal(softpmu_rdmsr(&p, cases[i].out[k], &v), -ENOENT);
			assert_int_equal(softpmu_wrmsr(&p, cases[i].out[k], 0), -ENOENT);
		}
	}
}

static void test_counting(void **state)
{
	struct pmu_shape s = t_intel(4, 2, 0x7, 8);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	assert_false(softpmu_counting(&p));		/* RESET: nothing enabled */
	t_wr(&p, T_EVTSEL0, 0xc5 | ALL);
	assert_false(softpmu_counting(&p));		/* event without a model */
	t_wr(&p, T_EVTSEL0, 0xc0 | ALL);
	assert_true(softpmu_counting(&p));
	t_wr(&p, T_CTRL, 0);
	assert_false(softpmu_counting(&p));
	t_wr(&p, T_CTRL, 1);
	t_wr(&p, T_STATUS_SET, 1ull << 59);		/* CTR_FRZ */
	assert_false(softpmu_counting(&p));
	t_wr(&p, T_OVF_CTRL, 1ull << 59);
	assert_true(softpmu_counting(&p));
	t_wr(&p, T_EVTSEL0, 0);
	t_wr(&p, T_FIXED_CTRL, 0x100);			/* fixed 2, OS */
	t_wr(&p, T_CTRL, 1ull << 34);
	assert_true(softpmu_counting(&p));
	t_wr(&p, T_CTRL, 0);
	assert_false(softpmu_counting(&p));
	t_wr(&p, T_DEBUGCTL, 1);			/* LBR recording */
	assert_true(softpmu_counting(&p));
	t_wr(&p, T_STATUS_SET, 1ull << 58);		/* LBR_FRZ */
	assert_false(softpmu_counting(&p));
}

struct from_class_case {
	uint8_t bytes[8];
	size_t n;
	uint64_t rip, next;
	bool is_branch, taken;
	enum x86_branch_kind kind;
};

static void test_insn_from_class(void **state)
{
	const struct from_class_case cases[] = {
		{ { 0x74, 0x05 }, 2, 0x1000, 0x1007, true, true, X86_BR_JCC },
		{ { 0x74, 0x05 }, 2, 0x1000, 0x1002, true, false, X86_BR_JCC },
		{ { 0xe2, 0xfe }, 2, 0x1000, 0x1000, true, true, X86_BR_LOOP },
		{ { 0xeb, 0x00 }, 2, 0x1000, 0x1002, true, true, X86_BR_JMP_REL },
		{ { 0xc3 }, 1, 0x1000, 0x5000, true, true, X86_BR_RET },
		{ { 0x0f, 0x05 }, 2, 0x1000, 0xffffffff81000000ull, true, true, X86_BR_SYSCALL },
		{ { 0x90 }, 1, 0x1000, 0x1001, false, false, X86_BR_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct x86_insn_class c;
		struct softpmu_insn in;

		assert_int_equal(x86_classify(cases[i].bytes, cases[i].n, 64, &c), 0);
		softpmu_insn_from_class(&in, &c, 3, cases[i].rip, cases[i].next);
		assert_int_equal(in.cpl, 3);
		assert_int_equal(in.is_branch, cases[i].is_branch);
		assert_int_equal(in.taken, cases[i].taken);
		assert_int_equal(in.kind, cases[i].kind);
		assert_int_equal(in.from, cases[i].rip);
		assert_int_equal(in.to, cases[i].next);
		assert_int_equal(in.cycles, SOFTPMU_CYCLES_PER_INSN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gp_counting),
		cmocka_unit_test(test_fixed_counting),
		cmocka_unit_test(test_overflow_exact),
		cmocka_unit_test(test_overflow_multi_cycle),
		cmocka_unit_test(test_retire_repeat),
		cmocka_unit_test(test_status_set_no_pmi),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_filter_encoding),
		cmocka_unit_test(test_msr_list),
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_insn_from_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
