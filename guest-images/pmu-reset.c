// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-reset: seed 000's fourth bug, reproduced. On its first boot the guest
 * does what `perf top` does: every counter counts with its interrupt bit set,
 * preloaded close to overflow, PMIs arrive as NMIs through LVTPC and the
 * handler re-arms the counter and unmasks LVTPC; while they run, the guest
 * asks for a reset (port 0xcf9). On the next boot (boot counter 1) it checks:
 * - every PMU MSR of the enumerated shape holds its RESET value (SDM 20.2.2:
 *   counters, selectors, FIXED_CTR_CTRL, GLOBAL_STATUS zero, GLOBAL_CTRL with
 *   the GP enable bits set; APM 13.2: AMD counters and controls zero,
 *   PerfMonV2 GLOBAL_CTL with every counter enabled, GLOBAL_STATUS zero);
 * - LVTPC is masked, its RESET value (SDM vol. 3A 11.4.7.1);
 * - no PMI or NMI arrives in a long window in which a counter counts and
 *   LVTPC is unmasked as NMI: nothing of the first boot survives to fire
 *   ("Uhhuh. NMI received for unknown reason" in the seed's report);
 * - the first boot did take PMIs before the reset (recorded in RAM, which a
 *   reset keeps), so the scenario was live.
 * With --pmu=off there is no PMU: both boots check that PMU MSRs #GP and no
 * NMI arrives. Run it with --verify-reset to have the VMM check the same
 * from outside.
 */
#include "guest.h"
#include "pmu.h"

#define MARK_ADDR	0x800000UL
#define MARK_MAGIC	0x746573657275706dULL	/* "mpuresett" */
#define PRELOAD_LEFT	1000			/* instructions to each overflow */
#define WORK_LOOPS	1500
#define NR_FIXED_MAX	4			/* Intel fixed counters 0..3 */

struct mark {
	uint64_t magic;
	uint64_t pmis;		/* PMIs the first boot took */
};

static struct pmu_caps caps;
static volatile uint64_t nmis;

static uint64_t preload(void)
{
	return pmu_counter_mask(&caps) - PRELOAD_LEFT + 1;
}

/*
 * perf's PMI handler in miniature: stop the counters, re-arm the overflowed
 * ones, clear status, start them again and unmask LVTPC. Stopping them
 * matters on AMD, whose LVTPC stays unmasked during the handler: overflows
 * there would queue the next NMI at once.
 */
static void pmi_rearm(struct ex_regs *regs)
{
	uint64_t status;

	(void)regs;
	if (caps.has_global)
		wrmsr(pmu_global_ctrl_msr(&caps), 0);
	status = caps.has_global ? rdmsr(pmu_global_status_msr(&caps)) : ~0ULL;
	nmis++;
	for (unsigned int i = 0; i < caps.nr_counters; i++)
		if (status & (1ULL << i))
			wrmsr(pmu_counter_msr(&caps, i), preload() & pmu_counter_mask(&caps));
	if (caps.has_global) {
		wrmsr(pmu_global_clear_msr(&caps), status);
		wrmsr(pmu_global_ctrl_msr(&caps), pmu_global_enable_mask(&caps));
	}
	apic_set_lvtpc(APIC_DM_NMI);
}

static void count_nmi(struct ex_regs *regs)
{
	(void)regs;
	nmis++;
}

static void start_everything(void)
{
	for (unsigned int i = 0; i < caps.nr_counters; i++) {
		enum pmu_event e = i % 2 ? PMU_EVENT_INSTRUCTIONS : PMU_EVENT_BRANCHES;

		if (!pmu_event_available(&caps, e))
			e = PMU_EVENT_INSTRUCTIONS;
		wrmsr(pmu_counter_msr(&caps, i), preload() & pmu_counter_mask(&caps));
		wrmsr(pmu_evtsel_msr(&caps, i), pmu_event_select(&caps, e, EVTSEL_OS | EVTSEL_USR | EVTSEL_INT));
	}
	if (caps.intel && caps.version >= 2) {
		uint64_t ctrl = 0;

		for (unsigned int i = 0; i < NR_FIXED_MAX; i++)
			if (pmu_fixed_present(&caps, i))
				ctrl |= FIXED_CTRL(i, FIXED_CTRL_OS | FIXED_CTRL_USR | FIXED_CTRL_PMI);
		wrmsr(MSR_IA32_FIXED_CTR_CTRL, ctrl);
	}
	if (caps.has_global)
		wrmsr(pmu_global_ctrl_msr(&caps), pmu_global_enable_mask(&caps));
}

static void work(unsigned int loops)
{
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(loops) : : "cc");
}

static void first_boot(struct mark *m)
{
	*m = (struct mark){ .magic = MARK_MAGIC };
	if (pmu_present(&caps)) {
		idt_set_handler(NMI_VECTOR, pmi_rearm);
		apic_enable(0xff);
		apic_set_lvtpc(APIC_DM_NMI);
		start_everything();
		work(WORK_LOOPS);
		m->pmis = nmis;
	}
	report_info("boot 0: %llu PMIs so far; resetting with the counters running",
		    (unsigned long long)nmis);
	outb(0xcf9, 0x06);
	report_abort("the reset request returned");
}

/* (msr, RESET value) of the shape as the guest enumerates it. */
static void check_msr(uint32_t msr, uint64_t want, const char *what, unsigned int i)
{
	uint64_t v = 0;
	int vec = rdmsr_safe(msr, &v);

	if (vec)
		report(false, "%s%u (MSR %#x) readable after reset: vector %d", what, i, msr, vec);
	else
		report_eq(v, want, "%s%u (MSR %#x) is at its RESET value", what, i, msr);
}

static void check_reset_values(void)
{
	for (unsigned int i = 0; i < caps.nr_counters; i++) {
		check_msr(pmu_counter_msr(&caps, i), 0, "counter ", i);
		check_msr(pmu_evtsel_msr(&caps, i), 0, "selector ", i);
	}
	if (caps.intel && caps.version >= 2) {
		for (unsigned int i = 0; i < NR_FIXED_MAX; i++)
			if (pmu_fixed_present(&caps, i))
				check_msr(MSR_IA32_FIXED_CTR0 + i, 0, "fixed counter ", i);
		check_msr(MSR_IA32_FIXED_CTR_CTRL, 0, "FIXED_CTR_CTRL ", 0);
	}
	if (caps.has_global) {
		check_msr(pmu_global_status_msr(&caps), 0, "GLOBAL_STATUS ", 0);
		/* GP (core) counters enabled, Intel fixed counters not (SDM 20.2.2; KVM for AMD). */
		check_msr(pmu_global_ctrl_msr(&caps), (1ULL << caps.nr_counters) - 1, "GLOBAL_CTRL ", 0);
	}
}

static void check_absent(void)
{
	static const uint32_t msrs[] = { MSR_IA32_PMC0, MSR_IA32_PERFEVTSEL0, MSR_IA32_PERF_GLOBAL_CTRL,
					 MSR_K7_PERFCTR0, MSR_F15H_PERF_CTL0, MSR_AMD_PERF_GLOBAL_CTL };
	uint64_t v;

	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		if (pmu_legacy_msr(msrs[i]))
			report(!rdmsr_safe(msrs[i], &v) && !v, "no PMU: legacy MSR %#x reads 0", msrs[i]);
		else
			report_eq(rdmsr_safe(msrs[i], &v), GP_VECTOR, "no PMU: MSR %#x raises #GP", msrs[i]);
	}
}

/* A long window with a counter counting and LVTPC unmasked as NMI: nothing may arrive. */
static void quiet_window(void)
{
	nmis = 0;
	idt_set_handler(NMI_VECTOR, count_nmi);
	apic_enable(0xff);
	apic_set_lvtpc(APIC_DM_NMI);
	if (pmu_present(&caps)) {
		wrmsr(pmu_evtsel_msr(&caps, 0), pmu_event_select(&caps, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS));
		if (caps.has_global)
			wrmsr(pmu_global_ctrl_msr(&caps), 1);
	}
	work(WORK_LOOPS);
	if (pmu_present(&caps)) {
		if (caps.has_global)
			wrmsr(pmu_global_ctrl_msr(&caps), 0);
		wrmsr(pmu_evtsel_msr(&caps, 0), 0);
		report(rdmsr(pmu_counter_msr(&caps, 0)) >= 2 * WORK_LOOPS,
		       "the window was counted (%llu instructions)",
		       (unsigned long long)rdmsr(pmu_counter_msr(&caps, 0)));
		if (caps.has_global)
			report_eq(rdmsr(pmu_global_status_msr(&caps)), 0, "no overflow in the window");
	}
	report_eq(nmis, 0, "no PMI or NMI arrives after the reset");
}

int main(const struct vmm_bootinfo *bi)
{
	struct mark *m = (struct mark *)MARK_ADDR;

	pmu_init(&caps);
	if (bi->mem_size <= MARK_ADDR + 4096)
		report_abort("needs more than %lu bytes of RAM", MARK_ADDR + 4096);
	if (bi->boot_count == 0)
		first_boot(m);
	report_eq(bi->boot_count, 1, "second boot");
	report_eq(m->magic, MARK_MAGIC, "the first boot's record survived the reset");
	report_eq(apic_get_lvtpc(), APIC_LVT_MASKED, "LVTPC is masked, its RESET value");
	if (pmu_present(&caps)) {
		report(m->pmis > 0, "the first boot took PMIs with every counter running (%llu)",
		       (unsigned long long)m->pmis);
		check_reset_values();
	} else {
		report_eq(bi->pmu_mode, VMM_PMU_MODE_OFF, "no PMU enumerated: the VMM gave none");
		check_absent();
	}
	quiet_window();
	tap_done();
}
