// SPDX-License-Identifier: GPL-2.0-only
/*
 * isa-debug-exit: a write of V ends the VM with exit status (V << 1) | 1, as
 * QEMU does, so guest statuses are always odd and never collide with the
 * VMM's own (even) statuses. Reads return all-ones.
 */
#include "vmm/hw/debug_exit.h"

#include <string.h>

static void debug_exit_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	(void)opaque;
	if (!a->write) {
		memset(a->data, 0xff, a->size);
		return;
	}
	out->kind = EXIT_GUEST_STATUS;
	/* The process status is 8 bits: the low 7 bits of V survive. */
	out->status = (int)(((io_data_get(a) << 1) | 1) & 0xff);
}

int debug_exit_register(struct io_bus *bus, uint16_t port, struct vmm_err *err)
{
	return io_bus_register(bus, IO_PIO, port, 4, "debug-exit", debug_exit_io, NULL, err);
}
