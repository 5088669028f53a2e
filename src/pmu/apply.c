// SPDX-License-Identifier: GPL-2.0-only
#include "pmu/apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

#include "common/kvm-compat.h"
#include "vmm/kvm/kvm.h"

static int apply_cap_disable(int vm_fd, struct vmm_err *err)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_PMU_CAPABILITY, .args = { KVM_PMU_CAP_DISABLE } };

	int r = kvm_ioctl(vm_fd, KVM_ENABLE_CAP, &cap);

	if (r < 0)
		return vmm_err_ioctl(err, "KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY, KVM_PMU_CAP_DISABLE)", -r,
				     r == -EINVAL ? "it must come before the first KVM_CREATE_VCPU" : NULL);
	return 0;
}

static int apply_filter(int vm_fd, const struct pmu_filter *f, struct vmm_err *err)
{
	struct kvm_pmu_event_filter *k;
	int r;

	k = calloc(1, sizeof(*k) + f->nevents * sizeof(k->events[0]));
	if (!k)
		return vmm_errf(err, ENOMEM, "out of memory for a %u-event PMU filter", f->nevents);
	k->action = f->action;
	k->nevents = f->nevents;
	k->fixed_counter_bitmap = f->fixed_bitmap;
	memcpy(k->events, f->events, f->nevents * sizeof(k->events[0]));
	r = kvm_ioctl(vm_fd, KVM_SET_PMU_EVENT_FILTER, k);
	r = r < 0 ? vmm_err_ioctl(err, "KVM_SET_PMU_EVENT_FILTER", -r, NULL) : 0;
	free(k);
	return r;
}

int pmu_apply_vm(int vm_fd, const struct pmu_plan *plan, struct vmm_err *err)
{
	int r;

	if (plan->cap_disable && (r = apply_cap_disable(vm_fd, err)))
		return r;
	/* In soft mode the software PMU applies the filter, not KVM. */
	if (plan->filter.set && plan->shape.mode != PMU_MODE_SOFT && (r = apply_filter(vm_fd, &plan->filter, err)))
		return r;
	return 0;
}

/* struct kvm_msrs with v's indexes and values, or NULL (err filled). */
static struct kvm_msrs *msrs_of(const struct pmu_msr_value *v, unsigned int n, struct vmm_err *err)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));

	if (!m) {
		vmm_errf(err, ENOMEM, "out of memory for %u MSRs", n);
		return NULL;
	}
	m->nmsrs = n;
	for (unsigned int i = 0; i < n; i++)
		m->entries[i] = (struct kvm_msr_entry){ .index = v[i].index, .data = v[i].value };
	return m;
}

int pmu_set_msrs(int vcpu_fd, const struct pmu_msr_value *v, unsigned int n, const char *what,
		 struct vmm_err *err)
{
	struct kvm_msrs *m = msrs_of(v, n, err);
	int r;

	if (!m)
		return -ENOMEM;
	r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, m);
	if (r < 0) {
		r = vmm_err_ioctl(err, "KVM_SET_MSRS", -r, what);
	} else if ((unsigned int)r != n) {
		/* KVM_SET_MSRS returns how many entries it wrote; it stops at the first refusal. */
		r = vmm_errf(err, EINVAL, "KVM_SET_MSRS (%s) wrote %d of %u entries: KVM refused MSR 0x%x = "
			     "0x%llx", what, r, n, v[r].index, (unsigned long long)v[r].value);
	} else {
		r = 0;
	}
	free(m);
	return r;
}

int pmu_get_msrs(int vcpu_fd, struct pmu_msr_value *v, unsigned int n, struct vmm_err *err)
{
	struct kvm_msrs *m = msrs_of(v, n, err);
	int r;

	if (!m)
		return -ENOMEM;
	r = kvm_ioctl(vcpu_fd, KVM_GET_MSRS, m);
	if (r < 0) {
		r = vmm_err_ioctl(err, "KVM_GET_MSRS", -r, NULL);
	} else if ((unsigned int)r != n) {
		r = vmm_errf(err, EINVAL, "KVM_GET_MSRS read %d of %u entries: KVM does not know MSR 0x%x",
			     r, n, v[r].index);
	} else {
		for (unsigned int i = 0; i < n; i++)
			v[i].value = m->entries[i].data;
		r = 0;
	}
	free(m);
	return r;
}

int pmu_apply_vcpu(int vcpu_fd, const struct pmu_plan *plan, struct vmm_err *err)
{
	const struct pmu_msr_value caps = { MSR_IA32_PERF_CAPABILITIES, plan->shape.perf_capabilities };

	if (!plan->set_perf_caps)
		return 0;
	return pmu_set_msrs(vcpu_fd, &caps, 1, "IA32_PERF_CAPABILITIES; KVM refuses values its CPUID "
			    "does not allow", err);
}

int pmu_apply_reset(int vcpu_fd, const struct pmu_shape *s, struct vmm_err *err)
{
	struct pmu_msr_value v[PMU_RESET_MAX_MSRS];
	unsigned int n = pmu_reset_msrs(s, v);

	return n ? pmu_set_msrs(vcpu_fd, v, n, "PMU reset", err) : 0;
}
