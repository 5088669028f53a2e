// SPDX-License-Identifier: GPL-2.0-only
/* TAP version 12/13 as testanything.org specifies it: plan, test points, directives, bail out. */
#include "selftest/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void copy_line(char *dst, size_t dlen, const char *s, size_t n)
{
	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The directive after '#' in a test point: SKIP or TODO (case-insensitive). */
static const char *tap_directive(const char *line, size_t n, const char *word)
{
	const char *hash = memchr(line, '#', n);

	while (hash) {
		const char *p = hash + 1;

		while (p < line + n && *p == ' ')
			p++;
		if ((size_t)(line + n - p) >= strlen(word) && !strncasecmp(p, word, strlen(word)))
			return p + strlen(word);
		hash = memchr(hash + 1, '#', (size_t)(line + n - hash - 1));
	}
	return NULL;
}

static void tap_plan_line(const char *line, size_t n, struct tap_result *r)
{
	const char *skip;

	r->has_plan = true;
	r->planned = (unsigned int)strtoul(line + 3, NULL, 10);
	skip = tap_directive(line, n, "SKIP");
	if (r->planned == 0 && skip) {
		r->plan_skip = true;
		while (*skip == ' ')
			skip++;
		copy_line(r->skip_reason, sizeof(r->skip_reason), skip, (size_t)(line + n - skip));
	}
}

static void tap_point(const char *line, size_t n, bool ok, struct tap_result *r)
{
	const char *skip = tap_directive(line, n, "SKIP");

	if (tap_directive(line, n, "TODO")) {
		r->todo++;
		return;
	}
	if (ok && skip) {
		r->skipped++;
		if (!r->skip_reason[0]) {
			while (*skip == ' ')
				skip++;
			copy_line(r->skip_reason, sizeof(r->skip_reason), skip, (size_t)(line + n - skip));
		}
	}
	if (ok) {
		r->ok++;
		return;
	}
	r->not_ok++;
	if (!r->first_failure[0])
		copy_line(r->first_failure, sizeof(r->first_failure), line, n);
}

static void tap_line(const char *line, size_t n, struct tap_result *r)
{
	if (n >= 3 && !strncmp(line, "1..", 3))
		tap_plan_line(line, n, r);
	else if (n >= 6 && !strncmp(line, "not ok", 6) && (n == 6 || line[6] == ' '))
		tap_point(line, n, false, r);
	else if (n >= 2 && !strncmp(line, "ok", 2) && (n == 2 || line[2] == ' '))
		tap_point(line, n, true, r);
	else if (n >= 9 && !strncmp(line, "Bail out!", 9)) {
		r->bailed = true;
		if (!r->first_failure[0])
			copy_line(r->first_failure, sizeof(r->first_failure), line, n);
	}
}

void tap_parse(const char *text, size_t len, struct tap_result *r)
{
	const char *p = text, *end = text + len;

	memset(r, 0, sizeof(*r));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t full = nl ? (size_t)(nl - p) : (size_t)(end - p), n = full;

		if (n && p[n - 1] == '\r')
			n--;
		tap_line(p, n, r);
		p += full + 1;
		if (!nl)
			break;
	}
}
