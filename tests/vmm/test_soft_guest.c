// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stepping engine's reading of guest state (src/vmm/softpmu/guest.c):
 * CPL and code size from KVM's segment registers, IRET frames, IDT gates,
 * the vectors instructions raise, and the breakpoint the pending
 * instruction gets. Guest memory is a buffer read without paging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/x86.h"
#include "vmm/softpmu/account.h"
#include "vmm/softpmu/guest.h"

#define MEM_SIZE	0x10000
#define RFLAGS_VM	(1ULL << 17)	/* SDM vol. 3 2.3: virtual-8086 mode */

static uint8_t mem[MEM_SIZE];

/* Guest RAM without paging: linear addresses are physical ones. */
static struct gva_ctx flat(void)
{
	return (struct gva_ctx){ .mem = mem, .mem_size = MEM_SIZE };
}

static void put(uint64_t addr, uint64_t val, unsigned int size)
{
	assert_true(addr + size <= MEM_SIZE);
	for (unsigned int i = 0; i < size; i++)
		mem[addr + i] = (uint8_t)(val >> (8 * i));
}

static const struct cpl_case {
	const char *name;
	uint64_t cr0, efer, rflags;
	uint16_t cs, ss_dpl;
	unsigned int cpl;
} cpl_cases[] = {
	{ "real mode", 0, 0, 0, 0xf003, 0, 0 },
	{ "real mode ignores RFLAGS.VM", 0, 0, RFLAGS_VM, 0x1000, 0, 0 },
	{ "protected mode, ring 0", CR0_PE, 0, 0, 0x08, 0, 0 },
	{ "protected mode, ring 3", CR0_PE, 0, 0, 0x1b, 3, 3 },
	{ "protected mode, ring 1", CR0_PE, 0, 0, 0x11, 1, 1 },
	{ "virtual-8086 mode: 3 whatever CS", CR0_PE, 0, RFLAGS_VM, 0x1230, 0, 3 },
	{ "long mode, ring 0", CR0_PE | CR0_PG, EFER_LME | EFER_LMA, 0, 0x08, 0, 0 },
	{ "long mode, ring 3", CR0_PE | CR0_PG, EFER_LME | EFER_LMA, 0, 0x2b, 3, 3 },
};

static void test_cpl(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cpl_cases) / sizeof(cpl_cases[0]); i++) {
		const struct cpl_case *t = &cpl_cases[i];
		struct kvm_sregs sr = { .cr0 = t->cr0, .efer = t->efer };

		sr.cs.selector = t->cs;
		sr.cs.dpl = (uint8_t)(t->cs & 3);
		sr.ss.dpl = (uint8_t)t->ss_dpl;
		print_message("# %s\n", t->name);
		assert_int_equal(soft_guest_cpl(&sr, t->rflags), t->cpl);
	}
}

static const struct mode_case {
	const char *name;
	uint64_t cr0, efer;
	uint8_t l, db;
	int mode;
} mode_cases[] = {
	{ "real mode", 0, 0, 0, 0, 16 },
	{ "16-bit protected mode", CR0_PE, 0, 0, 0, 16 },
	{ "32-bit protected mode", CR0_PE, 0, 0, 1, 32 },
	{ "CS.L without EFER.LMA is ignored", CR0_PE, 0, 1, 1, 32 },
	{ "64-bit mode", CR0_PE | CR0_PG, EFER_LME | EFER_LMA, 1, 0, 64 },
	{ "compatibility mode, 32-bit", CR0_PE | CR0_PG, EFER_LME | EFER_LMA, 0, 1, 32 },
	{ "compatibility mode, 16-bit", CR0_PE | CR0_PG, EFER_LME | EFER_LMA, 0, 0, 16 },
};

static void test_mode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mode_cases) / sizeof(mode_cases[0]); i++) {
		const struct mode_case *t = &mode_cases[i];
		struct kvm_sregs sr = { .cr0 = t->cr0, .efer = t->efer };

		sr.cs.l = t->l;
		sr.cs.db = t->db;
		print_message("# %s\n", t->name);
		assert_int_equal(soft_guest_mode(&sr), t->mode);
	}
}

#define LONG	CR0_PE | CR0_PG, EFER_LME | EFER_LMA, 1
#define PROT32	CR0_PE, 0, 0

static const struct iret_case {
	const char *name;
	uint64_t cr0, efer;
	uint8_t cs_l, ss_db;
	uint64_t ss_base, rsp;
	uint64_t frame;		/* where the frame is written */
	unsigned int opsize;	/* of the IRET (0: default) */
	unsigned int size;	/* of the frame's entries */
	uint64_t rip, cs;
	bool ok;
	uint64_t target;
	bool to_user;
} iret_cases[] = {
	{ "IRETQ to ring 0", LONG, 0, 0, 0x8000, 0x8000, 8, 8, 0xffffffff80001234, 0x08, true,
	  0xffffffff80001234, false },
	{ "IRETQ to ring 3", LONG, 0, 0, 0x8000, 0x8000, 8, 8, 0x401000, 0x2b, true, 0x401000, true },
	{ "IRETD in 64-bit mode: 4-byte entries", LONG, 0, 0, 0x8000, 0x8000, 4, 4, 0x2000, 0x23, true, 0x2000, true },
	{ "IRETD, 32-bit stack above SS base, to ring 0", PROT32, 1, 0x1000, 0xabcd0000000007f0, 0x17f0, 0, 4,
	  0xc0001000, 0x10, true, 0xc0001000, false },
	{ "IRETD to ring 3", PROT32, 1, 0, 0x9000, 0x9000, 4, 4, 0x08048000, 0x1b, true, 0x08048000, true },
	{ "IRET (16-bit) on a 16-bit stack: SP only", PROT32, 0, 0x2000, 0x12340400, 0x2400, 2, 2, 0x1234, 0x0b, true,
	  0x1234, true },
	{ "IRET (16-bit) to ring 0", PROT32, 0, 0x2000, 0x0400, 0x2400, 2, 2, 0xbeef, 0x08, true, 0xbeef, false },
	{ "real mode: CS low bits are no privilege", 0, 0, 0, 0, 0x3000, 0x0500, 0x3500, 2, 2, 0x0100, 0x0003, true,
	  0x0100, false },
	{ "frame beyond RAM", LONG, 0, 0, MEM_SIZE - 8, 0, 8, 0, 0, 0, false, 0, false },
	{ "odd operand size", LONG, 0, 0, 0x8000, 0x8000, 3, 0, 0, 0, false, 0, false },
};

static void test_iret(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(iret_cases) / sizeof(iret_cases[0]); i++) {
		const struct iret_case *t = &iret_cases[i];
		struct kvm_sregs sr = { .cr0 = t->cr0, .efer = t->efer };
		struct gva_ctx g = flat();
		uint64_t target = 0x5a5a;
		bool to_user = !t->to_user;

		sr.cs.l = t->cs_l;
		sr.cs.db = !t->cs_l;
		sr.ss.db = t->ss_db;
		sr.ss.base = t->ss_base;
		memset(mem, 0xee, sizeof(mem));
		if (t->size) {
			put(t->frame, t->rip, t->size);
			put(t->frame + t->size, t->cs, t->size);
			put(t->frame + 2 * t->size, 0x2, t->size);	/* RFLAGS */
		}
		print_message("# %s\n", t->name);
		assert_int_equal(soft_guest_iret_target(&sr, t->rsp, &g, t->opsize, &target, &to_user), t->ok);
		if (!t->ok) {
			assert_int_equal(target, 0x5a5a);
			continue;
		}
		assert_int_equal(target, t->target);
		assert_int_equal(to_user, t->to_user);
	}
}

#define IDT	0x4000

static const struct gate_case {
	const char *name;
	uint64_t cr0, efer;
	uint16_t limit;
	uint64_t idt;
	unsigned int vector;
	uint8_t type;		/* byte 5 of the gate: P, DPL, type */
	bool ok;
	uint64_t handler;
} gate_cases[] = {
	{ "16-byte gate", CR0_PE | CR0_PG, EFER_LMA, 0xfff, IDT, 0x21, 0x8e, true, 0xffffffff81234567 },
	{ "16-byte gate, last byte at the limit", CR0_PE | CR0_PG, EFER_LMA, 0x22 * 16 - 1, IDT, 0x21, 0x8e, true,
	  0xffffffff81234567 },
	{ "16-byte gate one byte beyond the limit", CR0_PE | CR0_PG, EFER_LMA, 0x22 * 16 - 2, IDT, 0x21, 0x8e, false,
	  0 },
	{ "16-byte gate not present", CR0_PE | CR0_PG, EFER_LMA, 0xfff, IDT, 0x21, 0x0e, false, 0 },
	{ "8-byte gate: no high offset", CR0_PE, 0, 0x7ff, IDT, 0x21, 0x8e, true, 0x81234567 },
	{ "8-byte gate, last byte at the limit", CR0_PE, 0, 0x22 * 8 - 1, IDT, 0x21, 0x8e, true, 0x81234567 },
	{ "8-byte gate beyond the limit", CR0_PE, 0, 0x21 * 8 + 6, IDT, 0x21, 0x8e, false, 0 },
	{ "8-byte gate not present", CR0_PE, 0, 0x7ff, IDT, 0x21, 0x0f, false, 0 },
	{ "trap gate, DPL 3", CR0_PE, 0, 0x7ff, IDT, 0x21, 0xef, true, 0x81234567 },
	{ "real mode: no gates", 0, 0, 0x3ff, IDT, 0x21, 0x8e, false, 0 },
	{ "vector above 255", CR0_PE, 0, 0xffff, IDT, 0x121, 0x8e, false, 0 },
	{ "IDT beyond RAM", CR0_PE | CR0_PG, EFER_LMA, 0xfff, MEM_SIZE - 0x100, 0x21, 0x8e, false, 0 },
};

/* A gate with offset 0xffffffff81234567 at vector 0x21 for both sizes (bytes 8-11 unused in 8-byte gates). */
static void put_gate(uint64_t idt, unsigned int vector, unsigned int size, uint8_t type)
{
	uint64_t at = idt + (uint64_t)vector * size;

	if (at + 16 > MEM_SIZE)
		return;
	put(at, 0x4567, 2);
	put(at + 2, 0x10, 2);		/* selector */
	put(at + 4, (uint64_t)type << 8, 2);
	put(at + 6, 0x8123, 2);
	put(at + 8, 0xffffffff, 4);
	put(at + 12, 0, 4);
}

static void test_gate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gate_cases) / sizeof(gate_cases[0]); i++) {
		const struct gate_case *t = &gate_cases[i];
		struct kvm_sregs sr = { .cr0 = t->cr0, .efer = t->efer };
		struct gva_ctx g = flat();
		uint64_t handler = 0x5a5a;

		sr.idt.base = t->idt;
		sr.idt.limit = t->limit;
		memset(mem, 0, sizeof(mem));
		put_gate(t->idt, t->vector, (t->efer & EFER_LMA) ? 16 : 8, t->type);
		print_message("# %s\n", t->name);
		assert_int_equal(soft_guest_gate_handler(&sr, &g, t->vector, &handler), t->ok);
		assert_int_equal(handler, t->ok ? t->handler : 0x5a5a);
	}
}

static const struct raised_case {
	const char *name;
	uint8_t bytes[4];
	size_t len;
	uint64_t addr;
	int vector;
} raised_cases[] = {
	{ "UD2", { 0x0f, 0x0b }, 2, 0x1000, 6 },
	{ "INT3", { 0xcc }, 1, 0x1000, 3 },
	{ "INT 21h", { 0xcd, 0x21 }, 2, 0x1000, 0x21 },
	{ "INT 3 (CD 03)", { 0xcd, 0x03 }, 2, 0x1000, 3 },
	{ "INTO: only with OF", { 0xce }, 1, 0x1000, -1 },
	{ "NOP", { 0x90 }, 1, 0x1000, -1 },
	{ "RET", { 0xc3 }, 1, 0x1000, -1 },
	{ "INT n whose immediate lies beyond RAM", { 0xcd, 0x21 }, 2, MEM_SIZE - 1, -1 },
};

static void test_raised_vector(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(raised_cases) / sizeof(raised_cases[0]); i++) {
		const struct raised_case *t = &raised_cases[i];
		struct gva_ctx g = flat();
		struct x86_insn_class c;

		memset(mem, 0, sizeof(mem));
		memcpy(&mem[t->addr], t->bytes, t->addr + t->len <= MEM_SIZE ? t->len : MEM_SIZE - t->addr);
		assert_int_equal(x86_classify(t->bytes, t->len, 32, &c), 0);
		print_message("# %s\n", t->name);
		assert_int_equal(soft_guest_raised_vector(&g, t->addr, &c), t->vector);
	}
}

#define CODE	0x1000
#define STACK	0x8000

static const struct bp_case {
	const char *name;
	uint8_t bytes[4];
	size_t len;
	uint8_t type;		/* of the gates at 0x21, 6 and 0x30 */
	int timer_vector;
	uint64_t rip_on_stack;	/* of an IRET frame at STACK; 0: none written */
	struct soft_guest_bp bp;
} bp_cases[] = {
	{ "IRETQ to ring 3", { 0x48, 0xcf }, 2, 0x8e, -1, 0x401000,
	  { .kind = BP_IRET, .addr = 0x401000, .step = true, .iret_to_user = true } },
	{ "IRETQ, frame beyond RAM", { 0x48, 0xcf }, 2, 0x8e, -1, 0, { .kind = BP_NONE, .step = true } },
	{ "INT 21h enters its handler, and retires there", { 0xcd, 0x21 }, 2, 0x8e, -1, 0,
	  { .kind = BP_EVENT, .addr = 0xffffffff81234567, .step = true, .retires_into = true } },
	{ "INT 21h without a present gate", { 0xcd, 0x21 }, 2, 0x0e, -1, 0, { .kind = BP_NONE, .step = true } },
	{ "UD2 enters the #UD handler, not retired", { 0x0f, 0x0b }, 2, 0x8e, -1, 0,
	  { .kind = BP_EVENT, .addr = 0xffffffff81234567, .step = true } },
	{ "HLT woken by the timer: breakpoint only", { 0xf4 }, 1, 0x8e, 0x30, 0,
	  { .kind = BP_EVENT, .addr = 0xffffffff81234567, .step = false, .retires_into = true } },
	{ "HLT, timer masked", { 0xf4 }, 1, 0x8e, -1, 0, { .kind = BP_NONE, .step = true } },
	{ "NOP", { 0x90 }, 1, 0x8e, 0x30, 0, { .kind = BP_NONE, .step = true } },
};

static void test_breakpoint(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bp_cases) / sizeof(bp_cases[0]); i++) {
		const struct bp_case *t = &bp_cases[i];
		struct kvm_sregs sr = { .cr0 = CR0_PE | CR0_PG, .efer = EFER_LME | EFER_LMA };
		struct gva_ctx g = flat();
		struct x86_insn_class c;
		struct soft_guest_bp bp;
		uint64_t rsp = t->rip_on_stack ? STACK : MEM_SIZE - 4;

		sr.cs.l = 1;
		sr.idt.base = IDT;
		sr.idt.limit = 0xfff;
		memset(mem, 0, sizeof(mem));
		memcpy(&mem[CODE], t->bytes, t->len);
		put_gate(IDT, 0x21, 16, t->type);
		put_gate(IDT, 6, 16, t->type);
		put_gate(IDT, 0x30, 16, t->type);
		if (t->rip_on_stack) {
			put(STACK, t->rip_on_stack, 8);
			put(STACK + 8, 0x2b, 8);
		}
		assert_int_equal(x86_classify(t->bytes, t->len, 64, &c), 0);
		print_message("# %s\n", t->name);
		soft_guest_breakpoint(&sr, rsp, &g, CODE, &c, t->timer_vector, &bp);
		assert_int_equal(bp.kind, t->bp.kind);
		assert_int_equal(bp.addr, t->bp.addr);
		assert_int_equal(bp.step, t->bp.step);
		assert_int_equal(bp.iret_to_user, t->bp.iret_to_user);
		assert_int_equal(bp.retires_into, t->bp.retires_into);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpl),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_iret),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_raised_vector),
		cmocka_unit_test(test_breakpoint),
	};

	return cmocka_run_group_tests_name("soft_guest", tests, NULL, NULL);
}
