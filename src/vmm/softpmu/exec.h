/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instructions the software PMU engine executes itself instead of letting
 * the vCPU single-step them: the fences, after which some hosts give no
 * single-step trap (the engine would miss the fence and the instruction
 * after it), and a LOOP to itself, whose iterations would each cost a debug
 * exit. Pure: the decisions and the register results, from the
 * classification and the registers. See docs/soft-pmu.md, "Instructions the
 * engine executes".
 */
#ifndef VMM_VMM_SOFT_EXEC_H
#define VMM_VMM_SOFT_EXEC_H

#include <stdint.h>

#include "pmu/soft/decode.h"

/* Most iterations of a LOOP to itself executed at one exit (the rest at the next ones). */
#define SOFT_EXEC_LOOP_MAX (1ull << 32)

/*
 * How many times the LOOP, LOOPE or LOOPNE c at rip, whose target is rip
 * itself, retires from here on, the last time falling through (SDM vol. 2
 * LOOP/LOOPcc: the count register, of the address size, is decremented and
 * the branch taken while it is not 0 and, for LOOPE/LOOPNE, ZF is 1/0;
 * a count of 0 runs 2^size times). 0 when the engine leaves it to
 * single-stepping: not such a LOOP, the condition already false (it retires
 * once), or ECX as the count in 64-bit mode.
 */
uint64_t soft_exec_loop_self(const struct x86_insn_class *c, uint64_t rip, int mode, uint64_t rcx,
			     uint64_t rflags);

/* RCX after k iterations of that LOOP: its count register less k, the other bits unchanged. */
uint64_t soft_exec_loop_rcx(const struct x86_insn_class *c, uint64_t rcx, uint64_t k);

#endif
