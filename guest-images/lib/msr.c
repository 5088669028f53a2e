// SPDX-License-Identifier: GPL-2.0-only
#include "msr.h"

/* Bounds of the .ex_table section, from the linker script. */
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

/*
 * Only faults report the address of the faulting instruction (SDM Vol. 3A
 * 6.5). NMIs, traps and external interrupts that land on a recorded address
 * did not come from it and must not be swallowed.
 */
static bool extable_is_fault(uint64_t vector)
{
	return vector < 32 && vector != DB_VECTOR && vector != NMI_VECTOR &&
	       vector != BP_VECTOR && vector != OF_VECTOR;
}

bool extable_fixup(struct ex_regs *regs)
{
	const struct extable_entry *e;

	if (!extable_is_fault(regs->vector))
		return false;
	for (e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			regs->rsi = regs->vector;
			return true;
		}
	}
	return false;
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	uint64_t vector = 0;

	asm volatile("1: rdmsr\n2:\n\t" GUEST_EXTABLE("1b", "2b")
		     : "+a"(lo), "+d"(hi), "+S"(vector) : "c"(msr) : "memory");
	*val = vector ? 0 : (uint64_t)hi << 32 | lo;
	return (int)vector;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	uint64_t vector = 0;

	asm volatile("1: wrmsr\n2:\n\t" GUEST_EXTABLE("1b", "2b")
		     : "+S"(vector)
		     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
	return (int)vector;
}

int rdpmc_safe(uint32_t ecx, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	uint64_t vector = 0;

	asm volatile("1: rdpmc\n2:\n\t" GUEST_EXTABLE("1b", "2b")
		     : "+a"(lo), "+d"(hi), "+S"(vector) : "c"(ecx) : "memory");
	*val = vector ? 0 : (uint64_t)hi << 32 | lo;
	return (int)vector;
}
