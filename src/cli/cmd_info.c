// SPDX-License-Identifier: GPL-2.0-only
/* vmm caps and vmm plan: what a host offers, and what a recorded host would give. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu/host.h"
#include "pmu/plan.h"
#include "vmm/api/api_cli.h"
#include "cli/cmd.h"
#include "common/file.h"
#include "vmm/run/status.h"
#include "vmm/vmm.h"

int cmd_probe_host(struct pmu_host *host, struct vmm_err *err)
{
	struct vmm_error e = { 0 };
	struct vmm *vmm = NULL;
	int r = vmm_open(NULL, &vmm, &e);

	if (r < 0) {
		err->code = e.code;
		err->input = e.input != 0;
		snprintf(err->msg, sizeof(err->msg), "%s", e.message);
		return r;
	}
	*host = *vmm_host(vmm);
	vmm_close(vmm);
	return 0;
}

static int write_host(FILE *f, void *host)
{
	return pmu_host_write(f, host);
}

int cmd_caps(const struct vmm_config *cfg)
{
	struct vmm_err err = { 0 };
	struct pmu_host host;

	if (cmd_probe_host(&host, &err) < 0)
		return cmd_fail(VMM_STATUS_HOST, &err);
	if (cfg->save_path && file_write_atomic(cfg->save_path, write_host, &host, &err) < 0) {
		vmm_err_prefix(&err, "--save");
		return cmd_fail(VMM_STATUS_IMAGE, &err);
	}
	if (pmu_host_print_caps(stdout, &host, cfg->json) < 0)
		return VMM_STATUS_HOST;
	return VMM_STATUS_OK;
}

int cmd_plan(const struct vmm_config *cfg)
{
	struct vmm_err err = { 0 };
	struct file_buf text;
	struct pmu_host host;
	struct pmu_plan *plan = calloc(1, sizeof(*plan));
	char *nul;
	int r;

	if (!plan)
		return VMM_STATUS_HOST;
	r = file_read(cfg->host_path, 1 << 20, "the limit for a host description (1 MiB)", &text, &err);
	if (r < 0) {
		free(plan);
		return cmd_fail(VMM_STATUS_IMAGE, &err);
	}
	nul = realloc(text.data, text.len + 1);
	if (nul) {
		text.data = (uint8_t *)nul;
		nul[text.len] = '\0';
		r = pmu_host_parse(nul, &host, &err);
		if (r < 0)
			vmm_err_prefix(&err, "%s", cfg->host_path);
	}
	if (!nul || r < 0) {
		file_free(&text);
		free(plan);
		return cmd_fail(VMM_STATUS_IMAGE, &err);
	}
	file_free(&text);
	r = pmu_plan(&host, &cfg->pmu, plan, &err);
	if (r < 0) {
		free(plan);
		fprintf(stderr, "vmm: --pmu=%s on %s: %s\n", pmu_mode_name(cfg->pmu.mode),
			host.name[0] ? host.name : cfg->host_path, err.msg);
		return cmd_plan_status(err.input);
	}
	pmu_plan_print(stdout, plan, cfg->json);
	free(plan);
	return VMM_STATUS_OK;
}

