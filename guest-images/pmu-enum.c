// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-enum: the PMU the guest sees is exactly the one CPUID enumerates
 * (Intel SDM vol. 3B 20.2.1-20.2.5 and CPUID leaf 0AH; AMD APM vol. 2 13.2,
 * CPUID 80000001H:ECX[23] PERFCTR_CORE and 80000022H PerfMonV2).
 *
 * - CPUID 0AH, 80000001H, 80000022H and PDCM agree with each other and with
 *   the boot info's PMU mode (off: all zero or clear);
 * - RESET values at boot: counters, selectors and status zero; GLOBAL_CTRL
 *   has the enable bits of the GP counters set (Intel v2+, SDM 20.2.2); AMD
 *   PerfMonV2 GLOBAL_CTL has every core counter enabled, as the software
 *   PMU documents (docs/soft-pmu.md) and KVM does;
 * - every enumerated counter and selector holds what was written, masked to
 *   its width; the first one beyond the enumeration, and beyond the
 *   architectural maximum (8 Intel GP, 6 AMD core counters), #GPs;
 * - reserved selector bits #GP (Intel), fixed counters outside the fixed
 *   mask #GP, FIXED_CTR_CTRL and GLOBAL_CTRL bits of absent counters #GP
 *   (AMD GLOBAL_CTL drops them instead: KVM's kvm_pmu_set_msr, the PPR);
 * - the global MSRs #GP below version 2 (AMD: without PerfMonV2), the v4
 *   ones (STATUS_SET, INUSE) below version 4;
 * - PERF_CAPABILITIES is readable only with PDCM, and read-only;
 * - with --pmu=off every PMU MSR of both vendors and RDPMC #GP.
 *
 * Runs in every mode; the expectations come from CPUID and the boot info
 * only. Emulated and mediated modes need a host PMU and have not been run on
 * the development machines.
 */
#include "guest.h"
#include "pmu.h"

#define ENUM_INTEL_MAX_GP	8	/* IA32_PMC0-7 before MSR 0xC9 (SDM vol. 4 table 2-2) */
#define ENUM_INTEL_MAX_FIXED	4	/* FIXED_CTR0-3 */
#define ENUM_AMD_MAX_CORE	6	/* PERF_CTL/CTR 0-5 (APM 13.2.1) */
#define ENUM_EVTSEL_TEST	(EVTSEL_EN | EVTSEL_USR | EVTSEL_OS | 0x00c0)

#define CPUID_01_ECX_PDCM		(1u << 15)
#define CPUID_80000001_ECX_PERFCTR_CORE	(1u << 23)

static uint32_t enum_max_ext(void)
{
	return cpuid(0x80000000).eax;
}

static bool enum_gp(int vec)
{
	return vec == GP_VECTOR;
}

/* rdmsr and wrmsr of msr both #GP. */
static void enum_msr_absent(uint32_t msr, const char *name)
{
	uint64_t v;
	int rd = rdmsr_safe(msr, &v), wr = wrmsr_safe(msr, 0);

	report(enum_gp(rd) && enum_gp(wr), "%s (%#x) read and write #GP (read %d, write %d)",
	       name, msr, rd, wr);
}

/* ---- CPUID ---- */

static void enum_cpuid_off(void)
{
	uint32_t max_basic = cpuid(0).eax, max_ext = enum_max_ext();
	struct cpuid_regs r;

	if (max_basic >= 0xa) {
		r = cpuid(0xa);
		report(!r.eax && !r.ebx && !r.ecx && !r.edx,
		       "CPUID.0AH is zero (%#x %#x %#x %#x)", r.eax, r.ebx, r.ecx, r.edx);
	} else {
		report(true, "CPUID.0AH is beyond the maximum basic leaf %#x", max_basic);
	}
	report(!(cpuid(1).ecx & CPUID_01_ECX_PDCM), "CPUID.01H:ECX.PDCM is clear");
	if (max_ext >= 0x80000001)
		report(!(cpuid(0x80000001).ecx & CPUID_80000001_ECX_PERFCTR_CORE),
		       "CPUID.80000001H:ECX.PERFCTR_CORE is clear");
	if (max_ext >= 0x80000022) {
		r = cpuid(0x80000022);
		report(!r.eax && !r.ebx && !r.ecx && !r.edx,
		       "CPUID.80000022H is zero (%#x %#x %#x %#x)", r.eax, r.ebx, r.ecx, r.edx);
	}
}

static void enum_cpuid_intel(const struct pmu_caps *c)
{
	report(c->version >= 1, "CPUID.0AH version %u >= 1", c->version);
	report(c->nr_gp >= 1 && c->nr_gp <= ENUM_INTEL_MAX_GP, "CPUID.0AH: %u GP counters (1-%u)",
	       c->nr_gp, ENUM_INTEL_MAX_GP);
	report(c->gp_width >= 32 && c->gp_width <= 64, "CPUID.0AH: GP width %u", c->gp_width);
	if (c->version >= 2) {
		report(c->fixed_width >= 32 && c->fixed_width <= 64 && c->fixed_mask,
		       "CPUID.0AH: fixed counters %#x of width %u", c->fixed_mask, c->fixed_width);
		report(!(c->fixed_mask >> ENUM_INTEL_MAX_FIXED), "no fixed counter beyond %u",
		       ENUM_INTEL_MAX_FIXED - 1);
	}
	/* SDM 20.2.5: holes in the fixed counters can only be enumerated from version 5. */
	if (c->version < 5)
		report_eq(c->fixed_mask & (c->fixed_mask + 1), 0,
			  "version %u: the fixed counters are contiguous", c->version);
	if (enum_max_ext() >= 0x80000001)
		report(!c->perfctr_core, "Intel: CPUID.80000001H:ECX.PERFCTR_CORE is clear");
	report(!c->perfmon_v2, "Intel: no PerfMonV2");
}

static void enum_cpuid_amd(const struct pmu_caps *c)
{
	/* Seed 000 and APM 13.2.2: PerfMonV2 builds on the core counters. */
	if (c->perfmon_v2)
		report(c->perfctr_core, "PerfMonV2 implies PERFCTR_CORE");
	report(c->amd_nr_counters >= 1 && c->amd_nr_counters <= ENUM_AMD_MAX_CORE,
	       "AMD: %u core counters (1-%u)", c->amd_nr_counters, ENUM_AMD_MAX_CORE);
	report(!c->pdcm, "AMD: CPUID.01H:ECX.PDCM is clear");
}

/* ---- RESET values, read before anything writes the PMU ---- */

static void enum_reset_values(const struct pmu_caps *c)
{
	uint64_t gp_bits = (1ULL << c->nr_counters) - 1;
	bool zero = true;

	for (unsigned int i = 0; i < c->nr_counters; i++)
		zero &= !rdmsr(pmu_counter_msr(c, i)) && !rdmsr(pmu_evtsel_msr(c, i));
	report(zero, "RESET: every counter and selector is 0");
	if (c->intel && c->version >= 2) {
		bool fixed_zero = !rdmsr(MSR_IA32_FIXED_CTR_CTRL);

		for (unsigned int i = 0; i < ENUM_INTEL_MAX_FIXED; i++)
			if (pmu_fixed_present(c, i))
				fixed_zero &= !rdmsr(MSR_IA32_FIXED_CTR0 + i);
		report(fixed_zero, "RESET: fixed counters and FIXED_CTR_CTRL are 0");
	}
	if (!c->has_global)
		return;
	report_eq(rdmsr(pmu_global_ctrl_msr(c)), gp_bits,
		  "RESET: GLOBAL_CTRL enables the %u GP counters, no fixed one", c->nr_counters);
	report_eq(rdmsr(pmu_global_status_msr(c)), 0, "RESET: GLOBAL_STATUS is 0");
}

/* ---- counters and selectors ---- */

static void enum_rw_counters(const struct pmu_caps *c)
{
	uint64_t mask = pmu_counter_mask(c);

	for (unsigned int i = 0; i < c->nr_counters; i++) {
		uint32_t ctr = pmu_counter_msr(c, i), sel = pmu_evtsel_msr(c, i);
		/* Intel's PMCx sign-extends bit 31 (SDM 20.2.2): stay below it there. */
		uint64_t v = c->intel ? 0x7edcba98ULL : ~0ULL, got_ctr, got_sel;

		wrmsr(sel, ENUM_EVTSEL_TEST & ~EVTSEL_EN);
		wrmsr(ctr, v);
		got_ctr = rdmsr(ctr);
		got_sel = rdmsr(sel);
		wrmsr(ctr, 0);
		wrmsr(sel, 0);
		report(got_ctr == (v & mask) && got_sel == (ENUM_EVTSEL_TEST & ~EVTSEL_EN),
		       "counter %u (%#x) holds %#llx, selector (%#x) holds %#llx", i, ctr,
		       (unsigned long long)got_ctr, sel, (unsigned long long)got_sel);
	}
	if (pmu_fw_writes(c)) {
		wrmsr(MSR_IA32_A_PMC0, mask);
		report_eq(rdmsr(MSR_IA32_PMC0), mask, "A_PMC0 holds all %u bits", c->counter_width);
		wrmsr(MSR_IA32_A_PMC0, 0);
	}
	for (unsigned int i = 0; c->intel && i < ENUM_INTEL_MAX_FIXED; i++) {
		if (!pmu_fixed_present(c, i))
			continue;
		wrmsr(MSR_IA32_FIXED_CTR0 + i, ~0ULL);
		report_eq(rdmsr(MSR_IA32_FIXED_CTR0 + i), pmu_fixed_counter_mask(c),
			  "FIXED_CTR%u holds all ones masked to %u bits", i, c->fixed_width);
		wrmsr(MSR_IA32_FIXED_CTR0 + i, 0);
	}
}

static void enum_beyond_intel(const struct pmu_caps *c)
{
	char name[48];

	if (c->nr_gp < ENUM_INTEL_MAX_GP) {
		snprintf(name, sizeof(name), "PMC%u (first beyond CPUID)", c->nr_gp);
		enum_msr_absent(MSR_IA32_PMC0 + c->nr_gp, name);
		snprintf(name, sizeof(name), "PERFEVTSEL%u (first beyond CPUID)", c->nr_gp);
		enum_msr_absent(MSR_IA32_PERFEVTSEL0 + c->nr_gp, name);
		snprintf(name, sizeof(name), "A_PMC%u (first beyond CPUID)", c->nr_gp);
		enum_msr_absent(MSR_IA32_A_PMC0 + c->nr_gp, name);
	}
	enum_msr_absent(MSR_IA32_PMC0 + ENUM_INTEL_MAX_GP, "PMC8 (beyond any Intel PMU)");
	enum_msr_absent(MSR_IA32_PERFEVTSEL0 + ENUM_INTEL_MAX_GP, "PERFEVTSEL8 (beyond any Intel PMU)");
	if (!pmu_fw_writes(c))
		enum_msr_absent(MSR_IA32_A_PMC0, "A_PMC0 without FW_WRITES");
	for (unsigned int i = 0; i < ENUM_INTEL_MAX_FIXED; i++) {
		if (pmu_fixed_present(c, i))
			continue;
		snprintf(name, sizeof(name), "FIXED_CTR%u (not in fixed mask %#x)", i, c->fixed_mask);
		enum_msr_absent(MSR_IA32_FIXED_CTR0 + i, name);
	}
}

static void enum_beyond_amd(const struct pmu_caps *c)
{
	char name[48];
	unsigned int n = c->amd_nr_counters;

	if (c->perfctr_core) {
		if (n < ENUM_AMD_MAX_CORE) {
			snprintf(name, sizeof(name), "PERF_CTL%u (first beyond CPUID)", n);
			enum_msr_absent(MSR_F15H_PERF_CTL0 + 2 * n, name);
			snprintf(name, sizeof(name), "PERF_CTR%u (first beyond CPUID)", n);
			enum_msr_absent(MSR_F15H_PERF_CTR0 + 2 * n, name);
		}
		enum_msr_absent(MSR_F15H_PERF_CTL0 + 2 * ENUM_AMD_MAX_CORE, "PERF_CTL6 (beyond any AMD PMU)");
		enum_msr_absent(MSR_F15H_PERF_CTR0 + 2 * ENUM_AMD_MAX_CORE, "PERF_CTR6 (beyond any AMD PMU)");
	} else {
		enum_msr_absent(MSR_F15H_PERF_CTL0, "PERF_CTL0 without PERFCTR_CORE");
		enum_msr_absent(MSR_F15H_PERF_CTR0, "PERF_CTR0 without PERFCTR_CORE");
	}
	for (unsigned int i = n; i < 4; i++) {
		snprintf(name, sizeof(name), "K7 EVNTSEL%u (beyond CPUID)", i);
		enum_msr_absent(MSR_K7_EVNTSEL0 + i, name);
	}
}

/*
 * SDM 20.2.1.1: PERFEVTSEL bits 63:32 are reserved; ANY (21) before version 3,
 * and from version 3 whenever CPUID.0AH:EDX[15] deprecates AnyThread.
 */
static void enum_reserved_bits_intel(const struct pmu_caps *c)
{
	report_eq(wrmsr_safe(MSR_IA32_PERFEVTSEL0, ENUM_EVTSEL_TEST | 1ULL << 32), GP_VECTOR,
		  "PERFEVTSEL0 bit 32 (reserved) #GPs");
	report_eq(wrmsr_safe(MSR_IA32_PERFEVTSEL0, ENUM_EVTSEL_TEST | 1ULL << 63), GP_VECTOR,
		  "PERFEVTSEL0 bit 63 (reserved) #GPs");
	if (c->version < 3)
		report_eq(wrmsr_safe(MSR_IA32_PERFEVTSEL0, ENUM_EVTSEL_TEST | EVTSEL_ANY), GP_VECTOR,
			  "PERFEVTSEL0 ANY #GPs before version 3");
	else if (c->anythread_deprecated)
		report_eq(wrmsr_safe(MSR_IA32_PERFEVTSEL0, ENUM_EVTSEL_TEST | EVTSEL_ANY), GP_VECTOR,
			  "PERFEVTSEL0 ANY #GPs: CPUID.0AH:EDX[15] deprecates AnyThread");
	else
		report_eq(wrmsr_safe(MSR_IA32_PERFEVTSEL0, ENUM_EVTSEL_TEST | EVTSEL_ANY), 0,
			  "PERFEVTSEL0 takes ANY: version %u and CPUID.0AH:EDX[15] clear", c->version);
	wrmsr(MSR_IA32_PERFEVTSEL0, 0);
}

/* SDM 20.2.2, 20.2.4: the global MSRs and the bits of absent counters. */
static void enum_global_intel(const struct pmu_caps *c)
{
	if (c->version < 2) {
		enum_msr_absent(MSR_IA32_PERF_GLOBAL_CTRL, "GLOBAL_CTRL in version 1");
		enum_msr_absent(MSR_IA32_PERF_GLOBAL_STATUS, "GLOBAL_STATUS in version 1");
		enum_msr_absent(MSR_IA32_PERF_GLOBAL_OVF_CTRL, "GLOBAL_OVF_CTRL in version 1");
		enum_msr_absent(MSR_IA32_FIXED_CTR_CTRL, "FIXED_CTR_CTRL in version 1");
		return;
	}
	if (c->version < 4) {
		enum_msr_absent(MSR_IA32_PERF_GLOBAL_STATUS_SET, "GLOBAL_STATUS_SET before version 4");
		enum_msr_absent(MSR_IA32_PERF_GLOBAL_INUSE, "GLOBAL_INUSE before version 4");
	}
	for (unsigned int i = 0; i < ENUM_INTEL_MAX_FIXED; i++) {
		if (pmu_fixed_present(c, i))
			continue;
		report_eq(wrmsr_safe(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(i, FIXED_CTRL_OS)), GP_VECTOR,
			  "FIXED_CTR_CTRL field %u (absent counter) #GPs", i);
		report_eq(wrmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, 1ULL << (32 + i)), GP_VECTOR,
			  "GLOBAL_CTRL bit %u (absent fixed counter) #GPs", 32 + i);
	}
	if (c->nr_gp < 32)
		report_eq(wrmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, 1ULL << c->nr_gp), GP_VECTOR,
			  "GLOBAL_CTRL bit %u (absent GP counter) #GPs", c->nr_gp);
	report_eq(wrmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, pmu_global_enable_mask(c)), 0,
		  "GLOBAL_CTRL takes %#llx (every counter present)",
		  (unsigned long long)pmu_global_enable_mask(c));
	report_eq(rdmsr(MSR_IA32_PERF_GLOBAL_CTRL), pmu_global_enable_mask(c), "GLOBAL_CTRL reads it back");
	wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, 0);
}

/* APM 13.2.2: the PerfMonV2 MSRs exist only with PerfMonV2. */
static void enum_global_amd(const struct pmu_caps *c)
{
	if (!c->perfmon_v2) {
		enum_msr_absent(MSR_AMD_PERF_GLOBAL_STATUS, "GLOBAL_STATUS without PerfMonV2");
		enum_msr_absent(MSR_AMD_PERF_GLOBAL_CTL, "GLOBAL_CTL without PerfMonV2");
		enum_msr_absent(MSR_AMD_PERF_GLOBAL_STATUS_CLR, "GLOBAL_STATUS_CLR without PerfMonV2");
		enum_msr_absent(MSR_AMD_PERF_GLOBAL_STATUS_SET, "GLOBAL_STATUS_SET without PerfMonV2");
		return;
	}
	/* AMD ignores writes to reserved bits (arch/x86/kvm/pmu.c kvm_pmu_set_msr, the PPR) */
	if (c->amd_nr_counters < 32) {
		report_eq(wrmsr_safe(MSR_AMD_PERF_GLOBAL_CTL, 1ULL << c->amd_nr_counters | 1), 0,
			  "GLOBAL_CTL bit %u (absent counter) does not #GP", c->amd_nr_counters);
		report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_CTL), 1, "GLOBAL_CTL drops bit %u", c->amd_nr_counters);
	}
	report_eq(wrmsr_safe(MSR_AMD_PERF_GLOBAL_CTL, pmu_global_enable_mask(c)), 0,
		  "GLOBAL_CTL takes %#llx", (unsigned long long)pmu_global_enable_mask(c));
	report_eq(rdmsr(MSR_AMD_PERF_GLOBAL_CTL), pmu_global_enable_mask(c), "GLOBAL_CTL reads it back");
	wrmsr(MSR_AMD_PERF_GLOBAL_CTL, 0);
}

/* SDM vol. 4 table 2-2: IA32_PERF_CAPABILITIES exists if CPUID.01H:ECX.PDCM; it is read-only. */
static void enum_perf_capabilities(const struct pmu_caps *c)
{
	uint64_t v;

	if (!c->pdcm) {
		report_eq(rdmsr_safe(MSR_IA32_PERF_CAPABILITIES, &v), GP_VECTOR,
			  "PERF_CAPABILITIES read #GPs without PDCM");
		return;
	}
	report_eq(rdmsr_safe(MSR_IA32_PERF_CAPABILITIES, &v), 0, "PERF_CAPABILITIES readable with PDCM (%#llx)",
		  (unsigned long long)v);
	report_eq(wrmsr_safe(MSR_IA32_PERF_CAPABILITIES, v), GP_VECTOR, "PERF_CAPABILITIES write #GPs");
}

/* --pmu=off: no PMU MSR of either vendor answers, nor RDPMC. */
static void enum_absent_all(void)
{
	static const struct {
		uint32_t msr;
		const char *name;
	} msrs[] = {
		{ MSR_IA32_PMC0, "IA32_PMC0" },
		{ MSR_IA32_PERFEVTSEL0, "IA32_PERFEVTSEL0" },
		{ MSR_IA32_A_PMC0, "IA32_A_PMC0" },
		{ MSR_IA32_FIXED_CTR0, "IA32_FIXED_CTR0" },
		{ MSR_IA32_PERF_CAPABILITIES, "IA32_PERF_CAPABILITIES" },
		{ MSR_IA32_FIXED_CTR_CTRL, "IA32_FIXED_CTR_CTRL" },
		{ MSR_IA32_PERF_GLOBAL_STATUS, "IA32_PERF_GLOBAL_STATUS" },
		{ MSR_IA32_PERF_GLOBAL_CTRL, "IA32_PERF_GLOBAL_CTRL" },
		{ MSR_IA32_PERF_GLOBAL_OVF_CTRL, "IA32_PERF_GLOBAL_OVF_CTRL" },
		{ MSR_IA32_PERF_GLOBAL_STATUS_SET, "IA32_PERF_GLOBAL_STATUS_SET" },
		{ MSR_IA32_PERF_GLOBAL_INUSE, "IA32_PERF_GLOBAL_INUSE" },
		{ MSR_K7_EVNTSEL0, "K7_EVNTSEL0" },
		{ MSR_K7_PERFCTR0, "K7_PERFCTR0" },
		{ MSR_F15H_PERF_CTL0, "F15H_PERF_CTL0" },
		{ MSR_F15H_PERF_CTR0, "F15H_PERF_CTR0" },
		{ MSR_AMD_PERF_GLOBAL_STATUS, "AMD_PERF_GLOBAL_STATUS" },
		{ MSR_AMD_PERF_GLOBAL_CTL, "AMD_PERF_GLOBAL_CTL" },
		{ MSR_AMD_PERF_GLOBAL_STATUS_CLR, "AMD_PERF_GLOBAL_STATUS_CLR" },
		{ MSR_AMD_PERF_GLOBAL_STATUS_SET, "AMD_PERF_GLOBAL_STATUS_SET" },
	};
	uint64_t v;

	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		enum_msr_absent(msrs[i].msr, msrs[i].name);
	report_eq(rdpmc_safe(0, &v), GP_VECTOR, "RDPMC 0 #GPs");
	report_eq(rdpmc_safe(1u << 30, &v), GP_VECTOR, "RDPMC fixed 0 #GPs");
}

int main(const struct vmm_bootinfo *bi)
{
	struct pmu_caps c;

	pmu_init(&c);
	report_info("pmu mode %u, %s, version %u, %u counters of %u bits, fixed mask %#x, pdcm %d",
		    bi->pmu_mode, c.intel ? "Intel" : c.amd ? "AMD" : "unknown vendor", c.version,
		    c.nr_counters, c.counter_width, c.fixed_mask, c.pdcm);
	if (bi->pmu_mode == VMM_PMU_MODE_OFF) {
		report(!pmu_present(&c), "boot info says no PMU, and CPUID agrees");
		enum_cpuid_off();
		enum_absent_all();
		tap_done();
	}
	if (!report(pmu_present(&c), "boot info mode %u: CPUID enumerates a PMU", bi->pmu_mode))
		tap_done();
	enum_reset_values(&c);
	if (c.intel)
		enum_cpuid_intel(&c);
	else
		enum_cpuid_amd(&c);
	enum_perf_capabilities(&c);
	enum_rw_counters(&c);
	if (c.intel) {
		enum_beyond_intel(&c);
		enum_reserved_bits_intel(&c);
		enum_global_intel(&c);
	} else {
		enum_beyond_amd(&c);
		enum_global_amd(&c);
	}
	pmu_reset_all(&c);
	tap_done();
}
