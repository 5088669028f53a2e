// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables: checksums, lengths, signatures, the pointers between the
 * tables, the FADT's PM timer and reset register, the MADT's entries, and
 * the configurations that are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/boot/acpi.h"

#define AREA (ACPI_AREA_END - ACPI_BASE)

static uint32_t get32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
	       (uint32_t)p[off + 3] << 24;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	return get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

/* The table at guest-physical gpa, checked: signature, length, checksum; returns its offset. */
static size_t table_at(const uint8_t *buf, uint64_t gpa, const char *sig, uint32_t want_len)
{
	size_t off;

	assert_true(gpa >= ACPI_BASE && gpa < ACPI_AREA_END);
	off = (size_t)(gpa - ACPI_BASE);
	assert_memory_equal(buf + off, sig, 4);
	assert_int_equal(get32(buf, off + 4), want_len);
	assert_int_equal(acpi_checksum(buf + off, want_len), 0);
	return off;
}

static const struct {
	const char *name;
	struct acpi_config c;
} cases[] = {
	{ "1 vCPU, split irqchip", { .nr_cpus = 1, .pm_timer_port = 0x608, .pm1_evt_port = 0x600, .pm1_cnt_port = 0x604,
				       .reset_port = 0xcf9, .reset_value = 6, .sci_irq = 9 } },
	{ "2 vCPUs, IOAPIC and PIC", { .nr_cpus = 2, .ioapic = true, .pic = true, .pm_timer_port = 0x608,
				       .reset_port = 0xcf9, .reset_value = 6, .sci_irq = 9 } },
	{ "64 vCPUs, other ports", { .nr_cpus = 64, .pm_timer_port = 0xb008, .reset_port = 0x64, .reset_value = 0xfe,
				     .sci_irq = 10 } },
	{ "255 vCPUs", { .nr_cpus = 255, .ioapic = true, .pm_timer_port = 0x608, .reset_port = 0xcf9 } },
};

static void check_tables(const uint8_t *buf, const struct acpi_config *c, const struct acpi_layout *l)
{
	size_t rsdt, xsdt, fadt, madt, off;
	uint32_t madt_len = 36 + 8 + 8 * c->nr_cpus + (c->ioapic ? 12 : 0);
	uint64_t facs_gpa;

	/* RSDP: signature, both checksums, revision 2, length 36, on a 16-byte boundary. */
	assert_int_equal(l->rsdp, 0);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(acpi_checksum(buf, 20), 0);
	assert_int_equal(acpi_checksum(buf, ACPI_RSDP_LEN), 0);
	assert_int_equal(buf[15], 2);
	assert_int_equal(get32(buf, 20), ACPI_RSDP_LEN);
	rsdt = table_at(buf, get32(buf, 16), "RSDT", 36 + 2 * 4);
	xsdt = table_at(buf, get64(buf, 24), "XSDT", 36 + 2 * 8);
	assert_int_equal(rsdt, l->rsdt);
	assert_int_equal(xsdt, l->xsdt);
	/* RSDT and XSDT name the same FADT and MADT. */
	assert_int_equal(get32(buf, rsdt + 36), get64(buf, xsdt + 36));
	assert_int_equal(get32(buf, rsdt + 40), get64(buf, xsdt + 44));
	fadt = table_at(buf, get32(buf, rsdt + 36), "FACP", ACPI_FADT_LEN);
	madt = table_at(buf, get32(buf, rsdt + 40), "APIC", madt_len);
	assert_int_equal(fadt, l->fadt);
	assert_int_equal(madt, l->madt);
	assert_int_equal(l->end, madt + madt_len);

	/* FADT: FACS (64-byte aligned, no checksum), DSDT (also X_DSDT), PM timer, reset register. */
	facs_gpa = get32(buf, fadt + 36);
	assert_int_equal(facs_gpa % 64, 0);
	assert_memory_equal(buf + (facs_gpa - ACPI_BASE), "FACS", 4);
	assert_int_equal(get32(buf, (size_t)(facs_gpa - ACPI_BASE) + 4), ACPI_FACS_LEN);
	table_at(buf, get32(buf, fadt + 40), "DSDT", 36);
	assert_int_equal(get64(buf, fadt + 140), get32(buf, fadt + 40));
	assert_int_equal(buf[fadt + 46] | buf[fadt + 47] << 8, c->sci_irq);
	assert_int_equal(get32(buf, fadt + 76), c->pm_timer_port);
	assert_int_equal(buf[fadt + 91], 4);				/* PM_TMR_LEN */
	assert_int_equal(get32(buf, fadt + 112) & (1u << 8), 0);	/* TMR_VAL_EXT: 24-bit timer */
	assert_int_equal(get32(buf, fadt + 112) & (1u << 10), 1u << 10);	/* RESET_REG_SUP */
	assert_int_equal(buf[fadt + 116], 1);				/* RESET_REG: system I/O */
	assert_int_equal(buf[fadt + 117], 8);
	assert_int_equal(get64(buf, fadt + 120), c->reset_port);
	assert_int_equal(buf[fadt + 128], c->reset_value);
	assert_int_equal(buf[fadt + 208], 1);				/* X_PM_TMR_BLK: system I/O, 32 bits */
	assert_int_equal(buf[fadt + 209], 32);
	assert_int_equal(get64(buf, fadt + 212), c->pm_timer_port);
	/* PM1a event (4 bytes) and control (2 bytes) blocks, when there are some. */
	assert_int_equal(get32(buf, fadt + 56), c->pm1_evt_port);
	assert_int_equal(get32(buf, fadt + 64), c->pm1_cnt_port);
	assert_int_equal(buf[fadt + 88], c->pm1_evt_port ? 4 : 0);
	assert_int_equal(buf[fadt + 89], c->pm1_cnt_port ? 2 : 0);
	assert_int_equal(get64(buf, fadt + 152), c->pm1_evt_port);
	assert_int_equal(get64(buf, fadt + 176), c->pm1_cnt_port);

	/* MADT: LAPIC address, PCAT_COMPAT, one enabled LAPIC per vCPU with APIC ID = index, the IOAPIC. */
	assert_int_equal(get32(buf, madt + 36), ACPI_LAPIC_ADDR);
	assert_int_equal(get32(buf, madt + 40), c->pic ? 1 : 0);
	off = madt + 44;
	for (unsigned int i = 0; i < c->nr_cpus; i++, off += 8) {
		assert_int_equal(buf[off], 0);
		assert_int_equal(buf[off + 1], 8);
		assert_int_equal(buf[off + 2], i);
		assert_int_equal(buf[off + 3], i);
		assert_int_equal(get32(buf, off + 4), 1);
	}
	if (c->ioapic) {
		assert_int_equal(buf[off], 1);
		assert_int_equal(buf[off + 1], 12);
		assert_int_equal(get32(buf, off + 4), ACPI_IOAPIC_ADDR);
		assert_int_equal(get32(buf, off + 8), 0);
		off += 12;
	}
	assert_int_equal(off, madt + madt_len);
}

static void test_tables(void **state)
{
	uint8_t *buf = malloc(AREA);

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acpi_layout l;
		long n;

		print_message("# %s\n", cases[i].name);
		memset(buf, 0xa5, AREA);
		n = acpi_build(buf, AREA, ACPI_BASE, &cases[i].c, &l);
		assert_true(n > 0);
		assert_int_equal((size_t)n, l.end);
		check_tables(buf, &cases[i].c, &l);
		assert_int_equal(buf[n], 0xa5);		/* nothing written past the end */
	}
	free(buf);
}

static void test_refused(void **state)
{
	struct acpi_config ok = { .nr_cpus = 2, .pm_timer_port = 0x608 }, c;
	uint8_t buf[4096];
	struct acpi_layout l;
	long n;

	(void)state;
	c = ok;
	c.nr_cpus = 0;
	assert_int_equal(acpi_build(buf, sizeof(buf), ACPI_BASE, &c, NULL), -EINVAL);
	c.nr_cpus = ACPI_MAX_CPUS + 1;
	assert_int_equal(acpi_build(buf, sizeof(buf), ACPI_BASE, &c, NULL), -EINVAL);
	assert_int_equal(acpi_build(buf, sizeof(buf), ACPI_BASE + 16, &ok, NULL), -EINVAL);
	assert_int_equal(acpi_build(buf, sizeof(buf), 1ULL << 32, &ok, NULL), -EINVAL);
	assert_int_equal(acpi_build(buf, sizeof(buf), (1ULL << 32) - 64, &ok, NULL), -EINVAL);
	/* Exactly the size it needs fits; one byte less does not, and nothing is written. */
	n = acpi_build(buf, sizeof(buf), ACPI_BASE, &ok, &l);
	assert_true(n > 0);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(acpi_build(buf, (size_t)n - 1, ACPI_BASE, &ok, NULL), -E2BIG);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(acpi_build(buf, (size_t)n, ACPI_BASE, &ok, NULL), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
