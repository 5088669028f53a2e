// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/check.h"

#include <stdio.h>
#include <string.h>

#define RFLAGS_RF (1ULL << 16)	/* SDM vol. 3 18.3.1.1: set by the VMM's breakpoint handling, not by the instruction */
/*
 * KVM hides TF while it single-steps (arch/x86/kvm/x86.c, kvm_get_rflags()),
 * and a frame KVM pushed meanwhile holds it, which an IRET brings back:
 * the interpreter engine drops it (interp_run()); a guest's own TF is left
 * to KVM.
 */
#define RFLAGS_TF (1ULL << 8)

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static void add(char *buf, size_t len, size_t *off, const char *name, uint64_t a, uint64_t b)
{
	if (*off < len)
		*off += (size_t)snprintf(buf + *off, len - *off, " %s %llx/%llx", name, (unsigned long long)a,
					 (unsigned long long)b);
}

size_t soft_check_words(uint64_t size)
{
	return (size_t)((size / 4096 + 63) / 64);
}

uint64_t soft_check_sync(struct soft_check_ram *r, const uint8_t *ram)
{
	size_t words = soft_check_words(r->size);
	uint64_t n = 0;

	for (size_t w = 0; w < words; w++) {
		uint64_t bits = r->written[w] | r->logged[w];

		r->written[w] = r->logged[w] = 0;
		for (; bits; bits &= bits - 1) {
			uint64_t gpa = ((uint64_t)w * 64 + (unsigned int)__builtin_ctzll(bits)) * 4096;

			if (gpa < r->size) {
				memcpy(r->copy + gpa, ram + gpa, 4096);
				n++;
			}
		}
	}
	return n;
}

/* The first byte at which the two RAMs differ, within c->pages (all of RAM without them). */
static bool ram_differs(const struct soft_check *c, uint64_t *at)
{
	size_t words = soft_check_words(c->ram_size);

	if (!c->pages[0] && !c->pages[1]) {
		if (!memcmp(c->interp_ram, c->kvm_ram, c->ram_size))
			return false;
		for (*at = 0; c->interp_ram[*at] == c->kvm_ram[*at]; ++*at)
			;
		return true;
	}
	for (size_t w = 0; w < words; w++) {
		uint64_t bits = (c->pages[0] ? c->pages[0][w] : 0) | (c->pages[1] ? c->pages[1][w] : 0);

		for (; bits; bits &= bits - 1) {
			uint64_t gpa = ((uint64_t)w * 64 + (unsigned int)__builtin_ctzll(bits)) * 4096;

			if (gpa >= c->ram_size || !memcmp(c->interp_ram + gpa, c->kvm_ram + gpa, 4096))
				continue;
			for (*at = gpa; c->interp_ram[*at] == c->kvm_ram[*at]; ++*at)
				;
			return true;
		}
	}
	return false;
}

bool soft_check_compare(const struct soft_check *c, char *msg, size_t len)
{
	char diff[320] = "", bytes[48] = "";
	size_t off = 0, boff = 0;
	uint64_t a;

	for (int i = 0; i < 16; i++)
		if (c->interp->gpr[i] != c->kvm->gpr[i])
			add(diff, sizeof(diff), &off, gpr_names[i], c->interp->gpr[i], c->kvm->gpr[i]);
	if (c->interp->rip != c->kvm->rip)
		add(diff, sizeof(diff), &off, "rip", c->interp->rip, c->kvm->rip);
	if ((c->interp->rflags ^ c->kvm->rflags) & ~(RFLAGS_RF | RFLAGS_TF))
		add(diff, sizeof(diff), &off, "rflags", c->interp->rflags, c->kvm->rflags);
	if (c->interp_ram && c->kvm_ram && ram_differs(c, &a)) {
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
