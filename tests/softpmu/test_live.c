// SPDX-License-Identifier: GPL-2.0-only
/*
 * Soft PMU: the live set against the reference path. Two models of the same
 * shape go through the same MSR writes, PMIs, resets and retirements; one
 * retires through softpmu_retire() / softpmu_retire_repeat() /
 * softpmu_retire_class() (the live set), the other through the _ref
 * functions, which decide every counter's liveness again at every call.
 * After each step every MSR, RDPMC index, the PMI and counting() must be the
 * same. First a table of the cases where liveness changes, then random
 * sequences over Intel v1..v5 and AMD legacy, PERFCTR_CORE and PerfMonV2
 * shapes, with and without LBR, with and without event filters.
 */
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

#define ALL (T_EN | T_OS | T_USR)
#define T_CMASK1 (1ull << 24)
#define T_FRZ_LBR (1ull << 11)
#define T_FRZ_PMON (1ull << 12)
#define T_LBR_FRZ (1ull << 58)
#define T_CTR_FRZ (1ull << 59)
#define T_OVF_BUF (1ull << 62)
#define T_COND_CHGD (1ull << 63)

enum filter_kind { F_NONE, F_I_ALLOW_INSN, F_I_DENY_INSN, F_I_DENY_CYCLES, F_A_ALLOW, F_A_DENY, F_NR };

struct shape_params {
	bool amd;
	unsigned int version;		/* Intel */
	unsigned int nr;		/* GP counters */
	uint32_t fixed;			/* Intel fixed counter mask */
	unsigned int lbr;		/* Intel LBR depth */
	bool core, v2;			/* AMD PERFCTR_CORE, PerfMonV2 */
	unsigned int width;		/* every counter's width */
	uint32_t unavailable;		/* Intel CPUID.0AH:EBX */
	enum filter_kind filter;
};

static struct pmu_shape shape_of(const struct shape_params *sp)
{
	struct pmu_shape s = sp->amd ? t_amd(sp->nr, sp->core, sp->v2) :
			     t_intel(sp->version, sp->nr, sp->fixed, sp->lbr);

	s.gp_width = s.fixed_width = s.amd_counter_width = sp->width;
	s.events_unavailable = sp->unavailable;
	return s;
}

static bool filter_of(enum filter_kind k, struct softpmu_filter *f)
{
	memset(f, 0, sizeof(*f));
	switch (k) {
	case F_I_ALLOW_INSN:
		*f = (struct softpmu_filter){ SOFTPMU_FILTER_ALLOW, 0x1, 2, { 0 } };
		f->events[0] = softpmu_filter_event(0xc0, 0);
		f->events[1] = softpmu_filter_event(0xc4, 0);
		return true;
	case F_I_DENY_INSN:
		*f = (struct softpmu_filter){ SOFTPMU_FILTER_DENY, 0x1, 1, { 0 } };
		f->events[0] = softpmu_filter_event(0xc0, 0);
		return true;
	case F_I_DENY_CYCLES:
		*f = (struct softpmu_filter){ SOFTPMU_FILTER_DENY, 0x2, 1, { 0 } };
		f->events[0] = softpmu_filter_event(0x3c, 0);
		return true;
	case F_A_ALLOW:
		*f = (struct softpmu_filter){ SOFTPMU_FILTER_ALLOW, 0, 2, { 0 } };
		f->events[0] = softpmu_filter_event(0xc0, 0);
		f->events[1] = softpmu_filter_event(0xc2, 0);
		return true;
	case F_A_DENY:
		*f = (struct softpmu_filter){ SOFTPMU_FILTER_DENY, 0, 1, { 0 } };
		f->events[0] = softpmu_filter_event(0x76, 0);
		return true;
	case F_NONE:
	case F_NR:
	default:
		return false;
	}
}

/* Both models, fresh. */
static void pair_init(struct softpmu *live, struct softpmu *ref, const struct shape_params *sp)
{
	struct pmu_shape s = shape_of(sp);
	struct softpmu_filter *f = malloc(sizeof(*f));

	assert_non_null(f);
	if (!filter_of(sp->filter, f)) {
		free(f);
		f = NULL;
	}
	t_init(live, &s, f);
	t_init(ref, &s, f);
	free(f);
}

/* Everything the guest can see of the two models is the same. */
static void pair_compare(const struct softpmu *live, const struct softpmu *ref, const char *what)
{
	struct softpmu a = *live, b = *ref;	/* rdmsr takes a non-const model */
	const uint32_t *msrs;
	size_t n;
	bool ok = true;

	msrs = softpmu_msr_list(&a, &n);
	for (size_t i = 0; i < n && ok; i++) {
		uint64_t va = 0, vb = 0;
		int ra = softpmu_rdmsr(&a, msrs[i], &va), rb = softpmu_rdmsr(&b, msrs[i], &vb);

		if (ra != rb || va != vb) {
			print_error("%s: MSR 0x%x: live %d/0x%llx, reference %d/0x%llx\n", what, msrs[i], ra,
				    (unsigned long long)va, rb, (unsigned long long)vb);
			ok = false;
		}
	}
	for (uint32_t e = 0; e < 2 * SOFTPMU_MAX_GP && ok; e++) {
		uint32_t ecx = e < SOFTPMU_MAX_GP ? e : (1u << 30) | (e - SOFTPMU_MAX_GP);
		uint64_t va = 0, vb = 0;
		int ra = softpmu_rdpmc(&a, ecx, &va), rb = softpmu_rdpmc(&b, ecx, &vb);

		if (ra != rb || va != vb) {
			print_error("%s: RDPMC 0x%x: live %d/0x%llx, reference %d/0x%llx\n", what, ecx, ra,
				    (unsigned long long)va, rb, (unsigned long long)vb);
			ok = false;
		}
	}
	if (ok && softpmu_pmi_pending(live) != softpmu_pmi_pending(ref)) {
		print_error("%s: PMI pending: live %d, reference %d\n", what, softpmu_pmi_pending(live),
			    softpmu_pmi_pending(ref));
		ok = false;
	}
	if (ok && (softpmu_counting(live) != softpmu_counting_ref(ref) ||
		   softpmu_counting(live) != softpmu_counting_ref(live))) {
		print_error("%s: counting: live %d, reference %d\n", what, softpmu_counting(live),
			    softpmu_counting_ref(ref));
		ok = false;
	}
	assert_true(ok);
}

/* ---- the table: one case per way liveness changes ---- */

enum op { END, W, W_GP, RET, BR, REP, CLS, ACK, RESET, COUNTING, PMI, EXPECT };

struct step {
	enum op op;
	uint32_t msr;		/* W, W_GP, EXPECT */
	uint64_t val;		/* W, W_GP, EXPECT; RET, BR, REP, CLS: how many; COUNTING, PMI: 0 or 1 */
	unsigned int cpl;	/* RET, BR, REP, CLS */
	uint64_t done;		/* REP: how many retire */
};

struct live_case {
	const char *name;
	struct shape_params shape;
	struct step steps[16];
};

#define I(v, nr, fx, lbr) { false, v, nr, fx, lbr, false, false, 48, 0, F_NONE }
#define A(nr, core, v2) { true, 0, nr, 0, 0, core, v2, 48, 0, F_NONE }

static const struct live_case cases[] = {
	{ "v1: EN alone, OS only", I(1, 2, 0, 0), {
		{ COUNTING, 0, 0 }, { W, T_EVTSEL0, 0xc0 | T_EN | T_OS }, { COUNTING, 0, 1 },
		{ RET, 0, 4, 0 }, { RET, 0, 2, 3 }, { EXPECT, T_PMC0, 4 } } },
	{ "v2: GLOBAL_CTRL bit off and on", I(2, 2, 0x7, 0), {
		{ W, T_EVTSEL0 + 1, 0xc0 | ALL }, { W, T_CTRL, 0x1 }, { COUNTING, 0, 0 }, { RET, 0, 3, 0 },
		{ W, T_CTRL, 0x2 }, { COUNTING, 0, 1 }, { RET, 0, 3, 3 }, { EXPECT, T_PMC0 + 1, 3 } } },
	{ "v2: FREEZE_PERFMON_ON_PMI clears GLOBAL_CTRL", I(2, 2, 0x7, 0), {
		{ W, T_DEBUGCTL, T_FRZ_PMON }, { W, T_EVTSEL0, 0xc0 | ALL | T_INT }, { W, T_PMC0, -3ull },
		{ RET, 0, 5, 0 }, { PMI, 0, 1 }, { COUNTING, 0, 0 }, { EXPECT, T_PMC0, 0 },
		{ EXPECT, T_CTRL, 0 }, { EXPECT, T_STATUS, 1 } } },
	{ "v4: CTR_FRZ on PMI until GLOBAL_STATUS_RESET", I(4, 2, 0x7, 0), {
		{ W, T_DEBUGCTL, T_FRZ_PMON }, { W, T_EVTSEL0, 0xc0 | ALL | T_INT }, { W, T_PMC0, -3ull },
		{ RET, 0, 5, 0 }, { PMI, 0, 1 }, { COUNTING, 0, 0 }, { EXPECT, T_STATUS, T_CTR_FRZ | 1 },
		{ ACK }, { W, T_OVF_CTRL, T_CTR_FRZ | 1 }, { COUNTING, 0, 1 }, { RET, 0, 2, 3 },
		{ EXPECT, T_PMC0, 2 }, { PMI, 0, 0 } } },
	{ "v4: STATUS_SET of CTR_FRZ freezes, no PMI", I(4, 2, 0x7, 0), {
		{ W, T_EVTSEL0, 0xc4 | ALL }, { W, T_STATUS_SET, T_CTR_FRZ }, { COUNTING, 0, 0 },
		{ BR, 0, 4, 0 }, { EXPECT, T_PMC0, 0 }, { W, T_OVF_CTRL, T_CTR_FRZ }, { BR, 0, 4, 3 },
		{ EXPECT, T_PMC0, 4 }, { PMI, 0, 0 } } },
	{ "v4: LBR_FRZ on a fixed counter's PMI", I(4, 2, 0x7, 16), {
		{ W, T_DEBUGCTL, 1 | T_FRZ_LBR }, { W, T_FIXED_CTRL, 0xb }, { W, T_CTRL, 1ull << 32 },
		{ W, T_FIXED0, (1ull << 48) - 2 }, { BR, 0, 3, 0 }, { PMI, 0, 1 }, { EXPECT, T_LBR_TOS, 2 },
		{ EXPECT, T_FIXED0, 1 }, { EXPECT, T_STATUS, T_LBR_FRZ | (1ull << 32) }, { COUNTING, 0, 1 } } },
	{ "v3: FREEZE_LBRS_ON_PMI clears DEBUGCTL.LBR", I(3, 2, 0x7, 8), {
		{ W, T_DEBUGCTL, 1 | T_FRZ_LBR }, { COUNTING, 0, 1 }, { W, T_EVTSEL0, 0xc0 | T_EN | T_USR | T_INT },
		{ W, T_PMC0, -1ull }, { RET, 0, 1, 0 }, { PMI, 0, 0 }, { BR, 0, 1, 3 }, { PMI, 0, 1 },
		{ EXPECT, T_DEBUGCTL, T_FRZ_LBR }, { EXPECT, T_LBR_TOS, 1 }, { COUNTING, 0, 1 } } },
	{ "LBR alone counts", I(2, 0, 0, 4), {
		{ COUNTING, 0, 0 }, { W, T_DEBUGCTL, 1 }, { COUNTING, 0, 1 }, { BR, 0, 6, 0 },
		{ EXPECT, T_LBR_TOS, 2 }, { W, T_DEBUGCTL, 0 }, { COUNTING, 0, 0 } } },
	{ "v5: fixed 0 and 3, slots do not count", I(5, 2, 0x9, 0), {
		{ W, T_FIXED_CTRL, 0x3000 }, { W, T_CTRL, 0x8ull << 32 }, { COUNTING, 0, 0 },
		{ W, T_FIXED_CTRL, 0x3003 }, { W, T_CTRL, 0x9ull << 32 }, { COUNTING, 0, 1 }, { RET, 0, 5, 0 },
		{ EXPECT, T_FIXED0, 5 }, { EXPECT, T_FIXED0 + 3, 0 } } },
	{ "a write that #GPs changes nothing", I(2, 2, 0x7, 0), {
		{ W, T_EVTSEL0, 0xc0 | ALL }, { W_GP, T_EVTSEL0, 0xc0 | ALL | (1ull << 32) },
		{ W_GP, T_CTRL, 1ull << 40 }, { COUNTING, 0, 1 }, { RET, 0, 3, 0 }, { EXPECT, T_PMC0, 3 } } },
	{ "unavailable event, EDGE, CMASK do not count", { false, 2, 4, 0x7, 0, false, false, 48, 1u << 1, F_NONE }, {
		{ W, T_EVTSEL0, 0xc0 | ALL }, { W, T_EVTSEL0 + 1, 0xc4 | ALL | T_EDGE },
		{ W, T_EVTSEL0 + 2, 0x3c | ALL | T_CMASK1 }, { COUNTING, 0, 0 }, { W, T_EVTSEL0 + 3, 0x3c | ALL },
		{ COUNTING, 0, 1 }, { RET, 0, 2, 0 }, { EXPECT, T_PMC0 + 3, 2 } } },
	{ "deny filter: instructions", { false, 2, 2, 0x7, 0, false, false, 48, 0, F_I_DENY_INSN }, {
		{ W, T_EVTSEL0, 0xc0 | ALL }, { W, T_FIXED_CTRL, 0x3 }, { COUNTING, 0, 0 },
		{ W, T_EVTSEL0 + 1, 0xc4 | ALL }, { COUNTING, 0, 1 }, { BR, 0, 2, 0 }, { EXPECT, T_PMC0 + 1, 2 },
		{ EXPECT, T_PMC0, 0 } } },
	{ "allow filter: fixed 0 only", { false, 2, 2, 0x7, 0, false, false, 48, 0, F_I_ALLOW_INSN }, {
		{ W, T_CTRL, 0x7ull << 32 }, { W, T_FIXED_CTRL, 0x330 }, { COUNTING, 0, 0 }, { W, T_FIXED_CTRL, 0x333 }, { RET, 0, 7, 0 },
		{ EXPECT, T_FIXED0, 7 }, { EXPECT, T_FIXED0 + 1, 0 } } },
	{ "reset mid-count", I(4, 2, 0x7, 4), {
		{ W, T_EVTSEL0, 0xc0 | ALL | T_INT }, { W, T_PMC0, -1ull }, { W, T_DEBUGCTL, 1 }, { RET, 0, 1, 0 },
		{ PMI, 0, 1 }, { RESET }, { PMI, 0, 0 }, { COUNTING, 0, 0 }, { RET, 0, 1, 0 }, { EXPECT, T_PMC0, 0 } } },
	{ "retire_repeat stops at the PMI", I(2, 2, 0x7, 0), {
		{ W, T_EVTSEL0, 0xc0 | ALL | T_INT }, { W, T_PMC0, -10ull }, { REP, 0, 100, 0, 10 }, { PMI, 0, 1 },
		{ REP, 0, 100, 0, 0 }, { ACK }, { REP, 0, 100, 0, 100 }, { EXPECT, T_PMC0, 100 } } },
	{ "retire_class: a taken Jcc", I(2, 2, 0x7, 8), {
		{ W, T_EVTSEL0, 0xc4 | T_EN | T_OS }, { W, T_DEBUGCTL, 1 }, { CLS, 0, 3, 0 }, { CLS, 0, 3, 3 },
		{ EXPECT, T_PMC0, 3 }, { EXPECT, T_LBR_TOS, 6 % 8 } } },
	{ "AMD legacy: overflow with INT, no status", A(4, false, false), {
		{ W, T_K7_EVNTSEL0, 0xc2 | ALL | T_INT }, { W, T_K7_PERFCTR0, (1ull << 48) - 1 }, { BR, 0, 1, 3 },
		{ PMI, 0, 1 }, { COUNTING, 0, 1 }, { ACK }, { BR, 0, 2, 0 }, { EXPECT, T_K7_PERFCTR0, 2 } } },
	{ "AMD PerfMonV2: GLOBAL_CTL gates", A(6, true, true), {
		{ W, T_AMD_CTL, 0 }, { W, T_F15H_CTL0 + 2, 0x76 | ALL }, { COUNTING, 0, 0 }, { W, T_AMD_CTL, 0x2 },
		{ COUNTING, 0, 1 }, { W, T_F15H_CTR0 + 2, (1ull << 48) - 1 }, { RET, 0, 2, 0 },
		{ EXPECT, T_AMD_STATUS, 0x2 }, { PMI, 0, 0 }, { EXPECT, T_F15H_CTR0 + 2, 1 } } },
	{ "AMD deny filter: cycles", { true, 0, 6, 0, 0, true, false, 48, 0, F_A_DENY }, {
		{ W, T_F15H_CTL0, 0x76 | ALL }, { COUNTING, 0, 0 }, { W, T_F15H_CTL0 + 4, 0xc0 | T_EN | T_USR },
		{ COUNTING, 0, 1 }, { RET, 0, 3, 3 }, { RET, 0, 3, 0 }, { EXPECT, T_F15H_CTR0 + 4, 3 } } },
};

static struct softpmu_insn insn_of(enum op op, unsigned int cpl)
{
	return op == BR ? t_branch(cpl, X86_BR_JCC, true, 0x1000, 0x2000) : t_plain(cpl);
}

/* A taken Jcc of 2 bytes at 0x1000, to 0x1010. */
static void class_jcc(struct x86_insn_class *c)
{
	memset(c, 0, sizeof(*c));
	c->len = 2;
	c->branch = X86_BR_JCC;
	c->is_branch = c->conditional = c->direct = true;
	c->rel = 0xe;
}

static void table_step(struct softpmu *m, const struct step *st)
{
	struct softpmu_insn in = insn_of(st->op, st->cpl);
	struct x86_insn_class c;
	uint64_t v;

	switch (st->op) {
	case W:
	case W_GP:
		for (int k = 0; k < 2; k++)
			assert_int_equal(softpmu_wrmsr(&m[k], st->msr, st->val), st->op == W ? 0 : SOFTPMU_GP);
		break;
	case RET:
	case BR:
		for (uint64_t i = 0; i < st->val; i++) {
			softpmu_retire(&m[0], &in);
			softpmu_retire_ref(&m[1], &in);
		}
		break;
	case REP:
		assert_int_equal(softpmu_retire_repeat(&m[0], &in, st->val), st->done);
		assert_int_equal(softpmu_retire_repeat_ref(&m[1], &in, st->val), st->done);
		break;
	case CLS:
		class_jcc(&c);
		for (uint64_t i = 0; i < st->val; i++) {
			softpmu_insn_from_class(&in, &c, st->cpl, 0x1000, 0x1010);
			softpmu_retire_ref(&m[1], &in);
			assert_int_equal(softpmu_retire_class(&m[0], &c, st->cpl, 0x1000, 0x1010),
					 softpmu_pmi_pending(&m[1]));
		}
		break;
	case ACK:
		softpmu_pmi_ack(&m[0]);
		softpmu_pmi_ack(&m[1]);
		break;
	case RESET:
		softpmu_reset(&m[0]);
		softpmu_reset(&m[1]);
		break;
	case COUNTING:
		assert_int_equal(softpmu_counting(&m[0]), st->val);
		break;
	case PMI:
		assert_int_equal(softpmu_pmi_pending(&m[0]), st->val);
		break;
	case EXPECT:
		assert_int_equal(softpmu_rdmsr(&m[0], st->msr, &v), 0);
		assert_int_equal(v, st->val);
		break;
	case END:
	default:
		break;
	}
}

static void test_live_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct softpmu *m = malloc(2 * sizeof(*m));
		char what[128];

		assert_non_null(m);
		print_message("# %s\n", cases[i].name);
		pair_init(&m[0], &m[1], &cases[i].shape);
		pair_compare(&m[0], &m[1], cases[i].name);
		for (size_t k = 0; k < 16 && cases[i].steps[k].op != END; k++) {
			table_step(m, &cases[i].steps[k]);
			snprintf(what, sizeof(what), "%s, step %zu", cases[i].name, k);
			pair_compare(&m[0], &m[1], what);
		}
		free(m);
	}
}

/* ---- random sequences ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return (unsigned int)(rnd(r) % n);
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

static const struct shape_params random_shapes[] = {
	{ false, 1, 4, 0, 0, false, false, 16, 0, F_NONE },
	{ false, 2, 2, 0x7, 0, false, false, 12, 0, F_NONE },
	{ false, 2, 4, 0x7, 16, false, false, 48, 0, F_I_DENY_CYCLES },
	{ false, 3, 4, 0x7, 8, false, false, 10, 0, F_NONE },
	{ false, 3, 8, 0x7, 0, false, false, 9, 1u << 5, F_I_ALLOW_INSN },
	{ false, 4, 4, 0x7, 16, false, false, 11, 0, F_NONE },
	{ false, 4, 2, 0x7, 0, false, false, 8, 0, F_I_DENY_INSN },
	{ false, 5, 8, 0xf, 32, false, false, 12, 0, F_NONE },
	{ false, 5, 4, 0xb, 0, false, false, 10, 0, F_I_DENY_CYCLES },
	{ true, 0, 4, 0, 0, false, false, 10, 0, F_NONE },
	{ true, 0, 6, 0, 0, true, false, 12, 0, F_A_DENY },
	{ true, 0, 6, 0, 0, true, true, 9, 0, F_NONE },
	{ true, 0, 5, 0, 0, true, true, 48, 0, F_A_ALLOW },
};

/* MSRs worth writing more often than the LBR stack, which fills most of the model's list. */
static const uint32_t intel_hot[] = {
	T_EVTSEL0, T_EVTSEL0 + 1, T_EVTSEL0 + 2, T_EVTSEL0 + 3, T_EVTSEL0 + 7, T_PMC0, T_PMC0 + 1, T_PMC0 + 3,
	T_A_PMC0, T_A_PMC0 + 2, T_FIXED0, T_FIXED0 + 1, T_FIXED0 + 2, T_FIXED0 + 3, T_FIXED_CTRL,
	T_CTRL, T_CTRL, T_OVF_CTRL, T_OVF_CTRL, T_STATUS_SET, T_DEBUGCTL, T_DEBUGCTL, T_LBR_SELECT, T_LBR_TOS,
	T_STATUS, T_INUSE,
};

static const uint32_t amd_hot[] = {
	T_K7_EVNTSEL0, T_K7_EVNTSEL0 + 1, T_K7_EVNTSEL0 + 3, T_K7_PERFCTR0, T_K7_PERFCTR0 + 2,
	T_F15H_CTL0, T_F15H_CTL0 + 2, T_F15H_CTL0 + 8, T_F15H_CTL0 + 10, T_F15H_CTR0, T_F15H_CTR0 + 4,
	T_F15H_CTR0 + 10, T_AMD_CTL, T_AMD_CTL, T_AMD_CLR, T_AMD_CLR, T_AMD_SET, T_AMD_STATUS,
};

static uint64_t rnd_evtsel(struct rng *r)
{
	static const uint64_t events[] = { 0xc0, 0xc4, 0x3c, 0x13c, 0x76, 0xc2, 0x412e, 0xc5, 0x1c0 };
	uint64_t v = events[below(r, sizeof(events) / sizeof(events[0]))];

	v |= chance(r, 85) ? T_EN : 0;
	v |= chance(r, 70) ? T_OS : 0;
	v |= chance(r, 60) ? T_USR : 0;
	v |= chance(r, 40) ? T_INT : 0;
	v |= chance(r, 5) ? T_EDGE : 0;
	v |= chance(r, 5) ? T_CMASK1 : 0;
	v |= chance(r, 5) ? T_INV : 0;
	v |= chance(r, 5) ? T_ANY : 0;
	v |= chance(r, 3) ? 1ull << 32 : 0;	/* Intel: #GP; AMD: EventSelect[8] */
	return v;
}

/* A counter value: mostly a few events short of the overflow of a counter of the given width. */
static uint64_t rnd_counter(struct rng *r, unsigned int width)
{
	uint64_t mask = width >= 64 ? ~0ull : (1ull << width) - 1;

	if (chance(r, 15))
		return below(r, 100);
	if (chance(r, 15))
		return rnd(r);
	if (chance(r, 20))
		return (uint64_t)-(int64_t)(1 + below(r, 40));	/* legacy writes sign-extend bit 31 */
	return mask - below(r, 40);
}

static uint64_t rnd_status(struct rng *r, unsigned int nr)
{
	uint64_t v = rnd(r) & (((1ull << nr) - 1) | 0xfull << 32);

	v |= chance(r, 25) ? T_CTR_FRZ : 0;
	v |= chance(r, 25) ? T_LBR_FRZ : 0;
	v |= chance(r, 10) ? T_OVF_BUF : 0;
	v |= chance(r, 10) ? T_COND_CHGD : 0;
	return chance(r, 30) ? ~0ull : v;
}

static uint64_t rnd_global(struct rng *r, const struct shape_params *sp)
{
	uint64_t valid = ((1ull << sp->nr) - 1) | ((uint64_t)sp->fixed << 32);

	if (chance(r, 50))
		return valid;
	return chance(r, 5) ? rnd(r) : rnd(r) & valid;
}

static uint64_t rnd_value(struct rng *r, const struct shape_params *sp, uint32_t msr)
{
	if (chance(r, 5))
		return rnd(r);
	if ((msr >= T_EVTSEL0 && msr < T_EVTSEL0 + 8) || (msr >= T_K7_EVNTSEL0 && msr < T_K7_EVNTSEL0 + 4) ||
	    (msr >= T_F15H_CTL0 && msr < T_F15H_CTL0 + 12 && !(msr & 1)))
		return rnd_evtsel(r);
	if ((msr >= T_PMC0 && msr < T_PMC0 + 8) || (msr >= T_A_PMC0 && msr < T_A_PMC0 + 8) ||
	    (msr >= T_FIXED0 && msr < T_FIXED0 + 4) || (msr >= T_K7_PERFCTR0 && msr < T_K7_PERFCTR0 + 4) ||
	    (msr >= T_F15H_CTL0 && msr < T_F15H_CTL0 + 12))
		return rnd_counter(r, sp->width);
	switch (msr) {
	case T_FIXED_CTRL: {
		static const uint64_t field[] = { 0, 1, 2, 3, 0xb, 0x9, 0xa, 0x8, 0x7 };
		uint64_t v = 0;

		for (unsigned int i = 0; i < 4; i++)
			v |= field[below(r, sizeof(field) / sizeof(field[0]))] << (4 * i);
		return v & (chance(r, 80) ? ((1ull << (4 * 3)) - 1) : ~0ull);
	}
	case T_CTRL:
	case T_AMD_CTL:
		return rnd_global(r, sp);
	case T_OVF_CTRL:
	case T_STATUS_SET:
	case T_AMD_CLR:
	case T_AMD_SET:
		return rnd_status(r, sp->nr);
	case T_DEBUGCTL:
		return (chance(r, 60) ? 1 : 0) | (chance(r, 5) ? 2 : 0) | (chance(r, 50) ? T_FRZ_LBR : 0) |
		       (chance(r, 50) ? T_FRZ_PMON : 0);
	case T_LBR_SELECT:
		return chance(r, 50) ? 0 : rnd(r) & 0x1ff;
	default:
		return below(r, 40);
	}
}

static void rnd_insn(struct rng *r, struct softpmu_insn *in)
{
	static const unsigned int cpls[] = { 0, 0, 3, 3, 1, 2 };

	memset(in, 0, sizeof(*in));
	in->cpl = cpls[below(r, 6)];
	in->cycles = chance(r, 80) ? SOFTPMU_CYCLES_PER_INSN : 1 + below(r, 5);
	in->from = rnd(r);
	in->to = rnd(r);
	if (chance(r, 40)) {
		in->is_branch = true;
		in->kind = (enum x86_branch_kind)below(r, X86_BR_SYSEXIT + 1);
		in->taken = chance(r, 75);
	}
}

struct random_stats {
	unsigned long counting, pmis, frozen;
};

/* One step of a random sequence on both models; cur says which copy of the live model is in use. */
static void random_step(struct rng *r, const struct shape_params *sp, struct softpmu *m, int *cur,
			struct random_stats *st)
{
	struct softpmu *live = &m[*cur], *ref = &m[2];
	unsigned int op = below(r, 1000);
	struct softpmu_insn in;
	struct x86_insn_class c;

	if (op < 250) {
		const uint32_t *hot = sp->amd ? amd_hot : intel_hot;
		size_t nhot = sp->amd ? sizeof(amd_hot) / sizeof(amd_hot[0]) : sizeof(intel_hot) / sizeof(intel_hot[0]);
		size_t n;
		const uint32_t *all = softpmu_msr_list(live, &n);
		uint32_t msr = chance(r, 80) ? hot[below(r, (unsigned int)nhot)] : all[below(r, (unsigned int)n)];
		uint64_t v = rnd_value(r, sp, msr);

		assert_int_equal(softpmu_wrmsr(live, msr, v), softpmu_wrmsr(ref, msr, v));
	} else if (op < 850) {
		rnd_insn(r, &in);
		softpmu_retire(live, &in);
		softpmu_retire_ref(ref, &in);
	} else if (op < 900) {
		uint64_t n = chance(r, 50) ? 1 + below(r, 8) : 1 + below(r, 5000);

		rnd_insn(r, &in);
		assert_int_equal(softpmu_retire_repeat(live, &in, n), softpmu_retire_repeat_ref(ref, &in, n));
	} else if (op < 940) {
		rnd_insn(r, &in);
		class_jcc(&c);
		c.branch = in.kind;
		c.is_branch = in.is_branch;
		c.conditional = chance(r, 50);
		softpmu_insn_from_class(&in, &c, in.cpl, in.from, chance(r, 50) ? in.from + c.len : in.to);
		softpmu_retire_ref(ref, &in);
		assert_int_equal(softpmu_retire_class(live, &c, in.cpl, in.from, in.to), softpmu_pmi_pending(ref));
	} else if (op < 990) {
		softpmu_pmi_ack(live);
		softpmu_pmi_ack(ref);
	} else if (op < 997) {
		/* a copy is a whole model (soft_wrmsr() undoes a faulting write that way) */
		m[!*cur] = *live;
		*cur = !*cur;
	} else {
		softpmu_reset(live);
		softpmu_reset(ref);
	}
	st->counting += softpmu_counting(&m[*cur]);
	st->pmis += softpmu_pmi_pending(&m[*cur]);
	st->frozen += !sp->amd && (m[*cur].global_status & (T_CTR_FRZ | T_LBR_FRZ));
}

#define RANDOM_SEEDS 16
#define RANDOM_STEPS 800

static void test_live_random(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(random_shapes) / sizeof(random_shapes[0]); i++) {
		const struct shape_params *sp = &random_shapes[i];
		struct random_stats st = { 0 };
		struct softpmu *m = malloc(3 * sizeof(*m));	/* two copies of the live model, the reference */

		assert_non_null(m);
		for (uint64_t seed = 1; seed <= RANDOM_SEEDS; seed++) {
			struct rng r = { seed * 0x9e3779b97f4a7c15ull + i };
			char what[96];
			int cur = 0;

			pair_init(&m[0], &m[2], sp);
			for (int k = 0; k < RANDOM_STEPS; k++) {
				random_step(&r, sp, m, &cur, &st);
				snprintf(what, sizeof(what), "shape %zu, seed %llu, step %d", i,
					 (unsigned long long)seed, k);
				pair_compare(&m[cur], &m[2], what);
			}
		}
		print_message("# shape %zu: %lu steps counting, %lu with a PMI pending, %lu frozen\n", i,
			      st.counting, st.pmis, st.frozen);
		/* the sequences exercise what they are meant to */
		assert_true(st.counting > RANDOM_SEEDS * RANDOM_STEPS / 10);
		assert_true(st.pmis > 0);
		free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_table),
		cmocka_unit_test(test_live_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
