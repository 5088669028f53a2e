/* SPDX-License-Identifier: GPL-2.0-only */
/* 8250/16550-compatible UART, transmit only: what the guest writes goes to an fd. */
#ifndef VMM_HW_SERIAL_H
#define VMM_HW_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/io.h"

struct serial {
	int out_fd;		/* where transmitted bytes go; -1 drops them */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	size_t len;		/* buffered bytes, flushed at newline or when full */
	char buf[512];
	int write_errno;	/* first error writing out_fd, 0 if none */
};

void serial_init(struct serial *s, int out_fd);
int serial_register(struct serial *s, struct io_bus *bus, uint16_t base, struct vmm_err *err);
/* Write out what is buffered (call with the bus lock held or after the vCPUs stopped). */
void serial_flush(struct serial *s);

#endif
