// SPDX-License-Identifier: GPL-2.0-only
#include <vmm/bootinfo.h>

#include "exit.h"
#include "io.h"

void guest_halt(void)
{
	for (;;)
		asm volatile("cli; hlt" : : : "memory");
}

void guest_exit(uint32_t code)
{
	outl(VMM_PORT_EXIT, code);
	guest_halt();
}
