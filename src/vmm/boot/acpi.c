// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables, ACPI 6.5 chapter 5. Every multi-byte field is little-endian
 * and written byte by byte, so the builder does not depend on the host's
 * struct layout. Section numbers are those of ACPI 6.5.
 */
#include "vmm/boot/acpi.h"

#include <errno.h>
#include <string.h>

#define ACPI_OEM_ID		"VMM   "	/* 6 bytes */
#define ACPI_OEM_TABLE_ID	"VMMTABLE"	/* 8 bytes */
#define ACPI_CREATOR_ID		"VMM "		/* 4 bytes */

/* 5.2.9 table 5.10 FADT Flags. */
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_RESET_REG_SUP	(1u << 10)

/* 5.2.3.2 Generic Address Structure: address space and access size. */
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1
#define GAS_ACCESS_WORD		2
#define GAS_ACCESS_DWORD	3

/* 5.2.12 MADT: flags and interrupt controller structure types. */
#define MADT_PCAT_COMPAT	(1u << 0)
#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_LAPIC_ENABLED	(1u << 0)

static void put8(uint8_t *p, size_t off, uint8_t v)
{
	p[off] = v;
}

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

/* Make the len bytes at p sum to 0 through the byte at p[at]. */
static void acpi_fix_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - acpi_checksum(p, len));
}

/* 5.2.6 System Description Table Header; the checksum is set by acpi_finish(). */
static void acpi_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	put32(t, 4, len);
	put8(t, 8, revision);
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t, 24, 1);			/* OEM revision */
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put32(t, 32, 1);			/* creator revision */
}

static void acpi_finish(uint8_t *t)
{
	uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;

	acpi_fix_checksum(t, len, 9);
}

/* 5.2.3.2 Generic Address Structure (12 bytes): system I/O. */
static void acpi_gas_io(uint8_t *p, size_t off, uint8_t bits, uint8_t access, uint16_t port)
{
	put8(p, off, GAS_SYSTEM_IO);
	put8(p, off + 1, bits);
	put8(p, off + 2, 0);
	put8(p, off + 3, access);
	put64(p, off + 4, port);
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static size_t madt_len(const struct acpi_config *c)
{
	return ACPI_HEADER_LEN + 8 + (size_t)c->nr_cpus * ACPI_MADT_LAPIC_LEN +
	       (c->ioapic ? ACPI_MADT_IOAPIC_LEN : 0);
}

static void acpi_plan(const struct acpi_config *c, struct acpi_layout *l)
{
	l->rsdp = 0;
	l->rsdt = align_up(l->rsdp + ACPI_RSDP_LEN, 16);
	l->xsdt = align_up(l->rsdt + ACPI_HEADER_LEN + 2 * 4, 16);
	l->fadt = align_up(l->xsdt + ACPI_HEADER_LEN + 2 * 8, 16);
	l->facs = align_up(l->fadt + ACPI_FADT_LEN, 64);	/* 5.2.10: 64-byte aligned */
	l->dsdt = align_up(l->facs + ACPI_FACS_LEN, 16);
	l->madt = align_up(l->dsdt + ACPI_HEADER_LEN, 16);
	l->end = l->madt + madt_len(c);
}

/* 5.2.5.3 RSDP, revision 2: RSDT and XSDT. */
static void acpi_rsdp(uint8_t *p, uint64_t rsdt, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, ACPI_OEM_ID, 6);
	put8(p, 15, 2);
	put32(p, 16, (uint32_t)rsdt);
	put32(p, 20, ACPI_RSDP_LEN);
	put64(p, 24, xsdt);
	acpi_fix_checksum(p, 20, 8);			/* the ACPI 1.0 part */
	acpi_fix_checksum(p, ACPI_RSDP_LEN, 32);	/* the whole structure */
}

/* 5.2.7 RSDT (entry_size 4) and 5.2.8 XSDT (entry_size 8): the FADT and the MADT. */
static void acpi_sdt(uint8_t *t, const char sig[4], size_t entry_size, uint64_t fadt, uint64_t madt)
{
	acpi_header(t, sig, (uint32_t)(ACPI_HEADER_LEN + 2 * entry_size), 1);
	if (entry_size == 4) {
		put32(t, ACPI_HEADER_LEN, (uint32_t)fadt);
		put32(t, ACPI_HEADER_LEN + 4, (uint32_t)madt);
	} else {
		put64(t, ACPI_HEADER_LEN, fadt);
		put64(t, ACPI_HEADER_LEN + 8, madt);
	}
	acpi_finish(t);
}

/* 5.2.9 FADT, revision 3 (244 bytes). Offsets are those of table 5.9. */
static void acpi_fadt(uint8_t *t, const struct acpi_config *c, uint64_t facs, uint64_t dsdt)
{
	acpi_header(t, "FACP", ACPI_FADT_LEN, 3);
	put32(t, 36, (uint32_t)facs);		/* FIRMWARE_CTRL */
	put32(t, 40, (uint32_t)dsdt);		/* DSDT */
	put16(t, 46, c->sci_irq);		/* SCI_INT; SMI_CMD 0: ACPI is always enabled */
	put32(t, 56, c->pm1_evt_port);		/* PM1a_EVT_BLK */
	put32(t, 64, c->pm1_cnt_port);		/* PM1a_CNT_BLK */
	put8(t, 88, c->pm1_evt_port ? 4 : 0);	/* PM1_EVT_LEN */
	put8(t, 89, c->pm1_cnt_port ? 2 : 0);	/* PM1_CNT_LEN */
	put32(t, 76, c->pm_timer_port);		/* PM_TMR_BLK */
	put8(t, 91, 4);				/* PM_TMR_LEN */
	put16(t, 96, 101);			/* P_LVL2_LAT > 100: no C2 */
	put16(t, 98, 1001);			/* P_LVL3_LAT > 1000: no C3 */
	put32(t, 112, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_RESET_REG_SUP);	/* TMR_VAL_EXT clear: 24 bits */
	acpi_gas_io(t, 116, 8, GAS_ACCESS_BYTE, c->reset_port);	/* RESET_REG */
	put8(t, 128, c->reset_value);		/* RESET_VALUE */
	put64(t, 140, dsdt);			/* X_DSDT */
	if (c->pm1_evt_port)
		acpi_gas_io(t, 148, 32, GAS_ACCESS_WORD, c->pm1_evt_port);	/* X_PM1a_EVT_BLK */
	if (c->pm1_cnt_port)
		acpi_gas_io(t, 172, 16, GAS_ACCESS_WORD, c->pm1_cnt_port);	/* X_PM1a_CNT_BLK */
	acpi_gas_io(t, 208, 32, GAS_ACCESS_DWORD, c->pm_timer_port);	/* X_PM_TMR_BLK */
	acpi_finish(t);
}

/* 5.2.10 FACS (no checksum): version 1, no global lock, no waking vector. */
static void acpi_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t, 4, ACPI_FACS_LEN);
	put8(t, 32, 1);				/* Version */
}

/* 5.2.11.1 DSDT: a definition block with no AML in it. */
static void acpi_dsdt(uint8_t *t)
{
	acpi_header(t, "DSDT", ACPI_HEADER_LEN, 2);
	acpi_finish(t);
}

/* 5.2.12 MADT, 5.2.12.2 Processor Local APIC, 5.2.12.3 I/O APIC. */
static void acpi_madt(uint8_t *t, const struct acpi_config *c)
{
	size_t off = ACPI_HEADER_LEN + 8;

	acpi_header(t, "APIC", (uint32_t)madt_len(c), 1);
	put32(t, 36, ACPI_LAPIC_ADDR);
	put32(t, 40, c->pic ? MADT_PCAT_COMPAT : 0);
	for (unsigned int i = 0; i < c->nr_cpus; i++, off += ACPI_MADT_LAPIC_LEN) {
		put8(t, off, MADT_TYPE_LAPIC);
		put8(t, off + 1, ACPI_MADT_LAPIC_LEN);
		put8(t, off + 2, (uint8_t)i);		/* ACPI processor UID */
		put8(t, off + 3, (uint8_t)i);		/* APIC ID */
		put32(t, off + 4, MADT_LAPIC_ENABLED);
	}
	if (c->ioapic) {
		put8(t, off, MADT_TYPE_IOAPIC);
		put8(t, off + 1, ACPI_MADT_IOAPIC_LEN);
		put8(t, off + 2, (uint8_t)c->nr_cpus);	/* IOAPIC ID, after the LAPICs' */
		put32(t, off + 4, ACPI_IOAPIC_ADDR);
		put32(t, off + 8, 0);			/* global system interrupt base */
	}
	acpi_finish(t);
}

long acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct acpi_config *c,
		struct acpi_layout *layout)
{
	struct acpi_layout l;

	if (!c->nr_cpus || c->nr_cpus > ACPI_MAX_CPUS || gpa % 64)
		return -EINVAL;
	acpi_plan(c, &l);
	if (gpa >= (1ULL << 32) || l.end > (1ULL << 32) - gpa)
		return -EINVAL;
	if (l.end > size)
		return -E2BIG;
	memset(buf, 0, l.end);
	acpi_rsdp(buf + l.rsdp, gpa + l.rsdt, gpa + l.xsdt);
	acpi_sdt(buf + l.rsdt, "RSDT", 4, gpa + l.fadt, gpa + l.madt);
	acpi_sdt(buf + l.xsdt, "XSDT", 8, gpa + l.fadt, gpa + l.madt);
	acpi_fadt(buf + l.fadt, c, gpa + l.facs, gpa + l.dsdt);
	acpi_facs(buf + l.facs);
	acpi_dsdt(buf + l.dsdt);
	acpi_madt(buf + l.madt, c);
	if (layout)
		*layout = l;
	return (long)l.end;
}
