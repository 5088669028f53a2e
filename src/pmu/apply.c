// SPDX-License-Identifier: GPL-2.0-only
#include "pmu/apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "common/kvm-compat.h"

static int apply_cap_disable(int vm_fd, struct vmm_err *err)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_PMU_CAPABILITY, .args = { KVM_PMU_CAP_DISABLE } };

	if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return vmm_err_ioctl(err, "KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY, KVM_PMU_CAP_DISABLE)", errno,
				     errno == EINVAL ? "it must come before the first KVM_CREATE_VCPU" : NULL);
	return 0;
}

static int apply_filter(int vm_fd, const struct pmu_filter *f, struct vmm_err *err)
{
	struct kvm_pmu_event_filter *k;
	int r = 0;

	k = calloc(1, sizeof(*k) + f->nevents * sizeof(k->events[0]));
	if (!k)
		return vmm_errf(err, ENOMEM, "out of memory for a %u-event PMU filter", f->nevents);
	k->action = f->action;
	k->nevents = f->nevents;
	k->fixed_counter_bitmap = f->fixed_bitmap;
	memcpy(k->events, f->events, f->nevents * sizeof(k->events[0]));
	if (ioctl(vm_fd, KVM_SET_PMU_EVENT_FILTER, k) < 0)
		r = vmm_err_ioctl(err, "KVM_SET_PMU_EVENT_FILTER", errno, NULL);
	free(k);
	return r;
}

int pmu_apply_vm(int vm_fd, const struct pmu_plan *plan, struct vmm_err *err)
{
	int r;

	if (plan->cap_disable && (r = apply_cap_disable(vm_fd, err)))
		return r;
	if (plan->filter.set && (r = apply_filter(vm_fd, &plan->filter, err)))
		return r;
	return 0;
}

int pmu_apply_vcpu(int vcpu_fd, const struct pmu_plan *plan, struct vmm_err *err)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = MSR_IA32_PERF_CAPABILITIES,
		.e.data = plan->shape.perf_capabilities };
	int n;

	if (!plan->set_perf_caps)
		return 0;
	n = ioctl(vcpu_fd, KVM_SET_MSRS, &m);
	if (n < 0)
		return vmm_err_ioctl(err, "KVM_SET_MSRS(IA32_PERF_CAPABILITIES)", errno, NULL);
	/* KVM_SET_MSRS returns how many entries it wrote; a short count is a refusal. */
	if (n != 1)
		return vmm_errf(err, EINVAL, "KVM_SET_MSRS(IA32_PERF_CAPABILITIES = 0x%llx) wrote %d of 1 "
				"entries: KVM refuses this value for the vCPU's CPUID",
				(unsigned long long)plan->shape.perf_capabilities, n);
	return 0;
}
