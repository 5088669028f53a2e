/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software PMU model: one struct softpmu per vCPU implements the guest
 * PMU described by a struct pmu_shape (Intel architectural perfmon v1..v5
 * with fixed counters, global controls, freeze-on-PMI and the legacy LBR
 * stack; AMD K7/F15H core counters and PerfMonV2). Pure code: the engine
 * that runs the guest forwards PMU MSR accesses and RDPMC here and reports
 * each retired guest instruction; the model says when to inject a PMI.
 *
 * Counted events: instructions retired, branch instructions retired (both
 * exact, from what the engine reports), unhalted core cycles and unhalted
 * reference cycles (the deterministic cycle model below). Any other event
 * is accepted in the selector but does not count.
 */
#ifndef VMM_PMU_SOFT_SOFTPMU_H
#define VMM_PMU_SOFT_SOFTPMU_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/pmu_shape.h"
#include "pmu/soft/decode.h"

/*
 * Cycle model: every retired instruction takes SOFTPMU_CYCLES_PER_INSN core
 * cycles of a core at its nominal frequency, the TSC frequency, and the
 * reference clock is the TSC clock (SDM vol. 3B 20.2.2, table 20-2: fixed
 * counter 2 counts at the TSC rate), so reference cycles == core cycles.
 * The engine passes this in softpmu_insn.cycles and keeps the guest's TSC
 * at least as far on (docs/soft-pmu.md, "Cycle model").
 */
#define SOFTPMU_CYCLES_PER_INSN 1u

/* Return value of the MSR/RDPMC accessors that means "inject #GP(0)". */
#define SOFTPMU_GP (-EFAULT)

/* Event filter, same meaning as KVM_SET_PMU_EVENT_FILTER (non-masked). */
#define SOFTPMU_FILTER_MAX_EVENTS 300

enum softpmu_filter_action {
	SOFTPMU_FILTER_ALLOW = 0,	/* only the listed events count */
	SOFTPMU_FILTER_DENY = 1,	/* the listed events do not count */
};

struct softpmu_filter {
	enum softpmu_filter_action action;
	/* fixed counter i: ALLOW counts only if bit i is set, DENY blocks it if set */
	uint32_t fixed_counter_bitmap;
	uint32_t nevents;
	uint64_t events[SOFTPMU_FILTER_MAX_EVENTS];	/* softpmu_filter_event() */
};

/* KVM's plain filter entry: event[7:0] | umask << 8 | event[11:8] << 32. */
static inline uint64_t softpmu_filter_event(uint32_t event, uint8_t umask)
{
	return (event & 0xffull) | ((uint64_t)umask << 8) | (((uint64_t)event & 0xf00) << 24);
}

/* One retired guest instruction, as the engine saw it. */
struct softpmu_insn {
	unsigned int cpl;		/* CPL the instruction executed at */
	bool is_branch;			/* counts as a branch instruction retired */
	bool taken;			/* control went to 'to' (LBR records it) */
	enum x86_branch_kind kind;	/* for LBR_SELECT filtering; NONE: unknown */
	uint64_t from, to;		/* branch source and destination (LBR) */
	unsigned int cycles;		/* core cycles: SOFTPMU_CYCLES_PER_INSN */
	uint64_t times;			/* softpmu_retire_repeat(): retirements in a row (0: once) */
};

#define SOFTPMU_MAX_GP 8	/* max(PMU_MAX_GP, PMU_MAX_AMD_CORE) */
#define SOFTPMU_MAX_MSRS 160

/* softpmu_live_ctr.rings: the CPLs a counter counts at (USR: CPL > 0, OS: CPL 0). */
#define SOFTPMU_RING_0		0x1
#define SOFTPMU_RING_NOT_0	0x2
/* softpmu_live_ctr.status_bit when an overflow sets no status bit (Intel v1, AMD without PerfMonV2) */
#define SOFTPMU_NO_STATUS	0xff

/* One counter that counts, as the per-instruction path needs it (live.c). */
struct softpmu_live_ctr {
	uint64_t mask;			/* counter width */
	uint8_t fixed;			/* 0: ctr[idx], 1: fixed[idx] */
	uint8_t idx;
	uint8_t ev;			/* enum pmu_arch_event: the delta rule, softpmu_event_delta() */
	uint8_t rings;			/* SOFTPMU_RING_* it counts at */
	uint8_t status_bit;		/* GLOBAL_STATUS bit an overflow sets, or SOFTPMU_NO_STATUS */
	bool pmi;			/* an overflow raises a PMI (INT, fixed PMI bit) */
};

/*
 * The live set: what counts, derived from the registers by the per-counter
 * rules of intel.c and amd.c and recomputed whenever one of their inputs
 * changes (reset, every MSR write, a PMI and its freeze). Plain data
 * without pointers, so that a copy of a struct softpmu is a whole model.
 */
struct softpmu_live {
	bool counting;			/* softpmu_counting(): a counter is live or LBR records */
	bool lbr;			/* lbr_active() */
	uint8_t n;			/* entries of c, GP counters first, in index order */
	struct softpmu_live_ctr c[SOFTPMU_MAX_GP + PMU_MAX_FIXED];
};

struct softpmu {
	struct pmu_shape shape;
	bool has_filter;
	struct softpmu_filter filter;

	/* derived from the shape at init */
	unsigned int nr_gp;		/* Intel nr_gp or AMD amd_nr_counters */
	uint64_t gp_value_mask;		/* counter width */
	uint64_t fixed_value_mask;
	uint32_t fixed_present;		/* bit i: FIXED_CTRi exists */
	uint64_t global_valid;		/* counter bits of GLOBAL_CTRL/STATUS */
	size_t nr_msrs;
	uint32_t msrs[SOFTPMU_MAX_MSRS];

	/* architectural state */
	uint64_t evtsel[SOFTPMU_MAX_GP];
	uint64_t ctr[SOFTPMU_MAX_GP];
	uint64_t fixed_ctrl;
	uint64_t fixed[PMU_MAX_FIXED];
	uint64_t global_ctrl;
	uint64_t global_status;
	uint64_t perf_metrics;
	uint64_t debugctl;
	uint64_t lbr_select;
	uint64_t lbr_tos;
	uint64_t lbr_from[PMU_MAX_LBR];
	uint64_t lbr_to[PMU_MAX_LBR];
	uint64_t lbr_info[PMU_MAX_LBR];
	bool pmi_pending;

	struct softpmu_live live;	/* derived: what counts (softpmu_live_update()) */
};

/*
 * Check the shape (and the optional filter, NULL = everything allowed),
 * derive the MSR list and reset. -EINVAL with a message for shapes the model
 * cannot implement (more counters than it has, fixed counters on version 1,
 * a non-contiguous fixed set before version 5, ...).
 */
int softpmu_init(struct softpmu *p, const struct pmu_shape *s,
		 const struct softpmu_filter *f, struct vmm_err *err);

/* Every register to its architectural RESET value; no PMI pending. */
void softpmu_reset(struct softpmu *p);

/*
 * The MSRs the model answers for this shape: all PMU MSRs of the vendor up
 * to the model's limits, including those beyond the enumeration (they #GP),
 * DEBUGCTL and the LBR MSRs on Intel. The engine routes exactly these to
 * softpmu_rdmsr/softpmu_wrmsr (KVM MSR filter).
 */
const uint32_t *softpmu_msr_list(const struct softpmu *p, size_t *n);
bool softpmu_handles(const struct softpmu *p, uint32_t msr);

/*
 * Guest RDMSR/WRMSR. 0 on success, SOFTPMU_GP when the guest must get #GP,
 * -ENOENT for an MSR softpmu_handles() rejects. For an instruction that
 * writes a PMU MSR, call softpmu_retire() for it *before* softpmu_wrmsr():
 * on hardware the WRMSR that enables a counter is not counted by it and the
 * one that disables it is.
 */
int softpmu_rdmsr(struct softpmu *p, uint32_t msr, uint64_t *val);
int softpmu_wrmsr(struct softpmu *p, uint32_t msr, uint64_t val);

/*
 * Guest RDPMC with this ECX. 0 or SOFTPMU_GP. The CR4.PCE / CPL check is the
 * engine's (it knows the vCPU's registers): SDM vol. 2 RDPMC.
 */
int softpmu_rdpmc(struct softpmu *p, uint32_t ecx, uint64_t *val);

/* Could retiring an instruction change a counter or the LBR stack? O(1): the live set says. */
static inline bool softpmu_counting(const struct softpmu *p)
{
	return p->live.counting;
}

/* Account one retired guest instruction: only the live counters are visited. */
void softpmu_retire(struct softpmu *p, const struct softpmu_insn *insn);

/*
 * The engines' per-instruction call: softpmu_insn_from_class() and
 * softpmu_retire() for the instruction c at rip that retired at cpl, with
 * execution going on at next, skipped entirely while nothing counts
 * (retiring changes nothing then). Returns softpmu_pmi_pending().
 */
bool softpmu_retire_class(struct softpmu *p, const struct x86_insn_class *c, unsigned int cpl,
			  uint64_t rip, uint64_t next);

/*
 * Account the same instruction retiring up to n times in a row (a LOOP to
 * itself that the engine executes at once), exactly as n softpmu_retire()
 * calls would, in time proportional to the number of counter overflows
 * rather than to n. Stops after the retirement that makes a PMI pending (it
 * is due at that boundary), and retires nothing while one is pending.
 * Returns how many retired.
 */
uint64_t softpmu_retire_repeat(struct softpmu *p, const struct softpmu_insn *insn, uint64_t n);

/*
 * Fill a softpmu_insn from the classifier's view of the instruction at rip
 * and where execution went next. A conditional branch is taken when next_rip
 * is not the fall-through address (so a Jcc to the next instruction looks
 * not taken); every other branch is taken.
 */
void softpmu_insn_from_class(struct softpmu_insn *in, const struct x86_insn_class *c,
			     unsigned int cpl, uint64_t rip, uint64_t next_rip);

/*
 * PMI: pending once a counter with INT (Intel PERFEVTSEL.INT, fixed PMI bit,
 * AMD INT) overflows, at that very instruction. The engine delivers it
 * through the local APIC's LVTPC (and sets the LVTPC mask bit), then acks.
 */
static inline bool softpmu_pmi_pending(const struct softpmu *p)
{
	return p->pmi_pending;
}

void softpmu_pmi_ack(struct softpmu *p);

/*
 * The reference path: softpmu_counting(), softpmu_retire() and
 * softpmu_retire_repeat() as the per-counter rules define them, every
 * counter's liveness recomputed from the registers at every call, the
 * live set unused. The unit tests and bench/ hold the live set to it; the
 * engines use the functions above.
 */
bool softpmu_counting_ref(const struct softpmu *p);
void softpmu_retire_ref(struct softpmu *p, const struct softpmu_insn *insn);
uint64_t softpmu_retire_repeat_ref(struct softpmu *p, const struct softpmu_insn *insn, uint64_t n);

#endif
