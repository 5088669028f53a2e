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
 *   scratch memory at 0xff000000 hold what is written;
 * - pc-testdev's page flush (port 0xe4) keeps the page's contents, and with
 *   two or more vCPUs, an AP that keeps writing a page while the BSP
 *   flushes it thousands of times loses no write and stops nothing (with a
 *   PMU the AP counts meanwhile, so a soft PMU executes its writes itself).
 */
#include "guest.h"
#include "pmu.h"
#include "smp.h"

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

#define FLUSH_ROUNDS	20000

static volatile uint64_t flush_page[512] __attribute__((aligned(4096)));
static volatile uint64_t flush_seen[512] __attribute__((aligned(4096)));
static volatile uint32_t writer_stop, writer_done;
static volatile uint64_t writer_last;
static struct pmu_caps caps;

/* AP 1: count instructions (soft PMU: the VMM then executes what follows) and write the page without end. */
static void flush_writer(unsigned int index)
{
	uint64_t n = 0;

	(void)index;
	if (pmu_present(&caps)) {
		wrmsr(pmu_counter_msr(&caps, 0), 0);
		wrmsr(pmu_evtsel_msr(&caps, 0), pmu_event_select(&caps, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS));
		if (caps.has_global)
			wrmsr(pmu_global_ctrl_msr(&caps), 1);
	}
	smp_ap_ready();
	while (!writer_stop) {
		n++;
		flush_page[n & 511] = n;
		flush_page[0] = n;
	}
	if (pmu_present(&caps)) {
		if (caps.has_global)
			wrmsr(pmu_global_ctrl_msr(&caps), 0);
		wrmsr(pmu_evtsel_msr(&caps, 0), 0);
	}
	writer_last = n;
	writer_done = 1;
	for (;;)
		asm volatile("cli; hlt");
}

static void check_flush(void)
{
	uint32_t cpus = fw_cfg_read_u16(FW_CFG_NB_CPUS);
	uint64_t first, last, bad = 0;
	unsigned int i;

	for (i = 0; i < 512; i++)
		flush_seen[i] = i * 0x9e3779b97f4a7c15ULL;
	outl(0xe4, (uint32_t)(uintptr_t)flush_seen);
	for (i = 0; i < 512 && flush_seen[i] == i * 0x9e3779b97f4a7c15ULL; i++)
		;
	report_eq(i, 512, "pc-testdev: a flushed page keeps its contents");
	if (cpus < 2) {
		report_skip("pc-testdev: flushes while another vCPU writes", "needs --cpus=2");
		return;
	}
	pmu_init(&caps);
	if (!report(smp_start_aps(1, flush_writer) == 1, "pc-testdev: AP 1 writing the page"))
		return;
	first = flush_page[0];
	for (i = 0; i < FLUSH_ROUNDS; i++)
		outl(0xe4, (uint32_t)(uintptr_t)flush_page);
	last = flush_page[0];
	writer_stop = 1;
	for (i = 0; i < 100000000 && !writer_done; i++)
		asm volatile("pause");
	report(writer_done, "pc-testdev: the AP ran on through %u flushes (%lu -> %lu writes)", FLUSH_ROUNDS,
	       first, last);
	for (i = 1; i < 512; i++) {
		uint64_t v = flush_page[i];

		/* slot i holds the last n with n % 512 == i that the writer reached */
		if (writer_done && (v > writer_last || (v && (v & 511) != i) || writer_last - v >= 512))
			bad++;
	}
	report(writer_done && flush_page[0] == writer_last && !bad,
	       "pc-testdev: no write lost (last %lu, %lu stale slots)", writer_last, bad);
}

int main(const struct vmm_bootinfo *bi)
{
	const uint8_t *rsdp = find_rsdp(), *rsdt, *fadt, *madt;

	check_testdev();
	check_flush();
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
