/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 8250/16550-compatible UART, transmit only: what the guest writes goes to an
 * fd through a bounded buffer that is drained by non-blocking writes, so a
 * reader that does not keep up never blocks a vCPU (docs/cli.md, "Guest
 * output").
 */
#ifndef VMM_HW_SERIAL_H
#define VMM_HW_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "vmm/hw/io.h"

#define SERIAL_BUF_SIZE 16384

struct serial {
	int out_fd;		/* where transmitted bytes go; -1 drops them */
	int own_fd;		/* a non-blocking handle on out_fd's file that serial_init() opened, or -1 */
	bool out_socket;	/* out_fd is a socket: send(MSG_DONTWAIT | MSG_NOSIGNAL) */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	size_t head, len;	/* buffered bytes: buf[head..] then from buf[0], len in all */
	char buf[SERIAL_BUF_SIZE];
	uint64_t dropped;	/* bytes lost: written while the buffer was full, or unwritable at the end */
	int write_errno;	/* first error writing out_fd, 0 if none; output is discarded after it */
};

/*
 * Set up the UART with its power-on registers, writing to out_fd (-1: drop).
 * A pipe, FIFO or terminal is written through a non-blocking handle of its
 * own (reopened through /proc/self/fd), so the caller's file description
 * keeps its flags; a regular file is written as it is; a socket with
 * MSG_DONTWAIT. Fails when no non-blocking handle can be had.
 */
int serial_init(struct serial *s, int out_fd, struct vmm_err *err);
/* Write out what can be written now, count the rest as dropped, close the handle serial_init() opened. */
void serial_destroy(struct serial *s);
/* Registers back to their power-on values (a machine reset); buffered output is kept. */
void serial_reset(struct serial *s);
int serial_register(struct serial *s, struct io_bus *bus, uint16_t base, struct vmm_err *err);
/* Write out what can be written without blocking (with the bus lock held or after the vCPUs stopped). */
void serial_flush(struct serial *s);
/*
 * Write out everything buffered, waiting for the reader, until the buffer is
 * empty, stop_fd (-1: none) is readable or timeout_ms (< 0: none) passed.
 * Returns the bytes still buffered. Only once the vCPUs stopped.
 */
size_t serial_drain(struct serial *s, int stop_fd, int timeout_ms);

#endif
