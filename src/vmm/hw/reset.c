// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset requests, as Linux's reboot=pci and reboot=kbd (and most firmware)
 * make them:
 * - port 0xcf9, the reset control register of Intel chipsets: a write with
 *   RST_CPU (bit 2) set resets the machine; 0x06 (SYS_RST | RST_CPU) is a
 *   hard reset, 0x0e adds FULL_RST. Other bits are kept and read back.
 * - port 0x64, the 8042 keyboard controller: command 0xfe pulses the CPU
 *   reset line. Status reads say "input buffer empty" so a driver polling
 *   it before the command never waits.
 */
#include "vmm/hw/reset.h"

#include <stdio.h>

#define RCR_RST_CPU	0x04
#define KBC_PULSE_RESET	0xfe
#define KBC_STATUS_IDLE	0x00

static void reset_rcr_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct reset_dev *d = opaque;
	uint8_t v;

	if (!a->write) {
		io_data_set(a, d->rcr);
		return;
	}
	v = (uint8_t)io_data_get(a);
	d->rcr = v & 0x0e;
	if (v & RCR_RST_CPU) {
		out->kind = EXIT_RESET;
		snprintf(out->msg, sizeof(out->msg), "guest wrote 0x%02x to port 0xcf9", v);
	}
}

static void reset_kbc_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	uint8_t v;

	(void)opaque;
	if (!a->write) {
		io_data_set(a, KBC_STATUS_IDLE);
		return;
	}
	v = (uint8_t)io_data_get(a);
	if (v == KBC_PULSE_RESET) {
		out->kind = EXIT_RESET;
		snprintf(out->msg, sizeof(out->msg), "guest wrote 0xfe to port 0x64");
	}
}

int reset_register(struct reset_dev *d, struct io_bus *bus, struct vmm_err *err)
{
	int r = io_bus_register(bus, IO_PIO, RESET_PORT_RCR, 1, "reset-control", reset_rcr_io, d, err);

	if (!r)
		r = io_bus_register(bus, IO_PIO, RESET_PORT_KBC, 1, "kbc-reset", reset_kbc_io, d, err);
	return r;
}
