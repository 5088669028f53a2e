// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-amd: what is particular to AMD's PMU (APM vol. 2 13.2):
 *
 * - with PERFCTR_CORE, the legacy K7 MSRs EVNTSEL0-3/PERFCTR0-3 are aliases
 *   of PERF_CTL0-3/PERF_CTR0-3 (APM 13.2.1): a write through one name reads
 *   back through the other, and a counter programmed through the K7
 *   selector counts in the F15H counter;
 * - PerfMonV2 (APM 13.2.2): GLOBAL_STATUS is read-only (a write is ignored,
 *   no #GP: the PPR, and KVM's kvm_pmu_set_msr in arch/x86/kvm/pmu.c),
 *   GLOBAL_STATUS_SET and GLOBAL_STATUS_CLR set and clear its bits and read
 *   0, an overflow sets the counter's status bit, GLOBAL_CTL drops its
 *   reserved bits, and it gates counting: a counter with EN set counts only
 *   while its GLOBAL_CTL bit is set;
 * - without PerfMonV2, EN alone starts a counter.
 *
 * Counted blocks follow pmu-count: one asm statement from the enabling
 * WRMSR to the disabling one. With --pmu=soft counts are exact; emulated and
 * mediated modes need an AMD host PMU and have not been run here. With
 * --pmu=off the AMD PMU MSRs must #GP. On an Intel vendor the guest skips.
 */
#include "guest.h"
#include "pmu.h"

#define AMD_K7_COUNTERS		4


static void amd_absent(void)
{
	static const uint32_t msrs[] = {
		MSR_K7_EVNTSEL0, MSR_K7_PERFCTR0, MSR_F15H_PERF_CTL0, MSR_F15H_PERF_CTR0,
		MSR_AMD_PERF_GLOBAL_STATUS, MSR_AMD_PERF_GLOBAL_CTL,
		MSR_AMD_PERF_GLOBAL_STATUS_CLR, MSR_AMD_PERF_GLOBAL_STATUS_SET,
	};
	uint64_t v;

	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		int rd = rdmsr_safe(msrs[i], &v), wr = wrmsr_safe(msrs[i], 0);

		report(rd == GP_VECTOR && wr == GP_VECTOR, "MSR %#x read and write #GP (read %d, write %d)",
		       msrs[i], rd, wr);
	}
	report_eq(rdpmc_safe(0, &v), GP_VECTOR, "RDPMC 0 #GPs");
}

/* APM 13.2.1: K7 counter i and F15H counter i are one register. */
static void amd_k7_aliases(const struct pmu_caps *c)
{
	unsigned int n = c->amd_nr_counters < AMD_K7_COUNTERS ? c->amd_nr_counters : AMD_K7_COUNTERS;
	uint64_t sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR);

	if (!c->perfctr_core) {
		report_skip("K7 aliases of PERF_CTL/PERF_CTR", "no PERFCTR_CORE: only the K7 MSRs exist");
		return;
	}
	pmu_reset_all(c);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t a = 0x111100000000ULL + i, b = 0x2222000000ULL + i, k7, f15;

		wrmsr(MSR_F15H_PERF_CTR0 + 2 * i, a);
		k7 = rdmsr(MSR_K7_PERFCTR0 + i);
		wrmsr(MSR_K7_PERFCTR0 + i, b);
		f15 = rdmsr(MSR_F15H_PERF_CTR0 + 2 * i);
		report(k7 == a && f15 == b, "K7 PERFCTR%u and PERF_CTR%u are one counter (%#llx, %#llx)",
		       i, i, (unsigned long long)k7, (unsigned long long)f15);
		wrmsr(MSR_F15H_PERF_CTL0 + 2 * i, sel & ~EVTSEL_EN);
		k7 = rdmsr(MSR_K7_EVNTSEL0 + i);
		wrmsr(MSR_K7_EVNTSEL0 + i, 0);
		f15 = rdmsr(MSR_F15H_PERF_CTL0 + 2 * i);
		report(k7 == (sel & ~EVTSEL_EN) && f15 == 0,
		       "K7 EVNTSEL%u and PERF_CTL%u are one selector (%#llx, %#llx)", i, i,
		       (unsigned long long)k7, (unsigned long long)f15);
		wrmsr(MSR_K7_PERFCTR0 + i, 0);
	}

	/* Programmed through K7 EVNTSEL0, counted in PERF_CTR0. */
	pmu_reset_all(c);
	if (c->perfmon_v2) {
		wrmsr(MSR_K7_EVNTSEL0, sel);
		pmu_counted_loop(MSR_AMD_PERF_GLOBAL_CTL, 1, 0);
	} else {
		pmu_counted_loop(MSR_K7_EVNTSEL0, sel, 0);
	}
	report_eq(rdmsr(MSR_F15H_PERF_CTR0), PMU_LOOP_INSNS,
		  "K7 EVNTSEL0 programs PERF_CTR0: %u instructions", PMU_LOOP_INSNS);
	pmu_reset_all(c);
}

/* APM 13.2.2: GLOBAL_STATUS is changed only through SET/CLR (and overflows). */
static void amd_status(const struct pmu_caps *c)
{
	uint64_t all = pmu_global_enable_mask(c), top = 1ULL << (c->amd_nr_counters - 1);

	pmu_reset_all(c);
	wrmsr(MSR_AMD_PERF_GLOBAL_STATUS_SET, 1 | top);
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS), 1 | top, "GLOBAL_STATUS_SET sets bits 0 and %u",
		  c->amd_nr_counters - 1);
	report_eq(wrmsr_safe(MSR_AMD_PERF_GLOBAL_STATUS, 0), 0, "GLOBAL_STATUS write does not #GP");
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS), 1 | top, "GLOBAL_STATUS write is ignored (read-only)");
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS_SET), 0, "GLOBAL_STATUS_SET reads 0");
	wrmsr(MSR_AMD_PERF_GLOBAL_STATUS_CLR, 1);
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS), top & ~1ULL, "GLOBAL_STATUS_CLR clears bit 0 only");
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS_CLR), 0, "GLOBAL_STATUS_CLR reads 0");
	wrmsr(MSR_AMD_PERF_GLOBAL_STATUS_CLR, all);
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS), 0, "GLOBAL_STATUS_CLR of every bit leaves 0");
}

/* APM 13.2.2: a counter counts only while EN and its GLOBAL_CTL bit are both set. */
static void amd_global_ctl(const struct pmu_caps *c)
{
	uint64_t sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR);
	uint64_t all = pmu_global_enable_mask(c), mask = pmu_counter_mask(c);

	for (unsigned int i = 0; i < c->amd_nr_counters; i++) {
		pmu_reset_all(c);
		wrmsr(pmu_evtsel_msr(c, i), sel);
		pmu_counted_loop(MSR_AMD_PERF_GLOBAL_CTL, 1ULL << i, 0);
		report_eq(rdmsr(pmu_counter_msr(c, i)), PMU_LOOP_INSNS,
			  "PERF_CTR%u counts %u instructions with GLOBAL_CTL bit %u", i, PMU_LOOP_INSNS, i);
	}
	pmu_reset_all(c);
	wrmsr(pmu_evtsel_msr(c, 0), sel);
	pmu_counted_loop(MSR_AMD_PERF_GLOBAL_CTL, all & ~1ULL, 0);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), 0, "PERF_CTR0 with EN but GLOBAL_CTL bit 0 clear does not count");
	report_eq(wrmsr_safe(MSR_AMD_PERF_GLOBAL_CTL, ~0ULL), 0, "GLOBAL_CTL with reserved bits does not #GP");
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_CTL), all, "GLOBAL_CTL drops its reserved bits");
	wrmsr(MSR_AMD_PERF_GLOBAL_CTL, 0);

	pmu_reset_all(c);
	wrmsr(pmu_evtsel_msr(c, 0), sel);
	wrmsr(pmu_counter_msr(c, 0), mask - 2);
	pmu_counted_loop(MSR_AMD_PERF_GLOBAL_CTL, 1, 0);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), (uint64_t)PMU_LOOP_INSNS - 3, "PERF_CTR0 wraps at 48 bits");
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS), 1, "the wrap sets GLOBAL_STATUS bit 0");
	wrmsr(MSR_AMD_PERF_GLOBAL_STATUS_CLR, 1);
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_STATUS), 0, "GLOBAL_STATUS_CLR clears the overflow");
	pmu_reset_all(c);
}

/* Without PerfMonV2 there is no global gate: EN alone starts and stops a counter. */
static void amd_legacy_enable(const struct pmu_caps *c)
{
	uint64_t sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR);

	for (unsigned int i = 0; i < c->amd_nr_counters; i++) {
		pmu_reset_all(c);
		pmu_counted_loop(pmu_evtsel_msr(c, i), sel, 0);
		report_eq(rdmsr(pmu_counter_msr(c, i)), PMU_LOOP_INSNS,
			  "counter %u started and stopped by EN counts %u instructions", i, PMU_LOOP_INSNS);
	}
	pmu_reset_all(c);
}

int main(const struct vmm_bootinfo *bi)
{
	struct pmu_caps c;

	pmu_init(&c);
	report_info("pmu mode %u, %s, %u core counters, PERFCTR_CORE %d, PerfMonV2 %d", bi->pmu_mode,
		    c.intel ? "Intel" : c.amd ? "AMD" : "unknown vendor", c.amd_nr_counters,
		    c.perfctr_core, c.perfmon_v2);
	if (bi->pmu_mode == VMM_PMU_MODE_OFF) {
		amd_absent();
		tap_done();
	}
	if (!c.amd) {
		report_skip("AMD PMU", "CPUID vendor is not AMD (use --cpu-vendor=amd with --pmu=soft)");
		tap_done();
	}
	if (!pmu_present(&c)) {
		report_skip("AMD PMU", "no core counters in mode %u", bi->pmu_mode);
		tap_done();
	}
	amd_k7_aliases(&c);
	if (c.perfmon_v2) {
		amd_status(&c);
		amd_global_ctl(&c);
	} else {
		report_skip("PerfMonV2 GLOBAL_CTL/STATUS", "CPUID.80000022H:EAX.PerfMonV2 clear");
		amd_legacy_enable(&c);
	}
	tap_done();
}
