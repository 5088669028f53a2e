// SPDX-License-Identifier: GPL-2.0-only
/* Serial console: polled 8250 transmit and the printf family on top of it. */
#include <vmm/bootinfo.h>

#include "console.h"
#include "fmt.h"
#include "io.h"

/*
 * A real 8250 must be polled for THRE before each byte. The VMM's UART is
 * always ready (LSR reads 0x60), so the bound only matters for a UART that
 * is missing or broken: output is dropped rather than hanging the guest.
 */
#define UART_POLL_LIMIT	1024

void console_putc(char c)
{
	for (int i = 0; i < UART_POLL_LIMIT; i++) {
		if (inb(VMM_PORT_SERIAL + UART_LSR) & UART_LSR_THRE)
			break;
	}
	outb(VMM_PORT_SERIAL + UART_THR, (uint8_t)c);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

static void console_emit(char c, void *ctx)
{
	(void)ctx;
	console_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(console_emit, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
