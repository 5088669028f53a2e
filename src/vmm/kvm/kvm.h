/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system-level KVM layer: open /dev/kvm, check the API version and the
 * capabilities the VMM needs. Thin wrappers that name the ioctl on failure.
 * kvm_ioctl_once() is the only call of ioctl() in src/ (tests/structure
 * checks it); everything that talks to KVM, src/pmu included, goes through
 * the functions of this directory, a library below src/pmu.
 */
#ifndef VMM_VMM_KVM_H
#define VMM_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd into t (no caching). */
int kvm_supported_cpuid(int kvm_fd, struct cpuid_table *t, struct vmm_err *err);

/*
 * A feature MSR of the host's KVM (KVM_GET_MSR_FEATURE_INDEX_LIST, then
 * KVM_GET_MSRS on the /dev/kvm fd): 1 with *value read, 0 with *value = 0
 * when KVM has no feature MSRs or not this one, or -errno (err filled).
 */
int kvm_get_feature_msr(int kvm_fd, uint32_t msr, uint64_t *value, struct vmm_err *err);

/* KVM_CHECK_EXTENSION on fd (system or VM): the value, or 0 when absent. */
int kvm_check_cap(int fd, long cap);

/*
 * ioctl() that retries EINTR and returns the result or -errno. Callers
 * report failures with vmm_err_ioctl() naming the ioctl.
 */
int kvm_ioctl(int fd, unsigned long req, void *arg);

/*
 * One ioctl(), not retried: the result, or -errno with errno left set. For
 * KVM_RUN, where EINTR means "stop".
 */
int kvm_ioctl_once(int fd, unsigned long req, void *arg);

#endif
