// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software PMU model: the live set. Which counters count, with their event,
 * CPL filter, status bit and PMI, is a function of the registers that
 * changes only at an MSR write, a PMI (freeze on PMI) and a reset. It is
 * computed there, by the vendor's per-counter rules (intel_live_set(),
 * amd_live_set()), so that the per-instruction path, softpmu_retire()
 * here, reads a short list instead of deciding again for every counter at
 * every instruction.
 */
#include "pmu/soft/internal.h"

#include <string.h>

void softpmu_live_add(struct softpmu_live *l, bool fixed, unsigned int idx, enum pmu_arch_event ev,
		      bool usr, bool os, unsigned int status_bit, bool pmi, uint64_t mask)
{
	struct softpmu_live_ctr *c;

	if (l->n >= sizeof(l->c) / sizeof(l->c[0]))
		return;		/* cannot happen: at most SOFTPMU_MAX_GP + PMU_MAX_FIXED counters */
	c = &l->c[l->n++];
	c->mask = mask;
	c->fixed = fixed;
	c->idx = (uint8_t)idx;
	c->ev = (uint8_t)ev;
	c->rings = (uint8_t)((os ? SOFTPMU_RING_0 : 0) | (usr ? SOFTPMU_RING_NOT_0 : 0));
	c->status_bit = (uint8_t)status_bit;
	c->pmi = pmi;
}

void softpmu_live_update(struct softpmu *p)
{
	struct softpmu_live *l = &p->live;

	/* all of it, stale entries included: equal registers give an equal struct softpmu */
	memset(l, 0, sizeof(*l));
	if (softpmu_is_intel(p))
		intel_live_set(p, l);
	else
		amd_live_set(p, l);
	l->counting = l->n || l->lbr;
}

/* softpmu_cpl_match() as a mask: OS counts at CPL 0, USR at CPL > 0. */
static unsigned int live_ring(unsigned int cpl)
{
	return cpl == 0 ? SOFTPMU_RING_0 : SOFTPMU_RING_NOT_0;
}

static uint64_t *live_counter(struct softpmu *p, const struct softpmu_live_ctr *c)
{
	return c->fixed ? &p->fixed[c->idx] : &p->ctr[c->idx];
}

/*
 * What intel_retire_gp() + intel_retire_fixed() and amd_retire() do, for
 * the live counters only. No counter's liveness changes on the way: an
 * overflow sets counter bits of GLOBAL_STATUS, never a freeze bit.
 */
static bool live_retire(struct softpmu *p, const struct softpmu_insn *in)
{
	const struct softpmu_live *l = &p->live;
	unsigned int ring = live_ring(in->cpl);
	bool pmi = false;

	for (unsigned int i = 0; i < l->n; i++) {
		const struct softpmu_live_ctr *c = &l->c[i];

		if (!(c->rings & ring))
			continue;
		if (!softpmu_counter_add(live_counter(p, c), c->mask,
					 softpmu_event_delta((enum pmu_arch_event)c->ev, in)))
			continue;
		if (c->status_bit != SOFTPMU_NO_STATUS)
			p->global_status |= BIT64(c->status_bit);
		pmi |= c->pmi;
	}
	return pmi;
}

/*
 * intel_retire() and amd_retire() over the live set: the LBR records first,
 * then the counters count; a PMI (and on Intel the freeze that comes with
 * it, which updates the live set) takes effect after the instruction.
 */
void softpmu_retire(struct softpmu *p, const struct softpmu_insn *insn)
{
	if (!p->live.counting)
		return;
	if (p->live.lbr)
		lbr_record(p, insn);
	if (!live_retire(p, insn))
		return;
	if (softpmu_is_intel(p))
		intel_raise_pmi(p);
	else
		p->pmi_pending = true;
}

bool softpmu_retire_class(struct softpmu *p, const struct x86_insn_class *c, unsigned int cpl,
			  uint64_t rip, uint64_t next)
{
	struct softpmu_insn in;

	if (p->live.counting) {
		softpmu_insn_from_class(&in, c, cpl, rip, next);
		softpmu_retire(p, &in);
	}
	return p->pmi_pending;
}

uint64_t softpmu_live_headroom(const struct softpmu *p, const struct softpmu_insn *in)
{
	const struct softpmu_live *l = &p->live;
	unsigned int ring = live_ring(in->cpl);
	uint64_t room = UINT64_MAX, r;

	for (unsigned int i = 0; i < l->n; i++) {
		const struct softpmu_live_ctr *c = &l->c[i];
		uint64_t ctr = c->fixed ? p->fixed[c->idx] : p->ctr[c->idx];

		if (!(c->rings & ring))
			continue;
		r = softpmu_steps_to_overflow(ctr, c->mask,
					      softpmu_event_delta_once((enum pmu_arch_event)c->ev, in));
		room = r < room ? r : room;
	}
	return room;
}
