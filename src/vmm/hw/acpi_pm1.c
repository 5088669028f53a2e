// SPDX-License-Identifier: GPL-2.0-only
/*
 * PM1 event block: PM1_STS bits are cleared by writing 1 (ACPI 6.5
 * 4.8.3.1.1); nothing sets them here, so they read 0 once cleared. PM1_EN
 * holds what is written. PM1 control: SCI_EN (bit 0) always reads 1 (the
 * machine is in ACPI mode: the FADT has no SMI command port); SLP_EN (bit
 * 13) is write-only and reads 0 (4.8.3.2.1). A write with SLP_EN enters
 * the sleeping state SLP_TYP names; other sleep types are ignored.
 */
#include "vmm/hw/acpi_pm1.h"

#include <stdio.h>
#include <string.h>

void acpi_pm1_reset(struct acpi_pm1 *p)
{
	memset(p, 0, sizeof(*p));
	p->cnt = ACPI_PM1_CNT_SCI_EN;
}

/* The 16-bit register of a 2-byte window at byte offset off, merged with a write of a->size bytes. */
static uint16_t pm1_merge(uint16_t reg, const struct io_access *a, unsigned int off)
{
	for (unsigned int i = 0; i < a->size; i++) {
		unsigned int byte = off + i;

		if (byte < 2)
			reg = (uint16_t)((reg & ~(0xffu << (8 * byte))) | (unsigned int)a->data[i] << (8 * byte));
	}
	return reg;
}

static void pm1_read(uint32_t v, struct io_access *a, unsigned int len)
{
	for (unsigned int i = 0; i < a->size; i++)
		a->data[i] = a->offset + i < len ? (uint8_t)(v >> (8 * (a->offset + i))) : 0xff;
}

static void acpi_pm1_evt(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct acpi_pm1 *p = opaque;

	(void)out;
	if (!a->write) {
		pm1_read(p->sts | (uint32_t)p->en << 16, a, ACPI_PM1_EVT_LEN);
		return;
	}
	for (unsigned int i = 0; i < a->size; i++) {
		uint64_t byte = a->offset + i;
		unsigned int shift = (unsigned int)(8 * (byte & 1));

		if (byte < 2)		/* PM1_STS: write 1 to clear */
			p->sts &= (uint16_t)~((unsigned int)a->data[i] << shift);
		else if (byte < 4)	/* PM1_EN */
			p->en = (uint16_t)((p->en & ~(0xffu << shift)) | (unsigned int)a->data[i] << shift);
	}
}

static void acpi_pm1_cnt(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct acpi_pm1 *p = opaque;
	uint16_t v;

	if (!a->write) {
		pm1_read(p->cnt, a, ACPI_PM1_CNT_LEN);
		return;
	}
	v = pm1_merge(p->cnt, a, (unsigned int)a->offset);
	p->cnt = (uint16_t)((v & ~ACPI_PM1_CNT_SLP_EN) | ACPI_PM1_CNT_SCI_EN);
	if (!(v & ACPI_PM1_CNT_SLP_EN))
		return;
	switch (ACPI_PM1_CNT_SLP_TYP(v)) {
	case ACPI_SLP_TYP_S3:
		out->kind = EXIT_SUSPEND;
		snprintf(out->msg, sizeof(out->msg), "the guest entered ACPI S3 (PM1_CNT 0x%04x)", v);
		break;
	case ACPI_SLP_TYP_S5:
		out->kind = EXIT_GUEST_STATUS;
		out->status = 0;
		break;
	default:
		break;
	}
}

int acpi_pm1_register(struct acpi_pm1 *p, struct io_bus *bus, struct vmm_err *err)
{
	int r = io_bus_register(bus, IO_PIO, ACPI_PM1_EVT_PORT, ACPI_PM1_EVT_LEN, "acpi-pm1-evt", acpi_pm1_evt,
				p, err);

	if (!r)
		r = io_bus_register(bus, IO_PIO, ACPI_PM1_CNT_PORT, ACPI_PM1_CNT_LEN, "acpi-pm1-cnt", acpi_pm1_cnt,
				    p, err);
	return r;
}
