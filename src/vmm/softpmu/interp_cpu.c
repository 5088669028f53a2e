// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/interp_cpu.h"

#include <string.h>

/* SDM vol. 4 table 2-2: the SYSCALL and SYSENTER MSRs. */
const uint32_t soft_interp_msrs[SOFT_INTERP_NR_MSRS] = {
	0xc0000081,	/* STAR */
	0xc0000082,	/* LSTAR */
	0xc0000083,	/* CSTAR */
	0xc0000084,	/* SFMASK (FMASK) */
	0xc0000102,	/* KERNEL_GS_BASE */
	0x174,		/* IA32_SYSENTER_CS */
	0x175,		/* IA32_SYSENTER_ESP */
	0x176,		/* IA32_SYSENTER_EIP */
};

static void seg_from_kvm(struct interp_seg *d, const struct kvm_segment *s)
{
	*d = (struct interp_seg){
		.base = s->base, .limit = s->limit, .sel = s->selector, .type = s->type, .dpl = s->dpl,
		.present = s->present, .s = s->s, .db = s->db, .l = s->l, .g = s->g, .unusable = s->unusable,
	};
}

/* Back into s, leaving avl and padding as KVM gave them. */
static void seg_to_kvm(struct kvm_segment *s, const struct interp_seg *d)
{
	s->base = d->base;
	s->limit = d->limit;
	s->selector = d->sel;
	s->type = d->type;
	s->dpl = d->dpl;
	s->present = d->present;
	s->s = d->s;
	s->db = d->db;
	s->l = d->l;
	s->g = d->g;
	s->unusable = d->unusable;
}

void soft_interp_from_kvm(struct interp_cpu *c, const struct kvm_regs *r, const struct kvm_sregs *sr)
{
	const struct kvm_segment *segs[6] = { &sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs };

	memset(c, 0, sizeof(*c));
	c->gpr[INTERP_RAX] = r->rax; c->gpr[INTERP_RCX] = r->rcx;
	c->gpr[INTERP_RDX] = r->rdx; c->gpr[INTERP_RBX] = r->rbx;
	c->gpr[INTERP_RSP] = r->rsp; c->gpr[INTERP_RBP] = r->rbp;
	c->gpr[INTERP_RSI] = r->rsi; c->gpr[INTERP_RDI] = r->rdi;
	c->gpr[INTERP_R8] = r->r8; c->gpr[INTERP_R9] = r->r9;
	c->gpr[INTERP_R10] = r->r10; c->gpr[INTERP_R11] = r->r11;
	c->gpr[INTERP_R12] = r->r12; c->gpr[INTERP_R13] = r->r13;
	c->gpr[INTERP_R14] = r->r14; c->gpr[INTERP_R15] = r->r15;
	c->rip = r->rip;
	c->rflags = r->rflags;
	for (int i = 0; i < 6; i++)
		seg_from_kvm(&c->seg[i], segs[i]);
	seg_from_kvm(&c->tr, &sr->tr);
	seg_from_kvm(&c->ldtr, &sr->ldt);
	c->gdtr = (struct interp_dtable){ sr->gdt.base, sr->gdt.limit };
	c->idtr = (struct interp_dtable){ sr->idt.base, sr->idt.limit };
	c->cr0 = sr->cr0;
	c->cr2 = sr->cr2;
	c->cr3 = sr->cr3;
	c->cr4 = sr->cr4;
	c->efer = sr->efer;
}

void soft_interp_set_msrs(struct interp_cpu *c, const uint64_t val[SOFT_INTERP_NR_MSRS])
{
	c->star = val[0];
	c->lstar = val[1];
	c->cstar = val[2];
	c->sfmask = val[3];
	c->kernel_gs_base = val[4];
	c->sysenter_cs = val[5];
	c->sysenter_esp = val[6];
	c->sysenter_eip = val[7];
}

void soft_interp_get_msrs(const struct interp_cpu *c, uint64_t val[SOFT_INTERP_NR_MSRS])
{
	val[0] = c->star;
	val[1] = c->lstar;
	val[2] = c->cstar;
	val[3] = c->sfmask;
	val[4] = c->kernel_gs_base;
	val[5] = c->sysenter_cs;
	val[6] = c->sysenter_esp;
	val[7] = c->sysenter_eip;
}

bool soft_interp_to_kvm(const struct interp_cpu *c, struct kvm_regs *r, struct kvm_sregs *sr)
{
	struct kvm_segment *segs[6] = { &sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs };
	struct kvm_sregs before = *sr;

	r->rax = c->gpr[INTERP_RAX]; r->rcx = c->gpr[INTERP_RCX];
	r->rdx = c->gpr[INTERP_RDX]; r->rbx = c->gpr[INTERP_RBX];
	r->rsp = c->gpr[INTERP_RSP]; r->rbp = c->gpr[INTERP_RBP];
	r->rsi = c->gpr[INTERP_RSI]; r->rdi = c->gpr[INTERP_RDI];
	r->r8 = c->gpr[INTERP_R8]; r->r9 = c->gpr[INTERP_R9];
	r->r10 = c->gpr[INTERP_R10]; r->r11 = c->gpr[INTERP_R11];
	r->r12 = c->gpr[INTERP_R12]; r->r13 = c->gpr[INTERP_R13];
	r->r14 = c->gpr[INTERP_R14]; r->r15 = c->gpr[INTERP_R15];
	r->rip = c->rip;
	r->rflags = c->rflags;
	for (int i = 0; i < 6; i++)
		seg_to_kvm(segs[i], &c->seg[i]);
	seg_to_kvm(&sr->tr, &c->tr);
	seg_to_kvm(&sr->ldt, &c->ldtr);
	sr->gdt.base = c->gdtr.base;
	sr->gdt.limit = c->gdtr.limit;
	sr->idt.base = c->idtr.base;
	sr->idt.limit = c->idtr.limit;
	sr->cr0 = c->cr0;
	sr->cr2 = c->cr2;
	sr->cr3 = c->cr3;
	sr->cr4 = c->cr4;
	sr->efer = c->efer;
	return memcmp(&before, sr, sizeof(before)) != 0;
}

#define APIC_TPR 0x80	/* SDM vol. 3 table 11-1 */
#define APIC_ISR 0x100
#define APIC_IRR 0x200

/* The highest vector set in the 256-bit register at off (eight 32-bit words, 16 bytes apart), or -1. */
static int highest_bit(const uint8_t *regs, unsigned int off)
{
	for (int w = 7; w >= 0; w--) {
		uint32_t v;

		memcpy(&v, regs + off + (unsigned int)w * 16, sizeof(v));
		if (v)
			return w * 32 + 31 - __builtin_clz(v);
	}
	return -1;
}

int soft_lapic_pending_vector(const uint8_t regs[KVM_APIC_REG_SIZE])
{
	int irr = highest_bit(regs, APIC_IRR), isr = highest_bit(regs, APIC_ISR);
	uint32_t tpr, ppr;

	if (irr < 0)
		return -1;
	memcpy(&tpr, regs + APIC_TPR, sizeof(tpr));
	tpr &= 0xff;
	/* SDM vol. 3 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
	ppr = isr < 0 || (tpr >> 4) >= ((unsigned int)isr >> 4) ? tpr : ((unsigned int)isr & 0xf0);
	/* 11.8.3: delivered only when the vector's priority class is above PPR[7:4]. */
	return ((unsigned int)irr >> 4) > (ppr >> 4) ? irr : -1;
}

void soft_lapic_accept(uint8_t regs[KVM_APIC_REG_SIZE], unsigned int vector)
{
	unsigned int off = (vector & 0xff) / 32 * 16, bit = vector % 32;
	uint32_t irr, isr;

	memcpy(&irr, regs + APIC_IRR + off, 4);
	memcpy(&isr, regs + APIC_ISR + off, 4);
	irr &= ~(1u << bit);
	isr |= 1u << bit;
	memcpy(regs + APIC_IRR + off, &irr, 4);
	memcpy(regs + APIC_ISR + off, &isr, 4);
}
