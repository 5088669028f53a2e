// SPDX-License-Identifier: GPL-2.0-only
/*
 * The system instructions that change privilege or code segment: INT n,
 * INT3, INTO, INT1 (through deliver.c), IRET/IRETD/IRETQ, SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT, SWAPGS, and far JMP/CALL/RET to code segments (SDM
 * vol. 2, each instruction's Operation section).
 */
#include "interp/internal.h"

static bool lma(const struct ictx *x)
{
	return (x->c->efer & EFER_LMA) != 0;
}

/* CD ib, CC, CE, F1: the return address is the next instruction (a trap). */
int exec_int(struct ictx *x)
{
	struct event e = { .ret_rip = x->c->rip + x->in.len };
	uint64_t imm;

	sys_begin(x);

	switch (x->in.op) {
	case 0xcd:
		TRY(dec_imm(x, 1, &imm));
		e.vector = (uint8_t)imm;
		e.soft = true;
		break;
	case 0xcc:
		e.vector = X86_BP;
		e.soft = true;
		break;
	case 0xce:		/* INTO: #OF only when OF = 1 (not in 64-bit mode: the classifier refuses it) */
		if (!(x->c->rflags & FL_OF))
			return 0;
		e.vector = X86_OF;
		e.soft = true;
		break;
	default:		/* INT1 (ICEBP): a #DB without the DPL check, EXT set (SDM vol. 3 6.13) */
		e.vector = X86_DB;
		break;
	}
	if (x->in.mode != 64)
		e.ret_rip &= x->in.mode == 32 ? 0xffffffffULL : 0xffffULL;
	TRY(deliver_event(x, &e));
	x->res->taken = true;
	return 0;
}

/* RFLAGS bits IRET may change, by CPL and IOPL (SDM vol. 2 IRET, Operation). */
static uint64_t iret_flags(const struct ictx *x, uint64_t v, unsigned int size)
{
	uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_RF | FL_AC | FL_ID;
	unsigned int iopl = (x->c->rflags >> 12) & 3;

	if (!(x->c->cr0 & CR0_PE))
		mask |= FL_IF | FL_IOPL;
	else {
		if (x->cpl <= iopl)
			mask |= FL_IF;
		if (x->cpl == 0)
			mask |= FL_IOPL | FL_VIF | FL_VIP;
	}
	mask &= mem_mask(size);
	return (x->c->rflags & ~mask) | (v & mask) | FL_FIXED;
}

/* A target offset: canonical into 64-bit code, within CS.limit elsewhere, or #GP(0). */
static int far_target(struct ictx *x, const struct interp_seg *cs, uint64_t off)
{
	if (lma(x) && cs->l) {
		if (!mem_canonical(x, off))
			return ie_fault(x, X86_GP, true, 0);
	} else if (off > cs->limit) {
		return ie_fault(x, X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);
	}
	return 0;
}

/* SDM vol. 2 IRET: the SS of a return to outer privilege (or of any IRET in 64-bit mode). */
static int iret_ss(struct ictx *x, uint16_t sel, unsigned int rpl, bool to64, struct interp_seg *ss)
{
	struct desc d;
	uint32_t err = sel & 0xfffc;

	if (!(sel & 0xfffc)) {
		/* A null SS is allowed only returning to 64-bit mode at CPL < 3. */
		if (!to64 || rpl == 3)
			return ie_fault(x, X86_GP, true, 0);
		seg_null(ss, sel, rpl);
		return 0;
	}
	if ((sel & 3) != rpl)
		return ie_fault(x, X86_GP, true, err);
	TRY(desc_read(x, sel, false, X86_GP, 0, &d));
	if (!seg_is_writable_data(&d.seg) || d.seg.dpl != rpl)
		return ie_fault(x, X86_GP, true, err);
	if (!d.seg.present)
		return ie_fault(x, X86_SS, true, err);
	TRY(desc_set_accessed(x, &d));
	*ss = d.seg;
	return 0;
}

/* SDM vol. 2 IRET: data segments the outer level may not use become null. */
static void iret_null_segments(struct ictx *x, unsigned int cpl)
{
	static const int regs[4] = { INTERP_ES, INTERP_FS, INTERP_GS, INTERP_DS };

	for (unsigned int i = 0; i < 4; i++) {
		struct interp_seg *s = &x->c->seg[regs[i]];

		if (s->unusable || !s->s)
			continue;
		if ((!(s->type & 8) || !(s->type & 4)) && s->dpl < cpl) {
			uint64_t base = s->base;

			seg_null(s, 0, 0);
			s->base = base;		/* the FS and GS bases stay in 64-bit mode */
		}
	}
}

static int iret_real(struct ictx *x, unsigned int size)
{
	uint64_t ip, cs, fl;
	struct interp_seg *c = &x->c->seg[INTERP_CS];

	TRY(pop(x, size, &ip));
	TRY(pop(x, size, &cs));
	TRY(pop(x, size, &fl));
	if (ip > c->limit)
		return ie_fault(x, X86_GP, false, 0);
	/* SDM IRET, REAL-ADDRESS-MODE: a 32-bit IRET keeps VM, VIF, VIP (and RF is ours to clear). */
	x->c->rflags = iret_flags(x, fl, size) & ~(FL_VM | FL_VIF | FL_VIP);
	x->c->rflags |= x->undo.rflags & (FL_VM | FL_VIF | FL_VIP);
	x->keep_rf = true;
	c->sel = (uint16_t)cs;
	c->base = (uint64_t)c->sel << 4;
	x->c->rip = ip;
	return 0;
}

int exec_iret(struct ictx *x)
{
	unsigned int size = x->in.osz, rpl;
	bool from64 = x->in.mode == 64, to64;
	uint64_t ip, csel, fl, sp = 0, ssel = 0;
	struct interp_seg ss;
	struct desc cs;

	sys_begin(x);

	x->branched = x->res->taken = true;
	if (!(x->c->cr0 & CR0_PE))
		return iret_real(x, size);
	if (x->c->rflags & FL_NT)
		return lma(x) ? ie_fault(x, X86_GP, true, 0)	/* no task return in IA-32e mode */
			      : ie_fallback(x, INTERP_FB_DELIVERY);
	TRY(pop(x, size, &ip));
	TRY(pop(x, size, &csel));
	TRY(pop(x, size, &fl));
	csel &= 0xffff;
	if (!lma(x) && (fl & FL_VM) && x->cpl == 0)
		return ie_fallback(x, INTERP_FB_MODE);		/* return to virtual-8086 mode */
	rpl = csel & 3;
	if (rpl < x->cpl)
		return ie_fault(x, X86_GP, true, csel & 0xfffc);
	TRY(desc_load_code(x, (uint16_t)csel, rpl, &cs));
	to64 = lma(x) && cs.seg.l;
	if (from64 || rpl > x->cpl) {
		TRY(pop(x, size, &sp));
		TRY(pop(x, size, &ssel));
		TRY(iret_ss(x, (uint16_t)ssel, rpl, to64, &ss));
	}
	TRY(far_target(x, &cs.seg, ip & mem_mask(size)));
	TRY(desc_set_accessed(x, &cs));
	x->c->rflags = iret_flags(x, fl, size);
	x->keep_rf = true;	/* SDM vol. 3 18.3.1.1: IRET loads RF (a fault handler returns with it set) */
	if (from64 || rpl > x->cpl) {
		x->c->seg[INTERP_SS] = ss;
		if (size == 2)
			x->c->gpr[INTERP_RSP] = (x->c->gpr[INTERP_RSP] & ~0xffffULL) | (sp & 0xffff);
		else
			x->c->gpr[INTERP_RSP] = sp & mem_mask(size);
	}
	x->c->seg[INTERP_CS] = cs.seg;
	x->c->rip = ip & mem_mask(size);
	if (rpl > x->cpl)
		iret_null_segments(x, rpl);
	x->cpl = rpl;
	x->c->nmi_masked = false;	/* SDM vol. 3 6.7.1: IRET ends the blocking of NMIs */
	return 0;
}

/* SDM vol. 2 SYSCALL (APM vol. 3 SYSCALL for the modes only AMD has). */
static int exec_syscall(struct ictx *x)
{
	uint16_t sel = (uint16_t)(x->c->star >> 32) & 0xfffc;
	uint64_t next = x->c->rip + x->in.len;

	if (!(x->c->efer & EFER_SCE))
		return ie_fault(x, X86_UD, false, 0);
	if (!lma(x))	/* AMD's legacy-mode SYSCALL (STAR[31:0]); Intel's #UD */
		return x->c->amd ? ie_fallback(x, INTERP_FB_MODE) : ie_fault(x, X86_UD, false, 0);
	if (x->in.mode != 64 && !x->c->amd)
		return ie_fault(x, X86_UD, false, 0);	/* Intel: 64-bit mode only */
	x->c->gpr[INTERP_RCX] = x->in.mode == 64 ? next : next & 0xffffffffULL;
	x->c->gpr[INTERP_R11] = x->c->rflags;
	x->c->rip = x->in.mode == 64 ? x->c->lstar : x->c->cstar;
	x->c->rflags &= ~(x->c->sfmask | FL_RF);
	x->c->rflags |= FL_FIXED;
	seg_flat(&x->c->seg[INTERP_CS], sel, true, 0, true);
	seg_flat(&x->c->seg[INTERP_SS], (uint16_t)(sel + 8), false, 0, false);
	x->branched = x->res->taken = true;
	return 0;
}

/*
 * SDM vol. 2 SYSRET. A 64-bit SYSRET to a non-canonical RCX is #GP(0) at
 * CPL 0 on Intel; AMD (APM vol. 3 SYSRET) loads it and the fetch at CPL 3
 * faults instead. Both are followed, by cpu->amd: the guest's kernel was
 * written against its vendor's behaviour (Linux avoids SYSRET to such an
 * address on both, arch/x86/entry/common.c).
 */
static int exec_sysret(struct ictx *x)
{
	uint16_t base = (uint16_t)(x->c->star >> 48);
	bool q = (x->in.rex & 8) != 0;

	if (!(x->c->efer & EFER_SCE))
		return ie_fault(x, X86_UD, false, 0);
	if (!lma(x))
		return x->c->amd ? ie_fallback(x, INTERP_FB_MODE) : ie_fault(x, X86_UD, false, 0);
	if (x->in.mode != 64 && !x->c->amd)
		return ie_fault(x, X86_UD, false, 0);
	if (x->cpl != 0)
		return ie_fault(x, X86_GP, true, 0);
	if (q && !x->c->amd && !mem_canonical(x, x->c->gpr[INTERP_RCX]))
		return ie_fault(x, X86_GP, true, 0);
	x->c->rip = q ? x->c->gpr[INTERP_RCX] : x->c->gpr[INTERP_RCX] & 0xffffffffULL;
	x->c->rflags = (x->c->gpr[INTERP_R11] & 0x3c7fd7ULL) | FL_FIXED;
	seg_flat(&x->c->seg[INTERP_CS], (uint16_t)((q ? base + 16 : base) | 3), true, 3, q);
	seg_flat(&x->c->seg[INTERP_SS], (uint16_t)((base + 8) | 3), false, 3, false);
	x->branched = x->res->taken = true;
	return 0;
}

/* SDM vol. 2 SYSENTER; AMD has it in legacy mode only (APM vol. 3 SYSENTER: #UD in long mode). */
static int exec_sysenter(struct ictx *x)
{
	uint16_t sel = (uint16_t)x->c->sysenter_cs & 0xfffc;
	bool l = lma(x);

	if (l && x->c->amd)
		return ie_fault(x, X86_UD, false, 0);
	if (!(x->c->cr0 & CR0_PE) || !sel)
		return ie_fault(x, X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);
	x->c->rflags &= ~(FL_VM | FL_IF | FL_RF);
	x->c->rip = l ? x->c->sysenter_eip : x->c->sysenter_eip & 0xffffffffULL;
	x->c->gpr[INTERP_RSP] = l ? x->c->sysenter_esp : x->c->sysenter_esp & 0xffffffffULL;
	seg_flat(&x->c->seg[INTERP_CS], sel, true, 0, l);
	seg_flat(&x->c->seg[INTERP_SS], (uint16_t)(sel + 8), false, 0, false);
	x->branched = x->res->taken = true;
	return 0;
}

/* SDM vol. 2 SYSEXIT: to 64-bit code with REX.W (RCX, RDX canonical), else to 32-bit code. */
static int exec_sysexit(struct ictx *x)
{
	uint16_t sel = (uint16_t)x->c->sysenter_cs;
	bool q = (x->in.rex & 8) != 0;

	if (lma(x) && x->c->amd)
		return ie_fault(x, X86_UD, false, 0);
	if (!(x->c->cr0 & CR0_PE) || !(sel & 0xfffc) || x->cpl != 0)
		return ie_fault(x, X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);
	if (q && (!mem_canonical(x, x->c->gpr[INTERP_RCX]) || !mem_canonical(x, x->c->gpr[INTERP_RDX])))
		return ie_fault(x, X86_GP, true, 0);
	x->c->rip = q ? x->c->gpr[INTERP_RDX] : x->c->gpr[INTERP_RDX] & 0xffffffffULL;
	x->c->gpr[INTERP_RSP] = q ? x->c->gpr[INTERP_RCX] : x->c->gpr[INTERP_RCX] & 0xffffffffULL;
	seg_flat(&x->c->seg[INTERP_CS], (uint16_t)((sel + (q ? 32 : 16)) | 3), true, 3, q);
	seg_flat(&x->c->seg[INTERP_SS], (uint16_t)((sel + (q ? 40 : 24)) | 3), false, 3, false);
	x->branched = x->res->taken = true;
	return 0;
}

/* 0F 01 F8 SWAPGS: 64-bit mode, CPL 0 (SDM vol. 2 SWAPGS). */
static int exec_swapgs(struct ictx *x)
{
	uint64_t t = x->c->seg[INTERP_GS].base;

	if (x->in.mode != 64)
		return ie_fault(x, X86_UD, false, 0);
	if (x->cpl != 0)
		return ie_fault(x, X86_GP, true, 0);
	x->c->seg[INTERP_GS].base = x->c->kernel_gs_base;
	x->c->kernel_gs_base = t;
	return 0;
}

/*
 * Far JMP (kind 0), CALL (1) and RET (2) to a code segment of the same
 * privilege (SDM vol. 2 JMP, CALL, RET: "far" in Operation; vol. 3 5.8.1).
 * Through a call gate, to a TSS or task gate, or a RET to an outer level:
 * fall back.
 */
int exec_far(struct ictx *x, unsigned int kind, uint64_t off, uint16_t sel)
{
	unsigned int size = x->in.osz;
	struct interp_seg *cs = &x->c->seg[INTERP_CS];
	uint64_t next = (x->c->rip + x->in.len) & (x->in.mode == 64 ? ~0ULL : mem_mask(x->in.mode / 8));
	uint16_t old_cs = cs->sel;
	struct desc d;

	sys_begin(x);

	x->branched = x->res->taken = true;
	if (!(x->c->cr0 & CR0_PE)) {
		if (off > cs->limit)
			return ie_fault(x, X86_GP, false, 0);
		if (kind == 1) {
			TRY(push(x, size, old_cs));
			TRY(push(x, size, next));
		}
		cs->sel = sel;
		cs->base = (uint64_t)sel << 4;
		x->c->rip = off;
		return 0;
	}
	if (kind == 2) {
		if ((sel & 3) > x->cpl)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* to an outer level */
		if ((sel & 3) < x->cpl)
			return ie_fault(x, X86_GP, true, sel & 0xfffc);
	}
	TRY(desc_load_code(x, sel, x->cpl, &d));
	if (!(d.seg.type & 4) && (sel & 3) > x->cpl)
		return ie_fault(x, X86_GP, true, sel & 0xfffc);	/* non-conforming: RPL <= CPL */
	TRY(far_target(x, &d.seg, off));
	if (kind == 1) {
		TRY(push(x, size, old_cs));
		TRY(push(x, size, next));
	}
	TRY(desc_set_accessed(x, &d));
	*cs = d.seg;
	cs->sel = (uint16_t)((sel & ~3u) | x->cpl);
	x->c->rip = off;
	return 0;
}

/*
 * MOV Sreg, r/m (8E); POP ES/SS/DS (07 17 1F) and FS/GS (0F A1, 0F A9); PUSH
 * ES/CS/SS/DS (06 0E 16 1E) and FS/GS (0F A0, 0F A8). A 32-bit PUSH of a
 * segment register writes only the selector's 16 bits (SDM vol. 2 PUSH:
 * "all recent Core and Atom processors perform a 16-bit move", and so does
 * KVM's emulator: arch/x86/kvm/emulate.c, em_push_sreg); a 64-bit one
 * zero-extends. Loading SS blocks interrupts for one instruction (SDM
 * vol. 3 6.8.3).
 */
int exec_sreg(struct ictx *x)
{
	uint8_t op = x->in.op;
	unsigned int size = x->in.mode == 64 ? (x->in.p66 ? 2 : 8) : x->in.osz;
	int sreg;
	uint64_t v;

	sys_begin(x);

	if (op == 0x8e) {
		TRY(dec_modrm(x));
		sreg = (int)(x->in.reg & 7);
		if (sreg == INTERP_CS || sreg > INTERP_GS)
			return ie_fallback(x, INTERP_FB_UNDEFINED);	/* #UD */
		TRY(rm_read(x, 2, &v));
	} else {
		sreg = x->in.map0f ? ((op >> 3) & 1 ? INTERP_GS : INTERP_FS) : (op >> 3) & 3;
		if (!(op & 1)) {		/* PUSH */
			uint64_t sp = (x->c->gpr[INTERP_RSP] - size) & mem_mask(stack_size(x));

			if (size != 4)
				return push(x, size, x->c->seg[sreg].sel);
			TRY(mem_write(x, INTERP_SS, sp, 2, x->c->seg[sreg].sel));
			reg_set(x, INTERP_RSP, stack_size(x), sp);
			return 0;
		}
		TRY(pop(x, size, &v));
	}
	TRY(seg_load(x, sreg, (uint16_t)v));
	if (sreg == INTERP_SS)
		x->res->irq_shadow = true;
	return 0;
}

int exec_sys0f(struct ictx *x)
{
	sys_begin(x);
	switch (x->in.op) {
	case 0x01:
		if (x->in.pos < x->in.len && x->in.b[x->in.pos] == 0xf8) {
			x->in.pos++;
			return exec_swapgs(x);
		}
		return ie_fallback(x, INTERP_FB_PRIVILEGED);
	case 0x05:
		return exec_syscall(x);
	case 0x07:
		return exec_sysret(x);
	case 0x34:
		return exec_sysenter(x);
	default:
		return exec_sysexit(x);
	}
}
