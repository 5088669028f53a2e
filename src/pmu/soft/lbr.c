// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel last branch records, Nehalem+ MSR layout (SDM vol. 3B 18.4.8 and
 * 18.9/18.10: LBR_TOS, FROM/TO stacks, LBR_SELECT filtering; LBR_INFO with
 * LBR format 5 and later), and IA32_DEBUGCTL (SDM 18.4.1).
 */
#include "pmu/soft/internal.h"

/* LBR format 5 (PERF_CAPABILITIES[5:0]) introduced MSR_LBR_INFO_x. */
#define LBR_FORMAT_INFO 5

bool lbr_msr(struct softpmu *p, uint32_t msr, uint64_t **reg)
{
	unsigned int depth = p->shape.lbr_depth;

	if (!depth)
		return false;
	if (msr == MSR_LBR_SELECT)
		*reg = &p->lbr_select;
	else if (msr == MSR_LBR_TOS)
		*reg = &p->lbr_tos;
	else if (msr - MSR_LBR_FROM0 < depth)
		*reg = &p->lbr_from[msr - MSR_LBR_FROM0];
	else if (msr - MSR_LBR_TO0 < depth)
		*reg = &p->lbr_to[msr - MSR_LBR_TO0];
	else if (msr - MSR_LBR_INFO0 < depth && p->shape.lbr_format >= LBR_FORMAT_INFO)
		*reg = &p->lbr_info[msr - MSR_LBR_INFO0];
	else
		return false;
	return true;
}

int lbr_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val)
{
	uint64_t *reg;

	if (!lbr_msr(p, msr, &reg))
		return SOFTPMU_GP;
	/* EN_CALLSTACK (bit 9) and above are not modelled: reserved */
	if (msr == MSR_LBR_SELECT && (val & ~LBR_SELECT_VALID))
		return SOFTPMU_GP;
	if (msr == MSR_LBR_TOS && val >= p->shape.lbr_depth)
		return SOFTPMU_GP;
	*reg = val;
	return 0;
}

/*
 * DEBUGCTL. FREEZE_LBRS_ON_PMI and FREEZE_PERFMON_ON_PMI need a version 2+
 * PMU (SDM 18.4.1, table 2-2), the former also an LBR stack. BTF is
 * accepted and dropped (it reads back 0), and so is LBR without an LBR
 * stack: guests write both blindly and KVM drops them the same way. BTF
 * would turn single-step into step-on-branch, which the engine cannot offer
 * while it single-steps the guest itself. Every other bit #GPs.
 */
int lbr_debugctl_wrmsr(struct softpmu *p, uint64_t val)
{
	uint64_t ok = DEBUGCTL_LBR | DEBUGCTL_BTF;

	if (p->shape.version >= 2)
		ok |= DEBUGCTL_FREEZE_PERFMON_ON_PMI;
	if (p->shape.version >= 2 && p->shape.lbr_depth)
		ok |= DEBUGCTL_FREEZE_LBRS_ON_PMI;
	if (val & ~ok)
		return SOFTPMU_GP;
	val &= ~DEBUGCTL_BTF;
	if (!p->shape.lbr_depth)
		val &= ~DEBUGCTL_LBR;
	p->debugctl = val;
	return 0;
}

/* Recording: DEBUGCTL.LBR and, streamlined freeze (v4+), LBR_FRZ clear. */
bool lbr_active(const struct softpmu *p)
{
	return p->shape.lbr_depth && (p->debugctl & DEBUGCTL_LBR) &&
	       !(p->global_status & GLOBAL_STATUS_LBR_FRZ);
}

/* MSR_LBR_SELECT bit that suppresses this kind of branch (SDM table 18-11). */
static uint64_t lbr_select_bit(enum x86_branch_kind k)
{
	switch (k) {
	case X86_BR_JCC:
	case X86_BR_LOOP:	return LBR_SELECT_JCC;
	case X86_BR_JMP_REL:	return LBR_SELECT_NEAR_REL_JMP;
	case X86_BR_JMP_IND:	return LBR_SELECT_NEAR_IND_JMP;
	case X86_BR_CALL_REL:	return LBR_SELECT_NEAR_REL_CALL;
	case X86_BR_CALL_IND:	return LBR_SELECT_NEAR_IND_CALL;
	case X86_BR_RET:	return LBR_SELECT_NEAR_RET;
	case X86_BR_NONE:	return 0;
	default:		return LBR_SELECT_FAR_BRANCH;
	}
}

static bool lbr_selected(const struct softpmu *p, const struct softpmu_insn *in)
{
	uint64_t cpl_bit = in->cpl == 0 ? LBR_SELECT_CPL_EQ_0 : LBR_SELECT_CPL_NEQ_0;

	return !(p->lbr_select & (cpl_bit | lbr_select_bit(in->kind)));
}

/*
 * A taken branch goes on top of the stack: TOS advances (modulo the depth)
 * and FROM/TO[TOS] get the addresses. LBR_INFO gets 0: no misprediction,
 * no TSX, no cycle count.
 */
void lbr_record(struct softpmu *p, const struct softpmu_insn *in)
{
	uint64_t n = softpmu_insn_times(in), depth = p->shape.lbr_depth;
	unsigned int tos;

	if (!in->is_branch || !in->taken || !lbr_active(p) || !lbr_selected(p, in))
		return;
	/* The same branch n times: every entry gets the same addresses, only TOS moves on. */
	if (n > depth)
		n = depth + (n - depth) % depth;
	for (; n; n--) {
		tos = (p->lbr_tos + 1) % p->shape.lbr_depth;
		p->lbr_tos = tos;
		p->lbr_from[tos] = in->from;
		p->lbr_to[tos] = in->to;
		p->lbr_info[tos] = 0;
	}
}
