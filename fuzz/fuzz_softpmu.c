// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software PMU model (src/pmu/soft) as sequences of operations. The
 * input: a shape (vendor, version, counters, widths, LBR, PDCM, AMD
 * features) and an optional event filter, then operations: WRMSR, RDMSR,
 * RDPMC, retire an instruction, RESET, PMI acknowledge. Checked after every
 * operation:
 *   - no counter (RDMSR of every MSR the model lists, RDPMC of every index)
 *     holds bits beyond its width;
 *   - a WRMSR that succeeds is read back by RDMSR: the plain registers read
 *     what was written (counters: masked to the width, legacy Intel PMC
 *     writes sign-extended from bit 31 per SDM 20.2.6), and writing back what
 *     was read succeeds and reads the same;
 *   - after RESET the model answers every MSR, RDPMC and counting() like a
 *     model freshly initialised with the same shape, with no PMI pending;
 *   - a second model that goes through the same operations but retires
 *     through the reference path (softpmu_retire_ref(), which decides every
 *     counter again, where softpmu_retire() reads the live set) answers every
 *     MSR, RDPMC, the pending PMI and counting() the same.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "common/x86.h"
#include "pmu/soft/softpmu.h"

#define MAX_OPS 128

struct fuzz_pmu {
	struct pmu_shape shape;
	bool has_filter;
	struct softpmu_filter filter;
	uint64_t gp_mask, fixed_mask;
};

static uint64_t width_mask(unsigned int w)
{
	return w >= 64 ? ~0ULL : (1ULL << w) - 1;
}

static void read_shape(struct fuzz_in *in, struct fuzz_pmu *f)
{
	struct pmu_shape *s = &f->shape;
	uint8_t b = fuzz_u8(in);

	memset(s, 0, sizeof(*s));
	s->mode = PMU_MODE_SOFT;
	s->vendor = b & 1 ? PMU_VENDOR_AMD : PMU_VENDOR_INTEL;
	s->version = (b >> 1) & 7;
	s->pdcm = b & 0x10;
	s->anythread_deprecated = b & 0x20;
	s->perfctr_core = b & 0x40;
	s->perfmon_v2 = b & 0x80;
	b = fuzz_u8(in);
	s->nr_gp = b & 0xf;
	s->amd_nr_counters = b >> 4 & 7;
	s->nr_fixed = fuzz_u8(in) & 7;
	s->fixed_mask = fuzz_u8(in) & 0x1f;
	s->gp_width = fuzz_u8(in) % 72;
	s->fixed_width = fuzz_u8(in) % 72;
	s->amd_counter_width = fuzz_u8(in) % 72;
	s->events_len = fuzz_u8(in) % 16;
	s->events_unavailable = fuzz_u16(in);
	s->perf_capabilities = fuzz_u64(in);
	s->lbr_depth = fuzz_u8(in) % 40;
	s->lbr_format = s->perf_capabilities & 0x3f;
	f->gp_mask = width_mask(s->vendor == PMU_VENDOR_AMD ? s->amd_counter_width : s->gp_width);
	f->fixed_mask = width_mask(s->fixed_width);

	b = fuzz_u8(in);
	f->has_filter = b & 1;
	memset(&f->filter, 0, sizeof(f->filter));
	if (f->has_filter) {
		f->filter.action = (b >> 1) % 3;	/* 2 is invalid: init must refuse it */
		f->filter.fixed_counter_bitmap = fuzz_u8(in);
		f->filter.nevents = fuzz_u8(in) % 8;
		for (uint32_t i = 0; i < f->filter.nevents; i++)
			f->filter.events[i] = softpmu_filter_event(fuzz_u16(in) & 0xfff, fuzz_u8(in));
	}
}

/* An MSR to access: mostly one of those the model lists, sometimes any number. */
static uint32_t pick_msr(struct fuzz_in *in, const struct softpmu *p)
{
	size_t n;
	const uint32_t *list = softpmu_msr_list(p, &n);
	uint8_t b = fuzz_u8(in);

	if (b == 0xff)
		return fuzz_u32(in);
	return n ? list[b % n] : 0;
}

static bool is_intel_counter(const struct softpmu *p, uint32_t msr)
{
	return p->shape.vendor == PMU_VENDOR_INTEL &&
	       (msr - MSR_IA32_PMC0 < 8 || msr - MSR_IA32_A_PMC0 < 8);
}

static bool is_counter(const struct softpmu *p, uint32_t msr, uint64_t *mask, const struct fuzz_pmu *f)
{
	if (p->shape.vendor == PMU_VENDOR_INTEL) {
		*mask = msr - MSR_IA32_FIXED_CTR0 < 4 ? f->fixed_mask : f->gp_mask;
		return is_intel_counter(p, msr) || msr - MSR_IA32_FIXED_CTR0 < 4;
	}
	*mask = f->gp_mask;
	return msr - MSR_K7_PERFCTR0 < 4 ||
	       (msr - MSR_F15H_PERF_CTL0 < 12 && ((msr - MSR_F15H_PERF_CTL0) & 1));
}

/* What RDMSR must return after a successful WRMSR of val, or false when not plain. */
static bool expected_read(const struct softpmu *p, const struct fuzz_pmu *f, uint32_t msr, uint64_t val,
			  uint64_t *want)
{
	if (p->shape.vendor == PMU_VENDOR_INTEL) {
		if (msr - MSR_IA32_PMC0 < 8) {
			*want = (uint64_t)(int64_t)(int32_t)val & f->gp_mask;	/* SDM 20.2.6 */
			return true;
		}
		if (msr - MSR_IA32_A_PMC0 < 8 || msr - MSR_IA32_PERFEVTSEL0 < 8 ||
		    msr == MSR_IA32_FIXED_CTR_CTRL || msr == MSR_IA32_PERF_GLOBAL_CTRL) {
			*want = val;
			return true;
		}
		if (msr - MSR_IA32_FIXED_CTR0 < 4) {
			*want = val & f->fixed_mask;
			return true;
		}
		return false;
	}
	if (msr - MSR_K7_PERFCTR0 < 4 || (msr - MSR_F15H_PERF_CTL0 < 12 && ((msr - MSR_F15H_PERF_CTL0) & 1))) {
		*want = val & f->gp_mask;
		return true;
	}
	if (msr == MSR_AMD_PERF_GLOBAL_CTL) {
		*want = val & width_mask(p->shape.amd_nr_counters);	/* reserved bits dropped */
		return true;
	}
	return false;
}

/* The counter MSRs the model lists, with their width masks. */
struct counters {
	size_t n;
	uint32_t msr[SOFTPMU_MAX_MSRS];
	uint64_t mask[SOFTPMU_MAX_MSRS];
};

static void find_counters(const struct softpmu *p, const struct fuzz_pmu *f, struct counters *c)
{
	size_t n;
	const uint32_t *list = softpmu_msr_list(p, &n);

	c->n = 0;
	for (size_t i = 0; i < n; i++)
		if (is_counter(p, list[i], &c->mask[c->n], f))
			c->msr[c->n++] = list[i];
}

static void check_widths(struct softpmu *p, const struct fuzz_pmu *f, const struct counters *c)
{
	uint64_t v;

	for (size_t i = 0; i < c->n; i++)
		if (!softpmu_rdmsr(p, c->msr[i], &v))
			FUZZ_CHECK(!(v & ~c->mask[i]), "MSR 0x%x = 0x%llx, beyond its width", c->msr[i],
				   (unsigned long long)v);
	for (uint32_t ecx = 0; ecx < 8; ecx++) {
		if (!softpmu_rdpmc(p, ecx, &v))
			FUZZ_CHECK(!(v & ~f->gp_mask), "RDPMC 0x%x = 0x%llx beyond the width", ecx,
				   (unsigned long long)v);
		if (!softpmu_rdpmc(p, ecx | 1u << 30, &v))
			FUZZ_CHECK(!(v & ~f->fixed_mask), "RDPMC fixed %u = 0x%llx beyond the width", ecx,
				   (unsigned long long)v);
	}
}

/* Every MSR of p's list and RDPMC indices 0-7 (and 1 << 30 | 0-7) read the same from p and q. */
static void check_same_reads(struct softpmu *p, struct softpmu *q, const char *pname, const char *qname)
{
	size_t n;
	const uint32_t *list = softpmu_msr_list(p, &n);

	for (size_t i = 0; i < n; i++) {
		uint64_t a = 0, b = 0;
		int ra = softpmu_rdmsr(p, list[i], &a), rb = softpmu_rdmsr(q, list[i], &b);

		FUZZ_CHECK(ra == rb && a == b, "MSR 0x%x reads %d/0x%llx %s, %d/0x%llx %s", list[i], ra,
			   (unsigned long long)a, pname, rb, (unsigned long long)b, qname);
	}
	for (uint32_t k = 0; k < 16; k++) {
		uint32_t ecx = (k & 7) | (k & 8 ? 1u << 30 : 0);
		uint64_t a = 0, b = 0;
		int ra = softpmu_rdpmc(p, ecx, &a), rb = softpmu_rdpmc(q, ecx, &b);

		FUZZ_CHECK(ra == rb && a == b, "RDPMC 0x%x reads %d/0x%llx %s, %d/0x%llx %s", ecx, ra,
			   (unsigned long long)a, pname, rb, (unsigned long long)b, qname);
	}
}

/* p after RESET against fresh, a model that only ever was initialised. */
static void check_like_fresh(struct softpmu *p, struct softpmu *fresh)
{
	size_t n, nf;
	const uint32_t *list = softpmu_msr_list(p, &n);
	const uint32_t *flist = softpmu_msr_list(fresh, &nf);

	FUZZ_CHECK(n == nf && !memcmp(list, flist, n * sizeof(*list)), "the MSR list changed");
	FUZZ_CHECK(!softpmu_pmi_pending(p), "a PMI pending after RESET");
	FUZZ_CHECK(softpmu_counting(p) == softpmu_counting(fresh), "counting() differs after RESET");
	check_same_reads(p, fresh, "after RESET", "fresh");
}

/* p, retired through the live set, against ref, retired through the reference path. */
static void check_like_ref(struct softpmu *p, struct softpmu *ref)
{
	FUZZ_CHECK(softpmu_pmi_pending(p) == softpmu_pmi_pending(ref), "PMI pending: live set %d, reference %d",
		   softpmu_pmi_pending(p), softpmu_pmi_pending(ref));
	FUZZ_CHECK(softpmu_counting(p) == softpmu_counting_ref(ref), "counting(): live set %d, reference %d",
		   softpmu_counting(p), softpmu_counting_ref(ref));
	check_same_reads(p, ref, "through the live set", "through the reference path");
}

/* A WRMSR to both models. */
static int wrmsr2(struct softpmu *p, struct softpmu *ref, uint32_t msr, uint64_t val)
{
	int r = softpmu_wrmsr(p, msr, val);

	FUZZ_CHECK(softpmu_wrmsr(ref, msr, val) == r, "WRMSR 0x%x: the two models disagree", msr);
	return r;
}

static void op_wrmsr(struct fuzz_in *in, struct softpmu *p, struct softpmu *ref, const struct fuzz_pmu *f)
{
	uint32_t msr = pick_msr(in, p);
	uint64_t val = fuzz_u64(in), got, again, want;
	int r = wrmsr2(p, ref, msr, val);

	FUZZ_CHECK(r == 0 || r == SOFTPMU_GP || r == -ENOENT, "WRMSR 0x%x returned %d", msr, r);
	FUZZ_CHECK((r == -ENOENT) == !softpmu_handles(p, msr), "WRMSR 0x%x: -ENOENT and handles() disagree",
		   msr);
	if (r)
		return;
	r = softpmu_rdmsr(p, msr, &got);
	FUZZ_CHECK(!r, "MSR 0x%x took a write of 0x%llx but RDMSR gives %d", msr,
		   (unsigned long long)val, r);
	if (expected_read(p, f, msr, val, &want))
		FUZZ_CHECK(got == want, "MSR 0x%x: wrote 0x%llx, read 0x%llx, expected 0x%llx", msr,
			   (unsigned long long)val, (unsigned long long)got, (unsigned long long)want);
	r = wrmsr2(p, ref, msr, got);
	FUZZ_CHECK(!r, "MSR 0x%x: writing back 0x%llx, as read, gives %d", msr,
		   (unsigned long long)got, r);
	FUZZ_CHECK(!softpmu_rdmsr(p, msr, &again) && again == got,
		   "MSR 0x%x: wrote back 0x%llx and read 0x%llx", msr, (unsigned long long)got,
		   (unsigned long long)again);
}

static void op_retire(struct fuzz_in *in, struct softpmu *p, struct softpmu *ref)
{
	uint8_t b = fuzz_u8(in);
	struct softpmu_insn insn = {
		.cpl = b & 3,
		.is_branch = b & 4,
		.taken = b & 8,
		.kind = (enum x86_branch_kind)((b >> 4) % (X86_BR_SYSEXIT + 1)),
		.cycles = SOFTPMU_CYCLES_PER_INSN,
	};
	unsigned int times = fuzz_u8(in) % 64 + 1;

	insn.from = fuzz_u64(in);
	insn.to = fuzz_u64(in);
	for (unsigned int i = 0; i < times; i++) {
		softpmu_retire(p, &insn);
		softpmu_retire_ref(ref, &insn);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_pmu f;
	static struct softpmu p, fresh, ref;
	static struct counters ctrs;
	struct fuzz_in in = { data, size };
	struct vmm_err err = { 0 };
	int r;

	read_shape(&in, &f);
	r = softpmu_init(&p, &f.shape, f.has_filter ? &f.filter : NULL, &err);
	if (r) {
		FUZZ_CHECK(r == -EINVAL && err.code == EINVAL && err.msg[0], "softpmu_init %d", r);
		return 0;
	}
	FUZZ_CHECK(!f.has_filter || f.filter.action <= SOFTPMU_FILTER_DENY, "filter action %d accepted",
		   (int)f.filter.action);
	FUZZ_CHECK(!softpmu_init(&fresh, &f.shape, f.has_filter ? &f.filter : NULL, &err),
		   "the same shape initialises once only");
	check_like_fresh(&p, &fresh);
	ref = p;
	find_counters(&p, &f, &ctrs);
	for (unsigned int op = 0; op < MAX_OPS && in.n; op++) {
		uint64_t v;
		uint8_t kind = fuzz_u8(&in) % 6;

		switch (kind) {
		case 0:
			op_wrmsr(&in, &p, &ref, &f);
			break;
		case 1: {
			uint32_t msr = pick_msr(&in, &p);

			r = softpmu_rdmsr(&p, msr, &v);
			FUZZ_CHECK(r == 0 || r == SOFTPMU_GP || r == -ENOENT, "RDMSR 0x%x returned %d", msr, r);
			break;
		}
		case 2: {
			uint32_t ecx = fuzz_u32(&in);

			r = softpmu_rdpmc(&p, ecx, &v);
			FUZZ_CHECK(r == 0 || r == SOFTPMU_GP, "RDPMC 0x%x returned %d", ecx, r);
			break;
		}
		case 3:
			op_retire(&in, &p, &ref);
			break;
		case 4:
			softpmu_reset(&p);
			softpmu_reset(&ref);
			check_like_fresh(&p, &fresh);
			break;
		case 5:
			softpmu_pmi_ack(&p);
			softpmu_pmi_ack(&ref);
			FUZZ_CHECK(!softpmu_pmi_pending(&p), "a PMI pending after the acknowledge");
			break;
		}
		if (kind == 0 || kind == 3)	/* only writes and retirement change counters */
			check_widths(&p, &f, &ctrs);
		check_like_ref(&p, &ref);
	}
	return 0;
}
