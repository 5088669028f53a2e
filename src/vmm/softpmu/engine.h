/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software PMU engine: wires the pure model (src/pmu/soft) to a vCPU.
 * PMU MSRs reach the model through KVM's MSR filter; while a counter could
 * move, the vCPU is interpreted in the VMM (interp_engine.c) or
 * single-stepped, and every retired instruction is classified and
 * accounted; PMIs go through the guest's LVTPC. See docs/soft-pmu.md.
 */
#ifndef VMM_VMM_SOFT_ENGINE_H
#define VMM_VMM_SOFT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/err.h"
#include "pmu/plan.h"
#include "pmu/soft/softpmu.h"
#include "vmm/run/exit.h"
#include "vmm/softpmu/account.h"
#include "vmm/softpmu/check.h"
#include "vmm/softpmu/interp_cpu.h"

struct vcpu;


struct soft_vcpu {
	struct softpmu model;
	struct vcpu *vcpu;
	int vm_fd;
	bool stepping;		/* counting: the engine follows every instruction */
	bool kvm_step;		/* KVM single-steps the vCPU (off while a HLT waits) */
	bool breakpoint;	/* the hardware breakpoint at pending.bp is armed */
	bool cpl3_blind;	/* this host gave no debug exit at CPL 3 (bootinfo flag set) */
	bool lvtpc_automask;	/* PMI delivery masks LVTPC: Intel-compatible guests only */
	uint64_t bp_addr;	/* the DR0 address armed */
	/* DR1 on the guest's #GP handler: RDPMC outside stepping (docs/soft-pmu.md, "RDPMC") */
	bool gp_armed;
	bool gp_skip;		/* at the handler: DR1 off, one step, then armed again */
	uint64_t gp_handler;
	uint64_t rdpmc_gp;	/* RDPMCs completed from their #GP (statistics) */
	uint64_t emulated;	/* instructions the host could not run, executed by the VMM */
	struct soft_pending pending;
	struct exit_msr_ops msr_ops;
	struct soft_account_ops account;
	uint64_t retired;	/* instructions accounted (statistics) */
	uint64_t executed;	/* of those, executed by the engine itself (fences, LOOP to itself) */
	uint64_t pmis;		/* PMIs delivered */
	/* The interpreter engine (--soft-engine=interp, docs/soft-pmu.md "The interpreter engine"). */
	bool interp;
	bool check;		/* --soft-check: every interpreted instruction also single-stepped by KVM */
	bool always;		/* --soft-interp=always: interpreted also while nothing counts */
	bool entered_counting;	/* the model counted at the last KVM_RUN */
	bool msrs_valid;	/* msr_val holds the SYSCALL/SYSENTER MSRs (read again after a handover) */
	uint64_t msr_val[SOFT_INTERP_NR_MSRS];
	struct soft_check_ram ram;	/* --soft-check: the interpreter's copy of guest RAM (check_ram.c) */
	bool ram_valid;		/* ram.copy equals RAM but for the pages in its sets */
	uint64_t ram_run;	/* the vm_run() it was made in (struct vm runs) */
	struct interp_tlb tlb;	/* translations within one run of the interpreter (interp_run()) */
	uint64_t interpreted;	/* instructions the interpreter retired (statistics) */
	uint64_t handed;	/* instructions handed to a KVM single-step while counting */
	uint64_t handed_cpl3;	/* of those, at CPL 3 */
	uint64_t fallbacks[INTERP_FB_COUNT];	/* why, per interp_fallback reason */
	uint64_t faults;	/* exceptions the interpreter raised, delivered by KVM */
	uint64_t irq_stops;	/* interruptions for a pending interrupt */
	uint64_t delivered;	/* faults and interrupts the interpreter delivered through the guest's IDT */
	uint64_t checked;	/* --soft-check: instructions compared with KVM */
	int error;		/* first ioctl failure inside the engine, as -errno */
	char errmsg[512];
};

/* VM level, before the vCPUs run: user-space MSR exits and the MSR filter for the model's MSRs. */
int soft_engine_setup_vm(int vm_fd, int kvm_fd, const struct pmu_plan *plan, struct vmm_err *err);

/* Per vCPU: a model of the plan's shape, reset. */
int soft_vcpu_init(struct soft_vcpu *s, struct vcpu *vcpu, int vm_fd, const struct pmu_plan *plan,
		   struct vmm_err *err);

/* Before KVM_RUN: ask KVM for the registers on every exit. */
void soft_vcpu_before_run(struct soft_vcpu *s, struct kvm_run *run);

/*
 * After an exit was dispatched (MSR accesses already went to the model):
 * account retired instructions, deliver a PMI, start or stop single-stepping.
 * Returns 0; 1 when the engine took care of an exit that would otherwise
 * end the run (an instruction the host's emulator lacks, executed by the
 * VMM): re-enter the guest; or -errno (s->errmsg says what failed).
 */
int soft_vcpu_after_exit(struct soft_vcpu *s, struct kvm_run *run);

/* Guest-visible reset of the PMU and of the stepping state. */
int soft_vcpu_reset(struct soft_vcpu *s);

/* What soft_vcpu_init() and the run allocated (s itself is the caller's). */
void soft_vcpu_destroy(struct soft_vcpu *s);

#endif
