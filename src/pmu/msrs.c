// SPDX-License-Identifier: GPL-2.0-only
#include "pmu/msrs.h"

#include <errno.h>

/* SDM vol. 4 table 2-2; APM vol. 2 13.2 and appendix A. */
static const struct {
	uint32_t first, count, stride;
} ranges[] = {
	{ 0x0c1, 8, 1 },		/* IA32_PMC0-7 */
	{ 0x186, 8, 1 },		/* IA32_PERFEVTSEL0-7 */
	{ 0x309, 4, 1 },		/* IA32_FIXED_CTR0-3 */
	{ 0x329, 1, 1 },		/* MSR_PERF_METRICS */
	{ 0x345, 1, 1 },		/* IA32_PERF_CAPABILITIES */
	{ 0x38d, 6, 1 },		/* FIXED_CTR_CTRL, GLOBAL_STATUS/CTRL/OVF_CTRL/STATUS_SET/INUSE */
	{ 0x4c1, 8, 1 },		/* IA32_A_PMC0-7 */
	{ 0xc0010000, 4, 1 },		/* K7 EVNTSEL0-3 */
	{ 0xc0010004, 4, 1 },		/* K7 PERFCTR0-3 */
	{ 0xc0010200, 12, 1 },		/* F15H PERF_CTL/PERF_CTR 0-5, interleaved */
	{ 0xc0000300, 4, 1 },		/* PerfMonV2 GLOBAL_STATUS/CTL/STATUS_CLR/STATUS_SET */
};

size_t pmu_every_msr(uint32_t *out, size_t max)
{
	size_t n = 0;

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (uint32_t i = 0; i < ranges[r].count && n < max; i++)
			out[n++] = ranges[r].first + i * ranges[r].stride;
	return n;
}

bool pmu_msr_legacy_inert(uint32_t msr)
{
	return (msr >= 0xc1 && msr <= 0xc2) ||		/* MSR_P6_PERFCTR0-1 */
	       (msr >= 0x186 && msr <= 0x187) ||	/* MSR_P6_EVNTSEL0-1 */
	       (msr >= 0xc0010000 && msr <= 0xc0010007);	/* MSR_K7_EVNTSEL0-3, MSR_K7_PERFCTR0-3 */
}

int pmu_off_rdmsr(uint32_t msr, uint64_t *val)
{
	*val = 0;
	return pmu_msr_legacy_inert(msr) ? 0 : -ENOENT;
}

int pmu_off_wrmsr(uint32_t msr, uint64_t val)
{
	(void)val;
	return pmu_msr_legacy_inert(msr) ? 0 : -ENOENT;
}
