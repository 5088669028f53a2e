// SPDX-License-Identifier: GPL-2.0-only
/*
 * 8250-compatible UART (COM1). Registers (offset from base, DLAB = LCR bit 7):
 * 0 THR/RBR (DLL when DLAB), 1 IER (DLM when DLAB), 2 IIR/FCR, 3 LCR, 4 MCR,
 * 5 LSR, 6 MSR, 7 SCR. Transmission is instantaneous: LSR always reads
 * THRE|TEMT (0x60) so polled drivers never spin, and no byte is ever received.
 */
#include "vmm/hw/serial.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define UART_LCR_DLAB	0x80
#define UART_LSR_IDLE	0x60	/* THRE | TEMT */
#define UART_IIR_NONE	0x01	/* no interrupt pending */
#define UART_MSR_IDLE	0xb0	/* DCD | DSR | CTS */

void serial_init(struct serial *s, int out_fd)
{
	memset(s, 0, sizeof(*s));
	s->out_fd = out_fd;
}

void serial_flush(struct serial *s)
{
	size_t off = 0;

	while (off < s->len && s->out_fd >= 0) {
		ssize_t n = write(s->out_fd, s->buf + off, s->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!s->write_errno)
				s->write_errno = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	s->len = 0;
}

static void serial_transmit(struct serial *s, uint8_t c)
{
	s->buf[s->len++] = (char)c;
	if (c == '\n' || s->len == sizeof(s->buf))
		serial_flush(s);
}

static uint8_t serial_read(const struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case 0: return dlab ? s->dll : 0;
	case 1: return dlab ? s->dlm : s->ier;
	case 2: return UART_IIR_NONE;
	case 3: return s->lcr;
	case 4: return s->mcr;
	case 5: return UART_LSR_IDLE;
	case 6: return UART_MSR_IDLE;
	default: return s->scr;
	}
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab)
			s->dll = v;
		else
			serial_transmit(s, v);
		break;
	case 1:
		if (dlab)
			s->dlm = v;
		else
			s->ier = v & 0x0f;
		break;
	case 2: break;	/* FCR: FIFOs are irrelevant to an instantaneous UART */
	case 3: s->lcr = v; break;
	case 4: s->mcr = v & 0x1f; break;
	case 7: s->scr = v; break;
	default: break;	/* LSR and MSR are read-only */
	}
}

static void serial_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct serial *s = opaque;

	(void)out;
	/* Wider accesses touch consecutive registers, as on an ISA bus. */
	for (unsigned int i = 0; i < a->size; i++) {
		unsigned int reg = (unsigned int)((a->offset + i) & 7);

		if (a->write)
			serial_write(s, reg, a->data[i]);
		else
			a->data[i] = serial_read(s, reg);
	}
}

int serial_register(struct serial *s, struct io_bus *bus, uint16_t base, struct vmm_err *err)
{
	return io_bus_register(bus, IO_PIO, base, 8, "serial", serial_io, s, err);
}
