// SPDX-License-Identifier: GPL-2.0-only
#include "exit.h"
#include "tapcore.h"

unsigned int tap_tally_add(struct tap_tally *t, enum tap_result r)
{
	switch (r) {
	case TAP_RESULT_PASS:
		t->passed++;
		break;
	case TAP_RESULT_FAIL:
		t->failed++;
		break;
	case TAP_RESULT_SKIP:
		t->skipped++;
		break;
	}
	return ++t->run;
}

enum tap_verdict tap_tally_verdict(const struct tap_tally *t)
{
	if (t->failed)
		return TAP_VERDICT_FAIL;
	if (t->has_plan && t->run != t->planned)
		return TAP_VERDICT_FAIL;
	if (t->run == 0)
		return t->has_plan ? TAP_VERDICT_SKIP : TAP_VERDICT_FAIL;
	if (t->skipped == t->run)
		return TAP_VERDICT_SKIP;
	return TAP_VERDICT_PASS;
}

unsigned int tap_verdict_exit_code(enum tap_verdict v)
{
	switch (v) {
	case TAP_VERDICT_PASS:
		return GUEST_EXIT_PASS;
	case TAP_VERDICT_SKIP:
		return GUEST_EXIT_SKIP;
	default:
		return GUEST_EXIT_FAIL;
	}
}
