// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory as the interpreted instruction sees it: segmentation (SDM
 * vol. 3 3.4, 5.3; 64-bit mode 3.4.4), paging through gva.c with the
 * access rights of SDM vol. 3 4.6, alignment checks (vol. 3 6.15, #AC), and
 * the pending writes that mem_commit() applies once the whole instruction is
 * known to complete.
 */
#include "interp/internal.h"

#include <errno.h>
#include <string.h>

bool mem_canonical(const struct ictx *x, uint64_t a)
{
	unsigned int bits = (x->c->cr4 & CR4_LA57) ? 57 : 48;
	int64_t s = (int64_t)(a << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == a;
}

/* SDM vol. 3 6.15: #SS for stack-segment accesses, #GP otherwise; no error code in real mode. */
static int seg_fault(struct ictx *x, int seg)
{
	return ie_fault(x, seg == INTERP_SS ? X86_SS : X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);
}

int mem_linear(struct ictx *x, int seg, uint64_t off, unsigned int size, bool write, uint64_t *lin)
{
	const struct interp_seg *s = &x->c->seg[seg];

	if (x->in.mode == 64) {
		/* SDM vol. 3 3.4.4: only FS and GS bases apply; no limits; addresses must be canonical. */
		*lin = off + ((seg == INTERP_FS || seg == INTERP_GS) ? s->base : 0);
		if (!mem_canonical(x, *lin) || !mem_canonical(x, *lin + size - 1))
			return seg_fault(x, seg);
		return 0;
	}
	if (x->c->cr0 & CR0_PE) {
		/* SDM vol. 3 5.4-5.5: a null (unusable) segment, and the type's read/write rights. */
		if (s->unusable || !s->present)
			return seg_fault(x, seg);
		if (s->type & 8) {		/* code: never writable, readable with bit 1 */
			if (write || !(s->type & 2))
				return seg_fault(x, seg);
		} else if (write && !(s->type & 2)) {
			return seg_fault(x, seg);
		}
	}
	/* SDM vol. 3 5.3: expand-up segments allow [0, limit]; expand-down (limit, top]. */
	if (!(s->type & 8) && (s->type & 4) && (x->c->cr0 & CR0_PE)) {
		uint64_t top = s->db ? 0xffffffffULL : 0xffffULL;

		if (off <= s->limit || off + size - 1 > top)
			return seg_fault(x, seg);
	} else if (off > s->limit || (size - 1 > s->limit - off && s->limit != 0xffffffffU)) {
		/*
		 * An access that wraps past 4 GiB in a flat segment "may or may not"
		 * fault (SDM vol. 3 5.3); it wraps here, as on the processors
		 * measured (a #PF on the wrapped page, no #GP).
		 */
		return seg_fault(x, seg);
	}
	*lin = (s->base + off) & 0xffffffffULL;
	return 0;
}

static int record_walk(struct ictx *x, const struct gva_walk *w, bool write, uint64_t va, uint16_t key)
{
	if (x->nwalk == MAX_WALKS)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	x->walk[x->nwalk] = *w;
	x->walk_va[x->nwalk] = va;
	x->walk_key[x->nwalk] = key;
	x->walk_write[x->nwalk++] = write;
	return 0;
}

int mem_xlat(struct ictx *x, uint64_t lin, unsigned int len, unsigned int access, struct xlat *t)
{
	uint64_t amask = x->in.mode == 64 ? ~0ULL : 0xffffffffULL;
	bool ac = (x->c->rflags & FL_AC) != 0;
	struct interp_tlb *tlb = x->mem->tlb;
	uint16_t key;

	if (x->cpl == 3 && !(access & GVA_IMPLICIT))
		access |= GVA_PF_U;
	key = (uint16_t)(access | (ac ? 1u << 9 : 0));
	t->len = len;
	t->n0 = 4096 - (lin & 0xfff);
	if (t->n0 > len)
		t->n0 = len;
	t->p[1] = NULL;
	for (unsigned int part = 0; part < 2; part++) {
		uint64_t va = part ? (lin + t->n0) & amask : lin;
		unsigned int n = part ? len - t->n0 : t->n0;
		struct gva_walk w;
		uint32_t err;

		if (n == 0)
			break;
		if (tlb && tlb_lookup(tlb, va, key, &w.gpa)) {
			/* The same access to this page committed before: its bits are set. */
			if (w.gpa >= x->mem->ram_size || x->mem->ram_size - w.gpa < n) {
				x->res->gpa = w.gpa;
				return ie_fallback(x, INTERP_FB_MMIO);
			}
			t->p[part] = x->mem->ram + w.gpa;
			continue;
		}
		int r = gva_walk(&x->g, va, access, ac, &w, &err);

		if (r == -ERANGE)
			return ie_fallback(x, INTERP_FB_MMIO);
		if (r) {
			x->res->cr2 = va;
			return ie_fault(x, X86_PF, true, err);
		}
		if (w.gpa >= x->mem->ram_size || x->mem->ram_size - w.gpa < n) {
			x->res->gpa = w.gpa;
			return ie_fallback(x, INTERP_FB_MMIO);
		}
		t->p[part] = x->mem->ram + w.gpa;
		TRY(record_walk(x, &w, (access & GVA_PF_W) != 0, va, key));
	}
	return 0;
}

/* SDM vol. 3 6.15 (interrupt 17): CR0.AM, RFLAGS.AC, CPL 3 and a misaligned operand. */
static int align_check(struct ictx *x, uint64_t lin, unsigned int size)
{
	if (size > 1 && (x->c->cr0 & CR0_AM) && (x->c->rflags & FL_AC) && x->cpl == 3 &&
	    (lin & (size - 1)))
		return ie_fault(x, X86_AC, true, 0);
	return 0;
}

/* Bytes at t, single-copy atomic when aligned within one page as on hardware (SDM vol. 3 9.1.1). */
static uint64_t load(const struct xlat *t)
{
	uint64_t v = 0;
	uint8_t *p = t->p[0];

	if (t->n0 == t->len && !((uintptr_t)p & (t->len - 1))) {
		switch (t->len) {
		case 1: return __atomic_load_n(p, __ATOMIC_RELAXED);
		case 2: return __atomic_load_n((uint16_t *)(void *)p, __ATOMIC_RELAXED);
		case 4: return __atomic_load_n((uint32_t *)(void *)p, __ATOMIC_RELAXED);
		case 8: return __atomic_load_n((uint64_t *)(void *)p, __ATOMIC_RELAXED);
		}
	}
	memcpy(&v, p, t->n0);
	if (t->len > t->n0)
		memcpy((uint8_t *)&v + t->n0, t->p[1], t->len - t->n0);
	return v;
}

static uint8_t *byte_at(const uint8_t *const p[2], unsigned int n0, unsigned int i)
{
	return (uint8_t *)(i < n0 ? p[0] + i : p[1] + (i - n0));
}

/* A read sees the instruction's own earlier writes. */
static uint64_t overlay(const struct ictx *x, const struct xlat *t, uint64_t v)
{
	for (unsigned int k = 0; k < x->nwr; k++) {
		const struct pending_write *w = &x->wr[k];

		for (unsigned int j = 0; j < w->len; j++) {
			uint8_t *wp = byte_at((const uint8_t *const *)w->p, w->n0, j);

			for (unsigned int i = 0; i < t->len; i++) {
				if (byte_at((const uint8_t *const *)t->p, t->n0, i) == wp) {
					v &= ~(0xffULL << (8 * i));
					v |= (uint64_t)w->data[j] << (8 * i);
				}
			}
		}
	}
	return v;
}

int mem_read_x(struct ictx *x, int seg, uint64_t off, unsigned int size, uint64_t *v, struct xlat *t)
{
	uint64_t lin;

	/* A read-modify-write reads with write intent: a #PF on it reports W (as KVM and silicon do). */
	TRY(mem_linear(x, seg, off, size, x->rmw, &lin));
	TRY(mem_xlat(x, lin, size, x->rmw ? GVA_PF_W : 0, t));
	TRY(align_check(x, lin, size));
	*v = overlay(x, t, load(t));
	return 0;
}

int mem_read(struct ictx *x, int seg, uint64_t off, unsigned int size, uint64_t *v)
{
	struct xlat t;

	return mem_read_x(x, seg, off, size, v, &t);
}

int mem_write_x(struct ictx *x, int seg, uint64_t off, unsigned int size, struct xlat *t)
{
	uint64_t lin;

	TRY(mem_linear(x, seg, off, size, true, &lin));
	TRY(mem_xlat(x, lin, size, GVA_PF_W, t));
	return align_check(x, lin, size);
}

static int add_write(struct ictx *x, const struct xlat *t, unsigned int size, uint64_t v)
{
	struct pending_write *w;

	if (x->nwr == MAX_WRITES)
		return ie_fallback(x, INTERP_FB_UNIMPLEMENTED);
	w = &x->wr[x->nwr++];
	w->p[0] = t->p[0];
	w->p[1] = t->p[1];
	w->n0 = t->n0;
	w->len = size;
	memcpy(w->data, &v, size);
	return 0;
}

int mem_write(struct ictx *x, int seg, uint64_t off, unsigned int size, uint64_t v)
{
	struct xlat t;

	TRY(mem_write_x(x, seg, off, size, &t));
	return add_write(x, &t, size, v);
}

int mem_read_lin(struct ictx *x, uint64_t lin, unsigned int size, unsigned int access, uint64_t *v)
{
	struct xlat t;

	TRY(mem_xlat(x, lin, size, access, &t));
	*v = overlay(x, &t, load(&t));
	return 0;
}

int mem_write_lin(struct ictx *x, uint64_t lin, unsigned int size, unsigned int access, uint64_t v)
{
	struct xlat t;

	TRY(mem_xlat(x, lin, size, access | GVA_PF_W, &t));
	return add_write(x, &t, size, v);
}

int mem_fetch(struct ictx *x, uint8_t *buf, unsigned int *n, bool need_all, struct xlat *tp)
{
	const struct interp_seg *cs = &x->c->seg[INTERP_CS];
	unsigned int want = X86_MAX_INSN_LEN;
	uint64_t lin, rip = x->c->rip;
	struct xlat t;

	if (x->in.mode == 64) {
		if (!mem_canonical(x, rip))
			return ie_fault(x, X86_GP, true, 0);
		lin = rip;
	} else {
		if (rip > cs->limit)
			return ie_fault(x, X86_GP, (x->c->cr0 & CR0_PE) != 0, 0);
		if (cs->limit - rip + 1 < want)
			want = (unsigned int)(cs->limit - rip + 1);
		lin = (cs->base + rip) & 0xffffffffULL;
	}
	if (!need_all && 4096 - (lin & 0xfff) < want) {
		/* Only the first page: the second is touched if the instruction reaches it. */
		want = 4096 - (lin & 0xfff);
	}
	if (need_all && x->in.mode == 64 && !mem_canonical(x, lin + want - 1))
		want = (unsigned int)(((lin | 0xfff) + 1) - lin);
	x->nwalk = 0;
	if (mem_xlat(x, lin, want, GVA_PF_I, &t)) {
		if (x->res->status == INTERP_FALLBACK)
			x->res->reason = INTERP_FB_FETCH;
		return x->res->status == INTERP_FALLBACK ? IE_FALLBACK : IE_FAULT;
	}
	memcpy(buf, t.p[0], t.n0);
	if (want > t.n0)
		memcpy(buf + t.n0, t.p[1], want - t.n0);
	*n = want;
	*tp = t;
	return 0;
}

static bool cas(uint8_t *p, unsigned int size, uint64_t old, uint64_t new)
{
	switch (size) {
	case 1: {
		uint8_t o = (uint8_t)old;

		return __atomic_compare_exchange_n(p, &o, (uint8_t)new, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	}
	case 2: {
		uint16_t o = (uint16_t)old;

		return __atomic_compare_exchange_n((uint16_t *)(void *)p, &o, (uint16_t)new, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	case 4: {
		uint32_t o = (uint32_t)old;

		return __atomic_compare_exchange_n((uint32_t *)(void *)p, &o, (uint32_t)new, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	default: {
		uint64_t o = old;

		return __atomic_compare_exchange_n((uint64_t *)(void *)p, &o, new, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	}
}

static void store(const struct pending_write *w)
{
	uint8_t *p = w->p[0];

	if (w->n0 == w->len && !((uintptr_t)p & (w->len - 1))) {
		uint64_t v = 0;

		memcpy(&v, w->data, w->len);
		switch (w->len) {
		case 1: __atomic_store_n(p, (uint8_t)v, __ATOMIC_RELAXED); return;
		case 2: __atomic_store_n((uint16_t *)(void *)p, (uint16_t)v, __ATOMIC_RELAXED); return;
		case 4: __atomic_store_n((uint32_t *)(void *)p, (uint32_t)v, __ATOMIC_RELAXED); return;
		case 8: __atomic_store_n((uint64_t *)(void *)p, v, __ATOMIC_RELAXED); return;
		}
	}
	memcpy(p, w->data, w->n0);
	if (w->len > w->n0)
		memcpy(w->p[1], w->data + w->n0, w->len - w->n0);
}

/*
 * Enter the walks of the committed instruction into the TLB, then forget
 * everything if it wrote to a page-table page of an entry: the walks were
 * made before the write.
 */
static void tlb_commit(struct ictx *x)
{
	struct interp_tlb *tlb = x->mem->tlb;
	const uint8_t *ram = x->mem->ram;

	for (unsigned int i = 0; i < x->nwalk; i++)
		tlb_insert(tlb, x->walk_va[i], x->walk_key[i], &x->walk[i]);
	for (unsigned int i = 0; i < x->nwr; i++) {
		const struct pending_write *w = &x->wr[i];

		tlb_written(tlb, (uint64_t)(w->p[0] - ram), w->n0);
		if (w->len > w->n0)
			tlb_written(tlb, (uint64_t)(w->p[1] - ram), w->len - w->n0);
	}
	if (x->lock_pending)
		tlb_written(tlb, (uint64_t)(x->lock_p - ram), x->lock_size);
}

void interp_mark_pages(uint64_t *bitmap, uint64_t ram_size, uint64_t gpa, uint64_t len)
{
	if (!len || gpa >= ram_size)
		return;
	if (len > ram_size - gpa)
		len = ram_size - gpa;
	for (uint64_t p = gpa >> 12; p <= (gpa + len - 1) >> 12; p++)
		bitmap[p >> 6] |= 1ULL << (p & 63);
}

void mark_written(const struct interp_mem *m, uint64_t gpa, uint64_t len)
{
	interp_mark_pages(m->written, m->ram_size, gpa, len);
}

/* Every page the commit may write, for the caller that keeps a copy of RAM in step. */
static void note_written(const struct ictx *x)
{
	const struct interp_mem *m = x->mem;

	for (unsigned int i = 0; i < x->nwr; i++) {
		const struct pending_write *w = &x->wr[i];

		mark_written(m, (uint64_t)(w->p[0] - m->ram), w->n0);
		if (w->len > w->n0)
			mark_written(m, (uint64_t)(w->p[1] - m->ram), w->len - w->n0);
	}
	if (x->lock_pending)
		mark_written(m, (uint64_t)(x->lock_p - m->ram), x->lock_size);
	for (unsigned int i = 0; i < x->nwalk; i++)
		for (unsigned int e = 0; e < x->walk[i].nentries; e++)
			mark_written(m, x->walk[i].entry[e], x->walk[i].entry_size);
}

int mem_commit(struct ictx *x)
{
	if (!x->nwr && !x->nwalk && !x->lock_pending)
		return 0;	/* registers only */
	if (x->lock_pending && !cas(x->lock_p, x->lock_size, x->lock_old, x->lock_new))
		return IE_RETRY;
	for (unsigned int i = 0; i < x->nwr; i++)
		store(&x->wr[i]);
	for (unsigned int i = 0; i < x->nwalk; i++)
		gva_set_ad(x->mem->ram, x->mem->ram_size, &x->walk[i], x->walk_write[i]);
	if (x->mem->written)
		note_written(x);
	if (x->mem->tlb)
		tlb_commit(x);
	return 0;
}
