// SPDX-License-Identifier: GPL-2.0-only
/* --soft-check's comparison: what counts as a difference and what the report says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/check.h"

enum what { SAME, GPR, RIP, RF_ONLY, ZF, MEMORY, MEMORY_UNCHECKED };

static const struct {
	enum what what;
	bool equal;
	const char *report;
} cases[] = {
	{ SAME, true, NULL },
	{ GPR, false, " rbx 2/3" },
	{ RIP, false, " rip 1003/1002" },
	{ RF_ONLY, true, NULL },			/* RF is the debug exit's */
	{ ZF, false, " rflags 242/202" },
	{ MEMORY, false, " memory at gpa 21 aa/00" },
	{ MEMORY_UNCHECKED, true, NULL },		/* no RAM given: registers only */
};

static void test_compare(void **state)
{
	static const uint8_t bytes[] = { 0x48, 0x01, 0xd8 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct interp_cpu before = { .rip = 0x1000, .rflags = 0x202 }, a, b;
		uint8_t ram_a[64] = { 0 }, ram_b[64] = { 0 };
		struct soft_check c = { &before, &a, &b, ram_a, ram_b, sizeof(ram_a), bytes, sizeof(bytes) };
		char msg[512] = "";

		before.gpr[INTERP_RBX] = 2;
		a = before;
		a.rip = 0x1003;
		b = a;
		switch (cases[i].what) {
		case GPR: b.gpr[INTERP_RBX] = 3; break;
		case RIP: b.rip = 0x1002; break;
		case RF_ONLY: b.rflags |= 1u << 16; break;
		case ZF: a.rflags |= 1u << 6; break;
		case MEMORY: ram_a[0x21] = 0xaa; break;
		case MEMORY_UNCHECKED: ram_a[0x21] = 0xaa; c.interp_ram = NULL; break;
		default: break;
		}
		if (soft_check_compare(&c, msg, sizeof(msg)) != cases[i].equal)
			fail_msg("case %zu: %s", i, msg);
		if (cases[i].report) {
			if (!strstr(msg, cases[i].report) || !strstr(msg, "at 1000 (bytes 48 01 d8)"))
				fail_msg("case %zu: '%s' not in '%s'", i, cases[i].report, msg);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
