// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probing the running host: the only part of the PMU planner that touches
 * /dev/kvm (through src/vmm/kvm), sysfs, procfs and the CPUID instruction.
 * Missing files mean "absent", never an error; a failed ioctl is an error
 * naming the ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "common/kvm-compat.h"
#include "common/x86.h"
#include "pmu/host.h"
#include "vmm/kvm/kvm.h"

static void host_cpuid(uint32_t leaf, uint32_t sub, struct pmu_host_leaf *l)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
	*l = (struct pmu_host_leaf){ leaf, sub, a, b, c, d };
}

/* The leaves the planner reads, at sub-leaf 0 (23H: sub-leaves 0 and 1). */
static const struct { uint32_t fn, idx; } probe_leaves[] = {
	{ 0, 0 }, { 1, 0 }, { 0xa, 0 }, { 0x23, 0 }, { 0x23, 1 }, { 0x80000001, 0 }, { 0x80000022, 0 },
};

static int probe_host_cpuid(struct pmu_host *h, struct vmm_err *err)
{
	struct pmu_host_leaf max_basic, max_ext, l;

	host_cpuid(0, 0, &max_basic);
	host_cpuid(0x80000000, 0, &max_ext);
	for (size_t i = 0; i < sizeof(probe_leaves) / sizeof(probe_leaves[0]); i++) {
		uint32_t fn = probe_leaves[i].fn;
		uint32_t max = fn & 0x80000000 ? max_ext.eax : max_basic.eax;
		int r;

		if (fn > max)
			continue;
		host_cpuid(fn, probe_leaves[i].idx, &l);
		r = pmu_host_set_leaf(&h->cpu, &l, err);
		if (r)
			return r;
	}
	/* AMD: "AuthenticAMD"; everything else is treated as Intel. */
	h->vendor = max_basic.ebx == 0x68747541 ? PMU_VENDOR_AMD : PMU_VENDOR_INTEL;
	return 0;
}

static void probe_brand(struct pmu_host *h)
{
	struct pmu_host_leaf max_ext, l;
	char brand[49] = "";

	host_cpuid(0x80000000, 0, &max_ext);
	if (max_ext.eax < 0x80000004)
		return;
	for (uint32_t i = 0; i < 3; i++) {
		host_cpuid(0x80000002 + i, 0, &l);
		memcpy(brand + 16 * i, &l.eax, 4);
		memcpy(brand + 16 * i + 4, &l.ebx, 4);
		memcpy(brand + 16 * i + 8, &l.ecx, 4);
		memcpy(brand + 16 * i + 12, &l.edx, 4);
	}
	brand[48] = '\0';
	snprintf(h->comment, sizeof(h->comment), "%.48s", brand + strspn(brand, " "));
}

static int probe_caps(int kvm_fd, struct pmu_host *h, struct vmm_err *err)
{
	static const struct { long cap; size_t off; } caps[] = {
		{ KVM_CAP_PMU_CAPABILITY, offsetof(struct pmu_host, cap_pmu_capability) },
		{ KVM_CAP_PMU_EVENT_FILTER, offsetof(struct pmu_host, cap_pmu_event_filter) },
		{ KVM_CAP_PMU_EVENT_MASKED_EVENTS, offsetof(struct pmu_host, cap_pmu_masked_events) },
		{ KVM_CAP_X86_USER_SPACE_MSR, offsetof(struct pmu_host, cap_user_space_msr) },
		{ KVM_CAP_X86_MSR_FILTER, offsetof(struct pmu_host, cap_msr_filter) },
	};
	int v = kvm_ioctl(kvm_fd, KVM_GET_API_VERSION, NULL);

	if (v < 0)
		return vmm_err_ioctl(err, "KVM_GET_API_VERSION", -v, "is the fd /dev/kvm?");
	h->api_version = v;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		v = kvm_ioctl(kvm_fd, KVM_CHECK_EXTENSION, (void *)caps[i].cap);
		if (v < 0)
			return vmm_err_ioctl(err, "KVM_CHECK_EXTENSION", -v, NULL);
		*(unsigned int *)((char *)h + caps[i].off) = (unsigned int)v;
	}
	return 0;
}

static bool wanted_leaf(uint32_t fn, uint32_t idx)
{
	for (size_t i = 0; i < sizeof(probe_leaves) / sizeof(probe_leaves[0]); i++)
		if (probe_leaves[i].fn == fn && probe_leaves[i].idx == idx)
			return true;
	return false;
}

static int probe_kvm_cpuid(int kvm_fd, const struct cpuid_table *supported, struct pmu_host *h,
			   struct vmm_err *err)
{
	struct cpuid_table *own = NULL;
	int r = 0;

	if (!supported) {
		own = malloc(sizeof(*own));
		if (!own)
			return vmm_errf(err, ENOMEM, "out of memory for the CPUID table");
		r = kvm_supported_cpuid(kvm_fd, own, err);
		supported = own;
	}
	for (unsigned int i = 0; i < supported->nent && !r; i++) {
		const struct kvm_cpuid_entry2 *e = &supported->ent[i];
		struct pmu_host_leaf l = { e->function, e->index, e->eax, e->ebx, e->ecx, e->edx };

		if (wanted_leaf(e->function, e->index))
			r = pmu_host_set_leaf(&h->kvm, &l, err);
	}
	free(own);
	return r;
}

/* IA32_PERF_CAPABILITIES as a KVM feature MSR: what KVM lets guests have. */
static int probe_perf_caps(int kvm_fd, struct pmu_host *h, struct vmm_err *err)
{
	int r = kvm_get_feature_msr(kvm_fd, MSR_IA32_PERF_CAPABILITIES, &h->perf_caps, err);

	if (r < 0)
		return r;
	h->perf_caps_valid = r == 1;
	return 0;
}

/* A small sysfs/procfs file; false when it does not exist or cannot be read. */
static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

static enum pmu_param read_param(const char *path)
{
	char buf[16];

	if (!read_small(path, buf, sizeof(buf)))
		return PMU_PARAM_ABSENT;
	return (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1') ? PMU_PARAM_Y : PMU_PARAM_N;
}

static void probe_files(struct pmu_host *h)
{
	static const char *const pmus[] = { "cpu", "cpu_core", "cpu_atom" };
	char buf[PMU_HOST_CPULIST_MAX], path[128];

	h->enable_pmu = read_param("/sys/module/kvm/parameters/enable_pmu");
	h->mediated_intel = read_param("/sys/module/kvm_intel/parameters/enable_mediated_pmu");
	h->mediated_amd = read_param("/sys/module/kvm_amd/parameters/enable_mediated_pmu");
	h->vmware_backdoor = read_param("/sys/module/kvm/parameters/enable_vmware_backdoor");
	h->nmi_watchdog = read_small("/proc/sys/kernel/nmi_watchdog", buf, sizeof(buf)) ? atoi(buf) != 0 : -1;
	for (size_t i = 0; i < sizeof(pmus) / sizeof(pmus[0]) && h->nr_pmus < PMU_HOST_MAX_PMUS; i++) {
		struct pmu_host_pmu *p = &h->pmus[h->nr_pmus];

		snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmus[i]);
		if (!read_small(path, buf, sizeof(buf)))
			continue;
		snprintf(p->name, sizeof(p->name), "%s", pmus[i]);
		snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/cpus", pmus[i]);
		if (!read_small(path, p->cpus, sizeof(p->cpus)))
			p->cpus[0] = '\0';
		h->nr_pmus++;
	}
}

int pmu_host_probe(int kvm_fd, const struct cpuid_table *supported, struct pmu_host *h,
		   struct vmm_err *err)
{
	struct utsname u;
	int r;

	pmu_host_init(h);
	snprintf(h->name, sizeof(h->name), "this-host");
	if (!uname(&u))
		snprintf(h->kernel, sizeof(h->kernel), "%.63s", u.release);
	probe_brand(h);
	if ((r = probe_host_cpuid(h, err)) || (r = probe_caps(kvm_fd, h, err)) ||
	    (r = probe_kvm_cpuid(kvm_fd, supported, h, err)) || (r = probe_perf_caps(kvm_fd, h, err)))
		return r;
	probe_files(h);
	return 0;
}
