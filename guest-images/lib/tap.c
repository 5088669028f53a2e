// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>

#include "console.h"
#include "exit.h"
#include "mem.h"
#include "tap.h"
#include "tapcore.h"

static struct tap_tally tap_state;

void tap_plan(unsigned int n)
{
	tap_state.has_plan = true;
	tap_state.planned = n;
	printf("1..%u\n", n);
}

static void tap_vline(enum tap_result r, const char *fmt, va_list ap)
{
	unsigned int n = tap_tally_add(&tap_state, r);

	printf("%s %u - ", r == TAP_RESULT_FAIL ? "not ok" : "ok", n);
	vprintf(fmt, ap);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(pass ? TAP_RESULT_PASS : TAP_RESULT_FAIL, fmt, ap);
	va_end(ap);
	console_putc('\n');
	return pass;
}

void report_skip(const char *name, const char *reason_fmt, ...)
{
	unsigned int n = tap_tally_add(&tap_state, TAP_RESULT_SKIP);
	va_list ap;

	printf("ok %u - %s # SKIP ", n, name);
	va_start(ap, reason_fmt);
	vprintf(reason_fmt, ap);
	va_end(ap);
	console_putc('\n');
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	console_puts("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	console_putc('\n');
}

void report_abort(const char *fmt, ...)
{
	va_list ap;

	console_puts("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	console_putc('\n');
	guest_exit(GUEST_EXIT_FAIL);
}

bool tap_report_eq(uint64_t a, uint64_t b, const char *ea, const char *eb,
		   const char *fmt, ...)
{
	bool pass = a == b;
	va_list ap;

	va_start(ap, fmt);
	tap_vline(pass ? TAP_RESULT_PASS : TAP_RESULT_FAIL, fmt, ap);
	va_end(ap);
	console_putc('\n');
	if (!pass) {
		printf("#   %s = %#llx (%llu)\n", ea, (unsigned long long)a,
		       (unsigned long long)a);
		printf("#   %s = %#llx (%llu)\n", eb, (unsigned long long)b,
		       (unsigned long long)b);
	}
	return pass;
}

bool tap_report_streq(const char *a, const char *b, const char *ea,
		      const char *eb, const char *fmt, ...)
{
	bool pass = a && b && strcmp(a, b) == 0;
	va_list ap;

	va_start(ap, fmt);
	tap_vline(pass ? TAP_RESULT_PASS : TAP_RESULT_FAIL, fmt, ap);
	va_end(ap);
	console_putc('\n');
	if (!pass) {
		printf("#   %s = \"%s\"\n", ea, a);
		printf("#   %s = \"%s\"\n", eb, b);
	}
	return pass;
}

void tap_done(void)
{
	const struct tap_tally *t = &tap_state;
	enum tap_verdict v = tap_tally_verdict(t);

	if (!t->has_plan)
		printf("1..%u\n", t->run);
	else if (t->run != t->planned)
		printf("# planned %u tests but ran %u\n", t->planned, t->run);
	printf("# passed %u, failed %u, skipped %u\n", t->passed, t->failed,
	       t->skipped);
	guest_exit(tap_verdict_exit_code(v));
}
