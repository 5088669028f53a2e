/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running guest code at CPL 3 (SDM vol. 3A 5.5, 6.12.1, 7.7):
 *
 *	usermode_init();			once, from main()
 *	r = usermode_call(fn, arg);		fn(arg) runs at CPL 3
 *
 * usermode_init() loads a GDT that adds DPL-3 code and data descriptors and
 * a 64-bit TSS (whose RSP0 gives faults from CPL 3 a stack), and sets the
 * U/S bit in the paging entries that map the image, so that the image's code,
 * data and stacks are reachable from CPL 3.
 *
 * usermode_call() enters fn with IRETQ on a user stack inside the image,
 * interrupts off and IOPL 0. When fn returns, a UD2 at a known address
 * raises #UD; the library's #UD handler recognises it and resumes at CPL 0
 * on the caller's stack with fn's return value. Neither INT n nor SYSCALL is
 * used: some hosts cannot emulate software interrupts.
 *
 * fn may use the *_safe accessors of msr.h (their fault fixups work at CPL 3
 * too) but not printf (port I/O at CPL 3 #GPs) nor anything else privileged:
 * an unexpected fault at CPL 3 bails out of the test as at CPL 0.
 */
#ifndef GUEST_USERMODE_H
#define GUEST_USERMODE_H

#include <stdbool.h>
#include <stdint.h>

/* Selectors of the GDT usermode_init() loads; 0x08-0x20 are entry.S's. */
#define USERMODE_TSS_SEL	0x28	/* 16-byte 64-bit TSS descriptor */
#define USERMODE_CS32_SEL	0x3b	/* 32-bit code, DPL 3 (for a SYSRET layout) */
#define USERMODE_DS_SEL		0x43	/* data, DPL 3 */
#define USERMODE_CS_SEL		0x4b	/* 64-bit code, DPL 3 */

typedef uint64_t (*usermode_fn)(uint64_t arg);

/* GDT, TSS, U/S bits; clears CR4.SMEP/SMAP. Safe to call more than once. */
void usermode_init(void);

/* Runs fn(arg) at CPL 3 and returns its result at CPL 0. */
uint64_t usermode_call(usermode_fn fn, uint64_t arg);

/* CR4.PCE (SDM vol. 3A 2.5): whether RDPMC is allowed at CPL 3. */
void usermode_set_pce(bool on);

/* CR4.TSD (SDM vol. 3A 2.5): RDTSC and RDTSCP #GP at CPL 3 when set. */
void usermode_set_tsd(bool on);

/* The current privilege level: CS.RPL (SDM vol. 3A 5.5). */
static inline unsigned int usermode_cpl(void)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

#endif
