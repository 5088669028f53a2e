/* SPDX-License-Identifier: GPL-2.0-only */
/* Every PMU MSR of either vendor, for a guest that must find none of them. Pure. */
#ifndef VMM_PMU_MSRS_H
#define VMM_PMU_MSRS_H

#include <stddef.h>
#include <stdint.h>

#define PMU_EVERY_MSR_MAX 80

/*
 * The architectural PMU MSRs of Intel (PMCx, PERFEVTSELx, A_PMCx for 8
 * counters, FIXED_CTR0-3, FIXED_CTR_CTRL, PERF_CAPABILITIES, PERF_METRICS,
 * the global MSRs 0x38e-0x392) and AMD (K7 and F15H counters and controls,
 * PerfMonV2 globals), into out; returns the count. DEBUGCTL and the LBR
 * MSRs are not PMU MSRs here: they exist without a PMU.
 */
size_t pmu_every_msr(uint32_t *out, size_t max);

#endif
