// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/check.h"

#include <stdio.h>
#include <string.h>

#define RFLAGS_RF (1ULL << 16)	/* SDM vol. 3 18.3.1.1: set by the VMM's breakpoint handling, not by the instruction */

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static void add(char *buf, size_t len, size_t *off, const char *name, uint64_t a, uint64_t b)
{
	if (*off < len)
		*off += (size_t)snprintf(buf + *off, len - *off, " %s %llx/%llx", name, (unsigned long long)a,
					 (unsigned long long)b);
}

bool soft_check_compare(const struct soft_check *c, char *msg, size_t len)
{
	char diff[320] = "", bytes[48] = "";
	size_t off = 0, boff = 0;

	for (int i = 0; i < 16; i++)
		if (c->interp->gpr[i] != c->kvm->gpr[i])
			add(diff, sizeof(diff), &off, gpr_names[i], c->interp->gpr[i], c->kvm->gpr[i]);
	if (c->interp->rip != c->kvm->rip)
		add(diff, sizeof(diff), &off, "rip", c->interp->rip, c->kvm->rip);
	if ((c->interp->rflags ^ c->kvm->rflags) & ~RFLAGS_RF)
		add(diff, sizeof(diff), &off, "rflags", c->interp->rflags, c->kvm->rflags);
	if (c->interp_ram && c->kvm_ram && memcmp(c->interp_ram, c->kvm_ram, c->ram_size)) {
		uint64_t a = 0;

		while (c->interp_ram[a] == c->kvm_ram[a])
			a++;
		if (off < sizeof(diff))
			off += (size_t)snprintf(diff + off, sizeof(diff) - off, " memory at gpa %llx %02x/%02x",
						(unsigned long long)a, c->interp_ram[a], c->kvm_ram[a]);
	}
	if (!off)
		return true;
	for (size_t i = 0; i < c->nbytes && boff + 4 < sizeof(bytes); i++)
		boff += (size_t)snprintf(bytes + boff, sizeof(bytes) - boff, "%s%02x", i ? " " : "", c->bytes[i]);
	snprintf(msg, len, "the interpreter and KVM differ after the instruction at %llx (bytes %s), run from "
		 "rflags %llx rsp %llx rax %llx rcx %llx; interpreter/KVM:%s",
		 (unsigned long long)c->before->rip, bytes, (unsigned long long)c->before->rflags,
		 (unsigned long long)c->before->gpr[INTERP_RSP], (unsigned long long)c->before->gpr[INTERP_RAX],
		 (unsigned long long)c->before->gpr[INTERP_RCX], diff);
	return false;
}
