// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 length decoder and branch classifier (SDM vol. 2, chapter 2 and
 * appendix A opcode maps; APM vol. 3, chapter 1 for XOP and 3DNow!).
 */
#include "pmu/soft/decode.h"

#include <errno.h>
#include <string.h>

/* Operand flags of an opcode. */
#define OP_M	0x001	/* ModRM follows */
#define OP_IB	0x002	/* imm8 / rel8 */
#define OP_IW	0x004	/* imm16 */
#define OP_IZ	0x008	/* imm16 or imm32 by operand size (rel16/rel32) */
#define OP_IV	0x010	/* imm16/32/64 by operand size (MOV r, imm) */
#define OP_IA	0x020	/* moffs: address-size offset */
#define OP_IP	0x040	/* far pointer: offset (operand size) + selector */
#define OP_I64	0x080	/* invalid (#UD) in 64-bit mode */
#define OP_BAD	0x100	/* undefined opcode */
#define OP_ID	0x200	/* imm32 regardless of operand size (XOP map 0AH) */

/* SDM vol. 2 appendix A, table A-2: one-byte opcode map. */
static const uint16_t x86_map1[256] = {
	[0x00 ... 0x03] = OP_M, [0x04] = OP_IB, [0x05] = OP_IZ, [0x06 ... 0x07] = OP_I64,
	[0x08 ... 0x0b] = OP_M, [0x0c] = OP_IB, [0x0d] = OP_IZ, [0x0e] = OP_I64,
	[0x10 ... 0x13] = OP_M, [0x14] = OP_IB, [0x15] = OP_IZ, [0x16 ... 0x17] = OP_I64,
	[0x18 ... 0x1b] = OP_M, [0x1c] = OP_IB, [0x1d] = OP_IZ, [0x1e ... 0x1f] = OP_I64,
	[0x20 ... 0x23] = OP_M, [0x24] = OP_IB, [0x25] = OP_IZ, [0x27] = OP_I64,
	[0x28 ... 0x2b] = OP_M, [0x2c] = OP_IB, [0x2d] = OP_IZ, [0x2f] = OP_I64,
	[0x30 ... 0x33] = OP_M, [0x34] = OP_IB, [0x35] = OP_IZ, [0x37] = OP_I64,
	[0x38 ... 0x3b] = OP_M, [0x3c] = OP_IB, [0x3d] = OP_IZ, [0x3f] = OP_I64,
	[0x60 ... 0x61] = OP_I64, [0x62] = OP_M | OP_I64, [0x63] = OP_M,
	[0x68] = OP_IZ, [0x69] = OP_M | OP_IZ, [0x6a] = OP_IB, [0x6b] = OP_M | OP_IB,
	[0x70 ... 0x7f] = OP_IB,
	[0x80] = OP_M | OP_IB, [0x81] = OP_M | OP_IZ, [0x82] = OP_M | OP_IB | OP_I64,
	[0x83] = OP_M | OP_IB, [0x84 ... 0x8f] = OP_M,
	[0x9a] = OP_IP | OP_I64,
	[0xa0 ... 0xa3] = OP_IA, [0xa8] = OP_IB, [0xa9] = OP_IZ,
	[0xb0 ... 0xb7] = OP_IB, [0xb8 ... 0xbf] = OP_IV,
	[0xc0 ... 0xc1] = OP_M | OP_IB, [0xc2] = OP_IW, [0xc4 ... 0xc5] = OP_M | OP_I64,
	[0xc6] = OP_M | OP_IB, [0xc7] = OP_M | OP_IZ, [0xc8] = OP_IW | OP_IB,
	[0xca] = OP_IW, [0xcd] = OP_IB, [0xce] = OP_I64,
	[0xd0 ... 0xd3] = OP_M, [0xd4 ... 0xd5] = OP_IB | OP_I64, [0xd6] = OP_I64,
	[0xd8 ... 0xdf] = OP_M,
	[0xe0 ... 0xe7] = OP_IB, [0xe8 ... 0xe9] = OP_IZ, [0xea] = OP_IP | OP_I64,
	[0xeb] = OP_IB,
	[0xf6 ... 0xf7] = OP_M, [0xfe ... 0xff] = OP_M,
};

/* SDM vol. 2 appendix A, table A-3: two-byte (0F) opcode map. */
static const uint16_t x86_map0f[256] = {
	[0x00 ... 0x03] = OP_M, [0x04] = OP_BAD, [0x0a] = OP_BAD, [0x0c] = OP_BAD,
	[0x0d] = OP_M, [0x0f] = OP_M | OP_IB,
	[0x10 ... 0x23] = OP_M, [0x24 ... 0x27] = OP_BAD, [0x28 ... 0x2f] = OP_M,
	[0x39] = OP_BAD, [0x3b ... 0x3f] = OP_BAD,
	[0x40 ... 0x6f] = OP_M, [0x70 ... 0x73] = OP_M | OP_IB, [0x74 ... 0x76] = OP_M,
	[0x78 ... 0x79] = OP_M, [0x7a ... 0x7b] = OP_BAD, [0x7c ... 0x7f] = OP_M,
	[0x80 ... 0x8f] = OP_IZ,
	[0x90 ... 0x9f] = OP_M,
	[0xa3] = OP_M, [0xa4] = OP_M | OP_IB, [0xa5] = OP_M, [0xa6 ... 0xa7] = OP_BAD,
	[0xab] = OP_M, [0xac] = OP_M | OP_IB, [0xad ... 0xaf] = OP_M,
	[0xb0 ... 0xb9] = OP_M, [0xba] = OP_M | OP_IB, [0xbb ... 0xbf] = OP_M,
	[0xc0 ... 0xc1] = OP_M, [0xc2] = OP_M | OP_IB, [0xc3] = OP_M,
	[0xc4 ... 0xc6] = OP_M | OP_IB, [0xc7] = OP_M,
	[0xd0 ... 0xff] = OP_M,
};

struct x86_dec {
	const uint8_t *b;
	size_t n;
	size_t i;
	int mode;
	unsigned int opsize, addrsize;
	bool p66, p67, pf2, rep, lock, rex_w, rex;
	size_t imm_at;		/* offset of the immediate / displacement of a branch */
	unsigned int imm_len;
};

static int dec_byte(struct x86_dec *d, uint8_t *v)
{
	if (d->i >= X86_MAX_INSN_LEN)
		return -EINVAL;
	if (d->i >= d->n)
		return -ENODATA;
	*v = d->b[d->i++];
	return 0;
}

static int dec_skip(struct x86_dec *d, unsigned int len)
{
	if (d->i + len > X86_MAX_INSN_LEN)
		return -EINVAL;
	if (d->i + len > d->n)
		return -ENODATA;
	d->i += len;
	return 0;
}

static int dec_peek(const struct x86_dec *d, uint8_t *v)
{
	if (d->i >= X86_MAX_INSN_LEN)
		return -EINVAL;
	if (d->i >= d->n)
		return -ENODATA;
	*v = d->b[d->i];
	return 0;
}

bool x86_is_legacy_prefix(uint8_t c)
{
	switch (c) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

/*
 * SDM vol. 2 2.1.1 and 2.2.1: legacy prefixes in any order; a REX prefix
 * only counts when it immediately precedes the opcode (one followed by a
 * legacy prefix is ignored).
 */
static int dec_prefixes(struct x86_dec *d)
{
	for (;;) {
		uint8_t c;
		int r = dec_peek(d, &c);

		if (r)
			return r;
		if (x86_is_legacy_prefix(c)) {
			d->p66 |= c == 0x66;
			d->p67 |= c == 0x67;
			d->rep |= c == 0xf2 || c == 0xf3;
			d->pf2 |= c == 0xf2;
			d->lock |= c == 0xf0;
			d->rex = d->rex_w = false;
		} else if (d->mode == 64 && (c & 0xf0) == 0x40) {
			d->rex = true;
			d->rex_w = c & 0x08;
		} else {
			return 0;
		}
		d->i++;
	}
}

/* SDM vol. 2 table 3-3/3-4: effective operand and address sizes. */
static void dec_sizes(struct x86_dec *d)
{
	if (d->mode == 64) {
		d->opsize = d->rex_w ? 8 : d->p66 ? 2 : 4;
		d->addrsize = d->p67 ? 4 : 8;
	} else if (d->mode == 32) {
		d->opsize = d->p66 ? 2 : 4;
		d->addrsize = d->p67 ? 2 : 4;
	} else {
		d->opsize = d->p66 ? 4 : 2;
		d->addrsize = d->p67 ? 4 : 2;
	}
}

/* SDM vol. 2 tables 2-1/2-2/2-3: ModRM, SIB and displacement. */
static int dec_modrm(struct x86_dec *d, bool force_reg, uint8_t *modrm)
{
	unsigned int mod, rm, disp = 0;
	int r = dec_byte(d, modrm);

	if (r)
		return r;
	mod = force_reg ? 3 : *modrm >> 6;
	rm = *modrm & 7;
	if (mod == 3)
		return 0;
	if (d->addrsize == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
		return dec_skip(d, disp);
	}
	if (rm == 4) {
		uint8_t sib;

		r = dec_byte(d, &sib);
		if (r)
			return r;
		if (mod == 0 && (sib & 7) == 5)
			disp = 4;
	}
	if (mod == 0 && rm == 5)
		disp = 4;
	else if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;
	return dec_skip(d, disp);
}

static unsigned int dec_imm_len(const struct x86_dec *d, uint16_t f)
{
	unsigned int len = 0;

	if (f & OP_IB)
		len += 1;
	if (f & OP_IW)
		len += 2;
	if (f & OP_IZ)
		len += d->opsize == 2 ? 2 : 4;
	if (f & OP_ID)
		len += 4;
	if (f & OP_IV)
		len += d->opsize;
	if (f & OP_IA)
		len += d->addrsize;
	if (f & OP_IP)
		len += (d->opsize == 2 ? 2 : 4) + 2;
	return len;
}

static int64_t dec_sext(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int k = 0; k < len; k++)
		v |= (uint64_t)p[k] << (8 * k);
	if (len < 8 && (v >> (8 * len - 1)) & 1)
		v |= ~0ull << (8 * len);
	return (int64_t)v;
}

/* Operand bytes after the opcode: ModRM (+SIB, displacement) and immediate. */
static int dec_operands(struct x86_dec *d, uint16_t f, bool force_reg, uint8_t *modrm)
{
	int r;

	*modrm = 0;
	if (f & OP_BAD)
		return -EINVAL;
	if ((f & OP_I64) && d->mode == 64)
		return -EINVAL;
	if (f & OP_M) {
		r = dec_modrm(d, force_reg, modrm);
		if (r)
			return r;
	}
	d->imm_at = d->i;
	d->imm_len = dec_imm_len(d, f);
	return dec_skip(d, d->imm_len);
}

static void class_branch(struct x86_insn_class *c, enum x86_branch_kind k, bool cond)
{
	c->branch = k;
	c->is_branch = true;
	c->conditional = cond;
}

/*
 * Near relative branches use a 64-bit operand size in 64-bit mode and their
 * displacement stays 32 bits: Intel ignores 66H there (SDM vol. 2, Jcc/JMP/
 * CALL "64-bit mode" notes). AMD honours 66H (rel16); this decoder follows
 * Intel.
 */
static void dec_near_rel_size(struct x86_dec *d)
{
	if (d->mode == 64)
		d->opsize = 8;
}

static int dec_group5(struct x86_dec *d, struct x86_insn_class *c)
{
	static const enum x86_branch_kind kinds[8] = {
		[2] = X86_BR_CALL_IND, [3] = X86_BR_CALL_FAR,
		[4] = X86_BR_JMP_IND, [5] = X86_BR_JMP_FAR,
	};
	uint8_t modrm;
	unsigned int reg;
	int r = dec_peek(d, &modrm);

	if (r)
		return r;
	reg = (modrm >> 3) & 7;
	if (reg == 7)
		return -EINVAL;
	if ((reg == 3 || reg == 5) && (modrm >> 6) == 3)
		return -EINVAL;	/* far indirect needs a memory operand */
	if (kinds[reg] != X86_BR_NONE)
		class_branch(c, kinds[reg], false);
	return dec_operands(d, OP_M, false, &modrm);
}

/* F6/F7 group 3: only TEST (/0, /1) carries an immediate. */
static int dec_group3(struct x86_dec *d, uint8_t op)
{
	uint8_t modrm;
	uint16_t f = OP_M;
	int r = dec_peek(d, &modrm);

	if (r)
		return r;
	if (((modrm >> 3) & 7) < 2)
		f |= op == 0xf6 ? OP_IB : OP_IZ;
	return dec_operands(d, f, false, &modrm);
}

static bool x86_is_string_op(uint8_t op)
{
	return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) ||
	       (op >= 0xaa && op <= 0xaf);
}

static void class_map1(const struct x86_dec *d, uint8_t op, struct x86_insn_class *c)
{
	if (op >= 0x70 && op <= 0x7f)
		class_branch(c, X86_BR_JCC, true);
	else if (op >= 0xe0 && op <= 0xe3)
		class_branch(c, X86_BR_LOOP, true);
	else if (op == 0xe8)
		class_branch(c, X86_BR_CALL_REL, false);
	else if (op == 0xe9 || op == 0xeb)
		class_branch(c, X86_BR_JMP_REL, false);
	else if (op == 0x9a)
		class_branch(c, X86_BR_CALL_FAR, false);
	else if (op == 0xea)
		class_branch(c, X86_BR_JMP_FAR, false);
	else if (op == 0xc2 || op == 0xc3)
		class_branch(c, X86_BR_RET, false);
	else if (op == 0xca || op == 0xcb)
		class_branch(c, X86_BR_RET_FAR, false);
	else if (op == 0xcc || op == 0xcd)
		class_branch(c, X86_BR_INT, false);
	else if (op == 0xce)
		class_branch(c, X86_BR_INT, true);	/* INTO traps only when OF=1 */
	else if (op == 0xcf)
		class_branch(c, X86_BR_IRET, false);

	c->direct = (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3) ||
		    op == 0xe8 || op == 0xe9 || op == 0xeb;
	if ((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef))
		c->exit = X86_EXIT_IO;
	else if (op >= 0x6c && op <= 0x6f)
		c->exit = X86_EXIT_IO_STRING;
	else if (op == 0xf4)
		c->exit = X86_EXIT_HLT;
	c->rep_string = d->rep && x86_is_string_op(op);
}

static void class_map0f(uint8_t op, struct x86_insn_class *c)
{
	if (op >= 0x80 && op <= 0x8f) {
		class_branch(c, X86_BR_JCC, true);
		c->direct = true;
	}
	switch (op) {
	case 0x05: class_branch(c, X86_BR_SYSCALL, false); break;
	case 0x07: class_branch(c, X86_BR_SYSRET, false); break;
	case 0x34: class_branch(c, X86_BR_SYSENTER, false); break;
	case 0x35: class_branch(c, X86_BR_SYSEXIT, false); break;
	case 0x30: c->exit = X86_EXIT_WRMSR; break;
	case 0x32: c->exit = X86_EXIT_RDMSR; break;
	case 0x33: c->exit = X86_EXIT_RDPMC; break;
	case 0xa2: c->exit = X86_EXIT_CPUID; break;
	default: break;
	}
}

/* The one-byte map, with the groups whose shape depends on ModRM.reg. */
static int dec_map1(struct x86_dec *d, uint8_t op, struct x86_insn_class *c)
{
	uint8_t modrm;
	uint16_t f = x86_map1[op];

	c->map = X86_MAP_ONE_BYTE;
	c->opcode = op;
	class_map1(d, op, c);
	if (op == 0xe8 || op == 0xe9)
		dec_near_rel_size(d);
	if (op == 0xff)
		return dec_group5(d, c);
	if (op == 0xf6 || op == 0xf7)
		return dec_group3(d, op);
	return dec_operands(d, f, false, &modrm);
}

/*
 * SDM vol. 2 LFENCE/MFENCE/SFENCE: NP 0F AE with mod = 11 and reg 5, 6, 7.
 * With 66H, F2H or F3H the same bytes are other instructions (TPAUSE,
 * UMWAIT, UMONITOR, INCSSP, PCOMMIT); with LOCK they are #UD.
 */
static enum x86_fence class_fence(const struct x86_dec *d, uint8_t op, uint8_t modrm)
{
	if (op != 0xae || (modrm >> 6) != 3 || d->p66 || d->rep || d->lock)
		return X86_FENCE_NONE;
	switch ((modrm >> 3) & 7) {
	case 5: return X86_FENCE_LFENCE;
	case 6: return X86_FENCE_MFENCE;
	case 7: return X86_FENCE_SFENCE;
	default: return X86_FENCE_NONE;
	}
}

/*
 * AMD SSE4a EXTRQ/INSERTQ (66/F2 0F 78) carry two imm8 (APM vol. 4);
 * without those prefixes 0F 78 is VMREAD.
 */
static int dec_map0f(struct x86_dec *d, uint8_t op, struct x86_insn_class *c)
{
	uint8_t modrm;
	uint16_t f = x86_map0f[op];
	int r;

	c->map = X86_MAP_0F;
	c->opcode = op;
	class_map0f(op, c);
	if (op >= 0x80 && op <= 0x8f)
		dec_near_rel_size(d);
	if (op == 0x78 && (d->p66 || d->pf2))
		f |= OP_IW;
	/* SDM vol. 2 MOV CR/DR: the mod field is ignored, always a register. */
	r = dec_operands(d, f, op >= 0x20 && op <= 0x23, &modrm);
	if (!r)
		c->fence = class_fence(d, op, modrm);
	return r;
}

/* Immediate of a VEX/EVEX-encoded opcode (SDM vol. 2 2.3, 2.7). */
static uint16_t vex_flags(unsigned int map, uint8_t op)
{
	if (map == 3)
		return OP_M | OP_IB;
	if (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
			 (op >= 0xc4 && op <= 0xc6)))
		return OP_M | OP_IB;
	if (map == 1 && op == 0x77)
		return 0;	/* VZEROUPPER/VZEROALL */
	return OP_M;
}

/* A VEX/EVEX prefix may not follow 66, F2, F3, F0 or REX (SDM vol. 2 2.3.2). */
static bool dec_vex_prefix_ok(const struct x86_dec *d)
{
	return !d->p66 && !d->rep && !d->lock && !d->rex;
}

static int dec_vex(struct x86_dec *d, uint8_t op, struct x86_insn_class *c)
{
	uint8_t b1, opc, modrm;
	unsigned int map = 1;
	int r = dec_byte(d, &b1);

	if (r)
		return r;
	if (!dec_vex_prefix_ok(d))
		return -EINVAL;
	if (op == 0xc4) {
		map = b1 & 0x1f;
		r = dec_skip(d, 1);
		if (r)
			return r;
		if (map < 1 || map > 3)
			return -EINVAL;
	}
	r = dec_byte(d, &opc);
	if (r)
		return r;
	c->map = X86_MAP_VEX;
	c->vex_map = map;
	c->opcode = opc;
	return dec_operands(d, vex_flags(map, opc), false, &modrm);
}

/* EVEX (SDM vol. 2 2.7.1): 62 P0 P1 P2, map in P0[2:0]; maps 5/6 have no imm. */
static int dec_evex(struct x86_dec *d, struct x86_insn_class *c)
{
	uint8_t p0, opc, modrm;
	unsigned int map;
	int r = dec_byte(d, &p0);

	if (r)
		return r;
	if (!dec_vex_prefix_ok(d))
		return -EINVAL;
	r = dec_skip(d, 2);
	if (r)
		return r;
	map = p0 & 7;
	if (map == 0 || map == 4 || map == 7)
		return -EINVAL;
	r = dec_byte(d, &opc);
	if (r)
		return r;
	c->map = X86_MAP_EVEX;
	c->vex_map = map;
	c->opcode = opc;
	return dec_operands(d, map > 3 ? OP_M : vex_flags(map, opc) | OP_M, false, &modrm);
}

/* XOP (APM vol. 3 1.8): 8F RXBmmmmm W.vvvv.L.pp; maps 8 (imm8), 9, 0AH (imm32). */
static int dec_xop(struct x86_dec *d, struct x86_insn_class *c)
{
	static const uint16_t flags[3] = { OP_M | OP_IB, OP_M, OP_M | OP_ID };
	uint8_t b1, opc, modrm;
	unsigned int map;
	int r = dec_byte(d, &b1);

	if (r)
		return r;
	map = b1 & 0x1f;
	if (map > 0xa)
		return -EINVAL;
	r = dec_skip(d, 1);
	if (r)
		return r;
	r = dec_byte(d, &opc);
	if (r)
		return r;
	c->map = X86_MAP_XOP;
	c->vex_map = map;
	c->opcode = opc;
	return dec_operands(d, flags[map - 8], false, &modrm);
}

/*
 * Outside 64-bit mode C4/C5/62 are LES/LDS/BOUND unless the next byte's
 * top bits are 11 (a register form those instructions do not have).
 */
static int dec_is_vex(const struct x86_dec *d, bool *vex)
{
	uint8_t next;
	int r;

	*vex = true;
	if (d->mode == 64)
		return 0;
	r = dec_peek(d, &next);
	if (r)
		return r;
	*vex = (next >> 6) == 3;
	return 0;
}

static int dec_escape0f(struct x86_dec *d, struct x86_insn_class *c)
{
	uint8_t op, modrm;
	int r = dec_byte(d, &op);

	if (r)
		return r;
	if (op == 0x38 || op == 0x3a) {
		uint8_t op3;

		r = dec_byte(d, &op3);
		if (r)
			return r;
		c->map = op == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
		c->opcode = op3;
		return dec_operands(d, op == 0x38 ? OP_M : OP_M | OP_IB, false, &modrm);
	}
	if (op == 0x0f) {
		r = dec_operands(d, OP_M | OP_IB, false, &modrm);
		c->map = X86_MAP_3DNOW;
		c->opcode = r ? 0 : d->b[d->i - 1];
		return r;
	}
	return dec_map0f(d, op, c);
}

static int dec_opcode(struct x86_dec *d, struct x86_insn_class *c)
{
	uint8_t op, next;
	bool vex;
	int r = dec_byte(d, &op);

	if (r)
		return r;
	if (op == 0x0f)
		return dec_escape0f(d, c);
	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		r = dec_is_vex(d, &vex);
		if (r)
			return r;
		if (vex)
			return op == 0x62 ? dec_evex(d, c) : dec_vex(d, op, c);
	}
	if (op == 0x8f) {
		r = dec_peek(d, &next);
		if (r)
			return r;
		if ((next & 0x1f) >= 8)
			return dec_xop(d, c);
	}
	return dec_map1(d, op, c);
}

/* Near branches operate on a 64-bit RIP in 64-bit mode whatever the prefixes. */
static bool x86_is_near_branch(enum x86_branch_kind k)
{
	switch (k) {
	case X86_BR_JCC: case X86_BR_LOOP: case X86_BR_JMP_REL: case X86_BR_JMP_IND:
	case X86_BR_CALL_REL: case X86_BR_CALL_IND: case X86_BR_RET:
		return true;
	default:
		return false;
	}
}

int x86_classify(const uint8_t *bytes, size_t n, int mode, struct x86_insn_class *out)
{
	struct x86_dec d = { .b = bytes, .n = n, .mode = mode };
	struct x86_insn_class c;
	int r;

	if (mode != 16 && mode != 32 && mode != 64)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	r = dec_prefixes(&d);
	if (r)
		return r;
	dec_sizes(&d);
	r = dec_opcode(&d, &c);
	if (r)
		return r;
	c.len = d.i;
	c.opsize = d.opsize;
	c.addrsize = d.addrsize;
	if (mode == 64 && x86_is_near_branch(c.branch))
		c.opsize = 8;
	if (c.direct)
		c.rel = dec_sext(d.b + d.imm_at, d.imm_len);
	*out = c;
	return 0;
}

uint64_t x86_branch_target(const struct x86_insn_class *c, uint64_t rip)
{
	uint64_t t = rip + c->len + (uint64_t)c->rel;

	if (c->opsize == 2)
		return t & 0xffff;
	if (c->opsize == 4)
		return t & 0xffffffffu;
	return t;
}
