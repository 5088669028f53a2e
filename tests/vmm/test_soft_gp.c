// SPDX-License-Identifier: GPL-2.0-only
/*
 * RDPMC completed from its #GP: the 64-bit exception frame, the privilege
 * rule, the RFLAGS to resume with and the CS/SS descriptors the frame names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/gp.h"

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void test_frame(void **state)
{
	static const uint64_t words[6] = { 0, 0xffffffff81001234ull, 0x10010, 0x10246, 0xffffc90000003ff8ull,
					   0xffff0018 };
	uint8_t b[SOFT_GP_FRAME_SIZE];
	struct soft_gp_frame f;

	(void)state;
	for (int i = 0; i < 6; i++)
		put64(b + 8 * i, words[i]);
	soft_gp_frame_parse(b, &f);
	assert_int_equal(f.error_code, 0);
	assert_int_equal(f.rip, 0xffffffff81001234ull);
	assert_int_equal(f.cs, 0x10);		/* the selector: bits 63:16 of the slot are not */
	assert_int_equal(f.rflags, 0x10246);
	assert_int_equal(f.rsp, 0xffffc90000003ff8ull);
	assert_int_equal(f.ss, 0x18);
}

static void test_permitted(void **state)
{
	static const struct { unsigned int cpl; bool pce, ok; } t[] = {
		{ 0, false, true }, { 0, true, true }, { 1, false, false }, { 3, false, false }, { 3, true, true },
		{ 2, true, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(soft_rdpmc_permitted(t[i].cpl, t[i].pce), t[i].ok);
}

static void test_canonical(void **state)
{
	static const struct { uint64_t a; bool ok; } t[] = {
		{ 0, true }, { 0x00007fffffffffffull, true }, { 0x0000800000000000ull, false },
		{ 0xffff800000000000ull, true }, { 0xffff7fffffffffffull, false }, { ~0ull, true },
		{ 0x8000000000000000ull, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(soft_canonical(t[i].a), t[i].ok);
}

static void test_rflags(void **state)
{
	static const struct { uint64_t in; bool vmm_tf; uint64_t out; } t[] = {
		{ 0x10246, false, 0x246 },		/* RF cleared */
		{ 0x346, false, 0x346 },		/* the guest's own TF stays */
		{ 0x346, true, 0x246 },			/* the VMM's TF goes */
		{ 0x20202, false, 0x202 },		/* VM cleared */
		{ 0, false, 0x2 },			/* bit 1 always set */
		{ ~0ull, false, 0x3f7fd7ull & ~0x30000ull },	/* reserved bits cleared */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(soft_gp_resume_rflags(t[i].in, t[i].vmm_tf), t[i].out);
}

static const struct seg_case {
	const char *name;
	uint64_t desc;
	uint16_t sel;
	bool code;
	int r;
	uint8_t type, dpl, l, db;
	bool unusable;
} seg_cases[] = {
	{ "64-bit user code", 0x00affb000000ffffull, 0x4b, true, 0, 0xb, 3, 1, 0, false },
	{ "64-bit kernel code", 0x00af9b000000ffffull, 0x08, true, 0, 0xb, 0, 1, 0, false },
	{ "32-bit user code (compatibility mode)", 0x00cffb000000ffffull, 0x3b, true, 0, 0xb, 3, 0, 1, false },
	{ "user data as SS", 0x00cff3000000ffffull, 0x43, false, 0, 0x3, 3, 0, 1, false },
	{ "accessed bit set on load", 0x00cff2000000ffffull, 0x43, false, 0, 0x3, 3,
	  0, 1, false },
	{ "kernel code with RPL 3", 0x00af9b000000ffffull, 0x0b, true, -EINVAL },
	{ "user data with RPL 0", 0x00cff3000000ffffull, 0x40, false, -EINVAL },
	{ "not present", 0x00af7b000000ffffull, 0x4b, true, -EINVAL },
	{ "data as CS", 0x00cff3000000ffffull, 0x43, true, -EINVAL },
	{ "code as SS", 0x00affb000000ffffull, 0x4b, false, -EINVAL },
	{ "read-only data as SS", 0x00cff1000000ffffull, 0x43, false, -EINVAL },
	{ "system descriptor (TSS)", 0x00008b000000ffffull, 0x28, true, -EINVAL },
	{ "L and D both set", 0x00effb000000ffffull, 0x4b, true, -EINVAL },
	{ "conforming code, DPL 0 at RPL 3", 0x00af9f000000ffffull, 0x0b, true, 0, 0xf, 0, 1, 0, false },
	{ "null SS at CPL 0", 0, 0x0, false, 0, 0, 0, 0, 0, true },
	{ "null SS at RPL 3", 0, 0x3, false, -EINVAL },
	{ "null CS", 0, 0x0, true, -EINVAL },
};

static void test_seg(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seg_cases) / sizeof(seg_cases[0]); i++) {
		const struct seg_case *t = &seg_cases[i];
		struct kvm_segment s;

		print_message("# %s\n", t->name);
		assert_int_equal(soft_seg_from_desc(t->desc, t->sel, t->code, &s), t->r);
		assert_int_equal(s.selector, t->sel);
		if (t->r)
			continue;
		assert_int_equal(s.unusable, t->unusable);
		if (t->unusable)
			continue;
		assert_int_equal(s.type, t->type);
		assert_int_equal(s.dpl, t->dpl);
		assert_int_equal(s.l, t->l);
		assert_int_equal(s.db, t->db);
		assert_int_equal(s.present, 1);
		assert_int_equal(s.s, 1);
		assert_int_equal(s.g, 1);
		assert_int_equal(s.base, 0);
		assert_int_equal(s.limit, 0xffffffffu);
	}
}

static void test_seg_base_limit(void **state)
{
	struct kvm_segment s;

	(void)state;
	/* base 0x12345678, limit 0xabcde bytes (G clear), 32-bit data DPL 0 */
	assert_int_equal(soft_seg_from_desc(0x124a93345678bcdeull, 0x10, false, &s), 0);
	assert_int_equal(s.base, 0x12345678);
	assert_int_equal(s.limit, 0xabcde);
	assert_int_equal(s.g, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_permitted),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_rflags),
		cmocka_unit_test(test_seg),
		cmocka_unit_test(test_seg_base_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
