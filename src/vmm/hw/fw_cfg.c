// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg as QEMU's docs/specs/fw_cfg.rst describes the port interface: a
 * 16-bit write to the selector port picks an item and rewinds it; each 8-bit
 * read of the data port returns its next byte, 0 past its end. Numbers are
 * little-endian. Only the items a test guest needs are present; unknown
 * items read as empty.
 */
#include "vmm/hw/fw_cfg.h"

#include <string.h>

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t nr_cpus)
{
	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->nr_cpus = nr_cpus;
}

/* The selected item's bytes; returns its length. */
static uint32_t fw_cfg_item(const struct fw_cfg *f, uint8_t buf[8])
{
	uint64_t v;
	uint32_t len;

	switch (f->selector) {
	case FW_CFG_SIGNATURE:
		memcpy(buf, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		v = 1;		/* traditional interface only, no DMA */
		len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		v = f->ram_size;
		len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		v = f->nr_cpus;
		len = 2;
		break;
	default:
		return 0;
	}
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	return len;
}

static void fw_cfg_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct fw_cfg *f = opaque;
	uint8_t item[8];
	uint32_t len;

	(void)out;
	if (a->offset == 0) {		/* selector */
		if (a->write) {
			f->selector = (uint16_t)io_data_get(a);
			f->offset = 0;
		} else {
			io_data_set(a, f->selector);
		}
		return;
	}
	if (a->write)			/* the data port is read-only here */
		return;
	len = fw_cfg_item(f, item);
	for (unsigned int i = 0; i < a->size; i++)
		a->data[i] = f->offset < len ? item[f->offset++] : 0;
}

int fw_cfg_register(struct fw_cfg *f, struct io_bus *bus, uint16_t base, struct vmm_err *err)
{
	return io_bus_register(bus, IO_PIO, base, 2, "fw_cfg", fw_cfg_io, f, err);
}
