// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page walks for the paging modes of SDM vol. 3 chapter 4: none (CR0.PG=0),
 * 32-bit (4.3, 4 KiB and 4 MiB pages with CR4.PSE), PAE (4.4) and 4- or
 * 5-level (4.5, CR4.LA57) with 2 MiB and 1 GiB pages. Only presence matters
 * here: the walk serves instruction fetches the guest has already made.
 */
#include "vmm/gva.h"

#include <errno.h>
#include <string.h>

#define CR0_PG (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)

#define PTE_P (1ULL << 0)
#define PTE_PS (1ULL << 7)
#define ADDR_MASK 0x000ffffffffff000ULL	/* bits 51:12 */

static int read_entry(const struct gva_ctx *c, uint64_t addr, unsigned int size, uint64_t *v)
{
	uint32_t v32;

	if (addr > c->mem_size || c->mem_size - addr < size)
		return -EFAULT;
	if (size == 4) {
		memcpy(&v32, c->mem + addr, 4);
		*v = v32;
	} else {
		memcpy(v, c->mem + addr, 8);
	}
	return (*v & PTE_P) ? 0 : -EFAULT;
}

/* 32-bit paging: 10-bit indexes, 4-byte entries. */
static int walk32(const struct gva_ctx *c, uint32_t va, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_entry(c, (c->cr3 & 0xfffff000ULL) + ((va >> 22) & 0x3ff) * 4, 4, &pde))
		return -EFAULT;
	if ((pde & PTE_PS) && (c->cr4 & CR4_PSE)) {
		/* SDM table 4-4: bits 20:13 of the PDE are bits 39:32 of the address. */
		*gpa = (pde & 0xffc00000ULL) | ((pde >> 13 & 0xff) << 32) | (va & 0x3fffff);
		return 0;
	}
	if (read_entry(c, (pde & 0xfffff000ULL) + ((va >> 12) & 0x3ff) * 4, 4, &pte))
		return -EFAULT;
	*gpa = (pte & 0xfffff000ULL) | (va & 0xfff);
	return 0;
}

/* PAE and 4/5-level paging: 9-bit indexes, 8-byte entries, large pages at levels 2 and 3. */
static int walk64(const struct gva_ctx *c, uint64_t va, unsigned int levels, uint64_t table,
		  uint64_t *gpa)
{
	for (unsigned int level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e;

		if (read_entry(c, table + ((va >> shift) & 0x1ff) * 8, 8, &e))
			return -EFAULT;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t page = 1ULL << shift;

			*gpa = (e & ADDR_MASK & ~(page - 1)) | (va & (page - 1));
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return -EFAULT;
}

int gva_translate(const struct gva_ctx *c, uint64_t gva, uint64_t *gpa)
{
	uint64_t pdpte;

	if (!(c->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (c->efer & EFER_LMA)
		return walk64(c, gva, (c->cr4 & CR4_LA57) ? 5 : 4, c->cr3 & ADDR_MASK, gpa);
	if (!(c->cr4 & CR4_PAE))
		return walk32(c, (uint32_t)gva, gpa);
	/* PAE: CR3 points at four PDPTEs (SDM 4.4.1). */
	if (read_entry(c, (c->cr3 & 0xffffffe0ULL) + ((gva >> 30) & 3) * 8, 8, &pdpte))
		return -EFAULT;
	return walk64(c, gva & 0xffffffffULL, 2, pdpte & ADDR_MASK, gpa);
}

size_t gva_read(const struct gva_ctx *c, uint64_t gva, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t va = gva + done, gpa;
		size_t chunk = 4096 - (va & 0xfff);

		if (chunk > len - done)
			chunk = len - done;
		if (gva_translate(c, va, &gpa) < 0 || gpa >= c->mem_size)
			break;
		if (chunk > c->mem_size - gpa)
			chunk = (size_t)(c->mem_size - gpa);
		memcpy(buf + done, c->mem + gpa, chunk);
		done += chunk;
	}
	return done;
}
