// SPDX-License-Identifier: GPL-2.0-only
/* The two-byte (0F) opcode map (SDM vol. 2 appendix A, table A-3): the integer instructions. */
#include "interp/internal.h"

/* BT, BTS, BTR, BTC (0F A3/AB/B3/BB, 0F BA /4-/7): CF = the bit; the others set, clear, flip it. */
static int exec_bt(struct ictx *x, unsigned int sub, bool imm_form)
{
	unsigned int size = x->in.osz, bits = size * 8;
	uint64_t off, v, bit, fl = x->c->rflags;

	TRY(dec_modrm(x));
	if (imm_form) {
		if (sub < 4)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		TRY(dec_imm(x, 1, &off));
		off &= bits - 1;
	} else {
		off = reg_get(x, x->in.reg, size);
		if (x->in.is_mem) {
			/* SDM vol. 2 BT: a register offset addresses memory beyond the operand, signed. */
			int64_t s = (int64_t)sext(off, size), words = s >> (__builtin_ctz(bits));

			x->in.ea = (x->in.ea + (uint64_t)(words * (int64_t)size)) & mem_mask(x->in.asz);
		}
		off &= bits - 1;
	}
	if (sub != 4)
		TRY(lockable(x));
	TRY(sub != 4 ? rm_read_rmw(x, size, &v) : rm_read(x, size, &v));
	bit = (v >> off) & 1;
	switch (sub) {
	case 5: v |= 1ULL << off; break;
	case 6: v &= ~(1ULL << off); break;
	case 7: v ^= 1ULL << off; break;
	default: break;
	}
	if (sub != 4)
		TRY(rm_write(x, size, v));
	x->c->rflags = bit ? fl | FL_CF : fl & ~FL_CF;
	return 0;
}

static int exec_shxd(struct ictx *x)
{
	unsigned int size = x->in.osz, count;
	bool right = x->in.op >= 0xac;
	uint64_t a, imm, fl = x->c->rflags;

	TRY(dec_modrm(x));
	if (!(x->in.op & 1)) {
		TRY(dec_imm(x, 1, &imm));
		count = (unsigned int)(imm & 0xff);
	} else {
		count = (unsigned int)(x->c->gpr[INTERP_RCX] & 0xff);
	}
	/*
	 * SDM SHLD/SHRD: a count greater than the operand size leaves the result
	 * undefined. A 16-bit SHLD by 16 has a defined result, but AMD Zen's OF
	 * then follows no rule measured here: both fall back.
	 */
	if ((count & 31) > size * 8 || (size == 2 && !right && (count & 31) == 16))
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	TRY(rm_read_rmw(x, size, &a));
	a = alu_shxd(right, a, reg_get(x, x->in.reg, size), count, size, &fl);
	TRY(rm_write(x, size, a));
	x->c->rflags = fl;
	return 0;
}

static int exec_cmpxchg(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1;
	uint64_t d, acc, fl = x->c->rflags;

	TRY(dec_modrm(x));
	TRY(lockable(x));
	TRY(rm_read_rmw(x, size, &d));
	acc = reg_get(x, INTERP_RAX, size);
	alu(ALU_CMP, acc, d, size, &fl);
	x->c->rflags = fl;
	if (fl & FL_ZF)
		return rm_write(x, size, reg_get(x, x->in.reg, size));
	/*
	 * SDM CMPXCHG: a memory destination is written back with its own value;
	 * the accumulator gets it. A register destination is left alone, its
	 * upper half included, as AMD Zen does (KVM's emulator zero-extends a
	 * 32-bit one: arch/x86/kvm/emulate.c, em_cmpxchg writes it back).
	 */
	if (x->in.is_mem)
		TRY(rm_write(x, size, d));
	reg_set(x, INTERP_RAX, size, d);
	return 0;
}

static int exec_xadd(struct ictx *x)
{
	unsigned int size = (x->in.op & 1) ? x->in.osz : 1;
	uint64_t d, s, fl = x->c->rflags;

	TRY(dec_modrm(x));
	TRY(lockable(x));
	TRY(rm_read_rmw(x, size, &d));
	s = reg_get(x, x->in.reg, size);
	reg_set(x, x->in.reg, size, d);
	TRY(rm_write(x, size, alu(ALU_ADD, d, s, size, &fl)));
	x->c->rflags = fl;
	return 0;
}

/*
 * BSF/BSR: ZF = (source == 0), and then the destination is left unchanged.
 * CF, OF, SF, AF and PF are undefined: AMD Zen leaves them unchanged.
 */
static int exec_bsf_bsr(struct ictx *x)
{
	unsigned int size = x->in.osz;
	uint64_t v, fl = x->c->rflags;

	TRY(dec_modrm(x));
	if (x->in.rep)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* TZCNT, LZCNT */
	TRY(rm_read(x, size, &v));
	fl &= ~FL_ZF;
	if (!v) {
		x->c->rflags = fl | FL_ZF;
		return 0;
	}
	reg_set(x, x->in.reg, size, x->in.op == 0xbc ? (uint64_t)__builtin_ctzll(v)
						      : (uint64_t)(63 - __builtin_clzll(v)));
	x->c->rflags = fl;
	return 0;
}

int exec_0f(struct ictx *x)
{
	uint8_t op = x->in.op;
	unsigned int osz = x->in.osz;
	uint64_t v, imm, fl = x->c->rflags;

	switch (op) {
	case 0x18:		/* PREFETCHh: a hint, never faults (SDM vol. 2 PREFETCHh) */
	case 0x19:
	case 0x1c ... 0x1f:	/* reserved-NOP space (SDM vol. 2 NOP, table A-3) */
		/* F3 0F 1E is ENDBR32/64: a NOP unless CET is on (CR4.CET, SDM vol. 1 18.3). */
		if (op == 0x1e && x->in.rep && (x->c->cr4 & CR4_CET))
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		TRY(dec_modrm(x));
		return 0;
	case 0x40 ... 0x4f:	/* CMOVcc: the source is read, and a 32-bit destination zero-extends, either way */
		TRY(dec_modrm(x));
		TRY(rm_read(x, osz, &v));
		if (!cond(op & 0xf, fl))
			v = reg_get(x, x->in.reg, osz);
		reg_set(x, x->in.reg, osz, v);
		return 0;
	case 0x80 ... 0x8f:
		TRY(dec_imm(x, x->in.mode != 64 && osz == 2 ? 2 : 4, &imm));
		if (cond(op & 0xf, fl))
			return near_branch(x, x->c->rip + x->in.len + imm, false);
		if (x->in.mode == 64 && x->in.p66)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		return 0;
	case 0x90 ... 0x9f:	/* SETcc */
		TRY(dec_modrm(x));
		return rm_write(x, 1, cond(op & 0xf, fl));
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
		return exec_bt(x, 4 + ((op >> 3) & 3), false);
	case 0xba:
		if (x->in.pos >= x->in.len)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		return exec_bt(x, (x->in.b[x->in.pos] >> 3) & 7, true);
	case 0xa4:
	case 0xa5:
	case 0xac:
	case 0xad:
		return exec_shxd(x);
	case 0xaf: {		/* IMUL r, r/m */
		__int128 p;

		TRY(dec_modrm(x));
		TRY(rm_read(x, osz, &v));
		p = (__int128)(int64_t)sext(v, osz) * (int64_t)sext(reg_get(x, x->in.reg, osz), osz);
		reg_set(x, x->in.reg, osz, (uint64_t)p);
		fl &= ~(FL_CF | FL_OF);
		if ((__int128)(int64_t)sext((uint64_t)p & mem_mask(osz), osz) != p)
			fl |= FL_CF | FL_OF;
		x->c->rflags = fl;
		return 0;
	}
	case 0xb0:
	case 0xb1:
		return exec_cmpxchg(x);
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf: {		/* MOVZX, MOVSX */
		unsigned int ssz = (op & 1) ? 2 : 1;

		TRY(dec_modrm(x));
		TRY(rm_read(x, ssz, &v));
		reg_set(x, x->in.reg, osz, op >= 0xbe ? sext(v, ssz) : v);
		return 0;
	}
	case 0xbc:
	case 0xbd:
		return exec_bsf_bsr(x);
	case 0xc0:
	case 0xc1:
		return exec_xadd(x);
	case 0xc8 ... 0xcf: {	/* BSWAP; with a 16-bit operand the result is undefined */
		unsigned int r = (op & 7) | ((x->in.rex & 1) ? 8 : 0);

		if (osz == 2)
			return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
		v = x->c->gpr[r];
		reg_set(x, r, osz, osz == 8 ? __builtin_bswap64(v) : __builtin_bswap32((uint32_t)v));
		return 0;
	}
	case 0xa0:
	case 0xa1:
	case 0xa8:
	case 0xa9:
		return exec_sreg(x);
	case 0x01:
	case 0x05:
	case 0x07:
	case 0x34:
	case 0x35:
		return exec_sys0f(x);
	case 0x10 ... 0x17:
	case 0x28 ... 0x2f:
	case 0x38:
	case 0x3a:
	case 0x50 ... 0x7f:
	case 0xae:
	case 0xc2 ... 0xc6:
	case 0xd0 ... 0xff:
		return ie_fallback(x, INTERP_FB_FPU);
	default:
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	}
}
