/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest PMU shape: exactly what PMU the guest is given, in architectural
 * terms. The planner produces it, CPUID shaping writes it into the guest's
 * CPUID table, the software PMU model implements it, and the reset code
 * derives the MSR list from it. Plain data, no file descriptors.
 */
#ifndef VMM_COMMON_PMU_SHAPE_H
#define VMM_COMMON_PMU_SHAPE_H

#include <stdbool.h>
#include <stdint.h>

enum pmu_vendor {
	PMU_VENDOR_INTEL,
	PMU_VENDOR_AMD,
};

enum pmu_mode {
	PMU_MODE_OFF,		/* no PMU: CPUID says so and KVM's vPMU is disabled */
	PMU_MODE_EMULATED,	/* KVM's perf-event based vPMU */
	PMU_MODE_MEDIATED,	/* KVM's mediated vPMU (Linux 7.0+) */
	PMU_MODE_SOFT,		/* the VMM's own software PMU model */
	PMU_MODE_AUTO,		/* request only: mediated, else emulated, else soft, else off */
};

/* Architectural events, in CPUID.0AH.EBX bit order (SDM 20.2.1.2, table 20-1). */
enum pmu_arch_event {
	PMU_EV_CORE_CYCLES,
	PMU_EV_INSTRUCTIONS,
	PMU_EV_REF_CYCLES,
	PMU_EV_LLC_REFERENCES,
	PMU_EV_LLC_MISSES,
	PMU_EV_BRANCHES,
	PMU_EV_BRANCH_MISSES,
	PMU_EV_TOPDOWN_SLOTS,
	PMU_EV_TOPDOWN_BE_BOUND,
	PMU_EV_TOPDOWN_BAD_SPEC,
	PMU_EV_TOPDOWN_FE_BOUND,
	PMU_EV_TOPDOWN_RETIRING,
	PMU_EV_LBR_INSERTS,
	PMU_NR_ARCH_EVENTS,
};

#define PMU_MAX_GP	8	/* Intel GP counters the VMM supports */
#define PMU_MAX_FIXED	4	/* Intel fixed counters 0..3 */
#define PMU_MAX_AMD_CORE 6	/* AMD F15H core counters */
#define PMU_MAX_LBR	32

struct pmu_shape {
	enum pmu_mode mode;		/* never PMU_MODE_AUTO in a plan */
	enum pmu_vendor vendor;

	/* Intel architectural perfmon (SDM 20.2), CPUID.0AH. version 0: none. */
	unsigned int version;		/* EAX[7:0] */
	unsigned int nr_gp;		/* EAX[15:8] */
	unsigned int gp_width;		/* EAX[23:16], bits */
	unsigned int events_len;	/* EAX[31:24], length of the EBX vector */
	uint32_t events_unavailable;	/* EBX: bit set = event NOT available */
	uint32_t fixed_mask;		/* fixed counters present (bit i = FIXED_CTRi);
					   v5 enumerates it in ECX, older versions
					   must have it contiguous from 0 */
	unsigned int nr_fixed;		/* EDX[4:0] */
	unsigned int fixed_width;	/* EDX[12:5], bits */
	bool anythread_deprecated;	/* EDX[15]: PERFEVTSEL.ANY and the fixed counters'
					   AnyThread bits are reserved (SDM 20.2.3; KVM sets
					   it whenever it reports a PMU) */

	/* CPUID.01H:ECX[15] PDCM: IA32_PERF_CAPABILITIES exists. */
	bool pdcm;
	uint64_t perf_capabilities;	/* value of MSR 0x345 when pdcm */

	/* LBR (legacy, Nehalem+ MSR layout); depth 0 = no LBR. */
	unsigned int lbr_depth;
	unsigned int lbr_format;	/* PERF_CAPABILITIES[5:0] */

	/* AMD (APM vol. 2, 13.2) */
	unsigned int amd_nr_counters;	/* 4 legacy K7, or up to 6 with PERFCTR_CORE */
	bool perfctr_core;		/* CPUID.80000001H:ECX[23] */
	bool perfmon_v2;		/* CPUID.80000022H:EAX[0] */
	unsigned int amd_counter_width;	/* 48 on all AMD processors so far */
};

#endif
