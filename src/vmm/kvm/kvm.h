/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system-level KVM layer: open /dev/kvm, check the API version and the
 * capabilities the VMM needs. Thin wrappers that name the ioctl on failure.
 */
#ifndef VMM_VMM_KVM_H
#define VMM_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct cpuid_table;

struct kvm {
	int fd;			/* /dev/kvm */
	struct cpuid_table *supported;	/* KVM_GET_SUPPORTED_CPUID, read on first use */
	int vcpu_mmap_size;	/* KVM_GET_VCPU_MMAP_SIZE */
	int max_vcpus;		/* KVM_CAP_MAX_VCPUS (or NR_VCPUS) */
};

#define KVM_DEVICE_PATH "/dev/kvm"

/* Open /dev/kvm (path may be NULL), check API 12 and the required caps. */
int kvm_open(struct kvm *kvm, const char *path, struct vmm_err *err);
void kvm_close(struct kvm *kvm);

/* KVM_GET_SUPPORTED_CPUID, read once and kept in kvm. */
int kvm_get_supported_cpuid(struct kvm *kvm, const struct cpuid_table **t, struct vmm_err *err);

/* KVM_CHECK_EXTENSION on fd (system or VM): the value, or 0 when absent. */
int kvm_check_cap(int fd, long cap);

/*
 * ioctl() that retries EINTR and returns the result or -errno. Callers
 * report failures with vmm_err_ioctl() naming the ioctl.
 */
int kvm_ioctl(int fd, unsigned long req, void *arg);

#endif
