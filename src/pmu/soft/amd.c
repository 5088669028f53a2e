// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD core performance counters (APM vol. 2, 13.2): the four legacy K7
 * counters, the six F15H core counters with PERFCTR_CORE (the K7 MSRs alias
 * the first four), and PerfMonV2 global control and status.
 */
#include "pmu/soft/internal.h"

enum amd_reg {
	AR_NONE,
	AR_CTL,
	AR_CTR,
	AR_GLOBAL_STATUS,
	AR_GLOBAL_CTL,
	AR_GLOBAL_STATUS_CLR,
	AR_GLOBAL_STATUS_SET,
};

/* Events the model counts; the unit mask is ignored (these events have none). */
static const struct {
	uint16_t event;
	enum pmu_arch_event ev;
} amd_events[] = {
	{ 0x0c0, PMU_EV_INSTRUCTIONS },	/* retired instructions */
	{ 0x0c2, PMU_EV_BRANCHES },	/* retired branch instructions */
	{ 0x076, PMU_EV_CORE_CYCLES },	/* cycles not in halt */
};

int amd_validate(const struct pmu_shape *s, struct vmm_err *err)
{
	if (s->amd_nr_counters > PMU_MAX_AMD_CORE)
		return vmm_errf(err, EINVAL, "soft PMU: %u AMD counters requested, at most %d",
				s->amd_nr_counters, PMU_MAX_AMD_CORE);
	if (!s->perfctr_core && s->amd_nr_counters > 4)
		return vmm_errf(err, EINVAL, "soft PMU: %u AMD counters need PERFCTR_CORE "
				"(without it there are the 4 K7 counters)", s->amd_nr_counters);
	if (s->perfmon_v2 && !s->perfctr_core)
		return vmm_errf(err, EINVAL, "soft PMU: PerfMonV2 requires PERFCTR_CORE");
	if (s->amd_nr_counters && (s->amd_counter_width < 8 || s->amd_counter_width > 64))
		return vmm_errf(err, EINVAL, "soft PMU: AMD counter width %u bits is not in "
				"8..64 (48 on every AMD processor so far)", s->amd_counter_width);
	return 0;
}

void amd_derive(struct softpmu *p)
{
	p->nr_gp = p->shape.amd_nr_counters;
	p->gp_value_mask = MASK64(p->shape.amd_counter_width);
	p->global_valid = MASK64(p->nr_gp);
}

/*
 * With PerfMonV2 a counter counts only when both PERF_CTL.En and its
 * PerfCntrGlobalCtl bit are set; like Intel, the GP enable bits are set at
 * RESET so that software unaware of the global control still works (the
 * same RESET state KVM gives its vCPUs).
 */
void amd_reset(struct softpmu *p)
{
	if (p->shape.perfmon_v2)
		p->global_ctrl = MASK64(p->nr_gp);
}

static enum amd_reg amd_locate_global(const struct softpmu *p, uint32_t msr)
{
	if (!p->shape.perfmon_v2)
		return AR_NONE;
	switch (msr) {
	case MSR_AMD_PERF_GLOBAL_STATUS:	return AR_GLOBAL_STATUS;
	case MSR_AMD_PERF_GLOBAL_CTL:	return AR_GLOBAL_CTL;
	case MSR_AMD_PERF_GLOBAL_STATUS_CLR:	return AR_GLOBAL_STATUS_CLR;
	case MSR_AMD_PERF_GLOBAL_STATUS_SET:	return AR_GLOBAL_STATUS_SET;
	default:			return AR_NONE;
	}
}

static enum amd_reg amd_locate(const struct softpmu *p, uint32_t msr, unsigned int *idx)
{
	*idx = 0;
	if (msr - MSR_K7_EVNTSEL0 < 4) {
		*idx = msr - MSR_K7_EVNTSEL0;
		return *idx < p->nr_gp ? AR_CTL : AR_NONE;
	}
	if (msr - MSR_K7_PERFCTR0 < 4) {
		*idx = msr - MSR_K7_PERFCTR0;
		return *idx < p->nr_gp ? AR_CTR : AR_NONE;
	}
	if (msr - MSR_F15H_PERF_CTL0 < 2 * PMU_MAX_AMD_CORE) {
		*idx = (msr - MSR_F15H_PERF_CTL0) / 2;
		if (!p->shape.perfctr_core || *idx >= p->nr_gp)
			return AR_NONE;
		return (msr - MSR_F15H_PERF_CTL0) & 1 ? AR_CTR : AR_CTL;
	}
	return amd_locate_global(p, msr);
}

int amd_rdmsr(struct softpmu *p, uint32_t msr, uint64_t *val)
{
	unsigned int i;

	switch (amd_locate(p, msr, &i)) {
	case AR_CTL:			*val = p->evtsel[i]; return 0;
	case AR_CTR:			*val = p->ctr[i]; return 0;
	case AR_GLOBAL_STATUS:		*val = p->global_status; return 0;
	case AR_GLOBAL_CTL:		*val = p->global_ctrl; return 0;
	case AR_GLOBAL_STATUS_CLR:	/* write-only: reads 0 as under KVM */
	case AR_GLOBAL_STATUS_SET:	*val = 0; return 0;
	case AR_NONE:
	default:			return SOFTPMU_GP;
	}
}

int amd_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val)
{
	unsigned int i;

	switch (amd_locate(p, msr, &i)) {
	case AR_CTL:
		/* reserved bits are dropped, not faulted, as KVM does */
		p->evtsel[i] = val & ~AMD_EVTSEL_RESERVED;
		return 0;
	case AR_CTR:
		p->ctr[i] = val & p->gp_value_mask;
		return 0;
	/*
	 * PerfMonV2 (APM vol. 2 13.2.2; KVM pmu.c kvm_pmu_set_msr: "AMD
	 * ignores writes to reserved bits and read-only PMU MSRs"): reserved
	 * bits of GLOBAL_CTL and STATUS_SET are dropped and a write to the
	 * read-only GLOBAL_STATUS is ignored, none of them #GPs.
	 */
	case AR_GLOBAL_CTL:
		p->global_ctrl = val & p->global_valid;
		return 0;
	case AR_GLOBAL_STATUS:
		return 0;
	case AR_GLOBAL_STATUS_CLR:
		p->global_status &= ~val;
		return 0;
	case AR_GLOBAL_STATUS_SET:
		p->global_status |= val & p->global_valid;
		return 0;
	case AR_NONE:
	default:
		return SOFTPMU_GP;
	}
}

/* APM vol. 3 RDPMC: ECX 0-5 are the core counters; anything else #GPs here. */
int amd_rdpmc(struct softpmu *p, uint32_t ecx, uint64_t *val)
{
	if (ecx >= p->nr_gp)
		return SOFTPMU_GP;
	*val = p->ctr[ecx];
	return 0;
}

static bool amd_event_lookup(uint64_t sel, enum pmu_arch_event *ev)
{
	uint16_t event = (sel & EVTSEL_EVENT) | ((sel & AMD_EVTSEL_EVENT_HI) >> 24);

	for (size_t i = 0; i < sizeof(amd_events) / sizeof(amd_events[0]); i++) {
		if (amd_events[i].event == event) {
			*ev = amd_events[i].ev;
			return true;
		}
	}
	return false;
}

/* APM 13.2.1: En; PerfMonV2 adds the global enable. Edge/CntMask: not modelled. */
static bool amd_live(const struct softpmu *p, unsigned int i, enum pmu_arch_event *ev)
{
	uint64_t sel = p->evtsel[i];

	if (!(sel & EVTSEL_EN) || !(sel & (EVTSEL_USR | EVTSEL_OS)))
		return false;
	if (p->shape.perfmon_v2 && !(p->global_ctrl & BIT64(i)))
		return false;
	if (sel & (EVTSEL_EDGE | EVTSEL_CMASK))
		return false;
	return amd_event_lookup(sel, ev) && softpmu_filter_allows_gp(p, sel);
}

bool amd_counting(const struct softpmu *p)
{
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++)
		if (amd_live(p, i, &ev))
			return true;
	return false;
}

/* The live set: the counters amd_live() says count, with what amd_retire() reads of them. */
void amd_live_set(const struct softpmu *p, struct softpmu_live *l)
{
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		uint64_t sel = p->evtsel[i];

		if (amd_live(p, i, &ev))
			softpmu_live_add(l, false, i, ev, sel & EVTSEL_USR, sel & EVTSEL_OS,
					 p->shape.perfmon_v2 ? i : SOFTPMU_NO_STATUS, sel & EVTSEL_INT,
					 p->gp_value_mask);
	}
	l->lbr = false;
}

/* Counter i counts the instruction in (its event, at in's CPL). */
static bool amd_counts(const struct softpmu *p, unsigned int i, const struct softpmu_insn *in,
		       enum pmu_arch_event *ev)
{
	uint64_t sel = p->evtsel[i];

	return amd_live(p, i, ev) && softpmu_cpl_match(sel & EVTSEL_USR, sel & EVTSEL_OS, in->cpl);
}

/* Retirements of in until the first counter that counts it overflows (softpmu_retire_repeat). */
uint64_t amd_headroom(const struct softpmu *p, const struct softpmu_insn *in)
{
	uint64_t room = UINT64_MAX, r;
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		if (!amd_counts(p, i, in, &ev))
			continue;
		r = softpmu_steps_to_overflow(p->ctr[i], p->gp_value_mask, softpmu_event_delta_once(ev, in));
		room = r < room ? r : room;
	}
	return room;
}

/* Overflow sets the PerfMonV2 status bit; INT (bit 20) requests the interrupt. */
void amd_retire(struct softpmu *p, const struct softpmu_insn *in)
{
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		if (!amd_counts(p, i, in, &ev))
			continue;
		if (!softpmu_counter_add(&p->ctr[i], p->gp_value_mask, softpmu_event_delta(ev, in)))
			continue;
		if (p->shape.perfmon_v2)
			p->global_status |= BIT64(i);
		if (p->evtsel[i] & EVTSEL_INT)
			p->pmi_pending = true;
	}
}
