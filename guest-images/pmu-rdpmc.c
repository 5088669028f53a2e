// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-rdpmc: RDPMC reads the counters at any time, not only while they
 * count (SDM vol. 2B RDPMC; APM vol. 3 RDPMC). Kernels read a counter right
 * after stopping it and in their PMI handler with GLOBAL_CTRL at 0.
 *
 * - preloaded GP and fixed counters that never counted read back through
 *   RDPMC as RDMSR reads them;
 * - a counter stopped through its selector (EN) and one stopped through
 *   GLOBAL_CTRL only read the count of the block they counted, also from an
 *   RDPMC right after the WRMSR that stopped them;
 * - RDPMC at CPL 3 works with CR4.PCE set and #GPs with it clear;
 * - #GP where the SDM/APM say: an index beyond the counters, an absent
 *   fixed counter, ECX[31] (the fast read, which KVM refuses too), type
 *   bits;
 * - an RDPMC that works never reaches the guest's #GP handler, and a moved
 *   IDT (LIDT) or a rewritten #GP gate still get both right: every #GP
 *   here goes through gp_count_stub, which counts them.
 *
 * With --pmu=soft the counts are exact. The VMM follows a changed IDT from
 * its next exit on (docs/soft-pmu.md), so the test makes one (an OUT to an
 * unclaimed port) after each change.
 */
#include "guest.h"
#include "pmu.h"
#include "usermode.h"

#define RDPMC_FIXED		(1u << 30)
#define RDPMC_FAST		(1u << 31)
#define RDPMC_EXIT_PORT		0x80	/* unclaimed: the VMM ignores it (badio) */
/* rdpmc_after_stop(): nop x3, mov, mov, wrmsr after the enabling WRMSR. */
#define RDPMC_STOP_INSNS	6

struct rdpmc_ctx {
	struct pmu_caps caps;
	bool exact;
};

struct idt_ptr64 {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* #GPs that reached the guest's handler through gp_count_stub. */
volatile uint64_t rdpmc_gp_hits;
extern const uint64_t idt_stub_table[IDT_ENTRIES];
extern const char gp_count_stub[];

/* Counts the #GP, then goes on to the library's own #GP stub. */
asm(".text\n\t"
    ".balign 16\n\t"
    ".globl gp_count_stub\n"
    "gp_count_stub:\n\t"
    "lock incq rdpmc_gp_hits(%rip)\n\t"
    "jmp *idt_stub_table + 13 * 8(%rip)\n");

static uint8_t rdpmc_idt_copy[IDT_ENTRIES * 16] __attribute__((aligned(16)));

static void rdpmc_vmm_exit(void)
{
	outb(RDPMC_EXIT_PORT, 0);
}

static struct idt_ptr64 rdpmc_sidt(void)
{
	struct idt_ptr64 p;

	asm volatile("sidt %0" : "=m"(p));
	return p;
}

static void rdpmc_lidt(struct idt_ptr64 p)
{
	asm volatile("lidt %0" : : "m"(p) : "memory");
}

/* RDPMC that must work: no fault, the expected value, and the guest's #GP handler untouched. */
static void rdpmc_expect(uint32_t ecx, uint64_t expect, const char *what)
{
	uint64_t hits = rdpmc_gp_hits, val;
	int vec = rdpmc_safe(ecx, &val);

	report(vec == 0 && val == expect && rdpmc_gp_hits == hits,
	       "RDPMC(%#x) %s: %#llx (expected %#llx, vector %d, %llu #GP at the handler)", ecx, what,
	       (unsigned long long)val, (unsigned long long)expect, vec,
	       (unsigned long long)(rdpmc_gp_hits - hits));
}

/* RDPMC that must #GP, delivered to the guest's handler. */
static void rdpmc_expect_gp(uint32_t ecx, const char *what)
{
	uint64_t hits = rdpmc_gp_hits, val;
	int vec = rdpmc_safe(ecx, &val);

	report(vec == GP_VECTOR && rdpmc_gp_hits == hits + 1, "RDPMC(%#x) %s #GPs (vector %d, %llu at the handler)",
	       ecx, what, vec, (unsigned long long)(rdpmc_gp_hits - hits));
}

static uint32_t rdpmc_gp_ecx(const struct pmu_caps *c, unsigned int i)
{
	(void)c;
	return i;
}

/* Values that need neither sign extension nor full-width writes (bit 31 clear). */
static uint64_t rdpmc_pattern(unsigned int i)
{
	return 0x1234560ull + 0x11111ull * i;
}

static void rdpmc_preloaded(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;

	pmu_reset_all(c);
	for (unsigned int i = 0; i < c->nr_counters; i++)
		wrmsr(pmu_counter_msr(c, i), rdpmc_pattern(i));
	for (unsigned int i = 0; i < c->nr_counters; i++)
		rdpmc_expect(rdpmc_gp_ecx(c, i), rdmsr(pmu_counter_msr(c, i)), "of a preloaded GP counter");
	for (unsigned int i = 0; c->intel && i < 32; i++) {
		if (!pmu_fixed_present(c, i))
			continue;
		wrmsr(MSR_IA32_FIXED_CTR0 + i, rdpmc_pattern(i + 8));
		rdpmc_expect(RDPMC_FIXED | i, rdmsr(MSR_IA32_FIXED_CTR0 + i), "of a preloaded fixed counter");
	}
	pmu_reset_all(c);
	rdpmc_expect(rdpmc_gp_ecx(c, 0), 0, "of a cleared counter");
}

static uint64_t rdpmc_expected(const struct rdpmc_ctx *x, uint32_t msr, uint64_t exact)
{
	return x->exact ? exact : rdmsr(msr);
}

/* GP counter 0 counts a block, stopped through EN, then through GLOBAL_CTRL only. */
static void rdpmc_stopped_gp(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint32_t ctr = pmu_counter_msr(c, 0), sel = pmu_evtsel_msr(c, 0);
	uint64_t ev = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS);

	pmu_reset_all(c);
	if (c->has_global)
		wrmsr(pmu_global_ctrl_msr(c), 1);
	pmu_counted_loop(sel, ev, ev & ~EVTSEL_EN);
	rdpmc_expect(0, rdpmc_expected(x, ctr, PMU_LOOP_INSNS), "of GP 0 stopped through EN");
	if (!c->has_global) {
		report_skip("RDPMC of GP 0 stopped through GLOBAL_CTRL", "no global control");
		return;
	}
	pmu_reset_all(c);
	wrmsr(sel, ev);
	pmu_counted_loop(pmu_global_ctrl_msr(c), 1, 0);
	report_eq(rdmsr(sel), ev, "the selector still enables GP 0");
	rdpmc_expect(0, rdpmc_expected(x, ctr, PMU_LOOP_INSNS), "of GP 0 stopped through GLOBAL_CTRL only");
	pmu_reset_all(c);
}

static void rdpmc_stopped_fixed(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;

	if (!c->intel || c->version < 2 || !pmu_fixed_present(c, 0)) {
		report_skip("RDPMC of a stopped fixed counter", "no fixed counter 0");
		return;
	}
	pmu_reset_all(c);
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(0, FIXED_CTRL_OS));
	pmu_counted_loop(pmu_global_ctrl_msr(c), GLOBAL_STATUS_FIXED(0), 0);
	rdpmc_expect(RDPMC_FIXED, rdpmc_expected(x, MSR_IA32_FIXED_CTR0, PMU_LOOP_INSNS),
		     "of fixed 0 stopped through GLOBAL_CTRL only");
	pmu_reset_all(c);
}

/*
 * The pattern of a kernel's counter read when it stops an event: the WRMSR
 * that stops counting, then at once RDPMC. Returns what RDPMC read.
 */
static uint64_t rdpmc_after_stop(uint32_t msr, uint64_t on, uint64_t off, uint32_t pmc)
{
	uint32_t lo, hi;
	register uint64_t pmc_reg asm("r8") = pmc;

	asm volatile("wrmsr\n\t"
		     "nop\n\tnop\n\tnop\n\t"
		     "mov %%esi, %%eax\n\t"
		     "mov %%edi, %%edx\n\t"
		     "wrmsr\n\t"
		     "mov %%r8d, %%ecx\n\t"
		     "rdpmc"
		     : "=a"(lo), "=d"(hi), "+c"(msr)
		     : "0"((uint32_t)on), "1"((uint32_t)(on >> 32)), "S"((uint32_t)off),
		       "D"((uint32_t)(off >> 32)), "r"(pmc_reg)
		     : "memory");
	return (uint64_t)hi << 32 | lo;
}

static void rdpmc_right_after_stop(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint32_t sel = pmu_evtsel_msr(c, 0);
	uint64_t ev = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS), hits, v;

	pmu_reset_all(c);
	if (c->has_global)
		wrmsr(pmu_global_ctrl_msr(c), 1);
	hits = rdpmc_gp_hits;
	v = rdpmc_after_stop(sel, ev, ev & ~EVTSEL_EN, 0);
	report(v == rdpmc_expected(x, pmu_counter_msr(c, 0), RDPMC_STOP_INSNS) && rdpmc_gp_hits == hits,
	       "RDPMC right after the WRMSR that stopped GP 0 reads %llu (%llu #GP at the handler)",
	       (unsigned long long)v, (unsigned long long)(rdpmc_gp_hits - hits));
	pmu_reset_all(c);
}

/* SDM vol. 2B RDPMC; APM vol. 3 RDPMC: the indexes that #GP. */
static void rdpmc_faults(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;

	rdpmc_expect_gp(c->nr_counters, "of the first counter beyond the enumeration");
	rdpmc_expect_gp(RDPMC_FAST, "with ECX[31] (fast read)");
	if (!c->intel)
		return;
	rdpmc_expect_gp(1u << 16, "with a type bit (ECX[16])");
	for (unsigned int i = 0; i < 32; i++) {
		if (!pmu_fixed_present(c, i)) {
			rdpmc_expect_gp(RDPMC_FIXED | i, "of an absent fixed counter");
			break;
		}
	}
}

static uint64_t rdpmc_user_read(uint64_t ecx)
{
	uint64_t val;
	int vec = rdpmc_safe((uint32_t)ecx, &val);

	return vec ? ~0ull - (uint64_t)vec : val;
}

static uint64_t rdpmc_user_fault(uint64_t ecx)
{
	uint64_t val;

	return (uint64_t)rdpmc_safe((uint32_t)ecx, &val);
}

/* SDM vol. 2B RDPMC: CR4.PCE allows CPL 3. */
static void rdpmc_cpl3(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t hits, v;

	pmu_reset_all(c);
	wrmsr(pmu_counter_msr(c, 0), rdpmc_pattern(3));
	usermode_set_pce(false);
	hits = rdpmc_gp_hits;
	report(usermode_call(rdpmc_user_fault, 0) == GP_VECTOR && rdpmc_gp_hits == hits + 1,
	       "RDPMC(0) at CPL 3 #GPs with CR4.PCE clear");
	usermode_set_pce(true);
	hits = rdpmc_gp_hits;
	v = usermode_call(rdpmc_user_read, 0);
	report(v == rdpmc_pattern(3) && rdpmc_gp_hits == hits,
	       "RDPMC(0) at CPL 3 with CR4.PCE set reads %#llx (expected %#llx, %llu #GP at the handler)",
	       (unsigned long long)v, (unsigned long long)rdpmc_pattern(3),
	       (unsigned long long)(rdpmc_gp_hits - hits));
	hits = rdpmc_gp_hits;
	report(usermode_call(rdpmc_user_fault, c->nr_counters) == GP_VECTOR && rdpmc_gp_hits == hits + 1,
	       "RDPMC(%u) at CPL 3 with CR4.PCE set #GPs (beyond the enumeration)", c->nr_counters);
	usermode_set_pce(false);
	pmu_reset_all(c);
}

/* The #GP gate rewritten in place, then a copy of the IDT loaded with LIDT. */
static void rdpmc_idt_changes(const struct rdpmc_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	struct idt_ptr64 orig = rdpmc_sidt(), copy = { orig.limit, (uint64_t)(uintptr_t)rdpmc_idt_copy };
	uint8_t *live = (uint8_t *)(uintptr_t)orig.base;

	pmu_reset_all(c);
	wrmsr(pmu_counter_msr(c, 0), rdpmc_pattern(5));
	rdpmc_expect(0, rdpmc_pattern(5), "with the #GP gate rewritten");
	rdpmc_expect_gp(c->nr_counters, "with the #GP gate rewritten");

	memcpy(rdpmc_idt_copy, live, sizeof(rdpmc_idt_copy));
	idt_gate_set_offset(live, GP_VECTOR, idt_stub_table[GP_VECTOR]);
	rdpmc_lidt(copy);
	rdpmc_vmm_exit();
	rdpmc_expect(0, rdpmc_pattern(5), "with the IDT moved by LIDT");
	rdpmc_expect_gp(c->nr_counters, "with the IDT moved by LIDT");
	idt_gate_set_offset(live, GP_VECTOR, (uint64_t)(uintptr_t)gp_count_stub);
	rdpmc_lidt(orig);
	rdpmc_vmm_exit();
	pmu_reset_all(c);
}

int main(const struct vmm_bootinfo *bi)
{
	struct rdpmc_ctx x = { .exact = bi->pmu_mode == VMM_PMU_MODE_SOFT };
	const struct pmu_caps *c = &x.caps;
	struct idt_ptr64 idt = rdpmc_sidt();
	uint64_t val;

	pmu_init(&x.caps);
	report_info("pmu mode %u, %s, version %u, %u counters, fixed mask %#x", bi->pmu_mode,
		    c->intel ? "Intel" : c->amd ? "AMD" : "unknown vendor", c->version, c->nr_counters,
		    c->fixed_mask);
	if (!pmu_present(c)) {
		report_eq(rdpmc_safe(0, &val), GP_VECTOR, "without a PMU, RDPMC(0) #GPs");
		tap_done();
	}
	usermode_init();
	/* Every #GP from here on passes gp_count_stub: the gate rewritten in place. */
	idt_gate_set_offset((void *)(uintptr_t)idt.base, GP_VECTOR, (uint64_t)(uintptr_t)gp_count_stub);
	rdpmc_vmm_exit();
	rdpmc_idt_changes(&x);
	rdpmc_preloaded(&x);
	rdpmc_stopped_gp(&x);
	rdpmc_stopped_fixed(&x);
	rdpmc_right_after_stop(&x);
	rdpmc_faults(&x);
	rdpmc_cpl3(&x);
	pmu_reset_all(c);
	tap_done();
}
