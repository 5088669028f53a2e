// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cost of interp_step() per guest instruction, without /dev/kvm: a few loops
 * in guest RAM built in memory (64-bit mode, 4-level paging with 4 KiB
 * pages, at CPL 0 and CPL 3), each stepped for a fixed number of
 * instructions. Every loop is timed alternately with a fixed reference
 * loop of host arithmetic, and the ratio ns/instruction : ns/reference is
 * printed with the ns figures, so that a loaded machine moves both; and
 * each runs without and with the software TLB (struct interp_tlb), whose
 * gain is the ratio of the two.
 *
 * Usage: interp-speed [STEPS [RUNS [LOOP]]]   (default 200000 steps, 7 runs, every loop;
 *        LOOP: run only the loop whose name starts with it)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp/interp.h"
#include "reftime.h"

#define RAM (2u << 20)
#define CODE 0x10000
#define DATA 0x20000
#define STACK 0x30800
#define REF_UNITS 64	/* multiply-adds of one reference unit */

struct loop {
	const char *name;
	const char *bytes;
	unsigned int len;
};

#define B(s) s, sizeof(s) - 1

static const struct loop loops[] = {
	/* dec rcx; jnz -5 */
	{ "dec/jnz", B("\x48\xff\xc9\x75\xfb") },
	/* mov rax,[rbx]; add rax,rcx; mov [rbx+8],rax; xor rdx,rax; inc qword [rbx+16]; jmp start */
	{ "alu/mem", B("\x48\x8b\x03\x48\x01\xc8\x48\x89\x43\x08\x48\x31\xc2\x48\xff\x43\x10\xeb\xed") },
	/* call +2; jmp start; ret */
	{ "call/ret", B("\xe8\x02\x00\x00\x00\xeb\xf9\xc3") },
	/* mov edi,DATA; mov ecx,256; rep stosb; mov esi,DATA; mov edi,DATA+0x800; mov ecx,256;
	   rep movsb; jmp start */
	{ "rep stosb/movsb 256",
	  B("\xbf\x00\x00\x02\x00\xb9\x00\x01\x00\x00\xf3\xaa"
	    "\xbe\x00\x00\x02\x00\xbf\x00\x08\x02\x00\xb9\x00\x01\x00\x00\xf3\xa4\xeb\xe1") },
};

static void put64(uint8_t *ram, uint64_t at, uint64_t v)
{
	memcpy(ram + at, &v, 8);
}

/* PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000: the first 2 MiB identity-mapped, user, writable. */
static void machine(uint8_t *ram, struct interp_cpu *c, unsigned int cpl, const struct loop *l)
{
	memset(ram, 0, RAM);
	put64(ram, 0x1000, 0x2000 | 7);
	put64(ram, 0x2000, 0x3000 | 7);
	put64(ram, 0x3000, 0x4000 | 7);
	for (uint64_t p = 0; p < 512; p++)
		put64(ram, 0x4000 + p * 8, (p << 12) | 7);
	memcpy(ram + CODE, l->bytes, l->len);
	memset(c, 0, sizeof(*c));
	for (unsigned int s = 0; s < 6; s++) {
		c->seg[s].limit = 0xffffffff;
		c->seg[s].type = 3;
		c->seg[s].present = c->seg[s].s = c->seg[s].db = c->seg[s].g = true;
		c->seg[s].dpl = (uint8_t)cpl;
		c->seg[s].sel = (uint16_t)(cpl == 3 ? 0x2b : 0x10);
	}
	c->seg[INTERP_CS].type = 11;
	c->seg[INTERP_CS].l = true;
	c->seg[INTERP_CS].db = false;
	c->seg[INTERP_CS].sel = (uint16_t)(cpl == 3 ? 0x33 : 0x08);
	c->cr0 = 0x80050033;		/* PE, MP, ET, NE, WP, AM, PG */
	c->cr3 = 0x1000;
	c->cr4 = 0x20;			/* PAE */
	c->efer = 0xd00;		/* LME, LMA, NXE */
	c->rflags = 0x202;
	c->rip = CODE;
	c->gpr[INTERP_RSP] = STACK;
	c->gpr[INTERP_RCX] = 1ULL << 40;
	c->gpr[INTERP_RBX] = DATA;
}

/* ns per retired instruction over steps interp_step() calls; -1 if the loop stops retiring. */
static double run_loop(uint8_t *ram, const struct loop *l, unsigned int cpl, unsigned int steps,
		       struct interp_tlb *tlb)
{
	struct interp_mem mem = { ram, RAM, 48, tlb };
	struct interp_result res;
	struct interp_cpu c;
	unsigned long retired = 0;
	double t0;

	machine(ram, &c, cpl, l);
	if (tlb)
		interp_tlb_flush(tlb);
	t0 = now_ns();
	for (unsigned int i = 0; i < steps; i++) {
		enum interp_status s = interp_step(&c, &mem, &res);

		if (s == INTERP_RETIRED)
			retired++;
		else if (s != INTERP_INCOMPLETE)
			return -1;
	}
	return (now_ns() - t0) / (double)retired;
}

int main(int argc, char **argv)
{
	unsigned int steps = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 200000;
	unsigned int runs = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 7;
	uint8_t *ram = aligned_alloc(4096, RAM);
	struct interp_tlb tlb = { 0 };
	const char *only = argc > 3 ? argv[3] : NULL;
	int status = 0;

	if (!ram || steps == 0 || runs == 0 || runs > 101) {
		fprintf(stderr, "usage: %s [STEPS [RUNS (1-101) [LOOP]]]\n", argv[0]);
		return 2;
	}
	printf("%-20s %3s %10s %10s %10s %7s %7s %9s\n", "loop", "cpl", "ns/insn", "+tlb", "ns/ref",
	       "ratio", "+tlb", "tlb gain");
	for (unsigned int i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		if (only && strncmp(loops[i].name, only, strlen(only)))
			continue;
		for (unsigned int cpl = 0; cpl <= 3; cpl += 3) {
			double a[101], b[101], t[101], ns, ref, nt;

			for (unsigned int r = 0; r < runs; r++) {
				a[r] = run_loop(ram, &loops[i], cpl, steps, NULL);
				b[r] = run_ref(steps, REF_UNITS);
				t[r] = run_loop(ram, &loops[i], cpl, steps, &tlb);
				if (a[r] < 0 || t[r] < 0) {
					fprintf(stderr, "%s at CPL %u: the loop stopped retiring\n",
						loops[i].name, cpl);
					free(ram);
					return 1;
				}
			}
			ns = median(a, runs);
			ref = median(b, runs);
			nt = median(t, runs);
			printf("%-20s %3u %10.1f %10.1f %10.1f %7.2f %7.2f %8.2fx\n", loops[i].name, cpl, ns, nt,
			       ref, ns / ref, nt / ref, ns / nt);
		}
	}
	free(ram);
	return status;
}
