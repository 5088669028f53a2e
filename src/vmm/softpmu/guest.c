// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/guest.h"

#include "common/x86.h"
#include "interp/interp.h"
#include "vmm/softpmu/account.h"

/*
 * KVM_GET_SREGS reports the CPL as SS.DPL: arch/x86/kvm/svm/svm.c,
 * svm_get_segment() sets the SS DPL from the VMCB's CPL; on Intel,
 * arch/x86/kvm/vmx/vmx.c, vmx_get_segment() takes it from the SS access
 * rights, which vmx_get_cpl() reads as the CPL too.
 */
unsigned int soft_guest_cpl(const struct kvm_sregs *sr, uint64_t rflags)
{
	return interp_cpl_from(sr->cr0, rflags, sr->ss.dpl);
}

int soft_guest_mode(const struct kvm_sregs *sr)
{
	return interp_code_size_from(sr->efer, sr->cs.l, sr->cs.db);
}

static bool read_all(const struct gva_ctx *g, uint64_t addr, void *buf, size_t len)
{
	return gva_read(g, addr, buf, len) == len;
}

/*
 * SDM vol. 2 IRET: the frame is RIP, CS, RFLAGS[, RSP, SS], each
 * operand-size bytes, at SS:RSP (SS.B selects SP or ESP outside 64-bit mode).
 */
bool soft_guest_iret_target(const struct kvm_sregs *sr, uint64_t rsp, const struct gva_ctx *g,
			    unsigned int opsize, uint64_t *target, bool *to_user)
{
	unsigned int size = opsize ? opsize : 4;
	uint64_t rip = 0, cs = 0;

	if (size != 2 && size != 4 && size != 8)
		return false;
	if (soft_guest_mode(sr) != 64)
		rsp = sr->ss.base + (sr->ss.db ? (uint32_t)rsp : (uint16_t)rsp);
	if (!read_all(g, rsp, &rip, size) || !read_all(g, rsp + size, &cs, size))
		return false;
	*target = size == 8 ? rip : size == 4 ? (uint32_t)rip : (uint16_t)rip;
	/* SDM vol. 3 5.5: the return CPL is the RPL of the CS popped. */
	*to_user = (sr->cr0 & CR0_PE) && (cs & 3) == 3;
	return true;
}

/*
 * SDM vol. 3 6.11 (8-byte gates, protected mode) and 6.14.1 (16-byte gates,
 * IA-32e mode): offset 15:0 in bytes 0-1, 31:16 in bytes 6-7, 63:32 in bytes
 * 8-11 of a 16-byte gate; P is bit 47 (byte 5, bit 7). The vector must lie
 * within the IDT limit (SDM vol. 3 6.10).
 */
bool soft_guest_gate_handler(const struct kvm_sregs *sr, const struct gva_ctx *g, unsigned int vector,
			     uint64_t *handler)
{
	bool long_mode = sr->efer & EFER_LMA;
	unsigned int size = long_mode ? 16 : 8;
	uint8_t b[16];

	if (!(sr->cr0 & CR0_PE) || vector > 255 || (vector + 1) * size - 1 > sr->idt.limit ||
	    !read_all(g, sr->idt.base + vector * size, b, size) || !(b[5] & 0x80))
		return false;
	*handler = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[6] << 16 | (uint64_t)b[7] << 24;
	if (long_mode)
		*handler |= (uint64_t)b[8] << 32 | (uint64_t)b[9] << 40 | (uint64_t)b[10] << 48 |
			    (uint64_t)b[11] << 56;
	return true;
}

int soft_guest_raised_vector(const struct gva_ctx *g, uint64_t addr, const struct x86_insn_class *c)
{
	uint8_t b[X86_MAX_INSN_LEN];

	if (c->len > sizeof(b) || !read_all(g, addr, b, c->len))
		return -1;
	return soft_raised_vector(b, c->len, c);
}

void soft_guest_breakpoint(const struct kvm_sregs *sr, uint64_t rsp, const struct gva_ctx *g, uint64_t rip,
			   const struct x86_insn_class *c, int timer_vector, struct soft_guest_bp *bp)
{
	uint64_t addr;
	bool to_user;
	int vector;

	*bp = (struct soft_guest_bp){ .kind = BP_NONE, .step = true };
	if (c->branch == X86_BR_IRET && soft_guest_iret_target(sr, rsp, g, c->opsize, &addr, &to_user)) {
		*bp = (struct soft_guest_bp){ .kind = BP_IRET, .addr = addr, .step = true, .iret_to_user = to_user };
	} else if ((vector = soft_guest_raised_vector(g, rip, c)) >= 0 &&
		   soft_guest_gate_handler(sr, g, (unsigned int)vector, &addr)) {
		*bp = (struct soft_guest_bp){ .kind = BP_EVENT, .addr = addr, .step = true,
					      .retires_into = c->branch == X86_BR_INT };
	} else if (c->exit == X86_EXIT_HLT && timer_vector >= 0 &&
		   soft_guest_gate_handler(sr, g, (unsigned int)timer_vector, &addr)) {
		/* KVM injects no interrupt while it single-steps: the HLT waits with only the breakpoint. */
		*bp = (struct soft_guest_bp){ .kind = BP_EVENT, .addr = addr, .step = false, .retires_into = true };
	}
}
