// SPDX-License-Identifier: GPL-2.0-only
/* Documentation/virt/kvm/api.rst, KVM_X86_SET_MSR_FILTER: a 1 bit allows, a 0 bit denies. */
#include "vmm/kvm/msr_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm/kvm.h"

#define RANGE_SPAN (KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8)

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int msr_filter_build(struct msr_filter *f, const uint32_t *msrs, size_t n, struct vmm_err *err)
{
	uint32_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	unsigned int nr = 0;

	if (!sorted)
		return vmm_errf(err, ENOMEM, "out of memory for the MSR filter");
	memcpy(sorted, msrs, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	memset(&f->kvm, 0, sizeof(f->kvm));
	f->kvm.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	for (size_t i = 0; i < n; i++) {
		struct kvm_msr_filter_range *r = nr ? &f->kvm.ranges[nr - 1] : NULL;
		uint32_t off;

		if (!r || sorted[i] - r->base >= RANGE_SPAN) {
			if (nr == KVM_MSR_FILTER_MAX_RANGES) {
				free(sorted);
				return vmm_errf(err, E2BIG, "the PMU MSRs need more than %d MSR filter ranges",
						KVM_MSR_FILTER_MAX_RANGES);
			}
			r = &f->kvm.ranges[nr];
			memset(f->bitmaps[nr], 0xff, sizeof(f->bitmaps[nr]));
			r->flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
			r->base = sorted[i];
			r->bitmap = f->bitmaps[nr];
			nr++;
		}
		off = sorted[i] - r->base;
		r->bitmap[off / 8] &= (uint8_t)~(1u << (off % 8));
		if (off + 1 > r->nmsrs)
			r->nmsrs = off + 1;
	}
	free(sorted);
	return 0;
}

int msr_filter_denies(const struct msr_filter *f, uint32_t msr)
{
	for (unsigned int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *r = &f->kvm.ranges[i];

		if (!r->nmsrs || msr < r->base || msr - r->base >= r->nmsrs)
			continue;
		return !(r->bitmap[(msr - r->base) / 8] & (1u << ((msr - r->base) % 8)));
	}
	return 0;
}

int msr_filter_install(int kvm_fd, int vm_fd, const uint32_t *msrs, size_t n, struct vmm_err *err)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args = { KVM_MSR_EXIT_REASON_FILTER } };
	struct msr_filter *f;
	int r;

	/* The cap's value is the mask of exit reasons upstream, but some kernels report 1. */
	if (kvm_check_cap(kvm_fd, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    kvm_check_cap(kvm_fd, KVM_CAP_X86_MSR_FILTER) <= 0)
		return vmm_errf(err, ENOTSUP, "this KVM cannot send MSR accesses to userspace "
				"(KVM_CAP_X86_USER_SPACE_MSR with filter exits, KVM_CAP_X86_MSR_FILTER)");
	f = malloc(sizeof(*f));
	if (!f)
		return vmm_errf(err, ENOMEM, "out of memory for the MSR filter");
	r = msr_filter_build(f, msrs, n, err);
	if (!r) {
		r = kvm_ioctl(vm_fd, KVM_ENABLE_CAP, &cap);
		if (r < 0)
			vmm_err_ioctl(err, "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)", -r, NULL);
	}
	if (!r) {
		r = kvm_ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &f->kvm);
		if (r < 0)
			vmm_err_ioctl(err, "KVM_X86_SET_MSR_FILTER", -r, NULL);
	}
	free(f);
	return r < 0 ? r : 0;
}
