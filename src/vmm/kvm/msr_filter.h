/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM_X86_SET_MSR_FILTER contents that send a set of MSRs to userspace and
 * leave every other MSR to KVM. msr_filter_build() is pure;
 * msr_filter_install() is the thin ioctl step.
 */
#ifndef VMM_VMM_MSR_FILTER_H
#define VMM_VMM_MSR_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/err.h"

struct msr_filter {
	struct kvm_msr_filter kvm;	/* ranges point into bitmaps */
	uint8_t bitmaps[KVM_MSR_FILTER_MAX_RANGES][KVM_MSR_FILTER_MAX_BITMAP_SIZE];
};

/*
 * Default allow; each listed MSR denied for reads and writes (so it exits to
 * userspace with KVM_MSR_EXIT_REASON_FILTER). MSRs close together share a
 * range; more ranges than KVM takes is -E2BIG.
 */
int msr_filter_build(struct msr_filter *f, const uint32_t *msrs, size_t n, struct vmm_err *err);

/*
 * Send msrs to userspace on vm_fd: KVM_CAP_X86_USER_SPACE_MSR with
 * KVM_MSR_EXIT_REASON_FILTER, then the filter. kvm_fd is /dev/kvm (caps).
 */
int msr_filter_install(int kvm_fd, int vm_fd, const uint32_t *msrs, size_t n, struct vmm_err *err);

/* Whether f sends msr to userspace. */
int msr_filter_denies(const struct msr_filter *f, uint32_t msr);

#endif
