// SPDX-License-Identifier: GPL-2.0-only
/* The planner over every recorded host, every mode, overrides and refusals. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "cpuid/pmu_leaves.h"
#include "hostfile.h"
#include "pmu/passthrough.h"
#include "pmu/plan.h"

#define ANY 0xffffffffu

struct plan_case {
	const char *host;
	const char *opts[6];	/* "name=value" as on the command line */
	int ret;
	const char *msg;	/* substring of the error, or of the notes on success */
	enum pmu_mode mode;
	unsigned int version, nr_gp, fixed_mask, gp_width, amd_nr;	/* ANY: not checked */
	int perfmon_v2;		/* -1: not checked */
	bool cap_disable;
	const char *pin;	/* NULL: no pinning */
};

static const struct plan_case plan_cases[] = {
	/* Sapphire Rapids, mediated vPMU on */
	{ "spr-mediated", { "pmu=mediated" }, 0, "intercepted: IA32_PERF_GLOBAL_STATUS/CTRL/OVF_CTRL",
	  PMU_MODE_MEDIATED, 2, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "spr-mediated", { "pmu=auto" }, 0, "auto: chose mediated", PMU_MODE_MEDIATED, 2, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "spr-mediated", { "pmu=emulated" }, -EOPNOTSUPP,
	  "emulated vPMU is impossible while kvm_intel.enable_mediated_pmu=Y" },
	{ "spr-mediated", { "pmu=mediated", "pmu-lbr=on" }, -EOPNOTSUPP, "mediated vPMU offers no LBR" },
	{ "spr-mediated", { "pmu=mediated", "pmu-gp=9" }, -EINVAL, "offers 1 to 8 general-purpose counters" },
	{ "spr-mediated", { "pmu=mediated", "pmu-version=5" }, -EINVAL, "offers versions 1 to 2" },
	{ "spr-mediated", { "pmu=mediated", "pmu-width=49" }, -EINVAL, "counter widths 32 to 48 bits" },
	/* counters pass through at the hardware width; only RDPMC would be narrowed */
	{ "spr-mediated", { "pmu=mediated", "pmu-width=40" }, -EINVAL,
	  "--pmu-width=40: the mediated vPMU passes the counters through at the hardware's 48 bits" },
	{ "spr-mediated", { "pmu=mediated", "pmu-width=32" }, -EINVAL, "(KVM narrows only RDPMC)" },
	{ "spr-mediated", { "pmu=mediated", "pmu-width=48" }, 0, "intercepted: IA32_PERF_GLOBAL_STATUS/CTRL/OVF_CTRL",
	  PMU_MODE_MEDIATED, 2, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "zen4-mediated", { "pmu=mediated", "pmu-width=48" }, 0, "full pass-through",
	  PMU_MODE_MEDIATED, 0, 0, 0, 0, 6, 1, false, NULL },
	{ "spr-mediated-off", { "pmu=emulated", "pmu-width=40" }, 0, NULL,
	  PMU_MODE_EMULATED, 2, 8, 0x7, 40, ANY, -1, false, NULL },
	{ "spr-mediated", { "pmu=mediated", "pmu-gp=4" }, 0, "intercepted: IA32_PMCx beyond the guest's (0xc5, 4 MSRs)",
	  PMU_MODE_MEDIATED, 2, 4, 0x7, 48, ANY, -1, false, NULL },
	{ "spr-mediated", { "pmu=soft" }, 0, "KVM's vPMU is disabled", PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, true, NULL },
	{ "spr-mediated", { "pmu=off" }, 0, "KVM_PMU_CAP_DISABLE", PMU_MODE_OFF, 0, 0, 0, 0, 0, 0, true, NULL },
	/* Sapphire Rapids, mediated-capable kernel with the parameter N; and an older kernel */
	{ "spr-mediated-off", { "pmu=mediated" }, -EOPNOTSUPP,
	  "mediated vPMU needs kvm_intel.enable_mediated_pmu=Y (it is N)" },
	{ "spr-mediated-off", { "pmu=auto" }, 0, "auto: not mediated: mediated vPMU needs kvm_intel",
	  PMU_MODE_EMULATED, 2, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "spr-mediated-off", { "pmu=emulated", "pmu-filter=deny:0xc0,0x3c/0x1,fixed=0x1" }, 0,
	  "KVM event filter: deny 2 event(s), fixed counter bitmap 0x1", PMU_MODE_EMULATED, 2, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "spr-emulated", { "pmu=mediated" }, -EOPNOTSUPP, "this kernel has no mediated vPMU" },
	{ "spr-emulated", { "pmu=emulated", "pmu-gp=4", "pmu-width=40" }, 0, NULL,
	  PMU_MODE_EMULATED, 2, 4, 0x7, 40, ANY, -1, false, NULL },
	{ "spr-emulated", { "pmu=emulated", "pmu-fixed=1" }, 0, NULL, PMU_MODE_EMULATED, 2, 8, 0x1, 48, ANY, -1, false, NULL },
	{ "spr-emulated", { "pmu=emulated", "pmu-fixed=4" }, -EINVAL, "offers at most 3 fixed counters" },
	{ "spr-emulated", { "pmu=emulated", "pmu-version=1" }, 0, NULL, PMU_MODE_EMULATED, 1, 8, 0, 48, ANY, -1, false, NULL },
	{ "spr-emulated", { "pmu=emulated", "pmu-lbr=on" }, -EOPNOTSUPP, "KVM offers no legacy LBR" },
	{ "spr-emulated", { "pmu=emulated", "pmu-events=cycles,instructions" }, 0, NULL,
	  PMU_MODE_EMULATED, 2, 8, 0x7, 48, ANY, -1, false, NULL },
	/* Skylake-SP on 5.15: no KVM_CAP_PMU_CAPABILITY */
	{ "skx-linux-5.15", { "pmu=emulated", "pmu-lbr=on" }, 0, "LBR: KVM's guest LBR works only",
	  PMU_MODE_EMULATED, 2, 4, 0x7, 48, ANY, -1, false, NULL },
	{ "skx-linux-5.15", { "pmu=off" }, 0, "KVM_CAP_PMU_CAPABILITY is missing", PMU_MODE_OFF, 0, 0, 0, 0, 0, 0, false, NULL },
	{ "skx-linux-5.15", { "pmu=soft" }, -EOPNOTSUPP, "software PMU needs KVM's vPMU off" },
	{ "skx-linux-5.15", { "pmu=auto" }, 0, "auto: chose emulated", PMU_MODE_EMULATED, 2, 4, 0x7, 48, ANY, -1, false, NULL },
	{ "skx-linux-5.15", { "pmu=mediated" }, -EOPNOTSUPP, "this kernel has no mediated vPMU" },
	/* Zen 4, mediated vPMU on */
	{ "zen4-mediated", { "pmu=mediated" }, 0, "full pass-through", PMU_MODE_MEDIATED, 0, 0, 0, 0, 6, 1, false, NULL },
	{ "zen4-mediated", { "pmu=mediated", "pmu-gp=4" }, 0, "intercepted: PERF_CNTR_GLOBAL",
	  PMU_MODE_MEDIATED, 0, 0, 0, 0, 4, 1, false, NULL },
	{ "zen4-mediated", { "pmu=mediated", "pmu-version=1" }, 0, "guest has no PerfMonV2",
	  PMU_MODE_MEDIATED, 0, 0, 0, 0, 6, 0, false, NULL },
	{ "zen4-mediated", { "pmu=emulated" }, -EOPNOTSUPP, "impossible while kvm_amd.enable_mediated_pmu=Y" },
	{ "zen4-mediated", { "pmu=mediated", "pmu-fixed=1" }, -EINVAL, "Intel architectural perfmon features" },
	{ "zen4-mediated", { "pmu=mediated", "pmu-width=32" }, -EINVAL, "AMD counters are 48 bits wide" },
	{ "zen4-mediated", { "pmu=soft", "cpu-vendor=intel" }, 0, "GenuineIntel", PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, true, NULL },
	/* Zen 2: PERFCTR_CORE, no PerfMonV2 */
	{ "zen2-emulated", { "pmu=emulated" }, 0, NULL, PMU_MODE_EMULATED, 0, 0, 0, 0, 6, 0, false, NULL },
	{ "zen2-emulated", { "pmu=emulated", "pmu-gp=4" }, 0, NULL, PMU_MODE_EMULATED, 0, 0, 0, 0, 4, 0, false, NULL },
	{ "zen2-emulated", { "pmu=emulated", "pmu-gp=5" }, -EINVAL, "4 legacy counters or 6 with PERFCTR_CORE" },
	{ "zen2-emulated", { "pmu=emulated", "pmu-version=2" }, -EINVAL, "has no PerfMonV2" },
	{ "zen2-emulated", { "pmu=mediated" }, -EOPNOTSUPP, "kvm_amd.enable_mediated_pmu does not exist" },
	/* Alder Lake hybrid */
	{ "adl-hybrid", { "pmu=emulated" }, -EOPNOTSUPP, "KVM also turns its vPMU off by itself on hybrid hosts" },
	{ "adl-hybrid", { "pmu=auto" }, 0, "auto: chose soft", PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "adl-hybrid", { "pmu=soft", "pmu-cpus=core" }, 0, NULL, PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, false, "0-15" },
	{ "adl-hybrid-linux-6.0", { "pmu=emulated" }, 0, "hybrid host: vCPUs pinned to the cpu_core CPUs",
	  PMU_MODE_EMULATED, 2, 6, 0x7, 48, ANY, -1, false, "0-15" },
	/* KVM's PERF_TYPE_RAW events belong to cpu_core: E-cores would never count */
	{ "adl-hybrid-linux-6.0", { "pmu=emulated", "pmu-cpus=atom" }, -EINVAL,
	  "--pmu-cpus=atom: KVM's emulated vPMU creates PERF_TYPE_RAW perf events" },
	{ "adl-hybrid-linux-6.0", { "pmu=emulated", "pmu-cpus=18-20" }, -EINVAL,
	  "--pmu-cpus=18-20: KVM's emulated vPMU creates PERF_TYPE_RAW perf events" },
	{ "adl-hybrid-linux-6.0", { "pmu=emulated", "pmu-cpus=8-19" }, -EINVAL, "belong to the cpu_core PMU only" },
	{ "adl-hybrid-linux-6.0", { "pmu=emulated", "pmu-cpus=2,4-6" }, 0, "all covered by the cpu_core PMU",
	  PMU_MODE_EMULATED, 2, 6, 0x7, 48, ANY, -1, false, "2,4-6" },
	{ "adl-hybrid-linux-6.0", { "pmu=emulated", "pmu-cpus=core" }, 0, NULL,
	  PMU_MODE_EMULATED, 2, 6, 0x7, 48, ANY, -1, false, "0-15" },
	{ "adl-hybrid-linux-6.0", { "pmu=soft", "pmu-cpus=atom" }, 0, NULL,
	  PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, true, "16-23" },
	{ "adl-hybrid-linux-6.0", { "pmu=soft", "pmu-cpus=8-19" }, 0, NULL,
	  PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, true, "8-19" },
	{ "adl-hybrid-linux-6.0", { "pmu=auto", "pmu-cpus=atom" }, 0, "auto: not emulated: --pmu-cpus=atom",
	  PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, true, "16-23" },
	{ "adl-hybrid-linux-6.0", { "pmu=emulated", "pmu-cpus=common" }, 0, "has its counters stop",
	  PMU_MODE_EMULATED, 2, 6, 0x7, 48, ANY, -1, false, NULL },
	{ "spr-emulated", { "pmu=emulated", "pmu-cpus=core" }, -EINVAL, "this host has no cpu_core PMU" },
	/* This development host: no PMU at all */
	{ "dev-amd-no-pmu", { "pmu=auto" }, 0, "auto: not emulated: emulated vPMU needs kvm.enable_pmu=Y (it is N)",
	  PMU_MODE_SOFT, 0, 0, 0, 0, 6, 1, false, NULL },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel" }, 0, "GenuineIntel", PMU_MODE_SOFT, 4, 8, 0x7, 48, ANY, -1, false, NULL },
	{ "dev-amd-no-pmu", { "pmu=soft", "pmu-gp=4", "pmu-version=1" }, 0, NULL, PMU_MODE_SOFT, 0, 0, 0, 0, 4, 0, false, NULL },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel", "pmu-version=5", "pmu-fixed-mask=0xb" }, 0, NULL,
	  PMU_MODE_SOFT, 5, 8, 0xb, 48, ANY, -1, false, NULL },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel", "pmu-fixed-mask=0xb" }, -EINVAL, "needs --pmu-version=5" },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel", "pmu-fixed=4" }, -EINVAL, "fixed counter 3 needs --pmu-version=5" },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel", "pmu-version=1" }, 0, NULL,
	  PMU_MODE_SOFT, 1, 8, 0, 48, ANY, -1, false, NULL },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel", "pmu-events=cycles,llc-misses" }, -EINVAL,
	  "offers architectural events 0x27 only" },
	{ "dev-amd-no-pmu", { "pmu=soft", "cpu-vendor=intel", "pmu-lbr=12" }, -EINVAL, "8, 16 or 32" },
	{ "dev-amd-no-pmu", { "pmu=emulated", "cpu-vendor=amd" }, -EINVAL, "--cpu-vendor needs --pmu=soft" },
	{ "dev-amd-no-pmu", { "pmu=soft", "pmu-filter=allow:0xc0" }, 0,
	  "event filter applied by the software PMU: allow 1 event(s)", PMU_MODE_SOFT, ANY, ANY, ANY, ANY, ANY, -1,
	  false, NULL },
	{ "dev-amd-no-pmu", { "pmu=off", "pmu-filter=allow:0xc0" }, -EINVAL, "no meaning with --pmu=off" },
	{ "dev-amd-no-pmu", { "pmu=off", "pmu-gp=2" }, -EINVAL, "--pmu=off takes no PMU shape options" },
	{ "dev-amd-no-pmu", { "pmu=off" }, 0, "kvm.enable_pmu=N: KVM has no vPMU", PMU_MODE_OFF, 0, 0, 0, 0, 0, 0, false, NULL },
};

static int request_from(const char *const *opts, struct pmu_request *req, struct vmm_err *err)
{
	pmu_request_init(req);
	for (int i = 0; i < 6 && opts[i]; i++) {
		char name[64];
		const char *eq = strchr(opts[i], '=');
		int r;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - opts[i]), opts[i]);
		r = pmu_request_set(req, name, eq + 1, err);
		if (r)
			return r;
	}
	return 0;
}

static void check_shape(size_t i, const struct plan_case *c, const struct pmu_plan *p)
{
	const struct pmu_shape *s = &p->shape;

	assert_int_equal(s->mode, c->mode);
	if (c->version != ANY)
		assert_int_equal(s->version, c->version);
	if (c->nr_gp != ANY)
		assert_int_equal(s->nr_gp, c->nr_gp);
	if (c->fixed_mask != ANY)
		assert_int_equal(s->fixed_mask, c->fixed_mask);
	if (c->gp_width != ANY)
		assert_int_equal(s->gp_width, c->gp_width);
	if (c->amd_nr != ANY)
		assert_int_equal(s->amd_nr_counters, c->amd_nr);
	if (c->perfmon_v2 >= 0)
		assert_int_equal(s->perfmon_v2, c->perfmon_v2);
	assert_int_equal(p->cap_disable, c->cap_disable);
	if (c->pin) {
		assert_true(p->pin);
		assert_string_equal(p->pin_cpus, c->pin);
	} else if (p->pin) {
		fail_msg("case %zu: unexpected pinning to %s", i, p->pin_cpus);
	}
}

static void test_plan_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case *c = &plan_cases[i];
		static struct pmu_host h;
		static struct pmu_request req;
		static struct pmu_plan plan;
		struct vmm_err err = { 0 };
		int r;

		if (hostfile_load(c->host, &h, &err) || request_from(c->opts, &req, &err))
			fail_msg("case %zu: %s", i, err.msg);
		r = pmu_plan(&h, &req, &plan, &err);
		if (r != c->ret)
			fail_msg("case %zu (%s %s): returned %d, want %d: %s", i, c->host, c->opts[0], r, c->ret,
				 r ? err.msg : plan.notes);
		if (c->msg && !strstr(r ? err.msg : plan.notes, c->msg))
			fail_msg("case %zu (%s): '%s' not in '%s'", i, c->host, c->msg, r ? err.msg : plan.notes);
		/* An invalid request is the user's input (status 2); any other refusal is the host's (6). */
		if (r && err.input != (r == -EINVAL || r == -ERANGE || r == -E2BIG))
			fail_msg("case %zu (%s %s): %d with input %d: %s", i, c->host, c->opts[0], r, err.input,
				 err.msg);
		if (!r)
			check_shape(i, c, &plan);
	}
}

/*
 * Case i of a soft-PMU option table: plan opts on a host without a PMU.
 * True when it planned (as ret 0 wants); false when it was refused as
 * expected (ret, with msg in the message); any other outcome fails.
 */
static bool plan_soft_case(size_t i, const char *const *opts, int ret, const char *msg, struct pmu_plan *plan)
{
	static struct pmu_host h;
	static struct pmu_request req;
	struct vmm_err err = { 0 };
	int r;

	if (hostfile_load("dev-amd-no-pmu", &h, &err))
		fail_msg("case %zu: %s", i, err.msg);
	r = request_from(opts, &req, &err);
	if (!r)
		r = pmu_plan(&h, &req, plan, &err);
	if (r != ret)
		fail_msg("case %zu: returned %d, want %d: %s", i, r, ret, err.msg);
	if (r && !strstr(err.msg, msg))
		fail_msg("case %zu: '%s' not in '%s'", i, msg, err.msg);
	return r == 0;
}

/* --soft-engine and --soft-check reach the plan; the check needs the interpreter. */
static void test_soft_engine_options(void **state)
{
	static const struct {
		const char *opts[4];
		int ret;
		enum pmu_soft_engine engine;
		bool check;
		const char *msg;
	} cases[] = {
		{ { "pmu=soft" }, 0, PMU_SOFT_ENGINE_INTERP, false, NULL },
		{ { "pmu=soft", "soft-check=on" }, 0, PMU_SOFT_ENGINE_INTERP, true, NULL },
		{ { "pmu=soft", "soft-engine=step" }, 0, PMU_SOFT_ENGINE_STEP, false, NULL },
		{ { "pmu=soft", "soft-engine=interp" }, 0, PMU_SOFT_ENGINE_INTERP, false, NULL },
		{ { "pmu=soft", "soft-engine=interp", "soft-check=on" }, 0, PMU_SOFT_ENGINE_INTERP, true, NULL },
		{ { "pmu=soft", "soft-engine=interp", "soft-check=off" }, 0, PMU_SOFT_ENGINE_INTERP, false, NULL },
		{ { "pmu=soft", "soft-engine=step", "soft-check=on" }, -EINVAL, 0, false, "needs --soft-engine=interp" },
		{ { "pmu=soft", "soft-engine=fast" }, -EINVAL, 0, false, "must be step or interp" },
		{ { "pmu=soft", "soft-check=maybe" }, -EINVAL, 0, false, "expected on or off" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_plan plan;

		if (!plan_soft_case(i, cases[i].opts, cases[i].ret, cases[i].msg, &plan))
			continue;
		assert_int_equal(plan.soft_engine, cases[i].engine);
		assert_int_equal(plan.soft_check, cases[i].check);
	}
}

/* --soft-interp reaches the plan (default: while counting); always needs the interpreter engine. */
static void test_soft_interp_option(void **state)
{
	static const struct {
		const char *opts[4];
		int ret;
		enum pmu_soft_interp interp;
		const char *msg;
	} cases[] = {
		{ { "pmu=soft" }, 0, PMU_SOFT_INTERP_COUNTING, NULL },
		{ { "pmu=soft", "soft-interp=counting" }, 0, PMU_SOFT_INTERP_COUNTING, NULL },
		{ { "pmu=soft", "soft-interp=always" }, 0, PMU_SOFT_INTERP_ALWAYS, NULL },
		{ { "pmu=soft", "soft-engine=interp", "soft-interp=always" }, 0, PMU_SOFT_INTERP_ALWAYS, NULL },
		{ { "pmu=soft", "soft-interp=always", "soft-interp=counting" }, 0, PMU_SOFT_INTERP_COUNTING, NULL },
		{ { "pmu=soft", "soft-engine=step", "soft-interp=counting" }, 0, PMU_SOFT_INTERP_COUNTING, NULL },
		{ { "pmu=soft", "soft-engine=step", "soft-interp=always" }, -EINVAL, 0,
		  "--soft-interp=always interprets the guest: it needs --soft-engine=interp" },
		{ { "pmu=soft", "soft-interp=sometimes" }, -EINVAL, 0, "expected counting or always" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_plan plan;

		if (!plan_soft_case(i, cases[i].opts, cases[i].ret, cases[i].msg, &plan))
			continue;
		assert_int_equal(plan.soft_interp, cases[i].interp);
	}
}

/*
 * The recorded hosts as KVM would really report them: on Sapphire Rapids
 * KVM keeps PDCM and FW_WRITES (vmx.c vmx_set_cpu_caps,
 * vmx_get_perf_capabilities), so the guest gets FW_WRITES and, in mediated
 * mode, IA32_A_PMCx is passed through for its counters (vmx.c
 * vmx_recalc_pmu_msr_intercepts: intercepted only without guest FW_WRITES).
 */
static void test_recorded_guest_caps(void **state)
{
	static const struct {
		const char *host;
		const char *opts[3];
		bool pdcm;
		uint64_t perf_caps;
		int a_pmc0_pass;	/* -1: not mediated */
	} cases[] = {
		{ "spr-mediated", { "pmu=mediated" }, true, PMU_PERF_CAP_FW_WRITES, 1 },
		{ "spr-mediated", { "pmu=mediated", "pmu-gp=4" }, true, PMU_PERF_CAP_FW_WRITES, 1 },
		{ "spr-emulated", { "pmu=emulated" }, true, PMU_PERF_CAP_FW_WRITES, -1 },
		{ "spr-mediated-off", { "pmu=emulated" }, true, PMU_PERF_CAP_FW_WRITES, -1 },
		{ "skx-linux-5.15", { "pmu=emulated", "pmu-lbr=on" }, true, PMU_PERF_CAP_FW_WRITES | 5, -1 },
		{ "adl-hybrid-linux-6.0", { "pmu=emulated" }, true, PMU_PERF_CAP_FW_WRITES, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host h;
		static struct pmu_request req;
		static struct pmu_plan plan;
		struct vmm_err err = { 0 };
		const struct pmu_msr_rule *r;

		if (hostfile_load(cases[i].host, &h, &err) || request_from(cases[i].opts, &req, &err) ||
		    pmu_plan(&h, &req, &plan, &err))
			fail_msg("case %zu (%s): %s", i, cases[i].host, err.msg);
		assert_int_equal(plan.shape.pdcm, cases[i].pdcm);
		assert_int_equal(plan.shape.perf_capabilities, cases[i].perf_caps);
		assert_int_equal(plan.set_perf_caps, cases[i].pdcm);
		if (cases[i].a_pmc0_pass < 0)
			continue;
		r = pmu_passthrough_find(&plan, 0x4c1);
		assert_non_null(r);
		if (r->passthrough != cases[i].a_pmc0_pass)
			fail_msg("case %zu (%s): IA32_A_PMC0 passthrough %d (%s)", i, cases[i].host,
				 r->passthrough, r->why);
	}
}

/* Fresh hosts changed in one place: each refusal names its cause and its remedy. */
static void test_mediated_refusals(void **state)
{
	static const struct {
		const char *host;
		int field;	/* what to change */
		const char *want;
	} cases[] = {
		{ "spr-mediated", 0, "nmi_watchdog is on: echo 0 > /proc/sys/kernel/nmi_watchdog" },
		{ "spr-mediated", 1, "the host has no PDCM (CPUID.01H:ECX[15])" },
		{ "spr-mediated", 6, "if it stays N, KVM found the host PMU unfit: it needs version 4 and full-width" },
		{ "spr-mediated", 2, "needs kvm.enable_pmu=Y (it is N)" },
		{ "spr-mediated", 3, "KVM disables the vPMU on hybrid hosts" },
		{ "spr-mediated", 4, "host architectural perfmon version 4 or later (the host has version 3)" },
		{ "zen4-mediated", 5, "needs an AMD host with PerfMonV2" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host h;
		static struct pmu_plan plan;
		struct pmu_request req;
		struct vmm_err err = { 0 };
		struct pmu_host_leaf *l;

		assert_int_equal(hostfile_load(cases[i].host, &h, &err), 0);
		switch (cases[i].field) {
		case 0: h.nmi_watchdog = 1; break;
		case 1:
			l = (struct pmu_host_leaf *)pmu_host_leaf(&h.cpu, 0x1, 0);
			l->ecx &= ~(1u << 15);
			break;
		case 2: h.enable_pmu = PMU_PARAM_N; break;
		case 3:
			h.nr_pmus = 2;
			strcpy(h.pmus[0].name, "cpu_core");
			strcpy(h.pmus[1].name, "cpu_atom");
			break;
		case 4:
			l = (struct pmu_host_leaf *)pmu_host_leaf(&h.cpu, 0xa, 0);
			l->eax = (l->eax & ~0xffu) | 3;
			break;
		case 5:
			l = (struct pmu_host_leaf *)pmu_host_leaf(&h.cpu, 0x80000022, 0);
			l->eax = 0;
			break;
		case 6: h.mediated_intel = PMU_PARAM_N; break;
		}
		pmu_request_init(&req);
		req.mode = PMU_MODE_MEDIATED;
		assert_int_not_equal(pmu_plan(&h, &req, &plan, &err), 0);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: '%s' not in '%s'", i, cases[i].want, err.msg);
	}
}

/*
 * KVM's emulated IA32_PERF_CAPABILITIES is what the guest gets, not what KVM
 * checks for the mediated vPMU (the host's own MSR, pmu_intel.c
 * intel_pmu_is_mediated_pmu_supported): without FW_WRITES there the plan
 * still works, the guest just has no full-width writes.
 */
static void test_mediated_guest_fw_writes(void **state)
{
	static struct pmu_host h;
	static struct pmu_plan plan;
	struct pmu_request req;
	struct vmm_err err = { 0 };
	const struct pmu_msr_rule *r;

	(void)state;
	assert_int_equal(hostfile_load("spr-mediated", &h, &err), 0);
	h.perf_caps &= ~PMU_PERF_CAP_FW_WRITES;
	pmu_request_init(&req);
	req.mode = PMU_MODE_MEDIATED;
	if (pmu_plan(&h, &req, &plan, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(plan.shape.perf_capabilities & PMU_PERF_CAP_FW_WRITES, 0);
	r = pmu_passthrough_find(&plan, 0x4c1);
	assert_non_null(r);
	assert_false(r->passthrough);
}

/*
 * kvm.enable_vmware_backdoor=Y: KVM intercepts RDPMC even when the guest's
 * counters match the host's (pmu.c kvm_need_rdpmc_intercept); the counter
 * MSRs keep their pass-through.
 */
static void test_vmware_backdoor(void **state)
{
	static const struct {
		const char *host;
		enum pmu_param backdoor;
		bool rdpmc;
		const char *why;
	} cases[] = {
		{ "zen4-mediated", PMU_PARAM_N, true, "count and width equal the host's" },
		{ "zen4-mediated", PMU_PARAM_ABSENT, true, "count and width equal the host's" },
		{ "zen4-mediated", PMU_PARAM_Y, false, "kvm.enable_vmware_backdoor=Y: KVM intercepts RDPMC" },
		{ "spr-mediated", PMU_PARAM_Y, false, "kvm.enable_vmware_backdoor=Y: KVM intercepts RDPMC" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct pmu_host h;
		static struct pmu_plan plan;
		struct pmu_request req;
		struct vmm_err err = { 0 };
		const struct pmu_msr_rule *r;

		assert_int_equal(hostfile_load(cases[i].host, &h, &err), 0);
		h.vmware_backdoor = cases[i].backdoor;
		pmu_request_init(&req);
		req.mode = PMU_MODE_MEDIATED;
		if (pmu_plan(&h, &req, &plan, &err))
			fail_msg("case %zu: %s", i, err.msg);
		assert_int_equal(plan.rdpmc_passthrough, cases[i].rdpmc);
		if (!strstr(plan.rdpmc_why, cases[i].why))
			fail_msg("case %zu: '%s' not in '%s'", i, cases[i].why, plan.rdpmc_why);
		if (!cases[i].rdpmc && !strstr(plan.notes, "intercepted: RDPMC: kvm.enable_vmware_backdoor=Y"))
			fail_msg("case %zu: notes do not say RDPMC is intercepted: %s", i, plan.notes);
		r = pmu_passthrough_find(&plan, h.vendor == PMU_VENDOR_AMD ? 0xc0010201 : 0xc1);
		assert_non_null(r);
		assert_true(r->passthrough);
	}
}

/* Pass-through rules for hand-made host/guest shapes (Intel and AMD). */
static void test_passthrough_rules(void **state)
{
	static const struct {
		const char *what;
		enum pmu_vendor v;
		unsigned int h_gp, h_fixed, h_width, g_gp, g_fixed, g_width, g_version;
		bool g_fw;
		uint32_t msr;		/* MSR to look up */
		int msr_pass;		/* expected for msr */
		bool global, rdpmc;
	} cases[] = {
		{ "full shape", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 2, true, 0xc8, 1, true, true },
		{ "full shape, A_PMC", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 2, true, 0x4c1, 1, true, true },
		{ "no FW_WRITES", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 2, false, 0x4c1, 0, true, true },
		{ "fewer GP", PMU_VENDOR_INTEL, 8, 3, 48, 4, 3, 48, 2, true, 0xc5, 0, false, false },
		{ "fewer GP, own counter", PMU_VENDOR_INTEL, 8, 3, 48, 4, 3, 48, 2, true, 0xc4, 1, false, false },
		{ "fewer fixed", PMU_VENDOR_INTEL, 8, 3, 48, 8, 2, 48, 2, true, 0x30b, 0, false, false },
		{ "narrower", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 40, 2, true, 0xc1, 1, true, false },
		{ "version 1", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 1, true, 0x38f, 0, false, true },
		{ "selectors", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 2, true, 0x186, 0, true, true },
		{ "fixed ctrl", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 2, true, 0x38d, 0, true, true },
		{ "inuse", PMU_VENDOR_INTEL, 8, 3, 48, 8, 3, 48, 2, true, 0x392, 0, true, true },
		{ "AMD full", PMU_VENDOR_AMD, 6, 0, 48, 6, 0, 48, 2, false, 0xc001020b, 1, true, true },
		{ "AMD fewer", PMU_VENDOR_AMD, 6, 0, 48, 4, 0, 48, 2, false, 0xc0010209, 0, false, false },
		{ "AMD selector", PMU_VENDOR_AMD, 6, 0, 48, 6, 0, 48, 2, false, 0xc0010200, 0, true, true },
		{ "AMD legacy ctr", PMU_VENDOR_AMD, 6, 0, 48, 6, 0, 48, 2, false, 0xc0010007, 1, true, true },
		{ "AMD no v2", PMU_VENDOR_AMD, 6, 0, 48, 6, 0, 48, 1, false, 0xc0000301, 0, false, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pmu_shape hw = { .vendor = cases[i].v }, g = { .vendor = cases[i].v };
		static struct pmu_plan p;
		const struct pmu_msr_rule *r;
		uint32_t global_msr = cases[i].v == PMU_VENDOR_AMD ? 0xc0000301 : 0x38f;

		memset(&p, 0, sizeof(p));
		if (cases[i].v == PMU_VENDOR_INTEL) {
			hw.version = 5;
			hw.nr_gp = cases[i].h_gp;
			hw.fixed_mask = (1u << cases[i].h_fixed) - 1;
			hw.gp_width = hw.fixed_width = cases[i].h_width;
			g.version = cases[i].g_version;
			g.nr_gp = cases[i].g_gp;
			g.fixed_mask = (1u << cases[i].g_fixed) - 1;
			g.gp_width = g.fixed_width = cases[i].g_width;
			g.pdcm = true;
			g.perf_capabilities = cases[i].g_fw ? PMU_PERF_CAP_FW_WRITES : 0;
		} else {
			hw.amd_nr_counters = cases[i].h_gp;
			hw.perfctr_core = hw.perfmon_v2 = true;
			hw.amd_counter_width = g.amd_counter_width = 48;
			g.amd_nr_counters = cases[i].g_gp;
			g.perfctr_core = true;
			g.perfmon_v2 = cases[i].g_version >= 2;
		}
		pmu_passthrough_plan(&hw, &g, &p);
		r = pmu_passthrough_find(&p, cases[i].msr);
		if (!r)
			fail_msg("%s: no rule for MSR 0x%x", cases[i].what, cases[i].msr);
		if (r->passthrough != cases[i].msr_pass)
			fail_msg("%s: MSR 0x%x passthrough %d (%s)", cases[i].what, cases[i].msr, r->passthrough, r->why);
		r = pmu_passthrough_find(&p, global_msr);
		assert_non_null(r);
		if (r->passthrough != cases[i].global)
			fail_msg("%s: global MSRs passthrough %d (%s)", cases[i].what, r->passthrough, r->why);
		if (p.rdpmc_passthrough != cases[i].rdpmc)
			fail_msg("%s: RDPMC passthrough %d (%s)", cases[i].what, p.rdpmc_passthrough, p.rdpmc_why);
	}
}

/* Every host x every mode: a successful plan shapes the host's KVM CPUID into exactly its shape. */
static void test_every_host_cpuid(void **state)
{
	unsigned int planned = 0;

	(void)state;
	for (size_t i = 0; i < NR_HOSTS; i++) {
		for (int m = PMU_MODE_OFF; m < PMU_MODE_AUTO; m++) {
			static struct pmu_host h;
			static struct pmu_plan plan;
			static struct cpuid_table t;
			struct pmu_request req;
			struct pmu_shape back;
			struct vmm_err err = { 0 };

			assert_int_equal(hostfile_load(all_hosts[i], &h, &err), 0);
			pmu_request_init(&req);
			req.mode = m;
			if (pmu_plan(&h, &req, &plan, &err)) {
				assert_true(err.msg[0] != '\0');
				continue;
			}
			planned++;
			assert_int_equal(plan.shape.mode, m);
			pmu_host_cpuid_table(&h, PMU_HOST_KVM, &t);
			if (cpuid_apply_pmu(&t, &plan.shape, &err))
				fail_msg("%s %s: %s", all_hosts[i], pmu_mode_name(m), err.msg);
			cpuid_read_pmu(&t, &back);
			assert_int_equal(back.vendor, plan.shape.vendor);
			assert_int_equal(back.version, plan.shape.version);
			assert_int_equal(back.nr_gp, plan.shape.nr_gp);
			assert_int_equal(back.gp_width, plan.shape.gp_width);
			assert_int_equal(back.fixed_mask, plan.shape.fixed_mask);
			assert_int_equal(back.pdcm, plan.shape.pdcm);
			assert_int_equal(back.perfctr_core, plan.shape.perfctr_core);
			assert_int_equal(back.perfmon_v2, plan.shape.perfmon_v2);
			if (m == PMU_MODE_OFF)
				assert_int_equal(back.version, 0);
		}
	}
	/* off everywhere, plus at least one other mode on every host */
	assert_true(planned >= 2 * NR_HOSTS);
}

static bool have_python3(void)
{
	return system("python3 -c '' >/dev/null 2>&1") == 0;
}

static void check_json(const char *what, void (*emit)(FILE *, const void *), const void *arg)
{
	char path[] = "/tmp/vmm-json-XXXXXX", cmd[128];
	int fd = mkostemp(path, O_CLOEXEC);
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	emit(f, arg);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null", path);
	if (system(cmd) != 0)
		fail_msg("%s: output is not valid JSON (%s kept)", what, path);
	unlink(path);
}

static void emit_caps(FILE *f, const void *h)
{
	pmu_host_print_caps(f, h, true);
}

static void emit_plan(FILE *f, const void *p)
{
	pmu_plan_print(f, p, true);
}

static void test_json_valid(void **state)
{
	(void)state;
	if (!have_python3())
		skip();
	for (size_t i = 0; i < NR_HOSTS; i++) {
		static struct pmu_host h;
		static struct pmu_plan plan;
		struct pmu_request req;
		struct vmm_err err = { 0 };

		assert_int_equal(hostfile_load(all_hosts[i], &h, &err), 0);
		/* a quote and a backslash must be escaped; bytes that are not UTF-8 replaced */
		snprintf(h.name, sizeof(h.name), "%.20s \"q\" \\ \xff\xc0\xaf\xed\xa0\x80", all_hosts[i]);
		snprintf(h.kernel, sizeof(h.kernel), "6.1\x80\xf4\x90\x80\x80\xe2\x82");
		check_json(all_hosts[i], emit_caps, &h);
		pmu_request_init(&req);
		assert_int_equal(pmu_plan(&h, &req, &plan, &err), 0);
		check_json(all_hosts[i], emit_plan, &plan);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_cases),
		cmocka_unit_test(test_soft_engine_options),
		cmocka_unit_test(test_soft_interp_option),
		cmocka_unit_test(test_recorded_guest_caps),
		cmocka_unit_test(test_mediated_refusals),
		cmocka_unit_test(test_mediated_guest_fw_writes),
		cmocka_unit_test(test_vmware_backdoor),
		cmocka_unit_test(test_passthrough_rules),
		cmocka_unit_test(test_every_host_cpuid),
		cmocka_unit_test(test_json_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
