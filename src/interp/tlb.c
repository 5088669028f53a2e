// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software TLB of interp.h: a direct-mapped cache of committed
 * translations, keyed by the page and the kind of access, for one set of
 * paging controls (CR0, CR3, CR4, EFER) and one RAM. A translation may be
 * cached until INVLPG or a CR3 load (SDM vol. 3 4.10.2.4, 4.10.4.1); both
 * fall back to KVM, and a fall back empties the TLB. An entry is made only
 * after the accessed and dirty bits its walk needs are set (SDM vol. 3
 * 4.8), so a hit needs no bit to be set.
 */
#include "interp/internal.h"

#include <string.h>

void interp_tlb_flush(struct interp_tlb *t)
{
	t->npt = 0;
	if (++t->gen == 0) {
		/* The generation wrapped: no entry may still look valid. */
		memset(t->e, 0, sizeof(t->e));
		memset(t->insn, 0, sizeof(t->insn));
		t->gen = 1;
	}
}

void tlb_sync(struct interp_tlb *t, const struct gva_ctx *g)
{
	if (t->gen && t->cr0 == g->cr0 && t->cr3 == g->cr3 && t->cr4 == g->cr4 && t->efer == g->efer &&
	    t->ram == g->mem && t->ram_size == g->mem_size && t->maxphyaddr == g->maxphyaddr)
		return;
	interp_tlb_flush(t);
	t->cr0 = g->cr0;
	t->cr3 = g->cr3;
	t->cr4 = g->cr4;
	t->efer = g->efer;
	t->ram = g->mem;
	t->ram_size = g->mem_size;
	t->maxphyaddr = g->maxphyaddr;
}

static unsigned int slot(uint64_t vpn, uint16_t key)
{
	/* Neighbouring pages, and one page's fetch and data accesses, take different slots. */
	return (unsigned int)((vpn ^ (vpn >> 8) ^ ((uint64_t)key * 0x55u)) % INTERP_TLB_ENTRIES);
}

bool tlb_lookup(const struct interp_tlb *t, uint64_t va, uint16_t key, uint64_t *gpa)
{
	uint64_t vpn = va >> 12;
	const struct interp_tlb_entry *e = &t->e[slot(vpn, key)];

	if (e->gen != t->gen || e->vpn != vpn || e->key != key)
		return false;
	*gpa = e->gpa | (va & 0xfff);
	return true;
}

static bool add_pt(struct interp_tlb *t, uint64_t page)
{
	for (unsigned int i = 0; i < t->npt; i++)
		if (t->pt[i] == page)
			return true;
	if (t->npt == INTERP_TLB_PT_PAGES)
		return false;
	t->pt[t->npt++] = page;
	return true;
}

void tlb_insert(struct interp_tlb *t, uint64_t va, uint16_t key, const struct gva_walk *w)
{
	uint64_t vpn = va >> 12;
	struct interp_tlb_entry *e;

	for (unsigned int i = 0; i < w->nentries; i++) {
		if (!add_pt(t, w->entry[i] & ~0xfffULL)) {
			/* Too many page-table pages to watch: start again from this walk. */
			interp_tlb_flush(t);
			for (unsigned int j = 0; j < w->nentries; j++)
				add_pt(t, w->entry[j] & ~0xfffULL);
			break;
		}
	}
	e = &t->e[slot(vpn, key)];
	e->vpn = vpn;
	e->key = key;
	e->gpa = w->gpa & ~0xfffULL;
	e->gen = t->gen;
}

void tlb_written(struct interp_tlb *t, uint64_t gpa, unsigned int len)
{
	uint64_t first = gpa & ~0xfffULL, last = (gpa + len - 1) & ~0xfffULL;

	for (unsigned int i = 0; i < t->npt; i++) {
		if (t->pt[i] == first || t->pt[i] == last) {
			interp_tlb_flush(t);
			return;
		}
	}
}
