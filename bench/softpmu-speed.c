// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cost of the software PMU model per retired instruction, without /dev/kvm:
 * what an engine does for every instruction it retires, "if (counting)
 * retire", on an Intel v4 model (8 GP and 3 fixed counters, no LBR) with
 * 0, 1 and 4 counters live, through the reference path
 * (softpmu_counting_ref() + softpmu_retire_ref(), every counter's liveness
 * decided again at every call) and through the live set
 * (softpmu_counting() + softpmu_retire()). Each is timed alternately with
 * a fixed reference loop of host arithmetic, and the ratio ns/instruction :
 * ns/reference is printed with the ns figures, so that a loaded machine
 * moves both. Both paths must leave the same counters, or the run fails.
 *
 * Usage: softpmu-speed [STEPS [RUNS]]   (default 2000000 instructions, 7 runs)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/x86.h"
#include "pmu/soft/softpmu.h"
#include "reftime.h"

#define REF_UNITS 16	/* multiply-adds of one reference unit */

#define EVTSEL0		MSR_IA32_PERFEVTSEL0
#define FIXED_CTRL	MSR_IA32_FIXED_CTR_CTRL
#define GLOBAL_CTRL	MSR_IA32_PERF_GLOBAL_CTRL
#define EN_OS_USR	((1ull << 22) | (1ull << 17) | (1ull << 16))

struct setup {
	const char *name;
	unsigned int live;
	struct { uint32_t msr; uint64_t val; } wr[6];
};

static const struct setup setups[] = {
	{ "none", 0, { { GLOBAL_CTRL, 0xff | 0x7ull << 32 } } },
	{ "insns", 1, { { GLOBAL_CTRL, 0xff | 0x7ull << 32 }, { EVTSEL0, 0xc0 | EN_OS_USR } } },
	{ "insns+branches+fixed0,1", 4,
	  { { GLOBAL_CTRL, 0xff | 0x7ull << 32 }, { EVTSEL0, 0xc0 | EN_OS_USR }, { EVTSEL0 + 1, 0xc4 | EN_OS_USR },
	    { FIXED_CTRL, 0x33 } } },
};

/* A short stream of CPL-0 instructions, one in four a taken branch. */
static void stream(struct softpmu_insn *in, unsigned int n)
{
	memset(in, 0, n * sizeof(*in));
	for (unsigned int i = 0; i < n; i++) {
		in[i].cycles = SOFTPMU_CYCLES_PER_INSN;
		in[i].from = 0x1000 + 4 * i;
		in[i].to = in[i].from + 4;
		if (i % 4 == 3) {
			in[i].is_branch = in[i].taken = true;
			in[i].kind = X86_BR_JCC;
			in[i].to = 0x1000;
		}
	}
}

static int model(struct softpmu *p, const struct setup *s)
{
	struct pmu_shape shape = {
		.mode = PMU_MODE_SOFT, .vendor = PMU_VENDOR_INTEL, .version = 4, .nr_gp = 8, .gp_width = 48,
		.events_len = 8, .fixed_mask = 0x7, .nr_fixed = 3, .fixed_width = 48,
		.anythread_deprecated = true,
	};
	struct vmm_err err = { 0 };

	if (softpmu_init(p, &shape, NULL, &err) < 0) {
		fprintf(stderr, "softpmu_init: %s\n", err.msg);
		return -1;
	}
	for (unsigned int i = 0; i < 6 && s->wr[i].msr; i++)
		if (softpmu_wrmsr(p, s->wr[i].msr, s->wr[i].val) < 0) {
			fprintf(stderr, "%s: WRMSR 0x%x refused\n", s->name, s->wr[i].msr);
			return -1;
		}
	return 0;
}

/* ns per instruction over steps instructions, reference path or live set. */
static double run_model(struct softpmu *p, const struct softpmu_insn *in, unsigned int steps, bool ref)
{
	double t0 = now_ns();

	if (ref) {
		for (unsigned int i = 0; i < steps; i++)
			if (softpmu_counting_ref(p))
				softpmu_retire_ref(p, &in[i & 7]);
	} else {
		for (unsigned int i = 0; i < steps; i++)
			if (softpmu_counting(p))
				softpmu_retire(p, &in[i & 7]);
	}
	return (now_ns() - t0) / (double)steps;
}

/* Both paths counted the same: every counter of the model reads the same. */
static bool same_counts(struct softpmu *a, struct softpmu *b)
{
	size_t n;
	const uint32_t *msrs = softpmu_msr_list(a, &n);

	for (size_t i = 0; i < n; i++) {
		uint64_t va = 0, vb = 0;

		if (softpmu_rdmsr(a, msrs[i], &va) != softpmu_rdmsr(b, msrs[i], &vb) || va != vb)
			return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned int steps = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 2000000;
	unsigned int runs = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 7;
	struct softpmu *p = malloc(2 * sizeof(*p));
	struct softpmu_insn in[8];

	if (!p || steps == 0 || runs == 0 || runs > 101) {
		fprintf(stderr, "usage: %s [STEPS [RUNS (1-101)]]\n", argv[0]);
		free(p);
		return 2;
	}
	stream(in, 8);
	printf("%-26s %4s %10s %10s %8s %7s %7s %8s\n", "counters", "live", "ns/ref", "ns/live", "ns/unit",
	       "ref", "live", "speed-up");
	for (unsigned int i = 0; i < sizeof(setups) / sizeof(setups[0]); i++) {
		double a[101], b[101], u[101], ns_ref, ns_live, unit;

		for (unsigned int r = 0; r < runs; r++) {
			if (model(&p[0], &setups[i]) < 0 || model(&p[1], &setups[i]) < 0) {
				free(p);
				return 1;
			}
			a[r] = run_model(&p[0], in, steps, true);
			u[r] = run_ref(steps, REF_UNITS);
			b[r] = run_model(&p[1], in, steps, false);
			if (!same_counts(&p[0], &p[1])) {
				fprintf(stderr, "%s: the reference path and the live set counted differently\n",
					setups[i].name);
				free(p);
				return 1;
			}
		}
		ns_ref = median(a, runs);
		ns_live = median(b, runs);
		unit = median(u, runs);
		printf("%-26s %4u %10.2f %10.2f %8.2f %7.2f %7.2f %7.2fx\n", setups[i].name, setups[i].live, ns_ref,
		       ns_live, unit, ns_ref / unit, ns_live / unit, ns_ref / ns_live);
	}
	free(p);
	return 0;
}
