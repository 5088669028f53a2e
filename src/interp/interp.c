// SPDX-License-Identifier: GPL-2.0-only
/*
 * interp_step(): fetch, classify, decode and execute one instruction on a
 * working copy of the state, then commit the pending writes, the accessed
 * and dirty bits and the registers, or drop everything on a fault or a
 * fall back.
 */
#include "interp/internal.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

int ie_fault(struct ictx *x, uint8_t vector, bool has_error, uint32_t error)
{
	x->res->status = INTERP_FAULT;
	x->res->vector = vector;
	x->res->has_error = has_error;
	x->res->error = error;
	return IE_FAULT;
}

int ie_fallback(struct ictx *x, enum interp_fallback reason)
{
	x->res->status = INTERP_FALLBACK;
	x->res->reason = reason;
	return IE_FALLBACK;
}

unsigned int interp_cpl_from(uint64_t cr0, uint64_t rflags, unsigned int ss_dpl)
{
	if (!(cr0 & CR0_PE))
		return 0;
	if (rflags & FL_VM)
		return 3;
	return ss_dpl & 3;
}

unsigned int interp_cpl(const struct interp_cpu *cpu)
{
	return interp_cpl_from(cpu->cr0, cpu->rflags, cpu->seg[INTERP_SS].dpl);
}

int interp_code_size_from(uint64_t efer, bool cs_l, bool cs_db)
{
	/* SDM vol. 3 5.2.1: CS.L in IA-32e mode, else CS.D (also for real mode's cached CS). */
	if ((efer & EFER_LMA) && cs_l)
		return 64;
	return cs_db ? 32 : 16;
}

int interp_code_size(const struct interp_cpu *cpu)
{
	return interp_code_size_from(cpu->efer, cpu->seg[INTERP_CS].l, cpu->seg[INTERP_CS].db);
}

const char *interp_fallback_name(enum interp_fallback r)
{
	static const char *const names[] = {
		[INTERP_FB_NONE] = "none",
		[INTERP_FB_UNIMPLEMENTED] = "unimplemented",
		[INTERP_FB_UNDEFINED] = "undefined opcode",
		[INTERP_FB_PRIVILEGED] = "privileged or exiting",
		[INTERP_FB_FPU] = "x87/SSE/AVX",
		[INTERP_FB_MMIO] = "MMIO or unbacked memory",
		[INTERP_FB_MODE] = "unsupported CPU mode",
		[INTERP_FB_FETCH] = "instruction fetch outside RAM",
		[INTERP_FB_SPLIT_LOCK] = "split lock",
		[INTERP_FB_CONTENDED] = "locked operand contended",
		[INTERP_FB_DELIVERY] = "event delivery left to KVM",
	};

	return (unsigned int)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* A string iteration changes only the GPRs and RFLAGS (string.c): a later fault keeps them. */
int commit_iteration(struct ictx *x)
{
	TRY(mem_commit(x));
	memcpy(x->undo.gpr, x->c->gpr, sizeof(x->c->gpr));
	x->undo.rflags = x->c->rflags;
	x->nwr = 0;
	x->nwalk = 0;
	return 0;
}

static unsigned int insn_slot(uint64_t rip)
{
	return (unsigned int)((rip ^ (rip >> 9)) % INTERP_TLB_INSNS);
}

/* The bytes of e in RAM are still those decoded: two words when the 16 bytes at p[0] are in RAM. */
static bool same_bytes(const struct interp_insn_entry *e, unsigned int len, const struct interp_mem *m)
{
	uint64_t a[2], b[2], m1;

	if (e->n0 < len || (size_t)(m->ram + m->ram_size - e->p[0]) < sizeof(a))
		return !memcmp(e->p[0], e->b, e->n0 < len ? e->n0 : len) &&
		       (len <= e->n0 || !memcmp(e->p[1], e->b + e->n0, len - e->n0));
	memcpy(a, e->p[0], sizeof(a));
	memcpy(b, e->b, sizeof(b));
	m1 = len > 8 ? mem_mask(len - 8) : 0;
	return !((a[0] ^ b[0]) & mem_mask(len < 8 ? len : 8)) && !((a[1] ^ b[1]) & m1);
}

/*
 * The decoded instruction at RIP, if the entry is for the same RIP, code
 * size, CS base and CPL under the same translations (the TLB generation:
 * any INVLPG, CR3 load or page-table write the interpreter sees empties
 * both), and the bytes in RAM are still those decoded. A fetch that hits
 * needs no walk: its accessed bits were set when the entry was made.
 */
static bool fetch_cached(struct ictx *x, const struct interp_tlb *t)
{
	const struct interp_insn_entry *e = &t->insn[insn_slot(x->c->rip)];
	const struct interp_seg *cs = &x->c->seg[INTERP_CS];
	struct insn *in = &x->in;
	unsigned int len = e->cls.len;

	if (e->gen != t->gen || e->rip != x->c->rip || e->mode != in->mode || e->cpl != x->cpl)
		return false;
	if (in->mode != 64 && (e->cs_base != cs->base || x->c->rip + len - 1 > cs->limit))
		return false;
	if (!same_bytes(e, len, x->mem))
		return false;
	x->res->cls = e->cls;
	memcpy(in->b, e->b, len);
	in->len = len;
	in->pos = e->pos;
	in->osz = e->osz;
	in->asz = e->asz;
	in->rex = e->rex;
	in->op = e->op;
	in->seg = e->seg;
	in->lock = e->lock;
	in->rep = e->rep;
	in->repne = e->repne;
	in->p66 = e->p66;
	in->map0f = e->map0f;
	return true;
}

/* After the instruction committed with the translations it was fetched under: its entry. */
static void fill_cached(const struct ictx *x, const struct insn *d)
{
	struct interp_insn_entry *e = x->fill;

	/* undo holds RIP before the instruction, and CS when it may have changed (sys). */
	e->gen = x->gen0;
	e->rip = x->undo.rip;
	e->cs_base = x->sys ? x->undo.seg[INTERP_CS].base : x->c->seg[INTERP_CS].base;
	e->p[0] = x->fetched.p[0];
	e->p[1] = x->fetched.p[1];
	e->n0 = (uint8_t)x->fetched.n0;
	e->mode = (uint8_t)d->mode;
	e->cpl = (uint8_t)x->cpl0;
	e->cls = x->res->cls;
	memset(e->b, 0, sizeof(e->b));
	memcpy(e->b, d->b, d->len);
	e->pos = (uint8_t)d->pos;
	e->osz = (uint8_t)d->osz;
	e->asz = (uint8_t)d->asz;
	e->rex = d->rex;
	e->op = d->op;
	e->seg = (int8_t)d->seg;
	e->lock = d->lock;
	e->rep = d->rep;
	e->repne = d->repne;
	e->p66 = d->p66;
	e->map0f = d->map0f;
}

/* Fetch and classify: a second page is only touched when the instruction reaches it. */
static int fetch(struct ictx *x)
{
	uint8_t buf[X86_MAX_INSN_LEN];
	unsigned int n;
	int r;

	TRY(mem_fetch(x, buf, &n, false, &x->fetched));
	r = x86_classify(buf, n, x->in.mode, &x->res->cls);
	if (r == -ENODATA && n < X86_MAX_INSN_LEN) {
		TRY(mem_fetch(x, buf, &n, true, &x->fetched));
		r = x86_classify(buf, n, x->in.mode, &x->res->cls);
	}
	if (r == -ENODATA)
		return ie_fault(x, X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);	/* beyond CS.limit */
	if (r)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	memcpy(x->in.b, buf, x->res->cls.len);
	x->in.len = x->res->cls.len;
	return 0;
}

static int execute(struct ictx *x)
{
	struct insn decoded;
	uint64_t next;

	if (x->c->rflags & (FL_VM | FL_TF))
		return ie_fallback(x, INTERP_FB_MODE);	/* virtual-8086 mode; single-step traps */
	if (!x->mem->tlb || !fetch_cached(x, x->mem->tlb)) {
		TRY(fetch(x));
		if (x->res->cls.exit != X86_EXIT_NONE)
			return ie_fallback(x, INTERP_FB_PRIVILEGED);
		TRY(dec_prefixes(x));
		if (x->mem->tlb) {
			x->fill = &x->mem->tlb->insn[insn_slot(x->c->rip)];
			decoded = x->in;
		}
	}
	TRY(x->in.map0f ? exec_0f(x) : exec_one_byte(x));
	if (x->in.pos != x->in.len)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* decoders disagree: not ours */
	if (x->in.lock && !x->lock_ok)
		return ie_fallback(x, INTERP_FB_UNDEFINED);	/* LOCK on anything else is #UD */
	if (!x->branched) {
		next = x->c->rip + x->in.len;
		x->c->rip = x->in.mode == 64 ? next : next & (x->in.mode == 32 ? 0xffffffffULL : 0xffffULL);
	}
	if (!x->incomplete && !x->keep_rf)
		x->c->rflags &= ~FL_RF;	/* SDM vol. 3 18.3.1.1: cleared when an instruction completes */
	TRY(mem_commit(x));
	/* Not when the instruction wrote to a page table, which empties the TLB: its fetch may be stale. */
	if (x->fill && x->mem->tlb->gen == x->gen0)
		fill_cached(x, &decoded);
	return 0;
}

/*
 * The instruction runs on the caller's state; what it may change is kept
 * to undo it: the GPRs, RIP and RFLAGS here, all of the state for the
 * instructions that change more (sys_begin()).
 */
#define UNDO_HOT (offsetof(struct interp_cpu, rflags) + sizeof(uint64_t))

void init_ctx(struct ictx *x, struct interp_cpu *cpu, const struct interp_mem *mem,
	      struct interp_result *res)
{
	memcpy(&x->undo, cpu, UNDO_HOT);
	memset(&x->in, 0, offsetof(struct ictx, undo) - offsetof(struct ictx, in));
	x->c = cpu;
	x->mem = mem;
	x->res = res;
	x->g.mem = mem->ram;
	x->g.mem_size = mem->ram_size;
	x->g.cr0 = cpu->cr0;
	x->g.cr3 = cpu->cr3;
	x->g.cr4 = cpu->cr4;
	x->g.efer = cpu->efer;
	x->g.maxphyaddr = mem->maxphyaddr;
	if (mem->tlb) {
		tlb_sync(mem->tlb, &x->g);
		x->gen0 = mem->tlb->gen;
	} else {
		x->gen0 = 0;
	}
	x->cpl = x->cpl0 = interp_cpl(cpu);
	x->in.mode = interp_code_size(cpu);
	cpu->rflags |= FL_FIXED;
}

void sys_begin(struct ictx *x)
{
	if (x->sys)
		return;
	memcpy((uint8_t *)&x->undo + UNDO_HOT, (const uint8_t *)x->c + UNDO_HOT, sizeof(x->undo) - UNDO_HOT);
	x->sys = true;
}

void rollback(struct ictx *x)
{
	memcpy(x->c, &x->undo, x->sys ? sizeof(x->undo) : UNDO_HOT);
}

enum interp_status interp_step(struct interp_cpu *cpu, const struct interp_mem *mem,
			       struct interp_result *res)
{
	struct ictx x;

	/* A locked update that loses a race with another vCPU runs again from the start. */
	for (unsigned int attempt = 0; attempt < 64; attempt++) {
		int r;

		memset(res, 0, sizeof(*res));
		init_ctx(&x, cpu, mem, res);
		r = execute(&x);
		if (r)
			rollback(&x);
		if (r == IE_RETRY)
			continue;
		if (r) {
			/* KVM runs the instruction: it may be INVLPG, a CR3 load, a page-table write... */
			if (r == IE_FALLBACK && mem->tlb)
				interp_tlb_flush(mem->tlb);
			return res->status;
		}
		res->status = x.incomplete ? INTERP_INCOMPLETE : INTERP_RETIRED;
		return res->status;
	}
	if (mem->tlb)
		interp_tlb_flush(mem->tlb);
	res->status = INTERP_FALLBACK;
	res->reason = INTERP_FB_CONTENDED;
	return res->status;
}
