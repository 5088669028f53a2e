/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's PMU as CPUID describes it, normalised once (pmu_init) so that
 * tests never hard-code host facts, and accessors that hide the vendors'
 * MSR layouts (Intel: SDM vol. 3 ch. 20; AMD: APM vol. 2 13.2, where core
 * counters interleave CTL/CTR with stride 2).
 */
#ifndef GUEST_PMU_H
#define GUEST_PMU_H

#include <stdbool.h>
#include <stdint.h>

#include "common/x86.h"

/* AMD MSRs (APM vol. 2 13.2.1, 13.2.2). */

/* Event selector bits (Intel PERFEVTSELx; AMD PERF_CTLx uses the same low bits). */
#define EVTSEL_USR		(1ULL << 16)
#define EVTSEL_OS		(1ULL << 17)
#define EVTSEL_EDGE		(1ULL << 18)
#define EVTSEL_INT		(1ULL << 20)
#define EVTSEL_ANY		(1ULL << 21)
#define EVTSEL_EN		(1ULL << 22)
#define EVTSEL_INV		(1ULL << 23)

/* FIXED_CTR_CTRL: 4 bits per counter. */
#define FIXED_CTRL_OS		0x1ULL
#define FIXED_CTRL_USR		0x2ULL
#define FIXED_CTRL_PMI		0x8ULL
#define FIXED_CTRL(i, bits)	((uint64_t)(bits) << (4 * (i)))

/* GLOBAL_STATUS bits beyond the counters' (SDM 20.2.4). */
#define GLOBAL_STATUS_FIXED(i)	(1ULL << (32 + (i)))
#define GLOBAL_STATUS_LBR_FRZ	(1ULL << 58)
#define GLOBAL_STATUS_CTR_FRZ	(1ULL << 59)

/* DEBUGCTL bits (SDM 18.4.1). */
#define DEBUGCTL_LBR			(1ULL << 0)
#define DEBUGCTL_FREEZE_LBRS_ON_PMI	(1ULL << 11)
#define DEBUGCTL_FREEZE_PERFMON_ON_PMI	(1ULL << 12)

#define PERF_CAP_LBR_FMT	0x3fULL
#define PERF_CAP_FW_WRITES	(1ULL << 13)

/* Events the tests count; each vendor's encoding is pmu_event_select()'s business. */
enum pmu_event {
	PMU_EVENT_CYCLES,		/* Intel 3CH/00H, AMD 76H */
	PMU_EVENT_INSTRUCTIONS,		/* Intel C0H/00H, AMD C0H */
	PMU_EVENT_REF_CYCLES,		/* Intel 3CH/01H, no AMD equivalent */
	PMU_EVENT_BRANCHES,		/* Intel C4H/00H, AMD C2H */
	PMU_NR_EVENTS,
};

struct pmu_caps {
	bool intel, amd;		/* CPUID vendor string */

	/* Intel, CPUID.0AH */
	unsigned int version;
	unsigned int nr_gp, gp_width;
	uint32_t events_unavailable;	/* EBX, only the first events_len bits are meaningful */
	unsigned int events_len;
	unsigned int nr_fixed;		/* EDX[4:0] */
	uint32_t fixed_mask;		/* fixed counters present: ECX bitmap (v5) or EDX[4:0] */
	unsigned int fixed_width;
	bool anythread_deprecated;	/* EDX[15] */
	bool pdcm;			/* CPUID.01H:ECX[15] */
	uint64_t perf_capabilities;	/* rdmsr(0x345) when pdcm, else 0 */

	/* AMD */
	bool perfctr_core;		/* CPUID.80000001H:ECX[23] */
	bool perfmon_v2;		/* CPUID.80000022H:EAX[0] */
	unsigned int amd_nr_counters;	/* 80000022H:EBX[3:0] with PerfMonV2, else 6 or 4;
					 * 0 when the boot info says the VMM gave no PMU */

	/* Normalised: what every test uses. */
	unsigned int nr_counters;	/* GP (Intel) or core (AMD) counters */
	unsigned int counter_width;
	bool has_global;		/* GLOBAL_CTRL/STATUS: Intel v2+, AMD PerfMonV2 */
};

/* Read CPUID (and PERF_CAPABILITIES) once. */
void pmu_init(struct pmu_caps *c);

/* A PMU at all: Intel version >= 1 or any AMD counters. */
bool pmu_present(const struct pmu_caps *c);

/* MSR of GP/core counter i and of its event selector. */
uint32_t pmu_counter_msr(const struct pmu_caps *c, unsigned int i);
uint32_t pmu_evtsel_msr(const struct pmu_caps *c, unsigned int i);

/* Global MSRs of the vendor (0 when the PMU has none). */
uint32_t pmu_global_ctrl_msr(const struct pmu_caps *c);
uint32_t pmu_global_status_msr(const struct pmu_caps *c);
uint32_t pmu_global_clear_msr(const struct pmu_caps *c);	/* OVF_CTRL / STATUS_CLR */
uint32_t pmu_global_set_msr(const struct pmu_caps *c);	/* STATUS_SET (Intel v4+, AMD PerfMonV2) */

/* Whether the event can be counted on a GP counter with this PMU (CPUID.0AH.EBX on Intel). */
bool pmu_event_available(const struct pmu_caps *c, enum pmu_event e);

/* Selector value for event e: EN plus the given USR/OS/INT bits. */
uint64_t pmu_event_select(const struct pmu_caps *c, enum pmu_event e, uint64_t flags);

/* Intel fixed counter that counts e, or -1 (0: instructions, 1: cycles, 2: ref cycles). */
int pmu_fixed_for_event(enum pmu_event e);
bool pmu_fixed_present(const struct pmu_caps *c, unsigned int i);

/* Mask of a fixed counter's value bits. */
uint64_t pmu_fixed_counter_mask(const struct pmu_caps *c);

/* GLOBAL_CTRL bits of every counter present: GP/core 0..n-1, Intel fixed i at 32+i. */
uint64_t pmu_global_enable_mask(const struct pmu_caps *c);

/* Full-width counter writes (A_PMCx): PDCM and PERF_CAPABILITIES.FW_WRITES. */
bool pmu_fw_writes(const struct pmu_caps *c);

/* All counters off and cleared, overflow status cleared: a clean start for each test. */
void pmu_reset_all(const struct pmu_caps *c);

/*
 * With no PMU (--pmu=off) the legacy counter MSRs, P6 PERFCTR0-1/EVNTSEL0-1
 * (0xc1-0xc2, 0x186-0x187) and K7 EVNTSEL0-3/PERFCTR0-3 (0xc0010000-7),
 * answer as under KVM with its vPMU off: reads give 0, writes are dropped.
 * AMD64 CPUs always have the K7 counters (no CPUID bit enumerates them).
 * Reports one test point: msr reads 0, takes a write and still reads 0.
 */
bool pmu_legacy_msr(uint32_t msr);
void pmu_report_inert(uint32_t msr, const char *name);

/*
 * A counted block: WRMSR(msr, on), a loop of PMU_LOOPS iterations and a JMP,
 * WRMSR(msr, off), in one asm statement. Everything after the first WRMSR is
 * counted, the last WRMSR included (SDM 20.2.1; docs/soft-pmu.md):
 * mov, PMU_LOOPS x (dec, jnz), jmp, mov, mov, wrmsr.
 */
#define PMU_LOOPS		10
#define PMU_LOOP_INSNS		(2 * PMU_LOOPS + 5)
#define PMU_LOOP_BRANCHES	(PMU_LOOPS + 1)
void pmu_counted_loop(uint32_t msr, uint64_t on, uint64_t off);

/* Mask of a counter's value bits. */
static inline uint64_t pmu_counter_mask(const struct pmu_caps *c)
{
	return c->counter_width >= 64 ? ~0ULL : (1ULL << c->counter_width) - 1;
}

#endif
