// SPDX-License-Identifier: GPL-2.0-only
/*
 * triple-fault: proves that the VMM notices a triple fault (KVM reports it
 * as KVM_EXIT_SHUTDOWN) and ends or resets the VM instead of hanging. With
 * an empty IDT, ud2 raises #UD, which cannot be delivered (#GP), which
 * cannot be delivered either (#DF), which is the third fault.
 */
#include "guest.h"

int main(const struct vmm_bootinfo *bi)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	report_info("triple fault ahead (boot count %u)", bi->boot_count);
	asm volatile("lidt %0\n\tud2" : : "m"(empty_idt) : "memory");
	report_abort("still running after a triple fault");
}
