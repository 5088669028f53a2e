// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host description: helpers, CPU lists and the line-oriented text format
 * used for recorded hosts (tests/hosts/ *.host). Pure: no file descriptors
 * except the FILE the writer is given.
 */
#include "pmu/host.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "cpuid/pmu_leaves.h"

void pmu_host_init(struct pmu_host *h)
{
	memset(h, 0, sizeof(*h));
	h->nmi_watchdog = -1;
}

const struct pmu_host_leaf *pmu_host_leaf(const struct pmu_host_cpuid *c, uint32_t function,
					  uint32_t index)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->leaf[i].function == function && c->leaf[i].index == index)
			return &c->leaf[i];
	return NULL;
}

int pmu_host_set_leaf(struct pmu_host_cpuid *c, const struct pmu_host_leaf *l, struct vmm_err *err)
{
	struct pmu_host_leaf *dst = (struct pmu_host_leaf *)pmu_host_leaf(c, l->function, l->index);

	if (!dst) {
		if (c->n >= PMU_HOST_MAX_LEAVES)
			return vmm_errf(err, ENOSPC, "too many CPUID leaves in a host description (max %d)",
					PMU_HOST_MAX_LEAVES);
		dst = &c->leaf[c->n++];
	}
	*dst = *l;
	return 0;
}

void pmu_host_cpuid_table(const struct pmu_host *h, enum pmu_host_view view, struct cpuid_table *t)
{
	const struct pmu_host_cpuid *c = view == PMU_HOST_KVM ? &h->kvm : &h->cpu;

	t->nent = 0;
	for (unsigned int i = 0; i < c->n && t->nent < CPUID_TABLE_MAX; i++) {
		struct kvm_cpuid_entry2 *e = &t->ent[t->nent++];

		memset(e, 0, sizeof(*e));
		e->function = c->leaf[i].function;
		e->index = c->leaf[i].index;
		/* Leaf 23H has sub-leaves; the others are read at index 0 only. */
		if (e->function == 0x23)
			e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		e->eax = c->leaf[i].eax;
		e->ebx = c->leaf[i].ebx;
		e->ecx = c->leaf[i].ecx;
		e->edx = c->leaf[i].edx;
	}
}

void pmu_host_shape(const struct pmu_host *h, enum pmu_host_view view, struct pmu_shape *s)
{
	static const struct cpuid_table zero_table;
	struct cpuid_table t = zero_table;

	pmu_host_cpuid_table(h, view, &t);
	cpuid_read_pmu_as(&t, h->vendor, s);
}

enum pmu_param pmu_host_mediated_param(const struct pmu_host *h)
{
	return h->vendor == PMU_VENDOR_AMD ? h->mediated_amd : h->mediated_intel;
}

const char *pmu_host_mediated_param_name(const struct pmu_host *h)
{
	return h->vendor == PMU_VENDOR_AMD ? "kvm_amd.enable_mediated_pmu" : "kvm_intel.enable_mediated_pmu";
}

const struct pmu_host_pmu *pmu_host_find_pmu(const struct pmu_host *h, const char *name)
{
	for (unsigned int i = 0; i < h->nr_pmus; i++)
		if (!strcmp(h->pmus[i].name, name))
			return &h->pmus[i];
	return NULL;
}

bool pmu_host_is_hybrid(const struct pmu_host *h)
{
	return pmu_host_find_pmu(h, "cpu_core") && pmu_host_find_pmu(h, "cpu_atom");
}

const char *pmu_param_name(enum pmu_param p)
{
	switch (p) {
	case PMU_PARAM_Y: return "Y";
	case PMU_PARAM_N: return "N";
	default: return "absent";
	}
}

/* ---- CPU lists ---- */

static int cpulist_range(struct pmu_cpuset *set, unsigned long lo, unsigned long hi, struct vmm_err *err)
{
	if (hi < lo || hi >= PMU_CPUSET_WORDS * 64)
		return vmm_errf(err, EINVAL, "CPU range %lu-%lu is invalid (CPUs 0-%d)", lo, hi,
				PMU_CPUSET_WORDS * 64 - 1);
	for (unsigned long c = lo; c <= hi; c++)
		set->w[c / 64] |= 1ULL << (c % 64);
	return 0;
}

int pmu_cpulist_parse(const char *s, struct pmu_cpuset *set, struct vmm_err *err)
{
	const char *p = s;

	memset(set, 0, sizeof(*set));
	while (*p) {
		char *end;
		unsigned long lo, hi;
		int r;

		if (!isdigit((unsigned char)*p))
			return vmm_errf(err, EINVAL, "CPU list '%s': expected a CPU number at '%s'", s, p);
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return vmm_errf(err, EINVAL, "CPU list '%s': expected a CPU number at '%s'", s, p);
			hi = strtoul(p, &end, 10);
		}
		r = cpulist_range(set, lo, hi, err);
		if (r)
			return r;
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return vmm_errf(err, EINVAL, "CPU list '%s': unexpected '%c'", s, *p);
		else if (*p)
			p++;
	}
	if (!pmu_cpuset_count(set))
		return vmm_errf(err, EINVAL, "CPU list '%s' is empty", s);
	return 0;
}

bool pmu_cpuset_subset(const struct pmu_cpuset *a, const struct pmu_cpuset *b)
{
	for (int i = 0; i < PMU_CPUSET_WORDS; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

unsigned int pmu_cpuset_count(const struct pmu_cpuset *s)
{
	unsigned int n = 0;

	for (int i = 0; i < PMU_CPUSET_WORDS; i++)
		n += (unsigned int)__builtin_popcountll(s->w[i]);
	return n;
}

/* ---- text format ---- */

struct cap_key {
	const char *name;
	size_t off;
};

static const struct cap_key cap_keys[] = {
	{ "pmu_capability", offsetof(struct pmu_host, cap_pmu_capability) },
	{ "pmu_event_filter", offsetof(struct pmu_host, cap_pmu_event_filter) },
	{ "pmu_masked_events", offsetof(struct pmu_host, cap_pmu_masked_events) },
	{ "user_space_msr", offsetof(struct pmu_host, cap_user_space_msr) },
	{ "msr_filter", offsetof(struct pmu_host, cap_msr_filter) },
};

struct param_key {
	const char *name;
	size_t off;
};

static const struct param_key param_keys[] = {
	{ "kvm.enable_pmu", offsetof(struct pmu_host, enable_pmu) },
	{ "kvm_intel.enable_mediated_pmu", offsetof(struct pmu_host, mediated_intel) },
	{ "kvm_amd.enable_mediated_pmu", offsetof(struct pmu_host, mediated_amd) },
	{ "kvm.enable_vmware_backdoor", offsetof(struct pmu_host, vmware_backdoor) },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void write_cpuid(FILE *f, const char *key, const struct pmu_host_cpuid *c)
{
	for (unsigned int i = 0; i < c->n; i++) {
		const struct pmu_host_leaf *l = &c->leaf[i];

		fprintf(f, "%s 0x%x %u eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", key, l->function,
			l->index, l->eax, l->ebx, l->ecx, l->edx);
	}
}

int pmu_host_write(FILE *f, const struct pmu_host *h)
{
	fprintf(f, "name %s\n", h->name[0] ? h->name : "unnamed");
	if (h->comment[0])
		fprintf(f, "comment %s\n", h->comment);
	if (h->kernel[0])
		fprintf(f, "kernel %s\n", h->kernel);
	fprintf(f, "api %d\n", h->api_version);
	fprintf(f, "vendor %s\n", h->vendor == PMU_VENDOR_AMD ? "amd" : "intel");
	for (size_t i = 0; i < ARRAY_SIZE(cap_keys); i++)
		fprintf(f, "cap %s %u\n", cap_keys[i].name,
			*(const unsigned int *)((const char *)h + cap_keys[i].off));
	for (size_t i = 0; i < ARRAY_SIZE(param_keys); i++)
		fprintf(f, "param %s %s\n", param_keys[i].name,
			pmu_param_name(*(const enum pmu_param *)((const char *)h + param_keys[i].off)));
	if (h->nmi_watchdog < 0)
		fprintf(f, "nmi_watchdog absent\n");
	else
		fprintf(f, "nmi_watchdog %d\n", h->nmi_watchdog);
	if (h->perf_caps_valid)
		fprintf(f, "msr perf_capabilities 0x%" PRIx64 "\n", h->perf_caps);
	else
		fprintf(f, "msr perf_capabilities absent\n");
	write_cpuid(f, "cpuid", &h->kvm);
	write_cpuid(f, "hostcpuid", &h->cpu);
	for (unsigned int i = 0; i < h->nr_pmus; i++)
		fprintf(f, "pmu %s %s\n", h->pmus[i].name, h->pmus[i].cpus[0] ? h->pmus[i].cpus : "-");
	return ferror(f) ? -EIO : 0;
}

struct parse_ctx {
	unsigned int line;
	struct pmu_host *h;
	struct vmm_err *err;
};

#define PARSE_ERR(ctx, ...) parse_err(ctx, __VA_ARGS__)

static int parse_err(struct parse_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int parse_err(struct parse_ctx *ctx, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vmm_errf(ctx->err, EINVAL, "host description line %u: %s", ctx->line, msg);
}

/* Numbers of the format: decimal or 0x hex (common/num.h). */
static int parse_u64(const char *s, uint64_t *v)
{
	return num_parse_u64(s, v) < 0 ? -1 : 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Split off the next space-separated word of *p (modified in place). */
static char *next_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static char *rest_of_line(char **p)
{
	char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int copy_str(struct parse_ctx *ctx, char *dst, size_t len, const char *src, const char *key)
{
	if (!*src)
		return PARSE_ERR(ctx, "'%s' needs a value", key);
	if (strlen(src) >= len)
		return PARSE_ERR(ctx, "'%s' value longer than %zu characters", key, len - 1);
	/* A carriage return or other control character would not survive a save and load. */
	for (const unsigned char *c = (const unsigned char *)src; *c; c++)
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
			return PARSE_ERR(ctx, "'%s' value has a control character (0x%02x)", key, *c);
	strcpy(dst, src);
	return 0;
}

static int parse_api(struct parse_ctx *ctx, char *p)
{
	uint32_t v;
	char *w = next_word(&p);

	if (!w || parse_u32(w, &v) || next_word(&p))
		return PARSE_ERR(ctx, "'api' needs one number");
	/* KVM_GET_API_VERSION returns an int: what does not fit one could not be written back. */
	if (v > INT_MAX)
		return PARSE_ERR(ctx, "api %s is out of range (0 to %d)", w, INT_MAX);
	ctx->h->api_version = (int)v;
	return 0;
}

static int parse_vendor(struct parse_ctx *ctx, char *p)
{
	char *w = next_word(&p);

	if (w && !strcmp(w, "intel"))
		ctx->h->vendor = PMU_VENDOR_INTEL;
	else if (w && !strcmp(w, "amd"))
		ctx->h->vendor = PMU_VENDOR_AMD;
	else
		return PARSE_ERR(ctx, "vendor must be 'intel' or 'amd'");
	return 0;
}

static int parse_cap(struct parse_ctx *ctx, char *p)
{
	char *name = next_word(&p), *val = next_word(&p);
	uint32_t v;

	if (!name || !val || next_word(&p))
		return PARSE_ERR(ctx, "'cap' needs a name and a value");
	if (parse_u32(val, &v))
		return PARSE_ERR(ctx, "cap %s: '%s' is not a number", name, val);
	for (size_t i = 0; i < ARRAY_SIZE(cap_keys); i++) {
		if (!strcmp(name, cap_keys[i].name)) {
			*(unsigned int *)((char *)ctx->h + cap_keys[i].off) = v;
			return 0;
		}
	}
	return PARSE_ERR(ctx, "unknown cap '%s'", name);
}

static int parse_param(struct parse_ctx *ctx, char *p)
{
	char *name = next_word(&p), *val = next_word(&p);
	enum pmu_param v;

	if (!name || !val || next_word(&p))
		return PARSE_ERR(ctx, "'param' needs a name and Y, N or absent");
	if (!strcmp(val, "Y"))
		v = PMU_PARAM_Y;
	else if (!strcmp(val, "N"))
		v = PMU_PARAM_N;
	else if (!strcmp(val, "absent"))
		v = PMU_PARAM_ABSENT;
	else
		return PARSE_ERR(ctx, "param %s: value must be Y, N or absent, not '%s'", name, val);
	for (size_t i = 0; i < ARRAY_SIZE(param_keys); i++) {
		if (!strcmp(name, param_keys[i].name)) {
			*(enum pmu_param *)((char *)ctx->h + param_keys[i].off) = v;
			return 0;
		}
	}
	return PARSE_ERR(ctx, "unknown param '%s'", name);
}

static int parse_nmi_watchdog(struct parse_ctx *ctx, char *p)
{
	char *w = next_word(&p);
	uint32_t v;

	if (w && !strcmp(w, "absent") && !next_word(&p)) {
		ctx->h->nmi_watchdog = -1;
		return 0;
	}
	if (!w || parse_u32(w, &v) || v > 1 || next_word(&p))
		return PARSE_ERR(ctx, "nmi_watchdog must be 0, 1 or absent");
	ctx->h->nmi_watchdog = (int)v;
	return 0;
}

static int parse_msr(struct parse_ctx *ctx, char *p)
{
	char *name = next_word(&p), *val = next_word(&p);

	if (!name || !val || next_word(&p))
		return PARSE_ERR(ctx, "'msr' needs a name and a value");
	if (strcmp(name, "perf_capabilities"))
		return PARSE_ERR(ctx, "unknown msr '%s' (only perf_capabilities)", name);
	if (!strcmp(val, "absent")) {
		ctx->h->perf_caps_valid = false;
		ctx->h->perf_caps = 0;
		return 0;
	}
	if (parse_u64(val, &ctx->h->perf_caps))
		return PARSE_ERR(ctx, "msr perf_capabilities: '%s' is not a number", val);
	ctx->h->perf_caps_valid = true;
	return 0;
}

static int parse_reg(struct parse_ctx *ctx, const char *w, const char *name, uint32_t *v)
{
	size_t n = strlen(name);

	if (!w || strncmp(w, name, n) || w[n] != '=' || parse_u32(w + n + 1, v))
		return PARSE_ERR(ctx, "expected %s=<number>, got '%s'", name, w ? w : "end of line");
	return 0;
}

static int parse_cpuid(struct parse_ctx *ctx, char *p, struct pmu_host_cpuid *c)
{
	struct pmu_host_leaf l;
	char *fn = next_word(&p), *idx = next_word(&p);
	int r;

	if (!fn || !idx || parse_u32(fn, &l.function) || parse_u32(idx, &l.index))
		return PARSE_ERR(ctx, "cpuid line needs <leaf> <subleaf> eax= ebx= ecx= edx=");
	if ((r = parse_reg(ctx, next_word(&p), "eax", &l.eax)) ||
	    (r = parse_reg(ctx, next_word(&p), "ebx", &l.ebx)) ||
	    (r = parse_reg(ctx, next_word(&p), "ecx", &l.ecx)) ||
	    (r = parse_reg(ctx, next_word(&p), "edx", &l.edx)))
		return r;
	if (next_word(&p))
		return PARSE_ERR(ctx, "trailing text after edx=");
	if (pmu_host_leaf(c, l.function, l.index))
		return PARSE_ERR(ctx, "leaf 0x%x.%u given twice", l.function, l.index);
	r = pmu_host_set_leaf(c, &l, ctx->err);
	if (r)
		vmm_err_prefix(ctx->err, "host description line %u", ctx->line);
	return r;
}

static int parse_pmu(struct parse_ctx *ctx, char *p)
{
	struct pmu_host *h = ctx->h;
	char *name = next_word(&p), *cpus = next_word(&p);
	struct pmu_host_pmu *d;
	struct pmu_cpuset set;

	if (!name || !cpus || next_word(&p))
		return PARSE_ERR(ctx, "'pmu' needs a name and a CPU list (or '-')");
	if (h->nr_pmus >= PMU_HOST_MAX_PMUS)
		return PARSE_ERR(ctx, "too many host PMUs (max %d)", PMU_HOST_MAX_PMUS);
	if (pmu_host_find_pmu(h, name))
		return PARSE_ERR(ctx, "pmu %s given twice", name);
	d = &h->pmus[h->nr_pmus];
	if (strlen(name) >= sizeof(d->name) || strlen(cpus) >= sizeof(d->cpus))
		return PARSE_ERR(ctx, "pmu name or CPU list too long");
	if (strcmp(cpus, "-") && pmu_cpulist_parse(cpus, &set, ctx->err)) {
		vmm_err_prefix(ctx->err, "host description line %u", ctx->line);
		return -EINVAL;
	}
	strcpy(d->name, name);
	strcpy(d->cpus, strcmp(cpus, "-") ? cpus : "");
	h->nr_pmus++;
	return 0;
}

static int parse_line(struct parse_ctx *ctx, char *line)
{
	char *p = line, *key = next_word(&p);

	if (!key || key[0] == '#')
		return 0;
	if (!strcmp(key, "name")) {
		char *w = next_word(&p);

		if (!w || next_word(&p))
			return PARSE_ERR(ctx, "'name' needs one word");
		return copy_str(ctx, ctx->h->name, sizeof(ctx->h->name), w, key);
	}
	if (!strcmp(key, "comment"))
		return copy_str(ctx, ctx->h->comment, sizeof(ctx->h->comment), rest_of_line(&p), key);
	if (!strcmp(key, "kernel"))
		return copy_str(ctx, ctx->h->kernel, sizeof(ctx->h->kernel), rest_of_line(&p), key);
	if (!strcmp(key, "api"))
		return parse_api(ctx, p);
	if (!strcmp(key, "vendor"))
		return parse_vendor(ctx, p);
	if (!strcmp(key, "cap"))
		return parse_cap(ctx, p);
	if (!strcmp(key, "param"))
		return parse_param(ctx, p);
	if (!strcmp(key, "nmi_watchdog"))
		return parse_nmi_watchdog(ctx, p);
	if (!strcmp(key, "msr"))
		return parse_msr(ctx, p);
	if (!strcmp(key, "cpuid"))
		return parse_cpuid(ctx, p, &ctx->h->kvm);
	if (!strcmp(key, "hostcpuid"))
		return parse_cpuid(ctx, p, &ctx->h->cpu);
	if (!strcmp(key, "pmu"))
		return parse_pmu(ctx, p);
	return PARSE_ERR(ctx, "unknown key '%s'", key);
}

int pmu_host_parse(const char *text, struct pmu_host *h, struct vmm_err *err)
{
	struct parse_ctx ctx = { .line = 0, .h = h, .err = err };
	const char *p = text;

	pmu_host_init(h);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		int r;

		ctx.line++;
		if (len >= sizeof(line))
			return PARSE_ERR(&ctx, "line longer than %zu characters", sizeof(line) - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		for (size_t end = len; end && line[end - 1] == '\r'; end--)	/* "\r\n", stray '\r's */
			line[end - 1] = '\0';
		r = parse_line(&ctx, line);
		if (r)
			return r;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}
