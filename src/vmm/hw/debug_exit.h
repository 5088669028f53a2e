/* SPDX-License-Identifier: GPL-2.0-only */
/* Exit device compatible with QEMU's isa-debug-exit. */
#ifndef VMM_HW_DEBUG_EXIT_H
#define VMM_HW_DEBUG_EXIT_H

#include <stdint.h>

#include "vmm/hw/io.h"

int debug_exit_register(struct io_bus *bus, uint16_t port, struct vmm_err *err);

#endif
