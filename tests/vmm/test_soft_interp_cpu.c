// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interpreter engine's register conversion (KVM's structures to
 * interp_cpu and back, nothing lost, changes to the segment state noticed)
 * and the LAPIC's next deliverable interrupt (IRR against TPR and ISR).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/interp_cpu.h"

static void fill(void *p, size_t n, uint8_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

/* Every field interp_cpu holds survives the round trip; avl, padding and the interrupt bitmap stay. */
static void test_round_trip(void **state)
{
	struct kvm_regs r, r2;
	struct kvm_sregs sr, sr2;
	struct interp_cpu c;
	struct kvm_segment *segs[8] = { &sr.es, &sr.cs, &sr.ss, &sr.ds, &sr.fs, &sr.gs, &sr.tr, &sr.ldt };

	(void)state;
	fill(&r, sizeof(r), 1);
	fill(&sr, sizeof(sr), 3);
	for (int i = 0; i < 8; i++) {	/* the one-bit fields as KVM has them: 0 or 1 */
		segs[i]->present = i & 1;
		segs[i]->s = 1;
		segs[i]->db = (i >> 1) & 1;
		segs[i]->l = (i >> 2) & 1;
		segs[i]->g = 1;
		segs[i]->unusable = 0;
		segs[i]->type &= 0xf;
		segs[i]->dpl &= 3;
	}
	soft_interp_from_kvm(&c, &r, &sr);
	assert_int_equal(c.gpr[INTERP_RSP], r.rsp);
	assert_int_equal(c.gpr[INTERP_R15], r.r15);
	assert_int_equal(c.rip, r.rip);
	assert_int_equal(c.seg[INTERP_SS].sel, sr.ss.selector);
	assert_int_equal(c.seg[INTERP_GS].base, sr.gs.base);
	assert_int_equal(c.seg[INTERP_CS].l, sr.cs.l);
	assert_int_equal(c.tr.base, sr.tr.base);
	assert_int_equal(c.ldtr.limit, sr.ldt.limit);
	assert_int_equal(c.gdtr.base, sr.gdt.base);
	assert_int_equal(c.idtr.limit, sr.idt.limit);
	assert_int_equal(c.efer, sr.efer);
	memset(&r2, 0, sizeof(r2));
	sr2 = sr;
	assert_false(soft_interp_to_kvm(&c, &r2, &sr2));
	assert_memory_equal(&r, &r2, sizeof(r));
	assert_memory_equal(&sr, &sr2, sizeof(sr));
	/* A changed segment or control register is reported, a GPR is not. */
	c.gpr[INTERP_RAX] ^= 1;
	assert_false(soft_interp_to_kvm(&c, &r2, &sr2));
	assert_int_equal(r2.rax, r.rax ^ 1);
	c.seg[INTERP_CS].sel ^= 3;
	assert_true(soft_interp_to_kvm(&c, &r2, &sr2));
	assert_int_equal(sr2.cs.selector, sr.cs.selector ^ 3);
	sr2 = sr;
	c = (struct interp_cpu){ 0 };
	soft_interp_from_kvm(&c, &r, &sr);
	c.cr2 = 0x1234;
	assert_true(soft_interp_to_kvm(&c, &r2, &sr2));
	assert_int_equal(sr2.cr2, 0x1234);
}

static void test_msrs(void **state)
{
	uint64_t v[SOFT_INTERP_NR_MSRS], w[SOFT_INTERP_NR_MSRS];
	struct interp_cpu c = { 0 };

	(void)state;
	for (unsigned int i = 0; i < SOFT_INTERP_NR_MSRS; i++)
		v[i] = 0x1000 + i;
	soft_interp_set_msrs(&c, v);
	assert_int_equal(soft_interp_msrs[1], 0xc0000082);	/* LSTAR */
	assert_int_equal(c.lstar, 0x1001);
	assert_int_equal(c.sfmask, 0x1003);
	assert_int_equal(c.sysenter_eip, 0x1007);
	soft_interp_get_msrs(&c, w);
	assert_memory_equal(v, w, sizeof(v));
}

struct lapic_case {
	int irr[3];		/* vectors requested, -1 ends */
	int isr;		/* vector in service, -1: none */
	uint8_t tpr;
	int want;
};

static const struct lapic_case lapic_cases[] = {
	{ { -1 }, -1, 0, -1 },
	{ { 0x30, -1 }, -1, 0, 0x30 },
	{ { 0x30, 0xec, -1 }, -1, 0, 0xec },			/* the highest first */
	{ { 0x30, -1 }, -1, 0x30, -1 },				/* same class as TPR: held */
	{ { 0x31, -1 }, -1, 0x2f, 0x31 },			/* class 3 above TPR class 2 */
	{ { 0x40, -1 }, 0x45, 0, -1 },				/* class of the one in service */
	{ { 0x50, -1 }, 0x45, 0, 0x50 },
	{ { 0x50, -1 }, 0x45, 0x60, -1 },			/* TPR above ISR decides */
	{ { 0xff, 0x20, -1 }, 0xf0, 0, -1 },
	{ { 0x21, 0x81, 0xa0 }, 0x90, 0x10, 0xa0 },
};

static void set_bit256(uint8_t *regs, unsigned int off, unsigned int v)
{
	uint32_t w;

	memcpy(&w, regs + off + (v / 32) * 16, 4);
	w |= 1u << (v % 32);
	memcpy(regs + off + (v / 32) * 16, &w, 4);
}

static void test_lapic_pending(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lapic_cases) / sizeof(lapic_cases[0]); i++) {
		const struct lapic_case *c = &lapic_cases[i];
		uint8_t regs[KVM_APIC_REG_SIZE] = { 0 };

		for (int k = 0; k < 3 && c->irr[k] >= 0; k++)
			set_bit256(regs, 0x200, (unsigned int)c->irr[k]);
		if (c->isr >= 0)
			set_bit256(regs, 0x100, (unsigned int)c->isr);
		regs[0x80] = c->tpr;
		if (soft_lapic_pending_vector(regs) != c->want)
			fail_msg("case %zu: vector %d, want %d", i, soft_lapic_pending_vector(regs), c->want);
	}
}

/* Acceptance moves exactly the one vector from IRR to ISR. */
static void test_lapic_accept(void **state)
{
	uint8_t regs[KVM_APIC_REG_SIZE] = { 0 }, want[KVM_APIC_REG_SIZE] = { 0 };

	(void)state;
	set_bit256(regs, 0x200, 0x31);
	set_bit256(regs, 0x200, 0xec);
	set_bit256(regs, 0x100, 0x20);
	soft_lapic_accept(regs, 0xec);
	set_bit256(want, 0x200, 0x31);
	set_bit256(want, 0x100, 0x20);
	set_bit256(want, 0x100, 0xec);
	assert_memory_equal(regs, want, sizeof(regs));
	assert_int_equal(soft_lapic_pending_vector(regs), -1);	/* 0x31 is below the class in service */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_msrs),
		cmocka_unit_test(test_lapic_pending),
		cmocka_unit_test(test_lapic_accept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
