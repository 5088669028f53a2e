/* SPDX-License-Identifier: GPL-2.0-only */
/* Every PMU MSR of either vendor, for a guest that must find none of them. Pure. */
#ifndef VMM_PMU_MSRS_H
#define VMM_PMU_MSRS_H

#include <stdbool.h>
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

/*
 * A guest with no PMU (--pmu=off), as KVM with its vPMU off treats it
 * (arch/x86/kvm/x86.c, kvm_get_msr_common() and kvm_set_msr_common(): the
 * cases MSR_K7_EVNTSEL0..3, MSR_K7_PERFCTR0..3, MSR_P6_PERFCTR0..1 and
 * MSR_P6_EVNTSEL0..1 read 0 and drop writes when kvm_pmu_is_valid_msr() is
 * false). AMD64 CPUs always have the K7 counters: no CPUID bit enumerates
 * them (APM vol. 2 13.2.1). pmu_off_rdmsr() and pmu_off_wrmsr() return 0 for
 * those legacy MSRs (reads give 0, writes are dropped) and -ENOENT, a #GP,
 * for every other MSR.
 */
bool pmu_msr_legacy_inert(uint32_t msr);
int pmu_off_rdmsr(uint32_t msr, uint64_t *val);
int pmu_off_wrmsr(uint32_t msr, uint64_t val);

#endif
