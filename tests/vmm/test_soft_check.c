// SPDX-License-Identifier: GPL-2.0-only
/* --soft-check's comparison: what counts as a difference and what the report says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/check.h"

enum what { SAME, GPR, RIP, RF_ONLY, TF_ONLY, ZF, MEMORY, MEMORY_UNCHECKED };

static const struct {
	enum what what;
	bool equal;
	const char *report;
} cases[] = {
	{ SAME, true, NULL },
	{ GPR, false, " rbx 2/3" },
	{ RIP, false, " rip 1003/1002" },
	{ RF_ONLY, true, NULL },			/* RF is the debug exit's */
	{ TF_ONLY, true, NULL },			/* TF is KVM's while it single-steps */
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
		case TF_ONLY: a.rflags |= 1u << 8; break;
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

#define PAGES 4
#define BIT(page) (1ULL << (page))

/* With page sets, RAM is compared on their union only: where the two runs wrote. */
static const struct {
	const char *what;
	uint64_t differ_at;		/* the byte that differs */
	uint64_t also_at;		/* another one after it (0: none) */
	uint64_t interp_pages, kvm_pages;
	bool equal;
	const char *report;
} page_cases[] = {
	{ "a difference in a page the interpreter wrote", 0x1ffd, 0, BIT(1), 0, false, " memory at gpa 1ffd 55/00" },
	{ "a difference in a page only KVM wrote", 0x3000, 0, BIT(0), BIT(3), false, " memory at gpa 3000 55/00" },
	{ "the first difference of several pages", 0x2001, 0x3004, BIT(2) | BIT(3), BIT(2), false,
	  " memory at gpa 2001 55/00" },
	{ "a difference outside both sets is not looked at", 0x2001, 0, BIT(0), BIT(1), true, NULL },
};

static void test_compare_pages(void **state)
{
	static uint8_t ram_a[PAGES * 4096], ram_b[PAGES * 4096];

	(void)state;
	for (size_t i = 0; i < sizeof(page_cases) / sizeof(page_cases[0]); i++) {
		struct interp_cpu before = { .rip = 0x1000, .rflags = 0x202 };
		uint64_t ip = page_cases[i].interp_pages, kp = page_cases[i].kvm_pages;
		struct soft_check c = { &before, &before, &before, ram_a, ram_b, sizeof(ram_a), NULL, 0, { &ip, &kp } };
		char msg[512] = "";

		memset(ram_a, 0, sizeof(ram_a));
		memset(ram_b, 0, sizeof(ram_b));
		ram_a[page_cases[i].differ_at] = 0x55;
		if (page_cases[i].also_at)
			ram_a[page_cases[i].also_at] = 0x66;
		if (soft_check_compare(&c, msg, sizeof(msg)) != page_cases[i].equal)
			fail_msg("%s: %s", page_cases[i].what, msg);
		if (page_cases[i].report && !strstr(msg, page_cases[i].report))
			fail_msg("%s: '%s' not in '%s'", page_cases[i].what, page_cases[i].report, msg);
	}
}

/* Marking covers every page a range touches and stops at the end of RAM. */
static void test_mark(void **state)
{
	static const struct {
		uint64_t gpa, len, want;
	} mark_cases[] = {
		{ 0, 1, BIT(0) },
		{ 0xfff, 2, BIT(0) | BIT(1) },
		{ 0x1000, 0x2001, BIT(1) | BIT(2) | BIT(3) },
		{ 0x3ffc, 8, BIT(3) },			/* clipped at the end of RAM */
		{ 0x4000, 8, 0 },			/* beyond it */
		{ 0x2000, 0, 0 },			/* empty */
		{ 0x1000, UINT64_MAX, BIT(1) | BIT(2) | BIT(3) },	/* no overflow */
	};

	(void)state;
	assert_int_equal(soft_check_words(PAGES * 4096), 1);
	assert_int_equal(soft_check_words(65 * 4096), 2);
	for (size_t i = 0; i < sizeof(mark_cases) / sizeof(mark_cases[0]); i++) {
		uint64_t bm = 0;

		interp_mark_pages(&bm, PAGES * 4096, mark_cases[i].gpa, mark_cases[i].len);
		if (bm != mark_cases[i].want)
			fail_msg("case %zu: %#llx, want %#llx", i, (unsigned long long)bm,
				 (unsigned long long)mark_cases[i].want);
	}
}

/* Syncing copies exactly the pages of both sets and empties them. */
static void test_sync(void **state)
{
	static uint8_t ram[PAGES * 4096], copy[PAGES * 4096];
	uint64_t written = BIT(1), logged = BIT(1) | BIT(3);
	struct soft_check_ram r = { copy, &written, &logged, sizeof(ram) };

	(void)state;
	memset(ram, 0xaa, sizeof(ram));
	memset(copy, 0, sizeof(copy));
	assert_int_equal(soft_check_sync(&r, ram), 2);
	assert_int_equal(written, 0);
	assert_int_equal(logged, 0);
	assert_int_equal(copy[0x0fff], 0);
	assert_int_equal(copy[0x1000], 0xaa);
	assert_int_equal(copy[0x1fff], 0xaa);
	assert_int_equal(copy[0x2000], 0);
	assert_int_equal(copy[0x3000], 0xaa);
	assert_int_equal(copy[0x3fff], 0xaa);
	assert_int_equal(soft_check_sync(&r, ram), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_compare_pages),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
