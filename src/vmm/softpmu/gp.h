/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RDPMC outside single-stepping, pure part. With KVM's vPMU off, KVM
 * answers every RDPMC with #GP (arch/x86/kvm/x86.c kvm_emulate_rdpmc:
 * kvm_pmu_rdpmc() fails for a vPMU of version 0), and there is no exit to
 * userspace for it. The engine breakpoints the guest's #GP handler; when the
 * #GP it stops at was raised by an RDPMC the model answers, it completes the
 * RDPMC and undoes the delivery from the exception frame, as if the #GP had
 * never happened. These functions read and check that frame; see
 * docs/soft-pmu.md, "RDPMC".
 */
#ifndef VMM_VMM_SOFT_GP_H
#define VMM_VMM_SOFT_GP_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

/*
 * SDM vol. 3 6.14.2, figure 6-9: what 64-bit mode event delivery pushes for
 * an exception with an error code, lowest address first. The handler's
 * first instruction finds it at RSP.
 */
struct soft_gp_frame {
	uint64_t error_code, rip, cs, rflags, rsp, ss;
};

#define SOFT_GP_FRAME_SIZE	48

/* The frame from the bytes at the handler's RSP. */
void soft_gp_frame_parse(const uint8_t bytes[SOFT_GP_FRAME_SIZE], struct soft_gp_frame *f);

/*
 * SDM vol. 2B RDPMC: "If CR4.PCE = 0 and CPL > 0, #GP(0)" (in protected
 * mode; real mode is CPL 0). The counter index is the model's business.
 */
bool soft_rdpmc_permitted(unsigned int cpl, bool cr4_pce);

/* A 48-bit canonical linear address (SDM vol. 1 3.3.7.1). */
bool soft_canonical(uint64_t addr);

/*
 * RFLAGS to resume with after the RDPMC: the frame's, minus RF (set in the
 * image of a fault, SDM vol. 3 18.3.1.1, and cleared when an instruction
 * completes), VM (not in long mode) and undefined bits, plus the fixed bit
 * 1; minus TF when the VMM single-stepped the guest (TF was its, not the
 * guest's).
 */
uint64_t soft_gp_resume_rflags(uint64_t frame_rflags, bool vmm_tf);

/*
 * The GDT descriptor desc for selector sel as a segment register, for CS
 * (code) or SS in IA-32e mode (SDM vol. 3 3.4.5, 5.6, 6.14.3: what IRET
 * would load). 0, or -EINVAL when the descriptor cannot be loaded there:
 * not present, the wrong type, DPL against RPL, or a 64-bit CS with D set.
 * A null SS (only at CPL 0) becomes an unusable segment.
 */
int soft_seg_from_desc(uint64_t desc, uint16_t sel, bool code, struct kvm_segment *seg);

#endif
