// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event delivery through the guest's interrupt table, as the processor does
 * it (SDM vol. 3 6.12-6.15, vol. 2 "INT n/INTO/INT3/INT1", Operation; APM
 * vol. 2 8.7, 8.9): the IVT in real mode; in protected mode 16- and 32-bit
 * interrupt and trap gates, with the stack switch through the TSS on a
 * privilege change; in IA-32e mode 64-bit gates with the TSS RSP0-2 and the
 * IST. Task gates fall back. Every access goes through the pending writes:
 * an exception raised by the delivery leaves nothing behind, and
 * interp_deliver() then delivers that exception with the double-fault rules
 * of SDM vol. 3 6.15 (interrupt 8, tables 6-4 and 6-5).
 */
#include "interp/internal.h"

#include <string.h>

static uint32_t ext_bit(const struct event *e)
{
	/* SDM vol. 3 6.13: EXT is set unless the event is INT n, INT3 or INTO. */
	return e->soft ? 0 : 1;
}

/*
 * A push of the frame: a limit or canonical violation of the stack is
 * #SS(ss_err) here, not the #SS(0) of an instruction's own push (vol. 2 INT n).
 */
static int frame_push(struct ictx *x, unsigned int size, uint64_t v, uint32_t ss_err)
{
	int r = push(x, size, v & mem_mask(size));

	if (r == IE_FAULT && x->res->vector == X86_SS)
		x->res->error = ss_err;
	return r;
}

static uint64_t pushed_flags(const struct ictx *x, const struct event *e)
{
	/* SDM vol. 3 18.3.1.1: a fault's frame has RF set, so that the restarted instruction does not
	   hit its instruction breakpoint again. */
	return e->fault ? x->c->rflags | FL_RF : x->c->rflags;
}

/* SDM vol. 2 INT n, REAL-ADDRESS-MODE: the IVT at IDTR.base, 4 bytes a vector, no error code. */
static int deliver_real(struct ictx *x, const struct event *e)
{
	uint64_t ent, fl = pushed_flags(x, e);
	struct interp_seg *cs = &x->c->seg[INTERP_CS];

	if ((uint32_t)e->vector * 4 + 3 > x->c->idtr.limit)
		return ie_fault(x, X86_GP, false, 0);
	TRY(mem_read_lin(x, (x->c->idtr.base + e->vector * 4u) & 0xffffffffULL, 4, 0, &ent));
	TRY(push(x, 2, fl & 0xffff));
	TRY(push(x, 2, cs->sel));
	TRY(push(x, 2, e->ret_rip & 0xffff));
	x->c->rflags &= ~(FL_IF | FL_TF | FL_AC | FL_RF);
	cs->sel = (uint16_t)(ent >> 16);
	cs->base = (uint64_t)cs->sel << 4;
	x->c->rip = ent & 0xffff;
	x->branched = true;
	return 0;
}

/* The stack of privilege level cpl (or IST ist) from the current TSS (SDM vol. 3 7.2.1, 7.7). */
static int tss_stack(struct ictx *x, unsigned int cpl, unsigned int ist, uint32_t ext, uint64_t *sp,
		     uint16_t *ss)
{
	const struct interp_seg *tr = &x->c->tr;
	bool lma = (x->c->efer & EFER_LMA) != 0;
	uint64_t off, v, amask = lma ? ~0ULL : 0xffffffffULL;
	unsigned int size;

	if (tr->unusable || !tr->present || tr->s)
		return ie_fallback(x, INTERP_FB_DELIVERY);
	if (lma) {
		if ((tr->type & 0xd) != 9)
			return ie_fallback(x, INTERP_FB_DELIVERY);
		off = ist ? 0x24 + (ist - 1) * 8 : 4 + cpl * 8;
		size = 8;
	} else if ((tr->type & 0xd) == 9) {	/* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n */
		off = 4 + cpl * 8;
		size = 4;
	} else if ((tr->type & 0xd) == 1) {	/* 16-bit TSS: SPn at 2 + 4n, SSn at 4 + 4n */
		off = 2 + cpl * 4;
		size = 2;
	} else {
		return ie_fallback(x, INTERP_FB_DELIVERY);
	}
	if (off + (lma ? 7 : size + 1) > tr->limit)
		return ie_fault(x, X86_TS, true, (tr->sel & 0xfffc) | ext);
	TRY(mem_read_lin(x, (tr->base + off) & amask, size, GVA_IMPLICIT, sp));
	*ss = 0;
	if (!lma) {
		TRY(mem_read_lin(x, (tr->base + off + size) & amask, 2, GVA_IMPLICIT, &v));
		*ss = (uint16_t)v;
	}
	return 0;
}

/* SDM vol. 2 INT n, INTER-PRIVILEGE-LEVEL-INTERRUPT: the checks of the new SS. */
static int load_new_ss(struct ictx *x, uint16_t ss, unsigned int cpl, uint32_t ext, struct desc *d)
{
	uint32_t err = (ss & 0xfffc) | ext;

	if (!(ss & 0xfffc))
		return ie_fault(x, X86_TS, true, ext);
	if ((ss & 3) != cpl)
		return ie_fault(x, X86_TS, true, err);
	TRY(desc_read(x, ss, false, X86_TS, ext, d));
	if (d->seg.dpl != cpl || !seg_is_writable_data(&d->seg))
		return ie_fault(x, X86_TS, true, err);
	if (!d->seg.present)
		return ie_fault(x, X86_SS, true, err);
	return desc_set_accessed(x, d);
}

struct gate {
	uint64_t off;
	uint16_t sel;
	unsigned int type, dpl, ist;
};

/* The gate of e->vector, with its checks (SDM vol. 2 INT n: PROTECTED-MODE, IA-32e-MODE). */
static int read_gate(struct ictx *x, const struct event *e, struct gate *g)
{
	bool lma = (x->c->efer & EFER_LMA) != 0;
	unsigned int gsize = lma ? 16 : 8;
	uint32_t err = e->vector * 8u + 2 + ext_bit(e);
	uint64_t lo, hi = 0, amask = lma ? ~0ULL : 0xffffffffULL, at = x->c->idtr.base + e->vector * gsize;
	bool valid;

	if ((uint32_t)e->vector * gsize + gsize - 1 > x->c->idtr.limit)
		return ie_fault(x, X86_GP, true, err);
	TRY(mem_read_lin(x, at & amask, 8, GVA_IMPLICIT, &lo));
	if (lma)
		TRY(mem_read_lin(x, (at + 8) & amask, 8, GVA_IMPLICIT, &hi));
	g->type = (lo >> 40) & 0xf;
	g->dpl = (lo >> 45) & 3;
	g->sel = (uint16_t)(lo >> 16);
	g->off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ULL) | (hi << 32);
	g->ist = lma ? (lo >> 32) & 7 : 0;
	/* SDM vol. 3 6.14.1: in IA-32e mode only 64-bit interrupt and trap gates, and the upper half's
	   type field (bits 12:8) zero. */
	if (lma)
		valid = (g->type == 0xe || g->type == 0xf) && !((hi >> 40) & 0x1f) && !((lo >> 44) & 1);
	else
		valid = (g->type == 5 || g->type == 6 || g->type == 7 || g->type == 0xe || g->type == 0xf) &&
			!((lo >> 44) & 1);
	if (!valid)
		return ie_fault(x, X86_GP, true, err);
	if (e->soft && g->dpl < x->cpl)
		return ie_fault(x, X86_GP, true, e->vector * 8u + 2);
	if (!((lo >> 47) & 1))
		return ie_fault(x, X86_NP, true, err);
	if (g->type == 5)
		return ie_fallback(x, INTERP_FB_DELIVERY);	/* task gate: a task switch */
	return 0;
}

/* The handler's code segment (SDM vol. 2 INT n, TRAP-OR-INTERRUPT-GATE). */
static int gate_cs(struct ictx *x, const struct gate *g, uint32_t ext, struct desc *cs)
{
	uint32_t err = (g->sel & 0xfffc) | ext;

	if (!(g->sel & 0xfffc))
		return ie_fault(x, X86_GP, true, ext);
	TRY(desc_read(x, g->sel, false, X86_GP, ext, cs));
	if (!seg_is_code(&cs->seg) || cs->seg.dpl > x->cpl)
		return ie_fault(x, X86_GP, true, err);
	if (!cs->seg.present)
		return ie_fault(x, X86_NP, true, err);
	if ((x->c->efer & EFER_LMA) && (!cs->seg.l || cs->seg.db))
		return ie_fault(x, X86_GP, true, err);
	return desc_set_accessed(x, cs);
}

/* IA-32e mode: 64-bit frame, always SS:RSP, the stack aligned to 16 (SDM vol. 3 6.14.2-6.14.5). */
static int deliver_long(struct ictx *x, const struct event *e, const struct gate *g, struct desc *cs,
			unsigned int ncpl)
{
	uint32_t ext = ext_bit(e);
	uint64_t old_rsp = x->c->gpr[INTERP_RSP], rsp = old_rsp, fl = pushed_flags(x, e);
	uint16_t old_ss = x->c->seg[INTERP_SS].sel, old_cs = x->c->seg[INTERP_CS].sel, unused;

	if (ncpl < x->cpl || g->ist)
		TRY(tss_stack(x, ncpl, g->ist, ext, &rsp, &unused));
	if (!mem_canonical(x, g->off))
		return ie_fault(x, X86_GP, true, ext);
	x->in.mode = 64;
	x->cpl = ncpl;
	x->c->gpr[INTERP_RSP] = rsp & ~0xfULL;
	if (!mem_canonical(x, rsp))
		return ie_fault(x, X86_SS, true, ext);
	TRY(frame_push(x, 8, old_ss, ext));
	TRY(frame_push(x, 8, old_rsp, ext));
	TRY(frame_push(x, 8, fl, ext));
	TRY(frame_push(x, 8, old_cs, ext));
	TRY(frame_push(x, 8, e->ret_rip, ext));
	if (e->has_error)
		TRY(frame_push(x, 8, e->error, ext));
	if (ncpl != (x->c->seg[INTERP_SS].dpl & 3u))
		seg_null(&x->c->seg[INTERP_SS], (uint16_t)ncpl, ncpl);
	x->c->seg[INTERP_CS] = cs->seg;
	x->c->seg[INTERP_CS].sel = (uint16_t)((g->sel & ~3u) | ncpl);
	x->c->rip = g->off;
	return 0;
}

/* Protected mode: 16- or 32-bit frame, SS:ESP from the TSS on a privilege change. */
static int deliver_legacy(struct ictx *x, const struct event *e, const struct gate *g, struct desc *cs,
			  unsigned int ncpl)
{
	unsigned int size = (g->type & 8) ? 4 : 2;
	uint32_t ext = ext_bit(e), ss_err = ext;
	uint64_t fl = pushed_flags(x, e), old_sp = x->c->gpr[INTERP_RSP], off = g->off;
	struct interp_seg old_ss = x->c->seg[INTERP_SS];
	uint16_t old_cs = x->c->seg[INTERP_CS].sel;

	if (size == 2)
		off &= 0xffff;
	if (ncpl < x->cpl) {
		struct desc ss;
		uint64_t sp;
		uint16_t sel;

		TRY(tss_stack(x, ncpl, 0, ext, &sp, &sel));
		TRY(load_new_ss(x, sel, ncpl, ext, &ss));
		x->c->seg[INTERP_SS] = ss.seg;
		x->c->gpr[INTERP_RSP] = sp;
		ss_err = (sel & 0xfffc) | ext;
	}
	x->in.mode = 32;
	x->cpl = ncpl;
	if (ncpl != (old_ss.dpl & 3u)) {
		TRY(frame_push(x, size, old_ss.sel, ss_err));
		TRY(frame_push(x, size, old_sp, ss_err));
	}
	TRY(frame_push(x, size, fl, ss_err));
	TRY(frame_push(x, size, old_cs, ss_err));
	TRY(frame_push(x, size, e->ret_rip, ss_err));
	if (e->has_error)
		TRY(frame_push(x, size, e->error, ss_err));
	if (off > cs->seg.limit)
		return ie_fault(x, X86_GP, true, ext);
	x->c->seg[INTERP_CS] = cs->seg;
	x->c->seg[INTERP_CS].sel = (uint16_t)((g->sel & ~3u) | ncpl);
	x->c->rip = off;
	return 0;
}

int deliver_event(struct ictx *x, const struct event *e)
{
	struct gate g = { 0 };
	struct desc cs = { 0 };
	unsigned int ncpl;

	sys_begin(x);

	if (!(x->c->cr0 & CR0_PE))
		return deliver_real(x, e);
	if (x->c->rflags & FL_VM)
		return ie_fallback(x, INTERP_FB_MODE);		/* virtual-8086 mode */
	TRY(read_gate(x, e, &g));
	TRY(gate_cs(x, &g, ext_bit(e), &cs));
	/* A conforming handler runs at the current CPL; a non-conforming one at its DPL. */
	ncpl = (cs.seg.type & 4) ? x->cpl : cs.seg.dpl;
	TRY((x->c->efer & EFER_LMA) ? deliver_long(x, e, &g, &cs, ncpl) : deliver_legacy(x, e, &g, &cs, ncpl));
	/* SDM vol. 2 INT n: IF cleared by an interrupt gate; TF, VM, RF, NT always. */
	if (!(g.type & 1))
		x->c->rflags &= ~FL_IF;
	x->c->rflags &= ~(FL_TF | FL_VM | FL_RF | FL_NT);
	x->branched = true;
	return 0;
}

/* SDM vol. 3 6.15, table 6-4: benign, contributory, page fault (and #DF itself). */
enum ev_class { EVC_BENIGN, EVC_CONTRIBUTORY, EVC_PF, EVC_DF };

static enum ev_class ev_class(uint8_t v)
{
	switch (v) {
	case X86_DE:
	case X86_TS:
	case X86_NP:
	case X86_SS:
	case X86_GP:
	case 21:	/* #CP */
		return EVC_CONTRIBUTORY;
	case X86_PF:
	case 20:	/* #VE */
		return EVC_PF;
	case X86_DF:
		return EVC_DF;
	default:
		return EVC_BENIGN;
	}
}

/*
 * Fault-class exceptions (SDM vol. 3 table 6-1), whose frame has RF set;
 * traps, #MC and #DB leave RF as it is. #DF, an abort whose saved CS:RIP the
 * SDM leaves undefined, only ever comes from a fault raised while a fault
 * was delivered, and its frame is that fault's, RF set, as measured by the
 * differential test.
 */
static bool is_fault(uint8_t v)
{
	return v == X86_DE || v == 5 || v == X86_UD || v == 7 || v == X86_DF || (v >= X86_TS && v <= X86_PF) ||
	       v == 16 || v == X86_AC || v == 19 || v == 20 || v == 21;
}

bool interp_irq_allowed(const struct interp_cpu *cpu, bool shadow)
{
	return (cpu->rflags & FL_IF) && !shadow;
}

bool interp_nmi_allowed(const struct interp_cpu *cpu, bool shadow)
{
	return !cpu->nmi_masked && !shadow;
}

enum interp_status interp_deliver(struct interp_cpu *cpu, const struct interp_mem *mem,
				  const struct interp_event *ev, struct interp_result *res)
{
	struct event e = {
		.vector = ev->kind == INTERP_EV_NMI ? X86_NMI : ev->vector,
		.has_error = ev->kind == INTERP_EV_EXCEPTION && ev->has_error,
		.error = ev->error,
		.soft = ev->kind == INTERP_EV_SOFTINT,
		.fault = ev->kind == INTERP_EV_EXCEPTION && is_fault(ev->vector),
		.ret_rip = cpu->rip,
	};
	/* CR2 is written when a #PF is raised, before its delivery (which may end in a #DF). */
	uint64_t cr2 = ev->cr2;
	bool pf = ev->kind == INTERP_EV_EXCEPTION && ev->vector == X86_PF;
	struct ictx x;

	/* An interrupt, an NMI and a software interrupt are benign as the first event (table 6-5). */
	enum ev_class first = ev->kind == INTERP_EV_EXCEPTION ? ev_class(e.vector) : EVC_BENIGN;

	for (unsigned int depth = 0; depth < 4; depth++) {
		enum ev_class second;
		int r;

		/* On a copy: an exception while delivering leaves cpu as it was. */
		struct interp_cpu work = *cpu;

		memset(res, 0, sizeof(*res));
		init_ctx(&x, &work, mem, res);
		if (pf)
			work.cr2 = cr2;
		r = deliver_event(&x, &e);
		if (!r)
			r = mem_commit(&x);
		if (!r) {
			*cpu = work;
			if (ev->kind == INTERP_EV_NMI && !depth)
				cpu->nmi_masked = true;
			res->status = INTERP_RETIRED;
			res->vector = e.vector;
			res->has_error = e.has_error;
			res->error = e.error;
			res->cr2 = pf ? cr2 : 0;
			res->taken = true;
			return res->status;
		}
		if (r != IE_FAULT) {
			res->status = INTERP_FALLBACK;
			res->reason = INTERP_FB_DELIVERY;
			return res->status;
		}
		/*
		 * An exception while delivering a software interrupt is a fault of the
		 * INT instruction: reported as it is, with nothing changed.
		 */
		if (e.soft)
			return res->status;
		/* SDM vol. 3 table 6-5: serially, as a double fault, or shutdown. */
		second = ev_class(res->vector);
		if (first == EVC_DF && second != EVC_BENIGN)
			break;
		if ((first == EVC_CONTRIBUTORY && second == EVC_CONTRIBUTORY) ||
		    (first == EVC_PF && second != EVC_BENIGN)) {
			e.vector = X86_DF;
			e.has_error = true;
			e.error = 0;
		} else {
			e.vector = res->vector;
			e.has_error = res->has_error;
			e.error = res->error;
		}
		if (res->vector == X86_PF) {
			pf = true;
			cr2 = res->cr2;
		}
		e.fault = is_fault(e.vector);
		first = ev_class(e.vector);
	}
	memset(res, 0, sizeof(*res));
	res->status = INTERP_FALLBACK;
	res->reason = INTERP_FB_DELIVERY;
	return res->status;
}
