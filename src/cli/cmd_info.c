// SPDX-License-Identifier: GPL-2.0-only
/* vmm caps and vmm plan: what a host offers, and what a recorded host would give. */
#include <stdio.h>

#include "cli/cmd.h"
#include "common/file.h"
#include "vmm/vmm.h"

static int fail(int status, const struct vmm_error *e)
{
	struct vmm_err r = cmd_err(e);

	return cmd_fail(status, &r);
}

static int write_host(FILE *f, void *vmm)
{
	return vmm_host_write(vmm, f, NULL);
}

int cmd_caps(const struct vmm_config *cfg)
{
	struct vmm_err err = { 0 };
	struct vmm_error e = { 0 };
	struct vmm *vmm = NULL;
	int status = VMM_STATUS_OK;

	if (vmm_open(NULL, &vmm, &e) < 0)
		return fail(VMM_STATUS_HOST, &e);
	if (cfg->save_path && file_write_atomic(cfg->save_path, write_host, vmm, &err) < 0) {
		vmm_err_prefix(&err, "--save");
		status = cmd_fail(VMM_STATUS_IMAGE, &err);
	} else if (vmm_host_print(vmm, stdout, cfg->json, NULL) < 0) {
		status = VMM_STATUS_HOST;
	}
	vmm_close(vmm);
	return status;
}

int cmd_plan(const struct vmm_config *cfg)
{
	struct vmm_error e = { 0 };
	struct vmm *host = NULL;
	struct vmm_plan *plan = NULL;
	int r;

	if (vmm_open_host_file(cfg->host_path, &host, &e) < 0)
		return fail(VMM_STATUS_IMAGE, &e);
	r = vmm_plan(host, NULL, cfg->pmu, cfg->nr_pmu, &plan, &e);
	if (r < 0) {
		const char *name = vmm_host_name(host);

		fprintf(stderr, "vmm: --pmu=%s on %s: %s\n", cfg->pmu_mode, name[0] ? name : cfg->host_path,
			e.message);
		vmm_close(host);
		return cmd_plan_status(e.input);
	}
	vmm_plan_print(plan, stdout, cfg->json, NULL);
	vmm_plan_free(plan);
	vmm_close(host);
	return VMM_STATUS_OK;
}
