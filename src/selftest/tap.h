/* SPDX-License-Identifier: GPL-2.0-only */
/* A reader of TAP (Test Anything Protocol) output, for the self-test runner. Pure. */
#ifndef VMM_VMM_TAP_H
#define VMM_VMM_TAP_H

#include <stdbool.h>
#include <stddef.h>

struct tap_result {
	bool has_plan;
	unsigned int planned;		/* from "1..N" */
	bool plan_skip;			/* "1..0 # SKIP ..." */
	unsigned int ok, not_ok, skipped, todo;
	bool bailed;			/* "Bail out!" seen */
	char first_failure[200];	/* first "not ok" or "Bail out!" line, else empty */
	char skip_reason[200];		/* reason of the first skip */
};

void tap_parse(const char *text, size_t len, struct tap_result *r);

/* Test points seen (ok + not ok). */
static inline unsigned int tap_points(const struct tap_result *r)
{
	return r->ok + r->not_ok;
}

#endif
