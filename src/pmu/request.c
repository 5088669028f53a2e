// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command-line options of the PMU request: one table of option names and
 * setters, so the CLI only forwards "--name=value".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "pmu/plan.h"

static int parse_uint(const char *opt, const char *val, unsigned long max, unsigned long *out,
		      struct vmm_err *err)
{
	uint64_t v = 0;

	if (!val || !*val)
		return vmm_errf(err, EINVAL, "--%s needs a number", opt);
	if (num_parse_u64(val, &v) < 0 || v > max)
		return vmm_errf(err, EINVAL, "--%s=%s: expected a number from 0 to %lu (decimal or 0x hex)",
				opt, val, max);
	*out = (unsigned long)v;
	return 0;
}

#define SET_UINT(field, flag, max)							\
	do {										\
		unsigned long v = 0;						\
		int r = parse_uint(opt, val, (max), &v, err);				\
		if (r)									\
			return r;							\
		req->field = (unsigned int)v;						\
		req->flag = true;							\
		return 0;								\
	} while (0)

static int set_mode(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	if (!val || pmu_mode_parse(val, &req->mode))
		return vmm_errf(err, EINVAL, "--%s=%s: mode must be off, emulated, mediated, soft or auto",
				opt, val ? val : "");
	return 0;
}

static int set_version(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	SET_UINT(version, has_version, 255);
}

static int set_gp(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	SET_UINT(nr_gp, has_gp, 255);
}

static int set_fixed(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	SET_UINT(nr_fixed, has_fixed, 31);
}

static int set_fixed_mask(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	SET_UINT(fixed_mask, has_fixed_mask, UINT32_MAX);
}

static int set_width(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	SET_UINT(width, has_width, 255);
}

/* Architectural event names, in CPUID.0AH:EBX bit order (SDM table 20-1). */
static const char *const event_names[PMU_NR_ARCH_EVENTS] = {
	"cycles", "instructions", "ref-cycles", "llc-references", "llc-misses", "branches",
	"branch-misses", "topdown-slots", "topdown-be-bound", "topdown-bad-spec", "topdown-fe-bound",
	"topdown-retiring", "lbr-inserts",
};

static int event_bit(const char *name)
{
	for (int i = 0; i < PMU_NR_ARCH_EVENTS; i++)
		if (!strcmp(name, event_names[i]))
			return i;
	return -1;
}

/* A mask ("0x27") or a list of names ("cycles,instructions"). */
static int set_events(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	char buf[256], *save = NULL;
	uint32_t mask = 0;

	if (val && (val[0] >= '0' && val[0] <= '9')) {
		unsigned long v;
		int r = parse_uint(opt, val, (1ul << PMU_NR_ARCH_EVENTS) - 1, &v, err);

		if (r)
			return r;
		mask = (uint32_t)v;
	} else {
		if (!val || strlen(val) >= sizeof(buf))
			return vmm_errf(err, EINVAL, "--%s needs a mask or a list of event names", opt);
		strcpy(buf, val);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			int b = event_bit(t);

			if (b < 0)
				return vmm_errf(err, EINVAL, "--%s: unknown architectural event '%s'", opt, t);
			mask |= 1u << b;
		}
	}
	req->events_available = mask;
	req->has_events = true;
	return 0;
}

/* on, off, or a depth (on with that many entries). */
static int set_lbr(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	unsigned long depth;

	if (val && !strcmp(val, "off")) {
		req->lbr = PMU_LBR_OFF;
		return 0;
	}
	req->lbr = PMU_LBR_ON;
	if (!val || !*val || !strcmp(val, "on"))
		return 0;
	if (parse_uint(opt, val, PMU_MAX_LBR, &depth, err) || !depth)
		return vmm_errf(err, EINVAL, "--%s=%s: expected on, off or a depth up to %d", opt, val,
				PMU_MAX_LBR);
	req->lbr_depth = (unsigned int)depth;
	return 0;
}

/* "EVENT[/UMASK]" (AMD events above 0xff go to bits [35:32]) or "fixed=MASK". */
static int filter_item(struct pmu_filter *f, const char *opt, const char *t, struct vmm_err *err)
{
	unsigned long ev, umask = 0, fixed;
	char evbuf[32], *slash;

	if (!strncmp(t, "fixed=", 6)) {
		if (parse_uint(opt, t + 6, UINT32_MAX, &fixed, err))
			return -EINVAL;
		f->fixed_bitmap = (uint32_t)fixed;
		return 0;
	}
	if (strlen(t) >= sizeof(evbuf))
		return vmm_errf(err, EINVAL, "--%s: event '%s' too long", opt, t);
	strcpy(evbuf, t);
	slash = strchr(evbuf, '/');
	if (slash)
		*slash = '\0';
	if (parse_uint(opt, evbuf, 0xfff, &ev, err) ||
	    (slash && parse_uint(opt, slash + 1, 0xff, &umask, err)))
		return vmm_errf(err, EINVAL, "--%s: '%s' is not EVENT[/UMASK] (event up to 0xfff, "
				"umask up to 0xff) or fixed=MASK", opt, t);
	if (f->nevents >= PMU_FILTER_MAX_EVENTS)
		return vmm_errf(err, E2BIG, "--%s: more than %d events", opt, PMU_FILTER_MAX_EVENTS);
	/* KVM_SET_PMU_EVENT_FILTER plain entry: eventsel[7:0] | umask << 8 | eventsel[11:8] << 32. */
	f->events[f->nevents++] = (ev & 0xff) | (uint64_t)umask << 8 | (uint64_t)(ev >> 8) << 32;
	return 0;
}

/* allow:ITEM,ITEM... or deny:ITEM,... */
static int set_filter(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	struct pmu_filter *f = &req->filter;
	char buf[4096], *save = NULL, *list;

	if (!val || strlen(val) >= sizeof(buf))
		return vmm_errf(err, EINVAL, "--%s needs allow:... or deny:...", opt);
	strcpy(buf, val);
	list = strchr(buf, ':');
	if (list)
		*list++ = '\0';
	memset(f, 0, sizeof(*f));
	if (!strcmp(buf, "allow"))
		f->action = PMU_FILTER_ALLOW;
	else if (!strcmp(buf, "deny"))
		f->action = PMU_FILTER_DENY;
	else
		return vmm_errf(err, EINVAL, "--%s=%s: must start with allow: or deny:", opt, val);
	f->set = true;
	for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
		int r = filter_item(f, opt, t, err);

		if (r)
			return r;
	}
	return 0;
}

static int set_cpus(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	struct pmu_cpuset set;

	if (val && !strcmp(val, "core"))
		req->cpus = PMU_CPUS_CORE;
	else if (val && !strcmp(val, "atom"))
		req->cpus = PMU_CPUS_ATOM;
	else if (val && !strcmp(val, "common"))
		req->cpus = PMU_CPUS_COMMON;
	else {
		if (!val || strlen(val) >= sizeof(req->cpu_list) || pmu_cpulist_parse(val, &set, err))
			return vmm_errf(err, EINVAL, "--%s=%s: expected core, atom, common or a CPU list "
					"like 0-3,8", opt, val ? val : "");
		req->cpus = PMU_CPUS_LIST;
		strcpy(req->cpu_list, val);
	}
	return 0;
}

static int set_vendor(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	if (val && !strcmp(val, "intel"))
		req->vendor = PMU_VENDOR_INTEL;
	else if (val && !strcmp(val, "amd"))
		req->vendor = PMU_VENDOR_AMD;
	else
		return vmm_errf(err, EINVAL, "--%s=%s: vendor must be intel or amd", opt, val ? val : "");
	req->has_vendor = true;
	return 0;
}

static int set_soft_engine(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	if (val && !strcmp(val, "step"))
		req->soft_engine = PMU_SOFT_ENGINE_STEP;
	else if (val && !strcmp(val, "interp"))
		req->soft_engine = PMU_SOFT_ENGINE_INTERP;
	else
		return vmm_errf(err, EINVAL, "--%s=%s: the engine must be step or interp", opt, val ? val : "");
	return 0;
}

/* A flag: no value, or on/off. */
static int set_soft_check(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	if (!val || !strcmp(val, "on"))
		req->soft_check = true;
	else if (!strcmp(val, "off"))
		req->soft_check = false;
	else
		return vmm_errf(err, EINVAL, "--%s=%s: expected on or off", opt, val);
	return 0;
}

struct req_opt {
	const char *name;
	int (*set)(struct pmu_request *, const char *, const char *, struct vmm_err *);
};

static const struct req_opt req_opts[] = {
	{ "pmu", set_mode },
	{ "pmu-version", set_version },
	{ "pmu-gp", set_gp },
	{ "pmu-fixed", set_fixed },
	{ "pmu-fixed-mask", set_fixed_mask },
	{ "pmu-width", set_width },
	{ "pmu-events", set_events },
	{ "pmu-lbr", set_lbr },
	{ "pmu-filter", set_filter },
	{ "pmu-cpus", set_cpus },
	{ "cpu-vendor", set_vendor },
	{ "soft-engine", set_soft_engine },
	{ "soft-check", set_soft_check },
};

/* Every failure of an option is the option's text: the user's input. */
static int input_error(int r, struct vmm_err *err)
{
	if (r < 0 && err)
		err->input = true;
	return r;
}

int pmu_request_set(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err)
{
	for (size_t i = 0; i < sizeof(req_opts) / sizeof(req_opts[0]); i++)
		if (!strcmp(opt, req_opts[i].name))
			return input_error(req_opts[i].set(req, opt, val, err), err);
	return vmm_err_input(err, ENOENT, "unknown PMU option --%s", opt);
}
