/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bookkeeping behind the TAP reporter: a tally of results and the rule
 * that turns it into the guest's exit code. Pure code, unit-tested on the
 * host.
 */
#ifndef GUEST_TAPCORE_H
#define GUEST_TAPCORE_H

#include <stdbool.h>

struct tap_tally {
	bool has_plan;		/* tap_plan() was called */
	unsigned int planned;
	unsigned int run;	/* passed + failed + skipped */
	unsigned int passed;
	unsigned int failed;
	unsigned int skipped;
};

enum tap_result { TAP_RESULT_PASS, TAP_RESULT_FAIL, TAP_RESULT_SKIP };

enum tap_verdict { TAP_VERDICT_PASS, TAP_VERDICT_FAIL, TAP_VERDICT_SKIP };

/* Counts one result; returns its test number (1-based), as TAP prints it. */
unsigned int tap_tally_add(struct tap_tally *t, enum tap_result r);

/*
 * Fail if anything failed, if a plan was given and not met, or if nothing
 * ran without a "1..0" plan; skip if every test that ran was skipped (or the
 * plan was 1..0); pass otherwise.
 */
enum tap_verdict tap_tally_verdict(const struct tap_tally *t);

/* GUEST_EXIT_PASS, GUEST_EXIT_FAIL or GUEST_EXIT_SKIP. */
unsigned int tap_verdict_exit_code(enum tap_verdict v);

#endif
