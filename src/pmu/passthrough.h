/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mediated vPMU pass-through rules: which PMU MSRs and RDPMC reach the
 * hardware directly for a given guest shape on a given host PMU. Pure.
 */
#ifndef VMM_PMU_PASSTHROUGH_H
#define VMM_PMU_PASSTHROUGH_H

#include "pmu/plan.h"

/* Fill p->rules, p->rdpmc_passthrough and p->rdpmc_why for guest shape g on host PMU hw. */
void pmu_passthrough_plan(const struct pmu_shape *hw, const struct pmu_shape *g, struct pmu_plan *p);

/* kvm.enable_vmware_backdoor=Y: RDPMC is intercepted whatever the shape. */
void pmu_passthrough_vmware_backdoor(struct pmu_plan *p);

/* The rule covering msr, or NULL. */
const struct pmu_msr_rule *pmu_passthrough_find(const struct pmu_plan *p, uint32_t msr);

#endif
