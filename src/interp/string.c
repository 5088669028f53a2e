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

/*
 * REP MOVS and REP STOS in 64-bit mode with a 64-bit address size and DF
 * clear, many iterations at once: as many as fit in the current page of
 * each operand (and the chunk), translated and checked once, their
 * accessed and dirty bits set, then copied or filled in guest RAM element
 * by element in order, so an overlapping MOVS reads what an earlier
 * iteration wrote, as it does one iteration at a time. Returns the
 * iterations done, 0 when these must go one at a time (the access faults,
 * leaves RAM, or needs an alignment check), or < 0 from the commit.
 */
static int bulk_iterations(struct ictx *x, uint64_t count, unsigned int room)
{
	uint8_t op = x->in.op;
	unsigned int size = (op & 1) ? x->in.osz : 1;
	bool movs = op == 0xa4 || op == 0xa5;
	int src = x->in.seg >= 0 ? x->in.seg : INTERP_DS;
	uint64_t di = x->c->gpr[INTERP_RDI], si = x->c->gpr[INTERP_RSI], n, lin, slin = 0;
	struct xlat d, sx = { { NULL, NULL }, 0, 0 };
	unsigned int nwalk = x->nwalk;
	uint8_t *dp, *sp = NULL;

	if (x->in.mode != 64 || x->in.asz != 8 || (x->c->rflags & FL_DF) || (op != 0xa4 && op != 0xa5 &&
	    op != 0xaa && op != 0xab))
		return 0;
	if ((x->c->cr0 & CR0_AM) && (x->c->rflags & FL_AC) && x->cpl == 3)
		return 0;	/* the alignment check of every element: one at a time */
	/* Whole elements within the page of each operand. */
	n = (4096 - (di & 0xfff)) / size;
	if (movs) {
		uint64_t m = (4096 - ((si + (src == INTERP_FS || src == INTERP_GS ? x->c->seg[src].base : 0)) & 0xfff)) / size;

		n = m < n ? m : n;
	}
	if (n > count)
		n = count;
	if (n > room)
		n = room;
	if (n < 2)
		return 0;
	if (mem_linear(x, INTERP_ES, di, (unsigned int)(n * size), true, &lin) ||
	    mem_xlat(x, lin, (unsigned int)(n * size), GVA_PF_W, &d) || d.p[1])
		goto one_at_a_time;
	if (movs && (mem_linear(x, src, si, (unsigned int)(n * size), false, &slin) ||
		     mem_xlat(x, slin, (unsigned int)(n * size), 0, &sx) || sx.p[1]))
		goto one_at_a_time;
	/* Accessed and dirty bits, the TLB entries: the translations are used now. */
	TRY(mem_commit(x));
	x->nwalk = 0;
	dp = d.p[0];
	sp = sx.p[0];
	if (!movs && size == 1) {
		memset(dp, (int)(x->c->gpr[INTERP_RAX] & 0xff), n);
	} else if (movs && (sp + n * size <= dp || dp + n * size <= sp)) {
		memcpy(dp, sp, n * size);
	} else {
		for (uint64_t k = 0; k < n; k++) {
			if (movs)
				memmove(dp + k * size, sp + k * size, size);
			else
				memcpy(dp + k * size, &x->c->gpr[INTERP_RAX], size);
		}
	}
	if (x->mem->tlb)
		tlb_written(x->mem->tlb, (uint64_t)(dp - x->mem->ram), (unsigned int)(n * size));
	if (x->mem->written)
		mark_written(x->mem, (uint64_t)(dp - x->mem->ram), n * size);
	x->c->gpr[INTERP_RDI] = di + n * size;
	if (movs)
		x->c->gpr[INTERP_RSI] = si + n * size;
	x->c->gpr[INTERP_RCX] -= n;
	return (int)n;

one_at_a_time:
	/* Nothing happened: the iteration that faults reports it from one_iteration(). */
	clear_outcome(x->res);
	x->nwalk = nwalk;
	return 0;
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
		if (!cmp) {
			int n = bulk_iterations(x, c, INTERP_REP_CHUNK - i);

			if (n < 0)
				return n;
			if (n > 0) {
				i += (unsigned int)n - 1;
				memcpy(x->undo.gpr, x->c->gpr, sizeof(x->c->gpr));
				continue;
			}
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
