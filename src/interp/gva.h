/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest-virtual to guest-physical translation by walking the guest's page
 * tables in guest RAM. KVM_TRANSLATE is not available on every host, so the
 * VMM walks them itself. Pure: guest RAM is a byte buffer.
 */
#ifndef VMM_VMM_GVA_H
#define VMM_VMM_GVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The control registers that select the paging mode (SDM vol. 3 4.1). */
struct gva_ctx {
	const uint8_t *mem;
	uint64_t mem_size;
	uint64_t cr0, cr3, cr4, efer;
	unsigned int maxphyaddr;	/* physical address bits for reserved-bit checks; 0: none */
};

/*
 * Page-fault error code bits (SDM vol. 3 4.7). GVA_PF_W, GVA_PF_U and
 * GVA_PF_I are also the access kinds of gva_walk().
 */
#define GVA_PF_P	(1u << 0)	/* protection violation (clear: not present) */
#define GVA_PF_W	(1u << 1)	/* write access */
#define GVA_PF_U	(1u << 2)	/* user-mode access (CPL 3) */
#define GVA_PF_RSVD	(1u << 3)	/* reserved bit set in a paging-structure entry */
#define GVA_PF_I	(1u << 4)	/* instruction fetch */
/* Access flag of gva_walk() only, never in an error code: an implicit
 * supervisor access (descriptor tables), which SMAP checks even with AC=1. */
#define GVA_IMPLICIT	(1u << 8)

/* A successful checked walk: the address and the entries that map it. */
struct gva_walk {
	uint64_t gpa;
	uint64_t entry[5];		/* guest-physical address of each entry, top level first */
	unsigned int nentries;
	unsigned int entry_size;	/* 4 (32-bit paging) or 8 */
	bool user, writable, nx;	/* rights of the whole translation (SDM 4.6) */
};

/*
 * Checked translation of gva for one access (SDM vol. 3 4.6): access is a
 * mask of GVA_PF_W, GVA_PF_U, GVA_PF_I and GVA_IMPLICIT; ac is RFLAGS.AC.
 * Checks presence, reserved bits (NX without EFER.NXE, PS in a PML4E/PML5E,
 * address bits at or above maxphyaddr when it is set), U/S, R/W with CR0.WP,
 * NX, SMEP and SMAP. Returns 0 and fills *w, -EFAULT with the page-fault
 * error code in *pf_error, or -ERANGE when a paging-structure entry lies
 * outside RAM (not something to deliver as a #PF).
 * Sets no accessed or dirty bit: see gva_set_ad().
 */
int gva_walk(const struct gva_ctx *c, uint64_t gva, unsigned int access, bool ac,
	     struct gva_walk *w, uint32_t *pf_error);

/*
 * Set the accessed bit of every entry of w and, for a write, the dirty bit
 * of the last one (SDM vol. 3 4.8), with atomic OR on the host mapping of
 * guest RAM as the processor does with a locked operation.
 */
void gva_set_ad(uint8_t *mem, uint64_t mem_size, const struct gva_walk *w, bool write);

/* 0 and *gpa, or -EFAULT when gva is not mapped (or its tables lie outside RAM). */
int gva_translate(const struct gva_ctx *c, uint64_t gva, uint64_t *gpa);

/* Copy up to len bytes at gva (crossing pages as mapped); returns bytes copied. */
size_t gva_read(const struct gva_ctx *c, uint64_t gva, uint8_t *buf, size_t len);

#endif
