/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a host offers for guest PMUs: KVM's capabilities and supported CPUID,
 * the host CPU's own PMU, module parameters and host perf PMUs. Filled by
 * pmu_host_probe() (the only part that touches the host) or parsed from a
 * recorded host description, so the planner can be tested on any machine.
 */
#ifndef VMM_PMU_HOST_H
#define VMM_PMU_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "cpuid/table.h"
#include "common/pmu_shape.h"

#define PMU_HOST_MAX_LEAVES 16
#define PMU_HOST_MAX_PMUS 4
#define PMU_HOST_CPULIST_MAX 128

/* A module parameter: absent means the running kernel does not have it. */
enum pmu_param {
	PMU_PARAM_ABSENT,
	PMU_PARAM_N,
	PMU_PARAM_Y,
};

struct pmu_host_leaf {
	uint32_t function, index;
	uint32_t eax, ebx, ecx, edx;
};

/* A few CPUID leaves: 0, 1, 0AH, 23H, 80000001H, 80000022H. */
struct pmu_host_cpuid {
	unsigned int n;
	struct pmu_host_leaf leaf[PMU_HOST_MAX_LEAVES];
};

/* A host perf PMU from /sys/bus/event_source/devices (cpu, cpu_core, cpu_atom). */
struct pmu_host_pmu {
	char name[16];
	char cpus[PMU_HOST_CPULIST_MAX];	/* its "cpus" file; "" when there is none (all CPUs) */
};

struct pmu_host {
	char name[64];
	char comment[256];
	char kernel[64];			/* uname release, "" if unknown */
	int api_version;			/* KVM_GET_API_VERSION */
	enum pmu_vendor vendor;

	/* KVM_CHECK_EXTENSION results (0 = not supported or disabled). */
	unsigned int cap_pmu_capability;	/* valid KVM_PMU_CAP_* mask */
	unsigned int cap_pmu_event_filter;
	unsigned int cap_pmu_masked_events;
	unsigned int cap_user_space_msr;
	unsigned int cap_msr_filter;

	struct pmu_host_cpuid kvm;		/* KVM_GET_SUPPORTED_CPUID */
	struct pmu_host_cpuid cpu;		/* the CPUID instruction on the host */

	/* IA32_PERF_CAPABILITIES as a KVM feature MSR (what KVM supports). */
	bool perf_caps_valid;
	uint64_t perf_caps;

	enum pmu_param enable_pmu;		/* kvm.enable_pmu */
	enum pmu_param mediated_intel;		/* kvm_intel.enable_mediated_pmu */
	enum pmu_param mediated_amd;		/* kvm_amd.enable_mediated_pmu */
	enum pmu_param vmware_backdoor;		/* kvm.enable_vmware_backdoor: RDPMC always exits */
	int nmi_watchdog;			/* /proc/sys/kernel/nmi_watchdog, -1 absent */

	unsigned int nr_pmus;
	struct pmu_host_pmu pmus[PMU_HOST_MAX_PMUS];
};

/* Which CPUID view of the host. */
enum pmu_host_view {
	PMU_HOST_KVM,	/* what KVM supports for guests */
	PMU_HOST_CPU,	/* the host's real PMU */
};

#define PMU_PERF_CAP_LBR_FMT		0x3fULL		/* SDM vol. 4 table 2-2, MSR 345H: LBR format [5:0] */
#define PMU_PERF_CAP_FW_WRITES		(1ULL << 13)	/* full-width counter writes */
#define PMU_PERF_CAP_PERF_METRICS	(1ULL << 15)

void pmu_host_init(struct pmu_host *h);

/* Add or replace a leaf. -ENOSPC when full. */
int pmu_host_set_leaf(struct pmu_host_cpuid *c, const struct pmu_host_leaf *l, struct vmm_err *err);
const struct pmu_host_leaf *pmu_host_leaf(const struct pmu_host_cpuid *c, uint32_t function,
					  uint32_t index);

/* The view's leaves as a CPUID table (vendor leaf 0 included when recorded). */
void pmu_host_cpuid_table(const struct pmu_host *h, enum pmu_host_view view, struct cpuid_table *t);

/* Decode a view into a shape (mode left PMU_MODE_OFF, vendor from the host). */
void pmu_host_shape(const struct pmu_host *h, enum pmu_host_view view, struct pmu_shape *s);

/* The mediated-PMU module parameter of the host's vendor. */
enum pmu_param pmu_host_mediated_param(const struct pmu_host *h);
const char *pmu_host_mediated_param_name(const struct pmu_host *h);

/* A host perf PMU by name, or NULL. */
const struct pmu_host_pmu *pmu_host_find_pmu(const struct pmu_host *h, const char *name);

/* Intel hybrid (cpu_core + cpu_atom): several host PMUs with different shapes. */
bool pmu_host_is_hybrid(const struct pmu_host *h);

const char *pmu_param_name(enum pmu_param p);

/* The text format: "key value" lines, '#' comments. */
int pmu_host_write(FILE *f, const struct pmu_host *h);
int pmu_host_parse(const char *text, struct pmu_host *h, struct vmm_err *err);

/*
 * Probe the running host (probe.c): kvm_fd is an open /dev/kvm; supported is
 * KVM_GET_SUPPORTED_CPUID when the caller has read it already, else NULL.
 */
int pmu_host_probe(int kvm_fd, const struct cpuid_table *supported, struct pmu_host *h,
		   struct vmm_err *err);

/* Parse a Linux CPU list ("0-7,16,18-19") into a bitmap of nbits CPUs. */
#define PMU_CPUSET_WORDS 16	/* 1024 CPUs */
struct pmu_cpuset {
	uint64_t w[PMU_CPUSET_WORDS];
};
int pmu_cpulist_parse(const char *s, struct pmu_cpuset *set, struct vmm_err *err);
bool pmu_cpuset_subset(const struct pmu_cpuset *a, const struct pmu_cpuset *b);
unsigned int pmu_cpuset_count(const struct pmu_cpuset *s);

/* What every mode would give on this host, for "vmm caps". */
int pmu_host_print_caps(FILE *f, const struct pmu_host *h, bool json);

#endif
