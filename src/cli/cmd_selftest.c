// SPDX-License-Identifier: GPL-2.0-only
/* vmm selftest: find the guests, decide which PMU modes this host can give, run the catalog. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "selftest/selftest.h"
#include "vmm/vmm.h"

#ifndef VMM_GUEST_DIR
#define VMM_GUEST_DIR "/usr/local/share/vmm/guest-images"
#endif

/* The guests sit in guest-images/ beside the binary in a build tree, or in the installed data dir. */
static int find_guest_dir(const char *self, char *dir, size_t len)
{
	const char *slash = strrchr(self, '/');
	struct stat st;

	snprintf(dir, len, "%.*s/guest-images", slash ? (int)(slash - self) : 1, slash ? self : ".");
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(dir, len, "%s", VMM_GUEST_DIR);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -ENOENT;
}

/*
 * Which selftest modes this host can give, by planning each one from the
 * same options its `vmm run` children get.
 */
static void selftest_modes_available(struct vmm *vmm, const struct selftest_opts *o, struct selftest_env *env)
{
	for (unsigned int m = 0; m < ST_NR_MODES; m++) {
		const struct selftest_mode_info *mode = &selftest_modes[m];
		struct vmm_pmu_option opts[4];
		struct vmm_error err = { 0 };
		struct vmm_plan *plan = NULL;
		size_t n = 0;

		if (mode->vendor)
			opts[n++] = (struct vmm_pmu_option){ "cpu-vendor", mode->vendor };
		if (!strcmp(mode->pmu, "soft") && o->soft_engine)
			opts[n++] = (struct vmm_pmu_option){ "soft-engine", o->soft_engine };
		if (!strcmp(mode->pmu, "soft") && o->soft_check)
			opts[n++] = (struct vmm_pmu_option){ "soft-check", "on" };
		if (!strcmp(mode->pmu, "soft") && o->soft_interp)
			opts[n++] = (struct vmm_pmu_option){ "soft-interp", o->soft_interp };
		if (vmm_plan(vmm, mode->pmu, opts, n, &plan, &err) < 0)
			snprintf(env->unavailable[m], sizeof(env->unavailable[m]), "%s", err.message);
		vmm_plan_free(plan);
	}
}

static void selftest_list(void)
{
	for (unsigned int i = 0; i < selftest_nr_guests; i++)
		printf("%-14s %s\n", selftest_guests[i].name, selftest_guests[i].proves);
}

int cmd_selftest(const struct vmm_config *cfg)
{
	struct selftest_opts o = {
		.guests = cfg->guests,
		.jobs = cfg->jobs ? (unsigned int)cfg->jobs : (unsigned int)sysconf(_SC_NPROCESSORS_ONLN),
		.json_path = cfg->json_path,
		.tap = cfg->tap,
		.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 60000,
		.progress = isatty(STDERR_FILENO) && !cfg->json_path && !cfg->tap && !cfg->guest_output,
		.guest_output = cfg->guest_output,
		.no_seccomp = cfg->no_seccomp,
	};
	struct selftest_env env = { 0 };
	char self[4096], dir[4096];
	struct vmm_err err = { 0 };
	struct vmm_error e = { 0 };
	struct vmm *vmm = NULL;
	ssize_t n;
	int r;

	/* --soft-engine, --soft-check and --soft-interp go to every soft-mode run. */
	for (size_t i = 0; i < cfg->nr_pmu; i++) {
		if (!strcmp(cfg->pmu[i].name, "soft-engine"))
			o.soft_engine = cfg->pmu[i].value;
		else if (!strcmp(cfg->pmu[i].name, "soft-interp"))
			o.soft_interp = cfg->pmu[i].value;
		else if (!strcmp(cfg->pmu[i].name, "soft-check"))
			o.soft_check = !strcmp(cfg->pmu[i].value, "on");
	}
	if (cfg->list) {
		selftest_list();
		return VMM_STATUS_OK;
	}
	if (selftest_modes_parse(cfg->modes ? cfg->modes : "all", &o.modes, &err) < 0 ||
	    (cfg->guests && selftest_guests_check(cfg->guests, &err) < 0))
		return cmd_fail(VMM_STATUS_USAGE, &err);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		fprintf(stderr, "vmm: cannot find my own executable: %s\n", strerror(errno));
		return VMM_STATUS_HOST;
	}
	self[n] = '\0';
	if (cfg->guest_dir)
		snprintf(dir, sizeof(dir), "%s", cfg->guest_dir);
	else if (find_guest_dir(self, dir, sizeof(dir)) < 0) {
		fprintf(stderr, "vmm: no guest images beside %s or in %s (use --guest-dir)\n", self,
			VMM_GUEST_DIR);
		return VMM_STATUS_IMAGE;
	}
	if (vmm_open(NULL, &vmm, &e) < 0) {
		fprintf(stderr, "vmm: %s\n", e.message);
		if (o.guest_output) {	/* TAP: a skip with the reason */
			printf("1..0 # SKIP %s\n", e.message);
			return VMM_STATUS_OK;
		}
		return 77;
	}
	env.vmm_path = self;
	env.guest_dir = dir;
	selftest_modes_available(vmm, &o, &env);
	vmm_close(vmm);
	r = selftest_run(&o, &env, stdout, &err);
	if (r < 0)
		return cmd_fail(err.input ? VMM_STATUS_USAGE : VMM_STATUS_HOST, &err);
	return r;
}

