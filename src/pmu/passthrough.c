// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mediated vPMU interception rules, as KVM computes them (arch/x86/kvm/pmu.c
 * kvm_need_any_pmc_intercept(), kvm_need_perf_global_ctrl_intercept(),
 * kvm_need_rdpmc_intercept(); vmx.c/svm.c MSR intercept recalculation):
 * selectors are always intercepted so KVM can apply its event filter;
 * counters the guest has are passed through; the global MSRs only when the
 * guest has exactly the host's counters and version >= 2; RDPMC only when
 * counts and widths both match. KVM compares against the host PMU, not
 * against what it reports as supported.
 */
#include "pmu/passthrough.h"

#include <stdarg.h>
#include <string.h>

static unsigned int fls32(uint32_t v)
{
	return v ? 32 - (unsigned int)__builtin_clz(v) : 0;
}

static void add_rule(struct pmu_plan *p, const char *name, uint32_t first, uint32_t count,
		     uint32_t stride, bool pass, bool always, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void add_rule(struct pmu_plan *p, const char *name, uint32_t first, uint32_t count,
		     uint32_t stride, bool pass, bool always, const char *fmt, ...)
{
	struct pmu_msr_rule *r;
	va_list ap;

	if (!count || p->nr_rules >= PMU_PLAN_MAX_RULES)
		return;
	r = &p->rules[p->nr_rules++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->first = first;
	r->count = count;
	r->stride = stride;
	r->passthrough = pass;
	r->always = always;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static const char sel_why[] = "event selectors are always intercepted: KVM applies its event filter there";

struct counts {
	unsigned int g_gp, h_gp, g_fixed, h_fixed;
	bool equal;
	char why[120];		/* why the counts differ, when they do */
};

static void intel_counts(const struct pmu_shape *hw, const struct pmu_shape *g, struct counts *c)
{
	c->g_gp = g->nr_gp;
	c->h_gp = hw->nr_gp;
	c->g_fixed = fls32(g->fixed_mask);
	c->h_fixed = fls32(hw->fixed_mask);
	c->equal = c->g_gp == c->h_gp && c->g_fixed == c->h_fixed;
	snprintf(c->why, sizeof(c->why), "guest has %u GP + %u fixed counters, the host %u + %u",
		 c->g_gp, c->g_fixed, c->h_gp, c->h_fixed);
}

static void intel_counters(const struct counts *c, const struct pmu_shape *g, struct pmu_plan *p)
{
	bool fw = g->pdcm && (g->perf_capabilities & PMU_PERF_CAP_FW_WRITES);
	unsigned int h_fixed = c->h_fixed > c->g_fixed ? c->h_fixed : c->g_fixed;

	/* SDM 20.2.2 / 20.2.6: IA32_PMCx 0xC1, full-width IA32_A_PMCx 0x4C1, fixed 0x309. */
	add_rule(p, "IA32_PMCx", 0xc1, c->g_gp, 1, true, false, "the guest's GP counters");
	add_rule(p, "IA32_PMCx beyond the guest's", 0xc1 + c->g_gp,
		 c->h_gp > c->g_gp ? c->h_gp - c->g_gp : 0, 1, false, false,
		 "counters the guest does not have (#GP)");
	if (fw)
		add_rule(p, "IA32_A_PMCx", 0x4c1, c->g_gp, 1, true, false, "full-width aliases of the guest's GP counters");
	else
		add_rule(p, "IA32_A_PMCx", 0x4c1, c->g_gp, 1, false, false,
			 "guest IA32_PERF_CAPABILITIES has no FW_WRITES");
	add_rule(p, "IA32_FIXED_CTRx", 0x309, c->g_fixed, 1, true, false, "the guest's fixed counters");
	add_rule(p, "IA32_FIXED_CTRx beyond the guest's", 0x309 + c->g_fixed, h_fixed - c->g_fixed, 1,
		 false, false, "fixed counters the guest does not have (#GP)");
}

static void intel_rules(const struct pmu_shape *hw, const struct pmu_shape *g, struct pmu_plan *p)
{
	struct counts c;
	bool global;

	intel_counts(hw, g, &c);
	add_rule(p, "IA32_PERFEVTSELx", 0x186, c.h_gp > c.g_gp ? c.h_gp : c.g_gp, 1, false, true, sel_why);
	add_rule(p, "IA32_FIXED_CTR_CTRL", 0x38d, 1, 1, false, true, sel_why);
	intel_counters(&c, g, p);
	global = c.equal && g->version >= 2;
	/* 0x38E GLOBAL_STATUS, 0x38F GLOBAL_CTRL, 0x390 GLOBAL_OVF_CTRL (SDM 20.2.2). */
	if (global)
		add_rule(p, "IA32_PERF_GLOBAL_STATUS/CTRL/OVF_CTRL", 0x38e, 3, 1, true, false,
			 "guest counter counts equal the host's");
	else if (!c.equal)
		add_rule(p, "IA32_PERF_GLOBAL_STATUS/CTRL/OVF_CTRL", 0x38e, 3, 1, false, false, "%s", c.why);
	else
		add_rule(p, "IA32_PERF_GLOBAL_STATUS/CTRL/OVF_CTRL", 0x38e, 3, 1, false, false,
			 "guest PMU version %u has no global control", g->version);
	add_rule(p, "IA32_PERF_GLOBAL_STATUS_SET/INUSE", 0x391, 2, 1, false, true,
		 "never exposed to the guest");
	if (!c.equal)
		snprintf(p->rdpmc_why, sizeof(p->rdpmc_why), "%s", c.why);
	else if (g->gp_width != hw->gp_width || (c.g_fixed && g->fixed_width != hw->fixed_width))
		snprintf(p->rdpmc_why, sizeof(p->rdpmc_why), "guest counter widths %u/%u bits differ from "
			 "the host's %u/%u", g->gp_width, g->fixed_width, hw->gp_width, hw->fixed_width);
	else
		snprintf(p->rdpmc_why, sizeof(p->rdpmc_why), "guest counter counts and widths equal the host's");
	p->rdpmc_passthrough = c.equal && g->gp_width == hw->gp_width &&
			       (!c.g_fixed || g->fixed_width == hw->fixed_width);
}

static void amd_counters(unsigned int gn, unsigned int hn, const struct pmu_shape *g, struct pmu_plan *p)
{
	unsigned int k7 = gn < 4 ? gn : 4;

	/* APM vol. 2 13.2.1: K7 PERFCTR0-3 at 0xC0010004, F15H PERF_CTR i at 0xC0010201 + 2i. */
	add_rule(p, "PERFCTR0-3 (legacy)", 0xc0010004, k7, 1, true, false, "the guest's counters");
	add_rule(p, "PERFCTR0-3 beyond the guest's", 0xc0010004 + k7, 4 - k7, 1, false, false,
		 "counters the guest does not have");
	if (!g->perfctr_core) {
		add_rule(p, "PERF_CTRx (F15H)", 0xc0010201, hn, 2, false, false, "guest has no PERFCTR_CORE");
		return;
	}
	add_rule(p, "PERF_CTRx (F15H)", 0xc0010201, gn, 2, true, false, "the guest's counters");
	add_rule(p, "PERF_CTRx beyond the guest's", 0xc0010201 + 2 * gn, hn > gn ? hn - gn : 0, 2, false,
		 false, "counters the guest does not have");
}

static void amd_rules(const struct pmu_shape *hw, const struct pmu_shape *g, struct pmu_plan *p)
{
	unsigned int gn = g->amd_nr_counters, hn = hw->amd_nr_counters;
	bool equal = gn == hn;
	char why[120];

	snprintf(why, sizeof(why), "guest has %u counters, the host %u", gn, hn);
	add_rule(p, "EVNTSEL0-3 (legacy)", 0xc0010000, 4, 1, false, true, sel_why);
	if (hw->perfctr_core)
		add_rule(p, "PERF_CTLx (F15H)", 0xc0010200, hn, 2, false, true, sel_why);
	amd_counters(gn, hn, g, p);
	/* APM vol. 2 13.2.2: PerfMonV2 global MSRs 0xC0000300-0xC0000303. */
	if (equal && g->perfmon_v2)
		add_rule(p, "PERF_CNTR_GLOBAL_STATUS/CTL/STATUS_CLR/STATUS_SET", 0xc0000300, 4, 1, true, false,
			 "guest counter count equals the host's");
	else
		add_rule(p, "PERF_CNTR_GLOBAL_STATUS/CTL/STATUS_CLR/STATUS_SET", 0xc0000300, 4, 1, false, false,
			 "%s", equal ? "guest has no PerfMonV2" : why);
	p->rdpmc_passthrough = equal && g->amd_counter_width == hw->amd_counter_width;
	snprintf(p->rdpmc_why, sizeof(p->rdpmc_why), "%s",
		 p->rdpmc_passthrough ? "guest counter count and width equal the host's" : why);
}

void pmu_passthrough_plan(const struct pmu_shape *hw, const struct pmu_shape *g, struct pmu_plan *p)
{
	p->nr_rules = 0;
	if (g->vendor == PMU_VENDOR_AMD)
		amd_rules(hw, g, p);
	else
		intel_rules(hw, g, p);
}

/*
 * VMware's pseudo-PMCs (host TSC, real and apparent time at RDPMC ECX
 * 0x10000-0x10002) may be read at CPL 3 without CR4.PCE, so with the
 * backdoor on KVM intercepts RDPMC for every vCPU (pmu.c
 * kvm_need_rdpmc_intercept, applied by vmx.c
 * vmx_recalc_instruction_intercepts and svm.c
 * svm_recalc_instruction_intercepts). The counter MSRs are unaffected.
 */
void pmu_passthrough_vmware_backdoor(struct pmu_plan *p)
{
	p->rdpmc_passthrough = false;
	snprintf(p->rdpmc_why, sizeof(p->rdpmc_why), "kvm.enable_vmware_backdoor=Y: KVM intercepts "
		 "RDPMC for VMware's pseudo-PMCs");
}

const struct pmu_msr_rule *pmu_passthrough_find(const struct pmu_plan *p, uint32_t msr)
{
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct pmu_msr_rule *r = &p->rules[i];

		if (msr >= r->first && msr < r->first + r->count * r->stride &&
		    (msr - r->first) % r->stride == 0)
			return r;
	}
	return NULL;
}
