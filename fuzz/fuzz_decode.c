// SPDX-License-Identifier: GPL-2.0-only
/*
 * The instruction classifier (src/pmu/soft/decode.c). The input: one byte
 * choosing the mode (16, 32 or 64; other values must be refused), then the
 * instruction bytes, given in a buffer of exactly their size so that a read
 * past them is an ASan report. Checked:
 *   - a classified instruction is 1 to 15 bytes and no longer than what was
 *     given; the same bytes cut to that length classify identically, and cut
 *     one byte shorter ask for more (-ENODATA);
 *   - -ENODATA only for fewer than 15 bytes, and once 15 are given the answer
 *     is final; -EINVAL does not change when more bytes follow;
 *   - the classification is self-consistent: is_branch iff a branch kind,
 *     conditional and direct only for branches, the operand size 2, 4 or 8.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "pmu/soft/decode.h"

static int classify_copy(const uint8_t *b, size_t n, int mode, struct x86_insn_class *c)
{
	uint8_t *copy = malloc(n ? n : 1);
	int r;

	FUZZ_CHECK(copy, "out of memory");
	memcpy(copy, b, n);
	r = x86_classify(copy, n, mode, c);
	free(copy);
	return r;
}

static bool same_class(const struct x86_insn_class *a, const struct x86_insn_class *b)
{
	return a->len == b->len && a->branch == b->branch && a->is_branch == b->is_branch &&
	       a->conditional == b->conditional && a->direct == b->direct && a->rel == b->rel &&
	       a->opsize == b->opsize && a->exit == b->exit && a->rep_string == b->rep_string &&
	       a->map == b->map && a->vex_map == b->vex_map && a->opcode == b->opcode;
}

static void check_class(const struct x86_insn_class *c, size_t n)
{
	FUZZ_CHECK(c->len >= 1 && c->len <= X86_MAX_INSN_LEN && c->len <= n, "length %u of %zu bytes",
		   c->len, n);
	FUZZ_CHECK(c->is_branch == (c->branch != X86_BR_NONE), "is_branch %d, kind %d", c->is_branch,
		   c->branch);
	FUZZ_CHECK(c->branch <= X86_BR_SYSEXIT && c->exit <= X86_EXIT_RDPMC && c->map <= X86_MAP_XOP,
		   "an enum out of range");
	FUZZ_CHECK(!c->conditional || c->is_branch, "conditional but not a branch");
	FUZZ_CHECK(!c->direct || c->branch == X86_BR_JCC || c->branch == X86_BR_LOOP ||
		   c->branch == X86_BR_JMP_REL || c->branch == X86_BR_CALL_REL,
		   "direct, but branch kind %d", c->branch);
	FUZZ_CHECK(c->direct || !c->rel, "a displacement without a direct branch");
	FUZZ_CHECK(c->opsize == 2 || c->opsize == 4 || c->opsize == 8, "operand size %u", c->opsize);
	FUZZ_CHECK(!c->rep_string || (!c->is_branch && c->exit != X86_EXIT_HLT), "rep on a branch or HLT");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[] = { 16, 32, 64, 64, 0, 63 };
	struct fuzz_in in = { data, size };
	int mode = modes[fuzz_u8(&in) % 6];
	uint8_t full[X86_MAX_INSN_LEN + 8];
	size_t n = in.n < sizeof(full) ? in.n : sizeof(full);
	struct x86_insn_class c, c2;
	int r, r2;

	memset(full, 0x90, sizeof(full));
	memcpy(full, in.p, n);
	r = classify_copy(full, n, mode, &c);
	if (mode != 16 && mode != 32 && mode != 64) {
		FUZZ_CHECK(r == -EINVAL, "mode %d accepted", mode);
		return 0;
	}
	FUZZ_CHECK(r == 0 || r == -ENODATA || r == -EINVAL, "x86_classify returned %d", r);
	if (r == 0) {
		check_class(&c, n);
		r2 = classify_copy(full, c.len, mode, &c2);
		FUZZ_CHECK(r2 == 0 && same_class(&c, &c2), "cut to its length %u: %d or different", c.len, r2);
		r2 = classify_copy(full, c.len - 1, mode, &c2);
		FUZZ_CHECK(r2 == -ENODATA, "cut to %u bytes: %d, not -ENODATA", c.len - 1, r2);
		if (c.direct)
			(void)x86_branch_target(&c, 0xfffffffffffffff0ULL);
	} else if (r == -ENODATA) {
		FUZZ_CHECK(n < X86_MAX_INSN_LEN, "-ENODATA with %zu bytes", n);
		/* More bytes (here NOPs) decide it. */
		r2 = classify_copy(full, sizeof(full), mode, &c2);
		FUZZ_CHECK(r2 != -ENODATA, "still -ENODATA with %zu bytes", sizeof(full));
		if (!r2)
			check_class(&c2, sizeof(full));
	} else {
		r2 = classify_copy(full, sizeof(full), mode, &c2);
		FUZZ_CHECK(r2 == -EINVAL, "invalid with %zu bytes, %d with more", n, r2);
	}
	return 0;
}
