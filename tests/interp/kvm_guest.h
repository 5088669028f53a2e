/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal long-mode guest on /dev/kvm for the interpreter's differential
 * test: identity-mapped RAM with 2 MiB pages, a GDT with 64-bit code and
 * data segments for CPL 0 and CPL 3, a TSS, and an IDT whose every vector
 * ends in its own HLT, so that the exit's RIP tells the vector (#DF on its
 * own stack, IST1).
 */
#ifndef VMM_TESTS_INTERP_KVM_GUEST_H
#define VMM_TESTS_INTERP_KVM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#define G_RAM_SIZE	(4u << 20)
#define G_PML4		0x1000
#define G_PDPT		0x2000
#define G_PD		0x3000
#define G_GDT		0x4000
#define G_TSS		0x4800
#define G_IDT		0x5000
#define G_STUBS		0x6000		/* vector v: HLT at G_STUBS + v */
#define G_KSTACK	0x300000	/* top of the CPL 0 stack for exceptions from CPL 3, in
					   the second 2 MiB page: delivery dirties only PD[1] */
#define G_DFSTACK	(G_KSTACK - 0x800)	/* #DF's stack (IST1), in the same page */
#define G_CODE		0x10000		/* one page of HLT with the instruction inside */
#define G_DATA		0x20000		/* data area, 64 KiB */
#define G_STACK		0x30000		/* stack page */
#define G_MAPPED	0x400000	/* RAM mapped by PD[0], PD[1]; PD[4] is not present */

#define SEL_CODE0	0x08
#define SEL_DATA0	0x10
#define SEL_DATA3	0x1b
#define SEL_CODE3	0x23
#define SEL_TSS		0x28

/* The system-call MSRs the guest runs with (KVM_SET_MSRS at guest_open()); LSTAR is a HLT. */
#define G_STAR		0x0010000800000000ULL	/* SYSCALL: CS 0x08, SS 0x10; SYSRET: 0x13/0x1b/0x23 */
#define G_LSTAR		(G_CODE + 0x100)
#define G_CSTAR		(G_CODE + 0x180)
#define G_SFMASK	0x44700ULL		/* TF IF DF NT AC */
#define G_KERNEL_GS	0x1c0000ULL
#define G_SYSENTER_CS	SEL_CODE0
#define G_SYSENTER_ESP	0x2ff000ULL
#define G_SYSENTER_EIP	(G_CODE + 0x200)

struct kvm_guest {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	char err[256];
};

enum guest_exit { GUEST_HLT, GUEST_OTHER, GUEST_ERROR };

/* 0, or -1 with g->err; *skip is set when the host has no usable /dev/kvm. */
int guest_open(struct kvm_guest *g, bool *skip);
void guest_close(struct kvm_guest *g);

/* Rewrite the page tables (clearing their accessed and dirty bits), GDT, TSS, IDT and stubs. */
void guest_tables(struct kvm_guest *g);

/* Segment registers and control registers for 64-bit mode at cpl (0 or 3). */
void guest_sregs(struct kvm_sregs *s, unsigned int cpl);

/* Set the state, run to the next exit; HLT exits leave regs/sregs read back. */
enum guest_exit guest_run(struct kvm_guest *g, struct kvm_regs *regs, struct kvm_sregs *sregs);

#endif
