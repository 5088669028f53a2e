// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's PMU from CPUID (pmu.h). Intel: SDM vol. 3B 20.2.1-20.2.5 and
 * CPUID leaf 0AH (SDM vol. 2A). AMD: APM vol. 2 13.2 and CPUID
 * 80000001H/80000022H (APM vol. 3 appendix E).
 */
#include "pmu.h"

#include <vmm/bootinfo.h>

#include "io.h"
#include "mem.h"
#include "msr.h"
#include "tap.h"

/* The boot info entry.S saved (guest.h). */
extern const struct vmm_bootinfo *guest_bootinfo;

#define CPUID_01_ECX_PDCM		(1u << 15)
#define CPUID_80000001_ECX_PERFCTR_CORE	(1u << 23)
#define CPUID_80000022_EAX_PERFMON_V2	(1u << 0)

/* APM vol. 2 13.2.1: core counters are 48 bits wide. */
#define PMU_AMD_COUNTER_WIDTH		48
/* APM vol. 2 13.2.1: four legacy counters, six with PERFCTR_CORE. */
#define PMU_AMD_LEGACY_COUNTERS		4
#define PMU_AMD_CORE_COUNTERS		6

/* CPUID.0AH:EBX bit of each architectural event (SDM vol. 3B table 20-1). */
static const int pmu_intel_ebx_bit[PMU_NR_EVENTS] = {
	[PMU_EVENT_CYCLES] = 0,
	[PMU_EVENT_INSTRUCTIONS] = 1,
	[PMU_EVENT_REF_CYCLES] = 2,
	[PMU_EVENT_BRANCHES] = 5,
};

/* Event select | unit mask << 8 (SDM vol. 3B table 20-1). */
static const uint16_t pmu_intel_code[PMU_NR_EVENTS] = {
	[PMU_EVENT_CYCLES] = 0x003c,
	[PMU_EVENT_INSTRUCTIONS] = 0x00c0,
	[PMU_EVENT_REF_CYCLES] = 0x013c,
	[PMU_EVENT_BRANCHES] = 0x00c4,
};

/* APM vol. 2 13.2.1 and the family 17h+ PPRs; 0 means "no such event". */
static const uint16_t pmu_amd_code[PMU_NR_EVENTS] = {
	[PMU_EVENT_CYCLES] = 0x0076,
	[PMU_EVENT_INSTRUCTIONS] = 0x00c0,
	[PMU_EVENT_REF_CYCLES] = 0,
	[PMU_EVENT_BRANCHES] = 0x00c2,
};

static void pmu_read_vendor(struct pmu_caps *c, uint32_t *max_basic)
{
	struct cpuid_regs r = cpuid(0);
	char v[13];

	memcpy(v, &r.ebx, 4);
	memcpy(v + 4, &r.edx, 4);
	memcpy(v + 8, &r.ecx, 4);
	v[12] = 0;
	c->intel = !strcmp(v, "GenuineIntel");
	/* Hygon's PMU is AMD's. */
	c->amd = !strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine");
	*max_basic = r.eax;
}

/* SDM vol. 2A CPUID leaf 0AH; fixed-counter fields are valid from version 2. */
static void pmu_init_intel(struct pmu_caps *c, uint32_t max_basic)
{
	struct cpuid_regs r;

	if (max_basic < 0xa)
		return;
	r = cpuid(0xa);
	c->version = r.eax & 0xff;
	c->nr_gp = (r.eax >> 8) & 0xff;
	c->gp_width = (r.eax >> 16) & 0xff;
	c->events_len = r.eax >> 24;
	c->events_unavailable = r.ebx;
	if (c->version >= 2) {
		c->nr_fixed = r.edx & 0x1f;
		c->fixed_width = (r.edx >> 5) & 0xff;
		c->fixed_mask = c->nr_fixed >= 32 ? ~0u : (1u << c->nr_fixed) - 1;
		/* SDM 20.2.5: from version 5 ECX enumerates fixed counters as a bitmap. */
		if (c->version >= 5)
			c->fixed_mask |= r.ecx;
	}
	c->anythread_deprecated = r.edx & (1u << 15);
	c->nr_counters = c->nr_gp;
	c->counter_width = c->gp_width;
	c->has_global = c->version >= 2;
}

/*
 * APM vol. 2 13.2.1: the four legacy counters need no CPUID bit, so their
 * absence can only be known from the VMM: the boot info says "no PMU".
 */
static void pmu_init_amd(struct pmu_caps *c)
{
	uint32_t max_ext = cpuid(0x80000000).eax;

	if (max_ext >= 0x80000001)
		c->perfctr_core = cpuid(0x80000001).ecx & CPUID_80000001_ECX_PERFCTR_CORE;
	if (max_ext >= 0x80000022) {
		struct cpuid_regs r = cpuid(0x80000022);

		c->perfmon_v2 = r.eax & CPUID_80000022_EAX_PERFMON_V2;
		if (c->perfmon_v2)
			c->amd_nr_counters = r.ebx & 0xf;
	}
	if (!c->perfmon_v2)
		c->amd_nr_counters = c->perfctr_core ? PMU_AMD_CORE_COUNTERS : PMU_AMD_LEGACY_COUNTERS;
	if (!c->perfctr_core && guest_bootinfo &&
	    guest_bootinfo->pmu_mode == VMM_PMU_MODE_OFF)
		c->amd_nr_counters = 0;
	c->nr_counters = c->amd_nr_counters;
	c->counter_width = c->amd_nr_counters ? PMU_AMD_COUNTER_WIDTH : 0;
	c->has_global = c->perfmon_v2;
}

void pmu_init(struct pmu_caps *c)
{
	uint32_t max_basic;

	memset(c, 0, sizeof(*c));
	pmu_read_vendor(c, &max_basic);
	if (max_basic >= 1)
		c->pdcm = cpuid(1).ecx & CPUID_01_ECX_PDCM;
	if (c->pdcm && rdmsr_safe(MSR_IA32_PERF_CAPABILITIES, &c->perf_capabilities))
		c->perf_capabilities = 0;
	if (c->intel)
		pmu_init_intel(c, max_basic);
	else if (c->amd)
		pmu_init_amd(c);
}

bool pmu_present(const struct pmu_caps *c)
{
	return c->intel ? c->version >= 1 : c->amd_nr_counters > 0;
}

/* APM vol. 2 13.2.1: with PERFCTR_CORE, CTL/CTR pairs interleave (stride 2). */
uint32_t pmu_counter_msr(const struct pmu_caps *c, unsigned int i)
{
	if (c->amd)
		return c->perfctr_core ? MSR_F15H_PERF_CTR0 + 2 * i : MSR_K7_PERFCTR0 + i;
	return MSR_IA32_PMC0 + i;
}

uint32_t pmu_evtsel_msr(const struct pmu_caps *c, unsigned int i)
{
	if (c->amd)
		return c->perfctr_core ? MSR_F15H_PERF_CTL0 + 2 * i : MSR_K7_EVNTSEL0 + i;
	return MSR_IA32_PERFEVTSEL0 + i;
}

uint32_t pmu_global_ctrl_msr(const struct pmu_caps *c)
{
	if (!c->has_global)
		return 0;
	return c->amd ? MSR_AMD_PERF_GLOBAL_CTL : MSR_IA32_PERF_GLOBAL_CTRL;
}

uint32_t pmu_global_status_msr(const struct pmu_caps *c)
{
	if (!c->has_global)
		return 0;
	return c->amd ? MSR_AMD_PERF_GLOBAL_STATUS : MSR_IA32_PERF_GLOBAL_STATUS;
}

uint32_t pmu_global_clear_msr(const struct pmu_caps *c)
{
	if (!c->has_global)
		return 0;
	return c->amd ? MSR_AMD_PERF_GLOBAL_STATUS_CLR : MSR_IA32_PERF_GLOBAL_OVF_CTRL;
}

/* SDM 20.2.4: GLOBAL_STATUS_SET from version 4; AMD: part of PerfMonV2. */
uint32_t pmu_global_set_msr(const struct pmu_caps *c)
{
	if (!c->has_global)
		return 0;
	if (c->amd)
		return MSR_AMD_PERF_GLOBAL_STATUS_SET;
	return c->version >= 4 ? MSR_IA32_PERF_GLOBAL_STATUS_SET : 0;
}

/* SDM 20.2.1.2: an event exists if its EBX bit is below EAX[31:24] and clear. */
bool pmu_event_available(const struct pmu_caps *c, enum pmu_event e)
{
	unsigned int bit;

	if (e >= PMU_NR_EVENTS || !pmu_present(c))
		return false;
	if (c->amd)
		return pmu_amd_code[e] != 0;
	bit = (unsigned int)pmu_intel_ebx_bit[e];
	return bit < c->events_len && !(c->events_unavailable & (1u << bit));
}

uint64_t pmu_event_select(const struct pmu_caps *c, enum pmu_event e, uint64_t flags)
{
	uint16_t code;

	if (e >= PMU_NR_EVENTS)
		return 0;
	code = c->amd ? pmu_amd_code[e] : pmu_intel_code[e];
	if (!code)
		return 0;
	return code | EVTSEL_EN | flags;
}

int pmu_fixed_for_event(enum pmu_event e)
{
	switch (e) {
	case PMU_EVENT_INSTRUCTIONS:
		return 0;
	case PMU_EVENT_CYCLES:
		return 1;
	case PMU_EVENT_REF_CYCLES:
		return 2;
	default:
		return -1;
	}
}

bool pmu_fixed_present(const struct pmu_caps *c, unsigned int i)
{
	return c->intel && c->version >= 2 && i < 32 && (c->fixed_mask & (1u << i));
}

uint64_t pmu_fixed_counter_mask(const struct pmu_caps *c)
{
	return c->fixed_width >= 64 ? ~0ULL : (1ULL << c->fixed_width) - 1;
}

/* The GLOBAL_CTRL bits of every counter present (SDM 20.2.2; APM 13.2.2). */
uint64_t pmu_global_enable_mask(const struct pmu_caps *c)
{
	uint64_t m = c->nr_counters >= 64 ? ~0ULL : (1ULL << c->nr_counters) - 1;

	if (c->intel)
		m |= (uint64_t)c->fixed_mask << 32;
	return m;
}

bool pmu_fw_writes(const struct pmu_caps *c)
{
	return c->intel && c->pdcm && (c->perf_capabilities & PERF_CAP_FW_WRITES);
}

/*
 * SDM 20.2.2 / APM 13.2.2: stop everything globally first, so that no
 * counter runs while the others are being cleared, then clear selectors,
 * counters and the overflow status.
 */
void pmu_reset_all(const struct pmu_caps *c)
{
	uint64_t status;

	if (!pmu_present(c))
		return;
	if (c->has_global)
		wrmsr(pmu_global_ctrl_msr(c), 0);
	if (c->intel && c->version >= 2)
		wrmsr(MSR_IA32_FIXED_CTR_CTRL, 0);
	for (unsigned int i = 0; i < c->nr_counters; i++) {
		wrmsr(pmu_evtsel_msr(c, i), 0);
		wrmsr(pmu_counter_msr(c, i), 0);
	}
	for (unsigned int i = 0; i < 32; i++)
		if (pmu_fixed_present(c, i))
			wrmsr(MSR_IA32_FIXED_CTR0 + i, 0);
	if (c->has_global) {
		status = rdmsr(pmu_global_status_msr(c));
		if (status)
			wrmsr(pmu_global_clear_msr(c), status);
	}
}

void pmu_counted_loop(uint32_t msr, uint64_t on, uint64_t off)
{
	asm volatile("wrmsr\n\t"
		     "mov %[n], %%ebx\n"
		     "1:\tdec %%ebx\n\t"
		     "jnz 1b\n\t"
		     "jmp 2f\n"
		     "2:\tmov %%esi, %%eax\n\t"
		     "mov %%edi, %%edx\n\t"
		     "wrmsr"
		     : : "c"(msr), "a"((uint32_t)on), "d"((uint32_t)(on >> 32)),
		       "S"((uint32_t)off), "D"((uint32_t)(off >> 32)), [n] "i"(PMU_LOOPS)
		     : "rbx", "memory", "cc");
}

bool pmu_legacy_msr(uint32_t msr)
{
	return (msr >= MSR_IA32_PMC0 && msr <= MSR_IA32_PMC0 + 1) ||
	       (msr >= MSR_IA32_PERFEVTSEL0 && msr <= MSR_IA32_PERFEVTSEL0 + 1) ||
	       (msr >= MSR_K7_EVNTSEL0 && msr <= MSR_K7_PERFCTR0 + 3);
}

void pmu_report_inert(uint32_t msr, const char *name)
{
	uint64_t before = ~0ULL, after = ~0ULL;
	int rd = rdmsr_safe(msr, &before), wr = wrmsr_safe(msr, 0x1234);
	int rd2 = rdmsr_safe(msr, &after);

	report(!rd && !wr && !rd2 && !before && !after,
	       "no PMU: %s (%#x) reads 0 and drops writes (read %d: %#llx, write %d, read %d: %#llx)",
	       name, msr, rd, (unsigned long long)before, wr, rd2, (unsigned long long)after);
}
