// SPDX-License-Identifier: GPL-2.0-only
#include "selftest/report.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "common/json.h"
#include "common/file.h"

const char *selftest_verdict_name(enum selftest_verdict v)
{
	switch (v) {
	case ST_PASS: return "pass";
	case ST_FAIL: return "FAIL";
	case ST_SKIP: return "skip";
	case ST_UNAVAILABLE: return "n/a";
	default: return "pending";
	}
}

static void first_line(char *dst, size_t len, const char *text)
{
	size_t n = strcspn(text, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(dst, text, n);
	dst[n] = '\0';
}

/*
 * vmm's status carries the guest's verdict (docs/guests.md): 1 all passed,
 * 3 a test failed, 77 all skipped; anything else means the guest never
 * finished (triple fault, timeout, VMM error) and stderr says why.
 */
void selftest_judge(struct selftest_pair *p, const char *err_text)
{
	const struct tap_result *t = &p->tap;

	p->why[0] = '\0';
	if (p->status == 77) {
		p->verdict = ST_SKIP;
		snprintf(p->why, sizeof(p->why), "%s", t->skip_reason[0] ? t->skip_reason : "guest skipped");
		return;
	}
	p->verdict = ST_FAIL;
	if (p->status == 128 + SIGSYS) {	/* the root cause, whatever the guest printed */
		snprintf(p->why, sizeof(p->why), "vmm killed by SIGSYS: a vCPU thread made a system call outside "
			 "its seccomp filter (docs/security.md; --no-seccomp runs without it)");
	} else if (t->first_failure[0]) {
		snprintf(p->why, sizeof(p->why), "%s", t->first_failure);
	} else if (p->status != 1) {
		char line[200];

		first_line(line, sizeof(line), err_text);
		snprintf(p->why, sizeof(p->why), "vmm exit status %d%s%s", p->status, line[0] ? ": " : "",
			 line);
	} else if (!tap_points(t)) {
		snprintf(p->why, sizeof(p->why), "guest exited without reporting a test");
	} else if (t->has_plan && t->planned != tap_points(t)) {
		snprintf(p->why, sizeof(p->why), "planned %u tests, ran %u", t->planned, tap_points(t));
	} else {
		p->verdict = t->skipped == t->ok ? ST_SKIP : ST_PASS;
		if (p->verdict == ST_SKIP)
			snprintf(p->why, sizeof(p->why), "%s", t->skip_reason);
	}
}

/* "pass 7/7", "FAIL 6/7", "skip", "n/a" */
static void cell(char *buf, size_t len, const struct selftest_pair *p)
{
	if (p->verdict == ST_PASS || p->verdict == ST_FAIL)
		snprintf(buf, len, "%s %u/%u", selftest_verdict_name(p->verdict), p->tap.ok - p->tap.skipped,
			 tap_points(&p->tap) - p->tap.skipped);
	else
		snprintf(buf, len, "%s", selftest_verdict_name(p->verdict));
}

static const struct selftest_pair *find_pair(const struct selftest_pair *pairs, unsigned int n,
					     const struct selftest_guest *g, unsigned int mode)
{
	for (unsigned int i = 0; i < n; i++)
		if (pairs[i].guest == g && pairs[i].mode == mode)
			return &pairs[i];
	return NULL;
}

static void report_matrix(FILE *f, const struct selftest_pair *pairs, unsigned int n, unsigned int modes)
{
	const struct selftest_guest *last = NULL;
	int w = 5;

	for (unsigned int i = 0; i < n; i++)
		if ((int)strlen(pairs[i].guest->name) > w)
			w = (int)strlen(pairs[i].guest->name);
	fprintf(f, "%-*s", w, "guest");
	for (unsigned int m = 0; m < ST_NR_MODES; m++)
		if (modes & (1u << m))
			fprintf(f, " %-12s", selftest_mode_name(m));
	fputc('\n', f);
	for (unsigned int i = 0; i < n; i++) {
		if (pairs[i].guest == last)
			continue;
		last = pairs[i].guest;
		fprintf(f, "%-*s", w, last->name);
		for (unsigned int m = 0; m < ST_NR_MODES; m++) {
			const struct selftest_pair *p = find_pair(pairs, n, last, m);
			char c[32] = "-";

			if (!(modes & (1u << m)))
				continue;
			if (p)
				cell(c, sizeof(c), p);
			fprintf(f, " %-12s", c);
		}
		fputc('\n', f);
	}
}

static void report_tap(FILE *f, const struct selftest_pair *pairs, unsigned int n)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++)
		k += pairs[i].verdict != ST_UNAVAILABLE;
	fprintf(f, "1..%u\n", k);
	k = 0;
	for (unsigned int i = 0; i < n; i++) {
		const struct selftest_pair *p = &pairs[i];

		if (p->verdict == ST_UNAVAILABLE)
			continue;
		fprintf(f, "%s %u - %s/%s", p->verdict == ST_FAIL ? "not ok" : "ok", ++k, p->guest->name,
			selftest_mode_name(p->mode));
		if (p->verdict == ST_SKIP)
			fprintf(f, " # SKIP %s", p->why);
		else if (p->verdict == ST_FAIL)
			fprintf(f, ": %s", p->why);
		else
			fprintf(f, " (%u tests)", tap_points(&p->tap));
		fputc('\n', f);
	}
}

static void json_pair(FILE *f, const struct selftest_pair *p)
{
	fprintf(f, "{\"guest\":");
	json_string(f, p->guest->name);
	fprintf(f, ",\"mode\":");
	json_string(f, selftest_mode_name(p->mode));
	fprintf(f, ",\"verdict\":");
	json_string(f, p->verdict == ST_FAIL ? "fail" : selftest_verdict_name(p->verdict));
	if (p->verdict != ST_UNAVAILABLE)
		fprintf(f, ",\"status\":%d,\"seconds\":%.3f,\"passed\":%u,\"failed\":%u,\"skipped\":%u,"
			"\"planned\":%u", p->status, p->seconds, p->tap.ok - p->tap.skipped, p->tap.not_ok,
			p->tap.skipped, p->tap.planned);
	fprintf(f, ",\"why\":");
	json_string(f, p->why);
	fputc('}', f);
}

struct json_report {
	const struct selftest_env *env;
	unsigned int modes;
	const struct selftest_pair *pairs;
	unsigned int n;
};

static int write_json(FILE *f, void *ctx)
{
	const struct json_report *j = ctx;
	bool first = true;

	fprintf(f, "{\"modes\":[");
	for (unsigned int m = 0; m < ST_NR_MODES; m++) {
		if (!(j->modes & (1u << m)))
			continue;
		fprintf(f, "%s{\"name\":", first ? "" : ",");
		json_string(f, selftest_mode_name(m));
		fprintf(f, ",\"available\":%s,\"reason\":", j->env->unavailable[m][0] ? "false" : "true");
		json_string(f, j->env->unavailable[m]);
		fputc('}', f);
		first = false;
	}
	fprintf(f, "],\"results\":[");
	for (unsigned int i = 0; i < j->n; i++) {
		if (i)
			fputc(',', f);
		json_pair(f, &j->pairs[i]);
	}
	fprintf(f, "]}\n");
	return ferror(f) ? -EIO : 0;
}

static int report_json(const char *path, const struct selftest_env *env, unsigned int modes,
		       const struct selftest_pair *pairs, unsigned int n, struct vmm_err *err)
{
	struct json_report j = { .env = env, .modes = modes, .pairs = pairs, .n = n };
	int r = file_write_atomic(path, write_json, &j, err);

	if (r < 0)
		vmm_err_prefix(err, "--json");
	return r;
}

int selftest_report(const struct selftest_opts *o, const struct selftest_env *env,
		    const struct selftest_pair *pairs, unsigned int n, double seconds, FILE *out,
		    struct vmm_err *err)
{
	unsigned int pass = 0, fail = 0, skip = 0;
	int r;

	for (unsigned int i = 0; i < n; i++) {
		pass += pairs[i].verdict == ST_PASS;
		fail += pairs[i].verdict == ST_FAIL;
		skip += pairs[i].verdict == ST_SKIP;
	}
	if (o->tap)
		report_tap(out, pairs, n);
	else
		report_matrix(out, pairs, n, o->modes);
	for (unsigned int m = 0; m < ST_NR_MODES; m++)
		if ((o->modes & (1u << m)) && env->unavailable[m][0])
			fprintf(out, "%s%s unavailable: %s\n", o->tap ? "# " : "", selftest_mode_name(m),
				env->unavailable[m]);
	for (unsigned int i = 0; i < n && !o->tap; i++)
		if (pairs[i].verdict == ST_FAIL)
			fprintf(out, "%s/%s: %s\n", pairs[i].guest->name, selftest_mode_name(pairs[i].mode),
				pairs[i].why);
	fprintf(out, "%s%u passed, %u failed, %u skipped in %.1f s\n", o->tap ? "# " : "", pass, fail, skip,
		seconds);
	if (o->json_path) {
		r = report_json(o->json_path, env, o->modes, pairs, n, err);
		if (r < 0)
			return r;
	}
	if (fail)
		return 1;
	return pass ? 0 : 77;
}

int selftest_report_guest(const struct selftest_env *env, const struct selftest_pair *p, FILE *out)
{
	if (p->verdict == ST_UNAVAILABLE) {
		fprintf(out, "1..0 # SKIP %s unavailable: %s\n", selftest_mode_name(p->mode), env->unavailable[p->mode]);
		return 0;
	}
	if (p->output_len)
		fwrite(p->output, 1, p->output_len, out);
	if (p->verdict == ST_FAIL && !p->tap.first_failure[0])
		fprintf(out, "# %s\n", p->why);
	/* The TAP carries passes and skips; the status only says whether something failed. */
	return p->verdict == ST_FAIL ? 1 : 0;
}
