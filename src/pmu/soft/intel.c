// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel architectural performance monitoring, versions 1 to 5 (SDM vol. 3B
 * chapter 20, "Performance Monitoring", sections 20.2.1-20.2.5 and 20.2.6 for
 * full-width writes).
 */
#include "pmu/soft/internal.h"

enum intel_reg {
	IR_NONE,		/* not enumerated for this shape: #GP */
	IR_PMC,
	IR_A_PMC,
	IR_EVTSEL,
	IR_FIXED,
	IR_FIXED_CTRL,
	IR_STATUS,
	IR_CTRL,
	IR_OVF_CTRL,
	IR_STATUS_SET,
	IR_INUSE,
	IR_PERF_CAP,
	IR_PERF_METRICS,
	IR_DEBUGCTL,
	IR_LBR,			/* lbr.c decides */
};

/* SDM table 20-1: architectural events the model counts. */
static const struct {
	uint8_t event, umask;
	enum pmu_arch_event ev;
} intel_events[] = {
	{ 0x3c, 0x00, PMU_EV_CORE_CYCLES },
	{ 0xc0, 0x00, PMU_EV_INSTRUCTIONS },
	{ 0x3c, 0x01, PMU_EV_REF_CYCLES },
	{ 0xc4, 0x00, PMU_EV_BRANCHES },
};

/* SDM 20.2.2 / 20.2.5: fixed counter i counts this event. */
static const enum pmu_arch_event intel_fixed_events[PMU_MAX_FIXED] = {
	PMU_EV_INSTRUCTIONS, PMU_EV_CORE_CYCLES, PMU_EV_REF_CYCLES, PMU_EV_TOPDOWN_SLOTS,
};

/* SDM 20.2.5: FxCtr[i] is supported iff ECX[i] || EDX[4:0] > i. */
static uint32_t intel_shape_fixed(const struct pmu_shape *s)
{
	uint32_t contiguous = s->nr_fixed >= 32 ? ~0u : (1u << s->nr_fixed) - 1;

	return s->fixed_mask | contiguous;
}

static bool intel_width_ok(unsigned int w)
{
	return w >= 8 && w <= 64;
}

static int intel_validate_fixed(const struct pmu_shape *s, struct vmm_err *err)
{
	uint32_t fixed = intel_shape_fixed(s);

	if (!fixed)
		return 0;
	if (fixed >> PMU_MAX_FIXED)
		return vmm_errf(err, EINVAL, "soft PMU: fixed counters 0x%x requested, the "
				"model has fixed counters 0-%d only", fixed, PMU_MAX_FIXED - 1);
	if (s->version < 2)
		return vmm_errf(err, EINVAL, "soft PMU: version %u has no fixed counters "
				"(SDM 20.2.2: they start with version 2)", s->version);
	if (s->version < 5 && (fixed & (fixed + 1)))
		return vmm_errf(err, EINVAL, "soft PMU: fixed counter set 0x%x has holes, "
				"which needs version 5 (CPUID.0AH:ECX)", fixed);
	if (!intel_width_ok(s->fixed_width))
		return vmm_errf(err, EINVAL, "soft PMU: fixed counter width %u bits is not "
				"in 8..64", s->fixed_width);
	return 0;
}

int intel_validate(const struct pmu_shape *s, struct vmm_err *err)
{
	if (s->version > 5)
		return vmm_errf(err, EINVAL, "soft PMU: architectural perfmon version %u is "
				"not modelled (versions 0-5 are)", s->version);
	if (s->nr_gp > PMU_MAX_GP)
		return vmm_errf(err, EINVAL, "soft PMU: %u general-purpose counters "
				"requested, at most %d", s->nr_gp, PMU_MAX_GP);
	if (s->version == 0 && (s->nr_gp || intel_shape_fixed(s)))
		return vmm_errf(err, EINVAL, "soft PMU: version 0 (no architectural PMU) "
				"cannot have counters; set a version or remove them");
	if (s->nr_gp && !intel_width_ok(s->gp_width))
		return vmm_errf(err, EINVAL, "soft PMU: counter width %u bits is not in "
				"8..64", s->gp_width);
	if (s->lbr_depth > PMU_MAX_LBR)
		return vmm_errf(err, EINVAL, "soft PMU: LBR depth %u, at most %d",
				s->lbr_depth, PMU_MAX_LBR);
	return intel_validate_fixed(s, err);
}

void intel_derive(struct softpmu *p)
{
	const struct pmu_shape *s = &p->shape;

	p->nr_gp = s->nr_gp;
	p->gp_value_mask = MASK64(s->gp_width);
	p->fixed_present = intel_shape_fixed(s);
	p->fixed_value_mask = MASK64(s->fixed_width);
	p->global_valid = MASK64(p->nr_gp) | ((uint64_t)p->fixed_present << 32);
}

/* SDM 20.2.2: at RESET, GLOBAL_CTRL enables every GP counter (so v1 software works). */
void intel_reset(struct softpmu *p)
{
	if (p->shape.version >= 2)
		p->global_ctrl = MASK64(p->nr_gp);
}

/* AnyThread exists from version 3 (SDM 20.2.3) unless CPUID.0AH:EDX[15] deprecates it. */
static bool intel_anythread_ok(const struct softpmu *p)
{
	return p->shape.version >= 3 && !p->shape.anythread_deprecated;
}

static bool intel_fw_writes(const struct softpmu *p)
{
	return p->shape.pdcm && (p->shape.perf_capabilities & PERF_CAP_FW_WRITES);
}

static uint64_t intel_evtsel_reserved(const struct softpmu *p)
{
	return 0xffffffff00000000ull | (intel_anythread_ok(p) ? 0 : EVTSEL_ANY);
}

static uint64_t intel_fixed_ctrl_valid(const struct softpmu *p)
{
	uint64_t field = FIXED_CTRL_OS | FIXED_CTRL_USR | FIXED_CTRL_PMI;
	uint64_t valid = 0;

	if (intel_anythread_ok(p))
		field |= FIXED_CTRL_ANY;
	for (unsigned int i = 0; i < PMU_MAX_FIXED; i++)
		if (p->fixed_present & (1u << i))
			valid |= field << (4 * i);
	return valid;
}

/*
 * Bits GLOBAL_OVF_CTRL / STATUS_RESET may clear and STATUS_SET may set.
 * SDM 20.2.4.2, figures 20-11 and 20-12 (and vol. 4 table 2-2, 391H): RESET
 * clears CondChgd (63), but bit 63 of STATUS_SET is reserved, and a reserved
 * bit #GPs like any other on Intel (KVM pmu.c kvm_pmu_set_msr: "Intel
 * generates #GP on attempts to write reserved/RO MSRs"). KVM's proposed
 * STATUS_SET emulation (seed 001, intel_pmu_set_msr) checks SET against
 * the RESET mask and so would accept bit 63; the model follows the SDM.
 */
static uint64_t intel_status_writable(const struct softpmu *p, enum intel_reg r)
{
	uint64_t bits = p->global_valid | GLOBAL_STATUS_OVF_BUF;

	if (r == IR_OVF_CTRL)
		bits |= GLOBAL_STATUS_COND_CHGD;
	if (p->shape.version >= 4)
		bits |= GLOBAL_STATUS_LBR_FRZ | GLOBAL_STATUS_CTR_FRZ;
	return bits;
}

static unsigned int intel_fixed_field(const struct softpmu *p, unsigned int i)
{
	return (p->fixed_ctrl >> (4 * i)) & 0xf;
}

/*
 * SDM 20.2.4.3: INUSE bit n = PERFEVTSELn[7:0] != 0, bit 32+i = fixed
 * counter i enabled for some ring, bit 63 = some INT / fixed PMI bit set.
 */
static uint64_t intel_inuse(const struct softpmu *p)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		if (p->evtsel[i] & EVTSEL_EVENT)
			v |= BIT64(i);
		if (p->evtsel[i] & EVTSEL_INT)
			v |= GLOBAL_INUSE_PMI;
	}
	for (unsigned int i = 0; i < PMU_MAX_FIXED; i++) {
		if (!(p->fixed_present & (1u << i)))
			continue;
		if (intel_fixed_field(p, i) & (FIXED_CTRL_OS | FIXED_CTRL_USR))
			v |= BIT64(32 + i);
		if (intel_fixed_field(p, i) & FIXED_CTRL_PMI)
			v |= GLOBAL_INUSE_PMI;
	}
	return v;
}

static enum intel_reg intel_locate_counter(const struct softpmu *p, uint32_t msr,
					   unsigned int *idx)
{
	if (msr - MSR_IA32_PMC0 < PMU_MAX_GP) {
		*idx = msr - MSR_IA32_PMC0;
		return *idx < p->nr_gp ? IR_PMC : IR_NONE;
	}
	if (msr - MSR_IA32_A_PMC0 < PMU_MAX_GP) {
		*idx = msr - MSR_IA32_A_PMC0;
		return *idx < p->nr_gp && intel_fw_writes(p) ? IR_A_PMC : IR_NONE;
	}
	if (msr - MSR_IA32_PERFEVTSEL0 < PMU_MAX_GP) {
		*idx = msr - MSR_IA32_PERFEVTSEL0;
		return *idx < p->nr_gp ? IR_EVTSEL : IR_NONE;
	}
	if (msr - MSR_IA32_FIXED_CTR0 < PMU_MAX_FIXED) {
		*idx = msr - MSR_IA32_FIXED_CTR0;
		return p->fixed_present & (1u << *idx) ? IR_FIXED : IR_NONE;
	}
	return IR_LBR;
}

/* Which register msr is for this shape (version 1 has no global MSRs). */
static enum intel_reg intel_locate(const struct softpmu *p, uint32_t msr, unsigned int *idx)
{
	unsigned int v = p->shape.version;

	*idx = 0;
	switch (msr) {
	case MSR_IA32_FIXED_CTR_CTRL:
		return v >= 2 ? IR_FIXED_CTRL : IR_NONE;
	case MSR_IA32_PERF_GLOBAL_STATUS:
		return v >= 2 ? IR_STATUS : IR_NONE;
	case MSR_IA32_PERF_GLOBAL_CTRL:
		return v >= 2 ? IR_CTRL : IR_NONE;
	case MSR_IA32_PERF_GLOBAL_OVF_CTRL:
		return v >= 2 ? IR_OVF_CTRL : IR_NONE;
	case MSR_IA32_PERF_GLOBAL_STATUS_SET:
		return v >= 4 ? IR_STATUS_SET : IR_NONE;
	case MSR_IA32_PERF_GLOBAL_INUSE:
		return v >= 4 ? IR_INUSE : IR_NONE;
	case MSR_IA32_PERF_CAPABILITIES:
		return p->shape.pdcm ? IR_PERF_CAP : IR_NONE;
	case MSR_PERF_METRICS:
		return p->shape.pdcm && (p->shape.perf_capabilities & PERF_CAP_PERF_METRICS) ?
		       IR_PERF_METRICS : IR_NONE;
	case MSR_IA32_DEBUGCTL:
		return IR_DEBUGCTL;
	default:
		return intel_locate_counter(p, msr, idx);
	}
}

int intel_rdmsr(struct softpmu *p, uint32_t msr, uint64_t *val)
{
	unsigned int i;
	uint64_t *reg;

	switch (intel_locate(p, msr, &i)) {
	case IR_PMC:
	case IR_A_PMC:		*val = p->ctr[i]; return 0;
	case IR_EVTSEL:		*val = p->evtsel[i]; return 0;
	case IR_FIXED:		*val = p->fixed[i]; return 0;
	case IR_FIXED_CTRL:	*val = p->fixed_ctrl; return 0;
	case IR_STATUS:		*val = p->global_status; return 0;
	case IR_CTRL:		*val = p->global_ctrl; return 0;
	case IR_OVF_CTRL:	/* write-only in effect: reads 0 as under KVM */
	case IR_STATUS_SET:	*val = 0; return 0;
	case IR_INUSE:		*val = intel_inuse(p); return 0;
	case IR_PERF_CAP:	*val = p->shape.perf_capabilities; return 0;
	case IR_PERF_METRICS:	*val = p->perf_metrics; return 0;
	case IR_DEBUGCTL:	*val = p->debugctl; return 0;
	case IR_LBR:
		if (!lbr_msr(p, msr, &reg))
			return SOFTPMU_GP;
		*val = *reg;
		return 0;
	case IR_NONE:
	default:
		return SOFTPMU_GP;
	}
}

/* SDM 20.2.6: legacy PMC writes sign-extend bit 31; full-width ones must fit. */
static int intel_write_pmc(struct softpmu *p, unsigned int i, uint64_t val, bool full)
{
	if (full && (val & ~p->gp_value_mask))
		return SOFTPMU_GP;
	if (!full)
		val = (uint64_t)(int64_t)(int32_t)val;
	p->ctr[i] = val & p->gp_value_mask;
	return 0;
}

static int intel_write_checked(uint64_t *reg, uint64_t val, uint64_t valid)
{
	if (val & ~valid)
		return SOFTPMU_GP;
	*reg = val;
	return 0;
}

static int intel_write_status(struct softpmu *p, enum intel_reg r, uint64_t val)
{
	if (val & ~intel_status_writable(p, r))
		return SOFTPMU_GP;
	if (r == IR_OVF_CTRL)
		p->global_status &= ~val;
	else
		p->global_status |= val;	/* STATUS_SET: sets bits, raises no PMI */
	return 0;
}

int intel_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val)
{
	unsigned int i;
	enum intel_reg r = intel_locate(p, msr, &i);

	switch (r) {
	case IR_PMC:		return intel_write_pmc(p, i, val, false);
	case IR_A_PMC:		return intel_write_pmc(p, i, val, true);
	case IR_EVTSEL:
		return intel_write_checked(&p->evtsel[i], val, ~intel_evtsel_reserved(p));
	case IR_FIXED:		p->fixed[i] = val & p->fixed_value_mask; return 0;
	case IR_FIXED_CTRL:
		return intel_write_checked(&p->fixed_ctrl, val, intel_fixed_ctrl_valid(p));
	case IR_CTRL:
		return intel_write_checked(&p->global_ctrl, val, p->global_valid);
	case IR_OVF_CTRL:
	case IR_STATUS_SET:	return intel_write_status(p, r, val);
	case IR_PERF_METRICS:	p->perf_metrics = val; return 0;
	case IR_DEBUGCTL:	return lbr_debugctl_wrmsr(p, val);
	case IR_LBR:		return lbr_wrmsr(p, msr, val);
	case IR_STATUS:		/* read-only (SDM 20.2.2) */
	case IR_INUSE:		/* read-only (SDM 20.2.4.3) */
	case IR_PERF_CAP:	/* read-only */
	case IR_NONE:
	default:
		return SOFTPMU_GP;
	}
}

/*
 * SDM vol. 2 RDPMC: ECX[30] selects the fixed counters, the index is in the
 * low bits; anything else (including ECX[31], the "fast read" of old CPUs,
 * which KVM always rejects) is out of range and #GPs.
 */
int intel_rdpmc(struct softpmu *p, uint32_t ecx, uint64_t *val)
{
	uint32_t idx = ecx & ~(1u << 30);

	if (p->shape.version == 0)
		return SOFTPMU_GP;
	if (ecx & (1u << 30)) {
		if (idx >= PMU_MAX_FIXED || !(p->fixed_present & (1u << idx)))
			return SOFTPMU_GP;
		*val = p->fixed[idx];
		return 0;
	}
	if (idx >= p->nr_gp)
		return SOFTPMU_GP;
	*val = p->ctr[idx];
	return 0;
}

static bool intel_event_lookup(const struct softpmu *p, uint64_t sel, enum pmu_arch_event *ev)
{
	for (size_t i = 0; i < sizeof(intel_events) / sizeof(intel_events[0]); i++) {
		if ((sel & EVTSEL_EVENT) != intel_events[i].event ||
		    ((sel & EVTSEL_UMASK) >> 8) != intel_events[i].umask)
			continue;
		*ev = intel_events[i].ev;
		/* CPUID.0AH: EBX bit set = unavailable; bits past EAX[31:24] too */
		return *ev < p->shape.events_len &&
		       !(p->shape.events_unavailable & (1u << *ev));
	}
	return false;
}

static bool intel_counters_run(const struct softpmu *p)
{
	/* SDM 20.4.7: CTR_FRZ stops all counters until software clears it */
	return !(p->global_status & GLOBAL_STATUS_CTR_FRZ);
}

/*
 * Could GP counter i count, whatever the CPL? EDGE and CMASK need per-cycle
 * event counts the model does not have: such a counter does not count.
 */
static bool intel_gp_live(const struct softpmu *p, unsigned int i, enum pmu_arch_event *ev)
{
	uint64_t sel = p->evtsel[i];

	if (!(sel & EVTSEL_EN) || !(sel & (EVTSEL_USR | EVTSEL_OS)))
		return false;
	if (p->shape.version >= 2 && !(p->global_ctrl & BIT64(i)))
		return false;
	if (!intel_counters_run(p) || (sel & (EVTSEL_EDGE | EVTSEL_CMASK)))
		return false;
	return intel_event_lookup(p, sel, ev) && softpmu_filter_allows_gp(p, sel);
}

static bool intel_fixed_live(const struct softpmu *p, unsigned int i)
{
	if (!(p->fixed_present & (1u << i)))
		return false;
	if (!(intel_fixed_field(p, i) & (FIXED_CTRL_OS | FIXED_CTRL_USR)))
		return false;
	if (!(p->global_ctrl & BIT64(32 + i)) || !intel_counters_run(p))
		return false;
	/* topdown slots (fixed 3) has no model: it does not count */
	return intel_fixed_events[i] != PMU_EV_TOPDOWN_SLOTS &&
	       softpmu_filter_allows_fixed(p, i);
}

bool intel_counting(const struct softpmu *p)
{
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++)
		if (intel_gp_live(p, i, &ev))
			return true;
	for (unsigned int i = 0; i < PMU_MAX_FIXED; i++)
		if (intel_fixed_live(p, i))
			return true;
	return lbr_active(p);
}

/*
 * The live set: the counters intel_gp_live() and intel_fixed_live() say
 * count, with what intel_retire_gp() and intel_retire_fixed() read of them
 * at every instruction (CPL filter, event, status bit, PMI), and
 * lbr_active().
 */
void intel_live_set(const struct softpmu *p, struct softpmu_live *l)
{
	unsigned int status = p->shape.version >= 2;	/* intel_overflow() */
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		uint64_t sel = p->evtsel[i];

		if (intel_gp_live(p, i, &ev))
			softpmu_live_add(l, false, i, ev, sel & EVTSEL_USR, sel & EVTSEL_OS,
					 status ? i : SOFTPMU_NO_STATUS, sel & EVTSEL_INT, p->gp_value_mask);
	}
	for (unsigned int i = 0; i < PMU_MAX_FIXED; i++) {
		unsigned int f = intel_fixed_field(p, i);

		if (intel_fixed_live(p, i))
			softpmu_live_add(l, true, i, intel_fixed_events[i], f & FIXED_CTRL_USR,
					 f & FIXED_CTRL_OS, status ? 32 + i : SOFTPMU_NO_STATUS,
					 f & FIXED_CTRL_PMI, p->fixed_value_mask);
	}
	l->lbr = lbr_active(p);
}

/*
 * SDM 20.4.7 freeze on PMI. Legacy (v2/v3): FREEZE_LBRS_ON_PMI clears
 * DEBUGCTL.LBR, FREEZE_PERFMON_ON_PMI clears GLOBAL_CTRL. Streamlined (v4+):
 * LBR_FRZ / CTR_FRZ are set in GLOBAL_STATUS instead and hold the freeze
 * until software clears them through GLOBAL_STATUS_RESET. Either way what
 * counts may change: the live set follows.
 */
void intel_raise_pmi(struct softpmu *p)
{
	bool frz_lbr = p->debugctl & DEBUGCTL_FREEZE_LBRS_ON_PMI;
	bool frz_ctr = p->debugctl & DEBUGCTL_FREEZE_PERFMON_ON_PMI;

	p->pmi_pending = true;
	if (p->shape.version >= 4) {
		if (frz_lbr)
			p->global_status |= GLOBAL_STATUS_LBR_FRZ;
		if (frz_ctr)
			p->global_status |= GLOBAL_STATUS_CTR_FRZ;
	} else if (p->shape.version >= 2) {
		if (frz_lbr)
			p->debugctl &= ~DEBUGCTL_LBR;
		if (frz_ctr)
			p->global_ctrl = 0;
	}
	softpmu_live_update(p);
}

/* Overflow of global counter bit (GP i = i, fixed i = 32 + i): SDM 20.2.2. */
static void intel_overflow(struct softpmu *p, unsigned int bit)
{
	if (p->shape.version >= 2)
		p->global_status |= BIT64(bit);
}

/* GP counter i counts the instruction in (its event, at in's CPL). */
static bool intel_gp_counts(const struct softpmu *p, unsigned int i, const struct softpmu_insn *in,
			    enum pmu_arch_event *ev)
{
	uint64_t sel = p->evtsel[i];

	return intel_gp_live(p, i, ev) && softpmu_cpl_match(sel & EVTSEL_USR, sel & EVTSEL_OS, in->cpl);
}

/* Fixed counter i counts the instruction in (at in's CPL). */
static bool intel_fixed_counts(const struct softpmu *p, unsigned int i, const struct softpmu_insn *in)
{
	unsigned int f = intel_fixed_field(p, i);

	return intel_fixed_live(p, i) && softpmu_cpl_match(f & FIXED_CTRL_USR, f & FIXED_CTRL_OS, in->cpl);
}

static bool intel_retire_gp(struct softpmu *p, const struct softpmu_insn *in)
{
	bool pmi = false;
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		if (!intel_gp_counts(p, i, in, &ev))
			continue;
		if (softpmu_counter_add(&p->ctr[i], p->gp_value_mask, softpmu_event_delta(ev, in))) {
			intel_overflow(p, i);
			pmi |= p->evtsel[i] & EVTSEL_INT;
		}
	}
	return pmi;
}

static bool intel_retire_fixed(struct softpmu *p, const struct softpmu_insn *in)
{
	bool pmi = false;

	for (unsigned int i = 0; i < PMU_MAX_FIXED; i++) {
		if (!intel_fixed_counts(p, i, in))
			continue;
		if (softpmu_counter_add(&p->fixed[i], p->fixed_value_mask,
					softpmu_event_delta(intel_fixed_events[i], in))) {
			intel_overflow(p, 32 + i);
			pmi |= intel_fixed_field(p, i) & FIXED_CTRL_PMI;
		}
	}
	return pmi;
}

/* Retirements of in until the first counter that counts it overflows (softpmu_retire_repeat). */
uint64_t intel_headroom(const struct softpmu *p, const struct softpmu_insn *in)
{
	uint64_t room = UINT64_MAX, r;
	enum pmu_arch_event ev;

	for (unsigned int i = 0; i < p->nr_gp; i++) {
		if (!intel_gp_counts(p, i, in, &ev))
			continue;
		r = softpmu_steps_to_overflow(p->ctr[i], p->gp_value_mask, softpmu_event_delta_once(ev, in));
		room = r < room ? r : room;
	}
	for (unsigned int i = 0; i < PMU_MAX_FIXED; i++) {
		if (!intel_fixed_counts(p, i, in))
			continue;
		r = softpmu_steps_to_overflow(p->fixed[i], p->fixed_value_mask,
					      softpmu_event_delta_once(intel_fixed_events[i], in));
		room = r < room ? r : room;
	}
	return room;
}

/*
 * The instruction is recorded in the LBR and counted by every counter first;
 * a PMI it causes (and the freeze that comes with it) takes effect after it.
 */
void intel_retire(struct softpmu *p, const struct softpmu_insn *in)
{
	bool pmi;

	lbr_record(p, in);
	pmi = intel_retire_gp(p, in);
	pmi |= intel_retire_fixed(p, in);
	if (pmi)
		intel_raise_pmi(p);
}
