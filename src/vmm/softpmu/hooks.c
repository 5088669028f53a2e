// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software PMU engine behind the vCPU PMU hooks (src/vmm/run/vcpu_pmu.h):
 * each hook adapts one of the engine's entry points (engine.h), and the
 * reset check compares the model with a fresh one.
 */
#include "vmm/run/vcpu_pmu.h"

#include <errno.h>
#include <stdlib.h>

#include "pmu/soft/softpmu.h"
#include "vmm/softpmu/engine.h"

/* The engine's own error (s->error, s->errmsg) as the hooks give it; r is the entry point's return. */
static int engine_err(const struct soft_vcpu *s, int r, struct vmm_err *err)
{
	return vmm_errf(err, s->error ? -s->error : -r, "%s", s->errmsg[0] ? s->errmsg : "software PMU failed");
}

static int hook_create(struct vcpu *vcpu, int vm_fd, const struct pmu_plan *plan, void **pmu,
		       struct vmm_err *err)
{
	struct soft_vcpu *s = malloc(sizeof(*s));
	int r;

	*pmu = NULL;
	if (!s)
		return vmm_errf(err, ENOMEM, "out of memory for the software PMU");
	r = soft_vcpu_init(s, vcpu, vm_fd, plan, err);
	if (r < 0) {
		free(s);
		return r;
	}
	*pmu = s;
	return 0;
}

static void hook_before_run(void *pmu, struct kvm_run *run)
{
	soft_vcpu_before_run(pmu, run);
}

static int hook_after_exit(void *pmu, struct kvm_run *run, struct vmm_err *err)
{
	int r = soft_vcpu_after_exit(pmu, run);

	return r < 0 ? engine_err(pmu, r, err) : r;
}

static int hook_msr_read(void *pmu, uint32_t index, uint64_t *val)
{
	struct soft_vcpu *s = pmu;

	return s->msr_ops.rdmsr(s->msr_ops.opaque, index, val);
}

static int hook_msr_write(void *pmu, uint32_t index, uint64_t val)
{
	struct soft_vcpu *s = pmu;

	return s->msr_ops.wrmsr(s->msr_ops.opaque, index, val);
}

static int hook_reset(void *pmu, struct vmm_err *err)
{
	int r = soft_vcpu_reset(pmu);

	return r < 0 ? engine_err(pmu, r, err) : 0;
}

/* Every MSR of the model reads as in a fresh model of the plan's shape, and nothing is left going. */
static int hook_verify(void *pmu, const struct pmu_plan *plan, struct vmm_err *err)
{
	struct soft_vcpu *s = pmu;
	struct softpmu *fresh = malloc(sizeof(*fresh));
	const uint32_t *msrs;
	size_t n;
	int r;

	if (!fresh)
		return vmm_errf(err, ENOMEM, "out of memory");
	r = softpmu_init(fresh, &plan->shape, NULL, err);
	msrs = softpmu_msr_list(fresh, &n);
	for (size_t i = 0; !r && i < n; i++) {
		uint64_t want = 0, got = 0;
		int rw = softpmu_rdmsr(fresh, msrs[i], &want), rg = softpmu_rdmsr(&s->model, msrs[i], &got);

		if (rw != rg || want != got)
			r = vmm_errf(err, EPROTO, "after reset soft PMU MSR 0x%x reads 0x%llx (%s), a fresh "
				     "model 0x%llx (%s)", msrs[i], (unsigned long long)got, rg ? "#GP" : "ok",
				     (unsigned long long)want, rw ? "#GP" : "ok");
	}
	if (!r && (s->stepping || softpmu_pmi_pending(&s->model)))
		r = vmm_errf(err, EPROTO, "after reset the soft PMU is still %s",
			     s->stepping ? "single-stepping" : "holding a PMI");
	free(fresh);
	return r;
}

static void hook_stats(const void *pmu, struct vcpu_pmu_stats *st)
{
	const struct soft_vcpu *s = pmu;

	*st = (struct vcpu_pmu_stats){ .retired = s->retired, .executed = s->executed, .pmis = s->pmis,
				       .rdpmc_gp = s->rdpmc_gp, .emulated = s->emulated,
				       .missed_user_mode = s->cpl3_blind, .interpreted = s->interpreted,
				       .handed = s->handed, .handed_cpl3 = s->handed_cpl3, .faults = s->faults,
				       .irq_stops = s->irq_stops, .checked = s->checked,
				       .delivered = s->delivered };
	for (unsigned int k = 0; k < INTERP_FB_COUNT && k < VCPU_PMU_FALLBACK_REASONS; k++)
		st->fallbacks[k] = s->fallbacks[k];
}

static void hook_destroy(void *pmu)
{
	soft_vcpu_destroy(pmu);
	free(pmu);
}

const struct vcpu_pmu_ops softpmu_hooks = {
	.name = "soft",
	.owns_debug_exits = true,	/* it single-steps the guest and sets breakpoints */
	.setup_vm = soft_engine_setup_vm,
	.create = hook_create,
	.before_run = hook_before_run,
	.after_exit = hook_after_exit,
	.msr_read = hook_msr_read,
	.msr_write = hook_msr_write,
	.reset = hook_reset,
	.verify = hook_verify,
	.stats = hook_stats,
	.destroy = hook_destroy,
};
