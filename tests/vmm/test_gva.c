// SPDX-License-Identifier: GPL-2.0-only
/* Guest page walks over hand-built page tables, one case per paging mode and page size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/gva.h"

#define MEM (8u << 20)

static uint8_t mem[MEM];

static void put64(uint64_t addr, uint64_t v) { memcpy(mem + addr, &v, 8); }
static void put32(uint64_t addr, uint32_t v) { memcpy(mem + addr, &v, 4); }

/*
 * 4-level tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD), 0x4000 (PT):
 *   VA 0x0000_0040_0000_0000 (PML4[0] PDPT[256]) -> 1 GiB page at 0 (only the first 8 MiB exist)
 *   VA 0x20_0000 (PD[1])  -> 2 MiB page at 0x600000
 *   VA 0x40_0000 (PD[2])  -> PT: page 0 -> 0x5000, page 1 not present
 *   VA 0xffff_8000_0000_0000 (PML4[256]) not present
 */
static void build_4level(void)
{
	memset(mem, 0, 0x10000);
	put64(0x1000, 0x2000 | 3);
	put64(0x2000, 0x3000 | 3);
	put64(0x2000 + 256 * 8, 0x0 | 0x83);		/* PS: 1 GiB page at 0 */
	put64(0x3000 + 1 * 8, 0x600000 | 0x83);		/* 2 MiB page */
	put64(0x3000 + 2 * 8, 0x4000 | 3);
	put64(0x4000, 0x5000 | 3);
}

/* 32-bit paging: PD at 0x1000; PDE[0] -> PT at 0x2000; PDE[1] 4 MiB page at 0x400000. */
static void build_32bit(void)
{
	memset(mem, 0, 0x10000);
	put32(0x1000, 0x2000 | 3);
	put32(0x1004, 0x400000 | 0x83);
	put32(0x2000 + 3 * 4, 0x7000 | 3);
}

/* PAE: PDPT at 0x1000 (32-byte aligned), PDPTE[1] -> PD at 0x2000; PD[0] 2 MiB page at 0x200000. */
static void build_pae(void)
{
	memset(mem, 0, 0x10000);
	put64(0x1008, 0x2000 | 1);
	put64(0x2000, 0x200000 | 0x83);
	put64(0x2008, 0x3000 | 3);
	put64(0x3000 + 5 * 8, 0x9000 | 3);
}

static const struct gva_case {
	const char *name;
	void (*build)(void);
	uint64_t cr0, cr4, efer;
	uint64_t gva;
	int ret;
	uint64_t gpa;
} cases[] = {
	{ "no paging: identity", build_4level, 0x11, 0, 0, 0x123456, 0, 0x123456 },
	{ "no paging: 32-bit wrap", build_4level, 0x11, 0, 0, 0x100001234ULL, 0, 0x1234 },
	{ "4-level 1 GiB page", build_4level, 0x80000011, 0x20, 0x500, 0x4000000000ULL + 0x1234, 0, 0x1234 },
	{ "4-level 2 MiB page", build_4level, 0x80000011, 0x20, 0x500, 0x200000 + 0x54321, 0, 0x654321 },
	{ "4-level 4 KiB page", build_4level, 0x80000011, 0x20, 0x500, 0x400000 + 0x7ff, 0, 0x57ff },
	{ "4-level PTE not present", build_4level, 0x80000011, 0x20, 0x500, 0x401000, -EFAULT, 0 },
	{ "4-level PML4E not present", build_4level, 0x80000011, 0x20, 0x500, 0xffff800000000000ULL, -EFAULT, 0 },
	{ "4-level PDE not present", build_4level, 0x80000011, 0x20, 0x500, 0x0, -EFAULT, 0 },
	{ "32-bit 4 KiB page", build_32bit, 0x80000011, 0x10, 0, 0x3abc, 0, 0x7abc },
	{ "32-bit 4 MiB page (PSE)", build_32bit, 0x80000011, 0x10, 0, 0x400000 + 0x12345, 0, 0x412345 },
	{ "32-bit PDE not present", build_32bit, 0x80000011, 0x10, 0, 0x800000, -EFAULT, 0 },
	{ "PAE 2 MiB page", build_pae, 0x80000011, 0x20, 0, 0x40000000 + 0x1234, 0, 0x201234 },
	{ "PAE 4 KiB page", build_pae, 0x80000011, 0x20, 0, 0x40200000 + 0x5000 + 0x10, 0, 0x9010 },
	{ "PAE PDPTE not present", build_pae, 0x80000011, 0x20, 0, 0x0, -EFAULT, 0 },
};

static void test_translate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gva_case *c = &cases[i];
		struct gva_ctx ctx = { mem, MEM, c->cr0, 0x1000, c->cr4, c->efer };
		uint64_t gpa = 0;
		int r;

		c->build();
		r = gva_translate(&ctx, c->gva, &gpa);
		if (r != c->ret || (r == 0 && gpa != c->gpa))
			fail_msg("%s: got %d 0x%llx, want %d 0x%llx", c->name, r, (unsigned long long)gpa,
				 c->ret, (unsigned long long)c->gpa);
	}
}

static void test_tables_outside_ram(void **state)
{
	struct gva_ctx ctx = { mem, MEM, 0x80000011, 0x1000, 0x20, 0x500 };
	uint64_t gpa;

	(void)state;
	build_4level();
	put64(0x1000, 0x7fff000000ULL | 3);	/* PDPT beyond RAM */
	assert_int_equal(gva_translate(&ctx, 0x1000, &gpa), -EFAULT);
}

static void test_read_across_pages(void **state)
{
	struct gva_ctx ctx = { mem, MEM, 0x80000011, 0x1000, 0x20, 0x500 };
	uint8_t buf[8];

	(void)state;
	build_4level();
	/* VA 0x3ffffc..0x400003 spans PD[1] (2 MiB page) and PD[2] (PT page 0 -> 0x5000). */
	memcpy(mem + 0x600000 + 0x1ffffc, "\x01\x02\x03\x04", 4);
	memcpy(mem + 0x5000, "\x05\x06\x07\x08", 4);
	assert_int_equal(gva_read(&ctx, 0x3ffffc, buf, 8), 8);
	assert_memory_equal(buf, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	/* Stops at an unmapped page: VA 0x400ffc..0x401003, page 0x401000 not present. */
	assert_int_equal(gva_read(&ctx, 0x400ffc, buf, 8), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_tables_outside_ram),
		cmocka_unit_test(test_read_across_pages),
	};

	return cmocka_run_group_tests_name("gva", tests, NULL, NULL);
}
