/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 64-bit IDT: 256 interrupt gates, all entering idt_dispatch() with the
 * interrupted state in a struct ex_regs that handlers may change (RIP to
 * skip an instruction, GPRs to return values). iretq resumes from it.
 *
 * Dispatch order for a vector: an exception-table fixup (msr.h) if the
 * faulting RIP has one, else the handler set with idt_set_handler(), else
 * the default handler, which prints the state and bails out of the test.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

#define IDT_ENTRIES	256

/* SDM Vol. 3A 6.15: architectural exception vectors. */
#define DE_VECTOR	0
#define DB_VECTOR	1
#define NMI_VECTOR	2
#define BP_VECTOR	3
#define OF_VECTOR	4
#define BR_VECTOR	5
#define UD_VECTOR	6
#define NM_VECTOR	7
#define DF_VECTOR	8
#define TS_VECTOR	10
#define NP_VECTOR	11
#define SS_VECTOR	12
#define GP_VECTOR	13
#define PF_VECTOR	14
#define MF_VECTOR	16
#define AC_VECTOR	17
#define MC_VECTOR	18
#define XM_VECTOR	19
#define VE_VECTOR	20
#define CP_VECTOR	21

/* Layout fixed by isr.S: GPRs pushed by the stub, then the CPU's frame. */
struct ex_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector;
	uint64_t error_code;	/* 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*idt_handler_fn)(struct ex_regs *regs);

/* Fills and loads the IDT; the entry code calls it before main(). */
void idt_init(void);

/* Installs fn for vec (NULL restores the default); returns the old one. */
idt_handler_fn idt_set_handler(unsigned int vec, idt_handler_fn fn);

/*
 * SDM vol. 3 6.14.1: point gate vec of the 64-bit IDT at idt (the one loaded
 * or a copy) at addr; only its offset fields change.
 */
void idt_gate_set_offset(void *idt, unsigned int vec, uint64_t addr);

/* "#GP", "NMI", ... or "IRQ" for vectors 32-255. */
const char *idt_vector_name(unsigned int vec);

/* Prints vector, RIP, error code, CR2 for #PF and the GPRs. */
void idt_dump_regs(const struct ex_regs *regs);

/* Called by the stubs in isr.S only. */
void idt_dispatch(struct ex_regs *regs);

#endif
