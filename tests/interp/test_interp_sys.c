// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table-driven tests of event delivery (interp_deliver()) and of the system
 * instructions of interp_step(): INT n, INT3, INT1, IRET, SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT, SWAPGS and far JMP/CALL/RET. Each row sets up one of
 * four machines (long mode at CPL 0 or 3, 32-bit protected mode without
 * paging, real mode) with a GDT, a TSS and an IDT, then runs an instruction
 * or delivers an event, and checks the status, the vector, the error code,
 * CS, RIP, RSP, RFLAGS and the frame on the new stack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "interp/interp.h"

#define RAM (4u << 20)
#define GDT 0x4000
#define TSS 0x4800
#define IDT64 0x5000		/* 256 16-byte gates */
#define IDT32 0x6000		/* 256 8-byte gates */
#define IVT 0x7000		/* real mode: 256 far pointers */
#define CODE 0x10000
#define HANDLERS 0x11000	/* vector v: HANDLERS + 16 v */
#define DATA 0x20000
#define STACK 0x30800
#define RSP0 0x38000
#define IST1 0x3c000
#define NONCANON 0x0000800000000000ULL

/* GDT: the SYSCALL/SYSRET layout (STAR 0x0018_0008), which is also SYSENTER_CS = 0x08's. */
#define K_CS 0x08		/* 64-bit code, DPL 0 */
#define K_DS 0x10		/* data, DPL 0 */
#define U_CS32 0x1b		/* 32-bit code, DPL 3 */
#define U_DS 0x23		/* data, DPL 3 */
#define U_CS 0x2b		/* 64-bit code, DPL 3 */
#define U_DS2 0x33		/* data, DPL 3 (SYSEXIT's 64-bit SS) */
#define K_CS32 0x38		/* 32-bit code, DPL 0 */
#define TSS_SEL 0x40		/* 16 bytes in long mode, 8 in protected mode */
#define NP_CS 0x50		/* 64-bit code, DPL 0, not present */
#define DATA_SEL 0x58		/* data, DPL 0: not a code segment */
#define CONF_CS 0x60		/* conforming 64-bit code, DPL 0 */

static uint8_t ram[RAM];

enum machine { LM, PM, RM };

struct gate {
	uint8_t vector;
	uint8_t type;		/* 0: the default (interrupt gate); 0xf trap gate; 5 task gate */
	uint8_t dpl;
	bool not_present;
	uint8_t ist;
	uint16_t sel;		/* 0: the kernel code segment */
	uint64_t off;		/* 0: HANDLERS + 16 vector */
};

struct rv {
	int reg;		/* INTERP_xxx + 1; 0 ends the list */
	uint64_t val;
};
#define R(r, v) { INTERP_##r + 1, (v) }

struct row {
	const char *name;
	enum machine m;
	unsigned int cpl;
	const char *bytes;		/* the instruction, or NULL: deliver ev */
	unsigned int len;
	struct interp_event ev;
	struct gate gates[3];		/* vector 0 with off 0 ends the list (vector 0 itself: set off) */
	struct rv in[4];
	uint64_t fl_in;			/* 0: 0x2 */
	uint64_t stack_in[5];		/* words at RSP before (the frame size of the machine) */
	uint64_t rsp0;			/* 0: RSP0 */
	uint16_t idt_limit;		/* 0: all 256 vectors */
	bool amd, no_sce;
	uint16_t cs_in;			/* non-zero: CS (from the GDT) instead of the machine's */
	enum interp_status status;
	uint8_t vector;			/* the fault, or the vector delivered */
	uint32_t error;
	uint16_t cs_out;
	uint64_t rip_out, rsp_out, fl_out;
	uint64_t frame[6];		/* words at the new RSP */
	unsigned int nframe;
	struct rv out[3];
	uint64_t cr2_out;		/* non-zero: CR2 after */
	int sreg;			/* INTERP_xS + 1: that segment register after */
	uint16_t sreg_sel;
	uint64_t sreg_base;
	bool sreg_unusable;
	uint8_t sreg_dpl;
};
#define SEG(r, sel_, base_, unusable_, dpl_) .sreg = INTERP_##r + 1, .sreg_sel = (sel_), \
	.sreg_base = (base_), .sreg_unusable = (unusable_), .sreg_dpl = (dpl_)

#define B(s) .bytes = s, .len = sizeof(s) - 1
#define H(v) (HANDLERS + 16u * (v))

static void put64(uint64_t a, uint64_t v)
{
	memcpy(ram + a, &v, 8);
}

static void put32(uint64_t a, uint32_t v)
{
	memcpy(ram + a, &v, 4);
}

static uint64_t get(uint64_t a, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, ram + a, size);
	return v;
}

/* What the processor's hidden part holds for a GDT descriptor (SDM vol. 3 3.4.5). */
static struct interp_seg seg_of(uint16_t sel)
{
	uint64_t d = get(GDT + (sel & ~7u), 8);
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	struct interp_seg s = {
		.base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000),
		.sel = sel,
		.type = (uint8_t)((d >> 40) & 0xf),
		.s = (d >> 44) & 1,
		.dpl = (uint8_t)((d >> 45) & 3),
		.present = (d >> 47) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};

	s.limit = s.g ? (limit << 12) | 0xfff : limit;
	return s;
}

static void write_gate(enum machine m, const struct gate *g)
{
	uint64_t off = g->off ? g->off : H(g->vector);
	uint64_t sel = g->sel ? g->sel : (m == LM ? K_CS : K_CS32);
	uint64_t lo = (off & 0xffff) | (sel << 16) | ((uint64_t)(g->ist & 7) << 32) |
		      ((uint64_t)(g->type ? g->type : 0xe) << 40) | ((uint64_t)g->dpl << 45) |
		      ((uint64_t)!g->not_present << 47) | (((off >> 16) & 0xffff) << 48);

	if (m == LM) {
		put64(IDT64 + g->vector * 16u, lo);
		put64(IDT64 + g->vector * 16u + 8, off >> 32);
	} else if (m == PM) {
		put64(IDT32 + g->vector * 8u, lo);
	} else {
		put32(IVT + g->vector * 4u, (uint32_t)((off & 0xf) | ((off >> 4) << 16)));
	}
}

/* Page tables identity-map [0, 2 MiB) by one user, writable 2 MiB page; GDT, TSS; empty IDTs. */
static void machine(struct interp_cpu *c, const struct row *r)
{
	memset(ram, 0, 0x8000);
	put64(0x1000, 0x2000 | 7);
	put64(0x2000, 0x3000 | 7);
	put64(0x3000, 0x87);
	put64(GDT + K_CS, 0x00af9b000000ffffULL);
	put64(GDT + K_DS, 0x00cf93000000ffffULL);
	put64(GDT + 0x18, 0x00cffb000000ffffULL);
	put64(GDT + 0x20, 0x00cff3000000ffffULL);
	put64(GDT + 0x28, 0x00affb000000ffffULL);
	put64(GDT + 0x30, 0x00cff3000000ffffULL);
	put64(GDT + K_CS32, 0x00cf9b000000ffffULL);
	put64(GDT + NP_CS, 0x00af1b000000ffffULL);
	put64(GDT + DATA_SEL, 0x00cf93000000ffffULL);
	put64(GDT + CONF_CS, 0x00af9f000000ffffULL);
	memset(ram + TSS, 0, 0x68);
	memset(c, 0, sizeof(*c));
	c->gdtr.base = GDT;
	c->gdtr.limit = 0x6f;
	c->ldtr.unusable = true;
	c->tr.sel = TSS_SEL;
	c->tr.base = TSS;
	c->tr.limit = 0x67;
	c->tr.type = 11;
	c->tr.present = true;
	c->rflags = r->fl_in ? r->fl_in : 2;
	c->gpr[INTERP_RSP] = STACK;
	c->amd = r->amd;
	if (r->m == LM) {
		uint16_t cs = r->cpl ? U_CS : K_CS, ds = r->cpl ? U_DS2 : K_DS;

		put64(GDT + TSS_SEL, 0x00008b0000000067ULL | ((uint64_t)TSS << 16));
		put64(TSS + 4, r->rsp0 ? r->rsp0 : RSP0);
		put64(TSS + 0x24, IST1);
		c->cr0 = 0x80050033;
		c->cr3 = 0x1000;
		c->cr4 = 0x20;
		c->efer = r->no_sce ? 0xd00 : 0xd01;
		c->idtr.base = IDT64;
		c->idtr.limit = r->idt_limit ? r->idt_limit : 0xfff;
		c->seg[INTERP_CS] = seg_of(cs);
		for (int s = INTERP_ES; s <= INTERP_GS; s++)
			if (s != INTERP_CS)
				c->seg[s] = seg_of(ds);
		c->rip = CODE;
		c->star = 0x0018000800000000ULL;
		c->lstar = 0xffffffff81000000ULL;
		c->cstar = 0xffffffff81000100ULL;
		c->sfmask = 0x47700;		/* TF IF DF NT AC, as Linux */
		c->sysenter_cs = K_CS;
		c->sysenter_esp = 0xffffc90000001000ULL;
		c->sysenter_eip = 0xffffffff81000200ULL;
	} else if (r->m == PM) {
		uint16_t cs = r->cpl ? U_CS32 : K_CS32, ds = r->cpl ? U_DS : K_DS;

		put64(GDT + TSS_SEL, 0x00008b0000000067ULL | ((uint64_t)TSS << 16));
		put32(TSS + 4, (uint32_t)(r->rsp0 ? r->rsp0 : RSP0));
		put32(TSS + 8, K_DS);
		c->cr0 = 0x11;
		c->idtr.base = IDT32;
		c->idtr.limit = 0x7ff;
		c->seg[INTERP_CS] = seg_of(cs);
		for (int s = INTERP_ES; s <= INTERP_GS; s++)
			if (s != INTERP_CS)
				c->seg[s] = seg_of(ds);
		c->rip = CODE;
		c->sysenter_cs = K_CS32;
		c->sysenter_esp = 0x9000;
		c->sysenter_eip = 0x12000;
	} else {
		c->cr0 = 0x10;
		c->idtr.base = IVT;
		c->idtr.limit = 0x3ff;
		for (int s = INTERP_ES; s <= INTERP_GS; s++) {
			c->seg[s].limit = 0xffff;
			c->seg[s].type = s == INTERP_CS ? 11 : 3;
			c->seg[s].present = c->seg[s].s = true;
		}
		c->seg[INTERP_CS].sel = CODE >> 4;
		c->seg[INTERP_CS].base = CODE;
		c->seg[INTERP_SS].sel = 0x3000;
		c->seg[INTERP_SS].base = 0x30000;
		c->gpr[INTERP_RSP] = 0x800;
		c->rip = 0;
	}
}

static unsigned int word(enum machine m)
{
	return m == LM ? 8 : m == PM ? 4 : 2;
}

static const struct row rows[] = {
	/* long mode: INT n and its faults */
	{ .name = "int 0x80 from CPL 3 through a DPL 3 gate: RSP0, SS:RSP pushed", .m = LM, .cpl = 3,
	  B("\xcd\x80"), .gates = { { .vector = 0x80, .dpl = 3 } }, .fl_in = 0x202, .status = INTERP_RETIRED,
	  .cs_out = K_CS, .rip_out = H(0x80), .rsp_out = RSP0 - 40, .fl_out = 0x2,
	  .frame = { CODE + 2, U_CS, 0x202, STACK, U_DS2 }, .nframe = 5 },
	{ .name = "int 0x80 from CPL 3 through a DPL 0 gate is #GP(0x402)", .m = LM, .cpl = 3, B("\xcd\x80"),
	  .gates = { { .vector = 0x80 } }, .status = INTERP_FAULT, .vector = 13, .error = 0x80 * 8 + 2 },
	{ .name = "int 0x80 through a trap gate keeps IF, clears NT", .m = LM,
	  B("\xcd\x80"), .gates = { { .vector = 0x80, .type = 0xf } }, .fl_in = 0x4202,
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = H(0x80), .rsp_out = (STACK & ~0xfULL) - 40,
	  .fl_out = 0x202, .frame = { CODE + 2, K_CS, 0x4202, STACK, K_DS }, .nframe = 5 },
	{ .name = "int3 at CPL 0: same stack, 16-byte aligned", .m = LM, B("\xcc"),
	  .in = { R(RSP, STACK - 8) }, .gates = { { .vector = 3 } }, .status = INTERP_RETIRED, .cs_out = K_CS,
	  .rip_out = H(3), .rsp_out = STACK - 16 - 40, .fl_out = 0x2,
	  .frame = { CODE + 1, K_CS, 0x2, STACK - 8, K_DS }, .nframe = 5 },
	{ .name = "int1 from CPL 3 ignores the gate DPL", .m = LM, .cpl = 3, B("\xf1"),
	  .gates = { { .vector = 1 } }, .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = H(1),
	  .rsp_out = RSP0 - 40, .fl_out = 0x2, .frame = { CODE + 1, U_CS, 0x2, STACK, U_DS2 }, .nframe = 5 },
	{ .name = "int 0x80 through an IST gate", .m = LM, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .ist = 1 } }, .status = INTERP_RETIRED, .cs_out = K_CS,
	  .rip_out = H(0x80), .rsp_out = IST1 - 40, .fl_out = 0x2, .frame = { CODE + 2 }, .nframe = 1 },
	{ .name = "int 0x80 through a not-present gate is #NP(0x402)", .m = LM, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .not_present = true } }, .status = INTERP_FAULT, .vector = 11,
	  .error = 0x402 },
	{ .name = "int 0x80 to a non-canonical handler is #GP(0)", .m = LM, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .off = NONCANON } }, .status = INTERP_FAULT, .vector = 13, .error = 0 },
	{ .name = "int 0x80 through a task gate in long mode is #GP(0x402)", .m = LM, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .type = 5 } }, .status = INTERP_FAULT, .vector = 13, .error = 0x402 },
	{ .name = "int 0x80 to a not-present code segment is #NP(sel)", .m = LM, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .sel = NP_CS } }, .status = INTERP_FAULT, .vector = 11, .error = NP_CS },
	{ .name = "int 0x80 to a data segment is #GP(sel)", .m = LM, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .sel = DATA_SEL } }, .status = INTERP_FAULT, .vector = 13,
	  .error = DATA_SEL },
	{ .name = "int 0x80 from CPL 3 with RSP0 unmapped is #PF(W)", .m = LM, .cpl = 3, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .dpl = 3 } }, .rsp0 = 0x400000, .status = INTERP_FAULT, .vector = 14,
	  .error = 2 },
	{ .name = "int 0x80 from CPL 3 with a non-canonical RSP0 is #SS(0)", .m = LM, .cpl = 3, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .dpl = 3 } }, .rsp0 = NONCANON, .status = INTERP_FAULT, .vector = 12,
	  .error = 0 },
	{ .name = "int 0x80 to a conforming segment stays at CPL 3", .m = LM, .cpl = 3, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .dpl = 3, .sel = CONF_CS } }, .status = INTERP_RETIRED,
	  .cs_out = CONF_CS | 3, .rip_out = H(0x80), .rsp_out = STACK - 40, .fl_out = 0x2, .nframe = 0 },
	/* long mode: events through interp_deliver() */
	{ .name = "#PF from CPL 3: error code, RF in the frame", .m = LM, .cpl = 3,
	  .ev = { INTERP_EV_EXCEPTION, 14, true, 6, 0x1234 }, .gates = { { .vector = 14 } },
	  .fl_in = 0x202, .status = INTERP_RETIRED, .vector = 14, .cs_out = K_CS, .rip_out = H(14),
	  .rsp_out = RSP0 - 48, .fl_out = 0x2, .frame = { 6, CODE, U_CS, 0x10202, STACK, U_DS2 }, .nframe = 6 },
	{ .name = "external interrupt 0x20 at CPL 0", .m = LM, .ev = { INTERP_EV_EXTINT, 0x20, false, 0, 0 },
	  .gates = { { .vector = 0x20 } }, .fl_in = 0x202, .status = INTERP_RETIRED, .vector = 0x20,
	  .cs_out = K_CS, .rip_out = H(0x20), .rsp_out = STACK - 40, .fl_out = 0x2,
	  .frame = { CODE, K_CS, 0x202, STACK, K_DS }, .nframe = 5 },
	{ .name = "external interrupt from CPL 3 ignores the gate DPL", .m = LM, .cpl = 3,
	  .ev = { INTERP_EV_EXTINT, 0x20, false, 0, 0 }, .gates = { { .vector = 0x20 } }, .fl_in = 0x202,
	  .status = INTERP_RETIRED, .vector = 0x20, .cs_out = K_CS, .rip_out = H(0x20), .rsp_out = RSP0 - 40,
	  .fl_out = 0x2, .frame = { CODE, U_CS, 0x202, STACK, U_DS2 }, .nframe = 5 },
	{ .name = "NMI", .m = LM, .ev = { INTERP_EV_NMI, 0, false, 0, 0 }, .gates = { { .vector = 2 } },
	  .status = INTERP_RETIRED, .vector = 2, .cs_out = K_CS, .rip_out = H(2), .rsp_out = STACK - 40,
	  .fl_out = 0x2, .nframe = 0 },
	{ .name = "interrupt through a not-present gate: #NP(0x103) delivered", .m = LM,
	  .ev = { INTERP_EV_EXTINT, 0x20, false, 0, 0 },
	  .gates = { { .vector = 0x20, .not_present = true }, { .vector = 11 } }, .status = INTERP_RETIRED,
	  .vector = 11, .cs_out = K_CS, .rip_out = H(11), .rsp_out = STACK - 48, .fl_out = 0x2,
	  .frame = { 0x103, CODE, K_CS, 0x10002 }, .nframe = 4 },
	{ .name = "interrupt to a non-canonical handler: #GP(EXT) delivered", .m = LM,
	  .ev = { INTERP_EV_EXTINT, 0x20, false, 0, 0 },
	  .gates = { { .vector = 0x20, .off = NONCANON }, { .vector = 13 } }, .status = INTERP_RETIRED,
	  .vector = 13, .cs_out = K_CS, .rip_out = H(13), .rsp_out = STACK - 48, .fl_out = 0x2,
	  .frame = { 1, CODE }, .nframe = 2 },
	{ .name = "#GP whose gate is not present: #DF", .m = LM,
	  .ev = { INTERP_EV_EXCEPTION, 13, true, 0, 0 },
	  .gates = { { .vector = 13, .not_present = true }, { .vector = 8 } }, .status = INTERP_RETIRED,
	  .vector = 8, .cs_out = K_CS, .rip_out = H(8), .rsp_out = STACK - 48, .fl_out = 0x2,
	  .frame = { 0, CODE, K_CS, 0x10002 }, .nframe = 4 },
	{ .name = "#PF whose delivery faults on the stack: #DF", .m = LM, .cpl = 3,
	  .ev = { INTERP_EV_EXCEPTION, 14, true, 4, 0x5000 }, .rsp0 = 0x400000,
	  .gates = { { .vector = 14 }, { .vector = 8, .ist = 1 } }, .status = INTERP_RETIRED, .vector = 8,
	  .cs_out = K_CS, .rip_out = H(8), .rsp_out = IST1 - 48, .fl_out = 0x2,
	  .frame = { 0, CODE, U_CS }, .nframe = 3, .cr2_out = 0x400000 - 8 },
	{ .name = "#GP whose delivery takes a #PF: the #PF delivered, CR2 set", .m = LM, .cpl = 3,
	  .ev = { INTERP_EV_EXCEPTION, 13, true, 0, 0 }, .rsp0 = 0x400000,
	  .gates = { { .vector = 13 }, { .vector = 14, .ist = 1 } }, .status = INTERP_RETIRED, .vector = 14,
	  .cs_out = K_CS, .rip_out = H(14), .rsp_out = IST1 - 48, .fl_out = 0x2,
	  .frame = { 2, CODE, U_CS }, .nframe = 3, .cr2_out = 0x400000 - 8 },
	{ .name = "#GP, #DF not present either: triple fault falls back", .m = LM,
	  .ev = { INTERP_EV_EXCEPTION, 13, true, 0, 0 },
	  .gates = { { .vector = 13, .not_present = true }, { .vector = 8, .not_present = true } },
	  .status = INTERP_FALLBACK },
	{ .name = "PM: interrupt through a task gate falls back", .m = PM,
	  .ev = { INTERP_EV_EXTINT, 0x20, false, 0, 0 }, .gates = { { .vector = 0x20, .type = 5 } },
	  .status = INTERP_FALLBACK },
	{ .name = "interrupt beyond the IDT limit: #GP(0x103), its gate not present: #DF", .m = LM,
	  .ev = { INTERP_EV_EXTINT, 0x20, false, 0, 0 }, .gates = { { .vector = 8 } }, .idt_limit = 0x1ff,
	  .status = INTERP_RETIRED, .vector = 8, .cs_out = K_CS, .rip_out = H(8), .rsp_out = STACK - 48,
	  .fl_out = 0x2, .frame = { 0, CODE }, .nframe = 2 },
	/* long mode: IRET */
	{ .name = "iretq to CPL 3", .m = LM, B("\x48\xcf"), .stack_in = { 0x401000, U_CS, 0x246, 0x7ff0, U_DS2 },
	  .status = INTERP_RETIRED, .cs_out = U_CS, .rip_out = 0x401000, .rsp_out = 0x7ff0, .fl_out = 0x246 },
	{ .name = "iretq at CPL 0 pops SS:RSP too", .m = LM, B("\x48\xcf"),
	  .stack_in = { CODE + 0x40, K_CS, 0x3202, 0x9000, K_DS }, .status = INTERP_RETIRED, .cs_out = K_CS,
	  .rip_out = CODE + 0x40, .rsp_out = 0x9000, .fl_out = 0x3202 },
	{ .name = "iretq loads RF", .m = LM, B("\x48\xcf"),
	  .stack_in = { CODE + 0x40, K_CS, 0x10002, 0x9000, K_DS }, .status = INTERP_RETIRED, .cs_out = K_CS,
	  .rip_out = CODE + 0x40, .rsp_out = 0x9000, .fl_out = 0x10002 },
	{ .name = "iretq at CPL 0 to a null SS", .m = LM, B("\x48\xcf"),
	  .stack_in = { CODE + 0x40, K_CS, 0x2, 0x9000, 0 }, .status = INTERP_RETIRED, .cs_out = K_CS,
	  .rip_out = CODE + 0x40, .rsp_out = 0x9000, .fl_out = 0x2 },
	{ .name = "iretq to CPL 3 with a null SS is #GP(0)", .m = LM, B("\x48\xcf"),
	  .stack_in = { 0x401000, U_CS, 0x2, 0x7ff0, 0 }, .status = INTERP_FAULT, .vector = 13, .error = 0 },
	{ .name = "iretq at CPL 3 keeps IOPL and IF", .m = LM, .cpl = 3, B("\x48\xcf"),
	  .stack_in = { 0x401000, U_CS, 0x3002, 0x7ff0, U_DS2 }, .fl_in = 0x202, .status = INTERP_RETIRED,
	  .cs_out = U_CS, .rip_out = 0x401000, .rsp_out = 0x7ff0, .fl_out = 0x202 },
	{ .name = "iretq from CPL 3 to CPL 0 is #GP(sel)", .m = LM, .cpl = 3, B("\x48\xcf"),
	  .stack_in = { CODE, K_CS, 0x2, 0x7ff0, K_DS }, .status = INTERP_FAULT, .vector = 13, .error = K_CS },
	{ .name = "iretq to a non-canonical RIP is #GP(0)", .m = LM, B("\x48\xcf"),
	  .stack_in = { NONCANON, U_CS, 0x2, 0x7ff0, U_DS2 }, .status = INTERP_FAULT, .vector = 13 },
	{ .name = "iretq to a not-present segment is #NP(sel)", .m = LM, B("\x48\xcf"),
	  .stack_in = { CODE, NP_CS, 0x2, 0x7ff0, K_DS }, .status = INTERP_FAULT, .vector = 11, .error = NP_CS },
	{ .name = "iretq with an SS of the wrong RPL is #GP(sel)", .m = LM, B("\x48\xcf"),
	  .stack_in = { 0x401000, U_CS, 0x2, 0x7ff0, K_DS }, .status = INTERP_FAULT, .vector = 13,
	  .error = K_DS },
	{ .name = "iretq with NT set is #GP(0)", .m = LM, B("\x48\xcf"), .fl_in = 0x4002,
	  .stack_in = { CODE, K_CS, 0x2, 0x9000, K_DS }, .status = INTERP_FAULT, .vector = 13 },
	{ .name = "iretq to 32-bit code at CPL 3", .m = LM, B("\x48\xcf"),
	  .stack_in = { 0x8000, U_CS32, 0x202, 0x7ff0, U_DS }, .status = INTERP_RETIRED, .cs_out = U_CS32,
	  .rip_out = 0x8000, .rsp_out = 0x7ff0, .fl_out = 0x202 },
	/* long mode: SYSCALL, SYSRET, SYSENTER, SYSEXIT, SWAPGS */
	{ .name = "syscall", .m = LM, .cpl = 3, B("\x0f\x05"), .fl_in = 0x10646, .status = INTERP_RETIRED,
	  .cs_out = K_CS, .rip_out = 0xffffffff81000000ULL, .rsp_out = STACK, .fl_out = 0x46,
	  .out = { R(RCX, CODE + 2), R(R11, 0x10646) } },
	{ .name = "syscall in compatibility mode is #UD (Intel)", .m = LM, .cpl = 3, .cs_in = U_CS32,
	  B("\x0f\x05"), .status = INTERP_FAULT, .vector = 6 },
	{ .name = "syscall in compatibility mode goes to CSTAR (AMD)", .m = LM, .cpl = 3, .cs_in = U_CS32,
	  .amd = true, B("\x0f\x05"), .fl_in = 0x202, .status = INTERP_RETIRED, .cs_out = K_CS,
	  .rip_out = 0xffffffff81000100ULL, .rsp_out = STACK, .fl_out = 0x2,
	  .out = { R(RCX, CODE + 2), R(R11, 0x202) } },
	{ .name = "syscall without EFER.SCE is #UD", .m = LM, .cpl = 3, B("\x0f\x05"), .no_sce = true,
	  .status = INTERP_FAULT, .vector = 6 },
	{ .name = "sysretq", .m = LM, B("\x48\x0f\x07"), .in = { R(RCX, 0x401000), R(R11, 0x10346) },
	  .status = INTERP_RETIRED, .cs_out = U_CS, .rip_out = 0x401000, .rsp_out = STACK, .fl_out = 0x346 },
	{ .name = "sysret to 32-bit code", .m = LM, B("\x0f\x07"), .in = { R(RCX, 0x1234401000ULL), R(R11, 0x2) },
	  .status = INTERP_RETIRED, .cs_out = U_CS32, .rip_out = 0x34401000, .rsp_out = STACK, .fl_out = 0x2 },
	{ .name = "sysretq to a non-canonical RCX is #GP(0) at CPL 0 (Intel)", .m = LM, B("\x48\x0f\x07"),
	  .in = { R(RCX, NONCANON), R(R11, 0x2) }, .status = INTERP_FAULT, .vector = 13 },
	{ .name = "sysretq to a non-canonical RCX goes to CPL 3 (AMD)", .m = LM, B("\x48\x0f\x07"), .amd = true,
	  .in = { R(RCX, NONCANON), R(R11, 0x2) }, .status = INTERP_RETIRED, .cs_out = U_CS,
	  .rip_out = NONCANON, .rsp_out = STACK, .fl_out = 0x2 },
	{ .name = "sysret at CPL 3 is #GP(0)", .m = LM, .cpl = 3, B("\x48\x0f\x07"), .status = INTERP_FAULT,
	  .vector = 13 },
	{ .name = "sysenter in long mode (Intel)", .m = LM, .cpl = 3, B("\x0f\x34"), .fl_in = 0x10202,
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = 0xffffffff81000200ULL,
	  .rsp_out = 0xffffc90000001000ULL, .fl_out = 0x2 },
	{ .name = "sysenter in long mode is #UD on AMD", .m = LM, .cpl = 3, B("\x0f\x34"), .amd = true,
	  .status = INTERP_FAULT, .vector = 6 },
	{ .name = "sysexitq", .m = LM, B("\x48\x0f\x35"), .in = { R(RCX, 0x7ff0), R(RDX, 0x401000) },
	  .fl_in = 0x202, .status = INTERP_RETIRED, .cs_out = U_CS, .rip_out = 0x401000, .rsp_out = 0x7ff0,
	  .fl_out = 0x202 },
	{ .name = "sysexit at CPL 3 is #GP(0)", .m = LM, .cpl = 3, B("\x0f\x35"), .status = INTERP_FAULT,
	  .vector = 13 },
	{ .name = "swapgs at CPL 3 is #GP(0)", .m = LM, .cpl = 3, B("\x0f\x01\xf8"), .status = INTERP_FAULT,
	  .vector = 13 },
	/* long mode: far branches */
	{ .name = "jmp far m16:32 to 32-bit code", .m = LM, B("\xff\x2b"), .in = { R(RBX, DATA) },
	  .status = INTERP_RETIRED, .cs_out = K_CS32, .rip_out = 0x8000, .rsp_out = STACK, .fl_out = 0x2 },
	{ .name = "call far m16:64 pushes CS and RIP", .m = LM, B("\x48\xff\x1b"), .in = { R(RBX, DATA + 16) },
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 0x100, .rsp_out = STACK - 16,
	  .fl_out = 0x2, .frame = { CODE + 3, K_CS }, .nframe = 2 },
	{ .name = "retf (32-bit) at CPL 0", .m = LM, B("\xcb"), .stack_in = { (CODE + 0x40) | (uint64_t)K_CS << 32 }, .status =
	  INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 0x40, .rsp_out = STACK + 8, .fl_out = 0x2 },
	{ .name = "retq far 8 to CPL 0", .m = LM, B("\x48\xca\x08\x00"), .stack_in = { CODE + 0x40, K_CS },
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 0x40, .rsp_out = STACK + 24, .fl_out = 0x2 },
	{ .name = "jmp far to a not-present segment is #NP(sel)", .m = LM, B("\xff\x2b"), .in = { R(RBX, DATA + 32) },
	  .status = INTERP_FAULT, .vector = 11, .error = NP_CS },
	{ .name = "jmp far to a DPL 0 segment from CPL 3 is #GP(sel)", .m = LM, .cpl = 3, B("\xff\x2b"),
	  .in = { R(RBX, DATA) }, .status = INTERP_FAULT, .vector = 13, .error = K_CS32 },
	/* segment register loads and stores */
	{ .name = "mov ds, ax loads the descriptor", .m = LM, B("\x8e\xd8"), .in = { R(RAX, U_DS2) },
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 2, .rsp_out = STACK, .fl_out = 0x2,
	  SEG(DS, U_DS2, 0, false, 3) },
	{ .name = "mov ss, ax with a DPL 3 segment at CPL 0 is #GP(sel)", .m = LM, B("\x8e\xd0"),
	  .in = { R(RAX, U_DS) }, .status = INTERP_FAULT, .vector = 13, .error = U_DS & ~3u },
	{ .name = "mov ds, ax with a DPL 0 segment at CPL 3 is #GP(sel)", .m = LM, .cpl = 3, B("\x8e\xd8"),
	  .in = { R(RAX, K_DS) }, .status = INTERP_FAULT, .vector = 13, .error = K_DS },
	{ .name = "mov es, ax with a not-present segment is #NP(sel)", .m = LM, B("\x8e\xc0"),
	  .in = { R(RAX, NP_CS) }, .status = INTERP_FAULT, .vector = 11, .error = NP_CS },
	{ .name = "mov ds, ax beyond the GDT limit is #GP(sel)", .m = LM, B("\x8e\xd8"),
	  .in = { R(RAX, 0x1000) }, .status = INTERP_FAULT, .vector = 13, .error = 0x1000 },
	{ .name = "mov cs, ax is #UD: falls back", .m = LM, B("\x8e\xc8"), .in = { R(RAX, K_CS) },
	  .status = INTERP_FALLBACK },
	{ .name = "mov ss, ax null at CPL 0 in 64-bit mode", .m = LM, B("\x8e\xd0"), .in = { R(RAX, 0) },
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 2, .rsp_out = STACK, .fl_out = 0x2,
	  SEG(SS, 0, 0, true, 0) },
	{ .name = "mov ss, ax null at CPL 3 is #GP(0)", .m = LM, .cpl = 3, B("\x8e\xd0"), .in = { R(RAX, 3) },
	  .status = INTERP_FAULT, .vector = 13, .error = 0 },
	{ .name = "pop fs (64-bit) loads FS", .m = LM, B("\x0f\xa1"), .stack_in = { K_DS }, .status =
	  INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 2, .rsp_out = STACK + 8, .fl_out = 0x2,
	  SEG(FS, K_DS, 0, false, 0) },
	{ .name = "push gs (64-bit) zero-extends", .m = LM, B("\x0f\xa8"), .in = { R(RAX, 0) },
	  .status = INTERP_RETIRED, .cs_out = K_CS, .rip_out = CODE + 2, .rsp_out = STACK - 8, .fl_out = 0x2,
	  .frame = { K_DS }, .nframe = 1 },
	{ .name = "PM: pop ss at CPL 3", .m = PM, .cpl = 3, B("\x17"), .stack_in = { U_DS }, .status =
	  INTERP_RETIRED, .cs_out = U_CS32, .rip_out = CODE + 1, .rsp_out = STACK + 4, .fl_out = 0x2,
	  SEG(SS, U_DS, 0, false, 3) },
	{ .name = "PM: pop ss with RPL != CPL is #GP(sel)", .m = PM, B("\x17"), .stack_in = { K_DS | 3 },
	  .status = INTERP_FAULT, .vector = 13, .error = K_DS },
	{ .name = "PM: mov es, ax with a readable code segment", .m = PM,
	  B("\x8e\xc0"), .in = { R(RAX, K_CS32) }, .status = INTERP_RETIRED, .cs_out = K_CS32,
	  .rip_out = CODE + 2, .rsp_out = STACK, .fl_out = 0x2, SEG(ES, K_CS32, 0, false, 0) },
	{ .name = "PM: push ds writes 16 bits", .m = PM, B("\x1e"),
	  .status = INTERP_RETIRED, .cs_out = K_CS32, .rip_out = CODE + 1, .rsp_out = STACK - 4, .fl_out = 0x2,
	  .frame = { 0xaaaa0000 | K_DS }, .nframe = 1 },
	{ .name = "PM: mov ds, ax null loads an unusable segment", .m = PM, B("\x8e\xd8"), .in = { R(RAX, 0) },
	  .status = INTERP_RETIRED, .cs_out = K_CS32, .rip_out = CODE + 2, .rsp_out = STACK, .fl_out = 0x2,
	  SEG(DS, 0, 0, true, 0) },
	{ .name = "RM: mov ds, ax sets the base", .m = RM, B("\x8e\xd8"), .in = { R(RAX, 0x1234) },
	  .status = INTERP_RETIRED, .cs_out = CODE >> 4, .rip_out = 2, .rsp_out = 0x800, .fl_out = 0x2,
	  SEG(DS, 0x1234, 0x12340, false, 0) },
	/* 32-bit protected mode */
	{ .name = "PM: int 0x80 from CPL 3: SS0:ESP0 from the 32-bit TSS", .m = PM, .cpl = 3, B("\xcd\x80"),
	  .gates = { { .vector = 0x80, .dpl = 3 } }, .fl_in = 0x202, .status = INTERP_RETIRED, .cs_out = K_CS32,
	  .rip_out = H(0x80), .rsp_out = RSP0 - 20, .fl_out = 0x2,
	  .frame = { CODE + 2, U_CS32, 0x202, STACK, U_DS }, .nframe = 5 },
	{ .name = "PM: #GP(0) at CPL 0: same stack, 32-bit frame with the error code", .m = PM,
	  .ev = { INTERP_EV_EXCEPTION, 13, true, 0, 0 }, .gates = { { .vector = 13, .type = 0xf } },
	  .fl_in = 0x202, .status = INTERP_RETIRED, .vector = 13, .cs_out = K_CS32, .rip_out = H(13),
	  .rsp_out = STACK - 16, .fl_out = 0x202, .frame = { 0, CODE, K_CS32, 0x10202 }, .nframe = 4 },
	{ .name = "PM: a 16-bit interrupt gate pushes words", .m = PM, B("\xcd\x30"),
	  .gates = { { .vector = 0x30, .type = 6 } }, .status = INTERP_RETIRED, .cs_out = K_CS32,
	  .rip_out = H(0x30) & 0xffff, .rsp_out = STACK - 6, .fl_out = 0x2 },
	{ .name = "PM: iretd to CPL 3", .m = PM, B("\xcf"), .stack_in = { 0x8000, U_CS32, 0x202, 0x7ff0, U_DS },
	  .status = INTERP_RETIRED, .cs_out = U_CS32, .rip_out = 0x8000, .rsp_out = 0x7ff0, .fl_out = 0x202 },
	{ .name = "PM: into with OF clear does nothing", .m = PM, B("\xce"), .gates = { { .vector = 4, .dpl = 3 } },
	  .status = INTERP_RETIRED, .cs_out = K_CS32, .rip_out = CODE + 1, .rsp_out = STACK, .fl_out = 0x2 },
	{ .name = "PM: into with OF set delivers #OF from CPL 3", .m = PM, .cpl = 3, B("\xce"), .fl_in = 0xa02,
	  .gates = { { .vector = 4, .dpl = 3 } }, .status = INTERP_RETIRED, .cs_out = K_CS32, .rip_out = H(4),
	  .rsp_out = RSP0 - 20, .fl_out = 0x802, .frame = { CODE + 1, U_CS32, 0xa02, STACK, U_DS }, .nframe = 5 },
	{ .name = "PM: iretd to virtual-8086 mode falls back", .m = PM, B("\xcf"),
	  .stack_in = { 0x100, 0x1000, 0x20002, 0x800, 0x2000 }, .status = INTERP_FALLBACK },
	{ .name = "PM: iretd with NT set (a task return) falls back", .m = PM, B("\xcf"), .fl_in = 0x4002,
	  .stack_in = { CODE, K_CS32, 0x2 }, .status = INTERP_FALLBACK },
	{ .name = "PM: iretd at the same level pops three", .m = PM, B("\xcf"),
	  .stack_in = { CODE + 0x10, K_CS32, 0x2 }, .status = INTERP_RETIRED, .cs_out = K_CS32,
	  .rip_out = CODE + 0x10, .rsp_out = STACK + 12, .fl_out = 0x2 },
	{ .name = "PM: iretd to a selector beyond the GDT limit is #GP(sel)", .m = PM, B("\xcf"),
	  .stack_in = { CODE, 0x1000 | 3, 0x2 }, .status = INTERP_FAULT, .vector = 13, .error = 0x1000 },
	{ .name = "PM: sysenter", .m = PM, .cpl = 3, B("\x0f\x34"), .fl_in = 0x202, .status = INTERP_RETIRED,
	  .cs_out = K_CS32, .rip_out = 0x12000, .rsp_out = 0x9000, .fl_out = 0x2 },
	{ .name = "PM: sysexit to 32-bit code", .m = PM, B("\x0f\x35"), .in = { R(RCX, 0x7ff0), R(RDX, 0x8000) },
	  .status = INTERP_RETIRED, .cs_out = K_CS32 + 16 + 3, .rip_out = 0x8000, .rsp_out = 0x7ff0,
	  .fl_out = 0x2 },
	{ .name = "PM: syscall is #UD (Intel)", .m = PM, B("\x0f\x05"), .status = INTERP_FAULT, .vector = 6 },
	{ .name = "PM: jmp far ptr16:32", .m = PM, B("\xea\x00\x80\x00\x00\x38\x00"), .status = INTERP_RETIRED,
	  .cs_out = K_CS32, .rip_out = 0x8000, .rsp_out = STACK, .fl_out = 0x2 },
	{ .name = "PM: call far ptr16:32 pushes CS and EIP", .m = PM, B("\x9a\x00\x80\x00\x00\x38\x00"),
	  .status = INTERP_RETIRED, .cs_out = K_CS32, .rip_out = 0x8000, .rsp_out = STACK - 8, .fl_out = 0x2,
	  .frame = { CODE + 7, K_CS32 }, .nframe = 2 },
	/* real mode */
	{ .name = "RM: int 0x10 through the IVT", .m = RM, B("\xcd\x10"), .gates = { { .vector = 0x10 } },
	  .fl_in = 0x242, .status = INTERP_RETIRED, .cs_out = H(0x10) >> 4, .rip_out = 0, .rsp_out = 0x800 - 6,
	  .fl_out = 0x42, .frame = { 2, CODE >> 4, 0x242 }, .nframe = 3 },
	{ .name = "RM: iret", .m = RM, B("\xcf"), .stack_in = { 0x20, 0x1100, 0x202 }, .status = INTERP_RETIRED,
	  .cs_out = 0x1100, .rip_out = 0x20, .rsp_out = 0x806, .fl_out = 0x202 },
	{ .name = "RM: jmp far ptr16:16", .m = RM, B("\xea\x34\x12\x00\x20"), .status = INTERP_RETIRED,
	  .cs_out = 0x2000, .rip_out = 0x1234, .rsp_out = 0x800, .fl_out = 0x2 },
};

static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
	return 1;
}

static uint64_t stack_lin(const struct interp_cpu *c, uint64_t sp)
{
	return c->seg[INTERP_SS].base + sp;
}

static int run_row(const struct row *r)
{
	struct interp_mem m = { ram, RAM, 0 };
	struct interp_cpu c, before;
	struct interp_result res;
	unsigned int w = word(r->m);
	uint8_t ram_before[0x100];

	machine(&c, r);
	for (unsigned int i = 0; i < 3 && (r->gates[i].vector || r->gates[i].off || r->gates[i].type ||
					    r->gates[i].dpl || r->gates[i].not_present); i++)
		write_gate(r->m, &r->gates[i]);
	/* Far pointers at DATA: 0x38:0x8000 (m16:32), 0x08:CODE+0x100 (m16:64), NP_CS (m16:32). */
	put64(DATA, 0x8000 | ((uint64_t)K_CS32 << 32));
	put64(DATA + 16, CODE + 0x100);
	put64(DATA + 24, K_CS);
	put64(DATA + 32, 0x8000 | ((uint64_t)NP_CS << 32));
	if (r->cs_in)
		c.seg[INTERP_CS] = seg_of(r->cs_in);
	for (unsigned int i = 0; i < 4 && r->in[i].reg; i++)
		c.gpr[r->in[i].reg - 1] = r->in[i].val;
	memset(ram + stack_lin(&c, c.gpr[INTERP_RSP]) - 64, 0xaa, 64);	/* what a push does not write shows */
	for (unsigned int i = 0; i < 5; i++)
		memcpy(ram + stack_lin(&c, c.gpr[INTERP_RSP]) + i * w, &r->stack_in[i], w);
	before = c;
	memcpy(ram_before, ram + RSP0 - 0x80, sizeof(ram_before));
	if (r->bytes) {
		memcpy(ram + c.seg[INTERP_CS].base + c.rip, r->bytes, r->len);
		interp_step(&c, &m, &res);
	} else {
		interp_deliver(&c, &m, &r->ev, &res);
	}
	if (res.status != r->status)
		return bad("%s: status %d, want %d (vector %u error %#x, fall back: %s)", r->name, res.status,
			 r->status, res.vector, res.error, interp_fallback_name(res.reason));
	if (r->status != INTERP_RETIRED) {
		if (r->status == INTERP_FAULT && (res.vector != r->vector || res.error != r->error))
			return bad("%s: fault %u error %#x, want %u %#x", r->name, res.vector, res.error,
				 r->vector, r->error);
		if (memcmp(&c, &before, sizeof(c)) || memcmp(ram_before, ram + RSP0 - 0x80, sizeof(ram_before)))
			return bad("%s: the state changed", r->name);
		return 0;
	}
	if (!r->bytes && (res.vector != r->vector || (res.has_error && res.error != r->frame[0])))
		return bad("%s: delivered %u error %#x, want %u", r->name, res.vector, res.error, r->vector);
	if (!r->bytes && r->ev.kind == INTERP_EV_EXCEPTION && r->ev.vector == 14 && !r->cr2_out &&
	    c.cr2 != r->ev.cr2)
		return bad("%s: CR2 %#llx", r->name, (unsigned long long)c.cr2);
	if (r->cr2_out && c.cr2 != r->cr2_out)
		return bad("%s: CR2 %#llx, want %#llx", r->name, (unsigned long long)c.cr2,
			 (unsigned long long)r->cr2_out);
	if (!r->bytes && c.nmi_masked != (r->ev.kind == INTERP_EV_NMI))
		return bad("%s: NMI blocking %d", r->name, c.nmi_masked);
	if (c.seg[INTERP_CS].sel != r->cs_out || c.rip != r->rip_out || c.gpr[INTERP_RSP] != r->rsp_out ||
	    c.rflags != r->fl_out)
		return bad("%s: cs %#x rip %#llx rsp %#llx rflags %#llx, want %#x %#llx %#llx %#llx", r->name,
			 c.seg[INTERP_CS].sel, (unsigned long long)c.rip, (unsigned long long)c.gpr[INTERP_RSP],
			 (unsigned long long)c.rflags, r->cs_out, (unsigned long long)r->rip_out,
			 (unsigned long long)r->rsp_out, (unsigned long long)r->fl_out);
	if (interp_cpl(&c) != (r->cs_out & 3u) && r->m != RM)
		return bad("%s: CPL %u, CS.RPL %u", r->name, interp_cpl(&c), r->cs_out & 3u);
	for (unsigned int i = 0; i < r->nframe; i++) {
		uint64_t v = get(stack_lin(&c, c.gpr[INTERP_RSP]) + i * w, w);

		if (v != r->frame[i])
			return bad("%s: frame word %u = %#llx, want %#llx", r->name, i, (unsigned long long)v,
				 (unsigned long long)r->frame[i]);
	}
	if (r->sreg) {
		const struct interp_seg *sg = &c.seg[r->sreg - 1];

		if (sg->sel != r->sreg_sel || sg->base != r->sreg_base || sg->unusable != r->sreg_unusable ||
		    sg->dpl != r->sreg_dpl)
			return bad("%s: segment %d: sel %#x base %#llx unusable %d dpl %u", r->name, r->sreg - 1,
				 sg->sel, (unsigned long long)sg->base, sg->unusable, sg->dpl);
	}
	for (unsigned int i = 0; i < 3 && r->out[i].reg; i++)
		if (c.gpr[r->out[i].reg - 1] != r->out[i].val)
			return bad("%s: register %d = %#llx, want %#llx", r->name, r->out[i].reg - 1,
				 (unsigned long long)c.gpr[r->out[i].reg - 1], (unsigned long long)r->out[i].val);
	return 0;
}

static void test_rows(void **state)
{
	unsigned int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		failed += run_row(&rows[i]);
	if (failed)
		fail_msg("%u of %zu rows failed", failed, sizeof(rows) / sizeof(rows[0]));
}

/* INT 0x80 from CPL 3, IRETQ in the handler: back at the next instruction with everything else as it was. */
static void test_int_iret_round_trip(void **state)
{
	const struct row r = { .m = LM, .cpl = 3, .fl_in = 0x246 };
	struct interp_mem m = { ram, RAM, 0 };
	struct interp_cpu c, before;
	struct interp_result res;

	(void)state;
	machine(&c, &r);
	write_gate(LM, &(struct gate){ .vector = 0x80, .dpl = 3 });
	memcpy(ram + CODE, "\xcd\x80", 2);
	memcpy(ram + H(0x80), "\x48\xcf", 2);
	c.nmi_masked = true;
	before = c;
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_INT);
	assert_true(res.taken);
	assert_int_equal(interp_cpl(&c), 0);
	assert_false(interp_irq_allowed(&c, false));		/* the interrupt gate cleared IF */
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_IRET);
	assert_int_equal(c.rip, CODE + 2);
	assert_false(c.nmi_masked);				/* IRET unblocks NMIs */
	c.rip = before.rip;
	c.nmi_masked = true;
	assert_memory_equal(&c, &before, sizeof(c));
	assert_true(interp_irq_allowed(&c, false));
	assert_false(interp_irq_allowed(&c, true));
	assert_false(interp_nmi_allowed(&c, false));
	c.nmi_masked = false;
	assert_true(interp_nmi_allowed(&c, false));
	assert_false(interp_nmi_allowed(&c, true));
}

/* SYSCALL from CPL 3, SYSRETQ in the kernel: back at CPL 3 with RCX and R11 consumed. */
static void test_syscall_sysret_round_trip(void **state)
{
	const struct row r = { .m = LM, .cpl = 3, .fl_in = 0x246 };
	struct interp_mem m = { ram, RAM, 0 };
	struct interp_cpu c;
	struct interp_result res;

	(void)state;
	machine(&c, &r);
	c.lstar = H(0x90);
	memcpy(ram + CODE, "\x0f\x05", 2);
	memcpy(ram + H(0x90), "\x0f\x01\xf8\x48\x0f\x07", 6);	/* swapgs; sysretq */
	c.seg[INTERP_GS].base = 0x1000;
	c.kernel_gs_base = 0x2000;
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_SYSCALL);
	assert_true(res.taken);
	assert_int_equal(interp_cpl(&c), 0);
	assert_int_equal(c.rflags, 0x46);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);	/* swapgs */
	assert_int_equal(c.seg[INTERP_GS].base, 0x2000);
	assert_int_equal(c.kernel_gs_base, 0x1000);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_SYSRET);
	assert_int_equal(c.rip, CODE + 2);
	assert_int_equal(c.rflags, 0x246);
	assert_int_equal(interp_cpl(&c), 3);
	assert_int_equal(c.seg[INTERP_CS].sel, U_CS);
	assert_true(c.seg[INTERP_CS].l);
	assert_int_equal(c.seg[INTERP_SS].sel, U_DS);
}

/* SYSENTER from 32-bit user code, SYSEXIT back (32-bit protected mode). */
static void test_sysenter_sysexit_round_trip(void **state)
{
	const struct row r = { .m = PM, .cpl = 3, .fl_in = 0x202 };
	struct interp_mem m = { ram, RAM, 0 };
	struct interp_cpu c;
	struct interp_result res;

	(void)state;
	machine(&c, &r);
	memcpy(ram + CODE, "\x0f\x34", 2);
	memcpy(ram + 0x12000, "\xfb\x0f\x35", 3);		/* sti; sysexit */
	c.gpr[INTERP_RCX] = 0x7000;
	c.gpr[INTERP_RDX] = CODE + 2;
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_SYSENTER);
	assert_int_equal(interp_cpl(&c), 0);
	assert_int_equal(c.gpr[INTERP_RSP], 0x9000);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_int_equal(res.cls.branch, X86_BR_SYSEXIT);
	assert_int_equal(c.rip, CODE + 2);
	assert_int_equal(c.gpr[INTERP_RSP], 0x7000);
	assert_int_equal(interp_cpl(&c), 3);
	assert_int_equal(c.seg[INTERP_CS].sel, K_CS32 + 16 + 3);
	assert_false(c.seg[INTERP_CS].l);
	assert_true(c.seg[INTERP_CS].db);
}

/* MOV SS and POP SS block interrupts for one instruction; other segment loads do not. */
static void test_ss_shadow(void **state)
{
	const struct row r = { .m = LM };
	struct interp_mem m = { ram, RAM, 0 };
	struct interp_cpu c;
	struct interp_result res;

	(void)state;
	machine(&c, &r);
	c.gpr[INTERP_RAX] = K_DS;
	memcpy(ram + CODE, "\x8e\xd0\x8e\xd8\x0f\xa1", 6);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_true(res.irq_shadow);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
	assert_false(res.irq_shadow);
	put64(STACK, K_DS);
	assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);	/* pop fs */
	assert_false(res.irq_shadow);
	assert_int_equal(c.seg[INTERP_FS].sel, K_DS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_int_iret_round_trip),
		cmocka_unit_test(test_syscall_sysret_round_trip),
		cmocka_unit_test(test_sysenter_sysexit_round_trip),
		cmocka_unit_test(test_ss_shadow),
	};

	return cmocka_run_group_tests_name("interp-sys", tests, NULL, NULL);
}
