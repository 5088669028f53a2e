// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one classification of errors (common/err.h): each way of recording
 * an error says whose fault it is, whatever the struct held before and
 * whatever the errno. A failed ioctl is the host's fault even when its
 * errno is E2BIG or EINVAL, which elsewhere mean a too-long command line or
 * a bad option.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"

enum how { HOW_ERRF, HOW_INPUT, HOW_IOCTL };

struct err_case {
	enum how how;
	int code;
	const char *name;	/* the ioctl (HOW_IOCTL) or the message */
	const char *hint;
	bool before;		/* input as left by an earlier error in the same struct */
	bool input;		/* what the record must say */
	const char *msg;
};

static const struct err_case cases[] = {
	/* KVM_GET_SUPPORTED_CPUID's E2BIG: the host's table is bigger than the VMM's (kvm.c). */
	{ HOW_IOCTL, E2BIG, "KVM_GET_SUPPORTED_CPUID", "KVM reports more CPUID entries than this VMM's table holds",
	  true, false, "KVM_GET_SUPPORTED_CPUID failed: Argument list too long (KVM reports more CPUID entries "
	  "than this VMM's table holds)" },
	{ HOW_IOCTL, E2BIG, "KVM_GET_SUPPORTED_CPUID", NULL, false, false,
	  "KVM_GET_SUPPORTED_CPUID failed: Argument list too long" },
	{ HOW_IOCTL, EINVAL, "KVM_SET_CPUID2", "", true, false, "KVM_SET_CPUID2 failed: Invalid argument" },
	{ HOW_IOCTL, ERANGE, "KVM_SET_MSRS", NULL, true, false, "KVM_SET_MSRS failed: Numerical result out of range" },
	{ HOW_ERRF, E2BIG, "the seccomp filter needs more than 64 instructions", NULL, true, false,
	  "the seccomp filter needs more than 64 instructions" },
	{ HOW_ERRF, ENOMEM, "out of memory", NULL, false, false, "out of memory" },
	{ HOW_INPUT, E2BIG, "command line is 5000 bytes", NULL, false, true, "command line is 5000 bytes" },
	{ HOW_INPUT, ENOENT, "unknown PMU option --pmu-foo", NULL, true, true, "unknown PMU option --pmu-foo" },
	{ HOW_INPUT, EINVAL, "--pmu-gp=9: 8 at most", NULL, false, true, "--pmu-gp=9: 8 at most" },
};

static int record(const struct err_case *c, struct vmm_err *err)
{
	switch (c->how) {
	case HOW_ERRF:
		return vmm_errf(err, c->code, "%s", c->name);
	case HOW_INPUT:
		return vmm_err_input(err, c->code, "%s", c->name);
	default:
		return vmm_err_ioctl(err, c->name, c->code, c->hint);
	}
}

static void test_classification(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct err_case *c = &cases[i];
		struct vmm_err err = { .code = EINVAL, .input = c->before, .msg = "an earlier error" };
		int r = record(c, &err);

		if (r != -c->code || err.code != c->code)
			fail_msg("case %zu (%s): returned %d, code %d, want %d", i, c->name, r, err.code, -c->code);
		if (err.input != c->input)
			fail_msg("case %zu (%s, %s): input %d, want %d", i, c->name, strerror(c->code), err.input,
				 c->input);
		if (strcmp(err.msg, c->msg))
			fail_msg("case %zu: message '%s', want '%s'", i, err.msg, c->msg);
		/* No struct: only the return value. */
		assert_int_equal(record(c, NULL), -c->code);
	}
}

/* A prefix adds context and keeps the classification. */
static void test_prefix_keeps_class(void **state)
{
	struct vmm_err err = { 0 };

	(void)state;
	vmm_err_input(&err, E2BIG, "command line is too long");
	vmm_err_prefix(&err, "loading %s", "hello.elf");
	assert_true(err.input);
	assert_string_equal(err.msg, "loading hello.elf: command line is too long");
	vmm_err_ioctl(&err, "KVM_RUN", E2BIG, NULL);
	vmm_err_prefix(&err, "vCPU %d", 0);
	assert_false(err.input);
	assert_string_equal(err.msg, "vCPU 0: KVM_RUN failed: Argument list too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_prefix_keeps_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
