/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Random instructions for the differential test, by opcode group: random
 * prefixes (66, 67, REX, segment, LOCK, REP where they mean something),
 * register and memory operand forms, and start registers chosen so that
 * memory operands land in the guest's data area (a few on purpose in an
 * unmapped or non-canonical address, to provoke #PF and #GP).
 */
#ifndef VMM_TESTS_INTERP_GEN_H
#define VMM_TESTS_INTERP_GEN_H

#include <stdbool.h>
#include <stdint.h>

struct gen_case {
	const char *group;
	uint8_t bytes[15];
	unsigned int len;
	uint64_t gpr[16];
	uint64_t rflags;
	bool stack_val_set;
	uint64_t stack_val;	/* written at [RSP] before the run */
	uint8_t stack[40];	/* the system groups: nstack bytes written at [RSP] */
	unsigned int nstack;
	bool to_handler;	/* compare the state where both reach a handler or HLT */
	bool cmp_sregs;		/* and the data segment selectors (not after a return to CPL 3,
				   where this host puts its own) */
};

struct rng {
	uint64_t s;
};

uint64_t rng_next(struct rng *r);

/* Number of groups, and the name of one (for the summary). */
unsigned int gen_ngroups(void);
const char *gen_group_name(unsigned int i);

/*
 * Fill *c with a case of group i; code_addr is where the instruction will
 * sit; cpl is where it will run (some forms are left out at CPL 0, where
 * KVM's emulator is the reference and lacks them); mode is 64, 32 or 16
 * (compatibility mode with a 32- or 16-bit code segment).
 */
void gen_case(struct rng *r, unsigned int i, uint64_t code_addr, unsigned int cpl, unsigned int mode,
	      struct gen_case *c);

#endif
