// SPDX-License-Identifier: GPL-2.0-only
/*
 * PMU CPUID shaping as a list of small named steps, one per leaf. Field
 * layouts: SDM vol. 2A "CPUID" table 3-8 (leaf 0AH) and SDM vol. 3B 20.2;
 * APM vol. 3 appendix E (80000001H, 80000022H) and APM vol. 2 13.2.
 */
#include "cpuid/pmu_leaves.h"

#include <errno.h>
#include <string.h>

static const char vendor_intel[12] = "GenuineIntel";
static const char vendor_amd[12] = "AuthenticAMD";

/* Leaf 0 returns the vendor string in EBX, EDX, ECX order. */
static void vendor_regs(const char s[12], uint32_t *ebx, uint32_t *edx, uint32_t *ecx)
{
	memcpy(ebx, s, 4);
	memcpy(edx, s + 4, 4);
	memcpy(ecx, s + 8, 4);
}

bool cpuid_table_vendor(const struct cpuid_table *t, enum pmu_vendor *v)
{
	const struct kvm_cpuid_entry2 *e = cpuid_find_const(t, 0, 0);
	uint32_t ebx, edx, ecx;

	if (!e)
		return false;
	vendor_regs(vendor_intel, &ebx, &edx, &ecx);
	if (e->ebx == ebx && e->edx == edx && e->ecx == ecx) {
		*v = PMU_VENDOR_INTEL;
		return true;
	}
	vendor_regs(vendor_amd, &ebx, &edx, &ecx);
	if (e->ebx == ebx && e->edx == edx && e->ecx == ecx) {
		*v = PMU_VENDOR_AMD;
		return true;
	}
	return false;
}

static bool shape_has_pmu(const struct pmu_shape *s)
{
	return s->mode != PMU_MODE_OFF;
}

static uint32_t contiguous_mask(unsigned int n)
{
	return n >= 32 ? ~0u : (1u << n) - 1;
}

/* Seed-000 rules and the architectural consistency of the shape. */
static int pmu_check_deps(const struct pmu_shape *s, struct vmm_err *err)
{
	if (!shape_has_pmu(s))
		return 0;
	/* APM vol. 2 13.2.2: PerfMonV2 global control covers the PERFCTR_CORE counters. */
	if (s->perfmon_v2 && !s->perfctr_core)
		return vmm_errf(err, EINVAL, "PerfMonV2 (CPUID 80000022H.EAX[0]) requires PERFCTR_CORE "
				"(CPUID 80000001H.ECX[23]); enable PERFCTR_CORE or drop PerfMonV2");
	if (s->vendor == PMU_VENDOR_AMD && s->version)
		return vmm_errf(err, EINVAL, "leaf 0AH architectural perfmon (version %u) is Intel only; "
				"an AMD guest enumerates its PMU with PERFCTR_CORE/PerfMonV2", s->version);
	if (s->vendor == PMU_VENDOR_INTEL && (s->perfctr_core || s->perfmon_v2))
		return vmm_errf(err, EINVAL, "PERFCTR_CORE/PerfMonV2 are AMD features; an Intel guest "
				"enumerates its PMU in leaf 0AH");
	if (s->fixed_mask && s->fixed_mask != contiguous_mask(s->nr_fixed)) {
		/* SDM 20.2.5: only version 5 enumerates fixed counters as a bitmap (ECX). */
		if (s->version < 5)
			return vmm_errf(err, EINVAL, "fixed counter mask 0x%x is not 0..%u contiguous: "
					"that needs architectural perfmon version 5 (it is %u)",
					s->fixed_mask, s->nr_fixed, s->version);
		if ((s->fixed_mask & contiguous_mask(s->nr_fixed)) != contiguous_mask(s->nr_fixed))
			return vmm_errf(err, EINVAL, "fixed counter mask 0x%x contradicts %u fixed counters "
					"(CPUID.0AH: counter i exists if ECX[i] or EDX[4:0] > i)",
					s->fixed_mask, s->nr_fixed);
	}
	return 0;
}

static int ensure_max_leaf(struct cpuid_table *t, uint32_t base, uint32_t leaf)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, base, 0);

	if (e && e->eax < leaf)
		e->eax = leaf;
	return 0;
}

/* Leaf 0: vendor identification string, changed only when it differs. */
static int pmu_set_vendor(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err)
{
	struct kvm_cpuid_entry2 *e;
	enum pmu_vendor cur;
	int r;

	if (!shape_has_pmu(s) || (cpuid_table_vendor(t, &cur) && cur == s->vendor))
		return 0;
	r = cpuid_get_or_add(t, 0, 0, &e, err);
	if (r)
		return r;
	vendor_regs(s->vendor == PMU_VENDOR_AMD ? vendor_amd : vendor_intel, &e->ebx, &e->edx, &e->ecx);
	return 0;
}

static int leaf_a_eax(uint32_t *eax, const struct pmu_shape *s, struct vmm_err *err)
{
	int r;

	/* SDM vol. 2A table 3-8, CPUID.0AH:EAX */
	if ((r = cpuid_set_field(eax, 7, 0, s->version, "CPUID.0AH:EAX version", err)) ||
	    (r = cpuid_set_field(eax, 15, 8, s->nr_gp, "CPUID.0AH:EAX GP counters", err)) ||
	    (r = cpuid_set_field(eax, 23, 16, s->gp_width, "CPUID.0AH:EAX GP counter width", err)) ||
	    (r = cpuid_set_field(eax, 31, 24, s->events_len, "CPUID.0AH:EAX EBX length", err)))
		return r;
	return 0;
}

static int leaf_a_edx(uint32_t *edx, const struct pmu_shape *s, struct vmm_err *err)
{
	int r;

	/* SDM vol. 2A table 3-8, CPUID.0AH:EDX */
	if ((r = cpuid_set_field(edx, 4, 0, s->nr_fixed, "CPUID.0AH:EDX fixed counters", err)) ||
	    (r = cpuid_set_field(edx, 12, 5, s->fixed_width, "CPUID.0AH:EDX fixed counter width", err)))
		return r;
	/* EDX[15]: AnyThread deprecation (SDM vol. 2A CPUID leaf 0AH). */
	cpuid_set_bit(edx, CPUID_A_EDX_ANYTHREAD_DEPRECATED, s->version != 0 && s->anythread_deprecated);
	return 0;
}

/* Leaf 0AH: Intel architectural performance monitoring. */
static int pmu_set_leaf_a(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0xa, 0);
	uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
	int r;

	if (!shape_has_pmu(s) || s->vendor != PMU_VENDOR_INTEL || !s->version) {
		if (e)
			e->eax = e->ebx = e->ecx = e->edx = 0;
		return 0;
	}
	if ((r = leaf_a_eax(&eax, s, err)) || (r = leaf_a_edx(&edx, s, err)))
		return r;
	/* EBX: a set bit means the event is NOT available; only the first EAX[31:24] bits count. */
	ebx = s->events_unavailable & contiguous_mask(s->events_len);
	/* ECX (v5): fixed counter bitmap. */
	if (s->version >= 5)
		ecx = s->fixed_mask ? s->fixed_mask : contiguous_mask(s->nr_fixed);
	r = cpuid_get_or_add(t, 0xa, 0, &e, err);
	if (r)
		return r;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
	return ensure_max_leaf(t, 0, 0xa);
}

/* CPUID.01H:ECX[15] PDCM: IA32_PERF_CAPABILITIES exists. */
static int pmu_set_pdcm(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 1, 0);
	bool on = shape_has_pmu(s) && s->pdcm;

	if (e)
		cpuid_set_bit(&e->ecx, CPUID_1_ECX_PDCM, on);
	else if (on)
		return vmm_errf(err, ENOENT, "CPUID table has no leaf 01H to set PDCM in");
	return 0;
}

/* CPUID.80000001H:ECX[23] PERFCTR_CORE: six F15H core counters (APM vol. 2 13.2.1). */
static int pmu_set_perfctr_core(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0x80000001, 0);
	bool on = shape_has_pmu(s) && s->perfctr_core;

	if (e)
		cpuid_set_bit(&e->ecx, CPUID_80000001_ECX_PERFCTR_CORE, on);
	else if (on)
		return vmm_errf(err, ENOENT, "CPUID table has no leaf 80000001H to set PERFCTR_CORE in");
	return 0;
}

/* Leaf 80000022H: AMD extended performance monitoring (PerfMonV2). */
static int pmu_set_leaf_80000022(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0x80000022, 0);
	uint32_t ebx = 0;
	int r;

	if (!shape_has_pmu(s) || !s->perfmon_v2) {
		if (e)
			e->eax = e->ebx = e->ecx = e->edx = 0;
		return 0;
	}
	/* EBX[3:0]: number of core performance counters. */
	r = cpuid_set_field(&ebx, 3, 0, s->amd_nr_counters, "CPUID.80000022H:EBX core counters", err);
	if (r)
		return r;
	r = cpuid_get_or_add(t, 0x80000022, 0, &e, err);
	if (r)
		return r;
	e->eax = 1u << CPUID_80000022_EAX_PERFMON_V2;
	e->ebx = ebx;
	e->ecx = e->edx = 0;
	return ensure_max_leaf(t, 0x80000000, 0x80000022);
}

/*
 * The software PMU does not offer IBPB (SDM vol. 2A CPUID.(EAX=7,ECX=0):
 * EDX[26], which enumerates IBRS and IBPB; APM vol. 3 CPUID 80000008H:
 * EBX[12]). An indirect branch prediction barrier exists to make the
 * branches after it mispredict, and software that has one can count on
 * branch misses (kvm-unit-tests' pmu test does). The model has no branch
 * predictor and counts no branch-miss event: with IBPB offered, a guest
 * would see a barrier that has no effect on its counters. Without it, no
 * guest can expect a forced misprediction, and "branch misses stay 0" is
 * the model's documented answer (docs/soft-pmu.md, "What counts").
 */
static void pmu_hide_ibpb(struct cpuid_table *t, const struct pmu_shape *s)
{
	struct kvm_cpuid_entry2 *e;

	if (s->mode != PMU_MODE_SOFT)
		return;
	if ((e = cpuid_find(t, 7, 0)))
		cpuid_set_bit(&e->edx, CPUID_7_EDX_SPEC_CTRL, false);
	if ((e = cpuid_find(t, 0x80000008, 0)))
		cpuid_set_bit(&e->ebx, CPUID_80000008_EBX_IBPB, false);
}

int cpuid_apply_pmu(struct cpuid_table *t, const struct pmu_shape *s, struct vmm_err *err)
{
	int r;

	if ((r = pmu_check_deps(s, err)) ||
	    (r = pmu_set_vendor(t, s, err)) ||
	    (r = pmu_set_leaf_a(t, s, err)) ||
	    (r = pmu_set_pdcm(t, s, err)) ||
	    (r = pmu_set_perfctr_core(t, s, err)) ||
	    (r = pmu_set_leaf_80000022(t, s, err)))
		return r;
	pmu_hide_ibpb(t, s);
	return 0;
}

static void read_leaf_a(const struct kvm_cpuid_entry2 *e, struct pmu_shape *s)
{
	s->version = cpuid_bits(e->eax, 7, 0);
	s->nr_gp = cpuid_bits(e->eax, 15, 8);
	s->gp_width = cpuid_bits(e->eax, 23, 16);
	s->events_len = cpuid_bits(e->eax, 31, 24);
	s->events_unavailable = e->ebx & contiguous_mask(s->events_len);
	s->nr_fixed = cpuid_bits(e->edx, 4, 0);
	s->fixed_width = cpuid_bits(e->edx, 12, 5);
	s->anythread_deprecated = cpuid_bits(e->edx, CPUID_A_EDX_ANYTHREAD_DEPRECATED,
					     CPUID_A_EDX_ANYTHREAD_DEPRECATED);
	s->fixed_mask = contiguous_mask(s->nr_fixed);
	if (s->version >= 5)
		s->fixed_mask |= e->ecx;
}

static bool entry_bit(const struct cpuid_table *t, uint32_t fn, enum cpuid_reg r, unsigned int bit)
{
	const struct kvm_cpuid_entry2 *e = cpuid_find_const(t, fn, 0);

	return e && (cpuid_reg_get(e, r) >> bit) & 1;
}

static void read_amd(const struct cpuid_table *t, struct pmu_shape *s)
{
	const struct kvm_cpuid_entry2 *e = cpuid_find_const(t, 0x80000022, 0);

	s->perfctr_core = entry_bit(t, 0x80000001, CPUID_ECX, CPUID_80000001_ECX_PERFCTR_CORE);
	s->perfmon_v2 = e && (e->eax >> CPUID_80000022_EAX_PERFMON_V2) & 1;
	/* APM vol. 2 13.2: 4 legacy counters, 6 with PERFCTR_CORE, EBX[3:0] with PerfMonV2. */
	if (s->perfmon_v2)
		s->amd_nr_counters = cpuid_bits(e->ebx, 3, 0);
	else
		s->amd_nr_counters = s->perfctr_core ? 6 : 4;
	s->amd_counter_width = 48;
}

void cpuid_read_pmu_as(const struct cpuid_table *t, enum pmu_vendor v, struct pmu_shape *s)
{
	const struct kvm_cpuid_entry2 *e;

	memset(s, 0, sizeof(*s));
	s->mode = PMU_MODE_OFF;
	s->vendor = v;
	s->pdcm = entry_bit(t, 1, CPUID_ECX, CPUID_1_ECX_PDCM);
	if (v == PMU_VENDOR_AMD) {
		read_amd(t, s);
		return;
	}
	e = cpuid_find_const(t, 0xa, 0);
	if (e)
		read_leaf_a(e, s);
}

void cpuid_read_pmu(const struct cpuid_table *t, struct pmu_shape *s)
{
	enum pmu_vendor v;

	if (!cpuid_table_vendor(t, &v))
		v = PMU_VENDOR_INTEL;
	cpuid_read_pmu_as(t, v, s);
}
