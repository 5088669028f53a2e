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

/* A string iteration changes only the GPRs and RFLAGS (string.c): only they are copied. */
int commit_iteration(struct ictx *x)
{
	TRY(mem_commit(x));
	memcpy(x->out->gpr, x->c.gpr, sizeof(x->c.gpr));
	x->out->rflags = x->c.rflags;
	x->nwr = 0;
	x->nwalk = 0;
	return 0;
}

/* Fetch and classify: a second page is only touched when the instruction reaches it. */
static int fetch(struct ictx *x)
{
	uint8_t buf[X86_MAX_INSN_LEN];
	unsigned int n;
	int r;

	TRY(mem_fetch(x, buf, &n, false));
	if (x->mem->tlb) {
		struct interp_insn_entry *e = &x->mem->tlb->insn[x->c.rip % INTERP_TLB_INSNS];

		/* The classification is a function of the bytes and the code size only. */
		if (e->cls.len && e->cls.len <= n && e->mode == x->in.mode && !memcmp(e->b, buf, e->cls.len)) {
			x->res->cls = e->cls;
			r = 0;
		} else {
			r = x86_classify(buf, n, x->in.mode, &x->res->cls);
			if (r == 0) {
				e->cls = x->res->cls;
				memcpy(e->b, buf, e->cls.len);
				e->mode = (uint8_t)x->in.mode;
			}
		}
	} else {
		r = x86_classify(buf, n, x->in.mode, &x->res->cls);
	}
	if (r == -ENODATA && n < X86_MAX_INSN_LEN) {
		TRY(mem_fetch(x, buf, &n, true));
		r = x86_classify(buf, n, x->in.mode, &x->res->cls);
	}
	if (r == -ENODATA)
		return ie_fault(x, X86_GP, (x->c.cr0 & CR0_PE) != 0, 0);	/* beyond CS.limit */
	if (r)
		return ie_fallback(x, INTERP_FB_UNDEFINED);
	memcpy(x->in.b, buf, x->res->cls.len);
	x->in.len = x->res->cls.len;
	return 0;
}

static int execute(struct ictx *x)
{
	uint64_t next;

	if (x->c.rflags & (FL_VM | FL_TF))
		return ie_fallback(x, INTERP_FB_MODE);	/* virtual-8086 mode; single-step traps */
	TRY(fetch(x));
	if (x->res->cls.exit != X86_EXIT_NONE)
		return ie_fallback(x, INTERP_FB_PRIVILEGED);
	TRY(dec_prefixes(x));
	TRY(x->in.map0f ? exec_0f(x) : exec_one_byte(x));
	if (x->in.pos != x->in.len)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);	/* decoders disagree: not ours */
	if (x->in.lock && !x->lock_ok)
		return ie_fallback(x, INTERP_FB_UNDEFINED);	/* LOCK on anything else is #UD */
	if (!x->branched) {
		next = x->c.rip + x->in.len;
		x->c.rip = x->in.mode == 64 ? next : next & (x->in.mode == 32 ? 0xffffffffULL : 0xffffULL);
	}
	if (!x->incomplete && !x->keep_rf)
		x->c.rflags &= ~FL_RF;	/* SDM vol. 3 18.3.1.1: cleared when an instruction completes */
	return mem_commit(x);
}

void init_ctx(struct ictx *x, struct interp_cpu *cpu, const struct interp_mem *mem,
	      struct interp_result *res)
{
	x->c = *cpu;
	memset(&x->mem, 0, offsetof(struct ictx, wr) - offsetof(struct ictx, mem));
	x->out = cpu;
	x->mem = mem;
	x->res = res;
	x->g.mem = mem->ram;
	x->g.mem_size = mem->ram_size;
	x->g.cr0 = cpu->cr0;
	x->g.cr3 = cpu->cr3;
	x->g.cr4 = cpu->cr4;
	x->g.efer = cpu->efer;
	x->g.maxphyaddr = mem->maxphyaddr;
	if (mem->tlb)
		tlb_sync(mem->tlb, &x->g);
	x->cpl = interp_cpl(cpu);
	x->in.mode = interp_code_size(cpu);
	x->c.rflags |= FL_FIXED;
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
		if (r == IE_RETRY)
			continue;
		if (r) {
			/* KVM runs the instruction: it may be INVLPG, a CR3 load, a page-table write... */
			if (r == IE_FALLBACK && mem->tlb)
				interp_tlb_flush(mem->tlb);
			return res->status;
		}
		if (x.sys) {
			*cpu = x.c;
		} else {
			/* Only sys.c, deliver.c and seg_load() change the rest. */
			memcpy(cpu->gpr, x.c.gpr, sizeof(cpu->gpr));
			cpu->rip = x.c.rip;
			cpu->rflags = x.c.rflags;
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
