// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/engine.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "vmm/bootinfo.h"
#include "common/x86.h"
#include "interp/gva.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/msr_filter.h"
#include "vmm/softpmu/emul.h"
#include "vmm/softpmu/engine_internal.h"
#include "vmm/softpmu/exec.h"
#include "vmm/softpmu/gp.h"
#include "vmm/softpmu/guest.h"
#include "vmm/run/vcpu.h"
#include "vmm/run/vm.h"

#define APIC_LVTPC	0x340		/* SDM vol. 3 11.5.1: LVT performance monitoring counter */
#define LVT_MASKED	(1u << 16)
#define APIC_LVTT	0x320		/* SDM vol. 3 11.5.1: LVT timer */
#define LVT_DM_NMI	4
#define MSI_ADDR_BASE	0xfee00000u	/* SDM vol. 3 11.11.1 */
#define GP_VECTOR	13
#define DR7_L0		(1ULL << 0)	/* SDM vol. 3 18.2.4: local enable of DR0 */
#define DR7_L1		(1ULL << 2)

int engine_fail(struct soft_vcpu *s, const char *what, int code)
{
	if (!s->error) {
		s->error = -code;
		snprintf(s->errmsg, sizeof(s->errmsg), "software PMU: %s failed: %s", what, strerror(code));
	}
	return -code;
}

/* ---- VM setup ---- */

int soft_engine_setup_vm(int vm_fd, int kvm_fd, const struct pmu_plan *plan, struct vmm_err *err)
{
	struct softpmu *model;
	const uint32_t *list;
	size_t n;
	int r;

	/* Registers come back on every exit through kvm_run (KVM_CAP_SYNC_REGS). */
	if ((kvm_check_cap(kvm_fd, KVM_CAP_SYNC_REGS) & (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) !=
	    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS))
		return vmm_errf(err, ENOTSUP, "--pmu=soft needs KVM_CAP_SYNC_REGS with registers and "
				"segment registers");
	if (kvm_check_cap(kvm_fd, KVM_CAP_SET_GUEST_DEBUG) <= 0)
		return vmm_errf(err, ENOTSUP, "--pmu=soft needs KVM_CAP_SET_GUEST_DEBUG (single-stepping)");
	model = malloc(sizeof(*model));
	if (!model)
		return vmm_errf(err, ENOMEM, "out of memory for the software PMU");
	r = softpmu_init(model, &plan->shape, NULL, err);
	if (!r) {
		list = softpmu_msr_list(model, &n);
		r = msr_filter_install(kvm_fd, vm_fd, list, n, err);
	}
	free(model);
	return r;
}

/* ---- the vCPU's registers, from the sync area KVM fills on every exit ---- */

static const struct kvm_regs *regs_of(const struct soft_vcpu *s)
{
	return &s->vcpu->run->s.regs.regs;
}

const struct kvm_sregs *sregs_of(const struct soft_vcpu *s)
{
	return &s->vcpu->run->s.regs.sregs;
}

static unsigned int guest_cpl(const struct soft_vcpu *s)
{
	return soft_guest_cpl(sregs_of(s), regs_of(s)->rflags);
}

/* Guest linear memory under the paging of sr. */
static struct gva_ctx linear_of(const struct soft_vcpu *s, const struct kvm_sregs *sr)
{
	const struct vm *vm = s->vcpu->vm;

	return (struct gva_ctx){ vm->mem, vm->mem_size, sr->cr0, sr->cr3, sr->cr4, sr->efer };
}

/* Classify the instruction at rip under the segments and paging of sr (CS base added outside 64-bit mode). */
static int classify_in(const struct soft_vcpu *s, const struct kvm_sregs *sr, uint64_t rip,
		       struct x86_insn_class *c)
{
	struct gva_ctx g = linear_of(s, sr);
	int mode = soft_guest_mode(sr);
	uint8_t bytes[X86_MAX_INSN_LEN];
	uint64_t linear = mode == 64 ? rip : sr->cs.base + rip;
	size_t n = gva_read(&g, linear, bytes, sizeof(bytes));

	return x86_classify(bytes, n, mode, c);
}

static int classify_at(const struct soft_vcpu *s, uint64_t rip, struct x86_insn_class *c)
{
	return classify_in(s, sregs_of(s), rip, c);
}

/*
 * The one accounting path of both engines: the instruction c at rip retired at cpl, execution went on at
 * next. One call into the model, which does nothing while nothing counts (--soft-interp=always).
 */
bool retire_at(struct soft_vcpu *s, const struct x86_insn_class *c, unsigned int cpl, uint64_t rip,
	       uint64_t next)
{
	s->retired++;
	return softpmu_retire_class(&s->model, c, cpl, rip, next);
}

static void retire(struct soft_vcpu *s, const struct x86_insn_class *c, uint64_t rip, uint64_t next)
{
	retire_at(s, c, guest_cpl(s), rip, next);
}

static int account_classify(void *ctx, uint64_t rip, struct x86_insn_class *c)
{
	return classify_at(ctx, rip, c);
}

static void account_retire(void *ctx, const struct x86_insn_class *c, uint64_t from, uint64_t to)
{
	struct soft_vcpu *s = ctx;

	/*
	 * --soft-interp=always: an instruction KVM ran while nothing counted
	 * retires nothing, the WRMSR that enabled counting included, as when
	 * the engine follows the guest only while it counts.
	 */
	if (s->always && !s->entered_counting) {
		s->retired++;
		return;
	}
	retire(s, c, from, to);
}

/*
 * The instruction that caused a user-space exit (port I/O, MMIO, MSR) is the
 * pending one; it cannot fault any more, so account it now, whatever the host
 * does with RIP and with the debug trap of that instruction (both differ
 * between hosts: docs/soft-pmu.md). Returns true when it was retired.
 */
static bool retire_early(struct soft_vcpu *s)
{
	return s->stepping && soft_account_user_exit(&s->pending, regs_of(s)->rip, &s->account);
}


static bool read_linear(const struct soft_vcpu *s, uint64_t addr, void *buf, size_t len)
{
	struct gva_ctx g = linear_of(s, sregs_of(s));

	return gva_read(&g, addr, buf, len) == len;
}

/* The handler of vector: its IDT gate's offset (soft_guest_gate_handler()). */
bool gate_handler(const struct soft_vcpu *s, unsigned int vector, uint64_t *handler)
{
	struct gva_ctx g = linear_of(s, sregs_of(s));

	return soft_guest_gate_handler(sregs_of(s), &g, vector, handler);
}

/*
 * Arm (or disarm, kind BP_NONE) the breakpoint of the pending instruction.
 * step: keep single-stepping meanwhile. KVM injects no interrupt while it
 * single-steps a vCPU, so a HLT waits for its interrupt with only the
 * breakpoint armed.
 */
void pending_breakpoint(struct soft_vcpu *s, int kind, uint64_t addr, bool step)
{
	s->pending.bp_kind = kind;
	s->pending.bp = addr;
	if (kind != BP_NONE)
		set_debug(s, step, true, addr);
	else if (s->breakpoint || !s->kvm_step)
		set_debug(s, true, false, 0);
}

/*
 * HLT sleeps until an interrupt, whose delivery clears TF. The one a test
 * guest arms is the LAPIC timer (SDM vol. 3 11.5.4): its LVT vector, if
 * unmasked, else -1. Other wake-ups are not followed (docs/soft-pmu.md).
 */
static int lapic_timer_vector(const struct soft_vcpu *s)
{
	struct kvm_lapic_state *lapic = malloc(sizeof(*lapic));
	uint32_t lvtt = LVT_MASKED;

	if (lapic && kvm_ioctl(s->vcpu->fd, KVM_GET_LAPIC, lapic) == 0)
		memcpy(&lvtt, &lapic->regs[APIC_LVTT], 4);
	free(lapic);
	return lvtt & LVT_MASKED ? -1 : (int)(lvtt & 0xff);
}

/*
 * The instruction at rip runs next. If it may load RFLAGS without TF (IRET:
 * a return to user mode whose flags the kernel built, or from a handler
 * entered with TF cleared) or enter a handler (UD2, INT n: delivery clears
 * TF), single-stepping would silently stop: a hardware breakpoint where
 * execution continues makes sure the VMM sees it, whatever RFLAGS holds.
 */
void set_pending(struct soft_vcpu *s, uint64_t rip)
{
	struct x86_insn_class c;
	struct soft_guest_bp bp;
	struct gva_ctx g;

	s->pending = (struct soft_pending){ .valid = true, .rip = rip };
	if (classify_at(s, rip, &c) < 0) {
		pending_breakpoint(s, BP_NONE, 0, true);
		return;
	}
	s->pending.has_class = true;
	s->pending.cls = c;
	g = linear_of(s, sregs_of(s));
	soft_guest_breakpoint(sregs_of(s), regs_of(s)->rsp, &g, rip, &c,
			      c.exit == X86_EXIT_HLT ? lapic_timer_vector(s) : -1, &bp);
	s->pending.iret_to_user = bp.iret_to_user;
	s->pending.retires_into = bp.retires_into;
	pending_breakpoint(s, bp.kind, bp.addr, bp.step);
}

/* An event the VMM itself delivers (a PMI, a #GP for a refused MSR) enters vector's handler next. */
static void pending_event(struct soft_vcpu *s, unsigned int vector)
{
	uint64_t handler;

	if (s->stepping && gate_handler(s, vector, &handler)) {
		s->pending.retires_into = false;
		pending_breakpoint(s, BP_EVENT, handler, true);
	}
}

/*
 * Seen once per vCPU: the guest went to CPL 3 and came back without a single
 * debug exit there. Tell the guest through the boot info (its tests can say
 * why they cannot count user mode here) and the user at the end of the run.
 */
static void note_cpl3_blind(struct soft_vcpu *s)
{
	struct vm *vm = s->vcpu->vm;
	uint8_t *flags = vm->mem + VMM_BOOT_INFO + offsetof(struct vmm_bootinfo, pmu_flags);
	uint32_t v;

	if (s->cpl3_blind)
		return;
	s->cpl3_blind = true;
	memcpy(&v, flags, sizeof(v));
	v |= VMM_PMU_FLAG_CPL3_UNCOUNTED;
	memcpy(flags, &v, sizeof(v));
	check_ram_wrote(s, VMM_BOOT_INFO + offsetof(struct vmm_bootinfo, pmu_flags), sizeof(v));
}

static void account_step(struct soft_vcpu *s, uint64_t rip)
{
	if (soft_account_step(&s->pending, rip, guest_cpl(s), &s->account) == SOFT_ACCOUNT_CPL3_MISSED)
		note_cpl3_blind(s);
}

/* The guest's TSC now (KVM_GET_MSRS of IA32_TSC: offset and scaling included). */
int guest_tsc(struct soft_vcpu *s, uint64_t *tsc)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = MSR_IA32_TSC };
	int r = kvm_ioctl(s->vcpu->fd, KVM_GET_MSRS, &m);

	if (r != 1)
		return engine_fail(s, "KVM_GET_MSRS (IA32_TSC)", r < 0 ? -r : EIO);
	*tsc = m.e.data;
	return 0;
}

/*
 * Reference cycles tick at the TSC rate and never outrun the TSC
 * (docs/soft-pmu.md, "Cycle model"). Instructions the engine executes at
 * once take no time of their own, so the engine lets the guest's TSC
 * advance by the reference cycles they were accounted, from start, before
 * the guest resumes: the guest sees them take their time, as it would on
 * hardware.
 */
static int wait_guest_tsc(struct soft_vcpu *s, uint64_t start, uint64_t ticks)
{
	int khz = kvm_ioctl(s->vcpu->fd, KVM_GET_TSC_KHZ, NULL);
	uint64_t now;

	for (;;) {
		struct timespec ts = { 0, 1000000 };
		uint64_t left;

		if (guest_tsc(s, &now) < 0)
			return s->error;
		if (now - start >= ticks)
			return 0;
		left = ticks - (now - start);
		if (khz > 0 && left / (uint64_t)khz < 1000)
			ts.tv_nsec = (long)(left * 1000000 / (uint64_t)khz) + 1;
		else if (khz > 0)
			ts = (struct timespec){ 1, 0 };
		nanosleep(&ts, NULL);
	}
}

/*
 * A LOOP to itself (soft_exec.h) executed at once: its iterations retire
 * through softpmu_retire_repeat(), which stops at a PMI so that it arrives
 * at the right iteration; RCX and, when it ran out, RIP follow.
 */
bool loop_self_bulk(struct soft_vcpu *s, const struct x86_insn_class *c, unsigned int cpl, int mode,
			   uint64_t *rip, uint64_t *rcx, uint64_t rflags)
{
	uint64_t n = soft_exec_loop_self(c, *rip, mode, *rcx, rflags);
	uint64_t run = n < SOFT_EXEC_LOOP_MAX ? n : SOFT_EXEC_LOOP_MAX, taken, done, start;
	struct softpmu_insn in;

	if (!n || guest_tsc(s, &start) < 0)
		return false;
	/* The last iteration (count 1 -> 0) falls through; the ones before are taken. */
	taken = run == n ? run - 1 : run;
	softpmu_insn_from_class(&in, c, cpl, *rip, *rip);
	done = softpmu_retire_repeat(&s->model, &in, taken);
	if (done == taken && run == n && !softpmu_pmi_pending(&s->model)) {
		softpmu_insn_from_class(&in, c, cpl, *rip, *rip + c->len);
		softpmu_retire(&s->model, &in);
		*rip += c->len;
		done++;
	}
	*rcx = soft_exec_loop_rcx(c, *rcx, done);
	s->retired += done;
	s->executed += done;
	wait_guest_tsc(s, start, done * SOFTPMU_CYCLES_PER_INSN);
	return done > 0;
}

static bool execute_loop_self(struct soft_vcpu *s, struct kvm_regs *r, const struct x86_insn_class *c)
{
	const struct kvm_sregs *sr = sregs_of(s);
	uint64_t rip = r->rip, rcx = r->rcx;

	if (!loop_self_bulk(s, c, guest_cpl(s), soft_guest_mode(sr), &rip, &rcx, r->rflags))
		return false;
	r->rip = rip;
	r->rcx = rcx;
	return true;
}

/*
 * SDM vol. 2 LFENCE, MFENCE, SFENCE: they order memory accesses and change
 * no register. Some hosts give no single-step trap after a fence, so the
 * engine would miss it and the next instruction: the engine executes the
 * same fence on the vCPU's thread, with the guest stopped at this exit, and
 * moves RIP past it.
 */
static bool execute_fence(struct soft_vcpu *s, struct kvm_regs *r, const struct x86_insn_class *c)
{
	switch (c->fence) {
	case X86_FENCE_LFENCE:	asm volatile("lfence" ::: "memory"); break;
	case X86_FENCE_MFENCE:	asm volatile("mfence" ::: "memory"); break;
	case X86_FENCE_SFENCE:	asm volatile("sfence" ::: "memory"); break;
	default:		return false;
	}
	retire(s, c, r->rip, r->rip + c->len);
	s->executed++;
	r->rip += c->len;
	return true;
}

/*
 * RDPMC does not exit to userspace and KVM's vPMU is off, so while stepping
 * the engine executes it: EDX:EAX from the model, RIP past it (SDM vol. 2
 * RDPMC). A privilege or index fault is left to KVM, which raises #GP.
 */
static bool execute_rdpmc(struct soft_vcpu *s, struct kvm_regs *r, const struct x86_insn_class *c)
{
	const struct kvm_sregs *sr = sregs_of(s);
	uint64_t val;

	if (c->exit != X86_EXIT_RDPMC)
		return false;
	if (guest_cpl(s) > 0 && !(sr->cr4 & CR4_PCE))
		return false;
	if (softpmu_rdpmc(&s->model, (uint32_t)r->rcx, &val) < 0)
		return false;
	retire(s, c, r->rip, r->rip + c->len);
	r->rax = (uint32_t)val;
	r->rdx = val >> 32;
	r->rip += c->len;
	return true;
}

/*
 * The instructions at RIP the engine executes itself rather than step:
 * RDPMC, fences, a LOOP to itself; a few in a row, up to one that makes a
 * PMI pending (it is due before the next instruction).
 */
static void execute_ahead(struct soft_vcpu *s, struct kvm_run *run)
{
	struct kvm_regs *r = &run->s.regs.regs;
	bool moved = false;

	for (int i = 0; i < 16 && !softpmu_pmi_pending(&s->model); i++) {
		struct x86_insn_class c;

		if (classify_at(s, r->rip, &c) < 0)
			break;
		if (!execute_rdpmc(s, r, &c) && !execute_fence(s, r, &c) && !execute_loop_self(s, r, &c))
			break;
		moved = true;
	}
	if (!moved)
		return;
	/*
	 * Set the registers now, not through the sync area at the next entry:
	 * KVM keeps TF only for the RIP single-stepping was set at, so stepping
	 * is set again for the new RIP, and the instruction there becomes the
	 * pending one.
	 */
	int rr = kvm_ioctl(s->vcpu->fd, KVM_SET_REGS, r);

	if (rr < 0) {
		engine_fail(s, "KVM_SET_REGS", -rr);
		return;
	}
	set_debug(s, true, false, 0);
	set_pending(s, r->rip);
}

/*
 * KVM_SET_GUEST_DEBUG: single-stepping, and optionally execution
 * breakpoints (SDM vol. 3 18.2.4: R/Wn = 00, LENn = 00, Ln = 1): DR0 for
 * the pending instruction, DR1 on the guest's #GP handler. While the vCPU
 * sits at the #GP handler, DR1 is off and one step takes it past.
 * KVM sets TF again for the RIP the vCPU is at (api.rst 4.77).
 */
int set_debug(struct soft_vcpu *s, bool step, bool breakpoint, uint64_t bp_addr)
{
	struct kvm_guest_debug dbg = { 0 };
	bool gp = s->gp_armed && !s->gp_skip;
	int r;

	if (step || s->gp_skip)
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	if (breakpoint || gp)
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
	if (breakpoint) {
		dbg.arch.debugreg[0] = bp_addr;
		dbg.arch.debugreg[7] |= DR7_L0;
	}
	if (gp) {
		dbg.arch.debugreg[1] = s->gp_handler;
		dbg.arch.debugreg[7] |= DR7_L1;
	}
	r = kvm_ioctl(s->vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg);
	if (r < 0)
		return engine_fail(s, "KVM_SET_GUEST_DEBUG", -r);
	s->kvm_step = step;
	s->breakpoint = breakpoint;
	s->bp_addr = bp_addr;
	return 0;
}

/*
 * Keep DR1 on the guest's #GP handler. The IDT is read again at every exit,
 * so a new IDT (LIDT) or a rewritten #GP gate is followed from the next exit
 * on. Long mode only: the frame is read as 64-bit mode pushes it.
 */
static void gp_trap_sync(struct soft_vcpu *s, uint64_t rip)
{
	uint64_t handler = 0;
	bool armed = (sregs_of(s)->efer & EFER_LMA) && gate_handler(s, GP_VECTOR, &handler);
	bool skip = armed && rip == handler;

	if (armed == s->gp_armed && skip == s->gp_skip && (!armed || handler == s->gp_handler))
		return;
	s->gp_armed = armed;
	s->gp_skip = skip;
	s->gp_handler = handler;
	set_debug(s, s->kvm_step, s->breakpoint, s->bp_addr);
}

/* CS or SS as the #GP frame has it: the current one if the selector is the same, else from the GDT. */
static bool frame_segment(const struct soft_vcpu *s, uint16_t sel, bool code, const struct kvm_segment *cur,
			  struct kvm_segment *seg)
{
	const struct kvm_sregs *sr = sregs_of(s);
	uint64_t desc;

	if (sel == cur->selector && !cur->unusable) {
		*seg = *cur;
		return true;
	}
	if (sel & 4)
		return false;		/* an LDT selector: not followed */
	if ((sel & ~7u) == 0)
		return soft_seg_from_desc(0, sel, code, seg) == 0;
	if ((sel | 7u) > sr->gdt.limit || !read_linear(s, sr->gdt.base + (sel & ~7u), &desc, sizeof(desc)))
		return false;
	return soft_seg_from_desc(desc, sel, code, seg) == 0;
}

/*
 * The vCPU stopped at the first instruction of its #GP handler (DR1). If
 * the #GP came from an RDPMC that the model answers (SDM vol. 2B RDPMC:
 * CPL 0 or CR4.PCE, a valid index), complete the RDPMC and undo the
 * delivery: RIP past it, RSP, RFLAGS, CS and SS from the frame (SDM vol. 3
 * 6.14.2). Nothing of the guest ran since the delivery, so this is exactly
 * the state the RDPMC would have left. Returns true when it did; false
 * leaves the #GP to the guest.
 */
static bool rdpmc_from_gp(struct soft_vcpu *s, struct kvm_run *run)
{
	struct kvm_regs *r = &run->s.regs.regs;
	struct kvm_sregs *sr = &run->s.regs.sregs;
	uint8_t raw[SOFT_GP_FRAME_SIZE];
	struct soft_gp_frame f;
	struct x86_insn_class c;
	struct kvm_sregs nsr;
	bool vmm_tf = s->kvm_step || s->gp_skip;
	uint64_t val;
	int rr;

	if (!read_linear(s, r->rsp, raw, sizeof(raw)))
		return false;
	soft_gp_frame_parse(raw, &f);
	if (f.error_code != 0 || !soft_canonical(f.rip) || !soft_canonical(f.rsp))
		return false;
	nsr = *sr;
	if (!frame_segment(s, (uint16_t)f.cs, true, &sr->cs, &nsr.cs) ||
	    !frame_segment(s, (uint16_t)f.ss, false, &sr->ss, &nsr.ss) || (f.ss & 3) != (f.cs & 3))
		return false;
	if (!soft_rdpmc_permitted(f.cs & 3, sr->cr4 & CR4_PCE))
		return false;
	if (classify_in(s, &nsr, f.rip, &c) < 0 || c.exit != X86_EXIT_RDPMC ||
	    softpmu_rdpmc(&s->model, (uint32_t)r->rcx, &val) < 0)
		return false;
	if (memcmp(&nsr.cs, &sr->cs, sizeof(nsr.cs)) || memcmp(&nsr.ss, &sr->ss, sizeof(nsr.ss))) {
		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_SREGS, &nsr);
		if (rr < 0) {
			engine_fail(s, "KVM_SET_SREGS", -rr);
			return false;
		}
		*sr = nsr;
	}
	r->rax = (uint32_t)val;
	r->rdx = val >> 32;
	r->rip = f.rip + c.len;
	r->rsp = f.rsp;
	r->rflags = soft_gp_resume_rflags(f.rflags, vmm_tf);
	rr = kvm_ioctl(s->vcpu->fd, KVM_SET_REGS, r);
	if (rr < 0) {
		engine_fail(s, "KVM_SET_REGS", -rr);
		return false;
	}
	s->rdpmc_gp++;
	if (s->stepping) {
		retire(s, &c, f.rip, r->rip);
		set_debug(s, true, false, 0);
		set_pending(s, r->rip);
	}
	return true;
}

/* ---- instructions the host cannot run (soft_emul.c) ---- */

int emul_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return read_linear(ctx, addr, buf, len) ? 0 : -EFAULT;
}

/* Guest linear memory, page by page through the guest's page tables, RAM only. */
int emul_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct soft_vcpu *s = ctx;
	const struct kvm_sregs *sr = sregs_of(s);
	struct vm *vm = s->vcpu->vm;
	struct gva_ctx g = { vm->mem, vm->mem_size, sr->cr0, sr->cr3, sr->cr4, sr->efer };
	uint64_t gpa[2];
	size_t first = len;

	/* Check every page first, so that a fault writes nothing. */
	if (gva_translate(&g, addr, &gpa[0]) < 0)
		return -EFAULT;
	if (((addr & 0xfff) + len) > 0x1000) {
		first = 0x1000 - (addr & 0xfff);
		if (gva_translate(&g, addr + first, &gpa[1]) < 0 || gpa[1] + (len - first) > vm->mem_size)
			return -EFAULT;
	}
	if (len > 64 || gpa[0] + first > vm->mem_size)
		return -EFAULT;
	memcpy(vm->mem + gpa[0], buf, first);
	check_ram_wrote(s, gpa[0], first);
	if (first < len) {
		memcpy(vm->mem + gpa[1], (const uint8_t *)buf + first, len - first);
		check_ram_wrote(s, gpa[1], len - first);
	}
	return 0;
}

/*
 * KVM's instruction emulator, which this host uses for guest supervisor
 * code, failed on the instruction at RIP (KVM_INTERNAL_ERROR_EMULATION;
 * arch/x86/kvm/x86.c handle_emulation_failure leaves the guest before it at
 * CPL 0, with a #UD queued that KVM_SET_REGS drops again: __set_regs clears
 * exception.pending). Running it again without TF does not help here: the
 * host emulates it all the same. If soft_emulate() covers it, the VMM executes it: the
 * registers and x87 state go back through KVM_SET_REGS and KVM_SET_FPU,
 * memory operands (and an INT n's frame) through the guest's page tables.
 * While counting it retires there, exactly once, and stepping goes on at
 * the RIP it left (an INT n's handler).
 */
static bool emulate_unrunnable(struct soft_vcpu *s, struct kvm_run *run)
{
	struct kvm_regs *r = &run->s.regs.regs;
	const struct kvm_sregs *sr = sregs_of(s);
	const struct vm *vm = s->vcpu->vm;
	struct gva_ctx g = { vm->mem, vm->mem_size, sr->cr0, sr->cr3, sr->cr4, sr->efer };
	const struct emul_mem mem = { emul_read, emul_write, s };
	struct x86_insn_class c = { 0 };
	uint8_t b[X86_MAX_INSN_LEN];
	struct emul_cpu cpu = {
		.gpr = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
			 r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 },
		.rip = r->rip, .rflags = r->rflags, .fs_base = sr->fs.base, .gs_base = sr->gs.base,
		.cr0 = sr->cr0, .cpl = guest_cpl(s), .cs = sr->cs.selector, .ss = sr->ss.selector,
		.idt_base = sr->idt.base, .idt_limit = sr->idt.limit, .tr_base = sr->tr.base, .tr_limit = sr->tr.limit,
	};
	uint64_t rip = r->rip;
	size_t n;
	int len, rr;

	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION || soft_guest_mode(sr) != 64)
		return false;
	n = gva_read(&g, rip, b, sizeof(b));
	rr = kvm_ioctl(s->vcpu->fd, KVM_GET_FPU, &cpu.fpu);
	if (rr < 0) {
		engine_fail(s, "KVM_GET_FPU", -rr);
		return false;
	}
	len = soft_emulate(b, n, &cpu, &mem);
	if (len < 0)
		return false;
	r->rax = cpu.gpr[0]; r->rcx = cpu.gpr[1]; r->rdx = cpu.gpr[2]; r->rbx = cpu.gpr[3];
	r->rsp = cpu.gpr[4]; r->rbp = cpu.gpr[5]; r->rsi = cpu.gpr[6]; r->rdi = cpu.gpr[7];
	r->r8 = cpu.gpr[8]; r->r9 = cpu.gpr[9]; r->r10 = cpu.gpr[10]; r->r11 = cpu.gpr[11];
	r->r12 = cpu.gpr[12]; r->r13 = cpu.gpr[13]; r->r14 = cpu.gpr[14]; r->r15 = cpu.gpr[15];
	r->rip = cpu.rip;
	r->rflags = cpu.rflags;
	rr = cpu.fpu_changed ? kvm_ioctl(s->vcpu->fd, KVM_SET_FPU, &cpu.fpu) : 0;
	if (rr < 0) {
		engine_fail(s, "KVM_SET_FPU", -rr);
		return false;
	}
	rr = kvm_ioctl(s->vcpu->fd, KVM_SET_REGS, r);
	if (rr < 0) {
		engine_fail(s, "KVM_SET_REGS", -rr);
		return false;
	}
	s->emulated++;
	if (s->stepping) {
		if (classify_at(s, rip, &c) < 0 || c.len != (unsigned int)len)
			c = (struct x86_insn_class){ .len = (unsigned int)len };
		retire(s, &c, rip, r->rip);
		set_debug(s, true, false, 0);
		set_pending(s, r->rip);
	}
	return true;
}

/* Counting on or off: single-stepping follows. */
int set_stepping(struct soft_vcpu *s, bool on)
{
	s->stepping = on;
	if (!on)
		s->pending.valid = false;
	return set_debug(s, on, false, 0);
}

/*
 * SDM vol. 3 11.5.1 and 20.6.3: the PMI goes out through the LVT performance
 * counter entry (fixed vector or NMI) unless it is masked, and on Intel
 * delivery sets its mask bit, which the handler clears. AMD's local APIC
 * has no such rule (APM vol. 2 ch. 16), and Linux's PerfMonV2 handler
 * never unmasks the entry; KVM masks only for
 * Intel-compatible guests (arch/x86/kvm/lapic.c kvm_apic_local_deliver,
 * guest_cpuid_is_intel_compatible). The engine follows the guest's vendor.
 */
int deliver_pmi(struct soft_vcpu *s)
{
	struct kvm_lapic_state *lapic = malloc(sizeof(*lapic));
	struct kvm_msi msi = { .address_lo = MSI_ADDR_BASE | (s->vcpu->id << 12) };
	uint32_t lvtpc;
	int r;

	softpmu_pmi_ack(&s->model);
	if (!lapic)
		return engine_fail(s, "allocating the LAPIC state", ENOMEM);
	r = kvm_ioctl(s->vcpu->fd, KVM_GET_LAPIC, lapic);
	if (r < 0)
		goto fail_get;
	memcpy(&lvtpc, &lapic->regs[APIC_LVTPC], 4);
	if (lvtpc & LVT_MASKED) {
		free(lapic);
		return 0;
	}
	r = 0;
	if (s->lvtpc_automask) {
		memcpy(&lapic->regs[APIC_LVTPC], &(uint32_t){ lvtpc | LVT_MASKED }, 4);
		r = kvm_ioctl(s->vcpu->fd, KVM_SET_LAPIC, lapic);
	}
	free(lapic);
	if (r < 0)
		return engine_fail(s, "KVM_SET_LAPIC", -r);
	msi.data = ((lvtpc >> 8) & 7) == LVT_DM_NMI ? LVT_DM_NMI << 8 : (lvtpc & 0xff);
	r = kvm_ioctl(s->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (r < 0)
		return engine_fail(s, "KVM_SIGNAL_MSI", -r);
	s->pmis++;
	pending_event(s, ((lvtpc >> 8) & 7) == LVT_DM_NMI ? 2 : (lvtpc & 0xff));
	return 0;
fail_get:
	free(lapic);
	return engine_fail(s, "KVM_GET_LAPIC", -r);
}

/* ---- MSR accesses from the exit dispatch ---- */

static int soft_rdmsr(void *opaque, uint32_t index, uint64_t *val)
{
	struct soft_vcpu *s = opaque;
	int r = softpmu_rdmsr(&s->model, index, val);

	if (r == 0)
		retire_early(s);
	else
		pending_event(s, 13);	/* KVM injects #GP */
	return r;
}

/* The WRMSR is accounted before it takes effect (softpmu.h); undone if it faults. */
static int soft_wrmsr(void *opaque, uint32_t index, uint64_t val)
{
	struct soft_vcpu *s = opaque;
	struct softpmu *before = malloc(sizeof(*before));
	struct soft_pending pending = s->pending;
	uint64_t retired = s->retired;
	int r;

	if (before)
		*before = s->model;
	retire_early(s);
	r = softpmu_wrmsr(&s->model, index, val);
	if (r < 0 && before) {
		s->model = *before;
		s->pending = pending;
		s->retired = retired;
	}
	if (r < 0)
		pending_event(s, 13);	/* KVM injects #GP */
	free(before);
	return r;
}

/* ---- per-vCPU lifecycle ---- */

/* The plan's event filter in the model's terms (same encoding as KVM's). */
static void soft_filter_of(const struct pmu_filter *pf, struct softpmu_filter *f)
{
	f->action = pf->action == PMU_FILTER_ALLOW ? SOFTPMU_FILTER_ALLOW : SOFTPMU_FILTER_DENY;
	f->fixed_counter_bitmap = pf->fixed_bitmap;
	f->nevents = pf->nevents;
	memcpy(f->events, pf->events, pf->nevents * sizeof(f->events[0]));
}

int soft_vcpu_init(struct soft_vcpu *s, struct vcpu *vcpu, int vm_fd, const struct pmu_plan *plan,
		   struct vmm_err *err)
{
	struct softpmu_filter *f = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	s->vcpu = vcpu;
	s->vm_fd = vm_fd;
	s->msr_ops = (struct exit_msr_ops){ soft_rdmsr, soft_wrmsr, s };
	s->account = (struct soft_account_ops){ account_classify, account_retire, s };
	/* The guest's CPUID vendor is the shape's (src/cpuid/pmu_leaves.c). */
	s->lvtpc_automask = plan->shape.vendor == PMU_VENDOR_INTEL;
	s->interp = plan->soft_engine == PMU_SOFT_ENGINE_INTERP;
	s->check = s->interp && plan->soft_check;
	s->always = s->interp && plan->soft_interp == PMU_SOFT_INTERP_ALWAYS;
	if (plan->filter.set) {
		f = malloc(sizeof(*f));
		if (!f)
			return vmm_errf(err, ENOMEM, "out of memory for the event filter");
		soft_filter_of(&plan->filter, f);
	}
	r = softpmu_init(&s->model, &plan->shape, f, err);
	free(f);
	return r;
}

void soft_vcpu_before_run(struct soft_vcpu *s, struct kvm_run *run)
{
	s->entered_counting = softpmu_counting(&s->model);
	run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
}

/*
 * Where execution resumes after the exit that enabled counting: past the
 * WRMSR, whether or not this host advanced RIP before exiting.
 */
static uint64_t after_wrmsr(const struct soft_vcpu *s, const struct kvm_run *run, uint64_t rip)
{
	struct x86_insn_class c;

	if (run->exit_reason == KVM_EXIT_X86_WRMSR && classify_at(s, rip, &c) == 0 &&
	    c.exit == X86_EXIT_WRMSR)
		return rip + c.len;
	return rip;
}

int soft_vcpu_after_exit(struct soft_vcpu *s, struct kvm_run *run)
{
	uint64_t rip = run->s.regs.regs.rip;
	bool want, gp, handled = false;

	switch (run->exit_reason) {
	case KVM_EXIT_DEBUG:
		gp = s->gp_armed && !s->gp_skip && rip == s->gp_handler;
		if (s->stepping)
			account_step(s, rip);
		if (gp && rdpmc_from_gp(s, run))
			rip = run->s.regs.regs.rip;
		else if (s->stepping)
			set_pending(s, rip);
		break;
	case KVM_EXIT_IO:
		/*
		 * A host that advanced RIP past an OUT before exiting (ours) traps
		 * next after the instruction that follows: if that one is for the
		 * engine to execute (a fence), it must happen now. Only for OUT,
		 * which has nothing left to complete into the registers.
		 */
		if (retire_early(s) && run->io.direction == KVM_EXIT_IO_OUT && rip == s->pending.rip)
			execute_ahead(s, run);
		break;
	case KVM_EXIT_MMIO:
		retire_early(s);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		handled = emulate_unrunnable(s, run);
		rip = run->s.regs.regs.rip;
		break;
	default:
		break;
	}
	/*
	 * A HLT woken by another interrupt than the one breakpointed: the
	 * vCPU has moved on without single-stepping. Step again from here.
	 */
	if (s->stepping && !s->kvm_step && run->exit_reason != KVM_EXIT_DEBUG && rip != s->pending.rip)
		set_pending(s, rip);
	if (softpmu_pmi_pending(&s->model) && deliver_pmi(s) < 0)
		return s->error;
	want = soft_follows(s);
	if (want != s->stepping) {
		if (set_stepping(s, want) < 0)
			return s->error;
		/* Counting starts after the instruction that enabled it (the pending WRMSR). */
		if (want)
			s->pending = (struct soft_pending){ .valid = true, .trailing = true,
							    .rip = after_wrmsr(s, run, rip) };
	}
	if (s->stepping && run->exit_reason == KVM_EXIT_DEBUG) {
		if (s->interp && s->kvm_step)
			interp_run(s, run);
		else
			execute_ahead(s, run);
		if (softpmu_pmi_pending(&s->model) && deliver_pmi(s) < 0)
			return s->error;
		/* The interpreter ran up to where counting stopped (a freeze on PMI). */
		if (!soft_follows(s) && set_stepping(s, false) < 0)
			return s->error;
	}
	gp_trap_sync(s, run->s.regs.regs.rip);
	if (s->error)
		return s->error;	/* an ioctl of the engine's that failed on the way */
	return handled;
}

void soft_vcpu_destroy(struct soft_vcpu *s)
{
	check_ram_free(s);
}

int soft_vcpu_reset(struct soft_vcpu *s)
{
	bool trapping = s->gp_armed || s->gp_skip;

	softpmu_reset(&s->model);
	/* The VMM reloads the image and clears its bss behind the copy of RAM: all of it again. */
	s->ram_valid = false;
	s->gp_armed = false;
	s->gp_skip = false;
	if (s->stepping || trapping)
		return set_stepping(s, false);
	s->pending.valid = false;
	return 0;
}
