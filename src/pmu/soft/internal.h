/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the parts of the software PMU model; not for the engine. */
#ifndef VMM_PMU_SOFT_INTERNAL_H
#define VMM_PMU_SOFT_INTERNAL_H

#include "pmu/soft/softpmu.h"
#include "common/x86.h"

#define BIT64(n)	(1ull << (n))
#define MASK64(n)	((n) >= 64 ? ~0ull : BIT64(n) - 1)

/* IA32_PERFEVTSELx (SDM 20.2.1.1, figure 20-1; 20.2.3 for ANY) */
#define EVTSEL_EVENT		0xffull
#define EVTSEL_UMASK		0xff00ull
#define EVTSEL_USR		BIT64(16)
#define EVTSEL_OS		BIT64(17)
#define EVTSEL_EDGE		BIT64(18)
#define EVTSEL_PC		BIT64(19)
#define EVTSEL_INT		BIT64(20)
#define EVTSEL_ANY		BIT64(21)
#define EVTSEL_EN		BIT64(22)
#define EVTSEL_INV		BIT64(23)
#define EVTSEL_CMASK		0xff000000ull

/* IA32_FIXED_CTR_CTRL, 4 bits per counter (SDM 20.2.2, figure 20-2) */
#define FIXED_CTRL_OS		0x1
#define FIXED_CTRL_USR		0x2
#define FIXED_CTRL_ANY		0x4
#define FIXED_CTRL_PMI		0x8

/* IA32_PERF_GLOBAL_STATUS (SDM 20.2.4.1) */
#define GLOBAL_STATUS_LBR_FRZ	BIT64(58)
#define GLOBAL_STATUS_CTR_FRZ	BIT64(59)
#define GLOBAL_STATUS_OVF_BUF	BIT64(62)
#define GLOBAL_STATUS_COND_CHGD	BIT64(63)
#define GLOBAL_INUSE_PMI	BIT64(63)

#define PERF_CAP_FW_WRITES	BIT64(13)
#define PERF_CAP_PERF_METRICS	BIT64(15)

/* IA32_DEBUGCTL (SDM 18.4.1) */
#define DEBUGCTL_LBR			BIT64(0)
#define DEBUGCTL_BTF			BIT64(1)
#define DEBUGCTL_FREEZE_LBRS_ON_PMI	BIT64(11)
#define DEBUGCTL_FREEZE_PERFMON_ON_PMI	BIT64(12)

/* MSR_LBR_SELECT (SDM 18.9.2, table 18-11): a set bit suppresses capture */
#define LBR_SELECT_CPL_EQ_0	BIT64(0)
#define LBR_SELECT_CPL_NEQ_0	BIT64(1)
#define LBR_SELECT_JCC		BIT64(2)
#define LBR_SELECT_NEAR_REL_CALL BIT64(3)
#define LBR_SELECT_NEAR_IND_CALL BIT64(4)
#define LBR_SELECT_NEAR_RET	BIT64(5)
#define LBR_SELECT_NEAR_IND_JMP	BIT64(6)
#define LBR_SELECT_NEAR_REL_JMP	BIT64(7)
#define LBR_SELECT_FAR_BRANCH	BIT64(8)
#define LBR_SELECT_VALID	0x1ffull

/* AMD PERF_CTL: same low layout as Intel; EventSelect[11:8] at [35:32] */
#define AMD_EVTSEL_EVENT_HI	0xf00000000ull
/* Bits KVM drops on write (19, 21, 36-63, including Host/GuestOnly 40/41) */
#define AMD_EVTSEL_RESERVED	0xfffffff000280000ull

static inline bool softpmu_is_intel(const struct softpmu *p)
{
	return p->shape.vendor == PMU_VENDOR_INTEL;
}

/* How many times in a row in retires (softpmu_insn.times; 0 means once). */
static inline uint64_t softpmu_insn_times(const struct softpmu_insn *in)
{
	return in->times ? in->times : 1;
}

/*
 * What one retired instruction adds to an architectural event (cycle model
 * in softpmu.h). Inline, like softpmu_counter_add(): both run for every
 * counter that counts, at every instruction.
 */
static inline uint64_t softpmu_event_delta_once(enum pmu_arch_event ev, const struct softpmu_insn *in)
{
	switch (ev) {
	case PMU_EV_INSTRUCTIONS:
		return 1;
	case PMU_EV_BRANCHES:
		return in->is_branch;
	case PMU_EV_CORE_CYCLES:
	case PMU_EV_REF_CYCLES:
		return in->cycles;
	default:
		return 0;
	}
}

/* ... and in->times retirements of it (softpmu_retire_repeat keeps the product in range). */
static inline uint64_t softpmu_event_delta(enum pmu_arch_event ev, const struct softpmu_insn *in)
{
	return softpmu_event_delta_once(ev, in) * softpmu_insn_times(in);
}

/*
 * Retirements of an instruction adding delta each until a counter at ctr
 * (width mask) overflows, the overflowing one included; UINT64_MAX if
 * delta is 0.
 */
uint64_t softpmu_steps_to_overflow(uint64_t ctr, uint64_t mask, uint64_t delta);

/* Add delta to a counter of the given width; true on overflow (wrap). */
static inline bool softpmu_counter_add(uint64_t *ctr, uint64_t mask, uint64_t delta)
{
	uint64_t sum = *ctr + delta;
	bool ovf = mask == ~0ull ? sum < *ctr : sum > mask;

	*ctr = sum & mask;
	return ovf;
}

/* USR counts at CPL > 0, OS at CPL 0 (SDM 20.2.1.1; APM 13.2.1). */
static inline bool softpmu_cpl_match(bool usr, bool os, unsigned int cpl)
{
	return cpl == 0 ? os : usr;
}

bool softpmu_filter_allows_gp(const struct softpmu *p, uint64_t evtsel);
bool softpmu_filter_allows_fixed(const struct softpmu *p, unsigned int idx);

/* Intel (intel.c) */
int intel_validate(const struct pmu_shape *s, struct vmm_err *err);
void intel_derive(struct softpmu *p);
void intel_reset(struct softpmu *p);
int intel_rdmsr(struct softpmu *p, uint32_t msr, uint64_t *val);
int intel_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val);
int intel_rdpmc(struct softpmu *p, uint32_t ecx, uint64_t *val);
bool intel_counting(const struct softpmu *p);
void intel_retire(struct softpmu *p, const struct softpmu_insn *in);
uint64_t intel_headroom(const struct softpmu *p, const struct softpmu_insn *in);
void intel_live_set(const struct softpmu *p, struct softpmu_live *l);
void intel_raise_pmi(struct softpmu *p);

/* Intel LBR stack (lbr.c) */
bool lbr_msr(struct softpmu *p, uint32_t msr, uint64_t **reg);
int lbr_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val);
int lbr_debugctl_wrmsr(struct softpmu *p, uint64_t val);
bool lbr_active(const struct softpmu *p);
void lbr_record(struct softpmu *p, const struct softpmu_insn *in);

/* AMD (amd.c) */
int amd_validate(const struct pmu_shape *s, struct vmm_err *err);
void amd_derive(struct softpmu *p);
void amd_reset(struct softpmu *p);
int amd_rdmsr(struct softpmu *p, uint32_t msr, uint64_t *val);
int amd_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val);
int amd_rdpmc(struct softpmu *p, uint32_t ecx, uint64_t *val);
bool amd_counting(const struct softpmu *p);
void amd_retire(struct softpmu *p, const struct softpmu_insn *in);
uint64_t amd_headroom(const struct softpmu *p, const struct softpmu_insn *in);
void amd_live_set(const struct softpmu *p, struct softpmu_live *l);

/*
 * The live set (live.c, which also holds softpmu_retire()).
 * softpmu_live_update() after anything that changes an input of a
 * counter's liveness; softpmu_live_add() appends a counter that counts (the
 * vendors' *_live_set()); softpmu_live_headroom() is intel_headroom() /
 * amd_headroom() over the live counters.
 */
void softpmu_live_update(struct softpmu *p);
void softpmu_live_add(struct softpmu_live *l, bool fixed, unsigned int idx, enum pmu_arch_event ev,
		      bool usr, bool os, unsigned int status_bit, bool pmi, uint64_t mask);
uint64_t softpmu_live_headroom(const struct softpmu *p, const struct softpmu_insn *in);

/* MSR index ranges the model owns, per vendor (softpmu.c) */
struct softpmu_msr_range {
	uint32_t first;
	uint32_t count;
};

#endif
