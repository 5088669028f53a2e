// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/kvm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/kvm-compat.h"
#include "cpuid/table.h"

/* Capabilities the VMM cannot run without, with what each is for. */
static const struct {
	long cap;
	const char *name;
	const char *why;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "in-kernel LAPIC/IOAPIC/PIC" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "protected-mode guests on Intel" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "KVM_GET_SUPPORTED_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs cleanly" },
};

int kvm_ioctl_once(int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = kvm_ioctl_once(fd, req, arg);
	} while (r == -EINTR);
	return r;
}

int kvm_check_cap(int fd, long cap)
{
	int r = kvm_ioctl(fd, KVM_CHECK_EXTENSION, (void *)cap);

	return r < 0 ? 0 : r;
}

static int kvm_open_fd(const char *path, struct vmm_err *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return vmm_errf(err, errno, "KVM is not available: %s: %s (is the kvm module loaded, "
				"and virtualization enabled in the firmware?)", path, strerror(errno));
	case EACCES:
	case EPERM:
		return vmm_errf(err, errno, "no permission to open %s: %s (add yourself to the kvm group, "
				"or check the device's permissions)", path, strerror(errno));
	default:
		return vmm_errf(err, errno, "cannot open %s: %s", path, strerror(errno));
	}
}

static int kvm_check_required(int fd, struct vmm_err *err)
{
	char missing[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (kvm_check_cap(fd, required_caps[i].cap) > 0)
			continue;
		off += (size_t)snprintf(missing + off, sizeof(missing) - off, "%s%s (%s)",
					off ? ", " : "", required_caps[i].name, required_caps[i].why);
		if (off >= sizeof(missing))
			break;
	}
	if (off)
		return vmm_errf(err, ENOTSUP, "this KVM lacks required capabilities: %s", missing);
	return 0;
}

int kvm_open(struct kvm *kvm, const char *path, struct vmm_err *err)
{
	int fd, r;

	kvm->fd = -1;
	kvm->supported = NULL;
	fd = kvm_open_fd(path ? path : KVM_DEVICE_PATH, err);
	if (fd < 0)
		return fd;
	r = kvm_ioctl(fd, KVM_GET_API_VERSION, NULL);
	if (r < 0) {
		vmm_err_ioctl(err, "KVM_GET_API_VERSION", -r, NULL);
		goto fail;
	}
	if (r != KVM_API_VERSION) {
		r = vmm_errf(err, ENOTSUP, "KVM API version is %d, this VMM needs %d", r, KVM_API_VERSION);
		goto fail;
	}
	r = kvm_check_required(fd, err);
	if (r < 0)
		goto fail;
	r = kvm_ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (r < 0) {
		vmm_err_ioctl(err, "KVM_GET_VCPU_MMAP_SIZE", -r, NULL);
		goto fail;
	}
	kvm->vcpu_mmap_size = r;
	kvm->max_vcpus = kvm_check_cap(fd, KVM_CAP_MAX_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = kvm_check_cap(fd, KVM_CAP_NR_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = 4;	/* api.rst: assume 4 when neither cap exists */
	kvm->fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

/*
 * A table of CPUID_TABLE_MAX entries is enough for every KVM so far (its own
 * limit, KVM_MAX_CPUID_ENTRIES, is 256); KVM says E2BIG if not
 * (arch/x86/kvm/cpuid.c, kvm_dev_ioctl_get_cpuid()).
 */
int kvm_supported_cpuid(int kvm_fd, struct cpuid_table *t, struct vmm_err *err)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_TABLE_MAX * sizeof(c->entries[0]));
	int r;

	if (!c)
		return vmm_errf(err, ENOMEM, "out of memory for %d CPUID entries", CPUID_TABLE_MAX);
	c->nent = CPUID_TABLE_MAX;
	r = kvm_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
	if (r < 0) {
		r = vmm_err_ioctl(err, "KVM_GET_SUPPORTED_CPUID", -r,
				  r == -E2BIG ? "KVM reports more CPUID entries than this VMM's table holds" : NULL);
	} else {
		t->nent = c->nent;
		memcpy(t->ent, c->entries, c->nent * sizeof(c->entries[0]));
		r = 0;
	}
	free(c);
	return r;
}

/*
 * Whether msr is a feature MSR of this KVM. A first call with no room gets the
 * count back with E2BIG (arch/x86/kvm/x86.c, kvm_arch_dev_ioctl(),
 * KVM_GET_MSR_FEATURE_INDEX_LIST), the second the list.
 */
static bool feature_msr_listed(int kvm_fd, uint32_t msr, struct vmm_err *err, int *ret)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	bool found = false;
	int r;

	*ret = 0;
	r = kvm_ioctl(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe);
	if (r < 0 && r != -E2BIG) {
		*ret = vmm_err_ioctl(err, "KVM_GET_MSR_FEATURE_INDEX_LIST", -r, NULL);
		return false;
	}
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list) {
		*ret = vmm_errf(err, ENOMEM, "out of memory for %u feature MSRs", probe.nmsrs);
		return false;
	}
	list->nmsrs = probe.nmsrs;
	r = kvm_ioctl(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, list);
	if (r < 0)
		*ret = vmm_err_ioctl(err, "KVM_GET_MSR_FEATURE_INDEX_LIST", -r, NULL);
	for (unsigned int i = 0; !*ret && i < list->nmsrs; i++)
		found |= list->indices[i] == msr;
	free(list);
	return found;
}

int kvm_get_feature_msr(int kvm_fd, uint32_t msr, uint64_t *value, struct vmm_err *err)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = msr };
	char what[64];
	int r, n;

	*value = 0;
	if (kvm_check_cap(kvm_fd, KVM_CAP_GET_MSR_FEATURES) <= 0)
		return 0;
	if (!feature_msr_listed(kvm_fd, msr, err, &r))
		return r;
	n = kvm_ioctl(kvm_fd, KVM_GET_MSRS, &m);
	if (n < 0) {
		snprintf(what, sizeof(what), "KVM_GET_MSRS (feature MSR 0x%x)", msr);
		return vmm_err_ioctl(err, what, -n, NULL);
	}
	*value = m.e.data;
	return n == 1;
}

int kvm_get_supported_cpuid(struct kvm *kvm, const struct cpuid_table **t, struct vmm_err *err)
{
	int r;

	if (!kvm->supported) {
		kvm->supported = malloc(sizeof(*kvm->supported));
		if (!kvm->supported)
			return vmm_errf(err, ENOMEM, "out of memory for the CPUID table");
		r = kvm_supported_cpuid(kvm->fd, kvm->supported, err);
		if (r < 0) {
			free(kvm->supported);
			kvm->supported = NULL;
			return r;
		}
	}
	*t = kvm->supported;
	return 0;
}

void kvm_close(struct kvm *kvm)
{
	free(kvm->supported);
	kvm->supported = NULL;
	if (kvm->fd >= 0)
		close(kvm->fd);
	kvm->fd = -1;
}
