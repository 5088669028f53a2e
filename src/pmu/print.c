// SPDX-License-Identifier: GPL-2.0-only
/*
 * Human-readable and JSON output of plans and host capabilities. The JSON is
 * written by hand; every string goes through json_string().
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/json.h"
#include "pmu/plan.h"

static const char *vendor_name(enum pmu_vendor v)
{
	return v == PMU_VENDOR_AMD ? "amd" : "intel";
}

/* One line: "version 2, 8 GP x 48 bits, 3 fixed x 48 bits, PDCM" and so on. */
static void shape_summary(const struct pmu_shape *s, char *buf, size_t len)
{
	if (s->mode == PMU_MODE_OFF) {
		snprintf(buf, len, "no PMU");
		return;
	}
	if (s->vendor == PMU_VENDOR_AMD) {
		snprintf(buf, len, "AMD, %u counters x %u bits%s%s", s->amd_nr_counters, s->amd_counter_width,
			 s->perfctr_core ? ", PERFCTR_CORE" : "", s->perfmon_v2 ? ", PerfMonV2" : "");
		return;
	}
	snprintf(buf, len, "Intel version %u, %u GP x %u bits, fixed mask 0x%x x %u bits, events "
		 "unavailable 0x%x/%u%s%s", s->version, s->nr_gp, s->gp_width, s->fixed_mask,
		 s->fixed_width, s->events_unavailable, s->events_len, s->pdcm ? ", PDCM" : "",
		 s->lbr_depth ? ", LBR" : "");
}

static void json_shape(FILE *f, const struct pmu_shape *s)
{
	fprintf(f, "{\"mode\":\"%s\",\"vendor\":\"%s\",\"version\":%u,\"nr_gp\":%u,\"gp_width\":%u,"
		"\"events_len\":%u,\"events_unavailable\":%u,\"fixed_mask\":%u,\"nr_fixed\":%u,"
		"\"fixed_width\":%u,\"pdcm\":%s,\"perf_capabilities\":%" PRIu64 ",\"lbr_depth\":%u,"
		"\"lbr_format\":%u,\"amd_nr_counters\":%u,\"perfctr_core\":%s,\"perfmon_v2\":%s,"
		"\"amd_counter_width\":%u}",
		pmu_mode_name(s->mode), vendor_name(s->vendor), s->version, s->nr_gp, s->gp_width,
		s->events_len, s->events_unavailable, s->fixed_mask, s->nr_fixed, s->fixed_width,
		s->pdcm ? "true" : "false", s->perf_capabilities, s->lbr_depth, s->lbr_format,
		s->amd_nr_counters, s->perfctr_core ? "true" : "false", s->perfmon_v2 ? "true" : "false",
		s->amd_counter_width);
}

/* The notes as a JSON array of strings, one per line. */
static void json_lines(FILE *f, const char *text)
{
	const char *p = text;
	bool first = true;

	fputc('[', f);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[PMU_PLAN_NOTES];

		memcpy(line, p, n);
		line[n] = '\0';
		if (n) {
			fputs(first ? "" : ",", f);
			json_string(f, line);
			first = false;
		}
		p += n + (nl ? 1 : 0);
	}
	fputc(']', f);
}

static void json_filter(FILE *f, const struct pmu_filter *flt)
{
	if (!flt->set) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"action\":\"%s\",\"fixed_bitmap\":%u,\"events\":[",
		flt->action == PMU_FILTER_ALLOW ? "allow" : "deny", flt->fixed_bitmap);
	for (unsigned int i = 0; i < flt->nevents; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", flt->events[i]);
	fputs("]}", f);
}

static void json_rules(FILE *f, const struct pmu_plan *p)
{
	fprintf(f, "{\"rdpmc\":%s,\"rdpmc_why\":", p->rdpmc_passthrough ? "true" : "false");
	json_string(f, p->rdpmc_why);
	fputs(",\"msrs\":[", f);
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct pmu_msr_rule *r = &p->rules[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_string(f, r->name);
		fprintf(f, ",\"first\":%u,\"count\":%u,\"stride\":%u,\"passthrough\":%s,\"why\":", r->first,
			r->count, r->stride, r->passthrough ? "true" : "false");
		json_string(f, r->why);
		fputc('}', f);
	}
	fputs("]}", f);
}

static void plan_print_json(FILE *f, const struct pmu_plan *p)
{
	bool first = true;

	fprintf(f, "{\"mode\":\"%s\",\"shape\":", pmu_mode_name(p->shape.mode));
	json_shape(f, &p->shape);
	fprintf(f, ",\"cap_disable\":%s,\"irqchip_required\":%s,\"set_perf_capabilities\":%s,"
		"\"soft_msr_filter\":%s,\"event_filter\":", p->cap_disable ? "true" : "false",
		p->irqchip_required ? "true" : "false", p->set_perf_caps ? "true" : "false",
		p->soft_msr_filter ? "true" : "false");
	json_filter(f, &p->filter);
	fputs(",\"passthrough\":", f);
	if (p->shape.mode == PMU_MODE_MEDIATED)
		json_rules(f, p);
	else
		fputs("null", f);
	fputs(",\"pin_cpus\":", f);
	if (p->pin)
		json_string(f, p->pin_cpus);
	else
		fputs("null", f);
	fputs(",\"rejected\":{", f);
	for (int m = 0; m < PMU_MODE_AUTO; m++) {
		if (!p->rejected[m][0])
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", pmu_mode_name(m));
		json_string(f, p->rejected[m]);
		first = false;
	}
	fputs("},\"notes\":", f);
	json_lines(f, p->notes);
	fputs("}\n", f);
}

static void plan_print_rules(FILE *f, const struct pmu_plan *p)
{
	fprintf(f, "  RDPMC: %s (%s)\n", p->rdpmc_passthrough ? "passed through" : "intercepted", p->rdpmc_why);
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct pmu_msr_rule *r = &p->rules[i];

		fprintf(f, "  MSR 0x%x x%u%s %-44s %s (%s)\n", r->first, r->count,
			r->stride > 1 ? " step 2" : "", r->name,
			r->passthrough ? "passed through" : "intercepted", r->why);
	}
}

static void plan_print_text(FILE *f, const struct pmu_plan *p)
{
	char sum[256];

	shape_summary(&p->shape, sum, sizeof(sum));
	fprintf(f, "PMU mode: %s\n  guest PMU: %s\n", pmu_mode_name(p->shape.mode), sum);
	if (p->set_perf_caps)
		fprintf(f, "  IA32_PERF_CAPABILITIES: 0x%" PRIx64 "\n", p->shape.perf_capabilities);
	fprintf(f, "  KVM_PMU_CAP_DISABLE: %s\n  in-kernel irqchip: %s\n", p->cap_disable ? "yes" : "no",
		p->irqchip_required ? "required" : "not required");
	if (p->soft_msr_filter)
		fprintf(f, "  PMU MSRs: handled by the software PMU (MSR filter)\n  soft engine: %s%s\n",
			p->soft_engine == PMU_SOFT_ENGINE_INTERP ? "interp" : "step",
			p->soft_check ? ", every instruction checked against KVM" : "");
	if (p->filter.set)
		fprintf(f, "  event filter: %s, %u events, fixed bitmap 0x%x\n",
			p->filter.action == PMU_FILTER_ALLOW ? "allow" : "deny", p->filter.nevents,
			p->filter.fixed_bitmap);
	if (p->pin)
		fprintf(f, "  vCPU threads pinned to CPUs %s\n", p->pin_cpus);
	if (p->shape.mode == PMU_MODE_MEDIATED)
		plan_print_rules(f, p);
	if (p->notes[0])
		fprintf(f, "notes:\n%s", p->notes);
}

void pmu_plan_print(FILE *f, const struct pmu_plan *plan, bool json)
{
	if (json)
		plan_print_json(f, plan);
	else
		plan_print_text(f, plan);
}

/* ---- vmm caps ---- */

static void caps_host_text(FILE *f, const struct pmu_host *h)
{
	struct pmu_shape kvm, hw;
	char a[256], b[256];

	pmu_host_shape(h, PMU_HOST_KVM, &kvm);
	pmu_host_shape(h, PMU_HOST_CPU, &hw);
	kvm.mode = hw.mode = PMU_MODE_EMULATED;	/* summarise the fields, not "no PMU" */
	shape_summary(&kvm, a, sizeof(a));
	shape_summary(&hw, b, sizeof(b));
	fprintf(f, "host: %s%s%s\n", h->name, h->comment[0] ? " - " : "", h->comment);
	fprintf(f, "  kernel %s, KVM API %d, vendor %s\n", h->kernel[0] ? h->kernel : "?", h->api_version,
		vendor_name(h->vendor));
	fprintf(f, "  KVM_CAP_PMU_CAPABILITY 0x%x, PMU_EVENT_FILTER %u, MASKED_EVENTS %u, "
		"X86_USER_SPACE_MSR 0x%x, X86_MSR_FILTER %u\n", h->cap_pmu_capability,
		h->cap_pmu_event_filter, h->cap_pmu_masked_events, h->cap_user_space_msr, h->cap_msr_filter);
	fprintf(f, "  kvm.enable_pmu %s, %s %s, kvm.enable_vmware_backdoor %s, nmi_watchdog %d\n",
		pmu_param_name(h->enable_pmu), pmu_host_mediated_param_name(h),
		pmu_param_name(pmu_host_mediated_param(h)), pmu_param_name(h->vmware_backdoor),
		h->nmi_watchdog);
	if (h->enable_pmu == PMU_PARAM_N)
		snprintf(a, sizeof(a), "no vPMU (kvm.enable_pmu=N)");
	fprintf(f, "  KVM supports: %s\n  host PMU:     %s\n", a, b);
	if (h->perf_caps_valid)
		fprintf(f, "  IA32_PERF_CAPABILITIES (KVM feature MSR): 0x%" PRIx64 "\n", h->perf_caps);
	for (unsigned int i = 0; i < h->nr_pmus; i++)
		fprintf(f, "  host perf PMU %s: CPUs %s\n", h->pmus[i].name,
			h->pmus[i].cpus[0] ? h->pmus[i].cpus : "all");
}

static int caps_mode(const struct pmu_host *h, enum pmu_mode m, struct pmu_plan *p, struct vmm_err *err)
{
	struct pmu_request req;

	pmu_request_init(&req);
	req.mode = m;
	memset(err, 0, sizeof(*err));
	return pmu_plan(h, &req, p, err);
}

int pmu_host_print_caps(FILE *f, const struct pmu_host *h, bool json)
{
	static const enum pmu_mode modes[] = {
		PMU_MODE_OFF, PMU_MODE_EMULATED, PMU_MODE_MEDIATED, PMU_MODE_SOFT, PMU_MODE_AUTO,
	};
	struct pmu_plan plan;
	struct vmm_err err;

	if (json) {
		fputs("{\"host\":", f);
		json_string(f, h->name);
		fprintf(f, ",\"vendor\":\"%s\",\"kernel\":", vendor_name(h->vendor));
		json_string(f, h->kernel);
		fputs(",\"modes\":{", f);
	} else {
		caps_host_text(f, h);
		fputs("modes:\n", f);
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int r = caps_mode(h, modes[i], &plan, &err);
		char sum[256];

		shape_summary(&plan.shape, sum, sizeof(sum));
		if (json) {
			fprintf(f, "%s\"%s\":{\"available\":%s,", i ? "," : "", pmu_mode_name(modes[i]),
				r ? "false" : "true");
			if (r) {
				fputs("\"reason\":", f);
				json_string(f, err.msg);
			} else {
				fprintf(f, "\"chosen\":\"%s\",\"shape\":", pmu_mode_name(plan.shape.mode));
				json_shape(f, &plan.shape);
			}
			fputc('}', f);
		} else if (r) {
			fprintf(f, "  %-9s no: %s\n", pmu_mode_name(modes[i]), err.msg);
		} else {
			fprintf(f, "  %-9s yes%s%s: %s\n", pmu_mode_name(modes[i]),
				modes[i] == PMU_MODE_AUTO ? " -> " : "",
				modes[i] == PMU_MODE_AUTO ? pmu_mode_name(plan.shape.mode) : "", sum);
		}
	}
	if (json)
		fputs("}}\n", f);
	return ferror(f) ? -EIO : 0;
}
