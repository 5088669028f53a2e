/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --soft-check: the comparison of one instruction's result in the
 * interpreter with KVM's, both from the same state. Pure. See
 * docs/soft-pmu.md, "Checking the interpreter".
 */
#ifndef VMM_VMM_SOFT_CHECK_H
#define VMM_VMM_SOFT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interp/interp.h"

/* One instruction and both results. */
struct soft_check {
	const struct interp_cpu *before;	/* the state both ran from */
	const struct interp_cpu *interp, *kvm;	/* their results */
	const uint8_t *interp_ram, *kvm_ram;	/* guest RAM after each; NULL: not compared */
	uint64_t ram_size;
	const uint8_t *bytes;			/* the instruction's bytes, for the report */
	size_t nbytes;
};

/*
 * Whether the GPRs, RIP, RFLAGS (but RF, which belongs to the debug exit)
 * and RAM agree. If not, msg says where: the instruction's address and
 * bytes, the state it ran from, and each difference as interpreter/KVM.
 */
bool soft_check_compare(const struct soft_check *c, char *msg, size_t len);

#endif
