/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI PM1a event and control blocks (ACPI 6.5 4.8.3.1 and 4.8.3.2), at
 * the ports QEMU's PIIX4 uses: PM1_STS/PM1_EN at 0x600, PM1_CNT at 0x604.
 * Writing PM1_CNT with SLP_EN and a sleep type enters that sleeping state:
 * SLP_TYP 1 is S3 (the VM suspends and resumes at once through the FACS
 * waking vector), 0 is S5 (the VM powers off, status 0), the values of
 * QEMU's PIIX4 PM, which the guests that use them hard-code.
 */
#ifndef VMM_HW_ACPI_PM1_H
#define VMM_HW_ACPI_PM1_H

#include <stdint.h>

#include "vmm/hw/io.h"

#define ACPI_PM1_EVT_PORT	0x600	/* PM1_STS (2 bytes), PM1_EN (2 bytes) */
#define ACPI_PM1_EVT_LEN	4
#define ACPI_PM1_CNT_PORT	0x604
#define ACPI_PM1_CNT_LEN	2

#define ACPI_PM1_CNT_SCI_EN	(1u << 0)
#define ACPI_PM1_CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define ACPI_PM1_CNT_SLP_EN	(1u << 13)
#define ACPI_SLP_TYP_S3		1
#define ACPI_SLP_TYP_S5		0

struct acpi_pm1 {
	uint16_t sts, en, cnt;
};

void acpi_pm1_reset(struct acpi_pm1 *p);
int acpi_pm1_register(struct acpi_pm1 *p, struct io_bus *bus, struct vmm_err *err);

#endif
