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
	/*
	 * The pages where the two RAMs may differ (bitmaps, bit gpa >> 12):
	 * those the interpreter wrote and those KVM logged as written. Both
	 * NULL: all of RAM is compared.
	 */
	const uint64_t *pages[2];
};

/*
 * Whether the GPRs, RIP, RFLAGS (but RF, which belongs to the debug exit,
 * and TF, KVM's while it single-steps) and RAM agree. If not, msg says where: the instruction's address and
 * bytes, the state it ran from, and each difference as interpreter/KVM.
 */
bool soft_check_compare(const struct soft_check *c, char *msg, size_t len);

/*
 * The interpreter's copy of guest RAM under --soft-check, kept equal to RAM
 * but for the pages in two sets: written (the interpreter's writes to
 * either, interp_mem.written, and the VMM's own writes to RAM) and logged
 * (what KVM's dirty log says the guest wrote). Sizes are multiples of
 * 4 KiB.
 */
struct soft_check_ram {
	uint8_t *copy;
	uint64_t *written, *logged;
	uint64_t size;
};

/* 64-bit words of a bitmap of the pages of size bytes (KVM_GET_DIRTY_LOG's layout on x86-64). */
size_t soft_check_words(uint64_t size);

/*
 * Copy the pages of written and logged from ram into the copy and empty
 * both sets: the copy then equals ram. Returns the number of pages copied.
 */
uint64_t soft_check_sync(struct soft_check_ram *r, const uint8_t *ram);

#endif
