/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the two engines of the software PMU share: the stepping engine's
 * helpers (engine.c) that the interpreter engine (interp_engine.c) uses to
 * account instructions and to hand one to a KVM single-step. Not for use
 * outside src/vmm/softpmu.
 */
#ifndef VMM_VMM_SOFT_ENGINE_INTERNAL_H
#define VMM_VMM_SOFT_ENGINE_INTERNAL_H

#include "vmm/softpmu/engine.h"

/* Record the first failure of the engine (s->error, s->errmsg); returns -code. */
int engine_fail(struct soft_vcpu *s, const char *what, int code);

/* The segment registers KVM handed back at the last exit (KVM_CAP_SYNC_REGS). */
const struct kvm_sregs *sregs_of(const struct soft_vcpu *s);

/*
 * The one accounting path of both engines: c at rip retired at cpl, execution went on at next.
 * Returns whether a PMI is pending now (softpmu_pmi_pending()).
 */
bool retire_at(struct soft_vcpu *s, const struct x86_insn_class *c, unsigned int cpl, uint64_t rip,
	       uint64_t next);

/* The engine follows the guest: while it counts, or always under --soft-interp=always. O(1), inline. */
static inline bool soft_follows(const struct soft_vcpu *s)
{
	return s->always || softpmu_counting(&s->model);
}

/* KVM_SET_GUEST_DEBUG: single-stepping, and the breakpoint at bp_addr. */
int set_debug(struct soft_vcpu *s, bool step, bool breakpoint, uint64_t bp_addr);

/* The guest's TSC now (IA32_TSC through KVM_GET_MSRS: offset and scaling included). */
int guest_tsc(struct soft_vcpu *s, uint64_t *tsc);

/* Follow every instruction of the guest (single-stepping it), or stop until an exit starts it again. */
int set_stepping(struct soft_vcpu *s, bool on);

/* The handler of vector from the guest's IDT. */
bool gate_handler(const struct soft_vcpu *s, unsigned int vector, uint64_t *handler);

/* Arm (kind BP_NONE: disarm) the breakpoint of the pending instruction. */
void pending_breakpoint(struct soft_vcpu *s, int kind, uint64_t addr, bool step);

/* The instruction at rip is the next the guest runs under single-stepping (the stepping engine's rules). */
void set_pending(struct soft_vcpu *s, uint64_t rip);

/*
 * The remaining iterations of the LOOP to itself c at *rip at once, up to a
 * PMI; *rip and *rcx follow. Returns whether any retired.
 */
bool loop_self_bulk(struct soft_vcpu *s, const struct x86_insn_class *c, unsigned int cpl, int mode,
		    uint64_t *rip, uint64_t *rcx, uint64_t rflags);

/* Guest linear memory through the guest's page tables, RAM only (struct emul_mem; ctx is the soft_vcpu). */
int emul_read(void *ctx, uint64_t addr, void *buf, size_t len);
int emul_write(void *ctx, uint64_t addr, const void *buf, size_t len);

/* The pending PMI out through the guest's LVTPC (KVM_SIGNAL_MSI), acknowledged in the model. */
int deliver_pmi(struct soft_vcpu *s);

/* While counting, at a debug exit: run the guest in the interpreter (interp_engine.c). */
void interp_run(struct soft_vcpu *s, struct kvm_run *run);

/*
 * --soft-check's copy of guest RAM (check_ram.c). check_ram_begin(), before
 * a run of the interpreter, makes it equal to RAM: all of it the first time,
 * after a reset and in another vm_run() (or with more than one vCPU), else
 * the pages in its sets. check_ram_log() adds the pages KVM logged as written since the last
 * read. check_ram_wrote(): the VMM wrote guest RAM itself. 0 or -1 with
 * s->error set.
 */
int check_ram_begin(struct soft_vcpu *s);
int check_ram_log(struct soft_vcpu *s);
void check_ram_wrote(struct soft_vcpu *s, uint64_t gpa, uint64_t len);
void check_ram_free(struct soft_vcpu *s);

#endif
