// SPDX-License-Identifier: GPL-2.0-only
/* Which PMU engine each mode attaches to the vCPUs. */
#include "vmm/run/vcpu_pmu.h"

#include <stddef.h>

static const struct {
	enum pmu_mode mode;
	const struct vcpu_pmu_ops *ops;
} engines[] = {
	{ PMU_MODE_SOFT, &softpmu_hooks },
};

const struct vcpu_pmu_ops *vcpu_pmu_ops_for(const struct pmu_plan *plan)
{
	for (size_t i = 0; plan && i < sizeof(engines) / sizeof(engines[0]); i++)
		if (engines[i].mode == plan->shape.mode)
			return engines[i].ops;
	return NULL;
}
