// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one-byte opcode map (SDM vol. 2 appendix A, table A-2). Every handler
 * computes into the working context and touches guest memory only through
 * the pending writes; what the interpreter does not run falls back.
 */
#include "interp/internal.h"

/* LOCK is accepted on a memory destination of the read-modify-write instructions (SDM vol. 2 LOCK). */
int lockable(struct ictx *x)
{
	if (!x->in.lock)
		return 0;
	if (!x->in.is_mem)
		return ie_fallback(x, INTERP_FB_UNDEFINED);	/* #UD */
	x->locked = x->lock_ok = true;
	return 0;
}

/*
 * Near branches in 64-bit mode use a 64-bit operand size; what 66H does
 * there differs between vendors (Intel ignores it, AMD truncates to 16
 * bits), so such a branch falls back.
 */
unsigned int branch_size(const struct ictx *x)
{
	return x->in.mode == 64 ? 8 : x->in.osz;
}

int near_branch(struct ictx *x, uint64_t target, bool call)
{
	unsigned int size = branch_size(x);
	uint64_t next = x->c->rip + x->in.len;

	if (x->in.mode == 64 && x->in.p66)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	TRY(set_rip(x, target, size));
	if (call)
		TRY(push(x, size, next & mem_mask(size)));
	x->branched = true;
	x->res->taken = true;
	return 0;
}

static int alu_rm(struct ictx *x, enum alu_op op, unsigned int size, bool to_reg, bool imm_form,
		  uint64_t imm)
{
	uint64_t a, b, r, fl = x->c->rflags;

	if (to_reg) {
		TRY(rm_read(x, size, &b));
		a = reg_get(x, x->in.reg, size);
		r = alu(op, a, b, size, &fl);
		if (op != ALU_CMP)
			reg_set(x, x->in.reg, size, r);
	} else {
		if (op != ALU_CMP)
			TRY(lockable(x));
		TRY(op != ALU_CMP ? rm_read_rmw(x, size, &a) : rm_read(x, size, &a));
		b = imm_form ? imm : reg_get(x, x->in.reg, size);
		r = alu(op, a, b, size, &fl);
		if (op != ALU_CMP)
			TRY(rm_write(x, size, r));
	}
	x->c->rflags = fl;
	return 0;
}

/* 00-3D: ADD OR ADC SBB AND SUB XOR CMP in their six encodings. */
static int exec_alu(struct ictx *x)
{
	unsigned int form = x->in.op & 7, size = (form & 1) ? x->in.osz : 1;
	enum alu_op op = (enum alu_op)(x->in.op >> 3);
	uint64_t imm, a, fl = x->c->rflags, r;

	if (form < 4) {
		TRY(dec_modrm(x));
		return alu_rm(x, op, size, form >= 2, false, 0);
	}
	TRY(dec_imm(x, size == 8 ? 4 : size, &imm));
	a = reg_get(x, INTERP_RAX, size);
	r = alu(op, a, imm, size, &fl);
	if (op != ALU_CMP)
		reg_set(x, INTERP_RAX, size, r);
	x->c->rflags = fl;
	return 0;
}

/* 80, 81, 83 (and 82 outside 64-bit mode): group 1 with an immediate. */
static int exec_group1(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1;
	unsigned int isz = x->in.op == 0x81 ? (size == 8 ? 4 : size) : 1;
	uint64_t imm;

	TRY(dec_modrm(x));
	TRY(dec_imm(x, isz, &imm));
	return alu_rm(x, (enum alu_op)(x->in.reg & 7), size, false, true, imm);
}

/* C0, C1, D0-D3: group 2 shifts and rotates. */
static int exec_group2(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1, count;
	uint64_t v, imm, fl = x->c->rflags;

	TRY(dec_modrm(x));
	if (x->in.op <= 0xc1) {
		TRY(dec_imm(x, 1, &imm));
		count = (unsigned int)(imm & 0xff);
	} else {
		count = x->in.op <= 0xd1 ? 1 : (unsigned int)(x->c->gpr[INTERP_RCX] & 0xff);
	}
	TRY(rm_read_rmw(x, size, &v));
	v = alu_shift(x->in.reg & 7, v, count, size, &fl);
	TRY(rm_write(x, size, v));
	x->c->rflags = fl;
	return 0;
}

/* MUL, IMUL, DIV, IDIV with the accumulator (F6/F7 /4-/7). */
int exec_muldiv(struct ictx *x, unsigned int sub, unsigned int size, uint64_t src)
{
	unsigned int bits = size * 8;
	uint64_t m = mem_mask(size), fl = x->c->rflags;
	uint64_t lo_in = x->c->gpr[INTERP_RAX] & m;
	uint64_t hi_in = size == 1 ? (x->c->gpr[INTERP_RAX] >> 8) & 0xff : x->c->gpr[INTERP_RDX] & m;
	unsigned __int128 uw, dividend = ((unsigned __int128)hi_in << bits) | lo_in;
	uint64_t lo, hi;
	bool of;

	src &= m;
	if (size == 1)
		dividend = x->c->gpr[INTERP_RAX] & 0xffff;
	switch (sub) {
	case 4:		/* MUL: CF = OF = upper half non-zero */
		uw = (unsigned __int128)lo_in * src;
		lo = (uint64_t)uw & m;
		hi = (uint64_t)(uw >> bits) & m;
		of = hi != 0;
		break;
	case 5: {	/* IMUL: CF = OF = the product does not fit the lower half */
		__int128 p = (__int128)(int64_t)sext(lo_in, size) * (int64_t)sext(src, size);

		lo = (uint64_t)p & m;
		hi = (uint64_t)(p >> bits) & m;
		of = (__int128)(int64_t)sext(lo, size) != p;
		break;
	}
	case 6: {	/* DIV: #DE on a zero divisor or a quotient that does not fit */
		unsigned __int128 q;

		if (!src)
			return ie_fault(x, X86_DE, false, 0);
		q = dividend / src;
		if (q > m)
			return ie_fault(x, X86_DE, false, 0);
		lo = (uint64_t)q;
		hi = (uint64_t)(dividend % src);
		of = false;
		break;
	}
	default: {	/* IDIV */
		__int128 sd, q, d = (int64_t)sext(src, size);

		if (!src)
			return ie_fault(x, X86_DE, false, 0);
		sd = size == 8 ? (__int128)dividend : (__int128)(int64_t)sext((uint64_t)dividend, size * 2);
		if (size == 8 && (__int128)dividend == (__int128)((unsigned __int128)1 << 127) && d == -1)
			return ie_fault(x, X86_DE, false, 0);
		q = sd / d;
		if (q != (__int128)(int64_t)sext((uint64_t)q & m, size) ||
		    (size == 8 && (q > INT64_MAX || q < INT64_MIN)))
			return ie_fault(x, X86_DE, false, 0);
		lo = (uint64_t)q & m;
		hi = (uint64_t)(sd % d) & m;
		of = false;
		break;
	}
	}
	if (size == 1) {
		reg_set(x, INTERP_RAX, 2, lo | (hi << 8));
	} else {
		reg_set(x, INTERP_RAX, size, lo);
		reg_set(x, INTERP_RDX, size, hi);
	}
	if (sub <= 5) {
		/* SDM MUL/IMUL: SF, ZF, AF, PF undefined; AMD Zen leaves them unchanged. */
		fl = of ? fl | FL_CF | FL_OF : fl & ~(FL_CF | FL_OF);
	} else {
		/* SDM DIV/IDIV: all six undefined; AMD Zen keeps CF and OF, sets AF, clears SF ZF PF. */
		fl = (fl & ~(FL_SF | FL_ZF | FL_PF)) | FL_AF;
	}
	x->c->rflags = fl;
	return 0;
}

/* F6/F7 group 3. */
static int exec_group3(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1;
	uint64_t v, imm, fl = x->c->rflags;

	TRY(dec_modrm(x));
	switch (x->in.reg & 7) {
	case 0:
	case 1:		/* TEST r/m, imm */
		TRY(dec_imm(x, size == 8 ? 4 : size, &imm));
		TRY(rm_read(x, size, &v));
		alu(ALU_AND, v, imm, size, &fl);
		x->c->rflags = fl;
		return 0;
	case 2:		/* NOT: no flags */
		TRY(lockable(x));
		TRY(rm_read_rmw(x, size, &v));
		return rm_write(x, size, ~v & mem_mask(size));
	case 3:
		TRY(lockable(x));
		TRY(rm_read_rmw(x, size, &v));
		v = alu_neg(v, size, &fl);
		TRY(rm_write(x, size, v));
		x->c->rflags = fl;
		return 0;
	default:
		TRY(rm_read(x, size, &v));
		return exec_muldiv(x, x->in.reg & 7, size, v);
	}
}

/* FE/FF groups 4 and 5. */
static int exec_group45(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1, sub;
	uint64_t v, fl = x->c->rflags;

	TRY(dec_modrm(x));
	sub = x->in.reg & 7;
	if (sub <= 1) {
		TRY(lockable(x));
		TRY(rm_read_rmw(x, size, &v));
		v = alu_incdec(sub == 1, v, size, &fl);
		TRY(rm_write(x, size, v));
		x->c->rflags = fl;
		return 0;
	}
	if (x->in.op == 0xfe)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	switch (sub) {
	case 2:		/* CALL near indirect */
	case 4:		/* JMP near indirect */
		if (x->in.mode == 64 && x->in.p66)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		TRY(rm_read(x, branch_size(x), &v));
		return near_branch(x, v, sub == 2);
	case 6:		/* PUSH r/m */
		size = x->in.mode == 64 ? (x->in.p66 ? 2 : 8) : x->in.osz;
		TRY(rm_read(x, size, &v));
		return push(x, size, v);
	case 3:		/* CALL far, m16:16/32/64 */
	case 5: {	/* JMP far */
		uint64_t sel;

		if (!x->in.is_mem)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		if (size == 8 && x->c->amd)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* AMD: no m16:64 (REX.W ignored) */
		TRY(rm_read(x, size, &v));
		TRY(mem_read(x, x->in.eseg, (x->in.ea + size) & mem_mask(x->in.asz), 2, &sel));
		return exec_far(x, sub == 3, v, (uint16_t)sel);
	}
	default:
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	}
}

/* 9A, EA: far CALL/JMP ptr16:16/32 (not in 64-bit mode); CA, CB: far RET. */
static int exec_far_direct(struct ictx *x)
{
	uint64_t off, sel, imm = 0;

	if (x->in.op == 0xca || x->in.op == 0xcb) {
		unsigned int size = x->in.osz;

		if (x->in.op == 0xca)
			TRY(dec_imm(x, 2, &imm));
		TRY(pop(x, size, &off));
		TRY(pop(x, size, &sel));
		TRY(exec_far(x, 2, off & mem_mask(size), (uint16_t)sel));
		reg_set(x, INTERP_RSP, stack_size(x), x->c->gpr[INTERP_RSP] + (imm & 0xffff));
		return 0;
	}
	TRY(dec_imm(x, x->in.osz, &off));
	TRY(dec_imm(x, 2, &sel));
	return exec_far(x, x->in.op == 0x9a, off & mem_mask(x->in.osz), (uint16_t)sel);
}

static unsigned int stack_op_size(const struct ictx *x)
{
	return x->in.mode == 64 ? (x->in.p66 ? 2 : 8) : x->in.osz;
}

/* PUSHF/POPF (SDM vol. 2 POPF/POPFD/POPFQ, protected mode and real mode). */
static int exec_pushf_popf(struct ictx *x)
{
	unsigned int size = stack_op_size(x), iopl = (x->c->rflags >> 12) & 3;
	uint64_t v, mask, fl = x->c->rflags;

	if (x->in.op == 0x9c)
		return push(x, size, fl & ~(FL_VM | FL_RF) & mem_mask(size));
	TRY(pop(x, size, &v));
	mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_IF | FL_IOPL | FL_AC | FL_ID;
	if ((x->c->cr0 & CR0_PE) && x->cpl > 0) {
		mask &= ~FL_IOPL;		/* IOPL only at CPL 0 */
		if (x->cpl > iopl)
			mask &= ~FL_IF;		/* IF only with CPL <= IOPL */
	}
	mask &= mem_mask(size);
	x->c->rflags = (fl & ~mask & ~FL_RF) | (v & mask) | FL_FIXED;
	return 0;
}

/* CLI/STI: CPL <= IOPL in protected mode, else #GP(0); PVI/VME semantics fall back. */
static int exec_cli_sti(struct ictx *x)
{
	unsigned int iopl = (x->c->rflags >> 12) & 3;

	if ((x->c->cr0 & CR0_PE) && x->cpl > iopl) {
		if (x->cpl == 3 && (x->c->cr4 & CR4_PVI))
			return ie_fallback(x, INTERP_FB_MODE);
		return ie_fault(x, X86_GP, true, 0);
	}
	if (x->in.op == 0xfa) {
		x->c->rflags &= ~FL_IF;
	} else {
		/* SDM STI: interrupts are blocked until after the next instruction if IF was 0. */
		x->res->irq_shadow = !(x->c->rflags & FL_IF);
		x->c->rflags |= FL_IF;
	}
	return 0;
}

static int exec_enter(struct ictx *x)
{
	unsigned int size = stack_op_size(x), ss = stack_size(x);
	uint64_t alloc, level, frame;

	TRY(dec_imm(x, 2, &alloc));
	TRY(dec_imm(x, 1, &level));
	alloc &= 0xffff;
	level &= 31;
	TRY(push(x, size, x->c->gpr[INTERP_RBP]));
	frame = x->c->gpr[INTERP_RSP] & mem_mask(ss);
	/* SDM ENTER: level - 1 frame pointers copied from the enclosing frame, then the new one. */
	for (uint64_t i = 1, bp = x->c->gpr[INTERP_RBP]; i < level; i++) {
		uint64_t v;

		bp = (bp - size) & mem_mask(ss);
		TRY(mem_read(x, INTERP_SS, bp, size, &v));
		TRY(push(x, size, v));
	}
	if (level >= 1)
		TRY(push(x, size, frame));
	/*
	 * Outside 64-bit mode a 32-bit EBP keeps the upper half of RBP, as KVM's
	 * emulator does (arch/x86/kvm/emulate.c, em_enter: assign_masked); the
	 * SDM leaves those bits undefined there.
	 */
	if (x->in.mode != 64 && size == 4)
		x->c->gpr[INTERP_RBP] = (x->c->gpr[INTERP_RBP] & ~0xffffffffULL) | (frame & 0xffffffffULL);
	else
		reg_set(x, INTERP_RBP, size, frame);
	reg_set(x, INTERP_RSP, ss, x->c->gpr[INTERP_RSP] - alloc);
	return 0;
}

static int exec_leave(struct ictx *x)
{
	unsigned int size = stack_op_size(x), ss = stack_size(x);
	uint64_t v;

	reg_set(x, INTERP_RSP, ss, x->c->gpr[INTERP_RBP]);
	TRY(pop(x, size, &v));
	reg_set(x, INTERP_RBP, size, v);
	return 0;
}

static int exec_loop(struct ictx *x)
{
	unsigned int asz = x->in.asz;
	uint64_t rel, c = x->c->gpr[INTERP_RCX] & mem_mask(asz);
	bool take, zf = x->c->rflags & FL_ZF;

	TRY(dec_imm(x, 1, &rel));
	if (x->in.op == 0xe3) {
		take = c == 0;
	} else {
		c = (c - 1) & mem_mask(asz);
		take = c != 0 && (x->in.op == 0xe2 || (x->in.op == 0xe1 ? zf : !zf));
	}
	if (take)
		TRY(near_branch(x, x->c->rip + x->in.len + rel, false));
	if (x->in.op != 0xe3)
		reg_set(x, INTERP_RCX, asz, c);
	return 0;
}

static int exec_xchg_rm(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1;
	uint64_t a, b;

	TRY(dec_modrm(x));
	if (x->in.is_mem)
		x->locked = x->lock_ok = true;	/* XCHG with memory is always locked (SDM XCHG) */
	TRY(rm_read_rmw(x, size, &a));
	b = reg_get(x, x->in.reg, size);
	TRY(rm_write(x, size, b));
	reg_set(x, x->in.reg, size, a);
	return 0;
}

static int exec_mov(struct ictx *x)
{
	uint8_t op = x->in.op;
	unsigned int size = (op & 1) ? x->in.osz : 1;
	uint64_t v;

	TRY(dec_modrm(x));
	if (op <= 0x89)
		return rm_write(x, size, reg_get(x, x->in.reg, size));
	TRY(rm_read(x, size, &v));
	reg_set(x, x->in.reg, size, v);
	return 0;
}

/* A0-A3: MOV with an address-size offset (moffs). */
static int exec_moffs(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1;
	int seg = x->in.seg >= 0 ? x->in.seg : INTERP_DS;
	uint64_t off, v;

	TRY(dec_imm(x, x->in.asz, &off));
	off &= mem_mask(x->in.asz);
	if (x->in.op <= 0xa1) {
		TRY(mem_read(x, seg, off, size, &v));
		reg_set(x, INTERP_RAX, size, v);
		return 0;
	}
	return mem_write(x, seg, off, size, reg_get(x, INTERP_RAX, size));
}

static int exec_misc(struct ictx *x)
{
	uint8_t op = x->in.op;
	unsigned int osz = x->in.osz, r = (op & 7) | ((x->in.rex & 1) ? 8 : 0);
	uint64_t v, imm, fl = x->c->rflags;

	switch (op) {
	case 0x50 ... 0x57:
		return push(x, stack_op_size(x), x->c->gpr[r]);
	case 0x58 ... 0x5f:
		TRY(pop(x, stack_op_size(x), &v));
		reg_set(x, r, stack_op_size(x), v);
		return 0;
	case 0x63:		/* MOVSXD (64-bit mode only, see exec_one_byte) */
		TRY(dec_modrm(x));
		if (osz == 2)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		TRY(rm_read(x, 4, &v));
		reg_set(x, x->in.reg, osz, osz == 8 ? sext(v, 4) : v);
		return 0;
	case 0x68:
	case 0x6a:
		TRY(dec_imm(x, op == 0x6a ? 1 : (stack_op_size(x) == 2 ? 2 : 4), &imm));
		return push(x, stack_op_size(x), imm & mem_mask(stack_op_size(x)));
	case 0x69:
	case 0x6b: {		/* IMUL r, r/m, imm */
		__int128 p;

		TRY(dec_modrm(x));
		TRY(dec_imm(x, op == 0x6b ? 1 : (osz == 8 ? 4 : osz), &imm));
		TRY(rm_read(x, osz, &v));
		p = (__int128)(int64_t)sext(v, osz) * (int64_t)sext(imm, osz);
		reg_set(x, x->in.reg, osz, (uint64_t)p);
		fl &= ~(FL_CF | FL_OF);
		if ((__int128)(int64_t)sext((uint64_t)p & mem_mask(osz), osz) != p)
			fl |= FL_CF | FL_OF;
		x->c->rflags = fl;
		return 0;
	}
	case 0x70 ... 0x7f:
		TRY(dec_imm(x, 1, &imm));
		if (cond(op & 0xf, fl))
			return near_branch(x, x->c->rip + x->in.len + imm, false);
		return 0;
	case 0x84:
	case 0x85:
		TRY(dec_modrm(x));
		TRY(rm_read(x, (op & 1) ? osz : 1, &v));
		alu(ALU_AND, v, reg_get(x, x->in.reg, (op & 1) ? osz : 1), (op & 1) ? osz : 1, &fl);
		x->c->rflags = fl;
		return 0;
	case 0x8c:		/* MOV r/m, Sreg */
		TRY(dec_modrm(x));
		if ((x->in.reg & 7) > 5)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		v = x->c->seg[x->in.reg & 7].sel;
		return rm_write(x, x->in.is_mem ? 2 : osz, v);
	case 0x8d:		/* LEA */
		TRY(dec_modrm(x));
		if (!x->in.is_mem)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		reg_set(x, x->in.reg, osz, x->in.ea);
		return 0;
	case 0x8f: {		/* POP r/m */
		unsigned int at = x->in.pos;

		TRY(dec_modrm(x));
		if (x->in.reg & 7)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		TRY(pop(x, stack_op_size(x), &v));
		if (!x->in.is_mem) {
			reg_set(x, x->in.rm, stack_op_size(x), v);
			return 0;
		}
		/* SDM POP: a memory address based on rSP uses the incremented value. */
		x->in.pos = at;
		TRY(dec_modrm(x));
		return rm_write(x, stack_op_size(x), v);
	}
	case 0x90:
		if (x->in.rex & 1)
			break;		/* XCHG r8, rAX */
		return 0;		/* NOP, PAUSE (F3 90) */
	case 0x91 ... 0x97:
		break;
	case 0x98:
		v = sext(reg_get(x, INTERP_RAX, osz / 2), osz / 2);
		reg_set(x, INTERP_RAX, osz, v);
		return 0;
	case 0x99:
		v = (reg_get(x, INTERP_RAX, osz) >> (osz * 8 - 1)) ? ~0ULL : 0;
		reg_set(x, INTERP_RDX, osz, v);
		return 0;
	case 0x9e:		/* SAHF */
		x->c->rflags = (fl & ~(FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)) |
			      ((x->c->gpr[INTERP_RAX] >> 8) & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF));
		return 0;
	case 0x9f:		/* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF */
		x->c->gpr[INTERP_RAX] = (x->c->gpr[INTERP_RAX] & ~0xff00ULL) |
				       (((fl & (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)) | FL_FIXED) << 8);
		return 0;
	case 0xa8:
	case 0xa9: {
		unsigned int size = (op & 1) ? osz : 1;

		TRY(dec_imm(x, size == 8 ? 4 : size, &imm));
		alu(ALU_AND, reg_get(x, INTERP_RAX, size), imm, size, &fl);
		x->c->rflags = fl;
		return 0;
	}
	case 0xb0 ... 0xb7:
		TRY(dec_imm(x, 1, &imm));
		reg_set(x, r, 1, imm);
		return 0;
	case 0xb8 ... 0xbf:
		TRY(dec_imm(x, osz, &imm));
		reg_set(x, r, osz, imm);
		return 0;
	case 0xc2:
	case 0xc3: {
		unsigned int size = branch_size(x);

		imm = 0;
		if (op == 0xc2)
			TRY(dec_imm(x, 2, &imm));
		if (x->in.mode == 64 && x->in.p66)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		TRY(pop(x, size, &v));
		TRY(set_rip(x, v, size));
		reg_set(x, INTERP_RSP, stack_size(x), x->c->gpr[INTERP_RSP] + (imm & 0xffff));
		x->branched = x->res->taken = true;
		return 0;
	}
	case 0xc6:
	case 0xc7: {
		unsigned int size = (op & 1) ? osz : 1;

		TRY(dec_modrm(x));
		if (x->in.reg & 7)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* XABORT, XBEGIN */
		TRY(dec_imm(x, size == 8 ? 4 : size, &imm));
		return rm_write(x, size, imm);
	}
	case 0xc8:
		return exec_enter(x);
	case 0xc9:
		return exec_leave(x);
	case 0xd7: {		/* XLAT */
		int seg = x->in.seg >= 0 ? x->in.seg : INTERP_DS;
		uint64_t a = (x->c->gpr[INTERP_RBX] + (x->c->gpr[INTERP_RAX] & 0xff)) & mem_mask(x->in.asz);

		TRY(mem_read(x, seg, a, 1, &v));
		reg_set(x, INTERP_RAX, 1, v);
		return 0;
	}
	case 0xe0 ... 0xe3:
		return exec_loop(x);
	case 0xe8:
	case 0xe9:
	case 0xeb:
		TRY(dec_imm(x, op == 0xeb ? 1 : (x->in.mode != 64 && osz == 2 ? 2 : 4), &imm));
		return near_branch(x, x->c->rip + x->in.len + imm, op == 0xe8);
	case 0xf5:
		x->c->rflags ^= FL_CF;
		return 0;
	case 0xf8:
	case 0xf9:
		x->c->rflags = op == 0xf8 ? fl & ~FL_CF : fl | FL_CF;
		return 0;
	case 0xfa:
	case 0xfb:
		return exec_cli_sti(x);
	case 0xfc:
	case 0xfd:
		x->c->rflags = op == 0xfc ? fl & ~FL_DF : fl | FL_DF;
		return 0;
	default:
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	}
	/* 90 with REX.B, 91-97: XCHG rAX, r */
	v = reg_get(x, r, osz);
	reg_set(x, r, osz, reg_get(x, INTERP_RAX, osz));
	reg_set(x, INTERP_RAX, osz, v);
	return 0;
}

int exec_one_byte(struct ictx *x)
{
	uint8_t op = x->in.op;

	if (op < 0x40 && (op & 7) < 6)
		return exec_alu(x);
	switch (op) {
	case 0x40 ... 0x4f: {	/* INC/DEC r (REX in 64-bit mode, see dec_prefixes) */
		uint64_t fl = x->c->rflags, v = reg_get(x, op & 7, x->in.osz);

		v = alu_incdec(op >= 0x48, v, x->in.osz, &fl);
		reg_set(x, op & 7, x->in.osz, v);
		x->c->rflags = fl;
		return 0;
	}
	case 0x63:
		if (x->in.mode != 64)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* ARPL */
		return exec_misc(x);
	case 0x80:
	case 0x81:
	case 0x83:
		return exec_group1(x);
	case 0x82:
		if (x->in.mode == 64)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		return exec_group1(x);
	case 0x86:
	case 0x87:
		return exec_xchg_rm(x);
	case 0x88 ... 0x8b:
		return exec_mov(x);
	case 0x91 ... 0x97:
		return exec_misc(x);
	case 0x9b:
	case 0xd8 ... 0xdf:
		return ie_fallback(x, INTERP_FB_FPU);
	case 0x9c:
	case 0x9d:
		return exec_pushf_popf(x);
	case 0xa0 ... 0xa3:
		return exec_moffs(x);
	case 0xa4 ... 0xa7:
	case 0xaa ... 0xaf:
		return exec_string(x);
	case 0xc0:
	case 0xc1:
	case 0xd0 ... 0xd3:
		return exec_group2(x);
	case 0xf6:
	case 0xf7:
		return exec_group3(x);
	case 0xfe:
	case 0xff:
		return exec_group45(x);
	case 0x9a:
	case 0xea:
	case 0xca:
	case 0xcb:
		return exec_far_direct(x);
	case 0xcc ... 0xce:
	case 0xf1:
		return exec_int(x);
	case 0xcf:
		return exec_iret(x);
	case 0x06:
	case 0x07:
	case 0x0e:
	case 0x16:
	case 0x17:
	case 0x1e:
	case 0x1f:
	case 0x8e:
		return exec_sreg(x);
	default:
		return exec_misc(x);
	}
}
