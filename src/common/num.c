// SPDX-License-Identifier: GPL-2.0-only
#include "common/num.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The number at the start of s; *end is where it stopped. */
static int num_prefix(const char *s, uint64_t *v, const char **end)
{
	unsigned int base = 10;
	bool overflow = false;
	const char *p = s;
	uint64_t x = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p || (d = hex_digit(*p)) < 0 || (unsigned int)d >= base)
		return -EINVAL;
	if (base == 10 && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return -EINVAL;	/* "010": octal to C, decimal to a human; neither here */
	for (; *p && (d = hex_digit(*p)) >= 0 && (unsigned int)d < base; p++)
		if (__builtin_mul_overflow(x, base, &x) || __builtin_add_overflow(x, (uint64_t)d, &x))
			overflow = true;
	*end = p;
	*v = x;
	return overflow ? -ERANGE : 0;
}

int num_parse_u64(const char *s, uint64_t *v)
{
	const char *end;
	uint64_t x;
	int r = num_prefix(s, &x, &end);

	if (r == -EINVAL || *end)
		return -EINVAL;
	if (r < 0)
		return r;
	*v = x;
	return 0;
}

static int size_shift(const char *suffix, unsigned int default_shift, unsigned int *shift)
{
	if (!*suffix) {
		*shift = default_shift;
		return 0;
	}
	switch (*suffix) {
	case 'k': case 'K': *shift = 10; break;
	case 'm': case 'M': *shift = 20; break;
	case 'g': case 'G': *shift = 30; break;
	default: return -EINVAL;
	}
	suffix++;
	if (suffix[0] == 'i' && suffix[1] == 'B')
		suffix += 2;
	else if (suffix[0] == 'B')
		suffix++;
	return *suffix ? -EINVAL : 0;
}

int num_parse_size(const char *s, unsigned int default_shift, uint64_t *v)
{
	unsigned int shift;
	const char *end;
	uint64_t x;
	int r = num_prefix(s, &x, &end);

	if (r == -EINVAL || size_shift(end, default_shift, &shift) < 0)
		return -EINVAL;
	if (r < 0 || shift >= 64 || x > (UINT64_MAX >> shift))
		return -ERANGE;
	*v = x << shift;
	return 0;
}
