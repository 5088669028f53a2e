// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcdev: the PC firmware interfaces kvm-unit-tests relies on, as a guest
 * finds them (docs/boot.md, docs/cli.md):
 *
 * - an RSDP on a 16-byte boundary in 0xe0000-0xfffff (ACPI 6.5 5.2.5.1)
 *   with valid checksums, an RSDT and an XSDT that name the FADT and MADT;
 * - the MADT has one enabled Processor Local APIC per vCPU (the count is
 *   fw_cfg's NB_CPUS) and an IOAPIC entry exactly when the command line
 *   says "ioapic" (vmm run --irqchip=full);
 * - the FADT's PM_TMR_BLK is a port whose 24-bit count advances at
 *   3.579545 MHz (ACPI 6.5 4.8.3.3), checked against the TSC-independent
 *   bound "it moves" and "it stays below 2^24";
 * - pc-testdev's scratch register at 0xe0/0xe8 and its 64 KiB of MMIO
 *   scratch memory at 0xff000000 hold what is written.
 */
#include "guest.h"

#define ACPI_SCAN_START		0xe0000
#define ACPI_SCAN_END		0x100000
#define TESTDEV_IOMEM		0xff000000UL

static uint32_t get32(const volatile uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static const uint8_t *find_rsdp(void)
{
	for (uintptr_t a = ACPI_SCAN_START; a < ACPI_SCAN_END; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8))
			return (const uint8_t *)a;
	return NULL;
}

/* The table the RSDT names with signature sig, checked; NULL when absent. */
static const uint8_t *find_table(const uint8_t *rsdt, const char *sig)
{
	uint32_t n = (get32(rsdt + 4) - 36) / 4;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)get32(rsdt + 36 + 4 * i);

		if (!memcmp(t, sig, 4))
			return report(!sum(t, get32(t + 4)), "%s at %p, %u bytes, checksum valid", sig,
				      (const void *)t, get32(t + 4)) ? t : NULL;
	}
	return NULL;
}

static void check_madt(const uint8_t *madt, uint32_t cpus, uint32_t want_ioapics)
{
	uint32_t len = get32(madt + 4), lapics = 0, ioapics = 0;

	for (uint32_t off = 44; off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1]) {
		if (madt[off] == 0 && (get32(madt + off + 4) & 1))
			lapics++;
		if (madt[off] == 1)
			ioapics++;
	}
	report_eq(lapics, cpus, "MADT: one enabled LAPIC per vCPU");
	report_eq(get32(madt + 36), 0xfee00000, "MADT: local APIC address");
	report_eq(ioapics, want_ioapics, "MADT: IOAPIC entries");
}

static void check_pm_timer(const uint8_t *fadt)
{
	uint16_t port = (uint16_t)get32(fadt + 76);
	uint32_t first = inl(port), last = first, moved = 0;

	report(port != 0 && fadt[91] == 4, "FADT: PM_TMR_BLK %#x, PM_TMR_LEN %u", port, fadt[91]);
	for (int i = 0; i < 1000 && !moved; i++) {
		last = inl(port);
		moved = last != first;
	}
	report(moved, "PM timer advances (%#x -> %#x)", first, last);
	report((first | last) <= 0xffffff, "PM timer is 24 bits wide");
}

static void check_testdev(void)
{
	volatile uint8_t *iomem = (volatile uint8_t *)TESTDEV_IOMEM;

	outl(0xe0, 0x12345678);
	report_eq(inl(0xe0), 0x12345678, "pc-testdev: scratch register holds a 32-bit write");
	outb(0xe9, 0xab);
	report_eq(inl(0xe0), 0x1234ab78, "pc-testdev: byte write at 0xe9 lands in byte 1");
	iomem[0] = 0x5a;
	iomem[0xffff] = 0xa5;
	report(iomem[0] == 0x5a && iomem[0xffff] == 0xa5, "pc-testdev: MMIO scratch memory holds writes");
}

int main(const struct vmm_bootinfo *bi)
{
	const uint8_t *rsdp = find_rsdp(), *rsdt, *fadt, *madt;

	check_testdev();
	if (!report(rsdp != NULL, "RSDP found in 0xe0000-0xfffff"))
		tap_done();
	report(!sum(rsdp, 20) && !sum(rsdp, 36) && rsdp[15] == 2, "RSDP revision %u, both checksums valid",
	       rsdp[15]);
	rsdt = (const uint8_t *)(uintptr_t)get32(rsdp + 16);
	report(!memcmp(rsdt, "RSDT", 4) && !sum(rsdt, get32(rsdt + 4)), "RSDT valid");
	fadt = find_table(rsdt, "FACP");
	madt = find_table(rsdt, "APIC");
	if (madt)
		check_madt(madt, fw_cfg_read_u16(FW_CFG_NB_CPUS), !strcmp(guest_args(bi), "ioapic") ? 1 : 0);
	else
		report(false, "MADT present");
	if (fadt)
		check_pm_timer(fadt);
	else
		report(false, "FADT present");
	tap_done();
}
