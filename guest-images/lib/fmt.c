// SPDX-License-Identifier: GPL-2.0-only
/*
 * printf-style formatting without libc. See fmt.h for what is supported.
 * The same file is compiled for 64-bit guests, for the 32-bit multiboot
 * runtime and for the host unit test, so it avoids anything that would pull
 * in libgcc (notably 64-bit division in 32-bit code).
 */
#include <stdbool.h>
#include <stdint.h>

#include "fmt.h"

enum {
	FMT_LEFT = 1 << 0,	/* '-' */
	FMT_ZERO = 1 << 1,	/* '0' */
	FMT_ALT = 1 << 2,	/* '#' */
	FMT_PLUS = 1 << 3,	/* '+' */
	FMT_SPACE = 1 << 4,	/* ' ' */
};

enum fmt_len { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_SIZE };

struct fmt_spec {
	unsigned int flags;
	int width;
	int prec;		/* -1: none given */
	enum fmt_len len;
};

struct fmt_out {
	fmt_emit_fn emit;
	void *ctx;
	int count;
};

static void fmt_putc(struct fmt_out *out, char c)
{
	out->emit(c, out->ctx);
	out->count++;
}

static void fmt_repeat(struct fmt_out *out, char c, int n)
{
	while (n-- > 0)
		fmt_putc(out, c);
}

/*
 * Divides *n by base (2..16) in place and returns the remainder. Long
 * division in 16-bit chunks needs only 32-bit divides, so 32-bit builds
 * do not call __udivdi3.
 */
static unsigned int fmt_divmod(uint64_t *n, unsigned int base)
{
	uint64_t q = 0;
	uint32_t r = 0;

	for (int shift = 48; shift >= 0; shift -= 16) {
		uint32_t cur = r << 16 | (uint32_t)(*n >> shift & 0xffff);

		q |= (uint64_t)(cur / base) << shift;
		r = cur % base;
	}
	*n = q;
	return r;
}

/* Writes the digits of v, least significant first; returns how many. */
static int fmt_digits(char *buf, uint64_t v, unsigned int base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do
		buf[n++] = set[fmt_divmod(&v, base)];
	while (v);
	return n;
}

static void fmt_number(struct fmt_out *out, const struct fmt_spec *s,
		       uint64_t v, unsigned int base, bool upper,
		       const char *prefix)
{
	char digits[24];	/* 64 bits in octal is 22 digits */
	int nd = (v == 0 && s->prec == 0) ? 0 : fmt_digits(digits, v, base, upper);
	int zeros = s->prec > nd ? s->prec - nd : 0;
	int plen = 0;
	int pad;

	while (prefix[plen])
		plen++;
	pad = s->width - plen - zeros - nd;
	if (!(s->flags & FMT_LEFT) && (!(s->flags & FMT_ZERO) || s->prec >= 0))
		fmt_repeat(out, ' ', pad);
	for (int i = 0; i < plen; i++)
		fmt_putc(out, prefix[i]);
	if (!(s->flags & FMT_LEFT) && (s->flags & FMT_ZERO) && s->prec < 0)
		fmt_repeat(out, '0', pad);
	fmt_repeat(out, '0', zeros);
	while (nd > 0)
		fmt_putc(out, digits[--nd]);
	if (s->flags & FMT_LEFT)
		fmt_repeat(out, ' ', pad);
}

static void fmt_string(struct fmt_out *out, const struct fmt_spec *s,
		       const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (s->prec < 0 || n < s->prec))
		n++;
	if (!(s->flags & FMT_LEFT))
		fmt_repeat(out, ' ', s->width - n);
	for (int i = 0; i < n; i++)
		fmt_putc(out, str[i]);
	if (s->flags & FMT_LEFT)
		fmt_repeat(out, ' ', s->width - n);
}

static uint64_t fmt_arg_unsigned(const struct fmt_spec *s, va_list *ap)
{
	switch (s->len) {
	case LEN_HH:	return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:	return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:	return va_arg(*ap, unsigned long);
	case LEN_LL:	return va_arg(*ap, unsigned long long);
	case LEN_SIZE:	return va_arg(*ap, size_t);
	default:	return va_arg(*ap, unsigned int);
	}
}

static int64_t fmt_arg_signed(const struct fmt_spec *s, va_list *ap)
{
	switch (s->len) {
	case LEN_HH:	return (signed char)va_arg(*ap, int);
	case LEN_H:	return (short)va_arg(*ap, int);
	case LEN_L:	return va_arg(*ap, long);
	case LEN_LL:	return va_arg(*ap, long long);
	case LEN_SIZE:	return va_arg(*ap, ptrdiff_t);
	default:	return va_arg(*ap, int);
	}
}

static void fmt_signed(struct fmt_out *out, const struct fmt_spec *s, int64_t v)
{
	/* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	const char *prefix = "";

	if (v < 0)
		prefix = "-";
	else if (s->flags & FMT_PLUS)
		prefix = "+";
	else if (s->flags & FMT_SPACE)
		prefix = " ";
	fmt_number(out, s, mag, 10, false, prefix);
}

/* Parses a width or precision: digits, or '*' taken from the arguments. */
static int fmt_parse_int(const char **p, va_list *ap)
{
	int v = 0;

	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

static void fmt_parse_flags(const char **p, struct fmt_spec *s)
{
	for (;; (*p)++) {
		switch (**p) {
		case '-': s->flags |= FMT_LEFT; break;
		case '0': s->flags |= FMT_ZERO; break;
		case '#': s->flags |= FMT_ALT; break;
		case '+': s->flags |= FMT_PLUS; break;
		case ' ': s->flags |= FMT_SPACE; break;
		default: return;
		}
	}
}

static void fmt_parse_len(const char **p, struct fmt_spec *s)
{
	s->len = LEN_INT;
	switch (**p) {
	case 'h':
		(*p)++;
		s->len = LEN_H;
		if (**p == 'h') {
			(*p)++;
			s->len = LEN_HH;
		}
		break;
	case 'l':
		(*p)++;
		s->len = LEN_L;
		if (**p == 'l') {
			(*p)++;
			s->len = LEN_LL;
		}
		break;
	case 'z': case 'j': case 't':
		/* size_t, intmax_t and ptrdiff_t are all machine words here. */
		s->len = **p == 'j' ? LEN_LL : LEN_SIZE;
		(*p)++;
		break;
	}
}

/* Parses flags, width, precision and length of the conversion at *p. */
static void fmt_parse_spec(const char **p, struct fmt_spec *s, va_list *ap)
{
	s->flags = 0;
	s->prec = -1;
	fmt_parse_flags(p, s);
	s->width = fmt_parse_int(p, ap);
	if (s->width < 0) {		/* C11 7.21.6.1: negative '*' width is '-' */
		s->flags |= FMT_LEFT;
		s->width = -s->width;
	}
	if (**p == '.') {
		(*p)++;
		s->prec = fmt_parse_int(p, ap);
		if (s->prec < 0)
			s->prec = -1;
	}
	fmt_parse_len(p, s);
}

static void fmt_convert(struct fmt_out *out, const struct fmt_spec *s,
			char conv, va_list *ap)
{
	char c;

	switch (conv) {
	case 'd': case 'i':
		fmt_signed(out, s, fmt_arg_signed(s, ap));
		break;
	case 'u':
		fmt_number(out, s, fmt_arg_unsigned(s, ap), 10, false, "");
		break;
	case 'o':
		fmt_number(out, s, fmt_arg_unsigned(s, ap), 8, false,
			   s->flags & FMT_ALT ? "0" : "");
		break;
	case 'x': case 'X': {
		uint64_t v = fmt_arg_unsigned(s, ap);
		const char *prefix = (s->flags & FMT_ALT) && v ? (conv == 'x' ? "0x" : "0X") : "";

		fmt_number(out, s, v, 16, conv == 'X', prefix);
		break;
	}
	case 'p':
		fmt_number(out, s, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		break;
	case 's':
		fmt_string(out, s, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		if (!(s->flags & FMT_LEFT))
			fmt_repeat(out, ' ', s->width - 1);
		fmt_putc(out, c);
		if (s->flags & FMT_LEFT)
			fmt_repeat(out, ' ', s->width - 1);
		break;
	default:
		/* Unknown conversion: show it rather than guess an argument. */
		fmt_putc(out, '%');
		if (conv)
			fmt_putc(out, conv);
		break;
	}
}

int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out out = { .emit = emit, .ctx = ctx, .count = 0 };
	struct fmt_spec spec;
	va_list args;

	/* va_copy lets the helpers take a va_list * on every ABI. */
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			fmt_putc(&out, *fmt++);
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			fmt_putc(&out, *fmt++);
			continue;
		}
		fmt_parse_spec(&fmt, &spec, &args);
		fmt_convert(&out, &spec, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return out.count;
}

struct fmt_buf {
	char *buf;
	size_t size;
	size_t pos;
};

static void fmt_buf_emit(char c, void *ctx)
{
	struct fmt_buf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { .buf = buf, .size = size, .pos = 0 };
	int n = fmt_vformat(fmt_buf_emit, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
