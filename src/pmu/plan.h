/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PMU planner: from a host description and a request (--pmu=MODE and
 * shape overrides) to exactly what the guest gets, or a refusal that says
 * why and what would make it possible. Pure: no file descriptors.
 */
#ifndef VMM_PMU_PLAN_H
#define VMM_PMU_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "pmu/host.h"
#include "common/pmu_shape.h"

#define PMU_FILTER_MAX_EVENTS 300	/* KVM_PMU_EVENT_FILTER_MAX_EVENTS */
#define PMU_FILTER_ALLOW 0		/* KVM_PMU_EVENT_ALLOW */
#define PMU_FILTER_DENY 1		/* KVM_PMU_EVENT_DENY */

/* Contents of KVM_SET_PMU_EVENT_FILTER (plain entries, no masked events). */
struct pmu_filter {
	bool set;
	uint32_t action;		/* PMU_FILTER_ALLOW / PMU_FILTER_DENY */
	uint32_t fixed_bitmap;		/* ALLOW: fixed counter i allowed if bit i; DENY: blocked if bit i */
	unsigned int nevents;
	uint64_t events[PMU_FILTER_MAX_EVENTS];	/* eventsel[7:0] | umask << 8 | AMD eventsel[11:8] << 32 */
};

/* Which host CPUs the vCPUs run on when the host has several PMUs. */
enum pmu_cpus {
	PMU_CPUS_DEFAULT,	/* planner's choice: see docs/pmu-modes.md */
	PMU_CPUS_CORE,		/* the CPUs of the cpu_core PMU */
	PMU_CPUS_ATOM,		/* the CPUs of the cpu_atom PMU */
	PMU_CPUS_LIST,		/* an explicit CPU list */
	PMU_CPUS_COMMON,	/* no pinning: what every host PMU has */
};

enum pmu_lbr_req {
	PMU_LBR_DEFAULT,
	PMU_LBR_OFF,
	PMU_LBR_ON,
};

/* How the software PMU follows the guest while it counts (docs/soft-pmu.md, "The engine"). */
enum pmu_soft_engine {
	PMU_SOFT_ENGINE_STEP,		/* single-step every instruction through KVM */
	PMU_SOFT_ENGINE_INTERP,		/* execute the instructions in the VMM's interpreter */
};

struct pmu_request {
	enum pmu_mode mode;

	/* Shape overrides; each only counts when its has_ flag is set. */
	bool has_version, has_gp, has_fixed, has_fixed_mask, has_width, has_events, has_vendor;
	unsigned int version;
	unsigned int nr_gp;		/* Intel GP counters, or AMD core counters */
	unsigned int nr_fixed;
	uint32_t fixed_mask;		/* v5 fixed-counter bitmap */
	unsigned int width;		/* counter width in bits (GP and fixed) */
	uint32_t events_available;	/* bit i: architectural event i available (enum pmu_arch_event) */
	enum pmu_vendor vendor;		/* soft mode only */
	enum pmu_lbr_req lbr;
	unsigned int lbr_depth;		/* 0: default */

	struct pmu_filter filter;

	enum pmu_cpus cpus;
	char cpu_list[PMU_HOST_CPULIST_MAX];	/* PMU_CPUS_LIST */

	/* Soft mode only. */
	enum pmu_soft_engine soft_engine;
	bool soft_check;		/* check every interpreted instruction against a KVM single-step */
};

/* One PMU MSR range under the mediated vPMU: passed through or intercepted. */
struct pmu_msr_rule {
	char name[40];
	uint32_t first;		/* first MSR */
	uint32_t count;		/* number of MSRs */
	uint32_t stride;	/* distance between them (2 for AMD F15H) */
	bool passthrough;
	bool always;		/* intercepted whatever the guest shape is */
	char why[120];
};

#define PMU_PLAN_MAX_RULES 16
#define PMU_PLAN_NOTES 2048

struct pmu_plan {
	struct pmu_shape shape;		/* what the guest gets; shape.mode is the chosen mode */

	/* What the VMM must do with KVM (see pmu_apply_vm / pmu_apply_vcpu). */
	bool cap_disable;		/* KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY, KVM_PMU_CAP_DISABLE) */
	bool irqchip_required;		/* mediated: in-kernel irqchip before the first vCPU */
	bool set_perf_caps;		/* KVM_SET_MSRS IA32_PERF_CAPABILITIES = shape.perf_capabilities */
	bool soft_msr_filter;		/* soft: PMU MSRs exit to userspace (user-space MSR + MSR filter) */
	enum pmu_soft_engine soft_engine;	/* soft: how counting follows the guest */
	bool soft_check;		/* soft, interp engine: compare each instruction with KVM's */
	struct pmu_filter filter;	/* KVM_SET_PMU_EVENT_FILTER when filter.set */

	/* Mediated: which PMU MSRs and RDPMC reach the hardware directly. */
	unsigned int nr_rules;
	struct pmu_msr_rule rules[PMU_PLAN_MAX_RULES];
	bool rdpmc_passthrough;
	char rdpmc_why[120];

	/* vCPU thread affinity, when the host has several PMUs. */
	bool pin;
	char pin_cpus[PMU_HOST_CPULIST_MAX];

	/* Why each earlier mode was not chosen (auto), indexed by enum pmu_mode. */
	char rejected[PMU_MODE_AUTO][256];
	char notes[PMU_PLAN_NOTES];	/* human-readable, one note per line */
};

void pmu_request_init(struct pmu_request *req);

/*
 * Plan req on host h. A refusal is -errno with the reason in err:
 * -EINVAL, -ERANGE or -E2BIG when the request itself is invalid (or asks
 * for a shape the mode cannot have), with err->input set; any other errno
 * when this host cannot give it, with err->input clear. (Every error of
 * pmu_request_set() below is the input's, err->input set.)
 */
int pmu_plan(const struct pmu_host *h, const struct pmu_request *req, struct pmu_plan *plan,
	     struct vmm_err *err);

void pmu_plan_print(FILE *f, const struct pmu_plan *plan, bool json);

const char *pmu_mode_name(enum pmu_mode m);
int pmu_mode_parse(const char *s, enum pmu_mode *m);

/*
 * Set one command-line option of the request. opt is the option name without
 * dashes: pmu, pmu-version, pmu-gp, pmu-fixed, pmu-fixed-mask, pmu-width,
 * pmu-events, pmu-lbr, pmu-filter, pmu-cpus, cpu-vendor, soft-engine,
 * soft-check. Syntax in
 * docs/pmu-modes.md.
 */
int pmu_request_set(struct pmu_request *req, const char *opt, const char *val, struct vmm_err *err);

#endif
