/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 architectural constants: the MSR indexes and the CR0, CR4 and EFER
 * bits that the VMM, its tests and the guest library use. The one place
 * they are defined (tests/structure checks it); plain macros, no types and
 * no includes, so that the freestanding guests (guest-images/lib, 32- and
 * 64-bit) include it too.
 */
#ifndef VMM_COMMON_X86_H
#define VMM_COMMON_X86_H

/* Architectural and Intel MSRs (SDM vol. 4, table 2-2) */
#define MSR_IA32_TSC			0x10
#define MSR_IA32_APIC_BASE		0x1b
#define MSR_IA32_TSC_ADJUST		0x3b
#define MSR_IA32_PMC0			0x0c1	/* + i */
#define MSR_IA32_PERFEVTSEL0		0x186	/* + i */
#define MSR_LBR_SELECT			0x1c8
#define MSR_LBR_TOS			0x1c9
#define MSR_IA32_DEBUGCTL		0x1d9
#define MSR_IA32_FIXED_CTR0		0x309	/* + i */
#define MSR_PERF_METRICS		0x329
#define MSR_IA32_PERF_CAPABILITIES	0x345
#define MSR_IA32_FIXED_CTR_CTRL		0x38d
#define MSR_IA32_PERF_GLOBAL_STATUS	0x38e
#define MSR_IA32_PERF_GLOBAL_CTRL	0x38f
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL	0x390	/* GLOBAL_STATUS_RESET from v4 */
#define MSR_IA32_PERF_GLOBAL_STATUS_SET	0x391
#define MSR_IA32_PERF_GLOBAL_INUSE	0x392
#define MSR_IA32_A_PMC0			0x4c1	/* full-width writes of PMC i (PERF_CAPABILITIES bit 13) */
#define MSR_LBR_FROM0			0x680	/* + i */
#define MSR_LBR_TO0			0x6c0	/* + i */
#define MSR_LBR_INFO0			0xdc0	/* + i */
#define MSR_EFER			0xc0000080

/* AMD PMU MSRs (APM vol. 2, 13.2) */
#define MSR_K7_EVNTSEL0			0xc0010000	/* + i, i < 4 */
#define MSR_K7_PERFCTR0			0xc0010004	/* + i, i < 4 */
#define MSR_F15H_PERF_CTL0		0xc0010200	/* CTL i = +2i, CTR i = +2i+1 */
#define MSR_F15H_PERF_CTR0		0xc0010201
#define MSR_AMD_PERF_GLOBAL_STATUS	0xc0000300
#define MSR_AMD_PERF_GLOBAL_CTL		0xc0000301
#define MSR_AMD_PERF_GLOBAL_STATUS_CLR	0xc0000302
#define MSR_AMD_PERF_GLOBAL_STATUS_SET	0xc0000303

/* CR0 (SDM vol. 3, 2.5) */
#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_EM		(1ULL << 2)
#define CR0_TS		(1ULL << 3)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_AM		(1ULL << 18)
#define CR0_PG		(1ULL << 31)

/* CR4 (SDM vol. 3, 2.5) */
#define CR4_PVI		(1ULL << 1)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_TSD		(1ULL << 2)
#define CR4_PCE		(1ULL << 8)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define CR4_LA57	(1ULL << 12)
#define CR4_SMEP	(1ULL << 20)
#define CR4_SMAP	(1ULL << 21)
#define CR4_CET		(1ULL << 23)

/* EFER (SDM vol. 3, 2.2.1; APM vol. 2, 3.1.7) */
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)

#endif
