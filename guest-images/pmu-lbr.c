// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-lbr: last branch records and their freeze on PMI (SDM vol. 3B 18.4.8
 * LBR stack, 18.9 LBR_SELECT, 18.4.7 / 20.4.7 freeze on PMI; the streamlined
 * freeze of perfmon version 4 from the series this project grew from).
 *
 * - Taken branches are recorded with the right FROM/TO, newest at LBR_TOS:
 *   a block of known jumps, a taken and a not-taken Jcc, CALL and RET, with
 *   labels for every address. Nothing is recorded before DEBUGCTL.LBR is set
 *   or after it is cleared; LBR_SELECT filters by branch kind and CPL.
 * - Legacy freeze (versions 2 and 3): FREEZE_LBRS_ON_PMI clears DEBUGCTL.LBR
 *   when the PMI is raised, so the branches after it are not recorded until
 *   software sets LBR again; FREEZE_PERFMON_ON_PMI clears GLOBAL_CTRL, so the
 *   counter stops at the overflow until software re-enables it.
 * - Streamlined freeze (version 4+): the PMI sets GLOBAL_STATUS.LBR_FRZ and
 *   CTR_FRZ instead; DEBUGCTL and GLOBAL_CTRL keep their values, the stack
 *   and the counters stay frozen (even across branches and instructions
 *   outside the counted block) until GLOBAL_STATUS_RESET clears the two
 *   bits, after which recording and counting resume.
 * The stack is read in the PMI handler, after the frozen block and after
 * unfreezing.
 *
 * Needs an Intel PMU with PDCM, a PERF_CAPABILITIES LBR format and an LBR
 * stack (soft mode: --pmu-lbr=on; legacy freeze: --pmu-version=3); without
 * them it checks that the LBR MSRs are absent and skips the rest. Exact
 * entries and counts are asserted in soft mode; in emulated mode the PMI
 * (and with it the freeze) may come some instructions late, so only the
 * freeze itself is checked there (not run where this was written: no host
 * PMU). Mediated mode offers no LBR.
 */
#include "guest.h"
#include "pmu.h"

#define LBR_MAX_DEPTH		32
#define LBR_INFO0		0xdc0
/* SDM 18.4.8.1: FROM may carry flags above the address (e.g. bit 63 MISPRED). */
#define LBR_ADDR_MASK		0x0000ffffffffffffULL

/* SDM table 18-11 (LBR_SELECT): a set bit suppresses that kind of branch. */
#define LBR_SEL_CPL_EQ_0	(1ULL << 0)
#define LBR_SEL_JCC		(1ULL << 2)
#define LBR_SEL_NEAR_REL_CALL	(1ULL << 3)
#define LBR_SEL_NEAR_RET	(1ULL << 5)
#define LBR_SEL_NEAR_REL_JMP	(1ULL << 7)

#define LBR_FREEZE_N		2	/* the counter overflows at the 2nd jump */

struct lbr_entry {
	uint64_t from, to;
};

/* What the PMI handler saw. IDT handlers take no context, hence static. */
struct lbr_pmi {
	volatile unsigned int count;
	uint64_t rip, debugctl, global_ctrl, status, counter, tos;
	struct lbr_entry top;
};

static struct lbr_pmi lbr_pmi;

static struct lbr_entry lbr_entry_at(unsigned int i)
{
	return (struct lbr_entry){ rdmsr(MSR_LBR_FROM0 + i) & LBR_ADDR_MASK,
				   rdmsr(MSR_LBR_TO0 + i) & LBR_ADDR_MASK };
}

static void lbr_pmi_handler(struct ex_regs *regs)
{
	lbr_pmi.count++;
	lbr_pmi.rip = regs->rip;
	lbr_pmi.debugctl = rdmsr(MSR_IA32_DEBUGCTL);
	lbr_pmi.global_ctrl = rdmsr(MSR_IA32_PERF_GLOBAL_CTRL);
	lbr_pmi.status = rdmsr(MSR_IA32_PERF_GLOBAL_STATUS);
	lbr_pmi.counter = rdmsr(MSR_IA32_PMC0);
	lbr_pmi.tos = rdmsr(MSR_LBR_TOS);
	lbr_pmi.top = lbr_entry_at((unsigned int)lbr_pmi.tos);
	/* SDM vol. 3A 11.5.1: delivery masked LVTPC; the handler unmasks it. */
	apic_set_lvtpc(apic_get_lvtpc() & ~APIC_LVT_MASKED);
}

/* The entry k places below the top of the stack (0: the newest). */
static struct lbr_entry lbr_nth(unsigned int depth, uint64_t tos, unsigned int k)
{
	return lbr_entry_at((unsigned int)((tos + depth - k) % depth));
}

static bool lbr_entry_is(struct lbr_entry e, uint64_t from, uint64_t to)
{
	return e.from == (from & LBR_ADDR_MASK) && e.to == (to & LBR_ADDR_MASK);
}

/* Diagnostics for a failed comparison: the n newest entries. */
static void lbr_dump(unsigned int depth, uint64_t tos, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++) {
		struct lbr_entry e = lbr_nth(depth, tos, k);

		report_info("LBR TOS-%u: %#llx -> %#llx", k, (unsigned long long)e.from,
			    (unsigned long long)e.to);
	}
}

static void lbr_clear_stack(unsigned int depth)
{
	wrmsr(MSR_IA32_DEBUGCTL, 0);
	wrmsr(MSR_LBR_TOS, 0);
	for (unsigned int i = 0; i < depth; i++) {
		wrmsr(MSR_LBR_FROM0 + i, 0);
		wrmsr(MSR_LBR_TO0 + i, 0);
	}
}

/* Entries written since TOS was tos0 (the stack never wraps in these tests). */
static unsigned int lbr_new_entries(unsigned int depth, uint64_t tos0)
{
	return (unsigned int)((rdmsr(MSR_LBR_TOS) + depth - tos0) % depth);
}

/* ---- recording (SDM 18.4.8) and filtering (SDM 18.9) ---- */

enum { LBR_B_JMP, LBR_B_CMP, LBR_B_JE, LBR_B_CALL, LBR_B_RETADDR, LBR_B_FN, LBR_B_OUT, LBR_B_NR };

/*
 * With a[i] the address of label 10+i:
 *	10: jmp 11          recorded (near relative jmp)
 *	11: cmp; jne 19     not taken: not recorded
 *	12: je 13           recorded (Jcc)
 *	13: call 15         recorded (near relative call)
 *	14: jmp 16          recorded (near relative jmp), after the RET
 *	15: ret             recorded (near return) to 14
 *	16: DEBUGCTL = 0
 */
static void lbr_branch_block(uint64_t *a)
{
	uint32_t lo = (uint32_t)DEBUGCTL_LBR, hi = 0;
	uint64_t t;

	asm volatile("lea 10f(%%rip), %[t]\n\tmov %[t], 0(%[a])\n\t"
		     "lea 11f(%%rip), %[t]\n\tmov %[t], 8(%[a])\n\t"
		     "lea 12f(%%rip), %[t]\n\tmov %[t], 16(%[a])\n\t"
		     "lea 13f(%%rip), %[t]\n\tmov %[t], 24(%[a])\n\t"
		     "lea 14f(%%rip), %[t]\n\tmov %[t], 32(%[a])\n\t"
		     "lea 15f(%%rip), %[t]\n\tmov %[t], 40(%[a])\n\t"
		     "lea 16f(%%rip), %[t]\n\tmov %[t], 48(%[a])\n\t"
		     "wrmsr\n"
		     "10:\tjmp 11f\n\t"
		     "ud2\n"
		     "11:\tcmp $1, %%eax\n\t"
		     "jne 19f\n"
		     "12:\tje 13f\n\t"
		     "ud2\n"
		     "13:\tcall 15f\n"
		     "14:\tjmp 16f\n"
		     "15:\tret\n"
		     "16:\txor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "wrmsr\n\t"
		     "jmp 20f\n"
		     "19:\tud2\n"
		     "20:"
		     : [t] "=&r"(t), "+a"(lo), "+d"(hi)
		     : "c"(MSR_IA32_DEBUGCTL), [a] "r"(a)
		     : "memory", "cc");
}

/* The taken branches of lbr_branch_block, oldest first, and their LBR_SELECT kind. */
static const struct {
	unsigned int from, to;
	uint64_t kind;
} lbr_block_branches[] = {
	{ LBR_B_JMP, LBR_B_CMP, LBR_SEL_NEAR_REL_JMP },
	{ LBR_B_JE, LBR_B_CALL, LBR_SEL_JCC },
	{ LBR_B_CALL, LBR_B_FN, LBR_SEL_NEAR_REL_CALL },
	{ LBR_B_FN, LBR_B_RETADDR, LBR_SEL_NEAR_RET },
	{ LBR_B_RETADDR, LBR_B_OUT, LBR_SEL_NEAR_REL_JMP },
};

#define LBR_NR_BLOCK_BRANCHES (sizeof(lbr_block_branches) / sizeof(lbr_block_branches[0]))

static const struct {
	const char *what;
	uint64_t select;
} lbr_select_cases[] = {
	{ "no filter", 0 },
	{ "LBR_SELECT filters Jcc", LBR_SEL_JCC },
	{ "LBR_SELECT filters near relative jumps", LBR_SEL_NEAR_REL_JMP },
	{ "LBR_SELECT filters calls and returns", LBR_SEL_NEAR_REL_CALL | LBR_SEL_NEAR_RET },
	{ "LBR_SELECT filters CPL 0", LBR_SEL_CPL_EQ_0 },
};

/* Compare the newest entries with the block's branches that the filter lets through. */
static void lbr_check_block(unsigned int depth, const uint64_t *a, uint64_t select, const char *what)
{
	uint64_t tos = rdmsr(MSR_LBR_TOS);
	unsigned int expect = 0, k = 0;
	bool match = true;

	for (size_t i = 0; i < LBR_NR_BLOCK_BRANCHES; i++)
		if (!(select & (lbr_block_branches[i].kind | LBR_SEL_CPL_EQ_0)))
			expect++;
	report_eq(lbr_new_entries(depth, 0), expect, "%s: %u branches recorded", what, expect);
	for (size_t i = LBR_NR_BLOCK_BRANCHES; i-- > 0;) {
		struct lbr_entry e;

		if (select & (lbr_block_branches[i].kind | LBR_SEL_CPL_EQ_0))
			continue;
		e = lbr_nth(depth, tos, k++);
		if (!lbr_entry_is(e, a[lbr_block_branches[i].from], a[lbr_block_branches[i].to])) {
			report_info("entry %u: from %#llx to %#llx, expected %#llx -> %#llx", k - 1,
				    (unsigned long long)e.from, (unsigned long long)e.to,
				    (unsigned long long)a[lbr_block_branches[i].from],
				    (unsigned long long)a[lbr_block_branches[i].to]);
			match = false;
		}
	}
	report(match, "%s: FROM/TO of each recorded branch, newest at LBR_TOS", what);
	report(lbr_entry_is(lbr_nth(depth, tos, k), 0, 0),
	       "%s: nothing recorded before DEBUGCTL.LBR was set", what);
}

static void lbr_test_record(unsigned int depth)
{
	uint64_t a[LBR_B_NR];

	for (size_t n = 0; n < sizeof(lbr_select_cases) / sizeof(lbr_select_cases[0]); n++) {
		lbr_clear_stack(depth);
		wrmsr(MSR_LBR_SELECT, lbr_select_cases[n].select);
		lbr_branch_block(a);
		lbr_check_block(depth, a, lbr_select_cases[n].select, lbr_select_cases[n].what);
	}
	wrmsr(MSR_LBR_SELECT, 0);
	report_eq(rdmsr(MSR_IA32_DEBUGCTL) & DEBUGCTL_LBR, 0, "DEBUGCTL.LBR clear after the block");
}

/* ---- freeze on PMI (SDM 18.4.7, 20.4.7) ---- */

/*
 * wrmsr(GLOBAL_CTRL = PMC0) starts counting; jumps at labels 30-33 (a[0..3])
 * with PMC0 overflowing at the second, so the PMI comes at 32 (a[2]); then
 * 34 (a[4]): wrmsr(end_msr, 0).
 */
static void lbr_freeze_block(uint64_t *a, uint32_t end_msr)
{
	uint32_t msr = MSR_IA32_PERF_GLOBAL_CTRL, lo = 1, hi = 0;
	uint64_t t;

	asm volatile("lea 30f(%%rip), %[t]\n\tmov %[t], 0(%[a])\n\t"
		     "lea 31f(%%rip), %[t]\n\tmov %[t], 8(%[a])\n\t"
		     "lea 32f(%%rip), %[t]\n\tmov %[t], 16(%[a])\n\t"
		     "lea 33f(%%rip), %[t]\n\tmov %[t], 24(%[a])\n\t"
		     "lea 34f(%%rip), %[t]\n\tmov %[t], 32(%[a])\n\t"
		     "wrmsr\n"
		     "30:\tjmp 31f\n"
		     "31:\tjmp 32f\n"
		     "32:\tjmp 33f\n"
		     "33:\tjmp 34f\n"
		     "34:\tmov %[end], %%ecx\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "wrmsr"
		     : [t] "=&r"(t), "+a"(lo), "+d"(hi), "+c"(msr)
		     : [a] "r"(a), [end] "r"(end_msr)
		     : "memory", "cc");
}

/*
 * wrmsr(msr, val) unfreezes; 50: jmp 51; 51: jmp 52; 52: GLOBAL_CTRL = 0
 * (6 instructions counted from 50 on), then DEBUGCTL = 0.
 */
#define LBR_UNFREEZE_INSNS	6

static void lbr_unfreeze_block(uint64_t *a, uint32_t msr, uint64_t val)
{
	uint32_t lo = (uint32_t)val, hi = (uint32_t)(val >> 32);
	uint64_t t;

	asm volatile("lea 50f(%%rip), %[t]\n\tmov %[t], 0(%[a])\n\t"
		     "lea 51f(%%rip), %[t]\n\tmov %[t], 8(%[a])\n\t"
		     "lea 52f(%%rip), %[t]\n\tmov %[t], 16(%[a])\n\t"
		     "wrmsr\n"
		     "50:\tjmp 51f\n"
		     "51:\tjmp 52f\n"
		     "52:\tmov %[gctl], %%ecx\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "wrmsr\n\t"
		     "mov %[dbg], %%ecx\n\t"
		     "wrmsr"
		     : [t] "=&r"(t), "+a"(lo), "+d"(hi), "+c"(msr)
		     : [a] "r"(a), [gctl] "i"(MSR_IA32_PERF_GLOBAL_CTRL), [dbg] "i"(MSR_IA32_DEBUGCTL)
		     : "memory", "cc");
}

/* PMC0 counts instructions from 2^w - LBR_FREEZE_N with INT; PMIs as NMIs. */
static void lbr_arm(const struct pmu_caps *c, unsigned int depth, uint64_t debugctl)
{
	pmu_reset_all(c);
	lbr_clear_stack(depth);
	wrmsr(MSR_LBR_SELECT, 0);
	lbr_pmi = (struct lbr_pmi){ 0 };
	idt_set_handler(NMI_VECTOR, lbr_pmi_handler);
	apic_set_lvtpc(APIC_DM_NMI);
	wrmsr(MSR_IA32_PMC0, -(uint64_t)LBR_FREEZE_N & pmu_counter_mask(c));
	wrmsr(MSR_IA32_PERFEVTSEL0, pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_INT));
	wrmsr(MSR_IA32_DEBUGCTL, debugctl);
}

static void lbr_disarm(const struct pmu_caps *c)
{
	wrmsr(MSR_IA32_DEBUGCTL, 0);
	apic_set_lvtpc(APIC_LVT_MASKED);
	idt_set_handler(NMI_VECTOR, NULL);
	pmu_reset_all(c);
}

/* The PMI came, at the instruction after the overflowing jump (soft: exactly). */
static bool lbr_check_pmi(const uint64_t *a, bool exact, const char *mode)
{
	if (!report_eq(lbr_pmi.count, 1, "%s: PMC0 overflow raises one PMI", mode))
		return false;
	if (exact)
		report_eq(lbr_pmi.rip, a[LBR_FREEZE_N], "%s: PMI after the overflowing jump", mode);
	report(lbr_pmi.status & 1, "%s: PMC0 overflow bit set in the handler", mode);
	return true;
}

/* Legacy FREEZE_LBRS_ON_PMI: DEBUGCTL.LBR cleared, counters untouched. */
static void lbr_test_legacy_lbrs(const struct pmu_caps *c, unsigned int depth, bool exact)
{
	const char *mode = "legacy FREEZE_LBRS_ON_PMI";
	uint64_t a[5], b[3], tos;

	lbr_arm(c, depth, DEBUGCTL_LBR | DEBUGCTL_FREEZE_LBRS_ON_PMI);
	lbr_freeze_block(a, MSR_IA32_PERF_GLOBAL_CTRL);
	tos = rdmsr(MSR_LBR_TOS);
	if (!lbr_check_pmi(a, exact, mode)) {
		lbr_disarm(c);
		return;
	}
	report_eq(lbr_pmi.debugctl, DEBUGCTL_FREEZE_LBRS_ON_PMI, "%s: the PMI cleared DEBUGCTL.LBR only",
		  mode);
	report_eq(lbr_pmi.global_ctrl, 1, "%s: GLOBAL_CTRL untouched", mode);
	if (exact)
		report(lbr_entry_is(lbr_pmi.top, a[1], a[2]),
		       "%s: newest entry in the handler is the overflowing jump", mode);
	report(tos == lbr_pmi.tos && lbr_entry_is(lbr_nth(depth, tos, 0), lbr_pmi.top.from, lbr_pmi.top.to),
	       "%s: no branch recorded after the PMI (TOS %llu, handler %llu)", mode,
	       (unsigned long long)tos, (unsigned long long)lbr_pmi.tos);
	report_eq(rdmsr(MSR_IA32_DEBUGCTL), DEBUGCTL_FREEZE_LBRS_ON_PMI,
		  "%s: DEBUGCTL.LBR stays clear until software sets it", mode);

	/* Software re-enables recording, as a legacy handler does. */
	lbr_unfreeze_block(b, MSR_IA32_DEBUGCTL, DEBUGCTL_LBR | DEBUGCTL_FREEZE_LBRS_ON_PMI);
	report_eq(lbr_new_entries(depth, tos), 2, "%s: setting DEBUGCTL.LBR resumes recording", mode);
	report(lbr_entry_is(lbr_nth(depth, tos + 2, 0), b[1], b[2]) &&
	       lbr_entry_is(lbr_nth(depth, tos + 2, 1), b[0], b[1]),
	       "%s: the two jumps after re-enabling are on the stack", mode);
	report_eq(lbr_pmi.count, 1, "%s: no further PMI", mode);
	lbr_disarm(c);
}

/* Legacy FREEZE_PERFMON_ON_PMI: GLOBAL_CTRL cleared, LBR untouched. */
static void lbr_test_legacy_perfmon(const struct pmu_caps *c, unsigned int depth, bool exact)
{
	const char *mode = "legacy FREEZE_PERFMON_ON_PMI";
	uint64_t a[5], b[3], tos;

	lbr_arm(c, depth, DEBUGCTL_LBR | DEBUGCTL_FREEZE_PERFMON_ON_PMI);
	lbr_freeze_block(a, MSR_IA32_DEBUGCTL);
	tos = rdmsr(MSR_LBR_TOS);
	if (!lbr_check_pmi(a, exact, mode)) {
		lbr_disarm(c);
		return;
	}
	report_eq(lbr_pmi.global_ctrl, 0, "%s: the PMI cleared GLOBAL_CTRL", mode);
	report_eq(lbr_pmi.debugctl, DEBUGCTL_LBR | DEBUGCTL_FREEZE_PERFMON_ON_PMI,
		  "%s: DEBUGCTL untouched", mode);
	if (exact) {
		report_eq(lbr_pmi.counter, 0, "%s: PMC0 stopped at the overflow (handler)", mode);
		report_eq(rdmsr(MSR_IA32_PMC0), 0, "%s: PMC0 stopped at the overflow (after the block)", mode);
	}
	if (!report(lbr_entry_is(lbr_nth(depth, tos, 0), a[3], a[4]) &&
		    lbr_entry_is(lbr_nth(depth, tos, 1), a[2], a[3]),
		    "%s: LBR keeps recording after the PMI (jumps at %#llx, %#llx)", mode,
		    (unsigned long long)a[2], (unsigned long long)a[3]))
		lbr_dump(depth, tos, 3);

	/* Software re-enables counting. */
	lbr_unfreeze_block(b, MSR_IA32_PERF_GLOBAL_CTRL, 1);
	if (exact)
		report_eq(rdmsr(MSR_IA32_PMC0), LBR_UNFREEZE_INSNS,
			  "%s: setting GLOBAL_CTRL resumes counting", mode);
	else
		report(rdmsr(MSR_IA32_PMC0) > 0, "%s: setting GLOBAL_CTRL resumes counting", mode);
	report_eq(lbr_pmi.count, 1, "%s: no further PMI", mode);
	lbr_disarm(c);
}

/*
 * Streamlined (v4+): the block leaves DEBUGCTL.LBR and GLOBAL_CTRL on (it ends
 * with a harmless LBR_SELECT = 0), so only LBR_FRZ and CTR_FRZ hold the freeze
 * while the C code around it runs and branches.
 */
static void lbr_test_streamlined(const struct pmu_caps *c, unsigned int depth, bool exact)
{
	const char *mode = "streamlined freeze";
	const uint64_t frz = GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ;
	const uint64_t dbg = DEBUGCTL_LBR | DEBUGCTL_FREEZE_LBRS_ON_PMI | DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	uint64_t a[5], b[3], tos, ctr, tos2, ctr2;

	lbr_arm(c, depth, dbg);
	lbr_freeze_block(a, MSR_LBR_SELECT);
	tos = rdmsr(MSR_LBR_TOS);
	ctr = rdmsr(MSR_IA32_PMC0);
	if (!lbr_check_pmi(a, exact, mode)) {
		lbr_disarm(c);
		return;
	}
	report_eq(lbr_pmi.status, frz | 1, "%s: PMI sets LBR_FRZ and CTR_FRZ", mode);
	report_eq(lbr_pmi.debugctl, dbg, "%s: DEBUGCTL unchanged by the PMI", mode);
	report_eq(lbr_pmi.global_ctrl, 1, "%s: GLOBAL_CTRL unchanged by the PMI", mode);
	if (exact) {
		report(lbr_entry_is(lbr_pmi.top, a[1], a[2]),
		       "%s: newest entry in the handler is the overflowing jump", mode);
		report_eq(lbr_pmi.counter, 0, "%s: PMC0 frozen at the overflow in the handler", mode);
		report_eq(ctr, 0, "%s: PMC0 frozen at the overflow after the block", mode);
	}
	report(tos == lbr_pmi.tos && lbr_entry_is(lbr_nth(depth, tos, 0), lbr_pmi.top.from, lbr_pmi.top.to),
	       "%s: no branch recorded after the PMI", mode);

	/* The reports above ran branches and instructions with LBR and PMC0 enabled. */
	tos2 = rdmsr(MSR_LBR_TOS);
	ctr2 = rdmsr(MSR_IA32_PMC0);
	report_eq(tos2, tos, "%s: LBR_TOS still frozen after more branches", mode);
	report_eq(ctr2, ctr, "%s: PMC0 still frozen after more instructions", mode);
	report_eq(rdmsr(MSR_IA32_PERF_GLOBAL_STATUS) & frz, frz, "%s: freeze bits stay until cleared", mode);

	lbr_unfreeze_block(b, MSR_IA32_PERF_GLOBAL_OVF_CTRL, frz | 1);
	report_eq(rdmsr(MSR_IA32_PERF_GLOBAL_STATUS), 0, "%s: GLOBAL_STATUS_RESET clears the freeze", mode);
	report_eq(lbr_new_entries(depth, tos), 2, "%s: recording resumes after STATUS_RESET", mode);
	report(lbr_entry_is(lbr_nth(depth, tos + 2, 0), b[1], b[2]) &&
	       lbr_entry_is(lbr_nth(depth, tos + 2, 1), b[0], b[1]),
	       "%s: the two jumps after unfreezing are on the stack", mode);
	if (exact)
		report_eq(rdmsr(MSR_IA32_PMC0), ctr + LBR_UNFREEZE_INSNS,
			  "%s: PMC0 counts %u instructions after unfreezing", mode, LBR_UNFREEZE_INSNS);
	else
		report(rdmsr(MSR_IA32_PMC0) > ctr, "%s: PMC0 counts again after unfreezing", mode);
	report_eq(lbr_pmi.count, 1, "%s: no further PMI", mode);
	lbr_disarm(c);
}

static void lbr_test_freeze(const struct pmu_caps *c, unsigned int depth, bool exact)
{
	if (c->version < 2) {
		report_skip("freeze on PMI", "version %u has no GLOBAL_CTRL or freeze bits", c->version);
		return;
	}
	if (!pmu_event_available(c, PMU_EVENT_INSTRUCTIONS)) {
		report_skip("freeze on PMI", "the instructions event is unavailable");
		return;
	}
	if (c->version < 4) {
		lbr_test_legacy_lbrs(c, depth, exact);
		lbr_test_legacy_perfmon(c, depth, exact);
		report_skip("streamlined freeze", "version %u < 4; run with the default version 4 or 5",
			    c->version);
	} else {
		report_skip("legacy freeze", "version %u freezes through GLOBAL_STATUS; run with "
			    "--pmu-version=3", c->version);
		lbr_test_streamlined(c, depth, exact);
	}
}

/* ---- presence ---- */

/* SDM 18.4.8: FROM_0..FROM_(depth-1) exist; the first #GP ends the stack. */
static unsigned int lbr_probe_depth(void)
{
	unsigned int n = 0;
	uint64_t v;

	while (n < LBR_MAX_DEPTH && rdmsr_safe(MSR_LBR_FROM0 + n, &v) == 0)
		n++;
	return n;
}

/* No LBR enumerated: the MSRs must be absent and DEBUGCTL.LBR must not stick. */
static void lbr_test_absent(const char *why)
{
	uint64_t v = 0;
	int vec;

	report_eq(rdmsr_safe(MSR_LBR_TOS, &v), GP_VECTOR, "no LBR (%s): LBR_TOS #GPs", why);
	report_eq(rdmsr_safe(MSR_LBR_FROM0, &v), GP_VECTOR, "no LBR (%s): LBR_FROM_0 #GPs", why);
	report_eq(wrmsr_safe(MSR_LBR_TO0, 0), GP_VECTOR, "no LBR (%s): LBR_TO_0 #GPs", why);
	vec = wrmsr_safe(MSR_IA32_DEBUGCTL, DEBUGCTL_LBR);
	if (vec == 0)
		rdmsr_safe(MSR_IA32_DEBUGCTL, &v);
	report(vec == GP_VECTOR || !(v & DEBUGCTL_LBR),
	       "no LBR (%s): DEBUGCTL.LBR does not stick (vector %d, read %#llx)", why, vec,
	       (unsigned long long)v);
	wrmsr_safe(MSR_IA32_DEBUGCTL, 0);
	report_skip("LBR recording and freeze", "no LBR: %s", why);
}

int main(const struct vmm_bootinfo *bi)
{
	struct pmu_caps caps;
	unsigned int fmt, depth;
	uint64_t v;

	pmu_init(&caps);
	fmt = (unsigned int)(caps.perf_capabilities & PERF_CAP_LBR_FMT);
	report_info("pmu mode %u, %s, version %u, PDCM %d, PERF_CAPABILITIES %#llx", bi->pmu_mode,
		    caps.intel ? "Intel" : caps.amd ? "AMD" : "unknown vendor", caps.version, caps.pdcm,
		    (unsigned long long)caps.perf_capabilities);
	if (bi->pmu_mode == VMM_PMU_MODE_OFF) {
		report_eq(caps.pdcm, 0, "no PMU: CPUID.01H:ECX.PDCM clear");
		lbr_test_absent("--pmu=off");
		tap_done();
	}
	if (!caps.intel) {
		report_skip("LBR", "the legacy LBR stack is Intel's; AMD LBR v2 is not tested");
		tap_done();
	}
	if (!caps.pdcm || !fmt) {
		lbr_test_absent(caps.pdcm ? "PERF_CAPABILITIES LBR format 0" : "no PDCM");
		tap_done();
	}
	depth = lbr_probe_depth();
	report_info("LBR format %u, depth %u", fmt, depth);
	report(depth == 8 || depth == 16 || depth == 32, "LBR depth %u probed through LBR_FROM_x", depth);
	if (!depth)
		tap_done();
	/* The model refuses a TOS beyond the stack (docs/soft-pmu.md); hardware may mask it. */
	if (bi->pmu_mode == VMM_PMU_MODE_SOFT)
		report_eq(wrmsr_safe(MSR_LBR_TOS, depth), GP_VECTOR, "LBR_TOS = depth (%u) #GPs", depth);
	if (fmt >= 5)
		report_eq(rdmsr_safe(LBR_INFO0 + depth - 1, &v), 0, "LBR_INFO_%u exists (format %u)",
			  depth - 1, fmt);
	apic_enable(0xff);
	apic_set_lvtpc(APIC_LVT_MASKED);
	lbr_test_record(depth);
	lbr_test_freeze(&caps, depth, bi->pmu_mode == VMM_PMU_MODE_SOFT);
	lbr_disarm(&caps);
	tap_done();
}
