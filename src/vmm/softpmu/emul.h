/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instructions the host cannot run for the guest. Some hosts emulate guest
 * supervisor code in KVM's instruction emulator, which lacks some
 * instructions and then ends the run with KVM_EXIT_INTERNAL_ERROR
 * (KVM_INTERNAL_ERROR_EMULATION) with the guest still before the
 * instruction (arch/x86/kvm/x86.c handle_emulation_failure, at CPL 0). The
 * soft PMU engine executes those itself, in 64-bit mode, from this pure
 * emulator: registers, x87 state and memory callbacks in, the state after
 * the instruction out. See docs/soft-pmu.md, "Instructions the host cannot
 * run".
 *
 * Covered: INT n and INT3 into a same-privilege 64-bit gate (event
 * delivery as SDM vol. 3 6.14 describes it), POPCNT, CLAC, STAC, FWAIT,
 * and the x87 data movement and
 * arithmetic of scalar floating-point code (FLD/FST/FSTP m32/m64, FLD
 * ST(i), FSTP ST(i), FLD1, FLDZ, FXCH, FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR
 * m32/m64 and their popping register forms). x87 arithmetic runs on the
 * host's own x87 under the guest's control word, so results, rounding and
 * the status word's exception flags are the hardware's. Every case that
 * would raise an exception in the guest (#NM, #MF, #UD, an unmasked x87
 * exception, a stack fault) is refused, and the run ends as before.
 */
#ifndef VMM_VMM_SOFT_EMUL_H
#define VMM_VMM_SOFT_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct emul_cpu {
	uint64_t gpr[16];	/* RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15: encoding order */
	uint64_t rip, rflags;
	uint64_t fs_base, gs_base;
	uint64_t cr0;
	unsigned int cpl;
	uint16_t cs, ss;	/* selectors */
	uint64_t idt_base, tr_base;
	uint32_t idt_limit, tr_limit;
	struct kvm_fpu fpu;	/* FXSAVE layout: fpr[i] is ST(i) */
	bool fpu_changed;	/* set when fpu was changed */
};

struct emul_mem {
	/* Guest linear memory: 0, or -EFAULT when addr..addr+len-1 is not RAM the guest maps. */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	void *ctx;
};

/*
 * Execute the 64-bit mode instruction at bytes[0..n) on cpu. Returns its
 * length (cpu->rip is then past it), -ENOTSUP for an instruction or a case
 * not covered (cpu unchanged), or -EFAULT when a memory operand is not
 * mapped (cpu unchanged).
 */
int soft_emulate(const uint8_t *bytes, size_t n, struct emul_cpu *cpu, const struct emul_mem *mem);

#endif
