// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the soft PMU engine executes itself: LOOP/LOOPE/LOOPNE to themselves
 * (how many times they retire, and RCX afterwards), from real encodings
 * through the classifier.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/exec.h"

#define ZF (1ull << 6)

struct loop_case {
	int mode;
	uint8_t bytes[4];
	size_t n;
	uint64_t rip, rcx, rflags;
	uint64_t iterations;		/* soft_exec_loop_self() */
	uint64_t k, rcx_after;		/* soft_exec_loop_rcx(k) */
};

static const struct loop_case loop_cases[] = {
	/* LOOP . with RCX = 1000: 1000 retirements, the last falls through */
	{ 64, { 0xe2, 0xfe }, 2, 0x1000, 1000, 0, 1000, 1000, 0 },
	{ 64, { 0xe2, 0xfe }, 2, 0x1000, 1000, 0, 1000, 10, 990 },
	/* RCX = 0: 2^64 times (capped to UINT64_MAX) */
	{ 64, { 0xe2, 0xfe }, 2, 0x1000, 0, 0, UINT64_MAX, 1, UINT64_MAX },
	/* 64-bit count: the upper half counts too */
	{ 64, { 0xe2, 0xfe }, 2, 0x1000, 0x100000000ull, 0, 0x100000000ull, 1, 0xffffffffull },
	/* LOOP with 67H in 64-bit mode (ECX): left to stepping */
	{ 64, { 0x67, 0xe2, 0xfd }, 3, 0x1000, 5, 0, 0, 0, 5 },
	/* LOOPE . needs ZF = 1, LOOPNE . ZF = 0 */
	{ 64, { 0xe1, 0xfe }, 2, 0x1000, 7, ZF, 7, 7, 0 },
	{ 64, { 0xe1, 0xfe }, 2, 0x1000, 7, 0, 0, 0, 7 },
	{ 64, { 0xe0, 0xfe }, 2, 0x1000, 7, 0, 7, 3, 4 },
	{ 64, { 0xe0, 0xfe }, 2, 0x1000, 7, ZF, 0, 0, 7 },
	/* JRCXZ . loops for ever while RCX = 0: not executed */
	{ 64, { 0xe3, 0xfe }, 2, 0x1000, 0, 0, 0, 0, 0 },
	/* a LOOP elsewhere, a JMP to itself: not executed */
	{ 64, { 0xe2, 0xf0 }, 2, 0x1000, 9, 0, 0, 0, 9 },
	{ 64, { 0xeb, 0xfe }, 2, 0x1000, 9, 0, 0, 0, 9 },
	/* 32-bit mode, ECX: the upper half of RCX is not the count and stays */
	{ 32, { 0xe2, 0xfe }, 2, 0x1000, 0xabcd00000003ull, 0, 3, 3, 0xabcd00000000ull },
	{ 32, { 0xe2, 0xfe }, 2, 0x1000, 0xabcd00000000ull, 0, 0x100000000ull, 1, 0xabcdffffffffull },
	/* 32-bit mode with 67H (CX) and 16-bit mode (CX), a count of 0 is 65536 */
	{ 32, { 0x67, 0xe2, 0xfd }, 3, 0x1000, 0x12340000, 0, 0x10000, 2, 0x1234fffe },
	{ 16, { 0xe2, 0xfe }, 2, 0x100, 0x20005, 0, 5, 5, 0x20000 },
	/* 16-bit mode: IP wraps at 64 KiB, so at 0xffff the target is 0xffff again */
	{ 16, { 0xe2, 0xfe }, 2, 0xffff, 2, 0, 2, 2, 0 },
	/* 16-bit mode with 66H (32-bit operand size): the same LOOP */
	{ 16, { 0x66, 0xe2, 0xfd }, 3, 0x1000, 4, 0, 4, 1, 3 },
};

static void test_loop_self(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(loop_cases) / sizeof(loop_cases[0]); i++) {
		const struct loop_case *t = &loop_cases[i];
		struct x86_insn_class c;

		print_message("# loop case %zu\n", i);
		assert_int_equal(x86_classify(t->bytes, t->n, t->mode, &c), 0);
		assert_int_equal(soft_exec_loop_self(&c, t->rip, t->mode, t->rcx, t->rflags), t->iterations);
		if (t->iterations)
			assert_int_equal(soft_exec_loop_rcx(&c, t->rcx, t->k), t->rcx_after);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
