// SPDX-License-Identifier: GPL-2.0-only
#include "pmu/reset.h"

#include "common/x86.h"

#define LBR_FORMAT_INFO			5	/* PERF_CAPABILITIES[5:0] with LBR_INFO */

static unsigned int nr_counters(const struct pmu_shape *s)
{
	unsigned int n = s->vendor == PMU_VENDOR_INTEL ? s->nr_gp : s->amd_nr_counters;

	if (s->vendor == PMU_VENDOR_INTEL)
		return n > PMU_MAX_GP ? PMU_MAX_GP : n;
	return n > PMU_MAX_AMD_CORE ? PMU_MAX_AMD_CORE : n;
}

/*
 * SDM 20.2.2: at RESET, IA32_PERF_GLOBAL_CTRL has the enable bit of every
 * general-purpose counter set and those of the fixed counters clear. KVM
 * gives AMD PerfMonV2 vCPUs the same GLOBAL_CTL so that software unaware of
 * it still counts.
 */
uint64_t pmu_reset_global_ctrl(const struct pmu_shape *s)
{
	unsigned int n = nr_counters(s);

	if ((s->vendor == PMU_VENDOR_INTEL && s->version < 2) ||
	    (s->vendor == PMU_VENDOR_AMD && !s->perfmon_v2))
		return 0;
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static void put(struct pmu_msr_value *out, unsigned int *n, uint32_t index, uint64_t value)
{
	if (*n < PMU_RESET_MAX_MSRS)
		out[(*n)++] = (struct pmu_msr_value){ index, value };
}

/*
 * The legacy LBR (SDM 18.4.1, 18.4.8; RESET value 0 for all of them):
 * DEBUGCTL first, which stops recording, then the filter, the top of stack
 * and the stack itself. Neither KVM_GET_MSR_INDEX_LIST on VMX nor KVM's PMU
 * reset (vmx/pmu_intel.c intel_pmu_reset) covers DEBUGCTL or the LBR MSRs.
 * LBR_INFO exists from format 5 (LBR_FORMAT_INFO, SDM 18.4.8.1); KVM
 * exposes it when perf has lbr_info (arch/x86/events/intel/lbr.c
 * x86_perf_get_lbr), which the formats with LBR_INFO have.
 */
static void lbr_list(const struct pmu_shape *s, struct pmu_msr_value *out, unsigned int *n)
{
	unsigned int depth = s->lbr_depth > PMU_MAX_LBR ? PMU_MAX_LBR : s->lbr_depth;

	if (!depth)
		return;
	put(out, n, MSR_IA32_DEBUGCTL, 0);
	put(out, n, MSR_LBR_SELECT, 0);
	put(out, n, MSR_LBR_TOS, 0);
	for (unsigned int i = 0; i < depth; i++) {
		put(out, n, MSR_LBR_FROM0 + i, 0);
		put(out, n, MSR_LBR_TO0 + i, 0);
		if (s->lbr_format >= LBR_FORMAT_INFO)
			put(out, n, MSR_LBR_INFO0 + i, 0);
	}
}

static void intel_list(const struct pmu_shape *s, struct pmu_msr_value *out, unsigned int *n)
{
	bool global = s->version >= 2;

	if (global) {
		put(out, n, MSR_IA32_FIXED_CTR_CTRL, 0);
		put(out, n, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	}
	lbr_list(s, out, n);
	if (global) {
		for (unsigned int i = 0; i < PMU_MAX_FIXED; i++)
			if (s->fixed_mask & (1u << i))
				put(out, n, MSR_IA32_FIXED_CTR0 + i, 0);
	}
	for (unsigned int i = 0; i < nr_counters(s); i++) {
		put(out, n, MSR_IA32_PMC0 + i, 0);
		put(out, n, MSR_IA32_PERFEVTSEL0 + i, 0);
	}
	if (global) {
		put(out, n, MSR_IA32_PERF_GLOBAL_STATUS, 0);
		put(out, n, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 0);
		put(out, n, MSR_IA32_FIXED_CTR_CTRL, 0);
		put(out, n, MSR_IA32_PERF_GLOBAL_CTRL, pmu_reset_global_ctrl(s));
	}
}

static void amd_list(const struct pmu_shape *s, struct pmu_msr_value *out, unsigned int *n)
{
	/* APM 13.2.1: the F15H layout interleaves CTL and CTR; the K7 one has four of each. */
	bool core = s->perfctr_core || s->perfmon_v2;
	uint32_t ctr = core ? MSR_F15H_PERF_CTR0 : MSR_K7_PERFCTR0;
	uint32_t ctl = core ? MSR_F15H_PERF_CTL0 : MSR_K7_EVNTSEL0;
	unsigned int step = core ? 2 : 1;

	for (unsigned int i = 0; i < nr_counters(s); i++) {
		put(out, n, ctr + step * i, 0);
		put(out, n, ctl + step * i, 0);
	}
	if (s->perfmon_v2) {
		put(out, n, MSR_AMD_PERF_GLOBAL_STATUS, 0);
		put(out, n, MSR_AMD_PERF_GLOBAL_STATUS_CLR, 0);
		put(out, n, MSR_AMD_PERF_GLOBAL_CTL, pmu_reset_global_ctrl(s));
	}
}

unsigned int pmu_reset_msrs(const struct pmu_shape *s, struct pmu_msr_value *out)
{
	unsigned int n = 0;

	if (s->mode == PMU_MODE_OFF)
		return 0;
	if (s->vendor == PMU_VENDOR_INTEL) {
		if (s->version)
			intel_list(s, out, &n);
	} else if (nr_counters(s)) {
		amd_list(s, out, &n);
	}
	return n;
}
