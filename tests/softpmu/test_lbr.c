// SPDX-License-Identifier: GPL-2.0-only
/* Soft PMU, Intel LBR stack: recording, LBR_SELECT, freeze on PMI legacy vs streamlined. */
#include "helpers.h"

#define ALL (T_EN | T_OS | T_USR)
#define DEBUGCTL_LBR 0x1ull
#define FRZ_LBRS (1ull << 11)
#define FRZ_PERFMON (1ull << 12)
#define LBR_FRZ (1ull << 58)
#define CTR_FRZ (1ull << 59)

static struct softpmu_insn br(unsigned int n)
{
	return t_branch(0, X86_BR_JMP_REL, true, 0x1000 * n, 0x1000 * n + 0x40);
}

/* Entry k below the top of stack holds branch 'newest - k'. */
static void assert_stack(struct softpmu *p, unsigned int depth, unsigned int newest,
			 unsigned int entries)
{
	uint64_t tos = t_rd(p, T_LBR_TOS);

	for (unsigned int k = 0; k < entries; k++) {
		unsigned int slot = (tos + depth - k) % depth;

		assert_int_equal(t_rd(p, T_LBR_FROM0 + slot), 0x1000ull * (newest - k));
		assert_int_equal(t_rd(p, T_LBR_TO0 + slot), 0x1000ull * (newest - k) + 0x40);
	}
}

static void test_record_and_wrap(void **state)
{
	struct pmu_shape s = t_intel(3, 2, 0x7, 4);
	struct softpmu_insn nt = t_branch(0, X86_BR_JCC, false, 0x99, 0x9b);
	struct softpmu_insn plain = t_plain(0);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	for (unsigned int i = 1; i <= 2; i++) {
		struct softpmu_insn b = br(i);

		softpmu_retire(&p, &b);			/* LBR off: not recorded */
	}
	assert_int_equal(t_rd(&p, T_LBR_TOS), 0);
	assert_int_equal(t_rd(&p, T_LBR_FROM0 + 1), 0);
	t_wr(&p, T_DEBUGCTL, DEBUGCTL_LBR);
	for (unsigned int i = 1; i <= 6; i++) {
		struct softpmu_insn b = br(i);

		softpmu_retire(&p, &b);
		softpmu_retire(&p, &nt);		/* not taken: not recorded */
		softpmu_retire(&p, &plain);
	}
	assert_int_equal(t_rd(&p, T_LBR_TOS), 6 % 4);
	assert_stack(&p, 4, 6, 4);
	assert_int_equal(t_rd(&p, T_LBR_INFO0 + 2), 0);
}

struct select_case {
	uint64_t select;
	unsigned int cpl;
	enum x86_branch_kind kind;
	bool recorded;
};

static const struct select_case select_cases[] = {
	{ 0x000, 0, X86_BR_JCC, true },
	{ 0x001, 0, X86_BR_JCC, false },		/* CPL_EQ_0 */
	{ 0x001, 3, X86_BR_JCC, true },
	{ 0x002, 3, X86_BR_JCC, false },		/* CPL_NEQ_0 */
	{ 0x004, 0, X86_BR_JCC, false },
	{ 0x004, 0, X86_BR_LOOP, false },
	{ 0x004, 0, X86_BR_JMP_REL, true },
	{ 0x008, 0, X86_BR_CALL_REL, false },
	{ 0x010, 0, X86_BR_CALL_IND, false },
	{ 0x010, 0, X86_BR_CALL_REL, true },
	{ 0x020, 0, X86_BR_RET, false },
	{ 0x040, 0, X86_BR_JMP_IND, false },
	{ 0x080, 0, X86_BR_JMP_REL, false },
	{ 0x100, 0, X86_BR_SYSCALL, false },
	{ 0x100, 3, X86_BR_INT, false },
	{ 0x100, 0, X86_BR_IRET, false },
	{ 0x0fc, 0, X86_BR_SYSCALL, true },
	{ 0x1fc, 0, X86_BR_NONE, true },		/* kind unknown: CPL rules only */
};

static void test_lbr_select(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
		const struct select_case *t = &select_cases[i];
		struct pmu_shape s = t_intel(2, 2, 0x7, 8);
		struct softpmu_insn b = t_branch(t->cpl, t->kind, true, 0x1000, 0x2000);
		struct softpmu p;

		print_message("# select case %zu\n", i);
		t_init(&p, &s, NULL);
		t_wr(&p, T_DEBUGCTL, DEBUGCTL_LBR);
		t_wr(&p, T_LBR_SELECT, t->select);
		softpmu_retire(&p, &b);
		assert_int_equal(t_rd(&p, T_LBR_TOS), t->recorded ? 1 : 0);
		assert_int_equal(t_rd(&p, T_LBR_FROM0 + 1), t->recorded ? 0x1000 : 0);
	}
}

/*
 * Counter 0 counts branches with INT and overflows on the third; GP1 counts
 * instructions. Branches 1-3 are recorded (the PMI takes effect after the
 * instruction that raised it), branch 4 comes after the PMI.
 */
static void run_to_pmi(struct softpmu *p, uint64_t debugctl)
{
	t_wr(p, T_DEBUGCTL, DEBUGCTL_LBR | debugctl);
	t_wr(p, T_EVTSEL0, 0xc4 | ALL | T_INT);
	t_wr(p, T_EVTSEL0 + 1, 0xc0 | ALL);
	t_wr(p, T_PMC0, (uint64_t)-3);
	for (unsigned int i = 1; i <= 3; i++) {
		struct softpmu_insn b = br(i);

		assert_false(softpmu_pmi_pending(p));
		softpmu_retire(p, &b);
	}
	assert_true(softpmu_pmi_pending(p));
	softpmu_pmi_ack(p);
	{
		struct softpmu_insn b = br(4);

		softpmu_retire(p, &b);
	}
}

struct freeze_case {
	unsigned int version;
	uint64_t debugctl;		/* freeze bits */
	uint64_t debugctl_after, ctrl_after, status_after;
	unsigned int newest;		/* last branch in the LBR after branch 4 */
	uint64_t insns_after;		/* GP1 after the 4 branches */
};

static const struct freeze_case freeze_cases[] = {
	/* no freezing */
	{ 2, 0, DEBUGCTL_LBR, 0x3, 0x1, 4, 4 },
	{ 4, 0, DEBUGCTL_LBR, 0x3, 0x1, 4, 4 },
	/* legacy: DEBUGCTL.LBR / GLOBAL_CTRL cleared */
	{ 2, FRZ_LBRS, FRZ_LBRS, 0x3, 0x1, 3, 4 },
	{ 3, FRZ_PERFMON, DEBUGCTL_LBR | FRZ_PERFMON, 0x0, 0x1, 4, 3 },
	{ 3, FRZ_LBRS | FRZ_PERFMON, FRZ_LBRS | FRZ_PERFMON, 0x0, 0x1, 3, 3 },
	/* streamlined: LBR_FRZ / CTR_FRZ set, DEBUGCTL and GLOBAL_CTRL untouched */
	{ 4, FRZ_LBRS, DEBUGCTL_LBR | FRZ_LBRS, 0x3, 0x1 | LBR_FRZ, 3, 4 },
	{ 5, FRZ_PERFMON, DEBUGCTL_LBR | FRZ_PERFMON, 0x3, 0x1 | CTR_FRZ, 4, 3 },
	{ 5, FRZ_LBRS | FRZ_PERFMON, DEBUGCTL_LBR | FRZ_LBRS | FRZ_PERFMON, 0x3,
	  0x1 | LBR_FRZ | CTR_FRZ, 3, 3 },
};

static void test_freeze_on_pmi(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(freeze_cases) / sizeof(freeze_cases[0]); i++) {
		const struct freeze_case *t = &freeze_cases[i];
		struct pmu_shape s = t_intel(t->version, 2, 0x7, 8);
		struct softpmu p;

		print_message("# freeze case %zu\n", i);
		t_init(&p, &s, NULL);
		run_to_pmi(&p, t->debugctl);
		assert_int_equal(t_rd(&p, T_DEBUGCTL), t->debugctl_after);
		assert_int_equal(t_rd(&p, T_CTRL), t->ctrl_after);
		assert_int_equal(t_rd(&p, T_STATUS), t->status_after);
		assert_int_equal(t_rd(&p, T_LBR_TOS), t->newest);
		assert_stack(&p, 8, t->newest, t->newest);
		assert_int_equal(t_rd(&p, T_PMC0 + 1), t->insns_after);
	}
}

/* v4: clearing LBR_FRZ / CTR_FRZ through STATUS_RESET resumes recording and counting. */
static void test_streamlined_resume(void **state)
{
	struct pmu_shape s = t_intel(4, 2, 0x7, 8);
	struct softpmu_insn b5 = br(5);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	t_wr(&p, T_FIXED_CTRL, 0x3);
	t_wr(&p, T_CTRL, 0x100000003ull);
	run_to_pmi(&p, FRZ_LBRS | FRZ_PERFMON);
	assert_int_equal(t_rd(&p, T_FIXED0), 3);	/* fixed counters freeze too */
	assert_false(softpmu_counting(&p));
	t_wr(&p, T_OVF_CTRL, 0x1 | LBR_FRZ | CTR_FRZ);
	assert_int_equal(t_rd(&p, T_STATUS), 0);
	assert_true(softpmu_counting(&p));
	softpmu_retire(&p, &b5);
	assert_int_equal(t_rd(&p, T_LBR_TOS), 4);
	assert_int_equal(t_rd(&p, T_LBR_FROM0 + 4), 0x5000);
	assert_int_equal(t_rd(&p, T_LBR_FROM0 + 3), 0x3000);
	assert_int_equal(t_rd(&p, T_PMC0 + 1), 4);
	assert_int_equal(t_rd(&p, T_FIXED0), 4);
	assert_false(softpmu_pmi_pending(&p));
}

/* Legacy: the handler re-enables DEBUGCTL.LBR and GLOBAL_CTRL itself. */
static void test_legacy_resume(void **state)
{
	struct pmu_shape s = t_intel(2, 2, 0x7, 8);
	struct softpmu_insn b5 = br(5);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	run_to_pmi(&p, FRZ_LBRS | FRZ_PERFMON);
	t_wr(&p, T_OVF_CTRL, 0x1);
	t_wr(&p, T_DEBUGCTL, DEBUGCTL_LBR | FRZ_LBRS | FRZ_PERFMON);
	t_wr(&p, T_CTRL, 0x3);
	softpmu_retire(&p, &b5);
	assert_int_equal(t_rd(&p, T_LBR_TOS), 4);
	assert_int_equal(t_rd(&p, T_LBR_FROM0 + 4), 0x5000);
	assert_int_equal(t_rd(&p, T_PMC0 + 1), 4);
}

/* v4: LBR_FRZ set through STATUS_SET freezes the stack without any PMI. */
static void test_status_set_freezes(void **state)
{
	struct pmu_shape s = t_intel(4, 2, 0x7, 8);
	struct softpmu_insn b1 = br(1), b2 = br(2);
	struct softpmu p;

	(void)state;
	t_init(&p, &s, NULL);
	t_wr(&p, T_DEBUGCTL, DEBUGCTL_LBR);
	softpmu_retire(&p, &b1);
	t_wr(&p, T_STATUS_SET, LBR_FRZ);
	softpmu_retire(&p, &b2);
	assert_int_equal(t_rd(&p, T_LBR_TOS), 1);
	assert_false(softpmu_pmi_pending(&p));
	t_wr(&p, T_OVF_CTRL, LBR_FRZ);
	softpmu_retire(&p, &b2);
	assert_int_equal(t_rd(&p, T_LBR_TOS), 2);
}

struct debugctl_case {
	unsigned int version, depth;
	uint64_t val;
	int ret;
	uint64_t readback;
};

static const struct debugctl_case debugctl_cases[] = {
	{ 1, 8, DEBUGCTL_LBR, 0, DEBUGCTL_LBR },
	{ 1, 8, FRZ_LBRS, SOFTPMU_GP, 0 },		/* needs version 2 */
	{ 2, 0, FRZ_LBRS, SOFTPMU_GP, 0 },		/* needs an LBR stack */
	{ 2, 8, FRZ_LBRS | FRZ_PERFMON | DEBUGCTL_LBR, 0, FRZ_LBRS | FRZ_PERFMON | DEBUGCTL_LBR },
	{ 2, 8, 0x2, 0, 0 },				/* BTF accepted, dropped */
	{ 2, 8, 1ull << 2, SOFTPMU_GP, 0 },		/* bus-lock detect: not offered */
	{ 2, 8, 1ull << 6, SOFTPMU_GP, 0 },		/* TR */
	{ 2, 8, 1ull << 14, SOFTPMU_GP, 0 },		/* FREEZE_WHILE_SMM */
	{ 5, 8, 1ull << 32, SOFTPMU_GP, 0 },
};

static void test_debugctl(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(debugctl_cases) / sizeof(debugctl_cases[0]); i++) {
		const struct debugctl_case *t = &debugctl_cases[i];
		struct pmu_shape s = t_intel(t->version, 2, t->version >= 2 ? 0x7 : 0, t->depth);
		struct softpmu p;

		print_message("# debugctl case %zu\n", i);
		t_init(&p, &s, NULL);
		assert_int_equal(softpmu_wrmsr(&p, T_DEBUGCTL, t->val), t->ret);
		assert_int_equal(t_rd(&p, T_DEBUGCTL), t->readback);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_and_wrap),
		cmocka_unit_test(test_lbr_select),
		cmocka_unit_test(test_freeze_on_pmi),
		cmocka_unit_test(test_streamlined_resume),
		cmocka_unit_test(test_legacy_resume),
		cmocka_unit_test(test_status_set_freezes),
		cmocka_unit_test(test_debugctl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
