// SPDX-License-Identifier: GPL-2.0-only
/*
 * Results and status flags of the integer arithmetic (SDM vol. 1 appendix A
 * and vol. 2, each instruction's "Flags Affected"). Where the SDM leaves a
 * flag undefined, the value here is what the processors this project is
 * proven on produce (docs/interpreter.md, "Undefined flags").
 */
#include "interp/internal.h"

static uint64_t msb(uint64_t v, unsigned int size)
{
	return (v >> (size * 8 - 1)) & 1;
}

void flags_szp(uint64_t r, unsigned int size, uint64_t *fl)
{
	r &= mem_mask(size);
	*fl &= ~(FL_SF | FL_ZF | FL_PF);
	if (!r)
		*fl |= FL_ZF;
	if (msb(r, size))
		*fl |= FL_SF;
	if (!__builtin_parity((unsigned int)(r & 0xff)))
		*fl |= FL_PF;
}

uint64_t alu(enum alu_op op, uint64_t a, uint64_t b, unsigned int size, uint64_t *fl)
{
	uint64_t m = mem_mask(size), sb = 1ULL << (size * 8 - 1), c = *fl & FL_CF, r, f;

	a &= m;
	b &= m;
	f = *fl & ~FL_ARITH;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
		c = op == ALU_ADC ? c : 0;
		r = (a + b + c) & m;
		if (r < a || (c && r == a))
			f |= FL_CF;
		if (~(a ^ b) & (a ^ r) & sb)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
		c = op == ALU_SBB ? c : 0;
		r = (a - b - c) & m;
		if (a < b || (c && a == b))
			f |= FL_CF;
		if ((a ^ b) & (a ^ r) & sb)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case ALU_AND:
		r = a & b;
		break;
	case ALU_OR:
		r = a | b;
		break;
	default:
		r = a ^ b;
		break;
	}
	/* AND/OR/XOR: CF = OF = 0, AF undefined (cleared, as measured). */
	flags_szp(r, size, &f);
	*fl = f;
	return r;
}

/* INC/DEC: as ADD/SUB 1 with CF unchanged. */
uint64_t alu_incdec(bool dec, uint64_t a, unsigned int size, uint64_t *fl)
{
	uint64_t cf = *fl & FL_CF;
	uint64_t r = alu(dec ? ALU_SUB : ALU_ADD, a, 1, size, fl);

	*fl = (*fl & ~FL_CF) | cf;
	return r;
}

/* NEG: 0 - a; CF = (a != 0). */
uint64_t alu_neg(uint64_t a, unsigned int size, uint64_t *fl)
{
	return alu(ALU_SUB, 0, a, size, fl);
}

static uint64_t set_if(uint64_t f, uint64_t bit, bool v)
{
	return v ? f | bit : f & ~bit;
}

/*
 * Group 2 (C0, C1, D0-D3): op is the ModRM reg field. The count is masked to
 * 5 bits (6 with a 64-bit operand) and a masked count of 0 changes no flag
 * (SDM vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR).
 */
uint64_t alu_shift(unsigned int op, uint64_t a, unsigned int count, unsigned int size, uint64_t *fl)
{
	unsigned int bits = size * 8, cnt = count & (size == 8 ? 0x3f : 0x1f), c;
	uint64_t m = mem_mask(size), r = a & m, f = *fl, cf;

	a &= m;
	if (!cnt)
		return a;
	switch (op) {
	case 0:		/* ROL */
		c = cnt % bits;
		r = c ? ((a << c) | (a >> (bits - c))) & m : a;
		f = set_if(f, FL_CF, r & 1);
		f = set_if(f, FL_OF, msb(r, size) ^ (r & 1));
		return *fl = f, r;
	case 1:		/* ROR */
		c = cnt % bits;
		r = c ? ((a >> c) | (a << (bits - c))) & m : a;
		f = set_if(f, FL_CF, msb(r, size));
		f = set_if(f, FL_OF, msb(r, size) ^ ((r >> (bits - 2)) & 1));
		return *fl = f, r;
	case 2:		/* RCL: through CF, modulo size + 1 */
		c = cnt % (bits + 1);
		cf = f & FL_CF;
		for (unsigned int i = 0; i < c; i++) {
			uint64_t out = msb(r, size);

			r = ((r << 1) | cf) & m;
			cf = out;
		}
		f = set_if(f, FL_CF, cf);
		f = set_if(f, FL_OF, msb(r, size) ^ cf);
		return *fl = f, r;
	case 3:		/* RCR */
		c = cnt % (bits + 1);
		cf = f & FL_CF;
		for (unsigned int i = 0; i < c; i++) {
			uint64_t out = r & 1;

			r = (r >> 1) | (cf << (bits - 1));
			cf = out;
		}
		f = set_if(f, FL_CF, cf);
		/*
		 * OF: the two top bits of the result differ. For a count of 1
		 * this is the SDM's MSB(DEST) XOR CF taken before the rotation;
		 * for larger counts (undefined) it is what AMD Zen produces.
		 */
		f = set_if(f, FL_OF, msb(r, size) ^ ((r >> (bits - 2)) & 1));
		return *fl = f, r;
	case 4:		/* SHL */
	case 6:		/* SAL */
		r = cnt >= 64 ? 0 : (a << cnt) & m;
		cf = cnt > bits ? 0 : (a >> (bits - cnt)) & 1;
		f = set_if(f, FL_CF, cf);
		f = set_if(f, FL_OF, msb(r, size) ^ cf);
		break;
	case 5:		/* SHR */
		r = a >> cnt;
		f = set_if(f, FL_CF, cnt > bits ? 0 : (a >> (cnt - 1)) & 1);
		/* OF: the operand's sign for a count of 1; undefined above, 0 on AMD Zen. */
		f = set_if(f, FL_OF, cnt == 1 && msb(a, size));
		break;
	default: {	/* SAR */
		int64_t s = (int64_t)sext(a, size);

		r = (uint64_t)(s >> (cnt > 63 ? 63 : cnt)) & m;
		f = set_if(f, FL_CF, (s >> (cnt - 1 > 63 ? 63 : cnt - 1)) & 1);
		f &= ~FL_OF;
		break;
	}
	}
	/* AF is undefined for a non-zero count: AMD Zen sets it. */
	f |= FL_AF;
	flags_szp(r, size, &f);
	*fl = f;
	return r;
}

/*
 * SHLD (right = false) / SHRD: a is the destination, b supplies the bits
 * shifted in. The caller rejects a count above the operand size (undefined).
 */
uint64_t alu_shxd(bool right, uint64_t a, uint64_t b, unsigned int count, unsigned int size,
		  uint64_t *fl)
{
	unsigned int bits = size * 8, cnt = count & (size == 8 ? 0x3f : 0x1f);
	uint64_t m = mem_mask(size), r, f = *fl;
	unsigned __int128 w;

	a &= m;
	b &= m;
	if (!cnt)
		return a;
	if (right) {
		w = ((unsigned __int128)b << bits) | a;
		r = (uint64_t)(w >> cnt) & m;
		f = set_if(f, FL_CF, (w >> (cnt - 1)) & 1);
	} else {
		w = ((unsigned __int128)a << bits) | b;
		r = (uint64_t)((w << cnt) >> bits) & m;
		f = set_if(f, FL_CF, (w >> (2 * bits - cnt)) & 1);
	}
	/*
	 * OF: a sign change for a count of 1 (SDM). Above 1 it is undefined;
	 * AMD Zen computes it from the last one-bit step: MSB XOR CF for SHLD,
	 * the two top bits of the result for SHRD (both equal the SDM's value
	 * for a count of 1). AF is undefined: AMD Zen sets it.
	 */
	if (right)
		f = set_if(f, FL_OF, msb(r, size) ^ ((r >> (bits - 2)) & 1));
	else
		f = set_if(f, FL_OF, msb(r, size) ^ (f & FL_CF));
	f |= FL_AF;
	flags_szp(r, size, &f);
	*fl = f;
	return r;
}

/* SDM vol. 1 appendix B: the condition codes of Jcc, SETcc, CMOVcc. */
bool cond(unsigned int cc, uint64_t fl)
{
	bool cf = fl & FL_CF, zf = fl & FL_ZF, sf = fl & FL_SF, of = fl & FL_OF, pf = fl & FL_PF;
	bool v;

	switch (cc >> 1) {
	case 0: v = of; break;
	case 1: v = cf; break;
	case 2: v = zf; break;
	case 3: v = cf || zf; break;
	case 4: v = sf; break;
	case 5: v = pf; break;
	case 6: v = sf != of; break;
	default: v = zf || sf != of; break;
	}
	return (cc & 1) ? !v : v;
}
