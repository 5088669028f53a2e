/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stepping engine's reading of guest state: privilege level and code
 * size from KVM's segment registers, where an IRET returns, an IDT gate's
 * handler, the vector an instruction raises, and from those which
 * breakpoint the pending instruction needs. Pure: guest memory is read
 * through a struct gva_ctx over guest RAM; no file descriptors. See
 * docs/soft-pmu.md, "The engine" ("Keeping the trap alive").
 */
#ifndef VMM_VMM_SOFT_GUEST_H
#define VMM_VMM_SOFT_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "interp/gva.h"
#include "pmu/soft/decode.h"

/* CPL (interp_cpl()): 0 in real mode, 3 in virtual-8086 mode (RFLAGS.VM), else SS.DPL. */
unsigned int soft_guest_cpl(const struct kvm_sregs *sr, uint64_t rflags);

/* Code size, 16, 32 or 64 (interp_code_size()): CS.L with EFER.LMA, else CS.D. */
int soft_guest_mode(const struct kvm_sregs *sr);

/*
 * Where an IRET of operand size opsize (2, 4 or 8; 0: 4) returns, from its
 * frame at the stack pointer rsp, and whether to CPL 3. False when the
 * frame cannot be read.
 */
bool soft_guest_iret_target(const struct kvm_sregs *sr, uint64_t rsp, const struct gva_ctx *g,
			    unsigned int opsize, uint64_t *target, bool *to_user);

/*
 * The handler of vector: its IDT gate's offset. False in real mode, for a
 * vector beyond the IDT limit or a gate not present or not readable.
 */
bool soft_guest_gate_handler(const struct kvm_sregs *sr, const struct gva_ctx *g, unsigned int vector,
			     uint64_t *handler);

/* The vector the instruction c at linear address addr raises on purpose (soft_raised_vector()), or -1. */
int soft_guest_raised_vector(const struct gva_ctx *g, uint64_t addr, const struct x86_insn_class *c);

/* The breakpoint the pending instruction needs (struct soft_pending's bp_kind and the rest). */
struct soft_guest_bp {
	int kind;		/* BP_NONE, BP_IRET or BP_EVENT */
	uint64_t addr;
	bool step;		/* keep single-stepping meanwhile */
	bool iret_to_user;
	bool retires_into;
};

/*
 * The instruction c at rip runs next (rsp: the stack pointer). An IRET
 * may load RFLAGS without TF, and an event delivery (UD2, INT3, INT n, or
 * the interrupt timer_vector that wakes a HLT; -1: none) clears TF: then a
 * breakpoint where execution continues. Otherwise kind BP_NONE.
 */
void soft_guest_breakpoint(const struct kvm_sregs *sr, uint64_t rsp, const struct gva_ctx *g, uint64_t rip,
			   const struct x86_insn_class *c, int timer_vector, struct soft_guest_bp *bp);

#endif
