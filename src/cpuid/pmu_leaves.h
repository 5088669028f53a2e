/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing a guest PMU shape into a CPUID table, and reading it back.
 * Pure data code: no file descriptors.
 */
#ifndef VMM_CPUID_PMU_LEAVES_H
#define VMM_CPUID_PMU_LEAVES_H

#include "common/err.h"
#include "cpuid/table.h"
#include "common/pmu_shape.h"

/* CPUID bits the PMU shaping touches (SDM vol. 2A, CPUID; APM vol. 3, appendix E). */
#define CPUID_1_ECX_PDCM		15	/* CPUID.01H:ECX[15] */
#define CPUID_80000001_ECX_PERFCTR_CORE	23	/* CPUID.80000001H:ECX[23] */
#define CPUID_80000022_EAX_PERFMON_V2	0	/* CPUID.80000022H:EAX[0] */
#define CPUID_A_EDX_ANYTHREAD_DEPRECATED 15	/* CPUID.0AH:EDX[15] */
#define CPUID_7_EDX_SPEC_CTRL		26	/* CPUID.(EAX=7,ECX=0):EDX[26] IBRS and IBPB */
#define CPUID_80000008_EBX_IBPB		12	/* CPUID.80000008H:EBX[12] IBPB */

/*
 * Make the PMU leaves of t describe exactly s: leaf 0AH, 01H.ECX[15] PDCM,
 * 80000001H.ECX[23] PERFCTR_CORE, leaf 80000022H, and the vendor string
 * (leaf 0) when s->vendor differs from the table's vendor. A shape with
 * mode PMU_MODE_OFF clears all of them. Dependency rules are enforced:
 * PerfMonV2 without PERFCTR_CORE is an error. Every field write is checked;
 * on error the table may be partly updated and must not be used.
 */
int cpuid_apply_pmu(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err);

/*
 * What a guest with table t sees: the CPUID-visible fields of the shape
 * (vendor, leaf 0AH fields, pdcm, perfctr_core, perfmon_v2, AMD counter count
 * and width). Fields CPUID cannot show (mode, perf_capabilities, LBR depth
 * and format) are set to zero / PMU_MODE_OFF; the caller fills them if known.
 */
void cpuid_read_pmu(const struct cpuid_table *t, struct pmu_shape *s);

/* The same, reading t as a guest of vendor v sees it (leaf 0 ignored). */
void cpuid_read_pmu_as(const struct cpuid_table *t, enum pmu_vendor v, struct pmu_shape *s);

/* The vendor named by leaf 0 of t; true if t has a recognised vendor. */
bool cpuid_table_vendor(const struct cpuid_table *t, enum pmu_vendor *v);

#endif
