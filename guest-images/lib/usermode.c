// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPL 3 for guests (usermode.h): a GDT with DPL-3 descriptors and a TSS,
 * user-accessible page-table entries for the image, IRETQ in and #UD out.
 */
#include "usermode.h"

#include <stddef.h>

#include "common/x86.h"

#include "idt.h"
#include "io.h"
#include "tap.h"

#define PTE_P		(1ull << 0)
#define PTE_US		(1ull << 2)
#define PTE_PS		(1ull << 7)
#define PTE_ADDR	0x000ffffffffff000ull

#define USERMODE_KERNEL_CS	0x08
#define USERMODE_KERNEL_DS	0x10
#define USERMODE_STACK_SIZE	4096

/* SDM vol. 3A 8.7, figure 8-11: the 64-bit TSS. */
struct usermode_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct usermode_gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * SDM vol. 3A 3.4.5: the descriptors of entry.S (0x08-0x20, accessed bits
 * preset), the TSS (filled in at run time), then the DPL-3 descriptors in
 * the order SYSRET expects: 32-bit code, data, 64-bit code.
 */
static uint64_t usermode_gdt[10] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffull,	/* 0x08: 64-bit code, DPL 0 */
	0x00cf93000000ffffull,	/* 0x10: data, DPL 0 */
	0x00cf9b000000ffffull,	/* 0x18: 32-bit code, DPL 0 */
	0x00cf93000000ffffull,	/* 0x20: 32-bit data, DPL 0 */
	0, 0,			/* 0x28: TSS */
	0x00cffb000000ffffull,	/* 0x38: 32-bit code, DPL 3 */
	0x00cff3000000ffffull,	/* 0x40: data, DPL 3 */
	0x00affb000000ffffull,	/* 0x48: 64-bit code, DPL 3 */
};

static struct usermode_tss usermode_tss __attribute__((aligned(16)));
static uint8_t usermode_stack[USERMODE_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t usermode_kernel_rsp;
static bool usermode_ready;

extern const char _start[], _end[];
extern const char usermode_return_ud2[], usermode_resume[];
uint64_t usermode_enter(usermode_fn fn, uint64_t arg, uint64_t user_rsp,
			uint64_t *kernel_rsp, uint64_t *tss_rsp0);

/*
 * usermode_enter(fn, arg, user_rsp, &kernel_rsp, &tss.rsp0): save the
 * callee-saved registers, remember the stack (and make it RSP0, so that
 * the #UD from CPL 3 lands below it), then IRETQ to the trampoline at CPL 3
 * (SDM vol. 3A 6.14.3: in 64-bit mode IRETQ always pops SS:RSP).
 * RFLAGS at CPL 3 are the caller's, and the way back keeps those: a
 * debugger's (or the software PMU's) single-step TF must survive both IRETQs
 * or the code at CPL 3 would run unobserved. IOPL stays 0.
 * The trampoline calls fn(arg) and ends with UD2. usermode_ud_handler()
 * resumes at usermode_resume at CPL 0, with RSP = kernel_rsp and RAX =
 * fn's result.
 */
asm(".text\n\t"
    ".globl usermode_enter\n"
    "usermode_enter:\n\t"
    "push %rbx\n\t"
    "push %rbp\n\t"
    "push %r12\n\t"
    "push %r13\n\t"
    "push %r14\n\t"
    "push %r15\n\t"
    "mov %rsp, (%rcx)\n\t"
    "mov %rsp, (%r8)\n\t"
    "pushq $" "0x43" "\n\t"		/* SS: USERMODE_DS_SEL */
    "push %rdx\n\t"			/* RSP */
    "pushfq\n\t"			/* RFLAGS: the caller's, TF included */
    "pushq $" "0x4b" "\n\t"		/* CS: USERMODE_CS_SEL */
    "lea usermode_trampoline(%rip), %rax\n\t"
    "push %rax\n\t"
    "iretq\n"
    "usermode_trampoline:\n\t"
    "mov %rdi, %rax\n\t"
    "mov %rsi, %rdi\n\t"
    "call *%rax\n\t"
    ".globl usermode_return_ud2\n"
    "usermode_return_ud2:\n\t"
    "ud2\n\t"
    ".globl usermode_resume\n"
    "usermode_resume:\n\t"
    "mov $" "0x10" ", %ecx\n\t"		/* USERMODE_KERNEL_DS: IRET nulled DS-GS */
    "mov %ecx, %ds\n\t"
    "mov %ecx, %es\n\t"
    "mov %ecx, %fs\n\t"
    "mov %ecx, %gs\n\t"
    "pop %r15\n\t"
    "pop %r14\n\t"
    "pop %r13\n\t"
    "pop %r12\n\t"
    "pop %rbp\n\t"
    "pop %rbx\n\t"
    "ret\n");

_Static_assert(USERMODE_DS_SEL == 0x43 && USERMODE_CS_SEL == 0x4b &&
	       USERMODE_KERNEL_DS == 0x10, "selectors are spelled out in usermode_enter");

/* SDM vol. 3A 8.2.3, figure 8-4: a 16-byte available 64-bit TSS descriptor. */
static void usermode_set_tss_desc(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&usermode_tss;
	uint64_t limit = sizeof(usermode_tss) - 1;

	usermode_tss.iomap_base = sizeof(usermode_tss);	/* no I/O bitmap */
	usermode_gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 |
			  0x89ull << 40 |			/* P, DPL 0, type 9 */
			  ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	usermode_gdt[6] = base >> 32;
}

static void usermode_load_gdt(void)
{
	struct usermode_gdt_ptr p = {
		.limit = sizeof(usermode_gdt) - 1,
		.base = (uint64_t)(uintptr_t)usermode_gdt,
	};

	usermode_set_tss_desc();
	/* The kernel descriptors are the ones already loaded: no reload of CS/SS needed. */
	asm volatile("lgdt %0\n\tltr %w1" : : "m"(p), "r"(USERMODE_TSS_SEL) : "memory");
}

static uint64_t *usermode_table(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/* SDM vol. 3A 4.6.1: U/S must be set at every level for a user access. */
static void usermode_allow_page(uint64_t va)
{
	uint64_t *pml4 = usermode_table(read_cr3());
	uint64_t *e = &pml4[(va >> 39) & 511];

	for (int shift = 30; ; shift -= 9) {
		if (!(*e & PTE_P))
			report_abort("usermode: %#llx is not mapped", (unsigned long long)va);
		*e |= PTE_US;
		if (shift < 12 || (*e & PTE_PS))
			return;
		e = &usermode_table(*e)[(va >> shift) & 511];
	}
}

static void usermode_allow_image(void)
{
	uint64_t va = (uint64_t)(uintptr_t)_start & ~0xfffull;
	uint64_t end = (uint64_t)(uintptr_t)_end;

	for (; va < end; va += 4096)
		usermode_allow_page(va);
	/* CR4.PGE is not used, so reloading CR3 flushes every translation. */
	asm volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

static void usermode_write_cr4(unsigned long v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

void usermode_init(void)
{
	if (usermode_ready)
		return;
	/* The kernel side touches the now user-accessible image. */
	usermode_write_cr4(read_cr4() & ~(CR4_SMEP | CR4_SMAP));
	usermode_load_gdt();
	usermode_allow_image();
	usermode_ready = true;
}

void usermode_set_pce(bool on)
{
	unsigned long cr4 = read_cr4();

	usermode_write_cr4(on ? cr4 | CR4_PCE : cr4 & ~CR4_PCE);
}

void usermode_set_tsd(bool on)
{
	unsigned long cr4 = read_cr4();

	usermode_write_cr4(on ? cr4 | CR4_TSD : cr4 & ~CR4_TSD);
}

/* The UD2 after fn, executed at CPL 3, is the way back to CPL 0. */
static void usermode_ud_handler(struct ex_regs *r)
{
	if (r->rip != (uint64_t)(uintptr_t)usermode_return_ud2 || (r->cs & 3) != 3) {
		idt_dump_regs(r);
		report_abort("unexpected #UD at rip %#llx (cs %#llx)",
			     (unsigned long long)r->rip, (unsigned long long)r->cs);
	}
	r->rip = (uint64_t)(uintptr_t)usermode_resume;
	r->cs = USERMODE_KERNEL_CS;
	r->ss = USERMODE_KERNEL_DS;
	r->rsp = usermode_kernel_rsp;
	/* r->rflags stays: the flags fn ran with, which are the caller's. */
}

/* TSS.RSP0, at offset 4 of the packed TSS. */
static uint64_t *usermode_rsp0(void)
{
	return (uint64_t *)(void *)((uint8_t *)&usermode_tss + offsetof(struct usermode_tss, rsp));
}

uint64_t usermode_call(usermode_fn fn, uint64_t arg)
{
	idt_handler_fn old;
	uint64_t ret;

	usermode_init();
	old = idt_set_handler(UD_VECTOR, usermode_ud_handler);
	ret = usermode_enter(fn, arg, (uint64_t)(uintptr_t)(usermode_stack + USERMODE_STACK_SIZE),
			     &usermode_kernel_rsp, usermode_rsp0());
	idt_set_handler(UD_VECTOR, old);
	return ret;
}
