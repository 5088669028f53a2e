// SPDX-License-Identifier: GPL-2.0-only
#include "json_check.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64

struct jc {
	const unsigned char *s;
	size_t n, i;
	char *why;
	size_t why_len;
};

static int jc_fail(struct jc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int jc_fail(struct jc *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->why_len)
		snprintf(c->why, c->why_len, "offset %zu: %s", c->i, msg);
	return -1;
}

static bool jc_eof(const struct jc *c)
{
	return c->i >= c->n;
}

static void jc_ws(struct jc *c)
{
	while (!jc_eof(c) && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
			      c->s[c->i] == '\r'))
		c->i++;
}

static int jc_literal(struct jc *c, const char *lit)
{
	for (const char *p = lit; *p; p++, c->i++)
		if (jc_eof(c) || c->s[c->i] != (unsigned char)*p)
			return jc_fail(c, "expected '%s'", lit);
	return 0;
}

static bool jc_digit(const struct jc *c)
{
	return !jc_eof(c) && c->s[c->i] >= '0' && c->s[c->i] <= '9';
}

/* RFC 8259 section 6: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int jc_number(struct jc *c)
{
	if (!jc_eof(c) && c->s[c->i] == '-')
		c->i++;
	if (!jc_digit(c))
		return jc_fail(c, "number without digits");
	if (c->s[c->i] == '0') {
		c->i++;
		if (jc_digit(c))
			return jc_fail(c, "number with a leading zero");
	} else {
		while (jc_digit(c))
			c->i++;
	}
	if (!jc_eof(c) && c->s[c->i] == '.') {
		c->i++;
		if (!jc_digit(c))
			return jc_fail(c, "no digit after the decimal point");
		while (jc_digit(c))
			c->i++;
	}
	if (!jc_eof(c) && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (!jc_eof(c) && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (!jc_digit(c))
			return jc_fail(c, "no digit in the exponent");
		while (jc_digit(c))
			c->i++;
	}
	return 0;
}

static int jc_hex4(struct jc *c, unsigned int *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++, c->i++) {
		unsigned char h = jc_eof(c) ? 0 : c->s[c->i];

		*v <<= 4;
		if (h >= '0' && h <= '9')
			*v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			*v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			*v |= h - 'A' + 10;
		else
			return jc_fail(c, "\\u needs four hex digits");
	}
	return 0;
}

/* After the backslash. */
static int jc_escape(struct jc *c)
{
	unsigned int u, lo;

	if (jc_eof(c))
		return jc_fail(c, "unterminated escape");
	switch (c->s[c->i++]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 0;
	case 'u':
		break;
	default:
		c->i--;
		return jc_fail(c, "invalid escape '\\%c'", c->s[c->i]);
	}
	if (jc_hex4(c, &u))
		return -1;
	if (u >= 0xdc00 && u <= 0xdfff)
		return jc_fail(c, "lone low surrogate \\u%04x", u);
	if (u < 0xd800 || u > 0xdbff)
		return 0;
	if (c->i + 2 > c->n || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
		return jc_fail(c, "high surrogate \\u%04x without a low one", u);
	c->i += 2;
	if (jc_hex4(c, &lo))
		return -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return jc_fail(c, "high surrogate \\u%04x followed by \\u%04x", u, lo);
	return 0;
}

/* RFC 3629 section 4: one UTF-8 sequence starting at a byte >= 0x80. */
static int jc_utf8(struct jc *c)
{
	unsigned char b = c->s[c->i];
	unsigned int need, cp;
	uint32_t min;

	if (b >= 0xc2 && b <= 0xdf) {
		need = 1; cp = b & 0x1f; min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2; cp = b & 0x0f; min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3; cp = b & 0x07; min = 0x10000;
	} else {
		return jc_fail(c, "byte 0x%02x does not start a UTF-8 sequence", b);
	}
	for (unsigned int k = 1; k <= need; k++) {
		unsigned char t = c->i + k < c->n ? c->s[c->i + k] : 0;

		if ((t & 0xc0) != 0x80)
			return jc_fail(c, "UTF-8 sequence 0x%02x cut short", b);
		cp = cp << 6 | (t & 0x3f);
	}
	if (cp < min)
		return jc_fail(c, "overlong UTF-8 form of U+%04X", cp);
	if (cp >= 0xd800 && cp <= 0xdfff)
		return jc_fail(c, "UTF-8 encoded surrogate U+%04X", cp);
	if (cp > 0x10ffff)
		return jc_fail(c, "UTF-8 code point U+%X above U+10FFFF", cp);
	c->i += need + 1;
	return 0;
}

static int jc_string(struct jc *c)
{
	c->i++;	/* the opening quote */
	for (;;) {
		unsigned char b;

		if (jc_eof(c))
			return jc_fail(c, "unterminated string");
		b = c->s[c->i];
		if (b == '"') {
			c->i++;
			return 0;
		}
		if (b < 0x20)
			return jc_fail(c, "raw control character 0x%02x in a string", b);
		if (b == '\\') {
			c->i++;
			if (jc_escape(c))
				return -1;
		} else if (b >= 0x80) {
			if (jc_utf8(c))
				return -1;
		} else {
			c->i++;
		}
	}
}

static int jc_value(struct jc *c, unsigned int depth);

static int jc_container(struct jc *c, unsigned int depth, bool object)
{
	char close = object ? '}' : ']';

	if (depth >= JSON_MAX_DEPTH)
		return jc_fail(c, "nested deeper than %d", JSON_MAX_DEPTH);
	c->i++;
	jc_ws(c);
	if (!jc_eof(c) && c->s[c->i] == (unsigned char)close) {
		c->i++;
		return 0;
	}
	for (;;) {
		jc_ws(c);
		if (object) {
			if (jc_eof(c) || c->s[c->i] != '"')
				return jc_fail(c, "object key is not a string");
			if (jc_string(c))
				return -1;
			jc_ws(c);
			if (jc_eof(c) || c->s[c->i] != ':')
				return jc_fail(c, "expected ':' after an object key");
			c->i++;
		}
		if (jc_value(c, depth + 1))
			return -1;
		jc_ws(c);
		if (jc_eof(c))
			return jc_fail(c, "unterminated %s", object ? "object" : "array");
		if (c->s[c->i] == (unsigned char)close) {
			c->i++;
			return 0;
		}
		if (c->s[c->i] != ',')
			return jc_fail(c, "expected ',' or '%c'", close);
		c->i++;
	}
}

static int jc_value(struct jc *c, unsigned int depth)
{
	jc_ws(c);
	if (jc_eof(c))
		return jc_fail(c, "expected a value");
	switch (c->s[c->i]) {
	case '{': return jc_container(c, depth, true);
	case '[': return jc_container(c, depth, false);
	case '"': return jc_string(c);
	case 't': return jc_literal(c, "true");
	case 'f': return jc_literal(c, "false");
	case 'n': return jc_literal(c, "null");
	default:
		if (c->s[c->i] == '-' || jc_digit(c))
			return jc_number(c);
		return jc_fail(c, "unexpected byte 0x%02x", c->s[c->i]);
	}
}

int json_check(const char *text, size_t len, char *why, size_t why_len)
{
	struct jc c = { .s = (const unsigned char *)text, .n = len, .why = why, .why_len = why_len };

	if (why_len)
		why[0] = '\0';
	if (jc_value(&c, 0))
		return -1;
	jc_ws(&c);
	if (!jc_eof(&c))
		return jc_fail(&c, "trailing text after the value");
	return 0;
}
