/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU's complete architectural state as KVM reports it, captured once
 * right after KVM_CREATE_VCPU (that is its RESET state: SDM vol. 3 10.1.1)
 * and written back on every reset.
 */
#ifndef VMM_VMM_VCPU_STATE_H
#define VMM_VMM_VCPU_STATE_H

#include <stdbool.h>

#include <linux/kvm.h>

#include "common/err.h"

struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;		/* or fpu, without KVM_CAP_XSAVE */
	struct kvm_fpu fpu;
	bool has_xsave, has_xcrs;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs debugregs;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_lapic_state lapic;
	struct kvm_msrs *msrs;		/* the MSRs KVM saves for migration that it also takes back */
};

/* Capture the state of a vCPU that has just been created (kvm_fd: /dev/kvm). */
int vcpu_state_save(int kvm_fd, int vcpu_fd, struct vcpu_state *st, struct vmm_err *err);

/* Put it back: registers, FPU/XSAVE, debug registers, events, LAPIC, MP state, MSRs. */
int vcpu_state_restore(int vcpu_fd, const struct vcpu_state *st, struct vmm_err *err);

void vcpu_state_free(struct vcpu_state *st);

#endif
