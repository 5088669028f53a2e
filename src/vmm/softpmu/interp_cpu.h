/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interpreter engine's view of a vCPU: struct interp_cpu from and back to
 * KVM's register structures, and whether the in-kernel LAPIC holds an
 * interrupt the vCPU would take. Pure: the caller does the ioctls. See
 * docs/soft-pmu.md, "The interpreter engine".
 */
#ifndef VMM_VMM_SOFT_INTERP_CPU_H
#define VMM_VMM_SOFT_INTERP_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "interp/interp.h"

/* The MSRs interp_cpu holds, in the order soft_interp_set_msrs() takes their values. */
#define SOFT_INTERP_NR_MSRS 8
extern const uint32_t soft_interp_msrs[SOFT_INTERP_NR_MSRS];

/* GPRs, RIP, RFLAGS, segments, control registers and descriptor tables. */
void soft_interp_from_kvm(struct interp_cpu *c, const struct kvm_regs *r, const struct kvm_sregs *sr);

/* The values of soft_interp_msrs[], as KVM_GET_MSRS returned them. */
void soft_interp_set_msrs(struct interp_cpu *c, const uint64_t val[SOFT_INTERP_NR_MSRS]);

/*
 * Back into KVM's structures: *r always; *sr too, returning true when any
 * field of it changed (then it needs KVM_SET_SREGS). The MSRs the
 * interpreter may change come back through soft_interp_get_msrs().
 */
bool soft_interp_to_kvm(const struct interp_cpu *c, struct kvm_regs *r, struct kvm_sregs *sr);

/* The values of soft_interp_msrs[] in c (for KVM_SET_MSRS). */
void soft_interp_get_msrs(const struct interp_cpu *c, uint64_t val[SOFT_INTERP_NR_MSRS]);

/*
 * The vector of the interrupt the local APIC would deliver next, from the
 * register page of KVM_GET_LAPIC: the highest one requested in IRR whose
 * priority class is above the processor priority (PPR, from TPR and the
 * highest in-service vector; SDM vol. 3 11.8.3.1), or -1 when none is.
 * Whether the processor takes it (RFLAGS.IF, interrupt shadow) is the
 * caller's question.
 */
int soft_lapic_pending_vector(const uint8_t regs[KVM_APIC_REG_SIZE]);

/* The LAPIC accepts vector: its IRR bit moves to ISR (SDM vol. 3 11.8.4). */
void soft_lapic_accept(uint8_t regs[KVM_APIC_REG_SIZE], unsigned int vector);

#endif
