/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text output on the VMM's 8250 UART (COM1, VMM_PORT_SERIAL). Every guest
 * writes its results here; the VMM copies them to its standard output.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* 8250 registers, as offsets from the base port (PC16550D datasheet). */
#define UART_THR	0	/* transmit holding register (write) */
#define UART_LSR	5	/* line status register (read) */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LSR_TEMT	0x40	/* transmitter empty */

void console_putc(char c);
/* Writes s as it is: unlike libc's puts, no newline is added. */
void console_puts(const char *s);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
