/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The printf engine of the guest library. It is pure code (no I/O, no
 * libc), so it is built both into the guests and into a host unit test.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '#' '+' ' ',
 * a width and a precision (digits or '*'), length modifiers hh h l ll z j t.
 * Anything else is copied to the output unchanged so a bad format is visible.
 */
#ifndef GUEST_FMT_H
#define GUEST_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Called once per output character; ctx is passed through unchanged. */
typedef void (*fmt_emit_fn)(char c, void *ctx);

/* Formats into emit; returns the number of characters emitted. */
int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *fmt, va_list ap);

/*
 * C99 vsnprintf semantics: writes at most size - 1 characters and a NUL
 * (when size > 0) and returns the length the whole output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
