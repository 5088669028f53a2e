// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-count: the counters count what the architecture says they count
 * (Intel SDM vol. 3B 20.2.1-20.2.2 and table 20-1; AMD APM vol. 2 13.2).
 *
 * - every available architectural event (instructions, branches, cycles,
 *   reference cycles) on every GP/core counter, and on its fixed twin,
 *   counts an asm block exactly;
 * - a counter with EN clear, or whose GLOBAL_CTRL bit is clear, stays put;
 * - OUT, IN, CPUID, RDMSR and WRMSR inside a block count once each;
 * - RDPMC reads what RDMSR reads while counting (GP and fixed, ECX[30]);
 * - legacy PMCx writes sign-extend from bit 31 (SDM 20.2.2), full-width
 *   A_PMCx writes work only with PERF_CAPABILITIES.FW_WRITES (SDM 20.2.6);
 * - counters wrap at their width;
 * - USR/OS select the privilege levels counted (SDM 20.2.1.1): a block run
 *   at CPL 3 counts on USR counters only; RDPMC at CPL 3 needs CR4.PCE.
 *
 * Counted blocks are single asm statements that start with the WRMSR that
 * enables counting and end with the WRMSR that disables it: the enabling
 * WRMSR is not counted, everything after it is, the disabling WRMSR
 * included (SDM 20.2.1; the software PMU follows this, docs/soft-pmu.md).
 *
 * Expectations: with --pmu=soft every count is exact (the model retires one
 * cycle and one reference cycle per instruction). With --pmu=emulated or
 * --pmu=mediated instructions and branches are exact and cycles only
 * non-zero, as in KVM's selftests; those modes need a host PMU and have not
 * been run on the development machines. With --pmu=off the PMU must be
 * absent: CPUID says so, the legacy counter MSRs read 0 and drop writes (as
 * under KVM with its vPMU off) and RDPMC #GPs.
 */
#include "guest.h"
#include "pmu.h"
#include "usermode.h"

#define COUNT_LOOP_INSNS	PMU_LOOP_INSNS
#define COUNT_LOOP_BRANCHES	PMU_LOOP_BRANCHES
/* count_exits(): out, in, xor, cpuid, mov, rdmsr, mov, mov, wrmsr, mov, mov, wrmsr. */
#define COUNT_EXITS_INSNS	12
/* count_rdpmc_rdmsr(): RDMSR reads after rdpmc and three movs have retired. */
#define COUNT_RDPMC_TO_RDMSR	4
/* count_user_rdpmc(): the first RDPMC, two movs and ten nops. */
#define COUNT_USER_INSNS	13
#define COUNT_PORT		0x80	/* unclaimed: the VMM ignores it (badio) */

/* SDM 20.2.2: PMCx writes sign-extend bit 31 into the upper bits. */
#define COUNT_SIGN_EXTEND(v)	((uint64_t)(int64_t)(int32_t)(uint32_t)(v))

struct count_ctx {
	struct pmu_caps caps;
	bool exact;		/* soft mode: the model's counts are exact for every event */
};

/* The WRMSR that starts a block (msr <- on) and the one that ends it (msr <- off). */
struct count_gate {
	uint32_t msr;
	uint64_t on, off;
};

static const char *const count_event_name[PMU_NR_EVENTS] = {
	[PMU_EVENT_CYCLES] = "cycles",
	[PMU_EVENT_INSTRUCTIONS] = "instructions",
	[PMU_EVENT_REF_CYCLES] = "ref cycles",
	[PMU_EVENT_BRANCHES] = "branches",
};

/* pmu_counted_loop() through a gate: PMU_LOOP_INSNS instructions, PMU_LOOP_BRANCHES branches. */
static void count_loop(const struct count_gate *g)
{
	pmu_counted_loop(g->msr, g->on, g->off);
}

/* OUT, IN, CPUID, RDMSR and WRMSR (of the gate, unchanged) between the gates. */
static void count_exits(const struct count_gate *g)
{
	register uint64_t msr asm("r8") = g->msr;
	register uint64_t on_lo asm("r9") = (uint32_t)g->on;
	register uint64_t on_hi asm("r10") = g->on >> 32;
	register uint64_t off_lo asm("r11") = (uint32_t)g->off;
	register uint64_t off_hi asm("r12") = g->off >> 32;
	uint32_t ecx = g->msr, eax = (uint32_t)g->on, edx = (uint32_t)(g->on >> 32);

	asm volatile("wrmsr\n\t"
		     "outb %%al, %[port]\n\t"
		     "inb %[port], %%al\n\t"
		     "xor %%eax, %%eax\n\t"
		     "cpuid\n\t"
		     "mov %%r8d, %%ecx\n\t"
		     "rdmsr\n\t"
		     "mov %%r9d, %%eax\n\t"
		     "mov %%r10d, %%edx\n\t"
		     "wrmsr\n\t"
		     "mov %%r11d, %%eax\n\t"
		     "mov %%r12d, %%edx\n\t"
		     "wrmsr"
		     : "+c"(ecx), "+a"(eax), "+d"(edx)
		     : "r"(msr), "r"(on_lo), "r"(on_hi), "r"(off_lo), "r"(off_hi),
		       [port] "i"(COUNT_PORT)
		     : "rbx", "memory", "cc");
}

/*
 * RDPMC then RDMSR of the same counter while it counts instructions:
 * *pmc is what RDPMC returned, the result what RDMSR returned.
 */
static uint64_t count_rdpmc_rdmsr(const struct count_gate *g, uint32_t pmc_ecx,
				  uint32_t counter_msr, uint64_t *pmc)
{
	register uint64_t pmc_idx asm("r8") = pmc_ecx;
	register uint64_t msr asm("r9") = counter_msr;
	register uint64_t off_lo asm("r10") = (uint32_t)g->off;
	register uint64_t off_hi asm("r11") = g->off >> 32;
	register uint64_t pmc_lo asm("r12");
	register uint64_t pmc_hi asm("r13");
	register uint64_t gate asm("r14") = g->msr;
	uint32_t ecx = g->msr, eax = (uint32_t)g->on, edx = (uint32_t)(g->on >> 32);
	uint64_t msr_val;

	asm volatile("wrmsr\n\t"
		     "mov %%r8d, %%ecx\n\t"
		     "rdpmc\n\t"
		     "mov %%eax, %%r12d\n\t"
		     "mov %%edx, %%r13d\n\t"
		     "mov %%r9d, %%ecx\n\t"
		     "rdmsr\n\t"
		     "shl $32, %%rdx\n\t"
		     "or %%rax, %%rdx\n\t"
		     "mov %%rdx, %%rbx\n\t"
		     "mov %%r14d, %%ecx\n\t"
		     "mov %%r10d, %%eax\n\t"
		     "mov %%r11d, %%edx\n\t"
		     "wrmsr"
		     : "+c"(ecx), "+a"(eax), "+d"(edx), "=&b"(msr_val), "=&r"(pmc_lo), "=&r"(pmc_hi)
		     : "r"(pmc_idx), "r"(msr), "r"(off_lo), "r"(off_hi), "r"(gate)
		     : "memory", "cc");
	*pmc = pmc_hi << 32 | pmc_lo;
	return msr_val;
}

/* ---- programming counters ---- */

static bool count_has_fixed(const struct count_ctx *x)
{
	return x->caps.intel && x->caps.version >= 2;
}

/* Program GP/core counter i with sel; the gate starts and stops it. */
static struct count_gate count_setup_gp(const struct count_ctx *x, unsigned int i, uint64_t sel)
{
	const struct pmu_caps *c = &x->caps;

	pmu_reset_all(c);
	if (c->has_global) {
		wrmsr(pmu_evtsel_msr(c, i), sel);
		return (struct count_gate){ pmu_global_ctrl_msr(c), 1ULL << i, 0 };
	}
	/* Intel v1, AMD without PerfMonV2: EN alone starts a counter. */
	return (struct count_gate){ pmu_evtsel_msr(c, i), sel, 0 };
}

/* SDM 20.2.2: fixed counter i counts when its field enables a ring and GLOBAL_CTRL bit 32+i is set. */
static struct count_gate count_setup_fixed(const struct count_ctx *x, unsigned int i, uint64_t bits)
{
	pmu_reset_all(&x->caps);
	wrmsr(MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL(i, bits));
	return (struct count_gate){ MSR_IA32_PERF_GLOBAL_CTRL, 1ULL << (32 + i), 0 };
}

/* What count_loop() must count for event e. */
static uint64_t count_loop_expect(enum pmu_event e)
{
	return e == PMU_EVENT_BRANCHES ? COUNT_LOOP_BRANCHES : COUNT_LOOP_INSNS;
}

/* Cycles are exact only in the model; on hardware they must merely move. */
static void count_check(const struct count_ctx *x, enum pmu_event e, uint64_t got,
			uint64_t expect, const char *what)
{
	bool cycles = e == PMU_EVENT_CYCLES || e == PMU_EVENT_REF_CYCLES;

	if (cycles && !x->exact) {
		report(got > 0, "%s counts %s (%llu, non-zero)", what, count_event_name[e],
		       (unsigned long long)got);
		return;
	}
	report_eq(got, expect, "%s counts %llu %s", what, (unsigned long long)expect,
		  count_event_name[e]);
}

static void count_events_gp(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	char what[32];

	for (int e = 0; e < PMU_NR_EVENTS; e++) {
		if (!pmu_event_available(c, e)) {
			report_skip(count_event_name[e], "event not available on GP counters (CPUID)");
			continue;
		}
		for (unsigned int i = 0; i < c->nr_counters; i++) {
			struct count_gate g = count_setup_gp(x, i, pmu_event_select(c, e, EVTSEL_OS | EVTSEL_USR));

			count_loop(&g);
			snprintf(what, sizeof(what), "PMC%u", i);
			count_check(x, e, rdmsr(pmu_counter_msr(c, i)), count_loop_expect(e), what);
		}
	}
}

static void count_events_fixed(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	char what[32];

	if (!count_has_fixed(x)) {
		report_skip("fixed counters", "no fixed counters before version 2 (or on AMD)");
		return;
	}
	for (int e = 0; e < PMU_NR_EVENTS; e++) {
		int i = pmu_fixed_for_event(e);
		struct count_gate g;

		if (i < 0)
			continue;
		snprintf(what, sizeof(what), "FIXED_CTR%d", i);
		if (!pmu_fixed_present(c, (unsigned int)i)) {
			report_skip(what, "fixed counter %d not enumerated", i);
			continue;
		}
		g = count_setup_fixed(x, (unsigned int)i, FIXED_CTRL_OS | FIXED_CTRL_USR);
		count_loop(&g);
		count_check(x, e, rdmsr(MSR_IA32_FIXED_CTR0 + i), count_loop_expect(e), what);
	}
}

/* SDM 20.2.1.1 (EN), 20.2.2 (GLOBAL_CTRL): a counter not enabled at both levels stays put. */
static void count_disabled(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR);
	struct count_gate g;

	g = count_setup_gp(x, 0, sel & ~EVTSEL_EN);
	if (!c->has_global)	/* the gate is the selector itself: write it without EN */
		g.on = sel & ~EVTSEL_EN;
	count_loop(&g);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), 0, "PMC0 with EN clear does not count");

	if (!c->has_global) {
		report_skip("PMC0 with its GLOBAL_CTRL bit clear", "no global control (%s)",
			    c->intel ? "version 1" : "no PerfMonV2");
		return;
	}
	/* Counter 0 is enabled in its selector; the block enables everything else. */
	g = count_setup_gp(x, 0, sel);
	g.on = pmu_global_enable_mask(c) & ~1ULL;
	count_loop(&g);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), 0, "PMC0 with its GLOBAL_CTRL bit clear does not count");
	if (count_has_fixed(x) && pmu_fixed_present(c, 0)) {
		g = count_setup_fixed(x, 0, 0);
		count_loop(&g);
		report_eq(rdmsr(MSR_IA32_FIXED_CTR0), 0,
			  "FIXED_CTR0 with its FIXED_CTR_CTRL field clear does not count");
	}
}

/* Instructions that exit to the VMM retire once each, like any other. */
static void count_exit_insns(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	struct count_gate g;

	g = count_setup_gp(x, 0, pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR));
	count_exits(&g);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), COUNT_EXITS_INSNS,
		  "PMC0 counts OUT, IN, CPUID, RDMSR, WRMSR once each");
	if (count_has_fixed(x) && pmu_fixed_present(c, 0)) {
		g = count_setup_fixed(x, 0, FIXED_CTRL_OS | FIXED_CTRL_USR);
		count_exits(&g);
		report_eq(rdmsr(MSR_IA32_FIXED_CTR0), COUNT_EXITS_INSNS,
			  "FIXED_CTR0 counts OUT, IN, CPUID, RDMSR, WRMSR once each");
	}
}

/*
 * HLT in a counted block (SDM vol. 3 6.6, 11.5.4): with interrupts on, the
 * LAPIC timer (one-shot, divide by 1) wakes it; its handler is a raw gate
 * of COUNT_HLT_HANDLER_INSNS instructions (EOI, IRETQ), so the block counts
 * exactly: sti, hlt, the handler, cli, xor, wrmsr.
 */
#define COUNT_HLT_VECTOR	0xe8
#define COUNT_HLT_HANDLER_INSNS	5	/* push, mov, movl (EOI), pop, iretq */
#define COUNT_HLT_INSNS		(5 + COUNT_HLT_HANDLER_INSNS)

void count_hlt_stub(void);
asm(".pushsection .text\n"
    "count_hlt_stub:\n\t"
    "push %rax\n\t"
    "mov $0xfee000b0, %eax\n\t"	/* xAPIC EOI register */
    "movl $0, (%rax)\n\t"
    "pop %rax\n\t"
    "iretq\n"
    ".popsection");

/* Point vector's IDT gate at handler; returns the old gate. */
static void count_set_gate(unsigned int vector, void (*handler)(void), uint64_t old[2])
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	uint64_t *gate, off = (uint64_t)(uintptr_t)handler;
	uint16_t cs;

	asm volatile("sidt %0" : "=m"(idtr));
	asm volatile("mov %%cs, %0" : "=r"(cs));
	gate = (uint64_t *)(uintptr_t)(idtr.base + 16 * vector);
	old[0] = gate[0];
	old[1] = gate[1];
	gate[0] = (off & 0xffff) | (uint64_t)cs << 16 | 0x8eULL << 40 | ((off >> 16) & 0xffff) << 48;
	gate[1] = off >> 32;
}

static void count_hlt(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	struct count_gate g;
	uint64_t old[2], *gate;

	asm volatile("sidt %0" : "=m"(idtr));
	gate = (uint64_t *)(uintptr_t)(idtr.base + 16 * COUNT_HLT_VECTOR);
	count_set_gate(COUNT_HLT_VECTOR, count_hlt_stub, old);
	apic_enable(0xff);
	apic_write(APIC_TDCR, 0xb);			/* divide by 1 */
	apic_write(APIC_LVTT, COUNT_HLT_VECTOR);	/* one-shot */
	g = count_setup_gp(x, 0, pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR));
	apic_write(APIC_TMICT, 20000);
	asm volatile("wrmsr\n\t"
		     "sti\n\t"
		     "hlt\n\t"
		     "cli\n\t"
		     "mov %%esi, %%eax\n\t"
		     "wrmsr"
		     : : "c"(g.msr), "a"((uint32_t)g.on), "d"((uint32_t)(g.on >> 32)), "S"((uint32_t)g.off)
		     : "memory");
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	gate[0] = old[0];
	gate[1] = old[1];
	if (x->exact)
		report_eq(rdmsr(pmu_counter_msr(c, 0)), COUNT_HLT_INSNS,
			  "PMC0 counts a HLT woken by the LAPIC timer once, and the timer handler");
	else
		report(rdmsr(pmu_counter_msr(c, 0)) >= COUNT_HLT_INSNS,
		       "PMC0 counts a HLT woken by the LAPIC timer, and the timer handler");
}

/* SDM vol. 2B RDPMC: ECX[30] selects the fixed counters; the value is the counter's. */
static void count_rdpmc(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR);
	uint64_t pmc, msr;

	for (unsigned int i = 0; i < c->nr_counters; i++) {
		struct count_gate g = count_setup_gp(x, i, sel);

		msr = count_rdpmc_rdmsr(&g, i, pmu_counter_msr(c, i), &pmc);
		report(pmc > 0 && msr == pmc + COUNT_RDPMC_TO_RDMSR,
		       "RDPMC %u (%llu) agrees with RDMSR (%llu) while counting", i,
		       (unsigned long long)pmc, (unsigned long long)msr);
	}
	if (!count_has_fixed(x))
		return;
	for (unsigned int i = 0; i < 3; i++) {
		/* Fixed 1 and 2 count cycles: exact only in the model. */
		bool exact = x->exact || (int)i == pmu_fixed_for_event(PMU_EVENT_INSTRUCTIONS);
		struct count_gate g;

		if (!pmu_fixed_present(c, i))
			continue;
		g = count_setup_fixed(x, i, FIXED_CTRL_OS | FIXED_CTRL_USR);
		msr = count_rdpmc_rdmsr(&g, 1u << 30 | i, MSR_IA32_FIXED_CTR0 + i, &pmc);
		report(pmc > 0 && (exact ? msr == pmc + COUNT_RDPMC_TO_RDMSR : msr > pmc),
		       "RDPMC fixed %u (%llu) agrees with RDMSR (%llu) while counting", i,
		       (unsigned long long)pmc, (unsigned long long)msr);
	}
}

/* SDM 20.2.2: a PMCx write sign-extends bit 31, then keeps the counter's width. */
static void count_legacy_writes(const struct count_ctx *x)
{
	static const uint64_t values[] = { 0x7fffffff, 0x80000000, 0xfffffffe, 0x12345678 };
	const struct pmu_caps *c = &x->caps;
	uint64_t mask = pmu_counter_mask(c);

	pmu_reset_all(c);
	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t v = values[i];

		wrmsr(MSR_IA32_PMC0, v);
		report_eq(rdmsr(MSR_IA32_PMC0), COUNT_SIGN_EXTEND(v) & mask,
			  "PMC0 write of %#llx sign-extends from bit 31", (unsigned long long)v);
	}
}

/* SDM 20.2.6: A_PMCx take the full width, and exist only with FW_WRITES. */
static void count_full_width(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t mask = pmu_counter_mask(c), v = (mask & ~(mask >> 1)) | 0x1234, got;

	pmu_reset_all(c);
	if (!pmu_fw_writes(c)) {
		report_eq(wrmsr_safe(MSR_IA32_A_PMC0, 1), GP_VECTOR,
			  "A_PMC0 write #GPs without PERF_CAPABILITIES.FW_WRITES");
		return;
	}
	report_eq(wrmsr_safe(MSR_IA32_A_PMC0, v), 0, "A_PMC0 write of %#llx", (unsigned long long)v);
	report_eq(rdmsr(MSR_IA32_PMC0), v, "PMC0 reads the full-width value");
	rdmsr_safe(MSR_IA32_A_PMC0, &got);
	report_eq(got, v, "A_PMC0 reads the full-width value");
	if (mask != ~0ULL)
		report_eq(wrmsr_safe(MSR_IA32_A_PMC0, mask + 1), GP_VECTOR,
			  "A_PMC0 write beyond the counter width #GPs");
}

/* A counter that passes its top wraps to zero and carries on. */
static void count_wrap(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t mask = pmu_counter_mask(c);
	struct count_gate g;

	g = count_setup_gp(x, 0, pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR));
	/* Intel: the legacy write of -3 sign-extends to the top of any width. */
	wrmsr(pmu_counter_msr(c, 0), c->intel ? 0xfffffffdULL : mask - 2);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), mask - 2, "PMC0 preset 3 below its %u-bit top",
		  c->counter_width);
	count_loop(&g);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), (uint64_t)COUNT_LOOP_INSNS - 3,
		  "PMC0 wraps at %u bits", c->counter_width);
	if (c->has_global) {
		report(rdmsr(pmu_global_status_msr(c)) & 1, "GLOBAL_STATUS bit 0 set by the wrap");
		pmu_reset_all(c);
	}
}

/* ---- CPL 3 ---- */

/* Between the two reads: the first RDPMC, two movs and ten nops retire. */
static uint64_t count_user_rdpmc(uint64_t pmc)
{
	uint64_t lo0, hi0, lo1, hi1;

	asm volatile("rdpmc\n\t"
		     "mov %%eax, %k[lo0]\n\t"
		     "mov %%edx, %k[hi0]\n\t"
		     ".rept 10\n\tnop\n\t.endr\n\t"
		     "rdpmc"
		     : "=a"(lo1), "=d"(hi1), [lo0] "=&r"(lo0), [hi0] "=&r"(hi0)
		     : "c"((uint32_t)pmc) : "memory");
	return (hi1 << 32 | lo1) - (hi0 << 32 | lo0);
}

/* The same block with an RDTSC in it: the first RDPMC, two movs, RDTSC and nine nops retire. */
static uint64_t count_user_rdtsc(uint64_t pmc)
{
	uint64_t lo0, hi0, lo1, hi1;

	asm volatile("rdpmc\n\t"
		     "mov %%eax, %k[lo0]\n\t"
		     "mov %%edx, %k[hi0]\n\t"
		     "rdtsc\n\t"
		     ".rept 9\n\tnop\n\t.endr\n\t"
		     "rdpmc"
		     : "=a"(lo1), "=d"(hi1), [lo0] "=&r"(lo0), [hi0] "=&r"(hi0)
		     : "c"((uint32_t)pmc) : "memory");
	return (hi1 << 32 | lo1) - (hi0 << 32 | lo0);
}

/* RDTSC at CPL 3: the exception vector it raised, 0 if none. */
static uint64_t count_user_rdtsc_safe(uint64_t unused)
{
	uint64_t vector = 0;

	(void)unused;
	asm volatile("1: rdtsc\n2:\n\t" GUEST_EXTABLE("1b", "2b") : "+S"(vector) : : "rax", "rdx", "memory");
	return vector;
}

/* COUNT_SPIN_INSNS instructions at least (the trampoline adds a few). */
#define COUNT_SPIN_LOOPS	100
#define COUNT_SPIN_INSNS	(2 * COUNT_SPIN_LOOPS + 1)
static uint64_t count_user_spin(uint64_t unused)
{
	(void)unused;
	asm volatile("mov %0, %%ecx\n"
		     "1:\tdec %%ecx\n\t"
		     "jnz 1b" : : "i"(COUNT_SPIN_LOOPS) : "rcx", "cc");
	return 0;
}

static uint64_t count_user_cpl(uint64_t unused)
{
	(void)unused;
	return usermode_cpl();
}

static uint64_t count_user_rdpmc_safe(uint64_t pmc)
{
	uint64_t val;

	return (uint64_t)rdpmc_safe((uint32_t)pmc, &val);
}

/* Run fn at CPL 3 with PMC0 counting instructions in the given rings; returns fn's result. */
static uint64_t count_at_cpl3(const struct count_ctx *x, uint64_t ring_bits, usermode_fn fn)
{
	const struct pmu_caps *c = &x->caps;
	struct count_gate g = count_setup_gp(x, 0, pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, ring_bits));
	uint64_t r;

	wrmsr(g.msr, g.on);
	r = usermode_call(fn, 0);
	wrmsr(g.msr, g.off);
	return r;
}

static const struct {
	uint64_t bits;
	const char *name;
	bool user;
} count_rings[] = {
	{ EVTSEL_USR, "USR only", true },
	{ EVTSEL_OS, "OS only", false },
	{ EVTSEL_USR | EVTSEL_OS, "USR and OS", true },
};
#define COUNT_NR_RINGS	(sizeof(count_rings) / sizeof(count_rings[0]))

/* Exact: RDPMC at CPL 3 brackets a block that runs wholly at CPL 3. */
static void count_usr_os_exact(const struct count_ctx *x)
{
	for (unsigned int i = 0; i < COUNT_NR_RINGS; i++) {
		uint64_t expect = count_rings[i].user ? COUNT_USER_INSNS : 0;

		report_eq(count_at_cpl3(x, count_rings[i].bits, count_user_rdpmc), expect,
			  "PMC0 %s counts %llu instructions of a CPL-3 block (RDPMC at CPL 3)",
			  count_rings[i].name, (unsigned long long)expect);
	}
	/* An RDTSC does not take user mode out of sight: every instruction after it counts too. */
	report_eq(count_at_cpl3(x, EVTSEL_USR, count_user_rdtsc), COUNT_USER_INSNS,
		  "PMC0 USR only counts %u instructions of a CPL-3 block with an RDTSC in it", COUNT_USER_INSNS);
	/* SDM vol. 2B RDTSC: #GP(0) at CPL 3 with CR4.TSD. */
	usermode_set_tsd(true);
	report_eq(count_at_cpl3(x, EVTSEL_USR, count_user_rdtsc_safe), GP_VECTOR,
		  "RDTSC at CPL 3 with CR4.TSD set raises #GP while counting");
	usermode_set_tsd(false);
	report_eq(count_at_cpl3(x, EVTSEL_USR, count_user_rdtsc_safe), 0,
		  "RDTSC at CPL 3 with CR4.TSD clear runs while counting");
}

/*
 * The whole round trip (IRETQ in, #UD out, handler): which instruction of a
 * privilege change counts in which ring is not architectural, but every
 * instruction counts in exactly one, so USR + OS == USR|OS when the three
 * start and stop together, and the CPL-3 loop shows up on USR.
 */
static void count_usr_os_round_trip(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t n[COUNT_NR_RINGS];

	if (!c->has_global || c->nr_counters < COUNT_NR_RINGS) {
		n[0] = (count_at_cpl3(x, EVTSEL_USR, count_user_spin), rdmsr(pmu_counter_msr(c, 0)));
		report(n[0] >= COUNT_SPIN_INSNS, "PMC0 USR only counts the %u-instruction CPL-3 loop (%llu)",
		       COUNT_SPIN_INSNS, (unsigned long long)n[0]);
		report_skip("round trip USR + OS == USR|OS", "needs global control and 3 counters");
		return;
	}
	pmu_reset_all(c);
	for (unsigned int i = 0; i < COUNT_NR_RINGS; i++)
		wrmsr(pmu_evtsel_msr(c, i), pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, count_rings[i].bits));
	wrmsr(pmu_global_ctrl_msr(c), (1u << COUNT_NR_RINGS) - 1);
	usermode_call(count_user_spin, 0);
	wrmsr(pmu_global_ctrl_msr(c), 0);
	for (unsigned int i = 0; i < COUNT_NR_RINGS; i++)
		n[i] = rdmsr(pmu_counter_msr(c, i));
	report(n[0] >= COUNT_SPIN_INSNS, "PMC0 USR only counts the %u-instruction CPL-3 loop (%llu)",
	       COUNT_SPIN_INSNS, (unsigned long long)n[0]);
	report(n[1] > 0, "PMC1 OS only counts the CPL-0 part of the round trip (%llu)",
	       (unsigned long long)n[1]);
	report(n[0] + n[1] == n[2], "round trip: USR %llu + OS %llu == USR|OS %llu",
	       (unsigned long long)n[0], (unsigned long long)n[1], (unsigned long long)n[2]);
}

/* What the NMI handler of count_usr_pmi() saw. The IDT handlers take no context, hence static. */
static struct {
	volatile unsigned int count;
	uint64_t cs, rip;
} count_pmi;

static void count_pmi_handler(struct ex_regs *regs)
{
	count_pmi.count++;
	count_pmi.cs = regs->cs;
	count_pmi.rip = regs->rip;
}

/*
 * SDM 20.6.3, 11.5.1: PMC0 counting USR instructions with INT, 50 below its
 * top, overflows inside count_user_spin()'s loop at CPL 3 (interrupts are
 * off there, so the LVTPC sends an NMI): the PMI interrupts user mode, once.
 */
static void count_usr_pmi(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t mask = pmu_counter_mask(c), fn = (uint64_t)(uintptr_t)count_user_spin;
	uint32_t lvtpc = apic_get_lvtpc();
	struct count_gate g;

	count_pmi.count = 0;
	idt_set_handler(NMI_VECTOR, count_pmi_handler);
	apic_set_lvtpc(APIC_DM_NMI);
	g = count_setup_gp(x, 0, pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_USR | EVTSEL_INT));
	/* Intel: the legacy write of -50 sign-extends to the top of any width. */
	wrmsr(pmu_counter_msr(c, 0), c->intel ? 0xffffffceULL : mask - 49);
	wrmsr(g.msr, g.on);
	usermode_call(count_user_spin, 0);
	wrmsr(g.msr, g.off);
	report_eq(count_pmi.count, 1, "a PMI (NMI) from a USR counter overflowing at CPL 3 arrives once");
	report_eq(count_pmi.cs & 3, 3, "the PMI interrupts CPL 3");
	report(count_pmi.rip >= fn && count_pmi.rip < fn + 32,
	       "the PMI interrupts the CPL-3 loop that overflowed the counter (rip %#llx, loop at %#llx)",
	       (unsigned long long)count_pmi.rip, (unsigned long long)fn);
	idt_set_handler(NMI_VECTOR, NULL);
	apic_set_lvtpc(lvtpc);
	pmu_reset_all(c);
}

/* SDM 20.2.1.1: USR counts at CPL > 0, OS at CPL 0; SDM vol. 2B RDPMC: CR4.PCE. */
static void count_usr_os(const struct count_ctx *x)
{
	bool rdpmc_ok;

	report_eq(usermode_call(count_user_cpl, 0), 3, "usermode_call runs at CPL 3");
	usermode_set_pce(false);
	report_eq(count_at_cpl3(x, EVTSEL_USR, count_user_rdpmc_safe), GP_VECTOR,
		  "RDPMC at CPL 3 #GPs with CR4.PCE clear");
	usermode_set_pce(true);
	/*
	 * The soft PMU sees instructions by single-stepping; a host that gives
	 * no debug exits at CPL 3 hides user mode from it, and the VMM says so
	 * in the boot info once it has seen a round trip (the one above).
	 */
	if (guest_bootinfo->pmu_flags & VMM_PMU_FLAG_CPL3_UNCOUNTED) {
		static const char why[] = "the VMM reports that this host's KVM gives no debug exits at "
					  "CPL 3, so the soft PMU cannot see user mode (docs/soft-pmu.md)";

		report_skip("RDPMC at CPL 3 works with CR4.PCE set while counting", why);
		report_skip("USR/OS counts of a CPL-3 block", why);
		report_skip("USR/OS counts of the CPL-3 round trip", why);
		usermode_set_pce(false);
		pmu_reset_all(&x->caps);
		return;
	}
	rdpmc_ok = report_eq(count_at_cpl3(x, EVTSEL_USR, count_user_rdpmc_safe), 0,
			     "RDPMC at CPL 3 works with CR4.PCE set while counting");
	if (rdpmc_ok)
		count_usr_os_exact(x);
	else
		report_skip("USR/OS counts of a CPL-3 block", "RDPMC at CPL 3 failed");
	usermode_set_pce(false);
	count_usr_os_round_trip(x);
	count_usr_pmi(x);
	pmu_reset_all(&x->caps);
}

/* --pmu=off: nothing of the PMU counts; the legacy MSRs are inert. */
static void count_absent(const struct count_ctx *x)
{
	const struct pmu_caps *c = &x->caps;
	uint64_t v;

	report(!pmu_present(c), "CPUID enumerates no PMU");
	pmu_report_inert(MSR_IA32_PMC0, "PMC0");
	pmu_report_inert(MSR_K7_PERFCTR0, "K7 PERFCTR0");
	report(!wrmsr_safe(MSR_IA32_PERFEVTSEL0, EVTSEL_EN | 0xc0) && !rdmsr_safe(MSR_IA32_PERFEVTSEL0, &v) && !v,
	       "PERFEVTSEL0 drops an enabling write (%#llx)", (unsigned long long)v);
	report_eq(rdmsr_safe(MSR_IA32_FIXED_CTR0, &v), GP_VECTOR, "FIXED_CTR0 read #GPs");
	report_eq(rdpmc_safe(0, &v), GP_VECTOR, "RDPMC 0 #GPs");
}

int main(const struct vmm_bootinfo *bi)
{
	struct count_ctx x = { .exact = bi->pmu_mode == VMM_PMU_MODE_SOFT };
	const struct pmu_caps *c = &x.caps;

	pmu_init(&x.caps);
	report_info("pmu mode %u, %s, version %u, %u counters of %u bits, fixed mask %#x",
		    bi->pmu_mode, c->intel ? "Intel" : c->amd ? "AMD" : "unknown vendor", c->version,
		    c->nr_counters, c->counter_width, c->fixed_mask);
	if (bi->pmu_mode == VMM_PMU_MODE_OFF) {
		count_absent(&x);
		tap_done();
	}
	if (!pmu_present(c)) {
		report_skip("counting", "CPUID enumerates no PMU in mode %u", bi->pmu_mode);
		tap_done();
	}
	usermode_init();
	count_events_gp(&x);
	count_events_fixed(&x);
	count_disabled(&x);
	count_exit_insns(&x);
	count_hlt(&x);
	count_rdpmc(&x);
	if (c->intel) {
		count_legacy_writes(&x);
		count_full_width(&x);
	} else {
		report_skip("PMCx sign extension, A_PMCx", "Intel only");
	}
	count_wrap(&x);
	count_usr_os(&x);
	pmu_reset_all(c);
	tap_done();
}
