/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault-tolerant MSR and RDPMC access. Each returns 0 on success or the
 * vector of the exception the instruction raised (13 for #GP), in which
 * case *val is set to 0. Nothing is printed and the test carries on.
 *
 * How: the instruction's address and the address after it are recorded in
 * the .ex_table section (GUEST_EXTABLE). When a fault hits a recorded
 * address, idt_dispatch() resumes at the second address and puts the vector
 * in RSI, which the asm statement declares as an in/out operand.
 */
#ifndef GUEST_MSR_H
#define GUEST_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "idt.h"
#include "common/x86.h"

struct extable_entry {
	uint64_t insn;		/* address of the instruction that may fault */
	uint64_t fixup;		/* where to resume if it does */
};

#define GUEST_EXTABLE(insn, fixup)				\
	".pushsection .ex_table, \"a\"\n\t"			\
	".balign 8\n\t"						\
	".quad " insn ", " fixup "\n\t"				\
	".popsection\n\t"

/* If regs->rip has an ex_table entry: resume at its fixup, return true. */
bool extable_fixup(struct ex_regs *regs);

int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
int rdpmc_safe(uint32_t ecx, uint64_t *val);

#endif
