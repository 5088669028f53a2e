/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A TAP (Test Anything Protocol, version 12) reporter on the serial console.
 *
 *	tap_plan(2);
 *	report(x == 1, "x is one");		-> "ok 1 - x is one"
 *	report_eq(y, 2, "y after %d loops", n);	-> "not ok 2 - y after 5 loops"
 *						   "#   y = 0x3 (3)"
 *						   "#   2 = 0x2 (2)"
 *	tap_done();				-> exits: see tapcore.h
 *
 * The tally is the guest's only test state; it is meant for the boot vCPU.
 */
#ifndef GUEST_TAP_H
#define GUEST_TAP_H

#include <stdbool.h>
#include <stdint.h>

#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Prints the plan "1..n". Optional: without it tap_done() prints one. */
void tap_plan(unsigned int n);

/* "ok N - name" or "not ok N - name"; returns pass. */
bool report(bool pass, const char *fmt, ...) TAP_PRINTF(2, 3);

/* "ok N - name # SKIP reason". */
void report_skip(const char *name, const char *reason_fmt, ...) TAP_PRINTF(2, 3);

/* "# text": diagnostics that TAP consumers show but do not count. */
void report_info(const char *fmt, ...) TAP_PRINTF(1, 2);

/* "Bail out! text", then exit with GUEST_EXIT_FAIL. */
__attribute__((noreturn)) void report_abort(const char *fmt, ...) TAP_PRINTF(1, 2);

/* Prints the summary and exits with the tally's verdict (GUEST_EXIT_*). */
__attribute__((noreturn)) void tap_done(void);

/* The helpers behind report_eq() and report_streq(). */
bool tap_report_eq(uint64_t a, uint64_t b, const char *ea, const char *eb,
		   const char *fmt, ...) TAP_PRINTF(5, 6);
bool tap_report_streq(const char *a, const char *b, const char *ea,
		      const char *eb, const char *fmt, ...) TAP_PRINTF(5, 6);

/*
 * Compare two integers (as uint64_t) or two strings; on failure print both
 * expressions and both values under the "not ok" line.
 */
#define report_eq(a, b, ...) \
	tap_report_eq((uint64_t)(a), (uint64_t)(b), #a, #b, __VA_ARGS__)
#define report_streq(a, b, ...) \
	tap_report_streq((a), (b), #a, #b, __VA_ARGS__)

#endif
