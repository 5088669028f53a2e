// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp: every vCPU runs, each with its own PMU, and a reset puts the APs
 * back to waiting for INIT/SIPI.
 * - The BSP starts the APs with INIT-SIPI-SIPI (SDM Vol. 3A 9.4.4); each
 *   reports its APIC ID: together they are 1..n-1 (vmm numbers vCPUs so),
 *   and fw_cfg and the boot info agree on the vCPU count.
 * - With a PMU, each AP counts a counted loop on its own PMC0 while the
 *   BSP's PMC0 is stopped: the AP's count is exact in soft mode and the
 *   BSP's counter does not move (PMU state is per logical processor,
 *   SDM 20.2).
 * - On boot 0 the guest then resets through port 0xcf9 while the APs are
 *   parked; on boot 1 it starts them again: a reset returns every AP to
 *   wait-for-SIPI (SDM Vol. 3A 9.1.1), so they start exactly as before.
 * Needs --cpus=2 or more (skips with 1).
 */
#include "guest.h"
#include "pmu.h"
#include "smp.h"

static struct pmu_caps caps;
static volatile uint32_t ap_apic_id[SMP_MAX_APS + 1];
static volatile uint64_t ap_count[SMP_MAX_APS + 1];

static void ap_main(unsigned int index)
{
	ap_apic_id[index] = apic_id();
	if (pmu_present(&caps)) {
		uint32_t ctrl = caps.has_global ? pmu_global_ctrl_msr(&caps) : pmu_evtsel_msr(&caps, 0);
		uint64_t sel = pmu_event_select(&caps, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS);

		if (caps.has_global)
			wrmsr(ctrl, 0);
		wrmsr(pmu_counter_msr(&caps, 0), 0);
		if (caps.has_global) {
			wrmsr(pmu_evtsel_msr(&caps, 0), sel);
			pmu_counted_loop(ctrl, 1, 0);
		} else {
			pmu_counted_loop(ctrl, sel, 0);
		}
		ap_count[index] = rdmsr(pmu_counter_msr(&caps, 0));
	}
	smp_ap_ready();
}

/* What one boot saw; boot 0's survives the reset in RAM outside the image. */
#define MARK_ADDR	0x800000UL
#define MARK_MAGIC	0x706d73ULL	/* "smp" */

struct round {
	uint64_t magic;
	uint32_t cpus_fw_cfg;
	uint32_t up;
	uint32_t apic_id[SMP_MAX_APS + 1];
	uint64_t count[SMP_MAX_APS + 1];
	uint64_t bsp_count;
};

static void run_round(unsigned int aps, struct round *r)
{
	r->magic = MARK_MAGIC;
	r->cpus_fw_cfg = fw_cfg_read_u16(0x05);
	if (pmu_present(&caps)) {
		wrmsr(pmu_evtsel_msr(&caps, 0), 0);
		wrmsr(pmu_counter_msr(&caps, 0), 0);
	}
	r->up = smp_start_aps(aps, ap_main);
	for (unsigned int i = 1; i <= r->up; i++) {
		r->apic_id[i] = ap_apic_id[i];
		r->count[i] = ap_count[i];
	}
	r->bsp_count = pmu_present(&caps) ? rdmsr(pmu_counter_msr(&caps, 0)) : 0;
}

static void report_round(const struct vmm_bootinfo *bi, unsigned int boot, unsigned int aps,
			 const struct round *r)
{
	bool exact = bi->pmu_mode == VMM_PMU_MODE_SOFT;

	report_eq(r->magic, MARK_MAGIC, "boot %u: its results were kept", boot);
	report_eq(r->cpus_fw_cfg, bi->nr_cpus, "boot %u: fw_cfg and the boot info agree on the vCPU count", boot);
	report_eq(r->up, aps, "boot %u: every AP started through INIT-SIPI-SIPI", boot);
	uint32_t ids = 0;

	for (unsigned int i = 1; i <= aps; i++)
		ids |= r->apic_id[i] < 32 ? 1u << r->apic_id[i] : 0;
	/* APs take their index in the order they arrive; together they are APIC IDs 1..aps. */
	report_eq(ids, ((1u << (aps + 1)) - 1) & ~1u, "boot %u: the APs run with APIC IDs 1 to %u, once each",
		  boot, aps);
	if (!pmu_present(&caps)) {
		report_skip("per-vCPU counting", "no PMU in mode %u", bi->pmu_mode);
		return;
	}
	for (unsigned int i = 1; i <= aps; i++) {
		if (exact)
			report_eq(r->count[i], PMU_LOOP_INSNS, "boot %u: AP %u counted its own loop on its PMC0",
				  boot, i);
		else
			report(r->count[i] >= PMU_LOOP_INSNS, "boot %u: AP %u counted its own loop on its PMC0",
			       boot, i);
	}
	report_eq(r->bsp_count, 0, "boot %u: the BSP's PMC0 did not move", boot);
}

int main(const struct vmm_bootinfo *bi)
{
	struct round *first = (struct round *)MARK_ADDR, now;
	unsigned int aps = bi->nr_cpus - 1;

	pmu_init(&caps);
	if (bi->nr_cpus < 2) {
		report_skip("application processors", "one vCPU (run with --cpus=2 or more)");
		tap_done();
	}
	if (bi->mem_size <= MARK_ADDR + sizeof(*first))
		report_abort("needs more than %lu bytes of RAM", MARK_ADDR + sizeof(*first));
	if (aps > SMP_MAX_APS)
		aps = SMP_MAX_APS;
	if (bi->boot_count == 0) {
		memset(first, 0, sizeof(*first));
		run_round(aps, first);
		report_info("boot 0: %u of %u APs up; resetting with the APs parked", first->up, aps);
		outb(0xcf9, 0x06);
		report_abort("the reset request returned");
	}
	memset(&now, 0, sizeof(now));
	run_round(aps, &now);
	report_eq(bi->boot_count, 1, "second boot after the reset");
	report_round(bi, 0, aps, first);
	report_round(bi, 1, aps, &now);
	tap_done();
}
