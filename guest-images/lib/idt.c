// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>

#include "console.h"
#include "idt.h"
#include "io.h"
#include "msr.h"
#include "tap.h"

/* SDM Vol. 3A 6.14.1: a 64-bit IDT gate descriptor. */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;	/* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IDT_KERNEL_CS		0x08	/* the 64-bit code segment of entry.S's GDT */
#define IDT_TYPE_INTR_GATE	0x8e	/* present, DPL 0, 64-bit interrupt gate */

extern const uint64_t idt_stub_table[IDT_ENTRIES];

static struct idt_gate idt_table[IDT_ENTRIES] __attribute__((aligned(16)));
static idt_handler_fn idt_handlers[IDT_ENTRIES];

static void idt_set_gate(unsigned int vec, uint64_t addr)
{
	struct idt_gate *g = &idt_table[vec];

	g->offset_lo = (uint16_t)addr;
	g->selector = IDT_KERNEL_CS;
	g->ist = 0;
	g->type_attr = IDT_TYPE_INTR_GATE;
	g->offset_mid = (uint16_t)(addr >> 16);
	g->offset_hi = (uint32_t)(addr >> 32);
	g->reserved = 0;
}

void idt_gate_set_offset(void *idt, unsigned int vec, uint64_t addr)
{
	uint8_t *g = (uint8_t *)idt + vec * sizeof(struct idt_gate);

	g[0] = (uint8_t)addr;
	g[1] = (uint8_t)(addr >> 8);
	g[6] = (uint8_t)(addr >> 16);
	g[7] = (uint8_t)(addr >> 24);
	for (int i = 0; i < 4; i++)
		g[8 + i] = (uint8_t)(addr >> (32 + 8 * i));
}

void idt_init(void)
{
	struct idt_ptr ptr = {
		.limit = sizeof(idt_table) - 1,
		.base = (uint64_t)(uintptr_t)idt_table,
	};

	for (unsigned int vec = 0; vec < IDT_ENTRIES; vec++)
		idt_set_gate(vec, idt_stub_table[vec]);
	asm volatile("lidt %0" : : "m"(ptr) : "memory");
}

idt_handler_fn idt_set_handler(unsigned int vec, idt_handler_fn fn)
{
	idt_handler_fn old;

	if (vec >= IDT_ENTRIES)
		return NULL;
	old = idt_handlers[vec];
	idt_handlers[vec] = fn;
	return old;
}

const char *idt_vector_name(unsigned int vec)
{
	static const char *const names[32] = {
		[DE_VECTOR] = "#DE", [DB_VECTOR] = "#DB", [NMI_VECTOR] = "NMI",
		[BP_VECTOR] = "#BP", [OF_VECTOR] = "#OF", [BR_VECTOR] = "#BR",
		[UD_VECTOR] = "#UD", [NM_VECTOR] = "#NM", [DF_VECTOR] = "#DF",
		[TS_VECTOR] = "#TS", [NP_VECTOR] = "#NP", [SS_VECTOR] = "#SS",
		[GP_VECTOR] = "#GP", [PF_VECTOR] = "#PF", [MF_VECTOR] = "#MF",
		[AC_VECTOR] = "#AC", [MC_VECTOR] = "#MC", [XM_VECTOR] = "#XM",
		[VE_VECTOR] = "#VE", [CP_VECTOR] = "#CP",
	};

	if (vec >= 32)
		return "IRQ";
	return names[vec] ? names[vec] : "reserved";
}

void idt_dump_regs(const struct ex_regs *r)
{
	printf("# vector %llu (%s) at rip=%#018llx cs=%#llx rflags=%#llx error=%#llx\n",
	       (unsigned long long)r->vector, idt_vector_name(r->vector),
	       (unsigned long long)r->rip, (unsigned long long)r->cs,
	       (unsigned long long)r->rflags, (unsigned long long)r->error_code);
	if (r->vector == PF_VECTOR)
		printf("# cr2=%#018lx\n", read_cr2());
	printf("# rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
	       (unsigned long long)r->rax, (unsigned long long)r->rbx,
	       (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	printf("# rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n",
	       (unsigned long long)r->rsi, (unsigned long long)r->rdi,
	       (unsigned long long)r->rbp, (unsigned long long)r->rsp);
	printf("# r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n",
	       (unsigned long long)r->r8, (unsigned long long)r->r9,
	       (unsigned long long)r->r10, (unsigned long long)r->r11);
	printf("# r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n",
	       (unsigned long long)r->r12, (unsigned long long)r->r13,
	       (unsigned long long)r->r14, (unsigned long long)r->r15);
}

/* An exception nobody expected: show where, and fail the test. */
static void idt_default_handler(struct ex_regs *r)
{
	idt_dump_regs(r);
	report_abort("unexpected %s (vector %llu) at rip %#llx",
		     idt_vector_name(r->vector), (unsigned long long)r->vector,
		     (unsigned long long)r->rip);
}

void idt_dispatch(struct ex_regs *regs)
{
	idt_handler_fn fn;

	if (extable_fixup(regs))
		return;
	fn = idt_handlers[regs->vector & (IDT_ENTRIES - 1)];
	if (fn)
		fn(regs);
	else
		idt_default_handler(regs);
}
