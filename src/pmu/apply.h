/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Applying a PMU plan to KVM: thin ioctl wrappers. Order (see
 * docs/pmu-modes.md): KVM_CREATE_IRQCHIP if plan->irqchip_required, then
 * pmu_apply_vm() before the first KVM_CREATE_VCPU, then per vCPU
 * KVM_SET_CPUID2 (cpuid_apply_pmu) and pmu_apply_vcpu().
 */
#ifndef VMM_PMU_APPLY_H
#define VMM_PMU_APPLY_H

#include "common/err.h"
#include "common/x86.h"
#include "pmu/plan.h"
#include "pmu/reset.h"

/* KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY, KVM_PMU_CAP_DISABLE) and KVM_SET_PMU_EVENT_FILTER. */
int pmu_apply_vm(int vm_fd, const struct pmu_plan *plan, struct vmm_err *err);

/* IA32_PERF_CAPABILITIES via KVM_SET_MSRS, after KVM_SET_CPUID2 (KVM checks it against CPUID). */
int pmu_apply_vcpu(int vcpu_fd, const struct pmu_plan *plan, struct vmm_err *err);

/*
 * KVM_SET_MSRS of v[0..n) on a vCPU; a short count is an error naming the
 * refused MSR. what says what the write is for, in messages.
 */
int pmu_set_msrs(int vcpu_fd, const struct pmu_msr_value *v, unsigned int n, const char *what,
		 struct vmm_err *err);

/* KVM_GET_MSRS of v[i].index into v[i].value. */
int pmu_get_msrs(int vcpu_fd, struct pmu_msr_value *v, unsigned int n, struct vmm_err *err);

/* Write the shape's PMU MSRs with their RESET values, in order (pmu_reset_msrs()). */
int pmu_apply_reset(int vcpu_fd, const struct pmu_shape *s, struct vmm_err *err);

#endif
