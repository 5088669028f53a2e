// SPDX-License-Identifier: GPL-2.0-only
/* Guest page walks over hand-built page tables, one case per paging mode and page size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "interp/gva.h"

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

/*
 * Rights: PML4/PDPT/PD at 0x1000-0x3000 all user+writable, PT at 0x4000:
 *   VA 0x0000 user rw, 0x1000 user ro, 0x2000 supervisor rw, 0x3000 supervisor ro NX,
 *   0x4000 user rw with bit 51 set (reserved below MAXPHYADDR 52), 0x5000 not present.
 */
static void build_rights(void)
{
	memset(mem, 0, 0x10000);
	put64(0x1000, 0x2000 | 7);
	put64(0x2000, 0x3000 | 7);
	put64(0x3000, 0x4000 | 7);
	put64(0x4000 + 0 * 8, 0x5000 | 7);
	put64(0x4000 + 1 * 8, 0x6000 | 5);
	put64(0x4000 + 2 * 8, 0x7000 | 3);
	put64(0x4000 + 3 * 8, 0x8000 | 1 | (1ULL << 63));
	put64(0x4000 + 4 * 8, 0x9000 | 7 | (1ULL << 51));
}

#define WP 0x10000ULL
#define SMEP 0x100000ULL
#define SMAP 0x200000ULL
#define NXE 0x800ULL
#define W GVA_PF_W
#define U GVA_PF_U
#define I GVA_PF_I

static const struct walk_case {
	const char *name;
	uint64_t va, cr0_extra, cr4_extra, efer_extra;
	unsigned int access;
	bool ac;
	unsigned int maxphyaddr;
	int ret;
	uint32_t err;
} walk_cases[] = {
	{ "user read, user ro", 0x1000, 0, 0, 0, U, false, 0, 0, 0 },
	{ "user write, user ro, WP=1", 0x1000, WP, 0, 0, U | W, false, 0, -EFAULT, 7 },
	{ "user write, user ro, WP=0 still faults", 0x1000, 0, 0, 0, U | W, false, 0, -EFAULT, 7 },
	{ "supervisor write, user ro, WP=0", 0x1000, 0, 0, 0, W, false, 0, 0, 0 },
	{ "supervisor write, user ro, WP=1", 0x1000, WP, 0, 0, W, false, 0, -EFAULT, 3 },
	{ "supervisor write, supervisor rw, WP=1", 0x2000, WP, 0, 0, W, false, 0, 0, 0 },
	{ "user read, supervisor page", 0x2000, 0, 0, 0, U, false, 0, -EFAULT, 5 },
	{ "supervisor fetch, NX page, NXE=1", 0x3000, 0, 0, NXE, I, false, 0, -EFAULT, 0x11 },
	{ "supervisor read, NX page, NXE=1", 0x3000, 0, 0, NXE, 0, false, 0, 0, 0 },
	{ "NX bit without NXE is reserved", 0x3000, 0, 0, 0, I, false, 0, -EFAULT, 9 },
	{ "SMEP: supervisor fetch, user page", 0x0000, 0, SMEP, 0, I, false, 0, -EFAULT, 0x11 },
	{ "no SMEP: supervisor fetch, user page", 0x0000, 0, 0, 0, I, false, 0, 0, 0 },
	{ "user fetch, user page, SMEP", 0x0000, 0, SMEP, 0, U | I, false, 0, 0, 0 },
	{ "SMAP: supervisor read, user page, AC=0", 0x0000, 0, SMAP, 0, 0, false, 0, -EFAULT, 1 },
	{ "SMAP: supervisor read, user page, AC=1", 0x0000, 0, SMAP, 0, 0, true, 0, 0, 0 },
	{ "SMAP: implicit access ignores AC", 0x0000, 0, SMAP, 0, GVA_IMPLICIT, true, 0, -EFAULT, 1 },
	{ "SMAP: supervisor write, user page, AC=1, WP=1", 0x0000, WP, SMAP, 0, W, true, 0, 0, 0 },
	{ "bit 51 reserved with MAXPHYADDR 46", 0x4000, 0, 0, 0, U, false, 46, -EFAULT, 0xd },
	{ "bit 51 allowed without MAXPHYADDR", 0x4000, 0, 0, 0, U, false, 0, 0, 0 },
	{ "not present: user write", 0x5000, 0, 0, 0, U | W, false, 0, -EFAULT, 6 },
	{ "not present: fetch with NXE reports I", 0x5000, 0, 0, NXE, I, false, 0, -EFAULT, 0x10 },
};

static void test_walk_rights(void **state)
{
	(void)state;
	build_rights();
	for (size_t i = 0; i < sizeof(walk_cases) / sizeof(walk_cases[0]); i++) {
		const struct walk_case *c = &walk_cases[i];
		struct gva_ctx ctx = { mem, MEM, 0x80000011 | c->cr0_extra, 0x1000, 0x20 | c->cr4_extra,
				       0x500 | c->efer_extra, c->maxphyaddr };
		struct gva_walk w;
		uint32_t err = 0xdead;
		int r = gva_walk(&ctx, c->va, c->access, c->ac, &w, &err);

		if (r != c->ret || err != c->err)
			fail_msg("%s: got %d err 0x%x, want %d err 0x%x", c->name, r, err, c->ret, c->err);
	}
}

static void test_walk_outside_ram(void **state)
{
	struct gva_ctx ctx = { mem, MEM, 0x80000011, 0x1000, 0x20, 0x500 };
	struct gva_walk w;
	uint32_t err;

	(void)state;
	build_rights();
	put64(0x1000, 0x7fff000000ULL | 7);
	assert_int_equal(gva_walk(&ctx, 0, 0, false, &w, &err), -ERANGE);
}

static void test_set_ad(void **state)
{
	struct gva_ctx ctx = { mem, MEM, 0x80000011, 0x1000, 0x20, 0x500 };
	struct gva_walk w;
	uint32_t err;
	uint64_t e;

	(void)state;
	build_rights();
	assert_int_equal(gva_walk(&ctx, 0x123, GVA_PF_W, false, &w, &err), 0);
	assert_int_equal(w.gpa, 0x5123);
	assert_int_equal(w.nentries, 4);
	gva_set_ad(mem, MEM, &w, true);
	for (uint64_t a = 0x1000; a <= 0x3000; a += 0x1000) {
		memcpy(&e, mem + a, 8);
		assert_int_equal(e & 0x60, 0x20);	/* A, no D on non-leaf entries */
	}
	memcpy(&e, mem + 0x4000, 8);
	assert_int_equal(e & 0x60, 0x60);
	/* A read sets A only. */
	assert_int_equal(gva_walk(&ctx, 0x1000, 0, false, &w, &err), 0);
	gva_set_ad(mem, MEM, &w, false);
	memcpy(&e, mem + 0x4008, 8);
	assert_int_equal(e & 0x60, 0x20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_tables_outside_ram),
		cmocka_unit_test(test_read_across_pages),
		cmocka_unit_test(test_walk_rights),
		cmocka_unit_test(test_walk_outside_ram),
		cmocka_unit_test(test_set_ad),
	};

	return cmocka_run_group_tests_name("gva", tests, NULL, NULL);
}
