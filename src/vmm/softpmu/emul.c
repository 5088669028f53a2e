// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/emul.h"

#include <errno.h>
#include <string.h>

#include "common/x86.h"

#define RFLAGS_TF	(1ULL << 8)
#define RFLAGS_IF	(1ULL << 9)
#define RFLAGS_NT	(1ULL << 14)
#define RFLAGS_RF	(1ULL << 16)
#define RFLAGS_VM	(1ULL << 17)
#define RFLAGS_AC	(1ULL << 18)
/* SDM vol. 1 3.4.3.1: OF, SF, ZF, AF, PF, CF */
#define RFLAGS_ARITH	0x8d5ULL
#define RFLAGS_ZF	(1ULL << 6)

/* SDM vol. 1 8.1.3, 8.1.5: the x87 status and control words. */
#define FSW_EXC		0x3fu		/* IE DE ZE OE UE PE */
#define FSW_ES		(1u << 7)
#define FSW_C1		(1u << 9)
#define FSW_TOP_SHIFT	11
#define FCW_MASKS	0x3fu

struct insn {
	const uint8_t *b;
	size_t n, pos;
	bool p66, pf3, pf2, rex_w;
	unsigned int rex;	/* the REX byte, 0 without one */
	uint64_t seg_base;	/* FS/GS override */
	uint8_t modrm;
	bool mem;		/* the ModRM operand is memory at ea */
	unsigned int rm;	/* else this register */
	uint64_t ea;
	bool rip_rel;
	int64_t disp;
};

static int next(struct insn *in, uint8_t *v)
{
	if (in->pos >= in->n || in->pos >= 15)
		return -ENOTSUP;
	*v = in->b[in->pos++];
	return 0;
}

static int get_disp(struct insn *in, unsigned int size, int64_t *d)
{
	uint8_t v;
	uint32_t u = 0;

	for (unsigned int i = 0; i < size; i++) {
		if (next(in, &v) < 0)
			return -ENOTSUP;
		u |= (uint32_t)v << (8 * i);
	}
	*d = size == 1 ? (int8_t)u : (int32_t)u;
	return 0;
}

/* SDM vol. 2 2.1.3, 2.2.1: ModRM, SIB and displacement in 64-bit mode with a 64-bit address size. */
static int decode_modrm(struct insn *in, const struct emul_cpu *cpu)
{
	unsigned int mod, rm, rex_b = in->rex & 1, rex_x = (in->rex >> 1) & 1;
	uint8_t sib;
	uint64_t ea = 0;

	if (next(in, &in->modrm) < 0)
		return -ENOTSUP;
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	if (mod == 3) {
		in->rm = rm | rex_b << 3;
		return 0;
	}
	in->mem = true;
	if (rm == 4) {
		unsigned int base, index;

		if (next(in, &sib) < 0)
			return -ENOTSUP;
		base = sib & 7;
		index = ((sib >> 3) & 7) | rex_x << 3;
		if (index != 4)
			ea += cpu->gpr[index] << (sib >> 6);
		if (base == 5 && mod == 0) {
			if (get_disp(in, 4, &in->disp) < 0)
				return -ENOTSUP;
		} else {
			ea += cpu->gpr[base | rex_b << 3];
		}
	} else if (rm == 5 && mod == 0) {
		in->rip_rel = true;
		if (get_disp(in, 4, &in->disp) < 0)
			return -ENOTSUP;
	} else {
		ea += cpu->gpr[rm | rex_b << 3];
	}
	if (mod == 1 || mod == 2) {
		if (get_disp(in, mod == 1 ? 1 : 4, &in->disp) < 0)
			return -ENOTSUP;
	}
	in->ea = ea + (uint64_t)in->disp + in->seg_base;
	return 0;
}

/* The operand address once the length is known (RIP-relative: from the next instruction). */
static void finish_ea(struct insn *in, const struct emul_cpu *cpu)
{
	if (in->rip_rel)
		in->ea = cpu->rip + in->pos + (uint64_t)in->disp + in->seg_base;
}

/* ---- INT n, INT3 ---- */

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/*
 * SDM vol. 3 6.12.1.1, 6.14.1, 6.14.2, 6.14.5: a software interrupt through
 * a present 64-bit interrupt or trap gate whose DPL allows the CPL, into the
 * current code segment (no privilege change), on the current stack or the
 * gate's IST stack: SS, RSP, RFLAGS, CS and the return RIP pushed on a
 * 16-byte aligned stack; TF, NT, RF cleared, and IF for an interrupt gate.
 * Anything else (#GP, #NP, a privilege change) is refused.
 */
static int emul_int(struct emul_cpu *cpu, const struct emul_mem *mem, unsigned int vector, size_t len)
{
	uint8_t g[16];
	uint64_t frame[5], handler, rsp;
	unsigned int ist, type, dpl;

	if (vector * 16 + 15 > cpu->idt_limit || mem->read(mem->ctx, cpu->idt_base + vector * 16, g, 16) < 0)
		return -ENOTSUP;
	type = g[5] & 0xf;
	dpl = (g[5] >> 5) & 3;
	ist = g[4] & 7;
	handler = (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24 |
		  (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 | (uint64_t)g[11] << 56;
	if (!(g[5] & 0x80) || (type != 0xe && type != 0xf) || dpl < cpu->cpl ||
	    ((uint16_t)(g[2] | g[3] << 8)) != cpu->cs || !canonical(handler))
		return -ENOTSUP;
	rsp = cpu->gpr[4];
	if (ist) {
		/* SDM vol. 3 8.7, figure 8-11: IST1-7 at offsets 36-84 of the 64-bit TSS. */
		if (28 + 8 * ist + 7 > cpu->tr_limit || mem->read(mem->ctx, cpu->tr_base + 28 + 8 * ist, &rsp, 8) < 0)
			return -ENOTSUP;
	}
	rsp &= ~0xfULL;
	frame[0] = cpu->rip + len;
	frame[1] = cpu->cs;
	frame[2] = cpu->rflags;
	frame[3] = cpu->gpr[4];
	frame[4] = cpu->ss;
	if (mem->write(mem->ctx, rsp - sizeof(frame), frame, sizeof(frame)) < 0)
		return -EFAULT;
	cpu->gpr[4] = rsp - sizeof(frame);
	cpu->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM | (type == 0xe ? RFLAGS_IF : 0));
	cpu->rip = handler - len;	/* soft_emulate() adds the length */
	return 0;
}

/* ---- POPCNT, CLAC, STAC ---- */

/* SDM vol. 2B POPCNT: F3 [REX] 0F B8 /r; flags: ZF from the source, the other arithmetic flags clear. */
static int emul_popcnt(struct insn *in, struct emul_cpu *cpu, const struct emul_mem *mem)
{
	unsigned int size = in->rex_w ? 8 : in->p66 ? 2 : 4, reg;
	uint64_t src = 0, mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;

	if (!in->pf3 || in->pf2 || decode_modrm(in, cpu) < 0)
		return -ENOTSUP;
	finish_ea(in, cpu);
	reg = ((in->modrm >> 3) & 7) | ((in->rex >> 2) & 1) << 3;
	if (in->mem) {
		if (mem->read(mem->ctx, in->ea, &src, size) < 0)
			return -EFAULT;
	} else {
		src = cpu->gpr[in->rm];
	}
	src &= mask;
	if (size == 2)
		cpu->gpr[reg] = (cpu->gpr[reg] & ~0xffffULL) | (uint64_t)__builtin_popcountll(src);
	else
		cpu->gpr[reg] = (uint64_t)__builtin_popcountll(src);	/* 32-bit results zero-extend */
	cpu->rflags &= ~RFLAGS_ARITH;
	if (!src)
		cpu->rflags |= RFLAGS_ZF;
	return 0;
}

/* SDM vol. 2A CLAC, vol. 2B STAC: 0F 01 CA / CB, CPL 0 only, no 66/F2/F3 prefix. */
static int emul_ac(struct insn *in, struct emul_cpu *cpu, uint8_t op)
{
	if (cpu->cpl != 0 || in->p66 || in->pf2 || in->pf3)
		return -ENOTSUP;
	if (op == 0xca)
		cpu->rflags &= ~RFLAGS_AC;
	else
		cpu->rflags |= RFLAGS_AC;
	return 0;
}

/* ---- x87 (SDM vol. 1 ch. 8) ---- */

enum x87_op { X87_ADD, X87_MUL, X87_SUB, X87_SUBR, X87_DIV, X87_DIVR };

static unsigned int x87_top(const struct kvm_fpu *f)
{
	return (f->fsw >> FSW_TOP_SHIFT) & 7;
}

static bool x87_valid(const struct kvm_fpu *f, unsigned int i)
{
	return f->ftwx & (1u << ((x87_top(f) + i) & 7));	/* the abridged tag is per physical register */
}

static long double x87_get(const struct kvm_fpu *f, unsigned int i)
{
	long double v = 0;

	memcpy(&v, f->fpr[i], 10);
	return v;
}

static void x87_set(struct kvm_fpu *f, unsigned int i, long double v)
{
	memset(f->fpr[i], 0, sizeof(f->fpr[i]));
	memcpy(f->fpr[i], &v, 10);
}

static void x87_set_top(struct kvm_fpu *f, unsigned int top)
{
	f->fsw = (uint16_t)((f->fsw & ~(7u << FSW_TOP_SHIFT)) | (top & 7) << FSW_TOP_SHIFT);
}

/* A push onto a full register (stack overflow) is refused: its #IS response is not emulated. */
static int x87_push(struct kvm_fpu *f, long double v)
{
	unsigned int top = (x87_top(f) - 1) & 7;

	if (f->ftwx & (1u << top))
		return -ENOTSUP;
	memmove(f->fpr[1], f->fpr[0], 7 * sizeof(f->fpr[0]));
	x87_set(f, 0, v);
	f->ftwx |= (uint8_t)(1u << top);
	x87_set_top(f, top);
	return 0;
}

static void x87_pop(struct kvm_fpu *f)
{
	unsigned int top = x87_top(f);

	f->ftwx &= (uint8_t)~(1u << top);
	memmove(f->fpr[0], f->fpr[1], 7 * sizeof(f->fpr[0]));
	memset(f->fpr[7], 0, sizeof(f->fpr[7]));
	x87_set_top(f, top + 1);
}

/*
 * The host's x87 under the guest's control word: fcw in, the status word
 * the operation left out. Between the two, the operation works on volatile
 * operands, so the compiler keeps it there.
 */
static void host_x87_begin(uint16_t fcw, uint16_t *saved)
{
	asm volatile("fnstcw %0\n\tfnclex\n\tfldcw %1" : "=m"(*saved) : "m"(fcw) : "memory");
}

static uint16_t host_x87_end(uint16_t saved)
{
	uint16_t sw;

	asm volatile("fnstsw %0\n\tfnclex\n\tfldcw %1" : "=m"(sw) : "m"(saved) : "memory");
	return sw;
}

static long double host_arith(enum x87_op op, long double a, long double b, uint16_t fcw, uint16_t *sw)
{
	volatile long double va = a, vb = b, vr = 0;
	uint16_t saved;

	host_x87_begin(fcw, &saved);
	switch (op) {
	case X87_ADD: vr = va + vb; break;
	case X87_MUL: vr = va * vb; break;
	case X87_SUB: vr = va - vb; break;
	case X87_SUBR: vr = vb - va; break;
	case X87_DIV: vr = va / vb; break;
	case X87_DIVR: vr = vb / va; break;
	}
	*sw = host_x87_end(saved);
	return vr;
}

/* m32/m64 to extended (exact; IE for an SNaN, DE for a denormal). */
static long double host_load(const uint8_t *m, unsigned int size, uint16_t fcw, uint16_t *sw)
{
	volatile float vf;
	volatile double vd;
	volatile long double vr;
	uint16_t saved;
	float f;
	double d;

	memcpy(size == 4 ? (void *)&f : (void *)&d, m, size);
	vf = size == 4 ? f : 0;
	vd = size == 8 ? d : 0;
	host_x87_begin(fcw, &saved);
	if (size == 4)
		vr = vf;
	else
		vr = vd;
	*sw = host_x87_end(saved);
	return vr;
}

/* Extended to m32/m64, rounded as fcw says. */
static void host_store(long double v, uint8_t *m, unsigned int size, uint16_t fcw, uint16_t *sw)
{
	volatile long double vv = v;
	volatile float vf = 0;
	volatile double vd = 0;
	uint16_t saved;
	float f;
	double d;

	host_x87_begin(fcw, &saved);
	if (size == 4)
		vf = (float)vv;
	else
		vd = (double)vv;
	*sw = host_x87_end(saved);
	f = vf;
	d = vd;
	memcpy(m, size == 4 ? (void *)&f : (void *)&d, size);
}

/* Sticky exception flags and C1 from the host's status word (C0, C2, C3 are left as they were). */
static void x87_status(struct kvm_fpu *f, uint16_t sw)
{
	f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (sw & (FSW_EXC | FSW_C1)));
}

static const enum x87_op x87_reg_ops[8] = {
	/* DE /r register forms, ST(i) <- ST(i) op ST(0): C0 FADDP, C8 FMULP, E0 FSUBRP, E8 FSUBP, F0 FDIVRP, F8 FDIVP */
	X87_ADD, X87_MUL, 0, 0, X87_SUBR, X87_SUB, X87_DIVR, X87_DIV,
};
static const enum x87_op x87_mem_ops[8] = {
	/* D8/DC /r memory forms, ST(0) <- ST(0) op m: FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR */
	X87_ADD, X87_MUL, 0, 0, X87_SUB, X87_SUBR, X87_DIV, X87_DIVR,
};

static int x87_mem_arith(struct insn *in, struct kvm_fpu *f, const struct emul_mem *mem, unsigned int size)
{
	unsigned int r = (in->modrm >> 3) & 7;
	uint8_t m[8];
	uint16_t sw1, sw2;
	long double b;

	if (r == 2 || r == 3 || !x87_valid(f, 0))
		return -ENOTSUP;		/* FCOM/FCOMP, or stack underflow */
	if (mem->read(mem->ctx, in->ea, m, size) < 0)
		return -EFAULT;
	b = host_load(m, size, f->fcw, &sw1);
	x87_set(f, 0, host_arith(x87_mem_ops[r], x87_get(f, 0), b, f->fcw, &sw2));
	x87_status(f, (uint16_t)((sw1 & FSW_EXC) | sw2));
	return 0;
}

static int x87_load_store(struct insn *in, struct kvm_fpu *f, const struct emul_mem *mem, unsigned int size)
{
	unsigned int r = (in->modrm >> 3) & 7;
	uint8_t m[8];
	uint16_t sw;

	switch (r) {
	case 0:				/* FLD m32/m64 */
		if (mem->read(mem->ctx, in->ea, m, size) < 0)
			return -EFAULT;
		if (x87_push(f, host_load(m, size, f->fcw, &sw)) < 0)
			return -ENOTSUP;
		x87_status(f, (uint16_t)(sw & FSW_EXC));	/* C1 = 0 */
		return 0;
	case 2:				/* FST m32/m64 */
	case 3:				/* FSTP */
		if (!x87_valid(f, 0))
			return -ENOTSUP;
		host_store(x87_get(f, 0), m, size, f->fcw, &sw);
		if (mem->write(mem->ctx, in->ea, m, size) < 0)
			return -EFAULT;
		x87_status(f, sw);
		if (r == 3)
			x87_pop(f);
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* D9 C0+i FLD ST(i), C8+i FXCH, E8 FLD1, EE FLDZ; DD D8+i FSTP ST(i); DE: the popping arithmetic. */
static int x87_reg(uint8_t op, uint8_t modrm, struct kvm_fpu *f)
{
	unsigned int i = modrm & 7;
	long double t;
	uint16_t sw;

	if (op == 0xd9 && modrm >= 0xc0 && modrm <= 0xc7) {
		if (!x87_valid(f, i))
			return -ENOTSUP;
		t = x87_get(f, i);
		if (x87_push(f, t) < 0)
			return -ENOTSUP;
	} else if (op == 0xd9 && modrm >= 0xc8 && modrm <= 0xcf) {
		if (!x87_valid(f, 0) || !x87_valid(f, i))
			return -ENOTSUP;
		t = x87_get(f, 0);
		x87_set(f, 0, x87_get(f, i));
		x87_set(f, i, t);
	} else if (op == 0xd9 && (modrm == 0xe8 || modrm == 0xee)) {
		if (x87_push(f, modrm == 0xe8 ? 1.0L : 0.0L) < 0)
			return -ENOTSUP;
	} else if (op == 0xdd && modrm >= 0xd8 && modrm <= 0xdf) {
		if (!x87_valid(f, 0))
			return -ENOTSUP;
		x87_set(f, i, x87_get(f, 0));
		x87_pop(f);
	} else if (op == 0xde && ((modrm >> 3) & 7) != 2 && ((modrm >> 3) & 7) != 3) {
		if (!x87_valid(f, 0) || !x87_valid(f, i))
			return -ENOTSUP;
		x87_set(f, i, host_arith(x87_reg_ops[(modrm >> 3) & 7], x87_get(f, i), x87_get(f, 0), f->fcw, &sw));
		x87_status(f, sw);
		x87_pop(f);
		return 0;
	} else {
		return -ENOTSUP;
	}
	f->fsw &= (uint16_t)~FSW_C1;
	return 0;
}

static int emul_x87(struct insn *in, uint8_t op, struct emul_cpu *cpu, const struct emul_mem *mem)
{
	struct kvm_fpu *f = &cpu->fpu;
	uint64_t ip = cpu->rip;
	int r;

	/* SDM vol. 1 8.7: EM or TS raise #NM; unmasked exceptions would raise #MF: not emulated. */
	if ((cpu->cr0 & (CR0_EM | CR0_TS)) || (f->fcw & FCW_MASKS) != FCW_MASKS || (f->fsw & FSW_ES) ||
	    in->pf2 || in->pf3 || decode_modrm(in, cpu) < 0)
		return -ENOTSUP;
	finish_ea(in, cpu);
	if (!in->mem)
		r = x87_reg(op, in->modrm, f);
	else if (op == 0xd8 || op == 0xdc)
		r = x87_mem_arith(in, f, mem, op == 0xd8 ? 4 : 8);
	else if (op == 0xd9 || op == 0xdd)
		r = x87_load_store(in, f, mem, op == 0xd9 ? 4 : 8);
	else
		r = -ENOTSUP;
	if (r < 0)
		return r;
	/* SDM vol. 1 8.1.8: the last instruction and data pointers and opcode. */
	f->last_ip = ip;
	f->last_opcode = (uint16_t)((op & 7) << 8 | in->modrm);
	if (in->mem)
		f->last_dp = in->ea;
	cpu->fpu_changed = true;
	return 0;
}

/* SDM vol. 2C WAIT/FWAIT: #NM with CR0.MP and TS, #MF with a pending unmasked exception; else nothing. */
static int emul_fwait(const struct emul_cpu *cpu)
{
	if (((cpu->cr0 & CR0_MP) && (cpu->cr0 & CR0_TS)) || (cpu->fpu.fsw & FSW_ES))
		return -ENOTSUP;
	return 0;
}

int soft_emulate(const uint8_t *bytes, size_t n, struct emul_cpu *cpu, const struct emul_mem *mem)
{
	struct insn in = { .b = bytes, .n = n };
	struct emul_cpu c = *cpu;
	uint8_t op, op2;
	int r;

	for (;;) {
		if (next(&in, &op) < 0)
			return -ENOTSUP;
		if (op == 0x66)
			in.p66 = true;
		else if (op == 0xf3)
			in.pf3 = true;
		else if (op == 0xf2)
			in.pf2 = true;
		else if (op == 0x64)
			in.seg_base = cpu->fs_base;
		else if (op == 0x65)
			in.seg_base = cpu->gs_base;
		else if (op != 0x2e && op != 0x36 && op != 0x3e && op != 0x26)
			break;		/* 0F, the opcode, or a prefix not covered (LOCK, 67) */
	}
	if ((op & 0xf0) == 0x40) {
		in.rex = op;
		in.rex_w = op & 8;
		if (next(&in, &op) < 0)
			return -ENOTSUP;
	}
	if (op == 0x0f) {
		if (next(&in, &op2) < 0)
			return -ENOTSUP;
		if (op2 == 0xb8) {
			r = emul_popcnt(&in, &c, mem);
		} else if (op2 == 0x01) {
			if (next(&in, &op2) < 0 || (op2 != 0xca && op2 != 0xcb))
				return -ENOTSUP;
			r = emul_ac(&in, &c, op2);
		} else {
			return -ENOTSUP;
		}
	} else if (op == 0xcc || op == 0xcd) {
		if (op == 0xcd && next(&in, &op2) < 0)
			return -ENOTSUP;
		r = emul_int(&c, mem, op == 0xcc ? 3 : op2, in.pos);
	} else if (op == 0x9b) {
		r = in.rex || in.p66 || in.pf2 || in.pf3 ? -ENOTSUP : emul_fwait(&c);
	} else if (op >= 0xd8 && op <= 0xdf) {
		r = emul_x87(&in, op, &c, mem);
	} else {
		return -ENOTSUP;
	}
	if (r < 0)
		return r;
	c.rip += in.pos;
	*cpu = c;
	return (int)in.pos;
}
