/* SPDX-License-Identifier: GPL-2.0-only */
/* A vCPU: its fd, its kvm_run area, its thread and its run loop. */
#ifndef VMM_VMM_VCPU_H
#define VMM_VMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <linux/kvm.h>

#include "common/err.h"
#include "cpuid/table.h"
#include "pmu/reset.h"

struct vm;
struct vcpu_pmu_ops;
struct vcpu_pmu_stats;
struct vcpu_state;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	const struct vcpu_pmu_ops *pmu_ops;	/* the PMU engine the plan's mode attached (vcpu_pmu.h), or NULL */
	void *pmu;		/* that engine's state for this vCPU */
	struct vcpu_state *fresh;	/* RESET state, captured once configured */
	struct pmu_msr_value fresh_pmu[PMU_RESET_MAX_MSRS];	/* KVM-backed PMU MSRs when fresh */
	unsigned int nr_fresh_pmu;
};

int vcpu_create(struct vcpu *vcpu, struct vm *vm, unsigned int id, struct vmm_err *err);
void vcpu_destroy(struct vcpu *vcpu);

/*
 * Give the vCPU the VM's CPUID table with its own APIC IDs (*set receives
 * exactly what was set), then read back what KVM kept with KVM_GET_CPUID2
 * into *got.
 */
int vcpu_set_cpuid(struct vcpu *vcpu, const struct cpuid_table *tmpl, struct cpuid_table *set,
		   struct cpuid_table *got, struct vmm_err *err);

/* What the vCPU's PMU engine did; false (and *st zeroed) when it has none. */
bool vcpu_pmu_stats(const struct vcpu *vcpu, struct vcpu_pmu_stats *st);

/* Register dump ("rip=... rsp=... cr0=..."), for triple faults and errors. */
void vcpu_dump_regs(struct vcpu *vcpu, char *buf, size_t len);

/* The vCPU thread body: runs until the VM stops. */
void *vcpu_thread(void *arg);

#endif
