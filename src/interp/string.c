// SPDX-License-Identifier: GPL-2.0-only
/*
 * String instructions MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE (SDM
 * vol. 2 "REP/REPE/REPZ/REPNE/REPNZ"). Each iteration is committed as it
 * completes, as on hardware, where a fault or an interrupt between
 * iterations leaves rCX, rSI and rDI at the iteration reached.
 */
#include "interp/internal.h"

#include <string.h>

static int one_iteration(struct ictx *x)
{
	uint8_t op = x->in.op;
	unsigned int size = (op & 1) ? x->in.osz : 1, asz = x->in.asz;
	uint64_t am = mem_mask(asz), delta = (x->c->rflags & FL_DF) ? -(uint64_t)size : size;
	uint64_t si = x->c->gpr[INTERP_RSI] & am, di = x->c->gpr[INTERP_RDI] & am, a, b, fl = x->c->rflags;
	int src = x->in.seg >= 0 ? x->in.seg : INTERP_DS;

	switch (op) {
	case 0xa4:
	case 0xa5:
		TRY(mem_read(x, src, si, size, &a));
		TRY(mem_write(x, INTERP_ES, di, size, a));
		break;
	case 0xa6:
	case 0xa7:
		TRY(mem_read(x, src, si, size, &a));
		TRY(mem_read(x, INTERP_ES, di, size, &b));
		alu(ALU_CMP, a, b, size, &fl);
		break;
	case 0xaa:
	case 0xab:
		TRY(mem_write(x, INTERP_ES, di, size, x->c->gpr[INTERP_RAX]));
		break;
	case 0xac:
	case 0xad:
		TRY(mem_read(x, src, si, size, &a));
		reg_set(x, INTERP_RAX, size, a);
		break;
	default:
		TRY(mem_read(x, INTERP_ES, di, size, &b));
		alu(ALU_CMP, x->c->gpr[INTERP_RAX], b, size, &fl);
		break;
	}
	x->c->rflags = fl;
	if (op <= 0xa7 || op == 0xac || op == 0xad)
		reg_set(x, INTERP_RSI, asz, si + delta);
	if (op != 0xac && op != 0xad)
		reg_set(x, INTERP_RDI, asz, di + delta);
	return 0;
}

static void clear_outcome(struct interp_result *r)
{
	r->status = INTERP_RETIRED;
	r->vector = 0;
	r->has_error = false;
	r->error = 0;
	r->cr2 = 0;
	r->reason = INTERP_FB_NONE;
	r->gpa = 0;
}

int exec_string(struct ictx *x)
{
	uint8_t op = x->in.op;
	bool cmp = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;
	uint64_t cm = mem_mask(x->in.asz);

	/* LOCK on a string instruction is #UD (SDM vol. 2 LOCK): before any iteration is committed. */
	if (x->in.lock)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	if (!x->in.rep && !x->in.repne)
		return one_iteration(x);
	for (unsigned int i = 0;; i++) {
		uint64_t c = x->c->gpr[INTERP_RCX] & cm, before_fl = x->c->rflags;
		uint64_t before[16];
		int r;

		if (!c)
			return 0;
		if (i == INTERP_REP_CHUNK) {
			x->incomplete = x->branched = true;
			return 0;
		}
		/* An iteration changes only the GPRs and RFLAGS (one_iteration()). */
		memcpy(before, x->c->gpr, sizeof(before));
		r = one_iteration(x);
		if (r) {
			if (i == 0)
				return r;
			/* Later iterations: stop where the next one would fault; it runs again. */
			memcpy(x->c->gpr, before, sizeof(before));
			x->c->rflags = before_fl;
			clear_outcome(x->res);
			x->incomplete = x->branched = true;
			return 0;
		}
		reg_set(x, INTERP_RCX, x->in.asz, c - 1);
		TRY(commit_iteration(x));
		/* REPE ends on ZF = 0, REPNE on ZF = 1 (CMPS, SCAS only). */
		if (cmp && (x->in.rep ? !(x->c->rflags & FL_ZF) : (x->c->rflags & FL_ZF)))
			return 0;
	}
}
