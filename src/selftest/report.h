/* SPDX-License-Identifier: GPL-2.0-only */
/* Judging one self-test pair from its outputs, and the report. Pure but for the FILE it prints to. */
#ifndef VMM_VMM_SELFTEST_REPORT_H
#define VMM_VMM_SELFTEST_REPORT_H

#include "selftest/selftest.h"
#include "selftest/tap.h"

enum selftest_verdict {
	ST_PENDING,
	ST_PASS,
	ST_FAIL,
	ST_SKIP,
	ST_UNAVAILABLE,		/* the host cannot give this mode: not run */
};

struct selftest_pair {
	const struct selftest_guest *guest;
	enum selftest_mode mode;
	enum selftest_verdict verdict;
	int status;			/* vmm's exit status */
	double seconds;
	struct tap_result tap;
	char why[240];			/* failure or skip reason */
	char *output;			/* the guest's stdout, kept with --guest-output */
	size_t output_len;
};

const char *selftest_verdict_name(enum selftest_verdict v);

/* Decide p->verdict and p->why from p->status, p->tap and vmm's stderr. */
void selftest_judge(struct selftest_pair *p, const char *err_text);

/* Print the matrix (or TAP), write JSON if asked; returns 0, 1 or 77 as selftest_run(). */
int selftest_report(const struct selftest_opts *o, const struct selftest_env *env,
		    const struct selftest_pair *pairs, unsigned int n, double seconds, FILE *out,
		    struct vmm_err *err);

/*
 * --guest-output: the guest's TAP, or a skip plan for a mode the host cannot
 * give; 1 when the pair failed, else 0 (as a TAP consumer expects).
 */
int selftest_report_guest(const struct selftest_env *env, const struct selftest_pair *p, FILE *out);

#endif
