/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PMU MSRs a reset writes for a KVM-backed guest PMU, in order, with
 * their architectural RESET values. Pure: the KVM layer writes the list
 * with KVM_SET_MSRS and checks the count. See docs/reset.md.
 */
#ifndef VMM_PMU_RESET_H
#define VMM_PMU_RESET_H

#include <stdint.h>

#include "common/pmu_shape.h"

struct pmu_msr_value {
	uint32_t index;
	uint64_t value;
};

/*
 * Enough for Intel: 2 + 4 fixed + 2 x 8 GP + 2 status + 2 = 26, plus with a
 * legacy LBR DEBUGCTL, LBR_SELECT, LBR_TOS and FROM/TO/INFO x 32 = 99;
 * AMD: 2 x 6 + 3.
 */
#define PMU_RESET_MAX_MSRS 128

/* The value the guest's GLOBAL_CTRL (Intel v2+) / GLOBAL_CTL (AMD PerfMonV2) has at RESET. */
uint64_t pmu_reset_global_ctrl(const struct pmu_shape *s);

/*
 * Fill out (PMU_RESET_MAX_MSRS entries) for the shape; returns the count
 * (0 for a guest without a PMU).
 *
 * Intel, version > 1: FIXED_CTR_CTRL and GLOBAL_CTRL to 0 first (stop every
 * counter before touching one), the fixed counters, then each GP counter
 * before its selector, GLOBAL_STATUS and GLOBAL_OVF_CTRL, and FIXED_CTR_CTRL
 * and GLOBAL_CTRL last with their RESET values (start). Version 1: the
 * counter/selector pairs. With a legacy LBR (lbr_depth > 0, emulated
 * --pmu-lbr) DEBUGCTL, LBR_SELECT, LBR_TOS and the stack follow the stop
 * writes (first for version 1): none of them is in KVM_GET_MSR_INDEX_LIST
 * on VMX, so the vCPU state restore does not cover them. AMD:
 * counter/selector pairs (K7 layout, or F15H with PERFCTR_CORE), then with
 * PerfMonV2 GLOBAL_STATUS, GLOBAL_STATUS_CLR and GLOBAL_CTL last. The order
 * is QEMU's (target/i386/kvm/kvm.c, reset fix of 2025), for the same
 * reason: nothing may count while it is cleared.
 */
unsigned int pmu_reset_msrs(const struct pmu_shape *s, struct pmu_msr_value *out);

#endif
