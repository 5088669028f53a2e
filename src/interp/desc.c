// SPDX-License-Identifier: GPL-2.0-only
/*
 * Segment descriptors: reading one from the GDT or LDT (SDM vol. 3 3.4.2,
 * 3.5.1), what a descriptor loads into the hidden part of a segment register
 * (3.4.5), the accessed bit, and the checks of a code-segment load by a far
 * branch (5.8.3). Descriptor-table reads are implicit supervisor accesses
 * (SDM vol. 3 4.6).
 */
#include "interp/internal.h"

bool seg_is_code(const struct interp_seg *s)
{
	return s->s && (s->type & 8);
}

bool seg_is_writable_data(const struct interp_seg *s)
{
	return s->s && !(s->type & 8) && (s->type & 2);
}

static void desc_decode(uint64_t lo, uint16_t sel, struct interp_seg *s)
{
	uint32_t limit = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));

	s->sel = sel;
	s->base = ((lo >> 16) & 0xffffff) | ((lo >> 32) & 0xff000000);
	s->type = (uint8_t)((lo >> 40) & 0xf);
	s->s = (lo >> 44) & 1;
	s->dpl = (uint8_t)((lo >> 45) & 3);
	s->present = (lo >> 47) & 1;
	s->l = (lo >> 53) & 1;
	s->db = (lo >> 54) & 1;
	s->g = (lo >> 55) & 1;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
	s->unusable = false;
}

/*
 * The descriptor of sel (8 bytes, or 16 with wide: a long-mode system
 * descriptor). A selector beyond the table's limit, or into an unusable
 * LDT, is vector(selector with EXT) (SDM vol. 3 6.13: the error code).
 */
int desc_read(struct ictx *x, uint16_t sel, bool wide, uint8_t vector, uint32_t ext, struct desc *d)
{
	uint64_t base, limit, off = sel & ~7u, amask = (x->c->efer & EFER_LMA) ? ~0ULL : 0xffffffffULL;
	uint32_t err = (sel & 0xfffc) | ext;

	if (sel & 4) {
		if (x->c->ldtr.unusable || !x->c->ldtr.present)
			return ie_fault(x, vector, true, err);
		base = x->c->ldtr.base;
		limit = x->c->ldtr.limit;
	} else {
		base = x->c->gdtr.base;
		limit = x->c->gdtr.limit;
	}
	if (off + (wide ? 15 : 7) > limit)
		return ie_fault(x, vector, true, err);
	d->lin = (base + off) & amask;
	TRY(mem_read_lin(x, d->lin, 8, GVA_IMPLICIT, &d->lo));
	d->hi = 0;
	if (wide)
		TRY(mem_read_lin(x, (d->lin + 8) & amask, 8, GVA_IMPLICIT, &d->hi));
	desc_decode(d->lo, sel, &d->seg);
	if (wide && !d->seg.s)
		d->seg.base |= (d->hi & 0xffffffffULL) << 32;
	return 0;
}

/* SDM vol. 3 3.4.5.1: loading a segment register sets the descriptor's accessed bit. */
int desc_set_accessed(struct ictx *x, struct desc *d)
{
	if (!d->seg.s || (d->seg.type & 1))
		return 0;
	d->seg.type |= 1;
	return mem_write_lin(x, d->lin + 5, 1, GVA_IMPLICIT, (d->lo >> 40 & 0xff) | 1);
}

/*
 * A far JMP, CALL or RET to a code segment of the same privilege (SDM vol. 3
 * 5.8.1-5.8.2; vol. 2 JMP, CALL, RET): rpl is the privilege the segment must
 * have (CPL for JMP and CALL, the selector's RPL for RET). A null selector
 * is #GP(0); a non-code segment, a privilege mismatch, or a 64-bit segment
 * with D set is #GP(selector); a segment not present is #NP(selector). A
 * system descriptor (call gate, TSS, task gate) falls back.
 */
int desc_load_code(struct ictx *x, uint16_t sel, unsigned int rpl, struct desc *d)
{
	uint32_t err = sel & 0xfffc;

	if (!(sel & 0xfffc))
		return ie_fault(x, X86_GP, true, 0);
	TRY(desc_read(x, sel, false, X86_GP, 0, d));
	if (!d->seg.s)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* call gate, TSS, task gate */
	if (!seg_is_code(&d->seg))
		return ie_fault(x, X86_GP, true, err);
	if ((d->seg.type & 4) ? d->seg.dpl > rpl : d->seg.dpl != rpl)
		return ie_fault(x, X86_GP, true, err);
	if (!d->seg.present)
		return ie_fault(x, X86_NP, true, err);
	if ((x->c->efer & EFER_LMA) && d->seg.l && d->seg.db)
		return ie_fault(x, X86_GP, true, err);
	return 0;
}

/* The flat segments SYSCALL, SYSRET, SYSENTER and SYSEXIT load (SDM vol. 2 SYSCALL, Operation). */
void seg_flat(struct interp_seg *s, uint16_t sel, bool code, unsigned int dpl, bool l64)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 11 : 3;
	s->s = true;
	s->dpl = (uint8_t)dpl;
	s->present = true;
	s->l = code && l64;
	s->db = !(code && l64);
	s->g = true;
	s->unusable = false;
}

/* A null selector in a data or stack segment register (64-bit mode: SS with RPL = dpl). */
void seg_null(struct interp_seg *s, uint16_t sel, unsigned int dpl)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0;
	s->type = 3;
	s->s = true;
	s->dpl = (uint8_t)dpl;
	s->present = false;
	s->l = s->db = s->g = false;
	s->unusable = true;
}

/*
 * Load a data segment register or SS with sel, as MOV and POP do (SDM vol. 2
 * MOV, Operation: "IF SS is loaded", "IF DS, ES, FS, or GS is loaded"; vol. 3
 * 5.6, 5.7). A null selector in SS is #GP(0), but in 64-bit mode at CPL < 3
 * with RPL = CPL; in DS..GS it loads an unusable segment, except FS and GS in
 * 64-bit mode, where what happens to the base differs between processors
 * (Intel clears it; AMD before CPUID 8000_0021H.EAX[6] keeps it): that falls
 * back.
 */
int seg_load(struct ictx *x, int sreg, uint16_t sel)
{
	struct interp_seg *s = &x->c->seg[sreg];
	uint32_t err = sel & 0xfffc;
	struct desc d;

	sys_begin(x);

	if (!(x->c->cr0 & CR0_PE)) {	/* real mode: the base only (SDM vol. 3 20.1.1) */
		s->sel = sel;
		s->base = (uint64_t)sel << 4;
		return 0;
	}
	if (!(sel & 0xfffc)) {
		if (sreg == INTERP_SS) {
			if (x->in.mode != 64 || x->cpl == 3 || (sel & 3) != x->cpl)
				return ie_fault(x, X86_GP, true, 0);
			seg_null(s, sel, x->cpl);
			return 0;
		}
		if (x->in.mode == 64 && (sreg == INTERP_FS || sreg == INTERP_GS))
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		seg_null(s, sel, 0);
		return 0;
	}
	TRY(desc_read(x, sel, false, X86_GP, 0, &d));
	if (sreg == INTERP_SS) {
		if ((sel & 3) != x->cpl || d.seg.dpl != x->cpl || !seg_is_writable_data(&d.seg))
			return ie_fault(x, X86_GP, true, err);
		if (!d.seg.present)
			return ie_fault(x, X86_SS, true, err);
	} else {
		bool code = seg_is_code(&d.seg);

		/* A data segment or a readable code segment; unless conforming code, RPL and CPL <= DPL. */
		if (!d.seg.s || (code && !(d.seg.type & 2)))
			return ie_fault(x, X86_GP, true, err);
		if (!(code && (d.seg.type & 4)) && ((sel & 3u) > d.seg.dpl || x->cpl > d.seg.dpl))
			return ie_fault(x, X86_GP, true, err);
		if (!d.seg.present)
			return ie_fault(x, X86_NP, true, err);
	}
	TRY(desc_set_accessed(x, &d));
	*s = d.seg;
	return 0;
}
