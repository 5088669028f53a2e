/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vmm's own command line needs of libvmm beyond include/vmm/vmm.h: a
 * plan from the request cli.c has already parsed, and the host facts that
 * vmm caps prints. Not exported from the shared library.
 */
#ifndef VMM_VMM_API_CLI_H
#define VMM_VMM_API_CLI_H

#include "pmu/plan.h"
#include "vmm/vmm.h"

int vmm_plan_request(struct vmm *vmm, const struct pmu_request *req, struct vmm_plan **out,
		     struct vmm_error *err);

struct pmu_host;
/* What vmm_open() probed of the host (vmm caps, vmm selftest). */
const struct pmu_host *vmm_host(const struct vmm *vmm);

#endif
