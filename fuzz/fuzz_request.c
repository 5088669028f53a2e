// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PMU request options (src/pmu/request.c) and the planner behind them.
 * The input: one byte choosing a recorded host (tests/hosts), then lines
 * "OPTION=VALUE" (or "OPTION" alone, no value) given to pmu_request_set().
 * Each setter succeeds or fails with a message and leaves the request within
 * its documented bounds; the request is then planned on the host: a plan has
 * the requested mode (auto: a concrete one), a soft plan is a shape the
 * software PMU model accepts, and its JSON output is valid.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "json_check.h"
#include "pmu/plan.h"
#include "pmu/soft/softpmu.h"

#define MAX_HOSTS 32

static struct pmu_host hosts[MAX_HOSTS];
static unsigned int nr_hosts;

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The recorded hosts, in name order so an input means the same host everywhere. */
static void load_hosts(const char *dir)
{
	char *names[MAX_HOSTS];
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	FUZZ_CHECK(d, "cannot open %s", dir);
	while ((e = readdir(d)) && n < MAX_HOSTS) {
		size_t len = strlen(e->d_name);

		if (len > 5 && !strcmp(e->d_name + len - 5, ".host"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (unsigned int i = 0; i < n; i++) {
		char path[4096], text[16384];
		struct vmm_err err = { 0 };
		size_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "r");
		FUZZ_CHECK(f, "cannot open %s", path);
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		FUZZ_CHECK(!pmu_host_parse(text, &hosts[nr_hosts], &err), "%s: %s", path, err.msg);
		nr_hosts++;
		free(names[i]);
	}
	FUZZ_CHECK(nr_hosts, "no recorded hosts in %s", dir);
}

static void check_request(const struct pmu_request *r)
{
	FUZZ_CHECK((unsigned int)r->mode <= PMU_MODE_AUTO, "mode %d", r->mode);
	FUZZ_CHECK(r->version <= 255 && r->nr_gp <= 255 && r->nr_fixed <= 31 && r->width <= 255,
		   "a shape number beyond its option's range");
	FUZZ_CHECK(r->events_available < 1u << PMU_NR_ARCH_EVENTS, "events 0x%x", r->events_available);
	FUZZ_CHECK(r->lbr_depth <= PMU_MAX_LBR, "LBR depth %u", r->lbr_depth);
	FUZZ_CHECK(r->filter.nevents <= PMU_FILTER_MAX_EVENTS, "%u filter events", r->filter.nevents);
	FUZZ_CHECK(!r->filter.set || r->filter.action == PMU_FILTER_ALLOW ||
		   r->filter.action == PMU_FILTER_DENY, "filter action %u", r->filter.action);
	FUZZ_CHECK(memchr(r->cpu_list, '\0', sizeof(r->cpu_list)), "CPU list not terminated");
	for (unsigned int i = 0; i < r->filter.nevents; i++)
		FUZZ_CHECK(!(r->filter.events[i] & ~0xf0000ffffULL), "filter event 0x%llx",
			   (unsigned long long)r->filter.events[i]);
}

static void check_plan(const struct pmu_host *h, const struct pmu_request *req)
{
	static struct pmu_plan plan;
	static struct softpmu model;
	struct vmm_err err = { 0 };
	char *buf = NULL, why[256];
	size_t len = 0;
	FILE *f;
	int r = pmu_plan(h, req, &plan, &err);

	if (r) {
		FUZZ_CHECK(r < 0 && err.code == -r && err.msg[0], "pmu_plan %d without a message", r);
		return;
	}
	FUZZ_CHECK(plan.shape.mode != PMU_MODE_AUTO, "a plan with mode auto");
	FUZZ_CHECK(req->mode == PMU_MODE_AUTO || plan.shape.mode == req->mode,
		   "asked for mode %d, planned %d", req->mode, plan.shape.mode);
	if (plan.shape.mode == PMU_MODE_SOFT) {
		struct softpmu_filter *sf = NULL;

		if (plan.filter.set) {
			sf = calloc(1, sizeof(*sf));
			FUZZ_CHECK(sf, "out of memory");
			sf->action = plan.filter.action == PMU_FILTER_DENY ? SOFTPMU_FILTER_DENY :
									      SOFTPMU_FILTER_ALLOW;
			sf->fixed_counter_bitmap = plan.filter.fixed_bitmap;
			sf->nevents = plan.filter.nevents;
			memcpy(sf->events, plan.filter.events, plan.filter.nevents * sizeof(sf->events[0]));
		}
		r = softpmu_init(&model, &plan.shape, sf, &err);
		free(sf);
		FUZZ_CHECK(!r, "the planned soft shape is refused by the model: %s", err.msg);
	}
	for (int json = 0; json <= 1; json++) {
		f = open_memstream(&buf, &len);
		FUZZ_CHECK(f, "open_memstream failed");
		pmu_plan_print(f, &plan, json);
		FUZZ_CHECK(!fclose(f), "writing the plan failed");
		if (json)
			FUZZ_CHECK(!json_check(buf, len, why, sizeof(why)), "invalid plan JSON: %s\n%s",
				   why, buf);
		free(buf);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VMM_HOSTS_DIR");

	(void)argc;
	(void)argv;
	load_hosts(dir ? dir : FUZZ_HOSTS_DIR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	const struct pmu_host *h = &hosts[fuzz_u8(&in) % nr_hosts];
	static struct pmu_request req;
	char *text = malloc(in.n + 1), *save = NULL;

	FUZZ_CHECK(text, "out of memory");
	memcpy(text, in.p, in.n);
	text[in.n] = '\0';
	pmu_request_init(&req);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct vmm_err err = { 0 };
		char *eq = strchr(line, '=');
		int r;

		if (eq)
			*eq = '\0';
		r = pmu_request_set(&req, line, eq ? eq + 1 : NULL, &err);
		if (r)
			FUZZ_CHECK(r < 0 && err.code == -r && err.msg[0], "pmu_request_set %d without a message",
				   r);
		check_request(&req);
	}
	free(text);
	check_plan(h, &req);
	return 0;
}
