/* SPDX-License-Identifier: GPL-2.0-only */
/* QEMU-compatible fw_cfg, port interface (selector 0x510, data 0x511). */
#ifndef VMM_HW_FW_CFG_H
#define VMM_HW_FW_CFG_H

#include <stdint.h>

#include "vmm/hw/io.h"

#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MAX_CPUS		0x0f

struct fw_cfg {
	uint16_t selector;
	uint32_t offset;	/* next byte of the selected item */
	uint64_t ram_size;
	uint16_t nr_cpus;
};

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t nr_cpus);
int fw_cfg_register(struct fw_cfg *f, struct io_bus *bus, uint16_t base, struct vmm_err *err);

#endif
