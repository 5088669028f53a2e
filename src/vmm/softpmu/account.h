/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software PMU engine's bookkeeping: which guest instruction retired at
 * each exit while single-stepping. Pure: instructions are classified and
 * retirements reported through callbacks, so unit tests drive it with
 * made-up instruction streams. See docs/soft-pmu.md, "Accounting".
 */
#ifndef VMM_VMM_SOFT_ACCOUNT_H
#define VMM_VMM_SOFT_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmu/soft/decode.h"

/* The instruction at the RIP where the guest resumes, not yet retired. */
struct soft_pending {
	bool valid;
	bool trailing;		/* retired early at a user-space exit: a debug exit at rip is
				   that instruction's own trap, not a new retirement */
	uint64_t rip;
	/*
	 * A hardware breakpoint at bp: where an IRET returns (its RFLAGS may
	 * lack TF), or the handler an event will enter (delivery clears TF).
	 */
	enum { BP_NONE, BP_IRET, BP_EVENT } bp_kind;
	uint64_t bp;
	bool iret_to_user;	/* the IRET returns to CPL 3 */
	bool retires_into;	/* INT n, or HLT woken by the interrupt: retired when the handler is reached */
	bool has_class;		/* cls holds the instruction's classification (read once) */
	struct x86_insn_class cls;
};

struct soft_account_ops {
	/* Classify the instruction at rip; < 0 when its bytes cannot be read. */
	int (*classify)(void *ctx, uint64_t rip, struct x86_insn_class *c);
	/* The instruction c at from retired; execution went on at to. */
	void (*retire)(void *ctx, const struct x86_insn_class *c, uint64_t from, uint64_t to);
	void *ctx;
};

enum soft_account_result {
	SOFT_ACCOUNT_OK,
	SOFT_ACCOUNT_CPL3_MISSED,	/* an IRET went to CPL 3 and the guest came back unseen */
};

/*
 * The vector the instruction c raises on purpose, from its bytes[0..n):
 * UD2 #UD (6), INT3 (3), INT n (its imm8: CD ib has no ModRM, SIB or
 * displacement, so the immediate is the last byte whatever prefixes come
 * first). -1 for anything else, including INTO (it raises #OF only when OF
 * is set), and when n does not hold the whole instruction.
 */
int soft_raised_vector(const uint8_t *bytes, size_t n, const struct x86_insn_class *c);

/*
 * A single-step or breakpoint debug exit at rip (cpl: the guest's CPL now).
 * Decides what retired since the last exit and reports it; p is left as is
 * for the caller to replace with the instruction at rip.
 */
enum soft_account_result soft_account_step(struct soft_pending *p, uint64_t rip, unsigned int cpl,
					   const struct soft_account_ops *ops);

/*
 * A user-space exit (port I/O, MMIO, a filtered MSR) at rip, caused by the
 * pending instruction, which cannot fault any more: it retires now, whether
 * or not the host advanced RIP, and p becomes the next instruction with
 * trailing set. Returns whether it retired.
 */
bool soft_account_user_exit(struct soft_pending *p, uint64_t rip, const struct soft_account_ops *ops);

#endif
