// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-emul: instructions the host cannot run count like any other.
 *
 * Some hosts (ours: docs/soft-pmu.md) run guest supervisor code in KVM's
 * instruction emulator, which lacks x87, POPCNT, CLAC/STAC and more, and
 * would end the run with "instruction emulation failed". With --pmu=soft the
 * VMM executes those itself. This guest checks, inside counted blocks and
 * outside them:
 * - the results: POPCNT's count and ZF, x87 loads, an addition and a store
 *   to memory, RFLAGS.AC after STAC and CLAC, INT n reaching its handler;
 * - the count: every instruction of a counted block retires once, the
 *   emulated ones included (SDM 20.2.1; the block's disabling WRMSR counts,
 *   the enabling one does not), and a disabled counter stays at zero.
 * Soft mode only: elsewhere it would test the host's emulator, not the PMU.
 */
#include "guest.h"
#include "pmu.h"

/* emul_x87_block(): popcnt, fld1, fldz, faddp, fld, faddp, fstp, fwait, mov, mov, wrmsr */
#define EMUL_X87_INSNS		11
/* emul_ac_block(): stac, pushf, pop, clac, mov, mov, wrmsr */
#define EMUL_AC_INSNS		7
/* emul_int_block(): int, the handler's lock inc and iretq, mov, mov, wrmsr; branches: int, iretq */
#define EMUL_INT_INSNS		6
#define EMUL_INT_BRANCHES	2
#define EMUL_INT_VECTOR		0x30
#define CPUID_07_EBX_SMAP	(1u << 20)
#define CPUID_01_ECX_POPCNT	(1u << 23)
#define RFLAGS_AC		(1ull << 18)
#define RFLAGS_ZF		(1ull << 6)

struct emul_out {
	uint64_t popcnt, rflags;
	uint64_t sum;		/* an IEEE double, as bits (no FP in guest C code) */
};

/* x87 and POPCNT between the gate's two WRMSRs: sum = 1 + 0 + *in. */
static void emul_x87_block(uint32_t msr, uint64_t on, uint64_t off, uint64_t bits, const uint64_t *in,
			   struct emul_out *o)
{
	uint64_t cnt, fl;

	asm volatile("wrmsr\n\t"
		     "popcnt %[bits], %[cnt]\n\t"
		     "fld1\n\t"
		     "fldz\n\t"
		     "faddp\n\t"
		     "fldl %[in]\n\t"
		     "faddp\n\t"
		     "fstpl %[sum]\n\t"
		     "fwait\n\t"
		     "mov %%esi, %%eax\n\t"
		     "mov %%edi, %%edx\n\t"
		     "wrmsr\n\t"
		     "pushfq\n\t"
		     "pop %[fl]"
		     : [cnt] "=&r"(cnt), [fl] "=r"(fl), [sum] "=m"(o->sum), "+a"(on)
		     : "c"(msr), "d"((uint32_t)(on >> 32)), "S"((uint32_t)off), "D"((uint32_t)(off >> 32)),
		       [bits] "r"(bits), [in] "m"(*in)
		     : "memory", "cc");
	o->popcnt = cnt;
	o->rflags = fl;
}

/* STAC, the flags it left, CLAC: returns RFLAGS after STAC; o->rflags gets them after CLAC. */
static uint64_t emul_ac_block(uint32_t msr, uint64_t on, uint64_t off, struct emul_out *o)
{
	uint64_t after_stac, after_clac;

	asm volatile("wrmsr\n\t"
		     "stac\n\t"
		     "pushfq\n\t"
		     "pop %[s]\n\t"
		     "clac\n\t"
		     "mov %%esi, %%eax\n\t"
		     "mov %%edi, %%edx\n\t"
		     "wrmsr\n\t"
		     "pushfq\n\t"
		     "pop %[c]"
		     : [s] "=&r"(after_stac), [c] "=r"(after_clac), "+a"(on)
		     : "c"(msr), "d"((uint32_t)(on >> 32)), "S"((uint32_t)off), "D"((uint32_t)(off >> 32))
		     : "memory", "cc");
	o->rflags = after_clac;
	return after_stac;
}

#define EMUL_2_25	0x4002000000000000ull	/* 2.25 */
#define EMUL_3_25	0x400a000000000000ull	/* 3.25 */
static const uint64_t emul_in = EMUL_2_25;

/* The INT handler: counts, and returns. */
volatile uint64_t emul_int_hits;
extern const char emul_int_handler[];
asm(".text\n\t"
    ".balign 16\n"
    "emul_int_handler:\n\t"
    "lock incq emul_int_hits(%rip)\n\t"
    "iretq\n");

static void emul_int_block(uint32_t msr, uint64_t on, uint64_t off)
{
	asm volatile("wrmsr\n\t"
		     "int %[vec]\n\t"
		     "mov %%esi, %%eax\n\t"
		     "mov %%edi, %%edx\n\t"
		     "wrmsr"
		     : "+a"(on)
		     : "c"(msr), "d"((uint32_t)(on >> 32)), "S"((uint32_t)off), "D"((uint32_t)(off >> 32)),
		       [vec] "i"(EMUL_INT_VECTOR)
		     : "memory", "cc");
}

struct emul_idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The gate of vector in the IDT the CPU has loaded. */
static void emul_set_gate(unsigned int vector, uint64_t addr)
{
	struct emul_idt_ptr p;

	asm volatile("sidt %0" : "=m"(p));
	idt_gate_set_offset((void *)(uintptr_t)p.base, vector, addr);
}

extern const uint64_t idt_stub_table[IDT_ENTRIES];

/* INT n into a two-instruction handler: instructions and branches (INT and IRETQ are far branches). */
static void emul_int(const struct pmu_caps *c)
{
	static const enum pmu_event ev[2] = { PMU_EVENT_INSTRUCTIONS, PMU_EVENT_BRANCHES };
	static const uint64_t expect[2] = { EMUL_INT_INSNS, EMUL_INT_BRANCHES };

	emul_set_gate(EMUL_INT_VECTOR, (uint64_t)(uintptr_t)emul_int_handler);
	for (unsigned int i = 0; i < 2; i++) {
		uint32_t sel = pmu_evtsel_msr(c, 0);
		uint64_t e = pmu_event_select(c, ev[i], EVTSEL_OS), hits = emul_int_hits;

		if (!pmu_event_available(c, ev[i])) {
			report_skip("INT n in a counted block", "event %u unavailable", ev[i]);
			continue;
		}
		pmu_reset_all(c);
		if (c->has_global)
			wrmsr(pmu_global_ctrl_msr(c), 1);
		emul_int_block(sel, e, e & ~EVTSEL_EN);
		report_eq(emul_int_hits - hits, 1, "INT %#x reached its handler once", EMUL_INT_VECTOR);
		report_eq(rdmsr(pmu_counter_msr(c, 0)), expect[i], "PMC0 counts the %s of the INT block exactly",
			  i ? "branches (INT, IRETQ)" : "instructions (the handler's included)");
	}
	emul_set_gate(EMUL_INT_VECTOR, idt_stub_table[EMUL_INT_VECTOR]);
	pmu_reset_all(c);
}

static void emul_x87(const struct pmu_caps *c, bool counting)
{
	uint32_t sel = pmu_evtsel_msr(c, 0);
	uint64_t ev = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS);
	uint64_t on = counting ? ev : ev & ~EVTSEL_EN;
	const char *how = counting ? "counted" : "not counting";
	struct emul_out o;

	pmu_reset_all(c);
	if (c->has_global)
		wrmsr(pmu_global_ctrl_msr(c), 1);
	emul_x87_block(sel, on, ev & ~EVTSEL_EN, 0xf0f0f0f0f0ull, &emul_in, &o);
	report_eq(o.popcnt, 20, "POPCNT of 0xf0f0f0f0f0 is 20 (%s)", how);
	report_eq(o.sum, EMUL_3_25, "x87: 1 + 0 + 2.25 stores 3.25 (%s)", how);
	report_eq(o.rflags & RFLAGS_ZF, 0, "POPCNT of a non-zero value clears ZF (%s)", how);
	report_eq(rdmsr(pmu_counter_msr(c, 0)), counting ? EMUL_X87_INSNS : 0, "%s", counting ?
		  "PMC0 counts every instruction of the x87/POPCNT block once" : "PMC0 with EN clear stays at 0");
	pmu_reset_all(c);
}

static void emul_ac(const struct pmu_caps *c)
{
	uint32_t sel = pmu_evtsel_msr(c, 0);
	uint64_t ev = pmu_event_select(c, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS), stac;
	struct emul_out o;

	if (!(cpuid(7).ebx & CPUID_07_EBX_SMAP)) {
		report_skip("STAC/CLAC in a counted block", "CPUID.07H:EBX.SMAP is clear");
		return;
	}
	pmu_reset_all(c);
	if (c->has_global)
		wrmsr(pmu_global_ctrl_msr(c), 1);
	stac = emul_ac_block(sel, ev, ev & ~EVTSEL_EN, &o);
	report(stac & RFLAGS_AC, "STAC sets RFLAGS.AC");
	report(!(o.rflags & RFLAGS_AC), "CLAC clears RFLAGS.AC");
	report_eq(rdmsr(pmu_counter_msr(c, 0)), EMUL_AC_INSNS,
		  "PMC0 counts every instruction of the STAC/CLAC block once");
	pmu_reset_all(c);
}

int main(const struct vmm_bootinfo *bi)
{
	struct pmu_caps caps;

	pmu_init(&caps);
	report_info("pmu mode %u, %s, %u counters", bi->pmu_mode,
		    caps.intel ? "Intel" : caps.amd ? "AMD" : "unknown vendor", caps.nr_counters);
	if (bi->pmu_mode != VMM_PMU_MODE_SOFT || !pmu_present(&caps)) {
		report_skip("instructions the host cannot run", "soft PMU mode only (pmu mode %u)", bi->pmu_mode);
		tap_done();
	}
	if (!(cpuid(1).ecx & CPUID_01_ECX_POPCNT)) {
		report_skip("POPCNT and x87 in a counted block", "CPUID.01H:ECX.POPCNT is clear");
	} else {
		emul_x87(&caps, true);
		emul_x87(&caps, false);
	}
	emul_ac(&caps);
	emul_int(&caps);
	tap_done();
}
