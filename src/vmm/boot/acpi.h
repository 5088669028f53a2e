/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables vmm gives a guest (ACPI 6.5 chapter 5), built into a
 * buffer by pure code: an RSDP where guests search for it (5.2.5.1: on a
 * 16-byte boundary in 0xe0000-0xfffff), an RSDT and an XSDT, a FADT whose
 * PM_TMR_BLK is vmm's ACPI PM timer and whose RESET_REG is port 0xcf9, a
 * FACS, an empty DSDT, and a MADT with one Processor Local APIC entry per
 * vCPU and the IOAPIC when the VM has one.
 */
#ifndef VMM_VMM_ACPI_H
#define VMM_VMM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_BASE		0xe0000ULL	/* guest-physical address of the RSDP */
#define ACPI_AREA_END		0x100000ULL	/* tables end below 1 MiB */
#define ACPI_MAX_CPUS		255		/* one-byte APIC IDs (MADT type 0); 0xff is broadcast */

#define ACPI_LAPIC_ADDR		0xfee00000u
#define ACPI_IOAPIC_ADDR	0xfec00000u

/* Sizes (ACPI 6.5 5.2.5.3, 5.2.6, 5.2.9, 5.2.10, 5.2.12). */
#define ACPI_RSDP_LEN		36
#define ACPI_HEADER_LEN		36
#define ACPI_FADT_LEN		244		/* revision 3: up to X_GPE1_BLK */
#define ACPI_FACS_LEN		64
#define ACPI_FACS_WAKING_VECTOR	12		/* offset of Firmware_Waking_Vector (5.2.10) */
#define ACPI_MADT_LAPIC_LEN	8
#define ACPI_MADT_IOAPIC_LEN	12

struct acpi_config {
	unsigned int nr_cpus;		/* 1..ACPI_MAX_CPUS; vCPU i has APIC ID i */
	bool ioapic;			/* an IOAPIC at ACPI_IOAPIC_ADDR (KVM_CREATE_IRQCHIP) */
	bool pic;			/* dual 8259s: MADT PCAT_COMPAT */
	uint16_t pm_timer_port;		/* PM_TMR_BLK */
	uint16_t pm1_evt_port;		/* PM1a_EVT_BLK (4 bytes); 0: none */
	uint16_t pm1_cnt_port;		/* PM1a_CNT_BLK (2 bytes); 0: none */
	uint16_t reset_port;		/* RESET_REG (system I/O, 8 bits) */
	uint8_t reset_value;
	uint16_t sci_irq;		/* SCI_INT */
};

/* Where each table went, for tests and messages: offsets into the buffer. */
struct acpi_layout {
	size_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt, end;
};

/*
 * Write the tables for c into buf, which the guest sees at guest-physical
 * address gpa (the RSDP is at gpa, 64-byte aligned so the FACS can be). Returns the bytes
 * used, -EINVAL for a bad configuration (no vCPU, more than ACPI_MAX_CPUS,
 * gpa not 64-byte aligned or the tables not below 4 GiB) or -E2BIG when
 * they do not fit in size bytes. layout may be NULL.
 */
long acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct acpi_config *c,
		struct acpi_layout *layout);

/* The 8-bit sum of len bytes (a valid table sums to 0). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
