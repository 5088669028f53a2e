// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/account.h"

/* The pending instruction's classification: kept from when it became pending, or read now. */
static int pending_class(const struct soft_pending *p, const struct soft_account_ops *ops,
			 struct x86_insn_class *c)
{
	if (p->has_class) {
		*c = p->cls;
		return 0;
	}
	return ops->classify(ops->ctx, p->rip, c);
}

bool soft_account_user_exit(struct soft_pending *p, uint64_t rip, const struct soft_account_ops *ops)
{
	struct x86_insn_class c;

	if (!p->valid || p->trailing)
		return false;
	if (pending_class(p, ops, &c) < 0 || c.rep_string)
		return false;	/* a REP string instruction may exit again before it retires */
	if (rip != p->rip && rip != p->rip + c.len)
		return false;
	ops->retire(ops->ctx, &c, p->rip, p->rip + c.len);
	*p = (struct soft_pending){ .valid = true, .trailing = true, .rip = p->rip + c.len };
	return true;
}

enum soft_account_result soft_account_step(struct soft_pending *p, uint64_t rip, unsigned int cpl,
					   const struct soft_account_ops *ops)
{
	struct x86_insn_class c;

	if (!p->valid)
		return SOFT_ACCOUNT_OK;
	if (p->trailing && rip == p->rip) {
		p->trailing = false;		/* the trap of an instruction already accounted */
		return SOFT_ACCOUNT_OK;
	}
	if (pending_class(p, ops, &c) < 0)
		return SOFT_ACCOUNT_OK;
	if (p->bp_kind == BP_EVENT && rip == p->bp) {
		/*
		 * The event was delivered: INT n retired into the handler, so did a
		 * HLT the interrupt woke (SDM vol. 3 6.6: it returns after the HLT);
		 * a fault or an interrupt before the instruction did not.
		 */
		if (p->retires_into)
			ops->retire(ops->ctx, &c, p->rip, rip);
		return SOFT_ACCOUNT_OK;
	}
	if (p->bp_kind == BP_IRET && rip != p->rip) {
		/*
		 * An IRET retired to its target. A debug exit anywhere else means
		 * the target ran without one: at CPL 3 on hosts that give no
		 * debug exits there, or when the trap of the target arrives with
		 * the IRET's (an IRET that starts with TF clear).
		 */
		ops->retire(ops->ctx, &c, p->rip, p->bp);
		if (rip == p->bp)
			return SOFT_ACCOUNT_OK;
		if (p->iret_to_user && cpl == 0)
			return SOFT_ACCOUNT_CPL3_MISSED;
		*p = (struct soft_pending){ .valid = true, .rip = p->bp };
		return soft_account_step(p, rip, cpl, ops);
	}
	if (rip == p->rip) {
		/* A branch to itself retired; a REP iteration did not (SDM vol. 3 18.3.1.4). */
		if (c.is_branch)
			ops->retire(ops->ctx, &c, p->rip, rip);
	} else if (c.is_branch || rip == p->rip + c.len) {
		ops->retire(ops->ctx, &c, p->rip, rip);
	}
	/* Otherwise an event (exception, interrupt) was delivered instead: nothing retired. */
	return SOFT_ACCOUNT_OK;
}

int soft_raised_vector(const uint8_t *bytes, size_t n, const struct x86_insn_class *c)
{
	if (c->len == 0 || c->len > n)
		return -1;
	if (c->map == X86_MAP_0F && c->opcode == 0x0b)
		return 6;			/* UD2 */
	if (c->branch != X86_BR_INT || c->map != X86_MAP_ONE_BYTE)
		return -1;
	if (c->opcode == 0xcc)
		return 3;			/* INT3 */
	if (c->opcode == 0xcd && c->len >= 2)
		return bytes[c->len - 1];	/* INT n: the immediate */
	return -1;				/* INTO: only when OF is set */
}
