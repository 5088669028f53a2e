// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recorded host descriptions (src/pmu/host.c) and the printers of
 * src/pmu/print.c. The input is a host file. A parsed host must print back
 * to a text that parses to the same host and prints identically (the one
 * normalisation: no name prints as "unnamed"); vmm caps and vmm plan output
 * for it, text and JSON, must not fail, and every JSON output must be valid.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "json_check.h"
#include "pmu/host.h"
#include "pmu/plan.h"

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	FUZZ_CHECK(o->f, "open_memstream failed");
}

static void out_close(struct out *o)
{
	FUZZ_CHECK(!fclose(o->f), "writing to a memory stream failed");
}

static void check_json(const struct out *o, const char *what)
{
	char why[256];

	FUZZ_CHECK(!json_check(o->buf, o->len, why, sizeof(why)), "%s: invalid JSON: %s:\n%s",
		   what, why, o->buf);
}

static void check_leaves(const struct pmu_host_cpuid *a, const struct pmu_host_cpuid *b, const char *what)
{
	FUZZ_CHECK(a->n == b->n, "%s: %u leaves, %u after the round trip", what, a->n, b->n);
	for (unsigned int i = 0; i < a->n; i++)
		FUZZ_CHECK(!memcmp(&a->leaf[i], &b->leaf[i], sizeof(a->leaf[i])), "%s leaf %u differs",
			   what, i);
}

/* a as parsed, b as parsed again from what a printed. */
static void check_same_host(const struct pmu_host *a, const struct pmu_host *b)
{
	FUZZ_CHECK(!strcmp(a->name[0] ? a->name : "unnamed", b->name), "name '%s' -> '%s'", a->name, b->name);
	FUZZ_CHECK(!strcmp(a->comment, b->comment), "comment '%s' -> '%s'", a->comment, b->comment);
	FUZZ_CHECK(!strcmp(a->kernel, b->kernel), "kernel '%s' -> '%s'", a->kernel, b->kernel);
	FUZZ_CHECK(a->api_version == b->api_version, "api %d -> %d", a->api_version, b->api_version);
	FUZZ_CHECK(a->vendor == b->vendor, "vendor %d -> %d", a->vendor, b->vendor);
	FUZZ_CHECK(a->cap_pmu_capability == b->cap_pmu_capability &&
		   a->cap_pmu_event_filter == b->cap_pmu_event_filter &&
		   a->cap_pmu_masked_events == b->cap_pmu_masked_events &&
		   a->cap_user_space_msr == b->cap_user_space_msr &&
		   a->cap_msr_filter == b->cap_msr_filter, "a cap differs");
	check_leaves(&a->kvm, &b->kvm, "cpuid");
	check_leaves(&a->cpu, &b->cpu, "hostcpuid");
	FUZZ_CHECK(a->perf_caps_valid == b->perf_caps_valid && a->perf_caps == b->perf_caps,
		   "perf_capabilities differs");
	FUZZ_CHECK(a->enable_pmu == b->enable_pmu && a->mediated_intel == b->mediated_intel &&
		   a->mediated_amd == b->mediated_amd && a->vmware_backdoor == b->vmware_backdoor,
		   "a module parameter differs");
	FUZZ_CHECK(a->nmi_watchdog == b->nmi_watchdog, "nmi_watchdog %d -> %d", a->nmi_watchdog,
		   b->nmi_watchdog);
	FUZZ_CHECK(a->nr_pmus == b->nr_pmus, "%u pmus -> %u", a->nr_pmus, b->nr_pmus);
	for (unsigned int i = 0; i < a->nr_pmus; i++)
		FUZZ_CHECK(!strcmp(a->pmus[i].name, b->pmus[i].name) &&
			   !strcmp(a->pmus[i].cpus, b->pmus[i].cpus), "pmu %u differs", i);
}

static void write_host(struct out *o, const struct pmu_host *h)
{
	out_open(o);
	FUZZ_CHECK(!pmu_host_write(o->f, h), "pmu_host_write failed");
	out_close(o);
}

static void check_error(int r, const struct vmm_err *err, const char *what)
{
	FUZZ_CHECK(r < 0 && err->code == -r, "%s: returned %d, error code %d", what, r, err->code);
	FUZZ_CHECK(err->msg[0], "%s: error %d without a message", what, r);
}

static void check_printers(const struct pmu_host *h)
{
	static const enum pmu_mode modes[] = {
		PMU_MODE_OFF, PMU_MODE_EMULATED, PMU_MODE_MEDIATED, PMU_MODE_SOFT, PMU_MODE_AUTO,
	};
	struct pmu_plan plan;
	struct out o;

	for (int json = 0; json <= 1; json++) {
		out_open(&o);
		FUZZ_CHECK(!pmu_host_print_caps(o.f, h, json), "pmu_host_print_caps failed");
		out_close(&o);
		if (json)
			check_json(&o, "vmm caps --json");
		free(o.buf);
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct pmu_request req;
		struct vmm_err err = { 0 };
		int r;

		pmu_request_init(&req);
		req.mode = modes[i];
		r = pmu_plan(h, &req, &plan, &err);
		if (r) {
			check_error(r, &err, "pmu_plan");
			continue;
		}
		FUZZ_CHECK(plan.shape.mode != PMU_MODE_AUTO, "a plan with mode auto");
		for (int json = 0; json <= 1; json++) {
			out_open(&o);
			pmu_plan_print(o.f, &plan, json);
			out_close(&o);
			if (json)
				check_json(&o, "vmm plan --json");
			free(o.buf);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pmu_host h1, h2, h3;
	struct vmm_err err = { 0 };
	struct out t1, t2;
	char *text = malloc(size + 1);
	int r;

	FUZZ_CHECK(text, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	r = pmu_host_parse(text, &h1, &err);
	free(text);
	if (r) {
		check_error(r, &err, "pmu_host_parse");
		return 0;
	}
	write_host(&t1, &h1);
	memset(&err, 0, sizeof(err));
	r = pmu_host_parse(t1.buf, &h2, &err);
	FUZZ_CHECK(!r, "the printed host does not parse: %s\n%s", err.msg, t1.buf);
	check_same_host(&h1, &h2);
	write_host(&t2, &h2);
	FUZZ_CHECK(t1.len == t2.len && !memcmp(t1.buf, t2.buf, t1.len),
		   "printing is not stable:\n%s\n---\n%s", t1.buf, t2.buf);
	FUZZ_CHECK(!pmu_host_parse(t2.buf, &h3, &err), "second parse failed");
	check_same_host(&h2, &h3);
	free(t1.buf);
	free(t2.buf);
	check_printers(&h1);
	return 0;
}
