// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-filter: the PMU event filter (KVM_SET_PMU_EVENT_FILTER semantics,
 * Documentation/virt/kvm/api.rst; applied by KVM in emulated and mediated
 * mode and by the software PMU in soft mode) lets exactly the allowed events
 * count. The selftest runs it on an Intel PMU twice, with
 *   --pmu-filter=deny:0xc4,fixed=0x2     (branches and fixed counter 1 denied)
 *   --pmu-filter=allow:0xc0,fixed=0x1    (only instructions and fixed counter 0)
 * which must both give: instructions retired count on a GP counter and on
 * fixed counter 0; branches retired on a GP counter and cycles on fixed
 * counter 1 stay at zero; a filtered selector still reads back as written.
 * The guest's command line names the filter it runs under (filter=deny or
 * filter=allow) so that a run without one fails instead of passing.
 * Counted blocks follow SDM 20.2.1 as in pmu-count (the enabling WRMSR is
 * not counted, the disabling one is): pmu_counted_loop().
 */
#include "guest.h"
#include "pmu.h"


static struct pmu_caps caps;


static bool filter_named(const struct vmm_bootinfo *bi)
{
	const char *s = guest_args(bi);

	for (; *s; s++)
		if (!strncmp(s, "filter=deny", 11) || !strncmp(s, "filter=allow", 12))
			return true;
	return false;
}

int main(const struct vmm_bootinfo *bi)
{
	uint64_t sel_ins, sel_br;
	bool exact = bi->pmu_mode == VMM_PMU_MODE_SOFT;

	pmu_init(&caps);
	if (!caps.intel || caps.version < 2 || caps.nr_counters < 2 || !pmu_fixed_present(&caps, 0) ||
	    !pmu_fixed_present(&caps, 1)) {
		report_skip("event filter", "needs an Intel PMU of version 2+ with 2 GP and 2 fixed counters");
		tap_done();
	}
	tap_plan(7);
	report(filter_named(bi), "the command line names the filter (filter=deny or filter=allow)");
	pmu_reset_all(&caps);
	sel_ins = pmu_event_select(&caps, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS);
	sel_br = pmu_event_select(&caps, PMU_EVENT_BRANCHES, EVTSEL_OS);
	wrmsr(pmu_evtsel_msr(&caps, 0), sel_ins);
	wrmsr(pmu_evtsel_msr(&caps, 1), sel_br);
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(0, FIXED_CTRL_OS) | FIXED_CTRL(1, FIXED_CTRL_OS));
	pmu_counted_loop(MSR_IA32_PERF_GLOBAL_CTRL, 3ULL | GLOBAL_STATUS_FIXED(0) | GLOBAL_STATUS_FIXED(1), 0);

	if (exact)
		report_eq(rdmsr(pmu_counter_msr(&caps, 0)), PMU_LOOP_INSNS, "allowed: instructions count on PMC0");
	else
		report(rdmsr(pmu_counter_msr(&caps, 0)) >= PMU_LOOP_INSNS, "allowed: instructions count on PMC0");
	report_eq(rdmsr(pmu_counter_msr(&caps, 1)), 0, "filtered: branches do not count on PMC1");
	report_eq(rdmsr(pmu_evtsel_msr(&caps, 1)), sel_br, "filtered: PERFEVTSEL1 reads back as written");
	if (exact)
		report_eq(rdmsr(MSR_IA32_FIXED_CTR0), PMU_LOOP_INSNS, "allowed: FIXED_CTR0 counts instructions");
	else
		report(rdmsr(MSR_IA32_FIXED_CTR0) >= PMU_LOOP_INSNS, "allowed: FIXED_CTR0 counts instructions");
	report_eq(rdmsr(MSR_IA32_FIXED_CTR0 + 1), 0, "filtered: FIXED_CTR1 does not count");
	report_eq(rdmsr(MSR_IA32_FIXED_CTR_CTRL), FIXED_CTRL(0, FIXED_CTRL_OS) | FIXED_CTRL(1, FIXED_CTRL_OS),
		  "filtered: FIXED_CTR_CTRL reads back as written");
	pmu_reset_all(&caps);
	tap_done();
}
