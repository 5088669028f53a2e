// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page walks for the paging modes of SDM vol. 3 chapter 4: none (CR0.PG=0),
 * 32-bit (4.3, 4 KiB and 4 MiB pages with CR4.PSE), PAE (4.4) and 4- or
 * 5-level (4.5, CR4.LA57) with 2 MiB and 1 GiB pages. gva_translate() and
 * gva_read() only look at presence (they serve instruction fetches the guest
 * has already made); gva_walk() also checks the access rights of 4.6 for an
 * access the VMM makes on the guest's behalf.
 */
#include "interp/gva.h"

#include <errno.h>
#include <string.h>

#include "common/x86.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define ADDR_MASK 0x000ffffffffff000ULL	/* bits 51:12 */

/* One walk: the result, and whether a reserved bit was seen on the way. */
struct walk {
	struct gva_walk *w;
	bool rsvd;
};

/* 0: present, -ENOENT: not present, -EFAULT: the entry lies outside RAM. */
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
	return (*v & PTE_P) ? 0 : -ENOENT;
}

/* Record a present entry and fold its rights into the translation's (SDM 4.6). */
static void walk_add(struct walk *k, uint64_t addr, uint64_t e)
{
	struct gva_walk *w = k->w;

	w->entry[w->nentries++] = addr;
	w->user = w->user && (e & PTE_US);
	w->writable = w->writable && (e & PTE_RW);
	w->nx = w->nx || (w->entry_size == 8 && (e & PTE_NX));
}

/* 32-bit paging: 10-bit indexes, 4-byte entries. */
static int walk32(const struct gva_ctx *c, uint32_t va, struct walk *k)
{
	uint64_t pde, pte, a;
	int r;

	a = (c->cr3 & 0xfffff000ULL) + ((va >> 22) & 0x3ff) * 4;
	if ((r = read_entry(c, a, 4, &pde)))
		return r;
	walk_add(k, a, pde);
	if ((pde & PTE_PS) && (c->cr4 & CR4_PSE)) {
		/* SDM table 4-4: bits 20:13 of the PDE are bits 39:32 of the address; bit 21 is reserved. */
		k->rsvd = k->rsvd || (pde & (1ULL << 21));
		k->w->gpa = (pde & 0xffc00000ULL) | ((pde >> 13 & 0xff) << 32) | (va & 0x3fffff);
		return 0;
	}
	a = (pde & 0xfffff000ULL) + ((va >> 12) & 0x3ff) * 4;
	if ((r = read_entry(c, a, 4, &pte)))
		return r;
	walk_add(k, a, pte);
	k->w->gpa = (pte & 0xfffff000ULL) | (va & 0xfff);
	return 0;
}

/* Reserved bits of a PAE / 4-level / 5-level entry (SDM tables 4-14 to 4-20). */
static bool rsvd64(const struct gva_ctx *c, uint64_t e, unsigned int level, bool leaf, uint64_t page)
{
	if ((e & PTE_NX) && !(c->efer & EFER_NXE))
		return true;
	if (c->maxphyaddr && c->maxphyaddr < 52 && ((e & ADDR_MASK) >> c->maxphyaddr))
		return true;
	if (level >= 4 && (e & PTE_PS))
		return true;
	/* A large page's address bits below its size, except PAT (bit 12), are reserved. */
	return leaf && level > 1 && (e & (page - 1) & ~0x1fffULL);
}

/* PAE and 4/5-level paging: 9-bit indexes, 8-byte entries, large pages at levels 2 and 3. */
static int walk64(const struct gva_ctx *c, uint64_t va, unsigned int levels, uint64_t table,
		  struct walk *k)
{
	for (unsigned int level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e, a = table + ((va >> shift) & 0x1ff) * 8, page = 1ULL << shift;
		bool leaf;
		int r;

		if ((r = read_entry(c, a, 8, &e)))
			return r;
		walk_add(k, a, e);
		leaf = level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
		k->rsvd = k->rsvd || rsvd64(c, e, level, leaf, page);
		if (leaf) {
			k->w->gpa = (e & ADDR_MASK & ~(page - 1)) | (va & (page - 1));
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return -EFAULT;
}

static int walk(const struct gva_ctx *c, uint64_t gva, struct walk *k)
{
	struct gva_walk *w = k->w;
	uint64_t pdpte;
	int r;

	memset(w, 0, sizeof(*w));
	w->user = w->writable = true;
	w->entry_size = 8;
	k->rsvd = false;
	if (!(c->cr0 & CR0_PG)) {
		w->gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (c->efer & EFER_LMA)
		return walk64(c, gva, (c->cr4 & CR4_LA57) ? 5 : 4, c->cr3 & ADDR_MASK, k);
	if (!(c->cr4 & CR4_PAE)) {
		w->entry_size = 4;
		return walk32(c, (uint32_t)gva, k);
	}
	/* PAE: CR3 points at four PDPTEs (SDM 4.4.1); they carry no rights and no accessed bit. */
	if ((r = read_entry(c, (c->cr3 & 0xffffffe0ULL) + ((gva >> 30) & 3) * 8, 8, &pdpte)))
		return r;
	return walk64(c, gva & 0xffffffffULL, 2, pdpte & ADDR_MASK, k);
}

int gva_translate(const struct gva_ctx *c, uint64_t gva, uint64_t *gpa)
{
	struct gva_walk w;
	struct walk k = { &w, false };

	if (walk(c, gva, &k))
		return -EFAULT;
	*gpa = w.gpa;
	return 0;
}

/* SDM vol. 3 4.6.1: may this access use a translation with these rights? */
static bool access_allowed(const struct gva_ctx *c, const struct gva_walk *w, unsigned int access,
			   bool ac)
{
	bool nx = w->nx && (c->efer & EFER_NXE);

	if (access & GVA_PF_U) {
		if (!w->user)
			return false;
		if (access & GVA_PF_I)
			return !nx;
		return !(access & GVA_PF_W) || w->writable;
	}
	if (access & GVA_PF_I)
		return !nx && !(w->user && (c->cr4 & CR4_SMEP));
	if (w->user && (c->cr4 & CR4_SMAP) && (!ac || (access & GVA_IMPLICIT)))
		return false;
	return !(access & GVA_PF_W) || w->writable || !(c->cr0 & CR0_WP);
}

int gva_walk(const struct gva_ctx *c, uint64_t gva, unsigned int access, bool ac,
	     struct gva_walk *w, uint32_t *pf_error)
{
	struct walk k = { w, false };
	uint32_t code = access & (GVA_PF_W | GVA_PF_U);
	int r;

	/* SDM 4.7: I/D is reported when SMEP is on or NX exists (PAE or 4/5-level with NXE). */
	if ((access & GVA_PF_I) &&
	    ((c->cr4 & CR4_SMEP) || ((c->cr4 & CR4_PAE) && (c->efer & EFER_NXE))))
		code |= GVA_PF_I;
	*pf_error = 0;
	r = walk(c, gva, &k);
	if (r == -EFAULT)
		return -ERANGE;
	if (r) {
		*pf_error = code;
		return -EFAULT;
	}
	if (k.rsvd) {
		*pf_error = code | GVA_PF_P | GVA_PF_RSVD;
		return -EFAULT;
	}
	if ((c->cr0 & CR0_PG) && !access_allowed(c, w, access, ac)) {
		*pf_error = code | GVA_PF_P;
		return -EFAULT;
	}
	*pf_error = 0;
	return 0;
}

void gva_set_ad(uint8_t *mem, uint64_t mem_size, const struct gva_walk *w, bool write)
{
	for (unsigned int i = 0; i < w->nentries; i++) {
		uint64_t a = w->entry[i], bits = PTE_A;

		if (write && i == w->nentries - 1)
			bits |= PTE_D;
		if (a > mem_size || mem_size - a < w->entry_size || (a & (w->entry_size - 1)))
			continue;
		if (w->entry_size == 4) {
			uint32_t *p = (uint32_t *)(void *)(mem + a);

			if ((__atomic_load_n(p, __ATOMIC_RELAXED) & bits) != bits)
				__atomic_fetch_or(p, (uint32_t)bits, __ATOMIC_SEQ_CST);
		} else {
			uint64_t *p = (uint64_t *)(void *)(mem + a);

			if ((__atomic_load_n(p, __ATOMIC_RELAXED) & bits) != bits)
				__atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
		}
	}
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
