// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/exec.h"

#define RFLAGS_ZF (1ull << 6)

static uint64_t count_mask(unsigned int addrsize)
{
	return addrsize == 8 ? ~0ull : addrsize == 4 ? 0xffffffffull : 0xffffull;
}

uint64_t soft_exec_loop_self(const struct x86_insn_class *c, uint64_t rip, int mode, uint64_t rcx,
			     uint64_t rflags)
{
	bool zf = rflags & RFLAGS_ZF;
	uint64_t count;

	if (c->branch != X86_BR_LOOP || c->map != X86_MAP_ONE_BYTE || c->opcode > 0xe2 ||
	    !c->direct || x86_branch_target(c, rip) != rip)
		return 0;			/* E3 JrCXZ loops only while the count is 0: for ever */
	if (mode == 64 && c->addrsize != 8)
		return 0;
	if ((c->opcode == 0xe1 && !zf) || (c->opcode == 0xe0 && zf))
		return 0;			/* LOOPE / LOOPNE: falls through at once */
	count = rcx & count_mask(c->addrsize);
	if (count)
		return count;
	return c->addrsize == 8 ? UINT64_MAX : count_mask(c->addrsize) + 1;
}

uint64_t soft_exec_loop_rcx(const struct x86_insn_class *c, uint64_t rcx, uint64_t k)
{
	uint64_t m = count_mask(c->addrsize);

	return (rcx & ~m) | ((rcx - k) & m);
}
