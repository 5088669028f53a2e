/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest-virtual to guest-physical translation by walking the guest's page
 * tables in guest RAM. KVM_TRANSLATE is not available on every host, so the
 * VMM walks them itself. Pure: guest RAM is a byte buffer.
 */
#ifndef VMM_VMM_GVA_H
#define VMM_VMM_GVA_H

#include <stddef.h>
#include <stdint.h>

/* The control registers that select the paging mode (SDM vol. 3 4.1). */
struct gva_ctx {
	const uint8_t *mem;
	uint64_t mem_size;
	uint64_t cr0, cr3, cr4, efer;
};

/* 0 and *gpa, or -EFAULT when gva is not mapped (or its tables lie outside RAM). */
int gva_translate(const struct gva_ctx *c, uint64_t gva, uint64_t *gpa);

/* Copy up to len bytes at gva (crossing pages as mapped); returns bytes copied. */
size_t gva_read(const struct gva_ctx *c, uint64_t gva, uint8_t *buf, size_t len);

#endif
