// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu-insn: every kind of instruction retires once (SDM vol. 3B table 20-1,
 * "instructions retired"; APM vol. 2 13.2, event C0H), whatever the way the
 * VMM follows it. A table of counted blocks, one per kind: ALU, memory,
 * stack, locked, fences (MFENCE, LFENCE, SFENCE, alone, in a row, before a
 * branch, right after OUT and IN to port 0x80 as in badio), PAUSE, CLFLUSH,
 * RDTSC, CPUID, MOV SS (which delays the debug trap of the next
 * instruction, SDM vol. 3A 6.8.3), PUSHF/POPF/CLI, MOV CR3, WBINVD, REP
 * STOS, near branches, and a LOOP to itself. Each block is expected to count
 * exactly its instructions and its branches.
 *
 * Counted blocks follow SDM 20.2.1 as in pmu-count: the enabling WRMSR is not
 * counted, everything after it is, the disabling WRMSR included. A block is
 * an assembly stub entered with ECX = the gate MSR, EDX:EAX = its "on"
 * value and EDI:ESI = its "off" value; its body may use RBX and R8-R11 and
 * must leave ECX, ESI and EDI as they were. Every block ends with
 * "mov %esi, %eax; mov %edi, %edx; wrmsr": three counted instructions.
 *
 * Two more checks on the LOOP to itself, which a VMM may execute at once
 * rather than step (the software PMU does, docs/soft-pmu.md):
 * - a counter that overflows in the middle of it raises its PMI (as an NMI)
 *   at that very iteration: the handler sees RIP at the LOOP and RCX at the
 *   iterations still to run (SDM vol. 3B 20.2.1, vol. 3A 11.5.1);
 * - reference cycles (Intel; cycles on AMD) over it never outrun the TSC
 *   (SDM vol. 3B 20.2.2: fixed counter 2 counts at the TSC rate, and only
 *   while not halted).
 *
 * Expectations: exact with --pmu=soft; at least the count in the KVM modes
 * (a VM exit may be counted there, as in KVM's selftests).
 */
#include "apic.h"
#include "guest.h"
#include "idt.h"
#include "pmu.h"

#define INSN_TAIL	3	/* mov, mov, wrmsr */

#define INSN_BLOCK(name, body)						\
	void name(void);						\
	asm(".pushsection .text\n"					\
	    ".type " #name ", @function\n"				\
	    #name ":\n\t"						\
	    "wrmsr\n\t"							\
	    body "\n\t"							\
	    "mov %esi, %eax\n\t"					\
	    "mov %edi, %edx\n\t"					\
	    "wrmsr\n\t"							\
	    "ret\n"							\
	    ".popsection")

INSN_BLOCK(insn_nop, "nop");
INSN_BLOCK(insn_alu, "mov $5, %ebx\n\tadd %ebx, %ebx\n\txor %r8d, %r8d\n\tlea 8(%rbx,%rbx,2), %r9");
INSN_BLOCK(insn_mem, "mov (%rsp), %rbx\n\tmov %rbx, -8(%rsp)\n\tadd -8(%rsp), %rbx");
INSN_BLOCK(insn_stack, "push %rbx\n\tpush $7\n\tpop %r8\n\tpop %rbx");
INSN_BLOCK(insn_locked, "mov (%rsp), %rbx\n\txchg %rbx, (%rsp)\n\tlock addq $0, (%rsp)\n\t"
	   "mov (%rsp), %rax\n\tlock cmpxchg %rax, (%rsp)");
INSN_BLOCK(insn_mfence, "mfence");
INSN_BLOCK(insn_lfence, "lfence");
INSN_BLOCK(insn_sfence, "sfence");
INSN_BLOCK(insn_fences, "mfence\n\tlfence\n\tsfence\n\tmfence");
INSN_BLOCK(insn_fence_nops, "nop\n\tmfence\n\tnop\n\tlfence\n\tnop\n\tsfence\n\tnop");
INSN_BLOCK(insn_fence_branch, "lfence\n\tjmp 1f\n1:\tmfence\n\tjmp 2f\n2:\tsfence\n\tnop");
INSN_BLOCK(insn_out_fence, "mov %eax, %r8d\n\toutb %al, $0x80\n\tmfence\n\tnop\n\t"
	   "inb $0x80, %al\n\tlfence\n\tnop\n\tmov %r8d, %eax");
INSN_BLOCK(insn_pause, "pause\n\tpause");
INSN_BLOCK(insn_clflush, "clflush (%rsp)\n\tmfence");
INSN_BLOCK(insn_rdtsc, "lfence\n\trdtsc\n\tlfence");
INSN_BLOCK(insn_cpuid, "mov %ecx, %r8d\n\txor %eax, %eax\n\tcpuid\n\tmov %r8d, %ecx");
INSN_BLOCK(insn_mov_ss, "mov %ss, %ebx\n\tmov %ebx, %ss\n\tnop\n\tnop");
INSN_BLOCK(insn_mov_ss_fence, "mov %ss, %ebx\n\tmov %ebx, %ss\n\tmfence\n\tnop");
INSN_BLOCK(insn_flags, "pushfq\n\tpopfq\n\tcli\n\tnop");
INSN_BLOCK(insn_mov_cr, "mov %cr3, %rbx\n\tmov %rbx, %cr3\n\tmov %cr0, %rbx");
INSN_BLOCK(insn_wbinvd, "wbinvd\n\tnop");
INSN_BLOCK(insn_rep_stos, "mov %ecx, %r8d\n\tmov %edi, %r9d\n\tmov %eax, %r10d\n\t"
	   "lea -64(%rsp), %rdi\n\tmov $8, %ecx\n\trep stosb\n\t"
	   "mov %r8d, %ecx\n\tmov %r9d, %edi\n\tmov %r10d, %eax");
INSN_BLOCK(insn_branches, "xor %ebx, %ebx\n\tjz 1f\n\tnop\n1:\tjnz 2f\n\tcall 3f\n\tjmp 2f\n"
	   "3:\tret\n2:\tnop");
INSN_BLOCK(insn_loop_self, "mov %ecx, %r8d\n\tmov $1000, %ecx\n\tloop .\n\tmov %r8d, %ecx");
INSN_BLOCK(insn_loop_self_big, "mov %ecx, %r8d\n\tmov $3000000, %ecx\n\tloop .\n\tmov %r8d, %ecx");

static const struct insn_case {
	const char *name;
	void (*block)(void);
	uint64_t insns, branches;	/* the body's; the tail adds INSN_TAIL instructions */
} insn_cases[] = {
	{ "NOP", insn_nop, 1, 0 },
	{ "ALU and LEA", insn_alu, 4, 0 },
	{ "loads and stores", insn_mem, 3, 0 },
	{ "PUSH and POP", insn_stack, 4, 0 },
	{ "XCHG, LOCK ADD, LOCK CMPXCHG", insn_locked, 5, 0 },
	{ "MFENCE", insn_mfence, 1, 0 },
	{ "LFENCE", insn_lfence, 1, 0 },
	{ "SFENCE", insn_sfence, 1, 0 },
	{ "four fences in a row", insn_fences, 4, 0 },
	{ "fences between NOPs", insn_fence_nops, 7, 0 },
	{ "fences before branches", insn_fence_branch, 6, 2 },
	{ "OUT and IN, each followed by a fence", insn_out_fence, 8, 0 },
	{ "PAUSE", insn_pause, 2, 0 },
	{ "CLFLUSH", insn_clflush, 2, 0 },
	{ "RDTSC", insn_rdtsc, 3, 0 },
	{ "CPUID", insn_cpuid, 4, 0 },
	{ "MOV SS", insn_mov_ss, 4, 0 },
	{ "MOV SS then a fence", insn_mov_ss_fence, 4, 0 },
	{ "PUSHF, POPF, CLI", insn_flags, 4, 0 },
	{ "MOV CR3, MOV from CR0", insn_mov_cr, 3, 0 },
	{ "WBINVD", insn_wbinvd, 2, 0 },
	{ "REP STOSB (retires once)", insn_rep_stos, 9, 0 },
	{ "Jcc, CALL, RET, JMP", insn_branches, 7, 5 },
	{ "LOOP to itself, 1000 times", insn_loop_self, 1003, 1000 },
	{ "LOOP to itself, 3000000 times", insn_loop_self_big, 3000003, 3000000 },
};

#define INSN_NR_CASES (sizeof(insn_cases) / sizeof(insn_cases[0]))
#define INSN_NR_EXTRA 4

/* The LOOP to itself of the PMI check, its count and where the counter overflows. */
#define INSN_PMI_LOOPS	1000
#define INSN_PMI_AT	300	/* the iteration whose retirement overflows the counter */
void insn_pmi_loop(void);
extern const char insn_pmi_loop_at[];
asm(".pushsection .text\n"
    ".type insn_pmi_loop, @function\n"
    "insn_pmi_loop:\n\t"
    "wrmsr\n\t"
    "mov %ecx, %r8d\n\t"
    "mov $1000, %ecx\n"
    "insn_pmi_loop_at:\n\t"
    "loop insn_pmi_loop_at\n\t"
    "mov %r8d, %ecx\n\t"
    "mov %esi, %eax\n\t"
    "mov %edi, %edx\n\t"
    "wrmsr\n\t"
    "ret\n"
    ".popsection");
_Static_assert(INSN_PMI_LOOPS == 1000, "insn_pmi_loop counts 1000");

struct insn_nmi {
	volatile unsigned int count;
	uint64_t rip, rcx;
};

static struct insn_nmi insn_nmi;

static struct pmu_caps caps;

static void insn_run(void (*block)(void), uint32_t msr, uint64_t on, uint64_t off)
{
	asm volatile("call *%[fn]"
		     : : [fn] "r"(block), "c"(msr), "a"((uint32_t)on), "d"((uint32_t)(on >> 32)),
		       "S"((uint32_t)off), "D"((uint32_t)(off >> 32))
		     : "rbx", "r8", "r9", "r10", "r11", "memory", "cc");
}

/* Counter 0 counts instructions and, with a global control, counter 1 branches. */
static void insn_check(const struct insn_case *t, bool exact)
{
	uint64_t ins_sel = pmu_event_select(&caps, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR);
	uint64_t br_sel = pmu_event_select(&caps, PMU_EVENT_BRANCHES, EVTSEL_OS | EVTSEL_USR);
	bool branches = caps.has_global && caps.nr_counters >= 2 &&
			pmu_event_available(&caps, PMU_EVENT_BRANCHES);
	uint64_t want = t->insns + INSN_TAIL, ins, br = 0;

	pmu_reset_all(&caps);
	if (caps.has_global) {
		wrmsr(pmu_evtsel_msr(&caps, 0), ins_sel);
		if (branches)
			wrmsr(pmu_evtsel_msr(&caps, 1), br_sel);
		insn_run(t->block, pmu_global_ctrl_msr(&caps), branches ? 3 : 1, 0);
	} else {
		insn_run(t->block, pmu_evtsel_msr(&caps, 0), ins_sel, 0);
	}
	ins = rdmsr(pmu_counter_msr(&caps, 0));
	if (branches)
		br = rdmsr(pmu_counter_msr(&caps, 1));
	pmu_reset_all(&caps);
	if (exact)
		report(ins == want && (!branches || br == t->branches),
		       "%s: %llu instructions (want %llu), %llu branches (want %llu)", t->name,
		       (unsigned long long)ins, (unsigned long long)want, (unsigned long long)br,
		       (unsigned long long)(branches ? t->branches : 0));
	else
		report(ins >= want && (!branches || br >= t->branches),
		       "%s: %llu instructions (at least %llu), %llu branches", t->name,
		       (unsigned long long)ins, (unsigned long long)want, (unsigned long long)br);
}

static void insn_nmi_handler(struct ex_regs *regs)
{
	insn_nmi.count++;
	insn_nmi.rip = regs->rip;
	insn_nmi.rcx = regs->rcx;
	apic_set_lvtpc(APIC_DM_NMI);	/* SDM vol. 3A 11.5.1: the handler unmasks it */
}

/*
 * Counter 0 counts instructions, preloaded so that it overflows at the
 * INSN_PMI_AT-th iteration (after the two MOVs); the PMI is an NMI.
 */
static void insn_check_loop_pmi(bool exact)
{
	uint64_t sel = pmu_event_select(&caps, PMU_EVENT_INSTRUCTIONS, EVTSEL_OS | EVTSEL_USR | EVTSEL_INT);
	uint64_t preload = -(uint64_t)(2 + INSN_PMI_AT) & pmu_counter_mask(&caps);
	uint64_t at = (uint64_t)(uintptr_t)insn_pmi_loop_at;

	pmu_reset_all(&caps);
	insn_nmi = (struct insn_nmi){ 0 };
	idt_set_handler(NMI_VECTOR, insn_nmi_handler);
	apic_set_lvtpc(APIC_DM_NMI);
	wrmsr(pmu_counter_msr(&caps, 0), preload);
	if (caps.has_global) {
		wrmsr(pmu_evtsel_msr(&caps, 0), sel);
		insn_run(insn_pmi_loop, pmu_global_ctrl_msr(&caps), 1, 0);
	} else {
		insn_run(insn_pmi_loop, pmu_evtsel_msr(&caps, 0), sel, 0);
	}
	apic_set_lvtpc(APIC_LVT_MASKED);
	idt_set_handler(NMI_VECTOR, NULL);
	pmu_reset_all(&caps);
	report_eq(insn_nmi.count, 1, "a counter overflowing inside a LOOP to itself raises one PMI");
	if (exact)
		report(insn_nmi.rip == at && insn_nmi.rcx == INSN_PMI_LOOPS - INSN_PMI_AT,
		       "the PMI arrives after iteration %d: RIP %#llx (want %#llx), RCX %llu (want %d)",
		       INSN_PMI_AT, (unsigned long long)insn_nmi.rip, (unsigned long long)at,
		       (unsigned long long)insn_nmi.rcx, INSN_PMI_LOOPS - INSN_PMI_AT);
	else
		report(insn_nmi.rip == at && insn_nmi.rcx <= INSN_PMI_LOOPS - INSN_PMI_AT,
		       "the PMI arrives at or after iteration %d (RCX %llu)", INSN_PMI_AT,
		       (unsigned long long)insn_nmi.rcx);
}

static uint64_t insn_tsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Reference cycles (Intel) or cycles (AMD, whose core clock the model runs at the TSC rate). */
static void insn_check_tsc(const struct insn_case *t, bool exact)
{
	enum pmu_event e = caps.intel ? PMU_EVENT_REF_CYCLES : PMU_EVENT_CYCLES;
	uint64_t sel = pmu_event_select(&caps, e, EVTSEL_OS | EVTSEL_USR);
	uint64_t want = t->insns + INSN_TAIL, t0, t1, ref;

	if (!pmu_event_available(&caps, e)) {
		report_skip("reference cycles and the TSC", "event not available (CPUID)");
		return;
	}
	pmu_reset_all(&caps);
	t0 = insn_tsc();
	if (caps.has_global) {
		wrmsr(pmu_evtsel_msr(&caps, 0), sel);
		insn_run(t->block, pmu_global_ctrl_msr(&caps), 1, 0);
	} else {
		insn_run(t->block, pmu_evtsel_msr(&caps, 0), sel, 0);
	}
	t1 = insn_tsc();
	ref = rdmsr(pmu_counter_msr(&caps, 0));
	pmu_reset_all(&caps);
	report(ref > 0 && ref <= t1 - t0 && (!exact || ref == want),
	       "%s: %llu %s, no more than the %llu TSC ticks it took%s", t->name, (unsigned long long)ref,
	       caps.intel ? "reference cycles" : "cycles", (unsigned long long)(t1 - t0),
	       exact ? " (one per instruction)" : "");
}

int main(const struct vmm_bootinfo *bi)
{
	bool exact = bi->pmu_mode == VMM_PMU_MODE_SOFT;

	pmu_init(&caps);
	if (!pmu_present(&caps) || !pmu_event_available(&caps, PMU_EVENT_INSTRUCTIONS)) {
		report_skip("instruction kinds", "no PMU, or instructions retired not available");
		tap_done();
	}
	apic_enable(0xff);
	tap_plan(INSN_NR_CASES + INSN_NR_EXTRA);
	for (unsigned int i = 0; i < INSN_NR_CASES; i++)
		insn_check(&insn_cases[i], exact);
	insn_check_loop_pmi(exact);
	insn_check_tsc(&insn_cases[0], exact);
	insn_check_tsc(&insn_cases[INSN_NR_CASES - 1], exact);
	tap_done();
}
