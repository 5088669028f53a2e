// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interpreter's software TLB (struct interp_tlb): each row runs a few
 * instructions with one TLB, changing the page tables in between either
 * through the interpreter or behind its back, and checks what each
 * instruction read and the accessed and dirty bits left in the tables; and
 * the classification it keeps per RIP, with code rewritten in place.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "interp/interp.h"
#include "flat64.h"

#define RAM 0x40000
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define PT 0x4000
#define PML4_B 0x5000		/* a second PML4 with the same tables */
#define CODE 0x10000
#define DATA 0x20000
#define OTHER 0x21000
#define STACK 0x30800
#define PTE_DATA (PT + (DATA >> 12) * 8)
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL

static uint8_t ram[RAM];

static uint64_t get64(uint64_t a)
{
	uint64_t v;

	memcpy(&v, ram + a, 8);
	return v;
}

static void put64(uint64_t a, uint64_t v)
{
	memcpy(ram + a, &v, 8);
}

/* 4-level paging with 4 KiB pages, the first 256 KiB identity-mapped, no accessed or dirty bit set. */
static void machine(struct interp_cpu *c)
{
	memset(ram, 0, sizeof(ram));
	put64(PML4, PDPT | 7);
	put64(PML4_B, PDPT | 7);
	put64(PDPT, PD | 7);
	put64(PD, PT | 7);
	for (uint64_t p = 0; p < RAM >> 12; p++)
		put64(PT + p * 8, (p << 12) | 7);
	put64(DATA, 0x1111);
	put64(OTHER, 0x2222);
	flat64_cpu(c, PML4, CODE, STACK);
}

/* What happens before one step of a row. */
enum action {
	A_NONE,
	A_CLEAR_AD,		/* clear every accessed and dirty bit, behind the interpreter */
	A_REMAP,		/* map DATA to OTHER, behind the interpreter */
	A_FLUSH,		/* interp_tlb_flush() */
	A_CR3_B,		/* load CR3 with the second PML4 (as KVM would have) */
	A_CPL3,			/* run at CPL 3 */
	A_SUPERVISOR,		/* clear U/S of DATA's PTE, behind the interpreter */
};

enum insn { I_READ, I_WRITE, I_REMAP_STORE, I_CPUID };

struct tstep {
	enum action before;
	enum insn insn;
	enum interp_status status;
	uint64_t rax;			/* I_READ: the value read */
	uint64_t pte;			/* DATA's PTE after (accessed and dirty bits included) */
};

struct trow {
	const char *name;
	struct tstep s[4];
	unsigned int n;
};

#define P7 (DATA | 7)

static const struct trow trows[] = {
	{ "a walk sets A; a hit sets nothing; a flush walks again",
	  { { A_NONE, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A },
	    { A_CLEAR_AD, I_READ, INTERP_RETIRED, 0x1111, P7 },
	    { A_FLUSH, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A } }, 3 },
	{ "a write after a read of the page sets D",
	  { { A_NONE, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A },
	    { A_NONE, I_WRITE, INTERP_RETIRED, 0, P7 | PTE_A | PTE_D },
	    { A_CLEAR_AD, I_WRITE, INTERP_RETIRED, 0, P7 } }, 3 },
	{ "a change behind the interpreter is not seen until a flush",
	  { { A_NONE, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A },
	    { A_REMAP, I_READ, INTERP_RETIRED, 0x1111, OTHER | 7 },
	    { A_FLUSH, I_READ, INTERP_RETIRED, 0x2222, OTHER | 7 | PTE_A } }, 3 },
	{ "the interpreter's own store to a page table empties it",
	  { { A_NONE, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A },
	    { A_NONE, I_REMAP_STORE, INTERP_RETIRED, 0, OTHER | 7 },
	    { A_NONE, I_READ, INTERP_RETIRED, 0x2222, OTHER | 7 | PTE_A } }, 3 },
	{ "a new CR3 empties it",
	  { { A_NONE, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A },
	    { A_REMAP, I_READ, INTERP_RETIRED, 0x1111, OTHER | 7 },
	    { A_CR3_B, I_READ, INTERP_RETIRED, 0x2222, OTHER | 7 | PTE_A } }, 3 },
	{ "a fall back empties it",
	  { { A_NONE, I_READ, INTERP_RETIRED, 0x1111, P7 | PTE_A },
	    { A_REMAP, I_CPUID, INTERP_FALLBACK, 0, OTHER | 7 },
	    { A_NONE, I_READ, INTERP_RETIRED, 0x2222, OTHER | 7 | PTE_A } }, 3 },
	{ "a supervisor entry is not used at CPL 3",
	  { { A_SUPERVISOR, I_READ, INTERP_RETIRED, 0x1111, (DATA | 3) | PTE_A },
	    { A_CPL3, I_READ, INTERP_FAULT, 0, (DATA | 3) | PTE_A } }, 2 },
};

static void test_tlb_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(trows) / sizeof(trows[0]); i++) {
		const struct trow *row = &trows[i];
		struct interp_tlb tlb = { 0 };
		struct interp_mem m = { ram, RAM, 0, &tlb };
		struct interp_cpu c;

		machine(&c);
		for (unsigned int k = 0; k < row->n; k++) {
			const struct tstep *s = &row->s[k];
			struct interp_result res;
			enum interp_status st;

			switch (s->before) {
			case A_NONE:
				break;
			case A_CLEAR_AD:
				for (uint64_t a = PML4; a < PT + 0x1000; a += 8)
					put64(a, get64(a) & ~(PTE_A | PTE_D));
				break;
			case A_REMAP:
				put64(PTE_DATA, OTHER | 7);
				break;
			case A_FLUSH:
				interp_tlb_flush(&tlb);
				break;
			case A_CR3_B:
				c.cr3 = PML4_B;
				break;
			case A_CPL3:
				for (unsigned int g = 0; g < 6; g++)
					c.seg[g].dpl = 3;
				break;
			case A_SUPERVISOR:
				put64(PTE_DATA, DATA | 3);
				break;
			}
			c.rip = CODE;
			c.gpr[INTERP_RAX] = 0;
			c.gpr[INTERP_RBX] = DATA;
			switch (s->insn) {
			case I_READ:
				memcpy(ram + CODE, "\x48\x8b\x03", 3);		/* mov rax, [rbx] */
				break;
			case I_WRITE:
				memcpy(ram + CODE, "\x48\x89\x0b", 3);		/* mov [rbx], rcx */
				c.gpr[INTERP_RCX] = 0x1111;
				break;
			case I_REMAP_STORE:
				memcpy(ram + CODE, "\x48\x89\x0a", 3);		/* mov [rdx], rcx */
				c.gpr[INTERP_RDX] = PTE_DATA;
				c.gpr[INTERP_RCX] = OTHER | 7;
				break;
			case I_CPUID:
				memcpy(ram + CODE, "\x0f\xa2", 2);
				break;
			}
			st = interp_step(&c, &m, &res);
			if (st != s->status || (s->insn == I_READ && st == INTERP_RETIRED &&
						c.gpr[INTERP_RAX] != s->rax) || get64(PTE_DATA) != s->pte)
				fail_msg("%s, step %u: status %d rax %#llx pte %#llx", row->name, k, (int)st,
					 (unsigned long long)c.gpr[INTERP_RAX],
					 (unsigned long long)get64(PTE_DATA));
			if (st == INTERP_FAULT)
				assert_int_equal(res.vector, 14);
		}
	}
}

/* The classification kept for a RIP is used only for the same bytes: code rewritten in place. */
static void test_insn_cache(void **state)
{
	static const struct {
		const char *bytes;
		bool branch;
	} seq[] = {
		{ "\x48\x8b\x03", false },	/* mov rax, [rbx] */
		{ "\x48\xff\xe3", true },	/* jmp rbx */
		{ "\x48\xff\xe3", true },
		{ "\x48\x8b\x03", false },
	};
	struct interp_tlb tlb = { 0 };
	struct interp_mem m = { ram, RAM, 0, &tlb };
	struct interp_cpu c;

	(void)state;
	machine(&c);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct interp_result res;

		memcpy(ram + CODE, seq[i].bytes, 3);
		c.rip = CODE;
		c.gpr[INTERP_RBX] = DATA;
		assert_int_equal(interp_step(&c, &m, &res), INTERP_RETIRED);
		assert_int_equal(res.cls.is_branch, seq[i].branch);
		assert_int_equal(c.rip, seq[i].branch ? DATA : CODE + 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlb_rows),
		cmocka_unit_test(test_insn_cache),
	};

	return cmocka_run_group_tests_name("interp-tlb", tests, NULL, NULL);
}
