// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interpreter (src/interp): interp_step() and interp_deliver() on a
 * fuzzed vCPU over a small guest RAM, in a buffer of exactly its size (an
 * access outside it is an ASan report). The input: a mode byte (real mode,
 * 32-bit protected mode without paging, long mode with an identity map,
 * compatibility mode; CPL; vendor), a flags byte, the 15 instruction bytes
 * at RIP, the general registers, RFLAGS, the system-call MSRs, an event, and
 * then (offset, byte) patches applied to a RAM that starts with valid
 * page tables, a GDT, a TSS, an IDT and an IVT, so that mutations reach the
 * checks of every descriptor. Checked, beyond memory safety:
 *   - on INTERP_FAULT and INTERP_FALLBACK, *cpu and RAM are unchanged;
 *   - on INTERP_RETIRED, RIP is canonical in 64-bit code (but after an AMD
 *     SYSRET, which loads any RCX) and fits 32 bits elsewhere;
 *   - the status is one of the four, and a fault vector is below 32;
 *   - the same holds for interp_deliver(), which never returns INCOMPLETE.
 * Both run with a software TLB (struct interp_tlb); with bit 6 of the flags
 * byte, interp_step() first runs once on a copy to fill it, so that the
 * checked step translates through its entries.
 */
#include <string.h>

#include "fuzz.h"
#include "interp/interp.h"

#define RAM_SIZE 0x10000
#define PML4 0x0000
#define GDT 0x3000
#define TSS 0x3800
#define IDT 0x4000		/* 256 16-byte gates (8-byte ones in protected mode) */
#define IVT 0x5000
#define CODE 0x8000
#define STACK 0xf000

static void put64(uint8_t *m, uint64_t a, uint64_t v)
{
	memcpy(m + a, &v, 8);
}

/* Identity-mapped page tables, a GDT with CPL 0 and 3 segments, a TSS and gates to CODE. */
static void tables(uint8_t *m, bool lm)
{
	static const uint64_t gdt[] = {
		0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL, 0x00cffb000000ffffULL,
		0x00cff3000000ffffULL, 0x00affb000000ffffULL, 0x00cff3000000ffffULL, 0x00cf9b000000ffffULL,
		0x00008b0000000067ULL | ((uint64_t)TSS << 16), 0,
	};

	put64(m, PML4, 0x1000 | 7);
	put64(m, 0x1000, 0x2000 | 7);
	put64(m, 0x2000, 0x87);
	memcpy(m + GDT, gdt, sizeof(gdt));
	put64(m, TSS + 4, STACK - 0x800);
	put64(m, TSS + 0x24, STACK - 0x400);
	if (!lm)
		put64(m, TSS + 8, 0x10);
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t off = CODE + 0x100 + v;
		uint64_t lo = (off & 0xffff) | ((uint64_t)(lm ? 0x08 : 0x38) << 16) | (0xeeULL << 40) |
			      ((off >> 16) << 48);

		if (lm) {
			put64(m, IDT + v * 16, lo);
			put64(m, IDT + v * 16 + 8, 0);
		} else {
			put64(m, IDT + v * 8, lo);
		}
		put64(m, IVT + v * 4, (CODE >> 4) << 16 | (0x100 + v));
	}
}

static void seg(struct interp_seg *s, const uint8_t *m, uint16_t sel)
{
	uint64_t d;
	uint32_t limit;

	memcpy(&d, m + GDT + (sel & ~7u), 8);
	limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	s->sel = sel;
	s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
	s->type = (uint8_t)((d >> 40) & 0xf);
	s->s = (d >> 44) & 1;
	s->dpl = (uint8_t)((d >> 45) & 3);
	s->present = (d >> 47) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->g = (d >> 55) & 1;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
	s->unusable = false;
}

/* The CPU of the mode byte: 0 real, 1 protected (32-bit, no paging), 2 long, 3 compatibility. */
static void machine(struct interp_cpu *c, const uint8_t *m, uint8_t mode)
{
	unsigned int kind = mode & 3, cpl = (mode >> 2) & 1 ? 3 : 0;

	memset(c, 0, sizeof(*c));
	c->gdtr.base = GDT;
	c->gdtr.limit = 0x4f;
	c->ldtr.unusable = (mode >> 5) & 1;
	c->ldtr.present = !c->ldtr.unusable;
	c->ldtr.base = GDT;
	c->ldtr.limit = 0x4f;
	c->tr.sel = 0x40;
	c->tr.base = TSS;
	c->tr.limit = 0x67;
	c->tr.type = 11;
	c->tr.present = true;
	c->amd = (mode >> 3) & 1;
	c->nmi_masked = (mode >> 4) & 1;
	c->rip = CODE;
	if (kind == 0) {
		c->cr0 = 0x10;
		c->idtr.base = IVT;
		c->idtr.limit = 0x3ff;
		for (int s = INTERP_ES; s <= INTERP_GS; s++) {
			c->seg[s].limit = 0xffff;
			c->seg[s].type = s == INTERP_CS ? 11 : 3;
			c->seg[s].present = c->seg[s].s = true;
		}
		return;
	}
	c->idtr.base = IDT;
	if (kind == 1) {
		c->cr0 = 0x11;
		c->idtr.limit = 0x7ff;
		seg(&c->seg[INTERP_CS], m, cpl ? 0x1b : 0x38);
	} else {
		c->cr0 = 0x80050033;
		c->cr3 = PML4;
		c->cr4 = 0x20;
		c->efer = 0xd01;
		c->idtr.limit = 0xfff;
		seg(&c->seg[INTERP_CS], m, cpl ? 0x2b : 0x08);
		if (kind == 3)
			seg(&c->seg[INTERP_CS], m, cpl ? 0x1b : 0x38);
	}
	for (int s = INTERP_ES; s <= INTERP_GS; s++)
		if (s != INTERP_CS)
			seg(&c->seg[s], m, cpl ? 0x23 : 0x10);
}

static void check(const struct interp_cpu *c, const struct interp_cpu *before, const uint8_t *ram,
		  const uint8_t *ram_before, enum interp_status st, const struct interp_result *res, bool deliver)
{
	FUZZ_CHECK(st == res->status, "returned %d, res->status %d", st, res->status);
	FUZZ_CHECK(st <= INTERP_INCOMPLETE && (!deliver || st != INTERP_INCOMPLETE), "status %d", st);
	if (st == INTERP_FAULT || st == INTERP_FALLBACK) {
		FUZZ_CHECK(!memcmp(c, before, sizeof(*c)), "state changed on status %d (vector %u, reason %s)",
			   st, res->vector, interp_fallback_name(res->reason));
		FUZZ_CHECK(!memcmp(ram, ram_before, RAM_SIZE), "RAM changed on status %d", st);
	}
	if (st == INTERP_FAULT)
		FUZZ_CHECK(res->vector < 32, "fault vector %u", res->vector);
	if (st == INTERP_RETIRED) {
		if (interp_code_size(c) == 64) {
			uint64_t r = c->rip;
			int64_t s = (int64_t)(r << 16) >> 16;

			FUZZ_CHECK((uint64_t)s == r || (c->amd && res->cls.branch == X86_BR_SYSRET),
				   "RIP %#llx is not canonical", (unsigned long long)r);
		} else {
			FUZZ_CHECK(c->rip <= 0xffffffffULL, "RIP %#llx in %d-bit code",
				   (unsigned long long)c->rip, interp_code_size(c));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram_before[RAM_SIZE];
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in), flags = fuzz_u8(&in);
	struct interp_tlb tlb = { 0 };
	struct interp_mem mem = { NULL, RAM_SIZE, 36, &tlb };
	struct interp_cpu c, before;
	struct interp_result res;
	struct interp_event ev;
	enum interp_status st;
	uint8_t *ram = calloc(1, RAM_SIZE);

	FUZZ_CHECK(ram, "out of memory");
	mem.ram = ram;
	tables(ram, (mode & 3) >= 2);
	machine(&c, ram, mode);
	for (unsigned int i = 0; i < 15; i++)
		ram[CODE + i] = fuzz_u8(&in);
	for (unsigned int i = 0; i < 16; i++)
		c.gpr[i] = flags & 1 ? fuzz_u64(&in) : fuzz_u16(&in);
	if (!(flags & 2))
		c.gpr[INTERP_RSP] = STACK - (fuzz_u8(&in) & 0xf8);
	c.rflags = (fuzz_u32(&in) & 0x3f7fd5) | 2;
	if (flags & 4)
		c.rflags &= ~0x20100ULL;	/* mostly without TF and VM, which fall back at once */
	c.star = fuzz_u64(&in);
	/* LSTAR is canonical: WRMSR refuses anything else (SDM vol. 4, IA32_LSTAR). */
	c.lstar = flags & 8 ? (uint64_t)((int64_t)(fuzz_u64(&in) << 16) >> 16) : CODE + fuzz_u8(&in);
	c.cstar = CODE + fuzz_u8(&in);
	c.sfmask = fuzz_u32(&in);
	c.sysenter_cs = fuzz_u16(&in);
	c.sysenter_eip = CODE + fuzz_u8(&in);
	c.sysenter_esp = STACK - fuzz_u8(&in);
	c.kernel_gs_base = fuzz_u64(&in);
	if (flags & 16)
		c.idtr.limit = fuzz_u16(&in);
	if (flags & 32)
		c.efer &= ~1ULL;			/* no SCE */
	ev.kind = (enum interp_event_kind)(fuzz_u8(&in) & 3);
	ev.vector = fuzz_u8(&in);
	ev.has_error = ev.vector & 1;
	ev.error = fuzz_u32(&in);
	ev.cr2 = fuzz_u64(&in);
	while (in.n >= 3) {
		uint16_t at = fuzz_u16(&in);

		ram[at % RAM_SIZE] = fuzz_u8(&in);
	}

	before = c;
	memcpy(ram_before, ram, RAM_SIZE);
	if (flags & 64) {
		interp_step(&c, &mem, &res);
		c = before;
		memcpy(ram, ram_before, RAM_SIZE);
	}
	st = interp_step(&c, &mem, &res);
	check(&c, &before, ram, ram_before, st, &res, false);

	c = before;
	memcpy(ram, ram_before, RAM_SIZE);
	st = interp_deliver(&c, &mem, &ev, &res);
	check(&c, &before, ram, ram_before, st, &res, true);
	free(ram);
	return 0;
}
