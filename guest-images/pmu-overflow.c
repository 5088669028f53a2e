// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-overflow: a counter overflows exactly at the instruction that carries
 * it past its width, and the overflow is reported the ways the manuals say.
 *
 * - SDM vol. 3B 20.2.2 / APM vol. 2 13.2.1: a counter preloaded to
 *   2^width - N overflows at the Nth counted instruction and wraps to the
 *   count of the instructions that follow it.
 * - SDM 20.2.4 / APM 13.2.2 (PerfMonV2): the overflow sets GLOBAL_STATUS bit i
 *   (GP or core counter i) or 32+i (fixed counter i); GLOBAL_OVF_CTRL
 *   (GLOBAL_STATUS_RESET from version 4) or AMD GLOBAL_STATUS_CLR clears it.
 * - SDM 20.2.1 / 20.2.2 (PERFEVTSEL.INT, FIXED_CTR_CTRL PMI) and vol. 3A
 *   11.5.1: with the interrupt bit the overflow raises a PMI through the LVT
 *   performance counter entry, as an NMI or on a fixed vector; on Intel
 *   delivery sets the entry's mask bit and the handler clears it, on AMD it
 *   does not (KVM: lapic.c kvm_apic_local_deliver), so a handler that never
 *   unmasks, as Linux's PerfMonV2 one, takes every PMI on AMD and only the
 *   first on Intel. Without the interrupt bit, or with the entry masked, no
 *   PMI arrives.
 * - The PMI arrives at the boundary of the overflowing instruction: the
 *   handler's return RIP is the label that follows it in the counted block.
 * - The counter keeps counting through the handler (it counts ring 0): with
 *   a handler that is a single IRETQ the block counts exactly one more
 *   instruction, and the instruction IRETQ returns to is not lost.
 *
 * Counted blocks are single asm statements that start with the WRMSR that
 * enables counting (not counted) and end with the WRMSR that disables it
 * (counted), so the number of counted instructions is known exactly.
 *
 * Exact expectations (counts, PMI RIP) are asserted in soft mode, and for
 * instructions in emulated and mediated mode as KVM's selftests do; there
 * the PMI may arrive some instructions late (skid), so only its place
 * inside the block is checked. Those two modes need a host PMU and could not
 * be run where this guest was written. With --pmu=off the guest checks that
 * the PMU is really absent.
 */
#include "guest.h"
#include "pmu.h"

/* The counted block: OVF_PRE nops, a label, OVF_POST nops, 3 to disable. */
#define OVF_PRE		6
#define OVF_POST	6
#define OVF_TAIL	3	/* xor eax, xor edx, wrmsr */
#define OVF_INSNS	(OVF_PRE + OVF_POST + OVF_TAIL)

#define OVF_PMI_VECTOR	0xe0	/* LVTPC fixed-vector delivery */
#define OVF_SPURIOUS	0xff

/* A counter under test: GP/core counter idx or Intel fixed counter idx. */
struct ovf_ctr {
	bool fixed;
	unsigned int idx;
	char name[16];
	uint32_t ctr_msr;
	uint64_t mask;		/* value bits: 2^width - 1 */
	uint64_t status_bit;	/* its GLOBAL_STATUS bit, 0 without global MSRs */
	bool exact;		/* its event count is exact in this mode */
};

/* Where the block's labels ended up, for the PMI RIP checks. */
struct ovf_block {
	uint64_t after_pre;	/* the instruction after the OVF_PRE-th */
	uint64_t end;		/* the instruction after the disabling WRMSR */
};

/* What the PMI handler saw. The IDT handlers take no context, hence static. */
struct ovf_pmi {
	volatile unsigned int count;
	uint64_t vector;
	uint64_t rip;
	uint32_t lvtpc;
	bool no_unmask;		/* as Linux's PerfMonV2 handler: LVTPC left alone */
};

static struct ovf_pmi ovf_pmi;

static void ovf_pmi_handler(struct ex_regs *regs)
{
	ovf_pmi.count++;
	ovf_pmi.vector = regs->vector;
	ovf_pmi.rip = regs->rip;
	ovf_pmi.lvtpc = apic_get_lvtpc();
	/* SDM vol. 3A 11.5.1: on Intel delivery masked the entry; software unmasks it. */
	if (!ovf_pmi.no_unmask)
		apic_set_lvtpc(ovf_pmi.lvtpc & ~APIC_LVT_MASKED);
	if (regs->vector != NMI_VECTOR)
		apic_eoi();
}

/*
 * wrmsr(msr, enable) starts counting; OVF_PRE nops, label, OVF_POST nops;
 * xor eax, xor edx, wrmsr(msr, 0) stops it: OVF_INSNS counted instructions.
 * Interrupts are enabled around it for fixed-vector PMIs; STI's shadow
 * covers the enabling WRMSR and nothing is counted before it retires.
 */
static struct ovf_block ovf_run_block(uint32_t msr, uint64_t enable)
{
	struct ovf_block b;
	uint32_t lo = (uint32_t)enable, hi = (uint32_t)(enable >> 32);

	asm volatile("lea 1f(%%rip), %[pre]\n\t"
		     "lea 2f(%%rip), %[end]\n\t"
		     "sti\n\t"
		     "wrmsr\n\t"
		     ".rept %c[npre]\n\tnop\n\t.endr\n"
		     "1:\n\t"
		     ".rept %c[npost]\n\tnop\n\t.endr\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "wrmsr\n"
		     "2:\n\t"
		     "cli"
		     : [pre] "=&r"(b.after_pre), [end] "=&r"(b.end), "+a"(lo), "+d"(hi)
		     : "c"(msr), [npre] "i"(OVF_PRE), [npost] "i"(OVF_POST)
		     : "memory", "cc");
	return b;
}

/* ---- counters ---- */

static bool ovf_exact_mode(const struct vmm_bootinfo *bi)
{
	return bi->pmu_mode == VMM_PMU_MODE_SOFT;
}

static void ovf_ctr_gp(struct ovf_ctr *t, const struct pmu_caps *c, unsigned int i)
{
	*t = (struct ovf_ctr){ .idx = i, .ctr_msr = pmu_counter_msr(c, i),
			       .mask = pmu_counter_mask(c),
			       .status_bit = c->has_global ? 1ULL << i : 0, .exact = true };
	snprintf(t->name, sizeof(t->name), "%s%u", c->intel ? "PMC" : "PERF_CTR", i);
}

static void ovf_ctr_fixed(struct ovf_ctr *t, const struct pmu_caps *c, unsigned int i,
			  const struct vmm_bootinfo *bi)
{
	*t = (struct ovf_ctr){ .fixed = true, .idx = i, .ctr_msr = MSR_IA32_FIXED_CTR0 + i,
			       .mask = c->fixed_width >= 64 ? ~0ULL : (1ULL << c->fixed_width) - 1,
			       .status_bit = GLOBAL_STATUS_FIXED(i) };
	/*
	 * Fixed 0 counts instructions: exact everywhere. Fixed 1 and 2 count
	 * cycles, exact only in the soft model (one cycle per instruction,
	 * docs/soft-pmu.md).
	 */
	t->exact = i == 0 || (ovf_exact_mode(bi) && i <= 2);
	snprintf(t->name, sizeof(t->name), "FIXED_CTR%u", i);
}

/*
 * Program the counter to count from preload, with or without its interrupt
 * bit, and return the MSR/value pair that enables it: the global control
 * where there is one, else the selector (Intel v1, AMD without PerfMonV2).
 */
static void ovf_arm(const struct pmu_caps *c, const struct ovf_ctr *t, uint64_t preload,
		    bool irq, uint32_t *msr, uint64_t *enable)
{
	uint64_t sel;

	pmu_reset_all(c);
	if (c->has_global)
		wrmsr(pmu_global_ctrl_msr(c), 0);
	wrmsr(t->ctr_msr, preload & t->mask);
	if (t->fixed) {
		wrmsr(MSR_IA32_FIXED_CTR_CTRL,
		      FIXED_CTRL(t->idx, FIXED_CTRL_OS | (irq ? FIXED_CTRL_PMI : 0)));
		*msr = MSR_IA32_PERF_GLOBAL_CTRL;
		*enable = GLOBAL_STATUS_FIXED(t->idx);	/* same bit layout as GLOBAL_CTRL */
		return;
	}
	sel = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | (irq ? EVTSEL_INT : 0));
	if (c->has_global) {
		wrmsr(pmu_evtsel_msr(c, t->idx), sel);
		*msr = pmu_global_ctrl_msr(c);
		*enable = 1ULL << t->idx;
	} else {
		*msr = pmu_evtsel_msr(c, t->idx);
		*enable = sel;
	}
}

/* Run one counted block with the counter preloaded; counter and status after. */
static struct ovf_block ovf_count(const struct pmu_caps *c, const struct ovf_ctr *t,
				  uint64_t preload, bool irq, uint64_t *val, uint64_t *status)
{
	struct ovf_block b;
	uint32_t msr;
	uint64_t enable;

	ovf_arm(c, t, preload, irq, &msr, &enable);
	b = ovf_run_block(msr, enable);
	*val = rdmsr(t->ctr_msr);
	*status = c->has_global ? rdmsr(pmu_global_status_msr(c)) : 0;
	if (t->fixed)
		wrmsr(MSR_IA32_FIXED_CTR_CTRL, 0);
	else
		wrmsr(pmu_evtsel_msr(c, t->idx), 0);
	return b;
}

static const char *ovf_clear_name(const struct pmu_caps *c)
{
	if (c->amd)
		return "GLOBAL_STATUS_CLR";
	return c->version >= 4 ? "GLOBAL_STATUS_RESET" : "GLOBAL_OVF_CTRL";
}

/*
 * Three preloads around the block's OVF_INSNS instructions: one short of
 * overflowing, overflowing at the last (the disabling WRMSR), and
 * overflowing at instruction OVF_PRE, after which OVF_INSNS - OVF_PRE more
 * are counted from zero.
 */
static void ovf_test_wrap(const struct pmu_caps *c, const struct ovf_ctr *t)
{
	uint64_t val, status;

	if (!t->exact) {
		report_skip("counter wraps at its width", "%s counts cycles, not exact outside soft mode",
			    t->name);
		return;
	}
	ovf_count(c, t, -(uint64_t)(OVF_INSNS + 1), false, &val, &status);
	report_eq(val, t->mask, "%s at 2^w-%u does not wrap after %u instructions", t->name,
		  OVF_INSNS + 1, OVF_INSNS);
	if (t->status_bit)
		report_eq(status & t->status_bit, 0, "%s: no overflow bit before the overflow", t->name);

	ovf_count(c, t, -(uint64_t)OVF_INSNS, false, &val, &status);
	report_eq(val, 0, "%s at 2^w-%u wraps to 0 at the disabling WRMSR", t->name, OVF_INSNS);
	if (t->status_bit)
		report_eq(status, t->status_bit, "%s overflow sets GLOBAL_STATUS bit %u only", t->name,
			  (unsigned int)__builtin_ctzll(t->status_bit));

	ovf_count(c, t, -(uint64_t)OVF_PRE, false, &val, &status);
	report_eq(val, OVF_INSNS - OVF_PRE, "%s at 2^w-%u wraps at instruction %u and counts on",
		  t->name, OVF_PRE, OVF_PRE);
	if (!t->status_bit) {
		report_skip("overflow status", "%s: no GLOBAL_STATUS (%s)", t->name,
			    c->intel ? "version 1" : "no PerfMonV2");
		return;
	}
	report_eq(status, t->status_bit, "%s overflow in mid-block sets GLOBAL_STATUS bit %u",
		  t->name, (unsigned int)__builtin_ctzll(t->status_bit));
	wrmsr(pmu_global_clear_msr(c), t->status_bit);
	report_eq(rdmsr(pmu_global_status_msr(c)), 0, "%s clears %s's overflow bit",
		  ovf_clear_name(c), t->name);
}

/* ---- PMIs ---- */

static void ovf_pmi_setup(uint32_t lvtpc)
{
	ovf_pmi = (struct ovf_pmi){ 0 };
	idt_set_handler(NMI_VECTOR, ovf_pmi_handler);
	idt_set_handler(OVF_PMI_VECTOR, ovf_pmi_handler);
	apic_set_lvtpc(lvtpc);
}

static void ovf_pmi_teardown(void)
{
	apic_set_lvtpc(APIC_LVT_MASKED);
	idt_set_handler(NMI_VECTOR, NULL);
	idt_set_handler(OVF_PMI_VECTOR, NULL);
}

static void ovf_check_pmi_rip(const struct ovf_ctr *t, const struct ovf_block *b, bool exact)
{
	if (exact) {
		report_eq(ovf_pmi.rip, b->after_pre,
			  "%s PMI arrives after the overflowing instruction", t->name);
		return;
	}
	/* Emulated/mediated: the PMI may skid past the overflow, but not before it. */
	report(ovf_pmi.rip >= b->after_pre && ovf_pmi.rip <= b->end,
	       "%s PMI arrives at or after the overflow (rip %#llx, overflow %#llx, end %#llx)",
	       t->name, (unsigned long long)ovf_pmi.rip, (unsigned long long)b->after_pre,
	       (unsigned long long)b->end);
}

/* Overflow at instruction OVF_PRE with the interrupt bit, delivered per lvtpc. */
static void ovf_test_pmi(const struct pmu_caps *c, const struct ovf_ctr *t, uint32_t lvtpc,
			 bool exact, const char *how)
{
	struct ovf_block b;
	uint64_t val, status;

	ovf_pmi_setup(lvtpc);
	b = ovf_count(c, t, -(uint64_t)OVF_PRE, true, &val, &status);
	ovf_pmi_teardown();
	report_eq(ovf_pmi.count, 1, "%s overflow with the interrupt bit raises one PMI (%s)",
		  t->name, how);
	if (ovf_pmi.count != 1)
		return;
	report_eq(ovf_pmi.vector, lvtpc & APIC_DM_NMI ? NMI_VECTOR : (lvtpc & APIC_LVT_VECTOR_MASK),
		  "%s PMI on the LVTPC's vector (%s)", t->name, how);
	if (c->amd)
		report(!(ovf_pmi.lvtpc & APIC_LVT_MASKED), "LVTPC left unmasked by PMI delivery on AMD (%s, "
		       "read %#x)", how, ovf_pmi.lvtpc);
	else
		report(ovf_pmi.lvtpc & APIC_LVT_MASKED, "LVTPC masked on PMI delivery (%s, read %#x)", how,
		       ovf_pmi.lvtpc);
	ovf_check_pmi_rip(t, &b, exact);
	if (t->status_bit)
		report_eq(status & t->status_bit, t->status_bit,
			  "%s overflow bit set with the PMI (%s)", t->name, how);
	/*
	 * The counter keeps counting after the PMI. On hardware the handler's
	 * own instructions are counted too (the counter counts ring 0); what
	 * the counter shows beyond the block is reported, not asserted.
	 */
	if (exact) {
		report(val >= OVF_INSNS - OVF_PRE, "%s counts on after the PMI (%llu >= %u)", t->name,
		       (unsigned long long)val, OVF_INSNS - OVF_PRE);
		report_info("%s: %llu instructions counted beyond the block: the PMI handler's (%s)", t->name,
			    (unsigned long long)(val - (OVF_INSNS - OVF_PRE)), how);
	}
}

/* Overflow without the interrupt bit, or with the LVTPC masked: no PMI. */
static void ovf_test_no_pmi(const struct pmu_caps *c, const struct ovf_ctr *t, bool irq,
			    uint32_t lvtpc, const char *why)
{
	uint64_t val, status;
	uint32_t after;

	ovf_pmi_setup(lvtpc);
	ovf_count(c, t, -(uint64_t)OVF_PRE, irq, &val, &status);
	after = apic_get_lvtpc();
	ovf_pmi_teardown();
	report_eq(ovf_pmi.count, 0, "%s overflow %s raises no PMI", t->name, why);
	if (t->status_bit)
		report_eq(status & t->status_bit, t->status_bit, "%s overflow %s still sets its status bit",
			  t->name, why);
	if (lvtpc & APIC_LVT_MASKED)
		report_eq(after, lvtpc, "masked LVTPC unchanged by the overflow");
}

/*
 * An NMI handler that is nothing but IRETQ, put straight into the IDT gate
 * (the library's stubs run an unknown number of instructions): a PMI in the
 * middle of the block then adds exactly one retired instruction, the IRETQ
 * (SDM 20.2.1: instructions retired counts every instruction; the NMI
 * delivery is not one). The instruction that IRETQ returns to must still be
 * counted.
 */
asm(".pushsection .text\n\t"
    ".globl ovf_iret_only\n"
    "ovf_iret_only:\n\t"
    "iretq\n\t"
    ".popsection");
extern const char ovf_iret_only[];

struct ovf_idt_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
} __attribute__((packed));

struct ovf_idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct ovf_idt_gate *ovf_nmi_gate(void)
{
	struct ovf_idt_ptr p;

	asm volatile("sidt %0" : "=m"(p));
	return (struct ovf_idt_gate *)(uintptr_t)p.base + NMI_VECTOR;
}

static void ovf_test_iret_handler(const struct pmu_caps *c, const struct ovf_ctr *t, bool exact)
{
	struct ovf_idt_gate *gate = ovf_nmi_gate(), saved = *gate;
	uint64_t addr = (uint64_t)(uintptr_t)ovf_iret_only, val, status;

	if (!exact) {
		/* With skid the PMI may come after the disabling WRMSR: the IRETQ is then not counted. */
		report_skip("IRETQ-only PMI handler", "the PMI position is not exact outside soft mode");
		return;
	}

	gate->offset_lo = (uint16_t)addr;
	gate->offset_mid = (uint16_t)(addr >> 16);
	gate->offset_hi = (uint32_t)(addr >> 32);
	apic_set_lvtpc(APIC_DM_NMI);
	ovf_count(c, t, -(uint64_t)OVF_PRE, true, &val, &status);
	*gate = saved;
	/* The count below proves the handler ran; the mask bit follows the vendor. */
	report(!(apic_get_lvtpc() & APIC_LVT_MASKED) == c->amd, "%s PMI delivered to the IRETQ-only handler, "
	       "LVTPC %s", t->name, c->amd ? "still unmasked (AMD)" : "masked (Intel)");
	apic_set_lvtpc(APIC_LVT_MASKED);
	report_eq(val, OVF_INSNS - OVF_PRE + 1,
		  "%s counts the block and the handler's IRETQ after a PMI", t->name);
}

/*
 * OVF_PMI_ROUNDS overflows in a row with a handler that never unmasks LVTPC
 * (Linux's AMD PerfMonV2 handler): AMD delivers every PMI, Intel only the
 * first, after which the entry stays masked.
 */
#define OVF_PMI_ROUNDS	5
static void ovf_test_no_unmask(const struct pmu_caps *c, const struct ovf_ctr *t)
{
	unsigned int expect = c->amd ? OVF_PMI_ROUNDS : 1;
	uint64_t val, status;

	ovf_pmi_setup(APIC_DM_NMI);
	ovf_pmi.no_unmask = true;
	for (unsigned int i = 0; i < OVF_PMI_ROUNDS; i++) {
		ovf_count(c, t, -(uint64_t)OVF_PRE, true, &val, &status);
		if (t->status_bit)
			wrmsr(pmu_global_clear_msr(c), t->status_bit);
	}
	report_eq(ovf_pmi.count, expect, "%s: %u overflows, handler never unmasks LVTPC: %u PMIs (%s)", t->name,
		  OVF_PMI_ROUNDS, expect, c->amd ? "AMD does not mask on delivery" : "Intel masks on delivery");
	report_eq(!!(apic_get_lvtpc() & APIC_LVT_MASKED), !c->amd, "%s: LVTPC %s after the PMIs", t->name,
		  c->amd ? "unmasked" : "masked");
	ovf_pmi_teardown();
}

static void ovf_test_pmis(const struct pmu_caps *c, const struct ovf_ctr *t, bool exact)
{
	ovf_test_pmi(c, t, APIC_DM_NMI, exact, "NMI");
	ovf_test_pmi(c, t, APIC_DM_FIXED | OVF_PMI_VECTOR, exact, "fixed vector");
	ovf_test_no_pmi(c, t, false, APIC_DM_NMI, "without the interrupt bit");
	ovf_test_no_pmi(c, t, true, APIC_DM_NMI | APIC_LVT_MASKED, "with LVTPC masked");
	ovf_test_iret_handler(c, t, exact);
	ovf_test_no_unmask(c, t);
}

static void ovf_test_counter(const struct pmu_caps *c, const struct ovf_ctr *t, bool pmis,
			     const struct vmm_bootinfo *bi)
{
	report_info("%s: MSR %#x, mask %#llx, status bit %#llx", t->name, t->ctr_msr,
		    (unsigned long long)t->mask, (unsigned long long)t->status_bit);
	ovf_test_wrap(c, t);
	if (pmis && t->exact)
		ovf_test_pmis(c, t, ovf_exact_mode(bi));
}

/* GP counters 0 and the last (bit mapping), fixed counters 0 and the last present. */
static void ovf_test_all(const struct pmu_caps *c, const struct vmm_bootinfo *bi)
{
	struct ovf_ctr t;
	int last_fixed = -1;

	if (!pmu_event_available(c, PMU_EVENT_INSTRUCTIONS)) {
		report_skip("GP counter overflow", "the instructions event is unavailable");
	} else {
		ovf_ctr_gp(&t, c, 0);
		ovf_test_counter(c, &t, true, bi);
		if (c->nr_counters > 1) {
			ovf_ctr_gp(&t, c, c->nr_counters - 1);
			ovf_test_counter(c, &t, false, bi);
		}
	}
	if (!c->intel || c->version < 2) {
		report_skip("fixed counter overflow", "%s", c->intel ? "no fixed counters before version 2" :
			    "AMD has no fixed counters");
		return;
	}
	for (unsigned int i = 0; i <= 2; i++)
		if (pmu_fixed_present(c, i))
			last_fixed = (int)i;
	if (last_fixed < 0) {
		report_skip("fixed counter overflow", "no fixed counter 0-2 enumerated");
		return;
	}
	if (pmu_fixed_present(c, 0)) {
		ovf_ctr_fixed(&t, c, 0, bi);
		ovf_test_counter(c, &t, true, bi);
	}
	if (last_fixed > 0) {
		ovf_ctr_fixed(&t, c, (unsigned int)last_fixed, bi);
		ovf_test_counter(c, &t, false, bi);
	}
}

/* ---- --pmu=off: the PMU must really be absent ---- */

static void ovf_expect_gp(uint32_t msr, const char *name)
{
	uint64_t v;

	report_eq(rdmsr_safe(msr, &v), GP_VECTOR, "no PMU: rdmsr %s (%#x) raises #GP", name, msr);
	report_eq(wrmsr_safe(msr, 0), GP_VECTOR, "no PMU: wrmsr %s (%#x) raises #GP", name, msr);
}

static void ovf_test_absent(const struct pmu_caps *c)
{
	uint32_t max_basic = cpuid(0).eax, max_ext = cpuid(0x80000000).eax;
	uint64_t v;

	/* AMD's four legacy counters have no CPUID bit: only Intel's leaf 0AH says "none". */
	if (c->intel)
		report(!pmu_present(c), "no PMU: CPUID enumerates no counters");
	if (max_basic >= 0xa)
		report_eq(cpuid(0xa).eax, 0, "no PMU: CPUID.0AH:EAX is zero");
	report_eq(cpuid(1).ecx & (1u << 15), 0, "no PMU: CPUID.01H:ECX.PDCM clear");
	if (max_ext >= 0x80000001)
		report_eq(cpuid(0x80000001).ecx & (1u << 23), 0, "no PMU: CPUID.80000001H:ECX.PERFCTR_CORE clear");
	if (max_ext >= 0x80000022)
		report_eq(cpuid(0x80000022).eax | cpuid(0x80000022).ebx, 0,
			  "no PMU: CPUID.80000022H:EAX/EBX zero");
	if (c->amd) {
		ovf_expect_gp(MSR_F15H_PERF_CTL0, "PERF_CTL0");
		ovf_expect_gp(MSR_AMD_PERF_GLOBAL_CTL, "GLOBAL_CTL");
		ovf_expect_gp(MSR_AMD_PERF_GLOBAL_STATUS_CLR, "GLOBAL_STATUS_CLR");
		pmu_report_inert(MSR_K7_EVNTSEL0, "EVNTSEL0");
		pmu_report_inert(MSR_K7_PERFCTR0, "PERFCTR0");
	} else {
		ovf_expect_gp(MSR_IA32_PERF_GLOBAL_CTRL, "GLOBAL_CTRL");
		ovf_expect_gp(MSR_IA32_PERF_GLOBAL_OVF_CTRL, "GLOBAL_OVF_CTRL");
		ovf_expect_gp(MSR_IA32_FIXED_CTR0, "FIXED_CTR0");
		pmu_report_inert(MSR_IA32_PERFEVTSEL0, "PERFEVTSEL0");
		pmu_report_inert(MSR_IA32_PMC0, "PMC0");
	}
	report_eq(rdpmc_safe(0, &v), GP_VECTOR, "no PMU: RDPMC 0 raises #GP");
}

int main(const struct vmm_bootinfo *bi)
{
	struct pmu_caps caps;

	pmu_init(&caps);
	report_info("pmu mode %u, %s, version %u, %u counters of %u bits, fixed mask %#x",
		    bi->pmu_mode, caps.intel ? "Intel" : caps.amd ? "AMD" : "unknown vendor",
		    caps.version, caps.nr_counters, caps.counter_width, caps.fixed_mask);
	if (bi->pmu_mode == VMM_PMU_MODE_OFF) {
		ovf_test_absent(&caps);
		tap_done();
	}
	if (!pmu_present(&caps)) {
		report_skip("counter overflow", "CPUID enumerates no PMU in pmu mode %u", bi->pmu_mode);
		tap_done();
	}
	apic_enable(OVF_SPURIOUS);
	apic_set_lvtpc(APIC_LVT_MASKED);
	ovf_test_all(&caps, bi);
	pmu_reset_all(&caps);
	tap_done();
}
