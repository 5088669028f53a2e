/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPU state the interpreter's unit tests start from: 64-bit mode at
 * CPL 0, flat segments (CS a 64-bit code segment), paging with PAE, WP and
 * NXE (CR0 0x80050033, CR4.PAE, EFER LME|LMA|NXE), RFLAGS with only its
 * fixed bit. The tests build their own page tables under cr3.
 */
#ifndef VMM_TESTS_INTERP_FLAT64_H
#define VMM_TESTS_INTERP_FLAT64_H

#include <stdint.h>
#include <string.h>

#include "interp/interp.h"

static inline void flat64_cpu(struct interp_cpu *c, uint64_t cr3, uint64_t rip, uint64_t rsp)
{
	memset(c, 0, sizeof(*c));
	for (unsigned int s = 0; s < 6; s++) {
		c->seg[s].limit = 0xffffffff;
		c->seg[s].type = 3;
		c->seg[s].present = c->seg[s].s = c->seg[s].db = c->seg[s].g = true;
	}
	c->seg[INTERP_CS].type = 11;
	c->seg[INTERP_CS].l = true;
	c->seg[INTERP_CS].db = false;
	c->cr0 = 0x80050033;
	c->cr3 = cr3;
	c->cr4 = 0x20;
	c->efer = 0xd00;
	c->rflags = 2;
	c->rip = rip;
	c->gpr[INTERP_RSP] = rsp;
}

#endif
