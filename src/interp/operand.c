// SPDX-License-Identifier: GPL-2.0-only
/*
 * Operands of the interpreted instruction: prefixes and operand/address
 * sizes (SDM vol. 2 2.1-2.2, table 3-3/3-4), ModRM/SIB effective addresses
 * (tables 2-1 to 2-3, RIP-relative 2.2.1.6), registers (byte registers
 * without REX are AH..BH, 3.4.1.1 zero-extends 32-bit results), the
 * LOCK-prefixed read-modify-write, the stack and near branch targets.
 */
#include "interp/internal.h"

#include <string.h>

int dec_prefixes(struct ictx *x)
{
	struct insn *in = &x->in;
	bool p67 = false;

	in->seg = -1;
	for (; in->pos < in->len; in->pos++) {
		uint8_t c = in->b[in->pos];

		if (x86_is_legacy_prefix(c)) {
			in->rex = 0;	/* a REX prefix counts only right before the opcode (SDM 2.2.1) */
			switch (c) {
			case 0x26: in->seg = INTERP_ES; break;
			case 0x2e: in->seg = INTERP_CS; break;
			case 0x36: in->seg = INTERP_SS; break;
			case 0x3e: in->seg = INTERP_DS; break;
			case 0x64: in->seg = INTERP_FS; break;
			case 0x65: in->seg = INTERP_GS; break;
			case 0x66: in->p66 = true; break;
			case 0x67: p67 = true; break;
			case 0xf0: in->lock = true; break;
			case 0xf2: in->repne = true; in->rep = false; break;
			default: in->rep = true; in->repne = false; break;
			}
		} else if (in->mode == 64 && (c & 0xf0) == 0x40) {
			in->rex = c;
		} else {
			break;
		}
	}
	/* SDM vol. 1 3.3.7: ES, CS, SS and DS overrides are ignored in 64-bit mode. */
	if (in->mode == 64 && in->seg >= 0 && in->seg != INTERP_FS && in->seg != INTERP_GS)
		in->seg = -1;
	if (in->mode == 64) {
		in->osz = (in->rex & 8) ? 8 : in->p66 ? 2 : 4;
		in->asz = p67 ? 4 : 8;
	} else if (in->mode == 32) {
		in->osz = in->p66 ? 2 : 4;
		in->asz = p67 ? 2 : 4;
	} else {
		in->osz = in->p66 ? 4 : 2;
		in->asz = p67 ? 4 : 2;
	}
	if (in->pos >= in->len)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	in->op = in->b[in->pos++];
	if (in->op == 0x0f) {
		if (in->pos >= in->len)
			return ie_fallback(x, INTERP_FB_UNDEFINED);
		in->map0f = true;
		in->op = in->b[in->pos++];
	}
	return 0;
}

static int dec_bytes(struct ictx *x, unsigned int size, uint64_t *v)
{
	struct insn *in = &x->in;

	*v = 0;
	if (in->pos + size > in->len)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	memcpy(v, in->b + in->pos, size);
	in->pos += size;
	*v = sext(*v, size);
	return 0;
}

int dec_imm(struct ictx *x, unsigned int size, uint64_t *v)
{
	return dec_bytes(x, size, v);
}

/* SDM vol. 2 table 2-1: 16-bit addressing forms. */
static int ea16(struct ictx *x, unsigned int mod, unsigned int rm)
{
	static const int8_t base[8] = { INTERP_RBX, INTERP_RBX, INTERP_RBP, INTERP_RBP,
					 -1, -1, INTERP_RBP, INTERP_RBX };
	static const int8_t index[8] = { INTERP_RSI, INTERP_RDI, INTERP_RSI, INTERP_RDI,
					  INTERP_RSI, INTERP_RDI, -1, -1 };
	struct insn *in = &x->in;
	uint64_t ea = 0, disp = 0;

	if (mod == 1)
		TRY(dec_bytes(x, 1, &disp));
	else if (mod == 2 || (mod == 0 && rm == 6))
		TRY(dec_bytes(x, 2, &disp));
	if (!(mod == 0 && rm == 6)) {
		if (base[rm] >= 0)
			ea += x->c->gpr[base[rm]];
		if (index[rm] >= 0)
			ea += x->c->gpr[index[rm]];
		in->eseg = base[rm] == INTERP_RBP ? INTERP_SS : INTERP_DS;
	}
	in->ea = (ea + disp) & 0xffff;
	return 0;
}

/* SDM vol. 2 tables 2-2, 2-3 and 2.2.1: 32/64-bit forms, SIB, RIP-relative. */
static int ea32(struct ictx *x, unsigned int mod, unsigned int rm)
{
	struct insn *in = &x->in;
	uint64_t ea = 0, disp = 0;
	int basereg = -1;

	if (rm == 4) {
		uint64_t sib;
		unsigned int idx, b;

		TRY(dec_bytes(x, 1, &sib));
		sib &= 0xff;
		idx = ((sib >> 3) & 7) | ((in->rex & 2) ? 8 : 0);
		b = (sib & 7) | ((in->rex & 1) ? 8 : 0);
		if (idx != 4)
			ea += x->c->gpr[idx] << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0)
			TRY(dec_bytes(x, 4, &disp));
		else
			basereg = (int)b;
	} else if (rm == 5 && mod == 0) {
		TRY(dec_bytes(x, 4, &disp));
		if (in->mode == 64)
			ea = x->c->rip + in->len;	/* RIP-relative: from the next instruction */
	} else {
		basereg = (int)(rm | ((in->rex & 1) ? 8 : 0));
	}
	if (mod == 1)
		TRY(dec_bytes(x, 1, &disp));
	else if (mod == 2)
		TRY(dec_bytes(x, 4, &disp));
	if (basereg >= 0) {
		ea += x->c->gpr[basereg];
		if (basereg == INTERP_RSP || basereg == INTERP_RBP)
			in->eseg = INTERP_SS;
	}
	in->ea = (ea + disp) & mem_mask(in->asz);
	return 0;
}

int dec_modrm(struct ictx *x)
{
	struct insn *in = &x->in;
	unsigned int m;

	if (in->pos >= in->len)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	m = in->b[in->pos++];
	in->has_modrm = true;
	in->mod = m >> 6;
	in->reg = ((m >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
	in->rm = m & 7;
	in->eseg = INTERP_DS;
	if (in->mod == 3) {
		in->rm |= (in->rex & 1) ? 8 : 0;
		in->is_mem = false;
		return 0;
	}
	in->is_mem = true;
	TRY(in->asz == 2 ? ea16(x, in->mod, in->rm) : ea32(x, in->mod, in->rm));
	if (in->seg >= 0)
		in->eseg = in->seg;
	return 0;
}

/*
 * The locked operand is read and written with one compare-and-swap at
 * commit (SDM vol. 3 9.1.2.2); it must lie in one page and, so that the
 * host never takes a split lock, in one cache line.
 */
static int lock_operand(struct ictx *x, const struct xlat *t, unsigned int size)
{
	if (t->n0 != size || ((uintptr_t)t->p[0] & 63) + size > 64)
		return ie_fallback(x, INTERP_FB_SPLIT_LOCK);
	return 0;
}

int rm_read(struct ictx *x, unsigned int size, uint64_t *v)
{
	struct xlat t;

	if (!x->in.is_mem) {
		*v = reg_get(x, x->in.rm, size);
		return 0;
	}
	if (!x->locked)
		return mem_read(x, x->in.eseg, x->in.ea, size, v);
	TRY(mem_read_x(x, x->in.eseg, x->in.ea, size, v, &t));
	TRY(lock_operand(x, &t, size));
	x->lock_p = t.p[0];
	x->lock_size = size;
	x->lock_old = *v;
	x->lock_read = true;
	return 0;
}

/* The r/m operand of a read-modify-write: only that read has write intent. */
int rm_read_rmw(struct ictx *x, unsigned int size, uint64_t *v)
{
	int r;

	x->rmw = true;
	r = rm_read(x, size, v);
	x->rmw = false;
	return r;
}

int rm_write(struct ictx *x, unsigned int size, uint64_t v)
{
	struct xlat t;

	if (!x->in.is_mem) {
		reg_set(x, x->in.rm, size, v);
		return 0;
	}
	if (!x->locked)
		return mem_write(x, x->in.eseg, x->in.ea, size, v);
	TRY(mem_write_x(x, x->in.eseg, x->in.ea, size, &t));
	if (!x->lock_read || t.p[0] != x->lock_p || x->lock_size != size)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	x->lock_new = v & mem_mask(size);
	x->lock_pending = true;
	return 0;
}

unsigned int stack_size(const struct ictx *x)
{
	if (x->in.mode == 64)
		return 8;
	return x->c->seg[INTERP_SS].db ? 4 : 2;
}

int push(struct ictx *x, unsigned int size, uint64_t v)
{
	unsigned int ss = stack_size(x);
	uint64_t sp = (x->c->gpr[INTERP_RSP] - size) & mem_mask(ss);

	TRY(mem_write(x, INTERP_SS, sp, size, v));
	reg_set(x, INTERP_RSP, ss, sp);
	return 0;
}

int pop(struct ictx *x, unsigned int size, uint64_t *v)
{
	unsigned int ss = stack_size(x);
	uint64_t sp = x->c->gpr[INTERP_RSP] & mem_mask(ss);

	TRY(mem_read(x, INTERP_SS, sp, size, v));
	reg_set(x, INTERP_RSP, ss, sp + size);
	return 0;
}

/*
 * A near branch: the target wraps to the operand size; it must be canonical
 * in 64-bit mode and within CS.limit elsewhere, or #GP(0) at the branch
 * (SDM vol. 2 JMP, "Protected Mode Exceptions").
 */
int set_rip(struct ictx *x, uint64_t target, unsigned int size)
{
	target &= mem_mask(size);
	if (x->in.mode == 64) {
		unsigned int bits = (x->c->cr4 & CR4_LA57) ? 57 : 48;

		if ((uint64_t)((int64_t)(target << (64 - bits)) >> (64 - bits)) != target)
			return ie_fault(x, X86_GP, true, 0);
	} else if (target > x->c->seg[INTERP_CS].limit) {
		return ie_fault(x, X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);
	}
	x->c->rip = target;
	return 0;
}
