// SPDX-License-Identifier: GPL-2.0-only
/*
 * spin: never exits and never halts: a busy loop with interrupts off. It
 * proves that the VMM's --timeout can stop a guest that makes no exits.
 */
#include "guest.h"

int main(const struct vmm_bootinfo *bi)
{
	(void)bi;
	report_info("spinning with interrupts off");
	asm volatile("cli\n1:\tjmp 1b" : : : "memory");
	return GUEST_EXIT_FAIL;
}
