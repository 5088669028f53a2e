// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/soft_engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/gva.h"
#include "vmm/kvm.h"
#include "vmm/msr_filter.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define CR0_PE		(1ULL << 0)
#define CR4_PCE		(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define APIC_LVTPC	0x340		/* SDM vol. 3 11.5.1: LVT performance monitoring counter */
#define LVT_MASKED	(1u << 16)
#define LVT_DM_NMI	4
#define MSI_ADDR_BASE	0xfee00000u	/* SDM vol. 3 11.11.1 */

static int engine_fail(struct soft_vcpu *s, const char *what, int code)
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

static const struct kvm_sregs *sregs_of(const struct soft_vcpu *s)
{
	return &s->vcpu->run->s.regs.sregs;
}

/* SDM vol. 3 5.5: CPL is CS.RPL in protected mode, 0 in real mode. */
static unsigned int guest_cpl(const struct kvm_sregs *sr)
{
	return (sr->cr0 & CR0_PE) ? sr->cs.selector & 3 : 0;
}

static int guest_mode(const struct kvm_sregs *sr)
{
	if ((sr->efer & EFER_LMA) && sr->cs.l)
		return 64;
	return sr->cs.db ? 32 : 16;
}

/* Classify the instruction at rip (a linear address: CS base included outside 64-bit mode). */
static int classify_at(const struct soft_vcpu *s, uint64_t rip, struct x86_insn_class *c)
{
	const struct kvm_sregs *sr = sregs_of(s);
	const struct vm *vm = s->vcpu->vm;
	struct gva_ctx g = { vm->mem, vm->mem_size, sr->cr0, sr->cr3, sr->cr4, sr->efer };
	int mode = guest_mode(sr);
	uint8_t bytes[X86_MAX_INSN_LEN];
	uint64_t linear = mode == 64 ? rip : sr->cs.base + rip;
	size_t n = gva_read(&g, linear, bytes, sizeof(bytes));

	return x86_classify(bytes, n, mode, c);
}

static void retire(struct soft_vcpu *s, const struct x86_insn_class *c, uint64_t rip, uint64_t next)
{
	struct softpmu_insn in;

	softpmu_insn_from_class(&in, c, guest_cpl(sregs_of(s)), rip, next);
	softpmu_retire(&s->model, &in);
	s->retired++;
}

/*
 * The instruction that caused a user-space exit (port I/O, MMIO, MSR) is the
 * pending one; it cannot fault any more, so account it now, whatever the host
 * does with RIP and with the debug trap of that instruction (both differ
 * between hosts: docs/soft-pmu.md). Returns true when it was retired.
 */
static bool retire_early(struct soft_vcpu *s)
{
	uint64_t rip = regs_of(s)->rip;
	struct x86_insn_class c;

	if (!s->stepping || !s->pending.valid || s->pending.trailing)
		return false;
	if (classify_at(s, s->pending.rip, &c) < 0 || c.rep_string)
		return false;
	if (rip != s->pending.rip && rip != s->pending.rip + c.len)
		return false;
	retire(s, &c, s->pending.rip, s->pending.rip + c.len);
	s->pending = (struct soft_pending){ .valid = true, .trailing = true, .rip = s->pending.rip + c.len };
	return true;
}

/* A single-step debug exit at rip: the pending instruction retired, or not. */
static void account_step(struct soft_vcpu *s, uint64_t rip)
{
	struct soft_pending *p = &s->pending;
	struct x86_insn_class c;

	if (!p->valid)
		return;
	if (p->trailing && rip == p->rip) {
		p->trailing = false;		/* the trap of an instruction already accounted */
		return;
	}
	if (classify_at(s, p->rip, &c) < 0)
		return;
	if (rip == p->rip) {
		/* A branch to itself retired; a REP iteration did not (SDM vol. 3 18.3.1.4). */
		if (c.is_branch)
			retire(s, &c, p->rip, rip);
	} else if (c.is_branch || rip == p->rip + c.len) {
		retire(s, &c, p->rip, rip);
	}
	/* Otherwise an event (exception, interrupt) was delivered instead: nothing retired. */
}

/*
 * RDPMC does not exit to userspace and KVM's vPMU is off, so while stepping
 * the engine executes it: EDX:EAX from the model, RIP past it (SDM vol. 2
 * RDPMC). A privilege or index fault is left to KVM, which raises #GP.
 */
static void emulate_rdpmc(struct soft_vcpu *s, struct kvm_run *run)
{
	struct kvm_regs *r = &run->s.regs.regs;
	const struct kvm_sregs *sr = sregs_of(s);

	for (int i = 0; i < 16; i++) {
		struct x86_insn_class c;
		uint64_t val;

		if (classify_at(s, r->rip, &c) < 0 || c.exit != X86_EXIT_RDPMC)
			return;
		if (guest_cpl(sr) > 0 && !(sr->cr4 & CR4_PCE))
			return;
		if (softpmu_rdpmc(&s->model, (uint32_t)r->rcx, &val) < 0)
			return;
		retire(s, &c, r->rip, r->rip + c.len);
		r->rax = (uint32_t)val;
		r->rdx = val >> 32;
		r->rip += c.len;
		run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		s->pending.rip = r->rip;
	}
}

static int set_stepping(struct soft_vcpu *s, bool on)
{
	struct kvm_guest_debug dbg = {
		.control = on ? KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP : 0,
	};
	int r = kvm_ioctl(s->vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg);

	if (r < 0)
		return engine_fail(s, "KVM_SET_GUEST_DEBUG", -r);
	s->stepping = on;
	if (!on)
		s->pending.valid = false;
	return 0;
}

/*
 * SDM vol. 3 11.5.1 and 20.6.3: the PMI goes out through the LVT performance
 * counter entry (fixed vector or NMI) unless it is masked, and delivery sets
 * its mask bit, which the handler clears.
 */
static int deliver_pmi(struct soft_vcpu *s)
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
	lvtpc |= LVT_MASKED;
	memcpy(&lapic->regs[APIC_LVTPC], &lvtpc, 4);
	r = kvm_ioctl(s->vcpu->fd, KVM_SET_LAPIC, lapic);
	free(lapic);
	if (r < 0)
		return engine_fail(s, "KVM_SET_LAPIC", -r);
	msi.data = ((lvtpc >> 8) & 7) == LVT_DM_NMI ? LVT_DM_NMI << 8 : (lvtpc & 0xff);
	r = kvm_ioctl(s->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (r < 0)
		return engine_fail(s, "KVM_SIGNAL_MSI", -r);
	s->pmis++;
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
	(void)s;
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
	bool want;

	run->kvm_dirty_regs = 0;	/* KVM loaded what the last exit changed */
	switch (run->exit_reason) {
	case KVM_EXIT_DEBUG:
		if (s->stepping) {
			account_step(s, rip);
			s->pending = (struct soft_pending){ .valid = true, .rip = rip };
		}
		break;
	case KVM_EXIT_IO:
	case KVM_EXIT_MMIO:
		retire_early(s);
		break;
	default:
		break;
	}
	if (softpmu_pmi_pending(&s->model) && deliver_pmi(s) < 0)
		return s->error;
	want = softpmu_counting(&s->model);
	if (want != s->stepping) {
		if (set_stepping(s, want) < 0)
			return s->error;
		/* Counting starts after the instruction that enabled it (the pending WRMSR). */
		if (want)
			s->pending = (struct soft_pending){ .valid = true, .trailing = true,
							    .rip = after_wrmsr(s, run, rip) };
	}
	if (s->stepping && run->exit_reason == KVM_EXIT_DEBUG)
		emulate_rdpmc(s, run);
	return 0;
}

int soft_vcpu_reset(struct soft_vcpu *s)
{
	softpmu_reset(&s->model);
	if (s->stepping)
		return set_stepping(s, false);
	s->pending.valid = false;
	return 0;
}
