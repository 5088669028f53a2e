// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software PMU model: vendor-independent part (init, MSR ownership, event
 * filter, dispatch to intel.c / amd.c, PMI state, keeping the live set of
 * live.c up to date).
 */
#include "pmu/soft/internal.h"

#include <string.h>

/*
 * Everything architectural up to the model's limits, so that an index beyond
 * the guest's enumeration still reaches the model and gets its #GP there
 * rather than whatever the host does with it.
 */
static const struct softpmu_msr_range intel_ranges[] = {
	{ MSR_IA32_PMC0, PMU_MAX_GP },
	{ MSR_IA32_PERFEVTSEL0, PMU_MAX_GP },
	{ MSR_LBR_SELECT, 2 },			/* LBR_SELECT, LBR_TOS */
	{ MSR_IA32_DEBUGCTL, 1 },
	{ MSR_IA32_FIXED_CTR0, PMU_MAX_FIXED },
	{ MSR_PERF_METRICS, 1 },
	{ MSR_IA32_PERF_CAPABILITIES, 1 },
	{ MSR_IA32_FIXED_CTR_CTRL, 6 },		/* 0x38d..0x392 */
	{ MSR_IA32_A_PMC0, PMU_MAX_GP },
	{ MSR_LBR_FROM0, PMU_MAX_LBR },
	{ MSR_LBR_TO0, PMU_MAX_LBR },
	{ MSR_LBR_INFO0, PMU_MAX_LBR },
};

static const struct softpmu_msr_range amd_ranges[] = {
	{ MSR_AMD_PERF_GLOBAL_STATUS, 4 },		/* STATUS, CTL, STATUS_CLR, STATUS_SET */
	{ MSR_K7_EVNTSEL0, 8 },			/* EVNTSEL0-3, PERFCTR0-3 */
	{ MSR_F15H_PERF_CTL0, 2 * PMU_MAX_AMD_CORE },
};

_Static_assert(PMU_MAX_GP * 4 + 2 + 1 + PMU_MAX_FIXED + 1 + 1 + 6 + PMU_MAX_LBR * 3 <=
	       SOFTPMU_MAX_MSRS, "SOFTPMU_MAX_MSRS too small for the Intel MSR list");
_Static_assert(PMU_MAX_GP <= SOFTPMU_MAX_GP && PMU_MAX_AMD_CORE <= SOFTPMU_MAX_GP,
	       "SOFTPMU_MAX_GP too small");

static void softpmu_ranges(const struct softpmu *p, const struct softpmu_msr_range **r,
			   size_t *n)
{
	if (softpmu_is_intel(p)) {
		*r = intel_ranges;
		*n = sizeof(intel_ranges) / sizeof(intel_ranges[0]);
	} else {
		*r = amd_ranges;
		*n = sizeof(amd_ranges) / sizeof(amd_ranges[0]);
	}
}

static void softpmu_build_msr_list(struct softpmu *p)
{
	const struct softpmu_msr_range *r;
	size_t nr;

	softpmu_ranges(p, &r, &nr);
	p->nr_msrs = 0;
	for (size_t i = 0; i < nr; i++)
		for (uint32_t k = 0; k < r[i].count; k++)
			p->msrs[p->nr_msrs++] = r[i].first + k;
}

const uint32_t *softpmu_msr_list(const struct softpmu *p, size_t *n)
{
	*n = p->nr_msrs;
	return p->msrs;
}

bool softpmu_handles(const struct softpmu *p, uint32_t msr)
{
	const struct softpmu_msr_range *r;
	size_t nr;

	softpmu_ranges(p, &r, &nr);
	for (size_t i = 0; i < nr; i++)
		if (msr - r[i].first < r[i].count)
			return true;
	return false;
}

static int softpmu_check_filter(const struct softpmu_filter *f, struct vmm_err *err)
{
	if (f->action != SOFTPMU_FILTER_ALLOW && f->action != SOFTPMU_FILTER_DENY)
		return vmm_errf(err, EINVAL, "soft PMU: event filter action %d is neither "
				"allow (0) nor deny (1)", (int)f->action);
	if (f->nevents > SOFTPMU_FILTER_MAX_EVENTS)
		return vmm_errf(err, EINVAL, "soft PMU: event filter has %u events, at most "
				"%d are supported", f->nevents, SOFTPMU_FILTER_MAX_EVENTS);
	return 0;
}

int softpmu_init(struct softpmu *p, const struct pmu_shape *s,
		 const struct softpmu_filter *f, struct vmm_err *err)
{
	int r;

	memset(p, 0, sizeof(*p));
	if (s->vendor == PMU_VENDOR_INTEL)
		r = intel_validate(s, err);
	else if (s->vendor == PMU_VENDOR_AMD)
		r = amd_validate(s, err);
	else
		r = vmm_errf(err, EINVAL, "soft PMU: unknown vendor %d in the PMU shape",
			     (int)s->vendor);
	if (!r && f)
		r = softpmu_check_filter(f, err);
	if (r)
		return r;
	p->shape = *s;
	if (f) {
		p->has_filter = true;
		p->filter = *f;
	}
	if (softpmu_is_intel(p))
		intel_derive(p);
	else
		amd_derive(p);
	softpmu_build_msr_list(p);
	softpmu_reset(p);
	return 0;
}

void softpmu_reset(struct softpmu *p)
{
	memset(p->evtsel, 0, sizeof(p->evtsel));
	memset(p->ctr, 0, sizeof(p->ctr));
	memset(p->fixed, 0, sizeof(p->fixed));
	memset(p->lbr_from, 0, sizeof(p->lbr_from));
	memset(p->lbr_to, 0, sizeof(p->lbr_to));
	memset(p->lbr_info, 0, sizeof(p->lbr_info));
	p->fixed_ctrl = p->global_ctrl = p->global_status = p->perf_metrics = 0;
	p->debugctl = p->lbr_select = p->lbr_tos = 0;
	p->pmi_pending = false;
	if (softpmu_is_intel(p))
		intel_reset(p);
	else
		amd_reset(p);
	softpmu_live_update(p);
}

int softpmu_rdmsr(struct softpmu *p, uint32_t msr, uint64_t *val)
{
	if (!softpmu_handles(p, msr))
		return -ENOENT;
	return softpmu_is_intel(p) ? intel_rdmsr(p, msr, val) : amd_rdmsr(p, msr, val);
}

/* Every register the model has is written here: the live set follows each write. */
int softpmu_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val)
{
	int r;

	if (!softpmu_handles(p, msr))
		return -ENOENT;
	r = softpmu_is_intel(p) ? intel_wrmsr(p, msr, val) : amd_wrmsr(p, msr, val);
	softpmu_live_update(p);
	return r;
}

int softpmu_rdpmc(struct softpmu *p, uint32_t ecx, uint64_t *val)
{
	return softpmu_is_intel(p) ? intel_rdpmc(p, ecx, val) : amd_rdpmc(p, ecx, val);
}

bool softpmu_counting_ref(const struct softpmu *p)
{
	return softpmu_is_intel(p) ? intel_counting(p) : amd_counting(p);
}

void softpmu_retire_ref(struct softpmu *p, const struct softpmu_insn *insn)
{
	if (softpmu_is_intel(p))
		intel_retire(p, insn);
	else
		amd_retire(p, insn);
}

static uint64_t softpmu_headroom_ref(const struct softpmu *p, const struct softpmu_insn *in)
{
	return softpmu_is_intel(p) ? intel_headroom(p, in) : amd_headroom(p, in);
}

static uint64_t softpmu_repeat(struct softpmu *p, const struct softpmu_insn *insn, uint64_t n, bool ref)
{
	struct softpmu_insn in = *insn;
	uint64_t done = 0;

	/*
	 * Retire in runs that end at the next counter overflow: within a run no
	 * counter wraps except, at the run's last retirement, those whose
	 * headroom it is, so status bits and PMIs land where one-by-one
	 * retirement puts them.
	 */
	while (done < n && !p->pmi_pending) {
		uint64_t room = ref ? softpmu_headroom_ref(p, &in) : softpmu_live_headroom(p, &in);

		in.times = n - done < room ? n - done : room;
		if (ref)
			softpmu_retire_ref(p, &in);
		else
			softpmu_retire(p, &in);
		done += in.times;
	}
	return done;
}

uint64_t softpmu_retire_repeat(struct softpmu *p, const struct softpmu_insn *insn, uint64_t n)
{
	return softpmu_repeat(p, insn, n, false);
}

uint64_t softpmu_retire_repeat_ref(struct softpmu *p, const struct softpmu_insn *insn, uint64_t n)
{
	return softpmu_repeat(p, insn, n, true);
}

void softpmu_insn_from_class(struct softpmu_insn *in, const struct x86_insn_class *c,
			     unsigned int cpl, uint64_t rip, uint64_t next_rip)
{
	memset(in, 0, sizeof(*in));
	in->cpl = cpl;
	in->is_branch = c->is_branch;
	in->kind = c->branch;
	in->from = rip;
	in->to = next_rip;
	in->cycles = SOFTPMU_CYCLES_PER_INSN;
	if (c->is_branch)
		in->taken = c->conditional ? next_rip != rip + c->len : true;
}

void softpmu_pmi_ack(struct softpmu *p)
{
	p->pmi_pending = false;
}

uint64_t softpmu_steps_to_overflow(uint64_t ctr, uint64_t mask, uint64_t delta)
{
	if (!delta)
		return UINT64_MAX;
	return (mask - (ctr & mask)) / delta + 1;
}

/*
 * KVM_SET_PMU_EVENT_FILTER semantics: a GP counter's event select and unit
 * mask (plus AMD's EventSelect[11:8]) are looked up in the list.
 */
bool softpmu_filter_allows_gp(const struct softpmu *p, uint64_t evtsel)
{
	uint64_t key = evtsel & (EVTSEL_EVENT | EVTSEL_UMASK);
	bool listed = false;

	if (!p->has_filter)
		return true;
	if (!softpmu_is_intel(p))
		key |= evtsel & AMD_EVTSEL_EVENT_HI;
	for (uint32_t i = 0; i < p->filter.nevents && !listed; i++)
		listed = p->filter.events[i] == key;
	return p->filter.action == SOFTPMU_FILTER_ALLOW ? listed : !listed;
}

bool softpmu_filter_allows_fixed(const struct softpmu *p, unsigned int idx)
{
	bool set;

	if (!p->has_filter)
		return true;
	set = p->filter.fixed_counter_bitmap & (1u << idx);
	return p->filter.action == SOFTPMU_FILTER_ALLOW ? set : !set;
}
