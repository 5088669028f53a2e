// SPDX-License-Identifier: GPL-2.0-only
/*
 * The soft PMU engine's retirement decisions over made-up instruction
 * streams: what retires at a single-step exit, a breakpoint exit and a
 * user-space exit, whatever the host does with RIP and traps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/softpmu/account.h"

/* A tiny guest: address -> instruction. */
static const struct insn {
	uint64_t rip;
	unsigned int len;
	enum x86_branch_kind branch;
	bool rep;
} prog[] = {
	{ 0x100, 1, X86_BR_NONE, false },	/* nop */
	{ 0x101, 2, X86_BR_JCC, false },	/* jnz */
	{ 0x103, 2, X86_BR_NONE, false },	/* rep movsb (rep set below) */
	{ 0x105, 1, X86_BR_NONE, false },	/* out */
	{ 0x106, 2, X86_BR_IRET, false },	/* iretq */
	{ 0x108, 2, X86_BR_NONE, false },	/* ud2 */
	{ 0x10a, 2, X86_BR_INT, false },	/* int $n */
	{ 0x10c, 2, X86_BR_JMP_REL, false },	/* jmp . */
	{ 0x200, 1, X86_BR_NONE, false },	/* target / handler: nop */
	{ 0x201, 1, X86_BR_NONE, false },
};

struct rec {
	unsigned int n;
	uint64_t from[8], to[8];
};

static int classify(void *ctx, uint64_t rip, struct x86_insn_class *c)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(prog) / sizeof(prog[0]); i++) {
		if (prog[i].rip != rip)
			continue;
		memset(c, 0, sizeof(*c));
		c->len = prog[i].len;
		c->branch = prog[i].branch;
		c->is_branch = prog[i].branch != X86_BR_NONE;
		c->rep_string = prog[i].rep || rip == 0x103;
		return 0;
	}
	return -EFAULT;
}

static void retire(void *ctx, const struct x86_insn_class *c, uint64_t from, uint64_t to)
{
	struct rec *r = ctx;

	(void)c;
	assert_true(r->n < 8);
	r->from[r->n] = from;
	r->to[r->n++] = to;
}

static void expect(const struct rec *r, unsigned int n, const uint64_t (*ft)[2])
{
	assert_int_equal(r->n, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(r->from[i], ft[i][0]);
		assert_int_equal(r->to[i], ft[i][1]);
	}
}

static const struct step_case {
	const char *name;
	struct soft_pending p;
	uint64_t rip;			/* where the debug exit is */
	unsigned int cpl;
	enum soft_account_result result;
	unsigned int n;
	uint64_t retired[2][2];		/* (from, to) */
} step_cases[] = {
	{ "nop retires at its fall-through", { .valid = true, .rip = 0x100 }, 0x101, 0, SOFT_ACCOUNT_OK, 1,
	  { { 0x100, 0x101 } } },
	{ "taken jcc retires to its target", { .valid = true, .rip = 0x101 }, 0x200, 0, SOFT_ACCOUNT_OK, 1,
	  { { 0x101, 0x200 } } },
	{ "not-taken jcc retires at the fall-through", { .valid = true, .rip = 0x101 }, 0x103, 0, SOFT_ACCOUNT_OK,
	  1, { { 0x101, 0x103 } } },
	{ "jmp to itself retires", { .valid = true, .rip = 0x10c }, 0x10c, 0, SOFT_ACCOUNT_OK, 1,
	  { { 0x10c, 0x10c } } },
	{ "a REP iteration does not retire", { .valid = true, .rip = 0x103 }, 0x103, 0, SOFT_ACCOUNT_OK, 0, { { 0 } } },
	{ "the last REP iteration retires", { .valid = true, .rip = 0x103 }, 0x105, 0, SOFT_ACCOUNT_OK, 1,
	  { { 0x103, 0x105 } } },
	{ "a fault or interrupt instead of the nop: nothing", { .valid = true, .rip = 0x100 }, 0x200, 0,
	  SOFT_ACCOUNT_OK, 0, { { 0 } } },
	{ "the trap of an instruction accounted early: nothing", { .valid = true, .trailing = true, .rip = 0x106 },
	  0x106, 0, SOFT_ACCOUNT_OK, 0, { { 0 } } },
	{ "no trailing trap came: the next one retired", { .valid = true, .trailing = true, .rip = 0x100 }, 0x101,
	  0, SOFT_ACCOUNT_OK, 1, { { 0x100, 0x101 } } },
	{ "IRET, breakpoint at its target", { .valid = true, .rip = 0x106, .bp_kind = BP_IRET, .bp = 0x200 }, 0x200, 0,
	  SOFT_ACCOUNT_OK, 1, { { 0x106, 0x200 } } },
	{ "IRET whose trap came after the target ran", { .valid = true, .rip = 0x106, .bp_kind = BP_IRET,
	  .bp = 0x200 }, 0x201, 0, SOFT_ACCOUNT_OK, 2, { { 0x106, 0x200 }, { 0x200, 0x201 } } },
	{ "IRET to CPL 3 and back unseen", { .valid = true, .rip = 0x106, .bp_kind = BP_IRET, .bp = 0x200,
	  .iret_to_user = true }, 0x108, 0, SOFT_ACCOUNT_CPL3_MISSED, 1, { { 0x106, 0x200 } } },
	{ "IRET to CPL 3, seen at CPL 3", { .valid = true, .rip = 0x106, .bp_kind = BP_IRET, .bp = 0x200,
	  .iret_to_user = true }, 0x201, 3, SOFT_ACCOUNT_OK, 2, { { 0x106, 0x200 }, { 0x200, 0x201 } } },
	{ "INT n retires into its handler", { .valid = true, .rip = 0x10a, .bp_kind = BP_EVENT, .bp = 0x200,
	  .retires_into = true }, 0x200, 0, SOFT_ACCOUNT_OK, 1, { { 0x10a, 0x200 } } },
	{ "UD2 faults into its handler: nothing retires", { .valid = true, .rip = 0x108, .bp_kind = BP_EVENT,
	  .bp = 0x200 }, 0x200, 0, SOFT_ACCOUNT_OK, 0, { { 0 } } },
	{ "nothing pending", { .valid = false }, 0x101, 0, SOFT_ACCOUNT_OK, 0, { { 0 } } },
	{ "unreadable pending instruction", { .valid = true, .rip = 0x999 }, 0x99a, 0, SOFT_ACCOUNT_OK, 0, { { 0 } } },
};

static void test_step(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(step_cases) / sizeof(step_cases[0]); i++) {
		const struct step_case *t = &step_cases[i];
		struct rec r = { 0 };
		struct soft_account_ops ops = { classify, retire, &r };
		struct soft_pending p = t->p;

		print_message("# %s\n", t->name);
		assert_int_equal(soft_account_step(&p, t->rip, t->cpl, &ops), t->result);
		expect(&r, t->n, t->retired);
	}
}

static const struct exit_case {
	const char *name;
	struct soft_pending p;
	uint64_t rip;			/* RIP at the user-space exit */
	bool retired;
	uint64_t next;			/* the new pending RIP, trailing */
} exit_cases[] = {
	{ "OUT, RIP not yet advanced", { .valid = true, .rip = 0x105 }, 0x105, true, 0x106 },
	{ "OUT, RIP already advanced", { .valid = true, .rip = 0x105 }, 0x106, true, 0x106 },
	{ "an exit elsewhere is not the pending one's", { .valid = true, .rip = 0x105 }, 0x200, false, 0 },
	{ "REP OUTS may exit again", { .valid = true, .rip = 0x103 }, 0x103, false, 0 },
	{ "already accounted", { .valid = true, .trailing = true, .rip = 0x105 }, 0x105, false, 0 },
};

static void test_user_exit(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(exit_cases) / sizeof(exit_cases[0]); i++) {
		const struct exit_case *t = &exit_cases[i];
		struct rec r = { 0 };
		struct soft_account_ops ops = { classify, retire, &r };
		struct soft_pending p = t->p;

		print_message("# %s\n", t->name);
		assert_int_equal(soft_account_user_exit(&p, t->rip, &ops), t->retired);
		assert_int_equal(r.n, t->retired ? 1 : 0);
		if (t->retired) {
			assert_int_equal(r.from[0], t->p.rip);
			assert_true(p.trailing);
			assert_int_equal(p.rip, t->next);
		}
	}
}

/* OUT on a host that advances RIP and then still traps: counted once. */
static void test_out_then_trap(void **state)
{
	struct rec r = { 0 };
	struct soft_account_ops ops = { classify, retire, &r };
	struct soft_pending p = { .valid = true, .rip = 0x105 };

	(void)state;
	assert_true(soft_account_user_exit(&p, 0x106, &ops));
	assert_int_equal(soft_account_step(&p, 0x106, 0, &ops), SOFT_ACCOUNT_OK);	/* its own trap */
	assert_int_equal(r.n, 1);
}

/* soft_raised_vector() on real encodings, classified by x86_classify(). */
static const struct vector_case {
	const char *name;
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t len;		/* bytes of the instruction */
	size_t n;		/* bytes handed over (0: len) */
	int mode;
	int vector;
} vector_cases[] = {
	{ "INT 21h", { 0xcd, 0x21 }, 2, 0, 64, 0x21 },
	{ "INT 21h after two prefixes (the immediate is byte 3)", { 0x66, 0x66, 0xcd, 0x21 }, 4, 0, 64, 0x21 },
	{ "INT 80h after three prefixes", { 0xf3, 0x66, 0x2e, 0xcd, 0x80 }, 5, 0, 64, 0x80 },
	{ "INT 0feh after 13 prefixes (15 bytes)", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0xcd, 0xfe }, 15, 0, 64, 0xfe },
	{ "INT 3 after REX.W", { 0x48, 0xcd, 0x03 }, 3, 0, 64, 3 },
	{ "INT3", { 0xcc }, 1, 0, 64, 3 },
	{ "UD2", { 0x0f, 0x0b }, 2, 0, 64, 6 },
	{ "UD2 after a prefix", { 0x66, 0x0f, 0x0b }, 3, 0, 64, 6 },
	{ "INTO (32-bit): only with OF", { 0xce }, 1, 0, 32, -1 },
	{ "NOP", { 0x90 }, 1, 0, 64, -1 },
	{ "INT n cut short", { 0x66, 0x66, 0xcd, 0x21 }, 4, 3, 64, -1 },
};

static void test_raised_vector(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vector_cases) / sizeof(vector_cases[0]); i++) {
		const struct vector_case *t = &vector_cases[i];
		struct x86_insn_class c;

		print_message("# %s\n", t->name);
		assert_int_equal(x86_classify(t->bytes, t->len, t->mode, &c), 0);
		assert_int_equal(c.len, t->len);
		assert_int_equal(soft_raised_vector(t->bytes, t->n ? t->n : t->len, &c), t->vector);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_raised_vector),
		cmocka_unit_test(test_user_exit),
		cmocka_unit_test(test_out_then_trap),
	};

	return cmocka_run_group_tests_name("soft_account", tests, NULL, NULL);
}
