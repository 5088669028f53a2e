/* SPDX-License-Identifier: GPL-2.0-only */
/* The two ways a PC guest asks for a reset: the reset control register and the keyboard controller. */
#ifndef VMM_HW_RESET_H
#define VMM_HW_RESET_H

#include <stdint.h>

#include "vmm/hw/io.h"

#define RESET_PORT_RCR	0xcf9	/* reset control register */
#define RESET_PORT_KBC	0x64	/* 8042 command port */

struct reset_dev {
	uint8_t rcr;		/* last value written to 0xcf9, bits 3:1 */
};

int reset_register(struct reset_dev *d, struct io_bus *bus, struct vmm_err *err);

#endif
