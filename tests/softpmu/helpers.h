/* SPDX-License-Identifier: GPL-2.0-only */
/* Shapes and instruction streams shared by the soft PMU unit tests. */
#ifndef VMM_TESTS_SOFTPMU_HELPERS_H
#define VMM_TESTS_SOFTPMU_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/soft/softpmu.h"

/* MSR numbers, spelled out here so the tests do not share the model's tables. */
enum {
	T_PMC0 = 0xc1, T_EVTSEL0 = 0x186, T_LBR_SELECT = 0x1c8, T_LBR_TOS = 0x1c9,
	T_DEBUGCTL = 0x1d9, T_FIXED0 = 0x309, T_PERF_METRICS = 0x329, T_PERF_CAP = 0x345,
	T_FIXED_CTRL = 0x38d, T_STATUS = 0x38e, T_CTRL = 0x38f, T_OVF_CTRL = 0x390,
	T_STATUS_SET = 0x391, T_INUSE = 0x392, T_A_PMC0 = 0x4c1, T_LBR_FROM0 = 0x680,
	T_LBR_TO0 = 0x6c0, T_LBR_INFO0 = 0xdc0,
};

enum {
	T_K7_EVNTSEL0 = 0xc0010000u, T_K7_PERFCTR0 = 0xc0010004u, T_F15H_CTL0 = 0xc0010200u,
	T_F15H_CTR0 = 0xc0010201u, T_AMD_STATUS = 0xc0000300u, T_AMD_CTL = 0xc0000301u,
	T_AMD_CLR = 0xc0000302u, T_AMD_SET = 0xc0000303u,
};

#define T_USR (1ull << 16)
#define T_OS (1ull << 17)
#define T_EDGE (1ull << 18)
#define T_INT (1ull << 20)
#define T_ANY (1ull << 21)
#define T_EN (1ull << 22)
#define T_INV (1ull << 23)
#define T_FW_WRITES (1ull << 13)

/* Intel shape: the usual CPUID.0AH picture of a given version. */
static inline struct pmu_shape t_intel(unsigned int version, unsigned int nr_gp,
				       uint32_t fixed_mask, unsigned int lbr_depth)
{
	struct pmu_shape s = {
		.mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = version,
		.nr_gp = nr_gp, .gp_width = 48, .events_len = 8, .fixed_mask = fixed_mask,
		.fixed_width = 48, .pdcm = true, .perf_capabilities = T_FW_WRITES | 0x5,
		.lbr_depth = lbr_depth, .lbr_format = 5,
		.anythread_deprecated = version >= 5,	/* as Ice Lake and later enumerate it */
	};
	unsigned int n = 0;

	while (fixed_mask & (1u << n))
		n++;
	s.nr_fixed = n;
	return s;
}

static inline struct pmu_shape t_amd(unsigned int nr, bool core, bool v2)
{
	struct pmu_shape s = {
		.mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_AMD, .version = v2 ? 2 : 0,
		.amd_nr_counters = nr, .perfctr_core = core, .perfmon_v2 = v2,
		.amd_counter_width = 48,
	};
	return s;
}

static inline void t_init(struct softpmu *p, const struct pmu_shape *s,
			  const struct softpmu_filter *f)
{
	struct vmm_err err = { 0 };
	int r = softpmu_init(p, s, f, &err);

	if (r)
		print_error("softpmu_init: %s\n", err.msg);
	assert_int_equal(r, 0);
}

static inline uint64_t t_rd(struct softpmu *p, uint32_t msr)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(softpmu_rdmsr(p, msr, &v), 0);
	return v;
}

static inline void t_wr(struct softpmu *p, uint32_t msr, uint64_t v)
{
	assert_int_equal(softpmu_wrmsr(p, msr, v), 0);
}

/* An instruction that is not a branch, at the given CPL. */
static inline struct softpmu_insn t_plain(unsigned int cpl)
{
	struct softpmu_insn in = { .cpl = cpl, .cycles = SOFTPMU_CYCLES_PER_INSN };
	return in;
}

static inline struct softpmu_insn t_branch(unsigned int cpl, enum x86_branch_kind k,
					   bool taken, uint64_t from, uint64_t to)
{
	struct softpmu_insn in = { .cpl = cpl, .is_branch = true, .taken = taken, .kind = k,
				   .from = from, .to = to, .cycles = SOFTPMU_CYCLES_PER_INSN };
	return in;
}

static inline void t_retire_n(struct softpmu *p, const struct softpmu_insn *in, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		softpmu_retire(p, in);
}

/* One MSR access of a table-driven case: RD checks ret and the value read;
 * WR checks ret and, when it succeeded, what check (0: the same MSR) reads. */
enum t_op { RD, WR };

static inline void t_msr_access(struct softpmu *p, enum t_op op, uint32_t msr, uint64_t val, int ret,
				uint32_t check, uint64_t expect)
{
	uint64_t v = 0;

	if (op == RD) {
		assert_int_equal(softpmu_rdmsr(p, msr, &v), ret);
	} else {
		assert_int_equal(softpmu_wrmsr(p, msr, val), ret);
		if (ret == 0)
			assert_int_equal(softpmu_rdmsr(p, check ? check : msr, &v), 0);
	}
	if (ret == 0)
		assert_int_equal(v, expect);
}

#endif
