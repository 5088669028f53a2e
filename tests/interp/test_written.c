// SPDX-License-Identifier: GPL-2.0-only
/*
 * interp_mem.written: after each instruction, exactly the pages it wrote
 * (stores, a locked operand, the paging entries whose accessed and dirty
 * bits it set) are marked, and no others. The machine is 64-bit mode at
 * CPL 0, identity-mapped by 4-level paging with one 2 MiB page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "interp/interp.h"
#include "flat64.h"

#define RAM (4u << 20)
#define PAGES (RAM >> 12)
#define CODE 0x10000
#define DATA 0x20000
#define STACK 0x30800
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define PTE_AD 0x60ULL

static uint8_t ram[RAM];

static void machine(struct interp_cpu *c, bool ad_set)
{
	memset(ram, 0, 0x40000);
	memcpy(ram + PML4, &(uint64_t){ PDPT | 7 | (ad_set ? PTE_AD : 0) }, 8);
	memcpy(ram + PDPT, &(uint64_t){ PD | 7 | (ad_set ? PTE_AD : 0) }, 8);
	memcpy(ram + PD, &(uint64_t){ 0x87 | (ad_set ? PTE_AD : 0) }, 8);
	flat64_cpu(c, PML4, CODE, STACK);
}

#define B(s) s, sizeof(s) - 1
#define END UINT64_MAX

static const struct {
	const char *name;
	const char *bytes;
	unsigned int len;
	uint64_t rbx, rcx;
	bool ad_set;			/* the paging entries' accessed and dirty bits already set */
	enum interp_status status;
	uint64_t pages[6];		/* the pages marked (their addresses), END-terminated */
} rows[] = {
	{ "store: its page and the walked entries", B("\x89\x03"), DATA, 0, false, INTERP_RETIRED,
	  { PML4, PDPT, PD, DATA, END } },
	{ "store with A/D already set: the entries are still marked", B("\x89\x03"), DATA, 0, true,
	  INTERP_RETIRED, { PML4, PDPT, PD, DATA, END } },
	{ "load: only the entries (accessed bits)", B("\x8b\x03"), DATA, 0, false, INTERP_RETIRED,
	  { PML4, PDPT, PD, END } },
	{ "store across a page boundary: both pages", B("\x48\x89\x03"), DATA + 0xffc, 0, false,
	  INTERP_RETIRED, { PML4, PDPT, PD, DATA, DATA + 0x1000, END } },
	{ "push: the stack page", B("\x50"), 0, 0, false, INTERP_RETIRED, { PML4, PDPT, PD, STACK & ~0xfffULL, END } },
	{ "lock add: the locked operand's page", B("\xf0\x01\x03"), DATA + 0x1000, 0, false, INTERP_RETIRED,
	  { PML4, PDPT, PD, DATA + 0x1000, END } },
	{ "rep stosb over two pages", B("\xf3\xaa"), 0, 0x10, false, INTERP_RETIRED,
	  { PML4, PDPT, PD, DATA, DATA + 0x1000, END } },
	{ "a faulting store (non-canonical) marks nothing", B("\x89\x03"), 0x0000800000000000ULL, 0, false,
	  INTERP_FAULT, { END } },
	{ "a store outside RAM falls back and marks nothing", B("\x89\x03"), RAM + 0x1000, 0, false,
	  INTERP_FALLBACK, { END } },
};

static void test_written(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t written[PAGES / 64] = { 0 }, want[PAGES / 64] = { 0 };
		struct interp_mem m = { ram, RAM, 0, NULL, written };
		struct interp_result res;
		struct interp_cpu c;

		machine(&c, rows[i].ad_set);
		/* PDEs 1 and 2: 2 MiB pages at 2 MiB and at 4 MiB, the second beyond RAM. */
		memcpy(ram + PD + 8, &(uint64_t){ (2ULL << 20) | 0x87 }, 8);
		memcpy(ram + PD + 16, &(uint64_t){ (4ULL << 20) | 0x87 }, 8);
		memcpy(ram + CODE, rows[i].bytes, rows[i].len);
		c.gpr[INTERP_RBX] = rows[i].rbx;
		c.gpr[INTERP_RDI] = DATA + 0xff8;
		c.gpr[INTERP_RCX] = rows[i].rcx;
		if (interp_step(&c, &m, &res) != rows[i].status)
			fail_msg("%s: status %d, want %d", rows[i].name, res.status, rows[i].status);
		for (unsigned int k = 0; rows[i].pages[k] != END; k++)
			want[rows[i].pages[k] >> 18] |= 1ULL << ((rows[i].pages[k] >> 12) & 63);
		for (unsigned int w = 0; w < PAGES / 64; w++)
			if (written[w] != want[w])
				fail_msg("%s: pages %#x-%#x marked %#llx, want %#llx", rows[i].name, w << 18,
					 ((w + 1) << 18) - 1, (unsigned long long)written[w],
					 (unsigned long long)want[w]);
	}
}

/* The bitmap accumulates: the caller clears it. */
static void test_accumulates(void **state)
{
	uint64_t written[PAGES / 64] = { 0 };
	struct interp_mem m = { ram, RAM, 0, NULL, written };
	struct interp_result res;
	struct interp_cpu c;

	(void)state;
	machine(&c, true);
	memcpy(ram + CODE, "\x89\x03\x89\x01", 4);	/* mov [rbx], eax; mov [rcx], eax */
	c.gpr[INTERP_RBX] = DATA;
	c.gpr[INTERP_RCX] = DATA + 0x3000;
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_true(written[DATA >> 18] & (1ULL << ((DATA >> 12) & 63)));
	assert_true(written[(DATA + 0x3000) >> 18] & (1ULL << (((DATA + 0x3000) >> 12) & 63)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written),
		cmocka_unit_test(test_accumulates),
	};

	return cmocka_run_group_tests_name("interp-written", tests, NULL, NULL);
}
