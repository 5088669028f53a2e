// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-v4: the global MSRs of architectural perfmon version 4 and the fixed
 * counter enumeration of version 5 (SDM vol. 3B 20.2.4.2, 20.2.4.3, 20.2.5;
 * the "Upgrade vPMU version to 5" series this project grew from).
 *
 * - IA32_PERF_GLOBAL_STATUS_SET (0x391) sets GLOBAL_STATUS bits, reads 0,
 *   refuses bits of counters that do not exist and CondChgd (bit 63 is
 *   reserved in SET, figure 20-12), and raises no PMI (a PMI
 *   comes from a counter overflowing; SET restores state). Setting CTR_FRZ
 *   through it freezes every counter until GLOBAL_STATUS_RESET clears it.
 * - IA32_PERF_GLOBAL_STATUS_RESET (0x390) clears exactly the bits written.
 * - IA32_PERF_GLOBAL_INUSE (0x392) is read-only: bit n when PERFEVTSELn[7:0]
 *   is non-zero, bit 32+i when fixed counter i enables a ring, bit 63 when any
 *   INT or fixed PMI bit is set.
 * - Version 5: CPUID.0AH:ECX enumerates fixed counters as a bitmap; fixed
 *   counter i exists iff ECX[i] or EDX[4:0] > i. Present ones count, absent
 *   ones #GP through FIXED_CTRi, their FIXED_CTR_CTRL field, their
 *   GLOBAL_CTRL bit and RDPMC. Run with --pmu-version=5 --pmu-fixed-mask=0x5
 *   to get a hole at counter 1.
 *
 * Below version 4 the guest checks that 0x391 and 0x392 do not exist and
 * skips the rest. On AMD, PerfMonV2's GLOBAL_STATUS_SET / _CLR (APM vol. 2
 * 13.2.2) get the same SET/CLR tests. With --pmu=off it checks that the
 * PMU is absent. Counts are exact in soft mode and for instructions in
 * emulated/mediated mode, which could not be run where this was written.
 */
#include "guest.h"
#include "pmu.h"

#define V4_NOPS		8
#define V4_INSNS	(V4_NOPS + 3)	/* nops, xor eax, xor edx, disabling wrmsr */
#define V4_MAX_FIXED	4		/* FIXED_CTR0-3: the architectural range */
#define V4_PMI_WAIT	1000

#define V4_STATUS_OVF_DS	(1ULL << 62)	/* OvfDSBuffer */
#define V4_STATUS_COND_CHGD	(1ULL << 63)
#define V4_INUSE_PMI		(1ULL << 63)

#define V4_FIXED_SELECT(i)	((1u << 30) | (i))	/* RDPMC ECX for fixed counter i */

static volatile unsigned int v4_pmis;

static void v4_pmi_handler(struct ex_regs *regs)
{
	(void)regs;
	v4_pmis++;
	apic_set_lvtpc(apic_get_lvtpc() & ~APIC_LVT_MASKED);
}

/* wrmsr(msr, enable); V4_NOPS nops; xor; xor; wrmsr(msr, 0): V4_INSNS counted. */
static void v4_run_block(uint32_t msr, uint64_t enable)
{
	uint32_t lo = (uint32_t)enable, hi = (uint32_t)(enable >> 32);

	asm volatile("wrmsr\n\t"
		     ".rept %c[n]\n\tnop\n\t.endr\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "wrmsr"
		     : "+a"(lo), "+d"(hi) : "c"(msr), [n] "i"(V4_NOPS) : "memory", "cc");
}

static bool v4_exact_mode(const struct vmm_bootinfo *bi)
{
	return bi->pmu_mode == VMM_PMU_MODE_SOFT;
}

/* Bits GLOBAL_STATUS has for the counters that exist. */
static uint64_t v4_counter_bits(const struct pmu_caps *c)
{
	uint64_t bits = (1ULL << c->nr_counters) - 1;

	if (c->intel)
		bits |= (uint64_t)c->fixed_mask << 32;
	return bits;
}

/* Watch for PMIs as NMIs, with PMC0 armed with INT so a PMI would be plausible. */
static void v4_pmi_watch(const struct pmu_caps *c)
{
	v4_pmis = 0;
	idt_set_handler(NMI_VECTOR, v4_pmi_handler);
	apic_set_lvtpc(APIC_DM_NMI);
	wrmsr(pmu_evtsel_msr(c, 0), pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_INT));
}

static unsigned int v4_pmi_unwatch(const struct pmu_caps *c)
{
	/* An NMI is delivered at the next instruction boundary; give it time. */
	for (int i = 0; i < V4_PMI_WAIT && !v4_pmis; i++)
		pause();
	apic_set_lvtpc(APIC_LVT_MASKED);
	idt_set_handler(NMI_VECTOR, NULL);
	wrmsr(pmu_evtsel_msr(c, 0), 0);
	return v4_pmis;
}

/* ---- GLOBAL_STATUS_SET and _RESET (Intel v4+, AMD PerfMonV2 _SET/_CLR) ---- */

static void v4_test_status_set(const struct pmu_caps *c)
{
	uint32_t status = pmu_global_status_msr(c), set = pmu_global_set_msr(c);
	uint32_t clr = pmu_global_clear_msr(c);
	uint64_t bits = v4_counter_bits(c), v;
	unsigned int pmis;

	if (c->intel)
		bits |= V4_STATUS_OVF_DS;
	pmu_reset_all(c);
	report_eq(rdmsr(status), 0, "GLOBAL_STATUS is 0 after clearing");
	v4_pmi_watch(c);
	wrmsr(set, bits);
	pmis = v4_pmi_unwatch(c);
	report_eq(rdmsr(status), bits, "GLOBAL_STATUS_SET sets every counter bit%s",
		  c->intel ? " and bit 62" : "");
	report_eq(pmis, 0, "GLOBAL_STATUS_SET raises no PMI");
	report_eq(rdmsr(set), 0, "GLOBAL_STATUS_SET reads 0");
	report_eq(rdmsr(clr), 0, "%s reads 0", c->intel ? "GLOBAL_STATUS_RESET" : "GLOBAL_STATUS_CLR");

	wrmsr(clr, 1);
	report_eq(rdmsr(status), bits & ~1ULL, "%s of bit 0 clears only bit 0",
		  c->intel ? "GLOBAL_STATUS_RESET" : "GLOBAL_STATUS_CLR");
	wrmsr(clr, bits);
	report_eq(rdmsr(status), 0, "%s of all bits clears GLOBAL_STATUS",
		  c->intel ? "GLOBAL_STATUS_RESET" : "GLOBAL_STATUS_CLR");

	if (c->intel) {
		report_eq(wrmsr_safe(status, 1), GP_VECTOR, "GLOBAL_STATUS is read-only (#GP)");
		/* SDM figure 20-12: RESET clears CondChgd, SET has bit 63 reserved */
		report_eq(wrmsr_safe(set, V4_STATUS_COND_CHGD), GP_VECTOR,
			  "GLOBAL_STATUS_SET of CondChgd (bit 63, reserved) #GPs");
		report_eq(wrmsr_safe(clr, V4_STATUS_COND_CHGD), 0, "GLOBAL_STATUS_RESET of CondChgd is allowed");
	} else {
		/* PPR, KVM pmu.c kvm_pmu_set_msr: the write is ignored */
		wrmsr(set, 1);
		report_eq(wrmsr_safe(status, 0), 0, "GLOBAL_STATUS write does not #GP");
		report_eq(rdmsr(status), 1, "GLOBAL_STATUS write is ignored (read-only)");
		wrmsr(clr, 1);
	}
	if (c->intel && c->nr_counters < 31) {
		/* SDM 20.2.4.2: bits of absent counters are reserved. */
		report_eq(wrmsr_safe(set, 1ULL << 31), GP_VECTOR, "GLOBAL_STATUS_SET of absent PMC31 #GPs");
		report_eq(wrmsr_safe(clr, 1ULL << 31), GP_VECTOR, "GLOBAL_STATUS_RESET of absent PMC31 #GPs");
	}
	if (c->amd && c->nr_counters < 16) {
		/* Docs of the model: AMD SET ignores bits of absent counters. */
		wrmsr_safe(set, 1ULL << 15);
		rdmsr_safe(status, &v);
		report_eq(v & (1ULL << 15), 0, "GLOBAL_STATUS_SET cannot set absent counter 15's bit");
		wrmsr(clr, v);
	}
}

/* SDM 20.2.4.2 / 20.4.7: CTR_FRZ stops every counter, with or without a PMI. */
static void v4_test_ctr_frz(const struct pmu_caps *c)
{
	uint32_t pmc0 = pmu_counter_msr(c, 0);
	uint64_t sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS);
	unsigned int pmis;

	if (!c->intel) {
		report_skip("CTR_FRZ through GLOBAL_STATUS_SET", "streamlined freeze is Intel v4+");
		return;
	}
	if (!pmu_event_available(c, PMU_EVENT_INSTRUCTIONS)) {
		report_skip("CTR_FRZ through GLOBAL_STATUS_SET", "the instructions event is unavailable");
		return;
	}
	pmu_reset_all(c);
	v4_pmi_watch(c);
	wrmsr(MSR_IA32_PERF_GLOBAL_STATUS_SET, GLOBAL_STATUS_CTR_FRZ);
	pmis = v4_pmi_unwatch(c);
	report_eq(rdmsr(MSR_IA32_PERF_GLOBAL_STATUS), GLOBAL_STATUS_CTR_FRZ,
		  "GLOBAL_STATUS_SET sets CTR_FRZ");
	report_eq(pmis, 0, "setting CTR_FRZ raises no PMI");
	wrmsr(pmu_evtsel_msr(c, 0), sel);
	v4_run_block(MSR_IA32_PERF_GLOBAL_CTRL, 1);
	report_eq(rdmsr(pmc0), 0, "PMC0 does not count while CTR_FRZ is set");

	wrmsr(MSR_IA32_PERF_GLOBAL_OVF_CTRL, GLOBAL_STATUS_CTR_FRZ);
	report_eq(rdmsr(MSR_IA32_PERF_GLOBAL_STATUS), 0, "GLOBAL_STATUS_RESET clears CTR_FRZ");
	v4_run_block(MSR_IA32_PERF_GLOBAL_CTRL, 1);
	report_eq(rdmsr(pmc0), V4_INSNS, "PMC0 counts %u instructions again after CTR_FRZ is cleared",
		  V4_INSNS);
	wrmsr(pmu_evtsel_msr(c, 0), 0);
}

/* ---- GLOBAL_INUSE (SDM 20.2.4.3) ---- */

struct v4_inuse_case {
	const char *what;
	uint64_t sel0, sel_last;	/* raw PERFEVTSEL0 / PERFEVTSEL(nr-1) values */
	uint64_t fixed_ctrl;		/* FIXED_CTR_CTRL, fields of absent counters dropped */
	uint64_t expect_gp0, expect_gp_last, expect_fixed, expect_pmi;	/* 0 or 1 each */
	unsigned int fixed_idx;		/* the fixed counter the case is about */
};

/* Event codes only: no EN, as INUSE does not look at EN. */
#define V4_EV_INSN	0xc0ULL
#define V4_UMASK_ONLY	(0x01ULL << 8)

static const struct v4_inuse_case v4_inuse_cases[] = {
	{ "nothing programmed", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "PERFEVTSEL0 event code without EN", V4_EV_INSN, 0, 0, 1, 0, 0, 0, 0 },
	{ "PERFEVTSEL0 unit mask without event code", V4_UMASK_ONLY, 0, 0, 0, 0, 0, 0, 0 },
	{ "last PERFEVTSEL event code", 0, V4_EV_INSN, 0, 0, 1, 0, 0, 0 },
	{ "PERFEVTSEL0 INT without event code", EVTSEL_INT, 0, 0, 0, 0, 0, 1, 0 },
	{ "PERFEVTSEL0 event code and INT", V4_EV_INSN | EVTSEL_INT, 0, 0, 1, 0, 0, 1, 0 },
	{ "fixed field OS", 0, 0, FIXED_CTRL_OS, 0, 0, 1, 0, 0 },
	{ "fixed field USR", 0, 0, FIXED_CTRL_USR, 0, 0, 1, 0, 0 },
	{ "fixed field PMI without a ring", 0, 0, FIXED_CTRL_PMI, 0, 0, 0, 1, 0 },
	{ "fixed field OS and PMI", 0, 0, FIXED_CTRL_OS | FIXED_CTRL_PMI, 0, 0, 1, 1, 0 },
};

static uint64_t v4_inuse_expect(const struct pmu_caps *c, const struct v4_inuse_case *k,
				unsigned int fixed)
{
	uint64_t e = 0;

	if (k->expect_gp0)
		e |= 1ULL;
	if (k->expect_gp_last)
		e |= 1ULL << (c->nr_counters - 1);
	if (k->expect_fixed)
		e |= 1ULL << (32 + fixed);
	if (k->expect_pmi)
		e |= V4_INUSE_PMI;
	return e;
}

/* The fixed counter the fixed-field cases use: the highest present one. */
static int v4_last_fixed(const struct pmu_caps *c)
{
	for (int i = V4_MAX_FIXED - 1; i >= 0; i--)
		if (pmu_fixed_present(c, (unsigned int)i))
			return i;
	return -1;
}

static void v4_test_inuse(const struct pmu_caps *c)
{
	int fixed = v4_last_fixed(c);
	uint32_t last = pmu_evtsel_msr(c, c->nr_counters - 1);

	for (size_t n = 0; n < sizeof(v4_inuse_cases) / sizeof(v4_inuse_cases[0]); n++) {
		const struct v4_inuse_case *k = &v4_inuse_cases[n];
		uint64_t expect;

		if (k->fixed_ctrl && fixed < 0) {
			report_skip(k->what, "no fixed counters");
			continue;
		}
		pmu_reset_all(c);
		wrmsr(pmu_evtsel_msr(c, 0), k->sel0);
		if (k->sel_last)
			wrmsr(last, k->sel_last);
		if (k->fixed_ctrl)
			wrmsr(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(fixed, k->fixed_ctrl));
		expect = v4_inuse_expect(c, k, fixed < 0 ? 0 : (unsigned int)fixed);
		report_eq(rdmsr(MSR_IA32_PERF_GLOBAL_INUSE), expect, "GLOBAL_INUSE: %s%s", k->what,
			  k->fixed_ctrl ? " (highest fixed counter)" : "");
	}
	pmu_reset_all(c);
	report_eq(wrmsr_safe(MSR_IA32_PERF_GLOBAL_INUSE, 1), GP_VECTOR, "GLOBAL_INUSE is read-only (#GP)");
}

/* ---- fixed counter enumeration (SDM 20.2.5, version 5) ---- */

/* A present fixed counter counts the block; fixed 3 (slots) is not checked. */
static void v4_fixed_counts(const struct pmu_caps *c, unsigned int i, bool exact)
{
	uint64_t v;

	if (i >= 3) {
		report_skip("fixed counter counts", "FIXED_CTR%u counts topdown slots, not modelled", i);
		return;
	}
	if (i != 0 && !exact) {
		report_skip("fixed counter counts", "FIXED_CTR%u counts cycles, not exact outside soft mode", i);
		return;
	}
	pmu_reset_all(c);
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(i, FIXED_CTRL_OS));
	v4_run_block(MSR_IA32_PERF_GLOBAL_CTRL, GLOBAL_STATUS_FIXED(i));
	rdmsr_safe(MSR_IA32_FIXED_CTR0 + i, &v);
	report_eq(v, V4_INSNS, "FIXED_CTR%u present and counts %u %s", i, V4_INSNS,
		  i == 0 ? "instructions" : "cycles");
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, 0);
}

static void v4_fixed_absent(unsigned int i)
{
	uint64_t v;

	report_eq(rdmsr_safe(MSR_IA32_FIXED_CTR0 + i, &v), GP_VECTOR, "absent FIXED_CTR%u: rdmsr #GPs", i);
	report_eq(wrmsr_safe(MSR_IA32_FIXED_CTR0 + i, 1), GP_VECTOR, "absent FIXED_CTR%u: wrmsr #GPs", i);
	report_eq(wrmsr_safe(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(i, FIXED_CTRL_OS)), GP_VECTOR,
		  "absent FIXED_CTR%u: its FIXED_CTR_CTRL field #GPs", i);
	report_eq(wrmsr_safe(MSR_IA32_PERF_GLOBAL_CTRL, GLOBAL_STATUS_FIXED(i)), GP_VECTOR,
		  "absent FIXED_CTR%u: its GLOBAL_CTRL bit #GPs", i);
}

/*
 * RDPMC of every fixed index while the present counters count (soft mode
 * executes RDPMC only while something counts): present ones read a value no
 * larger than the later RDMSR, absent ones #GP.
 */
static void v4_fixed_rdpmc(const struct pmu_caps *c)
{
	uint64_t ctrl = 0, en = 0, got[V4_MAX_FIXED], after;
	int vec[V4_MAX_FIXED];

	pmu_reset_all(c);
	for (unsigned int i = 0; i < V4_MAX_FIXED; i++) {
		if (pmu_fixed_present(c, i)) {
			ctrl |= FIXED_CTRL(i, FIXED_CTRL_OS);
			en |= GLOBAL_STATUS_FIXED(i);
		}
	}
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, ctrl);
	wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, en);
	for (unsigned int i = 0; i < V4_MAX_FIXED; i++)
		vec[i] = rdpmc_safe(V4_FIXED_SELECT(i), &got[i]);
	wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, 0);
	for (unsigned int i = 0; i < V4_MAX_FIXED; i++) {
		if (!pmu_fixed_present(c, i)) {
			report_eq(vec[i], GP_VECTOR, "absent FIXED_CTR%u: RDPMC %#x #GPs", i,
				  V4_FIXED_SELECT(i));
			continue;
		}
		after = rdmsr(MSR_IA32_FIXED_CTR0 + i);
		report(vec[i] == 0 && got[i] <= after && (i == 3 || got[i] > 0),
		       "FIXED_CTR%u: RDPMC %#x reads %llu, later RDMSR %llu (vector %d)", i,
		       V4_FIXED_SELECT(i), (unsigned long long)got[i], (unsigned long long)after, vec[i]);
	}
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, 0);
}

static void v4_test_fixed_enum(const struct pmu_caps *c, const struct vmm_bootinfo *bi)
{
	struct cpuid_regs a = cpuid(0xa);
	bool hole = false;

	report_info("CPUID.0AH: ECX %#x, EDX[4:0] %u: fixed counters %#x", a.ecx, a.edx & 0x1f,
		    c->fixed_mask);
	if (c->version >= 5) {
		/* SDM 20.2.5: FxCtr[i] is supported iff ECX[i] || EDX[4:0] > i. */
		uint32_t want = a.ecx | ((1u << (a.edx & 0x1f)) - 1);

		report_eq(c->fixed_mask & 0xf, want & 0xf, "fixed counters = CPUID.0AH:ECX | (EDX[4:0] counters)");
	}
	for (unsigned int i = 0; i < V4_MAX_FIXED; i++) {
		if (pmu_fixed_present(c, i)) {
			v4_fixed_counts(c, i, v4_exact_mode(bi));
		} else {
			hole |= (c->fixed_mask >> i) != 0;
			v4_fixed_absent(i);
		}
	}
	if (!hole)
		report_skip("fixed counter hole", "fixed counters %#x have no hole (version %u); "
			    "run with --pmu-version=5 --pmu-fixed-mask=0x5", c->fixed_mask, c->version);
	v4_fixed_rdpmc(c);
}

/* ---- below version 4, and --pmu=off ---- */

static void v4_test_below(const struct pmu_caps *c)
{
	uint64_t v;

	report_eq(rdmsr_safe(MSR_IA32_PERF_GLOBAL_STATUS_SET, &v), GP_VECTOR,
		  "version %u: GLOBAL_STATUS_SET (0x391) does not exist", c->version);
	report_eq(rdmsr_safe(MSR_IA32_PERF_GLOBAL_INUSE, &v), GP_VECTOR,
		  "version %u: GLOBAL_INUSE (0x392) does not exist", c->version);
	if (c->version >= 2)
		report_eq(wrmsr_safe(MSR_IA32_PERF_GLOBAL_OVF_CTRL, GLOBAL_STATUS_CTR_FRZ), GP_VECTOR,
			  "version %u: GLOBAL_OVF_CTRL refuses CTR_FRZ (bit 59 is v4+)", c->version);
	report_skip("GLOBAL_STATUS_SET/RESET, GLOBAL_INUSE, fixed enumeration",
		    "PMU version %u < 4; run with --pmu-version=4 or 5", c->version);
}

static void v4_test_absent(const struct pmu_caps *c)
{
	static const uint32_t intel_msrs[] = {
		MSR_IA32_PERF_GLOBAL_STATUS, MSR_IA32_PERF_GLOBAL_OVF_CTRL,
		MSR_IA32_PERF_GLOBAL_STATUS_SET, MSR_IA32_PERF_GLOBAL_INUSE, MSR_IA32_FIXED_CTR0,
	};
	static const uint32_t amd_msrs[] = {
		MSR_AMD_PERF_GLOBAL_STATUS, MSR_AMD_PERF_GLOBAL_STATUS_CLR,
		MSR_AMD_PERF_GLOBAL_STATUS_SET,
	};
	const uint32_t *msrs = c->amd ? amd_msrs : intel_msrs;
	size_t n = c->amd ? sizeof(amd_msrs) / sizeof(amd_msrs[0]) : sizeof(intel_msrs) / sizeof(intel_msrs[0]);
	uint64_t v;

	if (cpuid(0).eax >= 0xa)
		report_eq(cpuid(0xa).eax, 0, "no PMU: CPUID.0AH:EAX is zero");
	if (cpuid(0x80000000).eax >= 0x80000022)
		report_eq(cpuid(0x80000022).eax, 0, "no PMU: CPUID.80000022H:EAX (PerfMonV2) is zero");
	for (size_t i = 0; i < n; i++) {
		report_eq(rdmsr_safe(msrs[i], &v), GP_VECTOR, "no PMU: rdmsr %#x #GPs", msrs[i]);
		report_eq(wrmsr_safe(msrs[i], 0), GP_VECTOR, "no PMU: wrmsr %#x #GPs", msrs[i]);
	}
	report_eq(rdpmc_safe(V4_FIXED_SELECT(0), &v), GP_VECTOR, "no PMU: RDPMC of fixed counter 0 #GPs");
}

int main(const struct vmm_bootinfo *bi)
{
	struct pmu_caps caps;

	pmu_init(&caps);
	report_info("pmu mode %u, %s, version %u, %u counters, fixed mask %#x", bi->pmu_mode,
		    caps.intel ? "Intel" : caps.amd ? "AMD" : "unknown vendor", caps.version,
		    caps.nr_counters, caps.fixed_mask);
	if (bi->pmu_mode == VMM_PMU_MODE_OFF) {
		v4_test_absent(&caps);
		tap_done();
	}
	apic_enable(0xff);
	apic_set_lvtpc(APIC_LVT_MASKED);
	if (caps.amd) {
		if (!caps.perfmon_v2) {
			uint64_t v;

			report_eq(rdmsr_safe(MSR_AMD_PERF_GLOBAL_STATUS_SET, &v), GP_VECTOR,
				  "no PerfMonV2: GLOBAL_STATUS_SET (%#x) does not exist",
				  MSR_AMD_PERF_GLOBAL_STATUS_SET);
			report_skip("GLOBAL_STATUS_SET/CLR", "AMD without PerfMonV2; run with --pmu-version=2");
		} else {
			v4_test_status_set(&caps);
		}
		report_skip("GLOBAL_INUSE, fixed enumeration", "Intel version 4/5 only");
		tap_done();
	}
	if (!caps.intel || caps.version == 0) {
		report_skip("version 4 PMU", "no Intel architectural PMU enumerated");
		tap_done();
	}
	if (caps.version < 4) {
		v4_test_below(&caps);
		tap_done();
	}
	v4_test_status_set(&caps);
	v4_test_ctr_frz(&caps);
	v4_test_inuse(&caps);
	v4_test_fixed_enum(&caps, bi);
	pmu_reset_all(&caps);
	tap_done();
}
