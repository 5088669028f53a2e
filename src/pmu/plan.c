// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PMU planner. Each mode has one function that either fills the plan or
 * refuses with a reason and a remedy; auto tries them in order. Rules come
 * from Documentation/virt/kvm/api.rst (KVM_CAP_PMU_CAPABILITY,
 * KVM_SET_PMU_EVENT_FILTER), arch/x86/kvm/{pmu.c,cpuid.c} and the mediated
 * vPMU series (Linux 7.0); see docs/pmu-modes.md.
 */
#include "pmu/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "common/kvm-compat.h"
#include "pmu/passthrough.h"

static void plan_note(struct pmu_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void plan_note(struct pmu_plan *p, const char *fmt, ...)
{
	size_t off = strlen(p->notes);
	va_list ap;

	if (off + 2 >= sizeof(p->notes))
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes + off, sizeof(p->notes) - off - 1, fmt, ap);
	va_end(ap);
	off = strlen(p->notes);
	p->notes[off] = '\n';
	p->notes[off + 1] = '\0';
}

const char *pmu_mode_name(enum pmu_mode m)
{
	static const char *const names[] = { "off", "emulated", "mediated", "soft", "auto" };

	return (unsigned int)m <= PMU_MODE_AUTO ? names[m] : "?";
}

int pmu_mode_parse(const char *s, enum pmu_mode *m)
{
	for (int i = PMU_MODE_OFF; i <= PMU_MODE_AUTO; i++) {
		if (!strcmp(s, pmu_mode_name(i))) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

void pmu_request_init(struct pmu_request *req)
{
	memset(req, 0, sizeof(*req));
	req->mode = PMU_MODE_AUTO;
	req->soft_engine = PMU_SOFT_ENGINE_INTERP;
}

static uint32_t low_mask(unsigned int n)
{
	return n >= 32 ? ~0u : (1u << n) - 1;
}

static unsigned int fls32(uint32_t v)
{
	return v ? 32 - (unsigned int)__builtin_clz(v) : 0;
}

static bool req_has_shape(const struct pmu_request *r)
{
	return r->has_version || r->has_gp || r->has_fixed || r->has_fixed_mask || r->has_width ||
	       r->has_events || r->lbr == PMU_LBR_ON;
}

/* ---- shape overrides ---- */

static int over_version(const struct pmu_request *r, const struct pmu_shape *lim, struct pmu_shape *s,
			const char *who, struct vmm_err *err)
{
	if (!r->has_version)
		return 0;
	if (r->version < 1 || r->version > lim->version)
		return vmm_errf(err, EINVAL, "--pmu-version=%u: %s offers versions 1 to %u", r->version,
				who, lim->version);
	s->version = r->version;
	/* SDM 20.2.1: version 1 has no fixed counters and no global control. */
	if (s->version == 1 && !r->has_fixed && !r->has_fixed_mask) {
		s->nr_fixed = s->fixed_width = 0;
		s->fixed_mask = 0;
	}
	if (s->version < 5 && !r->has_fixed_mask)
		s->fixed_mask = low_mask(s->nr_fixed);
	return 0;
}

static int over_fixed(const struct pmu_request *r, const struct pmu_shape *lim, struct pmu_shape *s,
		      const char *who, struct vmm_err *err)
{
	if (r->has_fixed && r->has_fixed_mask)
		return vmm_errf(err, EINVAL, "give either --pmu-fixed or --pmu-fixed-mask, not both");
	if (r->has_fixed) {
		if (r->nr_fixed > fls32(lim->fixed_mask) || (r->nr_fixed && !(lim->fixed_mask & 1)))
			return vmm_errf(err, EINVAL, "--pmu-fixed=%u: %s offers at most %u fixed counters",
					r->nr_fixed, who, fls32(lim->fixed_mask));
		s->nr_fixed = r->nr_fixed;
		s->fixed_mask = low_mask(r->nr_fixed);
	}
	if (r->has_fixed_mask) {
		if (r->fixed_mask & ~lim->fixed_mask)
			return vmm_errf(err, EINVAL, "--pmu-fixed-mask=0x%x: %s offers fixed counters 0x%x only",
					r->fixed_mask, who, lim->fixed_mask);
		s->fixed_mask = r->fixed_mask;
		/* EDX[4:0] counts the contiguous counters from 0; ECX (v5) names the rest. */
		s->nr_fixed = (unsigned int)__builtin_ctz(~r->fixed_mask);
		if (r->fixed_mask != low_mask(s->nr_fixed) && s->version < 5)
			return vmm_errf(err, EINVAL, "--pmu-fixed-mask=0x%x is not contiguous from counter 0: "
					"that needs --pmu-version=5 (version is %u)", r->fixed_mask, s->version);
	}
	/* SDM 20.2.5: fixed counter 3 (topdown slots) is enumerated from version 5. */
	if ((s->fixed_mask & ~0x7u) && s->version < 5)
		return vmm_errf(err, EINVAL, "fixed counter 3 needs --pmu-version=5 (version is %u)",
				s->version);
	if (s->version == 1 && s->fixed_mask)
		return vmm_errf(err, EINVAL, "architectural perfmon version 1 has no fixed counters "
				"(SDM 20.2.1); drop --pmu-fixed or use version 2 or later");
	if (s->fixed_mask && !s->fixed_width)
		s->fixed_width = lim->fixed_width;
	return 0;
}

static int over_width(const struct pmu_request *r, const struct pmu_shape *lim, struct pmu_shape *s,
		      const char *who, struct vmm_err *err)
{
	if (!r->has_width)
		return 0;
	if (r->width < 32 || r->width > lim->gp_width)
		return vmm_errf(err, EINVAL, "--pmu-width=%u: %s offers counter widths 32 to %u bits",
				r->width, who, lim->gp_width);
	if (s->fixed_mask && r->width > lim->fixed_width)
		return vmm_errf(err, EINVAL, "--pmu-width=%u: %s offers fixed counters up to %u bits",
				r->width, who, lim->fixed_width);
	s->gp_width = r->width;
	if (s->fixed_mask)
		s->fixed_width = r->width;
	return 0;
}

static int over_events(const struct pmu_request *r, const struct pmu_shape *lim, struct pmu_shape *s,
		       const char *who, struct vmm_err *err)
{
	uint32_t offered = ~lim->events_unavailable & low_mask(lim->events_len);

	if (!r->has_events)
		return 0;
	if (r->events_available & ~offered)
		return vmm_errf(err, EINVAL, "--pmu-events=0x%x: %s offers architectural events 0x%x only "
				"(CPUID.0AH:EBX, a set bit there means unavailable)", r->events_available,
				who, offered);
	s->events_unavailable = ~r->events_available & low_mask(s->events_len);
	return 0;
}

static int apply_intel_overrides(const struct pmu_request *r, const struct pmu_shape *lim,
				 struct pmu_shape *s, const char *who, struct vmm_err *err)
{
	int ret;

	if (r->has_gp) {
		if (r->nr_gp < 1 || r->nr_gp > lim->nr_gp)
			return vmm_errf(err, EINVAL, "--pmu-gp=%u: %s offers 1 to %u general-purpose counters",
					r->nr_gp, who, lim->nr_gp);
		s->nr_gp = r->nr_gp;
	}
	if ((ret = over_version(r, lim, s, who, err)) || (ret = over_fixed(r, lim, s, who, err)) ||
	    (ret = over_width(r, lim, s, who, err)) || (ret = over_events(r, lim, s, who, err)))
		return ret;
	return 0;
}

static int amd_counters(const struct pmu_request *r, const struct pmu_shape *lim, struct pmu_shape *s,
			const char *who, struct vmm_err *err)
{
	unsigned int n = r->has_gp ? r->nr_gp : (s->perfmon_v2 ? lim->amd_nr_counters : 0);

	if (s->perfmon_v2) {
		/* APM vol. 2 13.2.2: PerfMonV2 enumerates the count in 80000022H.EBX[3:0]. */
		if (n < 1 || n > lim->amd_nr_counters)
			return vmm_errf(err, EINVAL, "--pmu-gp=%u: %s offers 1 to %u core counters", n, who,
					lim->amd_nr_counters);
		s->amd_nr_counters = n;
		s->perfctr_core = true;
		return 0;
	}
	if (!r->has_gp)
		n = lim->perfctr_core ? 6 : 4;
	if (n == 6 && !lim->perfctr_core)
		return vmm_errf(err, EINVAL, "--pmu-gp=6: %s has no PERFCTR_CORE (4 legacy counters only)", who);
	if (n != 4 && n != 6)
		return vmm_errf(err, EINVAL, "--pmu-gp=%u: without PerfMonV2 an AMD PMU has 4 legacy "
				"counters or 6 with PERFCTR_CORE", n);
	s->amd_nr_counters = n;
	s->perfctr_core = n == 6;
	return 0;
}

static int apply_amd_overrides(const struct pmu_request *r, const struct pmu_shape *lim,
			       struct pmu_shape *s, const char *who, struct vmm_err *err)
{
	if (r->has_fixed || r->has_fixed_mask || r->has_events || r->lbr == PMU_LBR_ON)
		return vmm_errf(err, EINVAL, "fixed counters, --pmu-events and --pmu-lbr are Intel "
				"architectural perfmon features; this guest's PMU is AMD");
	if (r->has_width && r->width != 48)
		return vmm_errf(err, EINVAL, "--pmu-width=%u: AMD counters are 48 bits wide", r->width);
	if (r->has_version) {
		if (r->version != 1 && r->version != 2)
			return vmm_errf(err, EINVAL, "--pmu-version=%u: an AMD PMU is version 1 (no PerfMonV2) "
					"or 2 (PerfMonV2)", r->version);
		if (r->version == 2 && !lim->perfmon_v2)
			return vmm_errf(err, EINVAL, "--pmu-version=2: %s has no PerfMonV2", who);
		s->perfmon_v2 = r->version == 2;
	}
	return amd_counters(r, lim, s, who, err);
}

static int apply_overrides(const struct pmu_request *r, const struct pmu_shape *lim, struct pmu_shape *s,
			   const char *who, struct vmm_err *err)
{
	if (s->vendor == PMU_VENDOR_AMD)
		return apply_amd_overrides(r, lim, s, who, err);
	return apply_intel_overrides(r, lim, s, who, err);
}

/* ---- common checks ---- */

static int check_no_vendor(const struct pmu_request *r, enum pmu_mode m, struct vmm_err *err)
{
	if (r->has_vendor)
		return vmm_errf(err, EINVAL, "--cpu-vendor needs --pmu=soft: KVM's %s vPMU follows the host "
				"vendor", pmu_mode_name(m));
	return 0;
}

static int plan_filter(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
		       struct vmm_err *err)
{
	if (!r->filter.set)
		return 0;
	if (p->shape.mode == PMU_MODE_OFF)
		return vmm_errf(err, EINVAL, "--pmu-filter has no meaning with --pmu=off: nothing counts");
	if (p->shape.mode == PMU_MODE_SOFT) {
		/* The software PMU applies it with KVM_SET_PMU_EVENT_FILTER's semantics. */
		p->filter = r->filter;
		plan_note(p, "soft: event filter applied by the software PMU: %s %u event(s), fixed counter "
			  "bitmap 0x%x", r->filter.action == PMU_FILTER_ALLOW ? "allow" : "deny",
			  r->filter.nevents, r->filter.fixed_bitmap);
		return 0;
	}
	if (!h->cap_pmu_event_filter)
		return vmm_errf(err, EOPNOTSUPP, "--pmu-filter needs KVM_CAP_PMU_EVENT_FILTER (Linux 5.7+), "
				"which this kernel does not offer");
	if (r->filter.nevents > PMU_FILTER_MAX_EVENTS)
		return vmm_errf(err, E2BIG, "--pmu-filter: %u events, KVM takes at most %d",
				r->filter.nevents, PMU_FILTER_MAX_EVENTS);
	p->filter = r->filter;
	plan_note(p, "KVM event filter: %s %u event(s), fixed counter bitmap 0x%x",
		  r->filter.action == PMU_FILTER_ALLOW ? "allow" : "deny", r->filter.nevents,
		  r->filter.fixed_bitmap);
	return 0;
}

/* ---- hybrid hosts ---- */

static int pin_to_pmu(const struct pmu_host *h, const char *name, struct pmu_plan *p, struct vmm_err *err)
{
	const struct pmu_host_pmu *pmu = pmu_host_find_pmu(h, name);

	if (!pmu)
		return vmm_errf(err, EINVAL, "--pmu-cpus: this host has no %s PMU (it is not an Intel "
				"hybrid host)", name);
	if (!pmu->cpus[0])
		return vmm_errf(err, EINVAL, "--pmu-cpus: the %s PMU has no CPU list", name);
	p->pin = true;
	snprintf(p->pin_cpus, sizeof(p->pin_cpus), "%s", pmu->cpus);
	return 0;
}

/*
 * KVM's emulated vPMU backs each guest counter with a PERF_TYPE_RAW event
 * (arch/x86/kvm/pmu.c reprogram_counter -> pmc_reprogram_counter), and on a
 * hybrid host PERF_TYPE_RAW is the cpu_core PMU: perf registers cpu_core
 * with that type and cpu_atom with a dynamic one (arch/x86/events/core.c
 * init_hw_perf_events). Such an event is never scheduled on a cpu_atom
 * CPU, so guest counters on the E-cores never count.
 */
static int refuse_atom(const char *what, struct vmm_err *err)
{
	return vmm_errf(err, EINVAL, "--pmu-cpus=%s: KVM's emulated vPMU creates PERF_TYPE_RAW perf "
			"events, which on a hybrid host belong to the cpu_core PMU only, so guest counters "
			"on cpu_atom CPUs never count; use --pmu-cpus=core (or cpu_core CPUs), or "
			"--pmu=soft", what);
}

/* An explicit list must stay within one host PMU on a hybrid host (cpu_core for emulated). */
static int pin_to_list(const struct pmu_host *h, const char *list, struct pmu_plan *p, struct vmm_err *err)
{
	const struct pmu_host_pmu *core = pmu_host_find_pmu(h, "cpu_core");
	struct pmu_cpuset want, have;
	int r = pmu_cpulist_parse(list, &want, err);

	if (r)
		return r;
	p->pin = true;
	snprintf(p->pin_cpus, sizeof(p->pin_cpus), "%s", list);
	if (!pmu_host_is_hybrid(h) || p->shape.mode == PMU_MODE_SOFT || p->shape.mode == PMU_MODE_OFF)
		return 0;
	if (p->shape.mode == PMU_MODE_EMULATED) {
		if (core->cpus[0] && !pmu_cpulist_parse(core->cpus, &have, NULL) &&
		    pmu_cpuset_subset(&want, &have)) {
			plan_note(p, "vCPUs pinned to CPUs %s, all covered by the cpu_core PMU", list);
			return 0;
		}
		return refuse_atom(list, err);
	}
	for (unsigned int i = 0; i < h->nr_pmus; i++) {
		if (!h->pmus[i].cpus[0] || pmu_cpulist_parse(h->pmus[i].cpus, &have, NULL))
			continue;
		if (pmu_cpuset_subset(&want, &have)) {
			plan_note(p, "vCPUs pinned to CPUs %s, all covered by the %s PMU", list, h->pmus[i].name);
			return 0;
		}
	}
	return vmm_errf(err, EINVAL, "--pmu-cpus=%s spans several host PMUs: pick CPUs of one of "
			"cpu_core or cpu_atom, or use --pmu-cpus=common", list);
}

static int plan_cpus(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
		     struct vmm_err *err)
{
	bool hybrid = pmu_host_is_hybrid(h);
	bool kvm_counts = p->shape.mode == PMU_MODE_EMULATED;

	switch (r->cpus) {
	case PMU_CPUS_CORE:
		return pin_to_pmu(h, "cpu_core", p, err);
	case PMU_CPUS_ATOM:
		if (hybrid && kvm_counts)
			return refuse_atom("atom", err);
		return pin_to_pmu(h, "cpu_atom", p, err);
	case PMU_CPUS_LIST:
		return pin_to_list(h, r->cpu_list, p, err);
	case PMU_CPUS_COMMON:
		if (hybrid && kvm_counts)
			plan_note(p, "no pinning (--pmu-cpus=common): the guest sees the counters every core "
				  "type has, but KVM's PERF_TYPE_RAW events belong to the cpu_core PMU, so "
				  "a vCPU thread has its counters stop while it runs on a cpu_atom CPU");
		return 0;
	default:
		break;
	}
	if (!hybrid || !kvm_counts)
		return 0;
	/* Default on hybrid hosts: the host perf events behind the guest's counters
	 * only count on CPUs of the PMU they were created for. */
	plan_note(p, "hybrid host: vCPUs pinned to the cpu_core CPUs so the host perf events behind "
		  "the guest counters keep counting (--pmu-cpus=atom|common|LIST to change)");
	return pin_to_pmu(h, "cpu_core", p, err);
}

/* ---- off ---- */

static int plan_off(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
		    struct vmm_err *err)
{
	if (req_has_shape(r) || r->has_vendor)
		return vmm_errf(err, EINVAL, "--pmu=off takes no PMU shape options");
	memset(&p->shape, 0, sizeof(p->shape));
	p->shape.mode = PMU_MODE_OFF;
	p->shape.vendor = h->vendor;
	p->cap_disable = h->cap_pmu_capability & KVM_PMU_CAP_DISABLE;
	if (p->cap_disable)
		plan_note(p, "KVM's vPMU disabled with KVM_CAP_PMU_CAPABILITY(KVM_PMU_CAP_DISABLE); "
			  "CPUID says there is no PMU");
	else if (h->enable_pmu == PMU_PARAM_N)
		plan_note(p, "kvm.enable_pmu=N: KVM has no vPMU; CPUID says there is no PMU");
	else
		plan_note(p, "KVM_CAP_PMU_CAPABILITY is missing (kernels before 5.18): KVM's vPMU may "
			  "still answer PMU MSRs (on AMD the 4 legacy counters keep working); CPUID "
			  "says there is no PMU");
	return 0;
}

/* ---- emulated ---- */

static int emulated_available(const struct pmu_host *h, const struct pmu_shape *kvm, struct vmm_err *err)
{
	if (h->enable_pmu == PMU_PARAM_N)
		return vmm_errf(err, EOPNOTSUPP, "emulated vPMU needs kvm.enable_pmu=Y (it is N%s): load kvm "
				"with enable_pmu=1", pmu_host_is_hybrid(h) ?
				"; KVM also turns its vPMU off by itself on hybrid hosts since Linux 6.2" : "");
	if (pmu_host_mediated_param(h) == PMU_PARAM_Y)
		return vmm_errf(err, EOPNOTSUPP, "emulated vPMU is impossible while %s=Y: KVM gives every VM "
				"with an in-kernel irqchip the mediated vPMU and no vPMU to VMs without one; "
				"reload %s with enable_mediated_pmu=0", pmu_host_mediated_param_name(h),
				h->vendor == PMU_VENDOR_AMD ? "kvm_amd" : "kvm_intel");
	if (h->vendor == PMU_VENDOR_INTEL && !kvm->version)
		return vmm_errf(err, EOPNOTSUPP, "emulated vPMU: KVM reports no architectural PMU "
				"(KVM_GET_SUPPORTED_CPUID leaf 0AH is zero; the host has no PMU KVM can use)");
	if (h->vendor == PMU_VENDOR_AMD && h->enable_pmu != PMU_PARAM_Y && !kvm->perfctr_core)
		return vmm_errf(err, EOPNOTSUPP, "emulated vPMU: cannot tell whether KVM has an AMD vPMU "
				"(no kvm.enable_pmu parameter, no PERFCTR_CORE reported)");
	return 0;
}

static int emulated_lbr(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
			struct vmm_err *err)
{
	unsigned int fmt = (unsigned int)(h->perf_caps & PMU_PERF_CAP_LBR_FMT);

	if (r->lbr != PMU_LBR_ON)
		return 0;
	if (!p->shape.pdcm || !fmt || fmt == 0x3f)
		return vmm_errf(err, EOPNOTSUPP, "--pmu-lbr: KVM offers no legacy LBR (PERF_CAPABILITIES LBR "
				"format is 0x%x%s)", fmt, fmt == 0x3f ? ", architectural LBR" : "");
	p->shape.lbr_format = fmt;
	p->shape.lbr_depth = r->lbr_depth ? r->lbr_depth : 32;
	p->shape.perf_capabilities |= fmt;
	plan_note(p, "LBR: KVM's guest LBR works only when the guest CPUID family/model is the host's");
	return 0;
}

static int plan_emulated(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
			 struct vmm_err *err)
{
	struct pmu_shape kvm;
	int ret;

	pmu_host_shape(h, PMU_HOST_KVM, &kvm);
	if ((ret = check_no_vendor(r, PMU_MODE_EMULATED, err)) || (ret = emulated_available(h, &kvm, err)))
		return ret;
	p->shape = kvm;
	p->shape.mode = PMU_MODE_EMULATED;
	ret = apply_overrides(r, &kvm, &p->shape, "KVM's emulated vPMU", err);
	if (ret)
		return ret;
	if (h->vendor == PMU_VENDOR_INTEL) {
		p->shape.pdcm = kvm.pdcm && h->perf_caps_valid;
		p->shape.perf_capabilities = p->shape.pdcm ? h->perf_caps & PMU_PERF_CAP_FW_WRITES : 0;
		ret = emulated_lbr(h, r, p, err);
		if (ret)
			return ret;
		p->set_perf_caps = p->shape.pdcm;
	}
	p->irqchip_required = true;
	plan_note(p, "emulated: KVM backs each guest counter with a host perf event; PMIs go through "
		  "the in-kernel LAPIC (LVTPC)");
	return 0;
}

/* ---- mediated ---- */

static int mediated_params(const struct pmu_host *h, struct vmm_err *err)
{
	const char *param = pmu_host_mediated_param_name(h);
	enum pmu_param v = pmu_host_mediated_param(h);

	if (v == PMU_PARAM_ABSENT)
		return vmm_errf(err, EOPNOTSUPP, "this kernel has no mediated vPMU (%s does not exist; it "
				"needs Linux 7.0 or later)", param);
	if (h->enable_pmu != PMU_PARAM_Y)
		return vmm_errf(err, EOPNOTSUPP, "mediated vPMU needs kvm.enable_pmu=Y (it is %s): load kvm "
				"with enable_pmu=1", pmu_param_name(h->enable_pmu));
	/* KVM also leaves it N when the host PMU cannot be mediated (pmu.c kvm_init_pmu_capability). */
	if (v != PMU_PARAM_Y)
		return vmm_errf(err, EOPNOTSUPP, "mediated vPMU needs %s=Y (it is N): reload %s with "
				"enable_mediated_pmu=1 (if it stays N, KVM found the host PMU unfit: %s)",
				param, h->vendor == PMU_VENDOR_AMD ? "kvm_amd" : "kvm_intel",
				h->vendor == PMU_VENDOR_AMD ? "it needs PerfMonV2" :
				"it needs version 4 and full-width writes");
	return 0;
}

static int mediated_hardware(const struct pmu_host *h, const struct pmu_shape *hw, struct vmm_err *err)
{
	if (pmu_host_is_hybrid(h))
		return vmm_errf(err, EOPNOTSUPP, "mediated vPMU: KVM disables the vPMU on hybrid hosts "
				"(cpu_core and cpu_atom PMUs); use --pmu=soft");
	if (h->nmi_watchdog > 0)
		return vmm_errf(err, EBUSY, "nmi_watchdog is on: echo 0 > /proc/sys/kernel/nmi_watchdog "
				"(its perf event counts the guest and blocks the mediated vPMU)");
	if (h->vendor == PMU_VENDOR_AMD) {
		if (!hw->perfmon_v2)
			return vmm_errf(err, EOPNOTSUPP, "mediated vPMU needs an AMD host with PerfMonV2 "
					"(CPUID 80000022H.EAX[0]; Zen 4 or later)");
		return 0;
	}
	/*
	 * Intel: KVM checks the host, not what it emulates (vmx/pmu_intel.c
	 * intel_pmu_is_mediated_pmu_supported): version 4 for GLOBAL_STATUS_SET
	 * and the host's own IA32_PERF_CAPABILITIES.FW_WRITES, read only when the
	 * host has PDCM. The host MSR itself is not visible here (h->perf_caps is
	 * KVM's emulated value, which always has FW_WRITES); without PDCM KVM
	 * reads it as 0. When FW_WRITES is missing KVM clears
	 * enable_mediated_pmu itself (pmu.c kvm_init_pmu_capability), which
	 * mediated_params() reports.
	 */
	if (hw->version < 4)
		return vmm_errf(err, EOPNOTSUPP, "mediated vPMU needs host architectural perfmon version 4 "
				"or later (the host has version %u)", hw->version);
	if (!hw->pdcm)
		return vmm_errf(err, EOPNOTSUPP, "mediated vPMU needs the host's IA32_PERF_CAPABILITIES."
				"FW_WRITES, and the host has no PDCM (CPUID.01H:ECX[15]), so no such MSR");
	return 0;
}

static int mediated_request(const struct pmu_request *r, const struct pmu_shape *kvm, struct vmm_err *err)
{
	if (r->lbr == PMU_LBR_ON)
		return vmm_errf(err, EOPNOTSUPP, "--pmu-lbr: the mediated vPMU offers no LBR or PEBS");
	if (kvm->vendor == PMU_VENDOR_INTEL && !kvm->version)
		return vmm_errf(err, EOPNOTSUPP, "mediated vPMU: KVM reports no PMU in "
				"KVM_GET_SUPPORTED_CPUID leaf 0AH");
	return check_no_vendor(r, PMU_MODE_MEDIATED, err);
}

/*
 * A narrower --pmu-width is refused: KVM passes the guest's counter MSRs
 * through whatever the width (vmx.c vmx_recalc_pmu_msr_intercepts, svm.c
 * svm_recalc_pmu_msr_intercepts look at counts and FW_WRITES only) and
 * narrows RDPMC alone (pmu.c kvm_need_rdpmc_intercept). RDMSR would then
 * return bits beyond the guest's width, and a counter loaded through
 * IA32_A_PMCx would overflow at the hardware width, not at the guest's.
 */
static int mediated_width(const struct pmu_request *r, const struct pmu_shape *hw, struct vmm_err *err)
{
	unsigned int w = hw->vendor == PMU_VENDOR_AMD ? hw->amd_counter_width : hw->gp_width;

	if (!r->has_width || r->width >= w)
		return 0;
	return vmm_errf(err, EINVAL, "--pmu-width=%u: the mediated vPMU passes the counters through at "
			"the hardware's %u bits, so RDMSR and overflows would not follow a narrower width "
			"(KVM narrows only RDPMC); use --pmu=emulated or --pmu=soft for %u-bit counters",
			r->width, w, r->width);
}

static void mediated_notes(struct pmu_plan *p)
{
	unsigned int shaped = 0;

	plan_note(p, "mediated: KVM creates the mediated PMU at the first KVM_CREATE_VCPU because the VM "
		  "has an in-kernel irqchip and the vPMU is not disabled; guest counters run on the "
		  "hardware between VM-entry and VM-exit");
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct pmu_msr_rule *rule = &p->rules[i];

		if (rule->passthrough || rule->always)
			continue;
		plan_note(p, "intercepted: %s (0x%x, %u MSR%s): %s", rule->name, rule->first, rule->count,
			  rule->count == 1 ? "" : "s", rule->why);
		shaped++;
	}
	if (!p->rdpmc_passthrough)
		plan_note(p, "intercepted: RDPMC: %s", p->rdpmc_why);
	if (!shaped && p->rdpmc_passthrough)
		plan_note(p, "full pass-through: the guest shape matches the host PMU");
}

static int plan_mediated(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
			 struct vmm_err *err)
{
	struct pmu_shape kvm, hw;
	int ret;

	pmu_host_shape(h, PMU_HOST_KVM, &kvm);
	pmu_host_shape(h, PMU_HOST_CPU, &hw);
	if ((ret = mediated_params(h, err)) || (ret = mediated_hardware(h, &hw, err)) ||
	    (ret = mediated_request(r, &kvm, err)))
		return ret;
	/* Default: KVM's report, which is the host's counts and widths up to KVM's limits. */
	p->shape = kvm;
	p->shape.mode = PMU_MODE_MEDIATED;
	ret = apply_overrides(r, &kvm, &p->shape, "KVM's mediated vPMU", err);
	if (!ret)
		ret = mediated_width(r, &hw, err);
	if (ret)
		return ret;
	if (h->vendor == PMU_VENDOR_INTEL) {
		p->shape.pdcm = kvm.pdcm && h->perf_caps_valid;
		p->shape.perf_capabilities = p->shape.pdcm ? h->perf_caps & PMU_PERF_CAP_FW_WRITES : 0;
		p->set_perf_caps = p->shape.pdcm;
	}
	p->irqchip_required = true;
	pmu_passthrough_plan(&hw, &p->shape, p);
	if (h->vmware_backdoor == PMU_PARAM_Y)
		pmu_passthrough_vmware_backdoor(p);
	mediated_notes(p);
	return 0;
}

/* ---- soft ---- */

/* What the software PMU model can be (its limits, not its defaults). */
static void soft_limits(enum pmu_vendor v, struct pmu_shape *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->vendor = v;
	if (v == PMU_VENDOR_AMD) {
		lim->amd_nr_counters = PMU_MAX_AMD_CORE;
		lim->perfctr_core = lim->perfmon_v2 = true;
		lim->amd_counter_width = 48;
		return;
	}
	lim->version = 5;
	lim->nr_gp = PMU_MAX_GP;
	lim->gp_width = lim->fixed_width = 48;
	lim->fixed_mask = 0xf;		/* fixed 3 (topdown slots) only through the v5 bitmap */
	lim->nr_fixed = 4;
	lim->events_len = PMU_EV_TOPDOWN_SLOTS + 1;
	lim->events_unavailable = low_mask(lim->events_len) &
		~((1u << PMU_EV_CORE_CYCLES) | (1u << PMU_EV_INSTRUCTIONS) |
		  (1u << PMU_EV_REF_CYCLES) | (1u << PMU_EV_BRANCHES));
}

static void soft_defaults(const struct pmu_shape *lim, struct pmu_shape *s)
{
	*s = *lim;
	s->mode = PMU_MODE_SOFT;
	if (s->vendor == PMU_VENDOR_AMD)
		return;
	/* Version 4: global status set/reset and streamlined freeze, fixed counters 0..2. */
	s->version = 4;
	s->nr_fixed = 3;
	s->fixed_mask = 0x7;
	s->pdcm = true;
	s->perf_capabilities = PMU_PERF_CAP_FW_WRITES;
}

static int soft_available(const struct pmu_host *h, struct vmm_err *err)
{
	if (!h->cap_user_space_msr || !h->cap_msr_filter)
		return vmm_errf(err, EOPNOTSUPP, "software PMU needs KVM_CAP_X86_USER_SPACE_MSR and "
				"KVM_CAP_X86_MSR_FILTER (Linux 5.10+) so PMU MSRs exit to the VMM");
	if (!(h->cap_pmu_capability & KVM_PMU_CAP_DISABLE) && h->enable_pmu != PMU_PARAM_N)
		return vmm_errf(err, EOPNOTSUPP, "software PMU needs KVM's vPMU off, but this kernel has no "
				"KVM_CAP_PMU_CAPABILITY (Linux 5.18+) and kvm.enable_pmu is %s: load kvm with "
				"enable_pmu=0", pmu_param_name(h->enable_pmu));
	return 0;
}

static int soft_lbr(const struct pmu_request *r, struct pmu_shape *s, struct vmm_err *err)
{
	unsigned int depth = r->lbr_depth ? r->lbr_depth : PMU_MAX_LBR;

	if (r->lbr != PMU_LBR_ON)
		return 0;
	if (depth != 8 && depth != 16 && depth != 32)
		return vmm_errf(err, EINVAL, "--pmu-lbr depth %u: the software PMU has 8, 16 or 32 "
				"LBR entries", depth);
	s->lbr_depth = depth;
	s->lbr_format = 5;	/* SDM 18.4.8.1: 64-bit EIP with LBR_INFO (0xDC0) records */
	s->perf_capabilities |= s->lbr_format;
	return 0;
}

static int plan_soft(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
		     struct vmm_err *err)
{
	enum pmu_vendor v = r->has_vendor ? r->vendor : h->vendor;
	struct pmu_shape lim;
	int ret = soft_available(h, err);

	if (ret)
		return ret;
	soft_limits(v, &lim);
	soft_defaults(&lim, &p->shape);
	ret = apply_overrides(r, &lim, &p->shape, "the software PMU", err);
	if (!ret && v == PMU_VENDOR_INTEL)
		ret = soft_lbr(r, &p->shape, err);
	if (ret)
		return ret;
	/* Like the processors it models: version 5 (Ice Lake on) deprecates AnyThread, 3 and 4 have it. */
	p->shape.anythread_deprecated = v == PMU_VENDOR_INTEL && p->shape.version >= 5;
	p->cap_disable = h->cap_pmu_capability & KVM_PMU_CAP_DISABLE;
	p->soft_msr_filter = true;
	p->soft_engine = r->soft_engine;
	p->soft_check = r->soft_check;
	if (p->soft_check && p->soft_engine != PMU_SOFT_ENGINE_INTERP)
		return vmm_errf(err, EINVAL, "--soft-check checks the interpreter: it needs --soft-engine=interp");
	plan_note(p, "soft: the VMM's software PMU answers the PMU MSRs through the MSR filter; KVM's "
		  "vPMU is %s so it cannot answer them too", p->cap_disable ? "disabled" : "off (kvm.enable_pmu=N)");
	plan_note(p, "soft: RDPMC returns the model's counters at any time: while counting the VMM executes it, "
		  "otherwise it completes it from the #GP that KVM, whose vPMU is off, raises (long mode)");
	if (v != h->vendor)
		plan_note(p, "soft: the guest sees a %s CPU vendor on this %s host",
			  v == PMU_VENDOR_AMD ? "AuthenticAMD" : "GenuineIntel",
			  h->vendor == PMU_VENDOR_AMD ? "AMD" : "Intel");
	return 0;
}

/* ---- dispatch ---- */

typedef int (*plan_fn)(const struct pmu_host *, const struct pmu_request *, struct pmu_plan *,
		       struct vmm_err *);

static const plan_fn plan_fns[PMU_MODE_AUTO] = {
	[PMU_MODE_OFF] = plan_off,
	[PMU_MODE_EMULATED] = plan_emulated,
	[PMU_MODE_MEDIATED] = plan_mediated,
	[PMU_MODE_SOFT] = plan_soft,
};

static int plan_one(const struct pmu_host *h, const struct pmu_request *r, enum pmu_mode m,
		    struct pmu_plan *p, struct vmm_err *err)
{
	int ret = plan_fns[m](h, r, p, err);

	if (!ret)
		ret = plan_filter(h, r, p, err);
	if (!ret)
		ret = plan_cpus(h, r, p, err);
	return ret;
}

/* Truncating copies (the compiler cannot see that messages fit). */
static void str_copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void str_append(char *dst, size_t len, const char *src)
{
	size_t off = strnlen(dst, len - 1);

	str_copy(dst + off, len - off, src);
}

static const enum pmu_mode auto_order[] = {
	PMU_MODE_MEDIATED, PMU_MODE_EMULATED, PMU_MODE_SOFT, PMU_MODE_OFF,
};

static int plan_auto(const struct pmu_host *h, const struct pmu_request *r, struct pmu_plan *p,
		     struct vmm_err *err)
{
	char rejected[PMU_MODE_AUTO][256] = { { 0 } };
	char all[sizeof(err->msg)] = "";

	for (size_t i = 0; i < sizeof(auto_order) / sizeof(auto_order[0]); i++) {
		enum pmu_mode m = auto_order[i];
		struct vmm_err e = { 0 };

		memset(p, 0, sizeof(*p));
		if (!plan_one(h, r, m, p, &e)) {
			memcpy(p->rejected, rejected, sizeof(rejected));
			for (size_t j = 0; j < i; j++)
				plan_note(p, "auto: not %s: %s", pmu_mode_name(auto_order[j]),
					  rejected[auto_order[j]]);
			plan_note(p, "auto: chose %s", pmu_mode_name(m));
			return 0;
		}
		str_copy(rejected[m], sizeof(rejected[m]), e.msg);
		str_append(all, sizeof(all), i ? "; " : "");
		str_append(all, sizeof(all), pmu_mode_name(m));
		str_append(all, sizeof(all), ": ");
		str_append(all, sizeof(all), e.msg);
	}
	return vmm_errf(err, EOPNOTSUPP, "no PMU mode fits: %s", all);
}

int pmu_plan(const struct pmu_host *h, const struct pmu_request *req, struct pmu_plan *plan,
	     struct vmm_err *err)
{
	int r;

	memset(plan, 0, sizeof(*plan));
	if ((unsigned int)req->mode > PMU_MODE_AUTO)
		r = vmm_errf(err, EINVAL, "unknown PMU mode %d", req->mode);
	else if (req->mode == PMU_MODE_AUTO)
		r = plan_auto(h, req, plan, err);
	else
		r = plan_one(h, req, req->mode, plan, err);
	/* The planner touches no KVM: its errno says whose fault a refusal is (plan.h). */
	if (r < 0 && err)
		err->input = r == -EINVAL || r == -ERANGE || r == -E2BIG;
	return r;
}
