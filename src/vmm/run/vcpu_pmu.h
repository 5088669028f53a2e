/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hooks through which a PMU engine attaches itself to the vCPUs: the run
 * loop, the exits, reset and its verification call these, and nothing else
 * of the engine. The plan's mode chooses the engine (vcpu_pmu_ops_for());
 * the one there is, the software PMU, implements them in
 * src/vmm/softpmu/hooks.c. The KVM-backed modes need none: KVM is their
 * engine.
 */
#ifndef VMM_VMM_RUN_VCPU_PMU_H
#define VMM_VMM_RUN_VCPU_PMU_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/err.h"
#include "pmu/plan.h"

struct vcpu;

#define VCPU_PMU_FALLBACK_REASONS 16

/* What an engine did on one vCPU (vmm_soft_stats). */
struct vcpu_pmu_stats {
	uint64_t retired;	/* instructions accounted */
	uint64_t executed;	/* of those, executed by the VMM itself */
	uint64_t pmis;		/* PMIs delivered */
	uint64_t rdpmc_gp;	/* RDPMCs completed from their #GP */
	uint64_t emulated;	/* instructions executed for the host's emulator */
	bool missed_user_mode;	/* the host gave no debug exit at CPL 3 */
	/* The interpreter engine (docs/soft-pmu.md): counts, and hand-overs per interp_fallback reason. */
	uint64_t interpreted, handed, handed_cpl3, faults, irq_stops, checked, delivered;
	uint64_t fallbacks[VCPU_PMU_FALLBACK_REASONS];
};

/* pmu is what create() gave for the vCPU. Every hook is set. */
struct vcpu_pmu_ops {
	const char *name;
	/* The engine follows the guest with debug exits: KVM_EXIT_DEBUG is its, not an error. */
	bool owns_debug_exits;
	/* VM level, before the first vCPU is created: what KVM must do for the engine. */
	int (*setup_vm)(int vm_fd, int kvm_fd, const struct pmu_plan *plan, struct vmm_err *err);
	/* One vCPU's engine, after its CPUID is set, reset. */
	int (*create)(struct vcpu *vcpu, int vm_fd, const struct pmu_plan *plan, void **pmu, struct vmm_err *err);
	/* Before each KVM_RUN. */
	void (*before_run)(void *pmu, struct kvm_run *run);
	/*
	 * After each exit, once it was dispatched: 0 to go on as the exit says;
	 * 1 when the engine took care of an exit that would otherwise end the
	 * run (re-enter the guest); -errno with err filled to end the run.
	 */
	int (*after_exit)(void *pmu, struct kvm_run *run, struct vmm_err *err);
	/* The MSRs KVM's MSR filter sends to user space (exit_msr_ops): 0, or nonzero for a #GP. */
	int (*msr_read)(void *pmu, uint32_t index, uint64_t *val);
	int (*msr_write)(void *pmu, uint32_t index, uint64_t val);
	/* The guest-visible reset of the PMU (docs/reset.md). */
	int (*reset)(void *pmu, struct vmm_err *err);
	/* After a reset: -EPROTO, saying what differs, unless the PMU reads as a fresh one of plan's shape. */
	int (*verify)(void *pmu, const struct pmu_plan *plan, struct vmm_err *err);
	void (*stats)(const void *pmu, struct vcpu_pmu_stats *st);
	void (*destroy)(void *pmu);
};

/* The software PMU engine (src/vmm/softpmu/hooks.c). */
extern const struct vcpu_pmu_ops softpmu_hooks;

/* The engine the plan's mode attaches to each vCPU; NULL (no plan, or a KVM-backed mode): none. */
const struct vcpu_pmu_ops *vcpu_pmu_ops_for(const struct pmu_plan *plan);

#endif
