// SPDX-License-Identifier: GPL-2.0-only
#include "gen.h"

#include <string.h>

#include "kvm_guest.h"
#include "pmu/soft/decode.h"

uint64_t rng_next(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return (unsigned int)(rng_next(r) % n);
}

/* Values that reach the flag corner cases: 0, 1, -1, sign boundaries, and random. */
static uint64_t value(struct rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
		0x100000000ULL, 0x0f0f0f0f0f0f0f0fULL,
	};
	switch (below(r, 4)) {
	case 0:
		return edges[below(r, sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return below(r, 64);
	default:
		return rng_next(r);
	}
}

/* Instruction being built. */
struct ib {
	struct gen_case *c;
	struct rng *r;
	uint64_t code;
	uint8_t pfx[4];
	unsigned int npfx;
	uint8_t rex;			/* 0x40 bits, emitted when non-zero or forced */
	bool force_rex;
	uint8_t op[3];
	unsigned int nop;
	bool has_modrm;
	uint8_t modrm, sib;
	bool has_sib;
	uint8_t disp[4];
	unsigned int ndisp;
	bool riprel;
	uint64_t riprel_target;
	uint8_t imm[8];
	unsigned int nimm;
	bool mem67;			/* a memory operand or string: 16-bit code adds 67H */
	bool addr16;			/* 16-bit code with 16-bit addressing (DS, ES based at G_DATA) */
	bool reserved[16];		/* registers whose value is an address */
	unsigned int osz;
	unsigned int cpl;
	unsigned int mode;		/* 64, 32 or 16 */
};

/* Registers the mode can name: R8-R15 need REX, which only 64-bit mode has. */
static unsigned int nregs(const struct ib *b)
{
	return b->mode == 64 ? 16 : 8;
}

static void pfx(struct ib *b, uint8_t p)
{
	if (b->npfx < sizeof(b->pfx))
		b->pfx[b->npfx++] = p;
}

/* Operand size: 66 (16), REX.W (64) or neither (32); byte forms ignore it. */
static void opsize(struct ib *b, bool allow16, bool allow64)
{
	unsigned int k = below(b->r, 3);

	b->osz = b->mode == 16 ? 2 : 4;
	if (k == 1 && allow16) {
		pfx(b, 0x66);
		b->osz = b->mode == 16 ? 4 : 2;
	} else if (k == 2 && allow64 && b->mode == 64) {
		b->rex |= 8;
		b->osz = 8;
	}
}

static void opc(struct ib *b, uint8_t a)
{
	b->op[b->nop++] = a;
}

static void imm(struct ib *b, unsigned int n, uint64_t v)
{
	for (unsigned int i = 0; i < n; i++)
		b->imm[b->nimm++] = (uint8_t)(v >> (8 * i));
}

static void reserve(struct ib *b, unsigned int reg, uint64_t v)
{
	b->c->gpr[reg] = v;
	b->reserved[reg] = true;
}

/* A register not used as an address (not RSP either). */
static unsigned int free_reg(struct ib *b)
{
	for (;;) {
		unsigned int g = below(b->r, nregs(b));

		if (g != 4 && !b->reserved[g])
			return g;
	}
}

/* Where a memory operand points: the data area, rarely an unmapped or non-canonical address. */
static uint64_t data_addr(struct ib *b)
{
	unsigned int k = below(b->r, 80);

	if (k == 0)
		return 0x800000 + below(b->r, 0x1000);		/* PD[4]: not present -> #PF */
	if (k == 1)
		return 0x0000800000000000ULL + below(b->r, 0x1000);	/* non-canonical -> #GP */
	return G_DATA + 0x100 + below(b->r, 0xd00);
}

/*
 * 16-bit addressing (SDM vol. 2 table 2-1) with DS as the segment: [BX+SI],
 * [BX+DI], [SI], [DI], [BX] (+disp8/disp16) and [disp16], the offset
 * landing in the data area through DS.base = G_DATA. The BP forms would be
 * SS-relative (base 0): left out.
 */
static void modrm16(struct ib *b, unsigned int reg)
{
	static const unsigned int rms[] = { 0, 1, 4, 5, 7, 6 };
	unsigned int rm = rms[below(b->r, 6)], mod = rm == 6 ? 0 : below(b->r, 3);
	uint64_t target = 0x100 + below(b->r, 0xd00), idx = 0;
	uint16_t disp = mod == 1 ? (uint16_t)(int16_t)(int8_t)below(b->r, 256) : (uint16_t)below(b->r, 0x100);

	if (mod == 0 && rm != 6)
		disp = 0;
	if (rm <= 1) {
		idx = below(b->r, 0x80);
		reserve(b, rm ? 7 : 6, idx);
	}
	if (rm == 6) {
		disp = (uint16_t)target;
	} else {
		unsigned int base = rm <= 1 || rm == 7 ? 3 : rm == 4 ? 6 : 7;

		reserve(b, base, (uint16_t)(target - idx - disp));
	}
	b->modrm = (uint8_t)(mod << 6 | (reg & 7) << 3 | rm);
	b->disp[0] = (uint8_t)disp;
	b->disp[1] = (uint8_t)(disp >> 8);
	b->ndisp = mod == 1 ? 1 : mod == 2 || rm == 6 ? 2 : 0;
}

/* ModRM with reg = reg (0-15) and a register (rm 0-15) or memory operand. */
static void modrm(struct ib *b, unsigned int reg, bool mem, unsigned int rm)
{
	b->has_modrm = true;
	if (reg & 8)
		b->rex |= 4;
	if (!mem) {
		if (rm & 8)
			b->rex |= 1;
		b->modrm = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
		return;
	}
	b->mem67 = true;
	if (b->addr16) {
		modrm16(b, reg);
		return;
	}
	if (below(b->r, 8) == 0)
		pfx(b, below(b->r, 2) ? 0x64 : 0x65);	/* FS/GS base 1 MiB / 1.5 MiB */
	switch (below(b->r, 4)) {
	case 0: {	/* RIP-relative */
		b->modrm = (uint8_t)((reg & 7) << 3 | 5);
		b->riprel = true;
		b->riprel_target = data_addr(b);
		b->ndisp = 4;
		return;
	}
	case 1: {	/* base + index * scale + disp8 */
		unsigned int base, index, scale = below(b->r, 4);
		int8_t d = (int8_t)below(b->r, 256);

		do base = below(b->r, nregs(b)); while (base == 4 || base == 12 || b->reserved[base]);
		do index = below(b->r, nregs(b)); while (index == 4 || index == base || b->reserved[index]);
		reserve(b, index, below(b->r, 16));
		reserve(b, base, data_addr(b) - (b->c->gpr[index] << scale) - (uint64_t)(int64_t)d);
		if (base & 8)
			b->rex |= 1;
		if (index & 8)
			b->rex |= 2;
		b->modrm = (uint8_t)(0x44 | (reg & 7) << 3);
		b->has_sib = true;
		b->sib = (uint8_t)(scale << 6 | (index & 7) << 3 | (base & 7));
		b->disp[0] = (uint8_t)d;
		b->ndisp = 1;
		return;
	}
	default: {	/* base + disp8 */
		unsigned int base;
		int8_t d = (int8_t)below(b->r, 256);

		do base = below(b->r, nregs(b)); while (base == 4 || base == 12 || b->reserved[base]);
		reserve(b, base, data_addr(b) - (uint64_t)(int64_t)d);
		if (base & 8)
			b->rex |= 1;
		b->modrm = (uint8_t)(0x40 | (reg & 7) << 3 | (base & 7));
		b->disp[0] = (uint8_t)d;
		b->ndisp = 1;
		return;
	}
	}
}

/* ModRM with a random register/memory operand; reg field fixed or random. */
static void modrm_any(struct ib *b, int reg, bool mem_ok)
{
	bool mem = mem_ok && below(b->r, 2);

	modrm(b, reg >= 0 ? (unsigned int)reg : below(b->r, nregs(b)), mem, below(b->r, nregs(b)));
}

static void finish(struct ib *b)
{
	struct gen_case *c = b->c;
	unsigned int n = 0;

	/* 16-bit code: memory operands use 32-bit addressing (67H), like the register values. */
	if (b->mode == 16 && b->mem67 && !b->addr16)
		pfx(b, 0x67);
	for (unsigned int i = 0; i < b->npfx; i++)
		c->bytes[n++] = b->pfx[i];
	if ((b->rex || b->force_rex) && b->mode == 64)
		c->bytes[n++] = 0x40 | b->rex;
	for (unsigned int i = 0; i < b->nop; i++)
		c->bytes[n++] = b->op[i];
	if (b->has_modrm)
		c->bytes[n++] = b->modrm;
	if (b->has_sib)
		c->bytes[n++] = b->sib;
	if (b->riprel) {
		/* RIP-relative in 64-bit mode (from the next instruction), else an absolute disp32. */
		uint64_t next = b->mode == 64 ? b->code + n + 4 + b->nimm : 0;
		uint32_t d = (uint32_t)(b->riprel_target - next);

		memcpy(c->bytes + n, &d, 4);
		n += 4;
	} else {
		for (unsigned int i = 0; i < b->ndisp; i++)
			c->bytes[n++] = b->disp[i];
	}
	for (unsigned int i = 0; i < b->nimm; i++)
		c->bytes[n++] = b->imm[i];
	c->len = n;
}

static unsigned int immz(const struct ib *b)
{
	return b->osz == 2 ? 2 : 4;
}

/* ---- groups ---- */

static void g_alu(struct ib *b)
{
	unsigned int op = below(b->r, 8), form = below(b->r, 6);
	bool byte = !(form & 1);

	if (!byte || form >= 4)
		opsize(b, true, true);
	if (form < 2 && op != 7 && below(b->r, 4) == 0) {
		pfx(b, 0xf0);	/* LOCK: meaningful with a memory destination */
		opc(b, (uint8_t)(op << 3 | form));
		modrm(b, below(b->r, nregs(b)), true, 0);
		return;
	}
	opc(b, (uint8_t)(op << 3 | form));
	if (form < 4)
		modrm_any(b, -1, true);
	else
		imm(b, form == 4 ? 1 : immz(b), rng_next(b->r));
}

static void g_alu_imm(struct ib *b)
{
	static const uint8_t ops[] = { 0x80, 0x81, 0x83 };
	uint8_t op = ops[below(b->r, 3)];

	if (op != 0x80)
		opsize(b, true, true);
	if (below(b->r, 5) == 0)
		pfx(b, 0xf0);
	opc(b, op);
	if (b->npfx && b->pfx[b->npfx - 1] == 0xf0)
		modrm(b, below(b->r, 7), true, 0);
	else
		modrm_any(b, (int)below(b->r, 8), true);
	imm(b, op == 0x81 ? immz(b) : 1, rng_next(b->r));
}

/* FE/FF /0 INC, /1 DEC; F6/F7 /2 NOT, /3 NEG. */
static void g_incdec_negnot(struct ib *b)
{
	bool w = below(b->r, 2);
	unsigned int k = below(b->r, 4);

	if (w)
		opsize(b, true, true);
	if (b->mode != 64 && below(b->r, 3) == 0) {
		opc(b, (uint8_t)(0x40 + below(b->r, 16)));	/* INC/DEC r outside 64-bit mode */
		return;
	}
	opc(b, k < 2 ? (w ? 0xff : 0xfe) : (w ? 0xf7 : 0xf6));
	if (below(b->r, 5) == 0) {
		pfx(b, 0xf0);
		modrm(b, k, true, 0);
		return;
	}
	modrm_any(b, (int)k, true);
}

static void g_test(struct ib *b)
{
	unsigned int k = below(b->r, 3);
	bool w = below(b->r, 2);

	if (w)
		opsize(b, true, true);
	if (k == 0) {
		opc(b, w ? 0x85 : 0x84);
		modrm_any(b, -1, true);
	} else if (k == 1) {
		opc(b, w ? 0xf7 : 0xf6);
		modrm_any(b, 0, true);
		imm(b, w ? immz(b) : 1, rng_next(b->r));
	} else {
		opc(b, w ? 0xa9 : 0xa8);
		imm(b, w ? immz(b) : 1, rng_next(b->r));
	}
}

static void g_shift(struct ib *b)
{
	static const uint8_t ops[] = { 0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3 };
	uint8_t op = ops[below(b->r, 6)];

	if (op & 1)
		opsize(b, true, true);
	opc(b, op);
	modrm_any(b, (int)below(b->r, 8), true);
	if (op <= 0xc1)
		imm(b, 1, below(b->r, 3) ? below(b->r, 70) : rng_next(b->r));
	if (!b->reserved[1])
		b->c->gpr[1] = below(b->r, 3) ? below(b->r, 70) : rng_next(b->r);
}

static void g_shxd(struct ib *b)
{
	static const uint8_t ops[] = { 0xa4, 0xa5, 0xac, 0xad };
	uint8_t op = ops[below(b->r, 4)];

	opsize(b, true, true);
	opc(b, 0x0f);
	opc(b, op);
	modrm_any(b, -1, true);
	if (!(op & 1))
		imm(b, 1, below(b->r, b->osz * 8 + 1));
	if (!b->reserved[1])
		b->c->gpr[1] = below(b->r, b->osz * 8 + 1) | (below(b->r, 2) ? 0x40 : 0);
}

static void g_muldiv(struct ib *b)
{
	bool w = below(b->r, 2);
	unsigned int sub = 4 + below(b->r, 4);

	if (w)
		opsize(b, true, true);
	opc(b, w ? 0xf7 : 0xf6);
	modrm_any(b, (int)sub, true);
	if (sub >= 6 && below(b->r, 2)) {
		/* keep the quotient in range most of the time */
		b->c->gpr[2] = below(b->r, 4);
		if (!w)
			b->c->gpr[0] &= 0x3ff;
	}
}

static void g_imul(struct ib *b)
{
	unsigned int k = below(b->r, 3);

	opsize(b, true, true);
	if (k == 0) {
		opc(b, 0x0f);
		opc(b, 0xaf);
		modrm_any(b, -1, true);
	} else {
		opc(b, k == 1 ? 0x69 : 0x6b);
		modrm_any(b, -1, true);
		imm(b, k == 1 ? immz(b) : 1, rng_next(b->r));
	}
}

static void g_mov(struct ib *b)
{
	unsigned int k = below(b->r, 8);

	switch (k) {
	case 7:
		/*
		 * MOV r/m, Sreg. At CPL 3 this host runs the guest with its own
		 * selectors (PVM), so only CPL 0 can check it; and KVM's emulator
		 * stores 8 bytes for a REX.W memory destination (em_mov_rm_sreg
		 * shortens only 4 to 2), where the SDM stores 16 bits.
		 */
		if (b->cpl == 3) {
			b->c->rflags |= 1;
			opc(b, 0xf5);	/* CMC instead */
			break;
		}
		opsize(b, true, b->mode == 64 && below(b->r, 2));
		opc(b, 0x8c);
		modrm_any(b, (int)below(b->r, 6), b->osz != 8);
		break;
	case 0:
	case 1:
		opsize(b, true, true);
		opc(b, (uint8_t)(0x88 + below(b->r, 4)));
		modrm_any(b, -1, true);
		break;
	case 2:
		opsize(b, true, true);
		opc(b, below(b->r, 2) ? 0xc7 : 0xc6);
		modrm_any(b, 0, true);
		imm(b, b->op[0] == 0xc7 ? immz(b) : 1, rng_next(b->r));
		break;
	case 3: {
		unsigned int reg = below(b->r, nregs(b));

		opsize(b, true, true);
		if (reg & 8)
			b->rex |= 1;
		if (below(b->r, 2)) {
			opc(b, (uint8_t)(0xb0 + (reg & 7)));
			imm(b, 1, rng_next(b->r));
		} else {
			opc(b, (uint8_t)(0xb8 + (reg & 7)));
			imm(b, b->osz, rng_next(b->r));
		}
		break;
	}
	case 4:
		opsize(b, true, true);
		opc(b, 0x8d);		/* LEA */
		modrm(b, below(b->r, nregs(b)), true, 0);
		if (below(b->r, 3) == 0 && b->mode == 64)
			pfx(b, 0x67);
		break;
	case 5:
		opsize(b, true, true);
		opc(b, 0x0f);
		opc(b, (uint8_t)(0xb6 + below(b->r, 2) + 8 * below(b->r, 2)));
		modrm_any(b, -1, true);
		break;
	default:
		if (b->mode != 64) {	/* 63 is ARPL there */
			opsize(b, true, false);
			opc(b, 0x0f);
			opc(b, 0xb6);
			modrm_any(b, -1, true);
			break;
		}
		b->rex |= below(b->r, 2) ? 8 : 0;
		b->osz = (b->rex & 8) ? 8 : 4;
		opc(b, 0x63);		/* MOVSXD */
		modrm_any(b, -1, true);
		break;
	}
}

static void g_moffs(struct ib *b)
{
	opsize(b, true, true);
	opc(b, (uint8_t)(0xa0 + below(b->r, 4)));
	b->mem67 = true;
	imm(b, b->mode == 64 ? 8 : b->addr16 ? 2 : 4, data_addr(b) - (b->addr16 ? G_DATA : 0));
}

static void g_cmov_set(struct ib *b)
{
	opc(b, 0x0f);
	if (below(b->r, 2)) {
		opsize(b, true, true);
		opc(b, (uint8_t)(0x40 + below(b->r, 16)));
		modrm_any(b, -1, true);
	} else {
		opc(b, (uint8_t)(0x90 + below(b->r, 16)));
		modrm_any(b, 0, true);
	}
}

static void g_xchg(struct ib *b)
{
	unsigned int k = below(b->r, 3);

	opsize(b, true, true);
	if (k == 0) {
		unsigned int reg = below(b->r, nregs(b));

		if (reg & 8)
			b->rex |= 1;
		opc(b, (uint8_t)(0x90 + (reg & 7)));
		if (!reg)
			b->rex |= 1;	/* 90 without REX.B is NOP */
	} else {
		opc(b, k == 1 ? 0x86 : 0x87);
		modrm_any(b, -1, true);
	}
}

static void g_cmpxchg_xadd(struct ib *b)
{
	bool w = below(b->r, 2);

	if (w)
		opsize(b, true, true);
	if (below(b->r, 3) == 0)
		pfx(b, 0xf0);
	opc(b, 0x0f);
	opc(b, (uint8_t)((below(b->r, 2) ? 0xb0 : 0xc0) + w));
	/*
	 * A 32-bit CMPXCHG to a register that does not match: KVM's emulator
	 * zero-extends the destination, silicon leaves it. Register forms of
	 * CMPXCHG therefore only run in 64-bit mode at CPL 3.
	 */
	if ((b->npfx && b->pfx[b->npfx - 1] == 0xf0) || ((b->cpl == 0 || b->mode != 64) && b->op[1] <= 0xb1))
		modrm(b, below(b->r, nregs(b)), true, 0);
	else
		modrm_any(b, -1, true);
	if (below(b->r, 2) && !b->reserved[0])
		b->c->gpr[0] = 0;	/* often equal to a zero destination */
}

static void g_bt(struct ib *b)
{
	static const uint8_t ops[] = { 0xa3, 0xab, 0xb3, 0xbb };

	opsize(b, true, true);
	opc(b, 0x0f);
	if (below(b->r, 2)) {
		unsigned int reg;

		opc(b, ops[below(b->r, 4)]);
		reg = free_reg(b);
		modrm_any(b, (int)reg, true);
		if (b->modrm < 0xc0)
			b->c->gpr[reg] = (uint64_t)((int64_t)below(b->r, 1024) - 512);
	} else {
		opc(b, 0xba);
		modrm_any(b, (int)(4 + below(b->r, 4)), true);
		imm(b, 1, rng_next(b->r));
	}
	if (b->op[1] != 0xa3 && b->op[1] != 0xba && b->modrm < 0xc0 && below(b->r, 4) == 0) {
		memmove(b->pfx + 1, b->pfx, b->npfx);
		b->pfx[0] = 0xf0;
		b->npfx++;
	}
}

static void g_bsf(struct ib *b)
{
	opsize(b, true, true);
	opc(b, 0x0f);
	opc(b, below(b->r, 2) ? 0xbc : 0xbd);
	modrm_any(b, -1, true);
	/*
	 * A zero source leaves a 32-bit destination whole on silicon; KVM's
	 * emulator zero-extends it (em_bsf writes it back). Where the emulator
	 * is the reference, a 32-bit register source is never zero.
	 */
	if ((b->cpl == 0 || b->mode != 64) && b->osz == 4 && b->modrm >= 0xc0) {
		unsigned int rm = (b->modrm & 7) | ((b->rex & 1) ? 8 : 0);

		if (!b->reserved[rm])
			b->c->gpr[rm] |= 1ULL << below(b->r, 32);
	}
}

static void g_convert(struct ib *b)
{
	opsize(b, true, true);
	opc(b, below(b->r, 2) ? 0x98 : 0x99);
}

static void set_stack(struct ib *b)
{
	reserve(b, 4, G_STACK + 0x800 + 8 * below(b->r, 64) + (below(b->r, 8) == 0 ? below(b->r, 8) : 0));
}

static void g_pushpop(struct ib *b)
{
	unsigned int k = below(b->r, 5), reg;

	set_stack(b);
	if (below(b->r, 3) == 0)
		pfx(b, 0x66);
	switch (k) {
	case 0:
	case 1:
		reg = below(b->r, nregs(b));
		if (reg & 8)
			b->rex |= 1;
		opc(b, (uint8_t)((k ? 0x58 : 0x50) + (reg & 7)));
		break;
	case 2:
		opc(b, below(b->r, 2) ? 0x68 : 0x6a);
		/* 68: imm16 with a 16-bit operand size (66H in 32/64-bit code, none in 16-bit code) */
		imm(b, b->op[0] == 0x68 ? ((b->npfx != 0) == (b->mode != 16) ? 2 : 4) : 1, rng_next(b->r));
		break;
	case 3:
		opc(b, 0xff);
		modrm_any(b, 6, true);
		break;
	default:
		opc(b, 0x8f);
		modrm_any(b, 0, true);
		break;
	}
}

static void g_pushf(struct ib *b)
{
	set_stack(b);
	opc(b, below(b->r, 2) ? 0x9c : 0x9d);
	if (below(b->r, 4) == 0)
		pfx(b, 0x66);
	b->c->stack_val_set = true;
	b->c->stack_val = rng_next(b->r) & ~0x100ULL;	/* TF would trap after the next instruction */
	/* CPL 3 code here does not always keep NT (measured: once in seven runs of the 3000 cases). */
	if (b->cpl == 3)
		b->c->stack_val &= ~0x4000ULL;
}

/* A branch displacement that never lands inside the instruction itself (no self-loops). */
static uint64_t rel_disp(struct ib *b, bool rel8)
{
	int32_t v = rel8 ? (int8_t)below(b->r, 256) : (int32_t)below(b->r, 0x600) - 0x300;

	if (v < 0 && v > -16)
		v -= 16;
	return (uint64_t)(int64_t)v;
}

static uint64_t code_target(struct ib *b)
{
	uint64_t t = G_CODE + below(b->r, 0x1000);

	return t >= b->code && t < b->code + 16 ? t + 16 : t;
}

static void g_nop(struct ib *b);

static void g_branch(struct ib *b)
{
	unsigned int k = below(b->r, 9);

	if (b->mode == 16) {	/* the code sits above 64 KiB: 16-bit targets cannot reach it */
		g_nop(b);
		return;
	}

	set_stack(b);
	switch (k) {
	case 0:
		opc(b, (uint8_t)(0x70 + below(b->r, 16)));
		imm(b, 1, rel_disp(b, true));
		break;
	case 1:
		opc(b, 0x0f);
		opc(b, (uint8_t)(0x80 + below(b->r, 16)));
		imm(b, 4, rel_disp(b, false));
		break;
	case 2:
		opc(b, below(b->r, 2) ? 0xe8 : 0xe9);
		imm(b, 4, rel_disp(b, false));
		break;
	case 3:
		opc(b, 0xeb);
		imm(b, 1, rel_disp(b, true));
		break;
	case 4:
		opc(b, below(b->r, 2) ? 0xc3 : 0xc2);
		if (b->op[0] == 0xc2)
			imm(b, 2, below(b->r, 64));
		b->c->stack_val_set = true;
		b->c->stack_val = code_target(b);
		break;
	case 5: {
		unsigned int reg = free_reg(b);

		opc(b, 0xff);
		modrm(b, below(b->r, 2) ? 2 : 4, false, reg);
		reserve(b, reg, code_target(b));
		break;
	}
	case 6:
		opc(b, (uint8_t)(0xe0 + below(b->r, 4)));
		imm(b, 1, rel_disp(b, true));
		reserve(b, 1, below(b->r, 3) == 0 ? 0x100000000ULL * below(b->r, 2) : below(b->r, 3));
		if (below(b->r, 4) == 0)
			pfx(b, 0x67);
		break;
	case 7:
		/*
		 * ENTER. KVM's emulator (arch/x86/kvm/emulate.c, em_enter) refuses a
		 * nesting level above 0 and pushes RBP with the stack size, not the
		 * operand size: those forms only run in 64-bit mode at CPL 3, on
		 * silicon (compatibility-mode code is emulated at every CPL here).
		 */
		opc(b, 0xc8);
		imm(b, 2, below(b->r, 0x100));
		imm(b, 1, b->cpl == 3 && b->mode == 64 ? (below(b->r, 2) ? below(b->r, 2) : below(b->r, 40)) : 0);
		if (b->cpl == 3)	/* frames to copy: RBP in the stack page */
			reserve(b, 5, G_STACK + 0x900 + 8 * below(b->r, 64));
		if (b->cpl == 3 && b->mode == 64 && below(b->r, 4) == 0)
			pfx(b, 0x66);
		break;
	default:
		opc(b, 0xc9);		/* LEAVE */
		reserve(b, 5, G_STACK + 0x800 + 8 * below(b->r, 64));
		break;
	}
}

static void g_string(struct ib *b)
{
	static const uint8_t ops[] = { 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	uint8_t op = ops[below(b->r, 10)];
	unsigned int k = below(b->r, 3);

	if (op & 1)
		opsize(b, true, true);
	if (k == 1)
		pfx(b, 0xf3);
	else if (k == 2)
		pfx(b, 0xf2);
	if (below(b->r, 6) == 0)
		pfx(b, below(b->r, 2) ? 0x64 : 0x65);
	opc(b, op);
	b->mem67 = true;
	reserve(b, 6, G_DATA + 0x800 + below(b->r, 0x400));
	reserve(b, 7, G_DATA + 0x2000 + below(b->r, 0x400));
	reserve(b, 1, below(b->r, 20) | (below(b->r, 8) == 0 ? 0x100000000ULL : 0));
	if (below(b->r, 8) == 0)
		b->c->rflags |= 0x400;	/* DF */
}

static void g_nop(struct ib *b)
{
	/* KVM's emulator has no ENDBR, PREFETCHh or 0F 1C-1E: those run on silicon only. */
	switch (below(b->r, b->cpl == 3 && b->mode == 64 ? 6 : 4)) {
	case 4:
		pfx(b, 0xf3);		/* ENDBR64 / ENDBR32 */
		opc(b, 0x0f);
		opc(b, 0x1e);
		b->has_modrm = true;
		b->modrm = below(b->r, 2) ? 0xfa : 0xfb;
		return;
	case 5:
		opc(b, 0x0f);		/* PREFETCHh, reserved NOPs */
		opc(b, (uint8_t)(0x18 + (below(b->r, 2) ? 0 : 4 + below(b->r, 4))));
		modrm_any(b, (int)below(b->r, 4), true);
		return;
	case 0:
		opc(b, 0x90);
		break;
	case 1:
		pfx(b, 0x66);
		opc(b, 0x90);
		break;
	case 2:
		pfx(b, 0xf3);
		opc(b, 0x90);
		break;
	default:
		opsize(b, true, false);
		opc(b, 0x0f);
		opc(b, 0x1f);
		modrm_any(b, 0, true);
		break;
	}
}

static void g_flags(struct ib *b)
{
	static const uint8_t ops[] = { 0xf5, 0xf8, 0xf9, 0xfc, 0xfd, 0x9e, 0x9f, 0xfa, 0xfb };

	opc(b, ops[below(b->r, 9)]);
	if (below(b->r, 4) == 0)
		b->force_rex = true;
}

static void g_bswap_xlat(struct ib *b)
{
	if (below(b->r, 4) == 0) {
		opc(b, 0xd7);
		b->mem67 = true;
		reserve(b, 3, G_DATA + below(b->r, 0x1000));
		return;
	}
	b->rex |= below(b->r, 2) ? 8 : 0;
	b->rex |= below(b->r, 2) ? 1 : 0;
	opc(b, 0x0f);
	opc(b, (uint8_t)(0xc8 + below(b->r, 8)));
}

/* ---- system groups: the state is compared where both reach a handler (a stub) or a HLT ---- */

static void stack_put(struct ib *b, unsigned int size, uint64_t v)
{
	if (b->c->nstack + size <= sizeof(b->c->stack)) {
		memcpy(b->c->stack + b->c->nstack, &v, size);
		b->c->nstack += size;
	}
}

/* A code selector for a far transfer: mostly valid for cpl, sometimes (with bad) one that faults. */
static uint16_t code_sel(struct ib *b, unsigned int cpl, bool bad_ok)
{
	static const uint16_t bad[] = { 0, SEL_DATA0, SEL_CODE0 | 3, SEL_CODE3 & ~3u, 0x30, SEL_TSS };

	if (bad_ok && below(b->r, 6) == 0)
		return bad[below(b->r, sizeof(bad) / sizeof(bad[0]))];
	return cpl ? SEL_CODE3 : SEL_CODE0;
}

/*
 * IRETQ in 64-bit mode: to the same level or (from CPL 0) to CPL 3, with
 * RFLAGS that the host can give CPL 3 code (IF set, IOPL 0, no TF, AC).
 * Left out, because this host's reference differs from the SDM there
 * (docs/interpreter.md): IRETD in 64-bit mode, and frames with a bad CS or SS.
 */
static void g_iret(struct ib *b)
{
	unsigned int to = b->cpl ? 3 : below(b->r, 2) ? 3 : 0;
	uint64_t fl = 0x2 | (rng_next(b->r) & 0x8d5) | (to == 3 || below(b->r, 2) ? 0x200 : 0);

	if (b->mode != 64) {
		g_nop(b);
		return;
	}
	b->c->to_handler = true;
	reserve(b, 4, G_STACK + 0x400 + 8 * below(b->r, 32));
	b->rex |= 8;
	opc(b, 0xcf);
	stack_put(b, 8, code_target(b));
	stack_put(b, 8, code_sel(b, to, false));
	stack_put(b, 8, fl);
	stack_put(b, 8, G_STACK + 0x100 + 8 * below(b->r, 32));
	stack_put(b, 8, to ? SEL_DATA3 : below(b->r, 4) ? SEL_DATA0 : 0);
}

/*
 * CPL 0: SYSCALL, SYSRETQ (RCX sometimes non-canonical); CPL 3: SYSRETQ and
 * SWAPGS (#GP). Left out, as this host differs there (docs/interpreter.md):
 * SYSCALL at CPL 3, SYSRET to 32-bit code, SWAPGS at CPL 0.
 */
static void g_syscall(struct ib *b)
{
	unsigned int k = below(b->r, 2);

	if (b->mode != 64) {
		g_nop(b);
		return;
	}
	b->c->to_handler = true;
	if (b->cpl)
		k = k ? 1 : 2;
	switch (k) {
	case 0:
		opc(b, 0x0f);
		opc(b, 0x05);
		break;
	case 1:
		b->rex |= 8;
		reserve(b, 1, below(b->r, 8) ? code_target(b) : 0x0000800000000000ULL + G_CODE);
		reserve(b, 11, 0x202 | (rng_next(b->r) & 0x8d5));
		opc(b, 0x0f);
		opc(b, 0x07);
		break;
	default:
		opc(b, 0x0f);
		opc(b, 0x01);
		opc(b, 0xf8);
		break;
	}
}

/*
 * Far JMP and CALL through m16:32 or m16:64 at [RSP], far RET (with an
 * immediate), at CPL 0: at CPL 3 this host runs the guest on its own
 * descriptor tables (docs/interpreter.md).
 */
static void g_far(struct ib *b)
{
	unsigned int k = below(b->r, 3), size = below(b->r, 3) ? 4 : 8;

	if (b->mode != 64 || b->cpl) {
		g_nop(b);
		return;
	}
	b->c->to_handler = true;
	reserve(b, 4, G_STACK + 0x400 + 8 * below(b->r, 32));
	if (size == 8)
		b->rex |= 8;
	if (k < 2) {
		opc(b, 0xff);
		b->has_modrm = b->has_sib = true;
		b->modrm = k ? 0x1c : 0x2c;		/* /3 CALL, /5 JMP, [RSP] */
		b->sib = 0x24;
	} else if (below(b->r, 2)) {
		opc(b, 0xcb);
	} else {
		opc(b, 0xca);
		imm(b, 2, 8 * below(b->r, 4));
	}
	stack_put(b, size, code_target(b));
	stack_put(b, k < 2 ? 2 : size, code_sel(b, b->cpl, true));
}

/*
 * MOV to DS, ES, SS or FS from a register or memory, POP FS/GS, PUSH FS/GS,
 * with selectors valid and not (null, a DPL 3 segment for SS, code, beyond
 * the GDT, the TSS), at CPL 0: at CPL 3 the host uses its own selectors.
 * A null FS/GS in 64-bit mode falls back (the base differs by vendor).
 */
static void g_sreg(struct ib *b)
{
	static const uint16_t sels[] = { SEL_DATA0, SEL_DATA0, SEL_DATA3, 0, SEL_CODE0, SEL_CODE3, 0x30,
					 SEL_TSS, SEL_DATA0 | 3 };
	uint16_t sel = sels[below(b->r, sizeof(sels) / sizeof(sels[0]))];
	unsigned int k = below(b->r, 3);

	if (b->mode != 64 || b->cpl) {
		g_nop(b);
		return;
	}
	b->c->to_handler = b->c->cmp_sregs = true;
	set_stack(b);
	if (k == 0) {
		static const unsigned int regs[] = { 0, 2, 3, 4 };	/* ES SS DS FS */
		unsigned int sreg = regs[below(b->r, 4)], src = free_reg(b);

		opc(b, 0x8e);
		reserve(b, src, (rng_next(b->r) & ~0xffffULL) | sel);
		modrm(b, sreg, false, src);
	} else {
		opc(b, 0x0f);
		opc(b, (uint8_t)((below(b->r, 2) ? 0xa0 : 0xa8) | (k == 1)));
		if (below(b->r, 4) == 0)
			pfx(b, 0x66);
		b->c->stack_val_set = true;
		b->c->stack_val = sel;
	}
}

static const struct group {
	const char *name;
	void (*gen)(struct ib *b);
} groups[] = {
	{ "alu", g_alu },
	{ "alu-imm", g_alu_imm },
	{ "inc-dec-neg-not", g_incdec_negnot },
	{ "test", g_test },
	{ "shift-rotate", g_shift },
	{ "shld-shrd", g_shxd },
	{ "mul-div", g_muldiv },
	{ "imul", g_imul },
	{ "mov-lea-movx", g_mov },
	{ "mov-moffs", g_moffs },
	{ "cmov-setcc", g_cmov_set },
	{ "xchg", g_xchg },
	{ "cmpxchg-xadd", g_cmpxchg_xadd },
	{ "bt", g_bt },
	{ "bsf-bsr", g_bsf },
	{ "cbw-cwd", g_convert },
	{ "push-pop", g_pushpop },
	{ "pushf-popf", g_pushf },
	{ "branch", g_branch },
	{ "string", g_string },
	{ "nop", g_nop },
	{ "flag-ops", g_flags },
	{ "bswap-xlat", g_bswap_xlat },
	{ "iret", g_iret },
	{ "syscall-sysret", g_syscall },
	{ "far", g_far },
	{ "segment-load", g_sreg },
};

unsigned int gen_ngroups(void)
{
	return sizeof(groups) / sizeof(groups[0]);
}

const char *gen_group_name(unsigned int i)
{
	return groups[i].name;
}

void gen_case(struct rng *r, unsigned int i, uint64_t code_addr, unsigned int cpl, unsigned int mode,
	      struct gen_case *c)
{
	struct ib b;

	memset(c, 0, sizeof(*c));
	memset(&b, 0, sizeof(b));
	b.c = c;
	b.r = r;
	b.code = code_addr;
	b.cpl = cpl;
	b.mode = mode;
	b.addr16 = mode == 16 && below(r, 2);
	b.osz = mode == 16 ? 2 : 4;
	c->group = groups[i].name;
	for (unsigned int g = 0; g < 16; g++)
		c->gpr[g] = value(r);
	c->gpr[4] = G_STACK + 0x800;
	/* Arithmetic flags random, DF clear, IF clear (no interrupts to take), bit 1 set. */
	c->rflags = 0x2 | (rng_next(r) & 0x8d5);
	c->rflags &= ~0x400ULL;
	b.reserved[4] = true;
	groups[i].gen(&b);
	finish(&b);
}
