// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software PMU's interpreter engine (--soft-engine=interp): while
 * counting, the guest runs in src/interp instead of being single-stepped,
 * and only what the interpreter leaves to KVM is handed to a single-step
 * under the stepping engine's rules (engine.c). See docs/soft-pmu.md, "The
 * interpreter engine".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/x86.h"
#include "interp/gva.h"
#include "vmm/kvm/kvm.h"
#include "vmm/run/vcpu.h"
#include "vmm/run/vm.h"
#include "vmm/softpmu/check.h"
#include "vmm/softpmu/emul.h"
#include "vmm/softpmu/engine_internal.h"
#include "vmm/softpmu/gp.h"

/* Most instructions interpreted between two looks at the LAPIC and the VM's stop flag. */
#define INTERP_BUDGET 4096
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_RF (1ULL << 16)
#define DR7_L0 (1ULL << 0)	/* SDM vol. 3 18.2.4: local enable of DR0, an execute breakpoint (R/W0, LEN0 0) */
/* --soft-check: REP string instructions of at most this many iterations are checked, one single-step each. */
#define CHECK_REP_MAX 1024

/*
 * The SYSCALL/SYSENTER MSRs the interpreter needs. KVM handles a guest
 * WRMSR to them in the kernel, but a WRMSR is never interpreted (it falls
 * back to KVM), so the values read after the last handover stay valid
 * until the next one.
 */
static int interp_load_msrs(struct soft_vcpu *s)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[SOFT_INTERP_NR_MSRS];
	} m = { .hdr.nmsrs = SOFT_INTERP_NR_MSRS };
	int r;

	if (s->msrs_valid)
		return 0;
	for (unsigned int i = 0; i < SOFT_INTERP_NR_MSRS; i++)
		m.e[i].index = soft_interp_msrs[i];
	r = kvm_ioctl(s->vcpu->fd, KVM_GET_MSRS, &m);
	if (r != SOFT_INTERP_NR_MSRS)
		return engine_fail(s, "KVM_GET_MSRS (SYSCALL and SYSENTER MSRs)", r < 0 ? -r : EIO);
	for (unsigned int i = 0; i < SOFT_INTERP_NR_MSRS; i++)
		s->msr_val[i] = m.e[i].data;
	s->msrs_valid = true;
	return 0;
}

/*
 * The interrupt the vCPU would take before its next instruction: an NMI KVM
 * has pending and not blocked (KVM_GET_VCPU_EVENTS), or, with RFLAGS.IF set
 * and no interrupt shadow, the LAPIC's (KVM_GET_LAPIC: IRR against PPR).
 * Returns the vector (2 for an NMI, *nmi set), -1 for none, or < -1 when an
 * ioctl failed. *ev receives the events (NMI blocking for the interpreter).
 */
static int interp_pending_event(struct soft_vcpu *s, uint64_t rflags, struct kvm_vcpu_events *ev, bool *nmi)
{
	struct kvm_lapic_state *lapic;
	int r, vector;

	*nmi = false;
	r = kvm_ioctl(s->vcpu->fd, KVM_GET_VCPU_EVENTS, ev);
	if (r < 0)
		return engine_fail(s, "KVM_GET_VCPU_EVENTS", -r) - 1;
	if (ev->nmi.pending && !ev->nmi.masked && !ev->interrupt.shadow) {
		*nmi = true;
		return 2;
	}
	if (!(rflags & RFLAGS_IF) || ev->interrupt.shadow)
		return -1;
	lapic = malloc(sizeof(*lapic));
	if (!lapic)
		return engine_fail(s, "allocating the LAPIC state", ENOMEM) - 1;
	r = kvm_ioctl(s->vcpu->fd, KVM_GET_LAPIC, lapic);
	vector = r < 0 ? engine_fail(s, "KVM_GET_LAPIC", -r) - 1 : soft_lapic_pending_vector((uint8_t *)lapic->regs);
	free(lapic);
	return vector;
}

/* KVM's NMI state after the interpreter delivered one (pending taken, blocked) or ran an IRET (unblocked). */
static int interp_set_nmi(struct soft_vcpu *s, bool taken, bool masked)
{
	struct kvm_vcpu_events ev;
	int r = kvm_ioctl(s->vcpu->fd, KVM_GET_VCPU_EVENTS, &ev);

	if (r < 0)
		return engine_fail(s, "KVM_GET_VCPU_EVENTS", -r);
	if (taken)
		ev.nmi.pending = 0;
	ev.nmi.masked = masked;
	ev.flags &= KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_PAYLOAD |
		    KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
	r = kvm_ioctl(s->vcpu->fd, KVM_SET_VCPU_EVENTS, &ev);
	if (r < 0)
		return engine_fail(s, "KVM_SET_VCPU_EVENTS", -r);
	return 0;
}

/*
 * At CPL 3, where some hosts give no debug exit, the interpreter delivers
 * an interrupt itself rather than hand the guest to KVM for it
 * (interp_deliver(), SDM vol. 3 6.12): an NMI (KVM's pending NMI taken and
 * NMIs blocked, as delivery does, SDM 6.7.1), or the LAPIC's vector, which
 * the LAPIC then has in service (IRR bit to ISR, SDM vol. 3 11.8.4;
 * KVM_SET_LAPIC, whose kvm_apic_set_state() in arch/x86/kvm/lapic.c
 * recomputes its ISR and IRR caches). Returns true when it did.
 */
static bool interp_deliver_interrupt(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_mem *mem,
				     bool nmi)
{
	struct interp_event e = { .kind = nmi ? INTERP_EV_NMI : INTERP_EV_EXTINT, .vector = 2 };
	struct interp_cpu c = *cpu;
	struct interp_result res;
	struct kvm_lapic_state *lapic;
	int r;

	if (nmi) {
		if (!interp_nmi_allowed(&c, false) || interp_deliver(&c, mem, &e, &res) != INTERP_RETIRED ||
		    interp_set_nmi(s, true, true) < 0)
			return false;
		*cpu = c;
		s->delivered++;
		return true;
	}
	if (!interp_irq_allowed(&c, false))
		return false;
	lapic = malloc(sizeof(*lapic));
	if (!lapic)
		return false;
	r = kvm_ioctl(s->vcpu->fd, KVM_GET_LAPIC, lapic);
	if (r < 0) {
		engine_fail(s, "KVM_GET_LAPIC", -r);
		free(lapic);
		return false;
	}
	r = soft_lapic_pending_vector((uint8_t *)lapic->regs);
	if (r < 0) {
		free(lapic);
		return false;
	}
	e.vector = (uint8_t)r;
	if (interp_deliver(&c, mem, &e, &res) != INTERP_RETIRED) {
		free(lapic);
		return false;
	}
	soft_lapic_accept((uint8_t *)lapic->regs, e.vector);
	r = kvm_ioctl(s->vcpu->fd, KVM_SET_LAPIC, lapic);
	free(lapic);
	if (r < 0) {
		engine_fail(s, "KVM_SET_LAPIC", -r);
		return false;
	}
	*cpu = c;
	s->delivered++;
	return true;
}

/* A fault the interpreter found, or the #GP of a refused RDPMC, delivered through the guest's IDT. */
static bool interp_deliver_fault(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_mem *mem,
				 uint8_t vector, bool has_error, uint32_t error, uint64_t cr2)
{
	struct interp_event e = { INTERP_EV_EXCEPTION, vector, has_error, error, cr2 };
	struct interp_result res;

	if (interp_deliver(cpu, mem, &e, &res) != INTERP_RETIRED)
		return false;
	s->delivered++;
	return true;
}

/*
 * An STI that set IF, a MOV SS or POP SS the interpreter executed blocks
 * interrupts until the next instruction has run (SDM vol. 3 6.8.3). The
 * interpreter looks for interrupts only between other instructions; when
 * the next one goes to KVM, KVM must know, or it could deliver an
 * interrupt between an STI and a HLT.
 */
static int interp_set_shadow(struct soft_vcpu *s, bool mov_ss)
{
	struct kvm_vcpu_events ev;
	int r = kvm_ioctl(s->vcpu->fd, KVM_GET_VCPU_EVENTS, &ev);

	if (r < 0)
		return engine_fail(s, "KVM_GET_VCPU_EVENTS", -r);
	ev.interrupt.shadow |= mov_ss ? KVM_X86_SHADOW_INT_MOV_SS : KVM_X86_SHADOW_INT_STI;
	ev.flags &= KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SMM |
		    KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.flags |= KVM_VCPUEVENT_VALID_SHADOW;
	r = kvm_ioctl(s->vcpu->fd, KVM_SET_VCPU_EVENTS, &ev);
	if (r < 0)
		return engine_fail(s, "KVM_SET_VCPU_EVENTS", -r);
	return 0;
}

/*
 * A fence, which the interpreter leaves to the VMM (0F AE is in its FPU
 * group), executed in place: the same fence on this thread, with the guest
 * stopped (it changes no register: SDM vol. 2 LFENCE/MFENCE/SFENCE), RIP
 * past it. Handing it to a KVM single-step would lose the instruction after
 * it on hosts that trap late after a fence (docs/soft-pmu.md).
 */
static bool interp_fence(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_result *res)
{
	uint64_t rip = cpu->rip;

	switch (res->cls.fence) {
	case X86_FENCE_LFENCE:	asm volatile("lfence" ::: "memory"); break;
	case X86_FENCE_MFENCE:	asm volatile("mfence" ::: "memory"); break;
	case X86_FENCE_SFENCE:	asm volatile("sfence" ::: "memory"); break;
	default:		return false;
	}
	cpu->rip += res->cls.len;
	retire_at(s, &res->cls, interp_cpl(cpu), rip, cpu->rip);
	s->executed++;
	return true;
}

/*
 * HLT with RFLAGS.IF clear at CPL 0 (a parked vCPU: only an NMI, INIT or
 * SMI wakes it, SDM vol. 2A HLT): retired here, RIP past it, and the vCPU
 * then sleeps in KVM without single-stepping (KVM_MP_STATE_HALTED, which
 * KVM leaves on such an event: arch/x86/kvm/x86.c
 * kvm_arch_vcpu_ioctl_set_mpstate, vcpu_block). Single-stepped, a HLT
 * halts on this host without the trap completing, and a vCPU reset in
 * that state may halt again after its next start (docs/soft-pmu.md). The
 * engine follows the guest again from its next exit.
 */
static bool interp_hlt_parked(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_result *res)
{
	uint64_t rip = cpu->rip;

	if (res->cls.exit != X86_EXIT_HLT || (cpu->rflags & RFLAGS_IF) || interp_cpl(cpu) != 0)
		return false;
	cpu->rip += res->cls.len;
	retire_at(s, &res->cls, 0, rip, cpu->rip);
	s->executed++;
	return true;
}

/* The x87 state across one run of the interpreter: read at its first x87 instruction, written back at its end. */
struct interp_fpu {
	bool loaded, dirty;
	struct kvm_fpu fpu;
};

/*
 * x87 (and POPCNT), which the interpreter leaves to KVM, whose instruction
 * emulator on some hosts cannot run them either (docs/soft-pmu.md,
 * "Instructions the host cannot run"): executed in place by
 * soft_emulate(), which the stepping engine uses after such a failure,
 * with the x87 state from KVM_GET_FPU. 64-bit mode only; anything that
 * would raise an exception is refused there and goes to KVM.
 */
static bool interp_x87(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_result *res,
		       struct interp_fpu *f)
{
	const struct vm *vm = s->vcpu->vm;
	struct gva_ctx g = { vm->mem, vm->mem_size, cpu->cr0, cpu->cr3, cpu->cr4, cpu->efer };
	const struct emul_mem mem = { emul_read, emul_write, s };
	unsigned int cpl = interp_cpl(cpu);
	uint8_t b[X86_MAX_INSN_LEN];
	uint64_t rip = cpu->rip;
	struct emul_cpu e;
	size_t n;
	int len, r;

	if ((res->reason != INTERP_FB_FPU && res->reason != INTERP_FB_UNIMPLEMENTED) || interp_code_size(cpu) != 64)
		return false;
	if (!f->loaded) {
		r = kvm_ioctl(s->vcpu->fd, KVM_GET_FPU, &f->fpu);
		if (r < 0) {
			engine_fail(s, "KVM_GET_FPU", -r);
			return false;
		}
		f->loaded = true;
	}
	e = (struct emul_cpu){
		.rip = rip, .rflags = cpu->rflags, .fs_base = cpu->seg[INTERP_FS].base,
		.gs_base = cpu->seg[INTERP_GS].base, .cr0 = cpu->cr0, .cpl = cpl, .cs = cpu->seg[INTERP_CS].sel,
		.ss = cpu->seg[INTERP_SS].sel, .idt_base = cpu->idtr.base, .idt_limit = cpu->idtr.limit,
		.tr_base = cpu->tr.base, .tr_limit = cpu->tr.limit, .fpu = f->fpu,
	};
	memcpy(e.gpr, cpu->gpr, sizeof(e.gpr));
	n = gva_read(&g, rip, b, sizeof(b));
	len = soft_emulate(b, n, &e, &mem);
	if (len < 0)
		return false;
	memcpy(cpu->gpr, e.gpr, sizeof(e.gpr));
	cpu->rip = e.rip;
	cpu->rflags = e.rflags;
	if (e.fpu_changed) {
		f->fpu = e.fpu;
		f->dirty = true;
	}
	retire_at(s, &res->cls, cpl, rip, cpu->rip);
	s->emulated++;
	return true;
}

/* An instruction executed in place whose result is EDX:EAX (RDPMC, RDTSC): RIP past it, retired. */
static bool retire_edx_eax(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_result *res,
			   unsigned int cpl, uint64_t val)
{
	uint64_t rip = cpu->rip;

	cpu->gpr[INTERP_RAX] = (uint32_t)val;
	cpu->gpr[INTERP_RDX] = val >> 32;
	cpu->rip += res->cls.len;
	retire_at(s, &res->cls, cpl, rip, cpu->rip);
	s->executed++;
	return true;
}

/*
 * RDPMC, which the interpreter leaves to the VMM, executed in place when
 * the guest may (SDM vol. 2B RDPMC: CPL 0 or CR4.PCE, an index the model
 * accepts); anything else #GPs in KVM.
 */
static bool interp_rdpmc(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_result *res)
{
	unsigned int cpl = interp_cpl(cpu);
	uint64_t val;

	if (res->cls.exit != X86_EXIT_RDPMC || !soft_rdpmc_permitted(cpl, cpu->cr4 & CR4_PCE) ||
	    softpmu_rdpmc(&s->model, (uint32_t)cpu->gpr[INTERP_RCX], &val) < 0)
		return false;
	return retire_edx_eax(s, cpu, res, cpl, val);
}

/*
 * RDTSC (0F 31), which the interpreter leaves to the VMM, executed in
 * place rather than handed to KVM (which at CPL 3 would let user code run
 * unseen up to the next exit on hosts without debug exits there): EDX:EAX
 * the guest's TSC as KVM reads it (kvm_get_msr_common() in
 * arch/x86/kvm/x86.c, MSR_IA32_TSC: the host TSC scaled, plus the
 * guest's offset), or #GP(0) at CPL > 0 with CR4.TSD (SDM vol. 2B RDTSC).
 */
static bool interp_rdtsc(struct soft_vcpu *s, struct interp_cpu *cpu, const struct interp_mem *mem,
			 const struct interp_result *res)
{
	unsigned int cpl = interp_cpl(cpu);
	uint64_t tsc;

	if (res->cls.map != X86_MAP_0F || res->cls.opcode != 0x31)
		return false;
	if (cpl > 0 && (cpu->cr4 & CR4_TSD))
		return interp_deliver_fault(s, cpu, mem, X86_GP, true, 0, 0);
	if (guest_tsc(s, &tsc) < 0)
		return false;
	return retire_edx_eax(s, cpu, res, cpl, tsc);
}

/* --soft-check: the first difference found, as the engine's error (s->error, s->errmsg). */
static void __attribute__((format(printf, 2, 3))) check_fail(struct soft_vcpu *s, const char *fmt, ...)
{
	char msg[sizeof(s->errmsg) - 32];
	va_list ap;

	if (s->error)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->error = -EPROTO;
	snprintf(s->errmsg, sizeof(s->errmsg), "software PMU check: %s", msg);
}

/*
 * --soft-check: compare the interpreter's result (cpu, its copy of RAM)
 * with KVM's (r, guest RAM); RAM only with one vCPU, whose writes are the
 * only ones, and there only the pages either wrote (the copy was equal to
 * RAM before the instruction, check_ram.c). Returns true when they agree;
 * else s->error and the report.
 */
static bool check_compare(struct soft_vcpu *s, const struct interp_cpu *before, const struct interp_cpu *cpu,
			  const struct kvm_regs *r)
{
	const struct vm *vm = s->vcpu->vm;
	const struct kvm_sregs *sr = sregs_of(s);
	struct gva_ctx g = { vm->mem, vm->mem_size, sr->cr0, sr->cr3, sr->cr4, sr->efer };
	struct interp_cpu k;
	uint8_t b[X86_MAX_INSN_LEN];
	bool one = vm->log_dirty;
	struct soft_check c = { before, cpu, &k, one ? s->ram.copy : NULL, one ? vm->mem : NULL, vm->mem_size, b, 0,
				{ s->ram.written, s->ram.logged } };
	char msg[sizeof(s->errmsg) - 32];

	soft_interp_from_kvm(&k, r, sr);
	if (soft_check_compare(&c, msg, 0))
		return true;
	c.nbytes = gva_read(&g, interp_code_size(before) == 64 ? before->rip :
			    before->seg[INTERP_CS].base + before->rip, b, sizeof(b));
	soft_check_compare(&c, msg, sizeof(msg));
	check_fail(s, "%s", msg);
	return false;
}

/*
 * KVM pushes RFLAGS with the TF of its own single-stepping when it delivers
 * an event while the VMM steps (that TF is the VMM's: see interp_run()),
 * where the interpreter pushes the guest's. The frame's RFLAGS at linear
 * address lin gets the interpreter's TF back before RAM is compared.
 */
static void check_frame_tf(struct soft_vcpu *s, const struct interp_cpu *cpu, uint64_t lin)
{
	struct vm *vm = s->vcpu->vm;
	struct gva_ctx g = { vm->mem, vm->mem_size, cpu->cr0, cpu->cr3, cpu->cr4, cpu->efer };
	uint64_t gpa, k, i;

	if (gva_translate(&g, lin, &gpa) < 0 || (gpa & 7) || gpa >= vm->mem_size)
		return;
	memcpy(&k, vm->mem + gpa, sizeof(k));
	memcpy(&i, s->ram.copy + gpa, sizeof(i));
	if ((k ^ i) == RFLAGS_TF)
		memcpy(vm->mem + gpa, &i, sizeof(i));
}

/*
 * --soft-check: run the instruction at *before in KVM too, one single-step
 * from the same registers, and compare. *cpu holds the interpreter's result
 * (its writes in s->ram.copy). Returns 1 when both agree (cpu then holds
 * KVM's state, which is the same), 0 when the instruction cannot be
 * checked (the vCPU is kicked: left as it was before), 2 when KVM cannot
 * run it (to be executed unchecked), 3 when a kick stopped KVM within a REP
 * string instruction (*cpu then holds KVM's state), -1 after a difference
 * (s->error set). iterations: a REP string instruction's, else 0. bp: an
 * address to stop at with a breakpoint too (the target of an IRET, an
 * exception's handler), or 0. frame: the linear address of the RFLAGS of the
 * frame an exception's delivery pushed, or 0.
 */
static int check_step(struct soft_vcpu *s, struct kvm_run *run, const struct interp_cpu *before,
		      struct interp_cpu *cpu, uint64_t iterations, uint64_t bp, uint64_t frame)
{
	struct kvm_regs *r = &run->s.regs.regs;
	struct kvm_regs r0 = *r;
	int rr;

	/*
	 * The segment registers too when an instruction the interpreter ran
	 * unchecked changed them (an INT n at CPL 3, into CPL 0): KVM's are
	 * the ones of the last exit.
	 */
	if (soft_interp_to_kvm(before, r, &run->s.regs.sregs)) {
		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_SREGS, &run->s.regs.sregs);
		if (rr < 0)
			return engine_fail(s, "KVM_SET_SREGS", -rr), -1;
	}
	/* gp_trap_sync() arms DR1 again at the end of the exit. */
	s->gp_armed = false;
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP };

	/*
	 * After an IRET that starts with TF clear this host traps only after
	 * the next instruction (docs/soft-pmu.md): a breakpoint on its target
	 * (DR0, execute; SDM vol. 3 18.2.4) stops KVM there first. A host that
	 * traps at once stops at the same place.
	 */
	if (bp) {
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[0] = bp;
		dbg.arch.debugreg[7] = DR7_L0;
	}

	/* Right after a checked instruction KVM is there already (its registers of that exit). */
	if (memcmp(&r0, r, sizeof(r0))) {
		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_REGS, r);
		if (rr < 0)
			return engine_fail(s, "KVM_SET_REGS", -rr), -1;
	}
	/*
	 * Single-step only: a breakpoint of the engine's (DR1 on the #GP
	 * handler) would stop it before. Every time: it sets TF again for this
	 * RIP (arch/x86/kvm/x86.c, kvm_arch_vcpu_ioctl_set_guest_debug()), which
	 * the last instruction may have cleared (a POPF).
	 */
	rr = kvm_ioctl(s->vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg);
	if (rr < 0)
		return engine_fail(s, "KVM_SET_GUEST_DEBUG", -rr), -1;
	s->kvm_step = true;
	s->breakpoint = false;
	run->kvm_dirty_regs = 0;
	run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	/* Not kvm_ioctl(): a kick (EINTR) leaves the instruction unchecked, and the vCPU loop stops. */
	rr = kvm_ioctl_once(s->vcpu->fd, KVM_RUN, NULL);
	if (rr == -EINTR || rr == -EAGAIN) {
		*r = r0;
		return 0;
	}
	if (rr < 0)
		return engine_fail(s, "KVM_RUN (--soft-check single-step)", -rr), -1;
	/*
	 * The host's instruction emulator cannot run it: this one fails INT n
	 * under single-stepping (docs/soft-pmu.md, "Instructions the host
	 * cannot run"). Nothing to compare with; the interpreter's result
	 * stands, as without the check.
	 */
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR && run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		return 2;
	/*
	 * A REP string instruction: this host single-steps it an iteration at
	 * a time, RIP on it until the last one is done. KVM goes on while RIP
	 * stays, up to the number of iterations the interpreter ran (a host
	 * that runs it whole moves RIP at the first step), and both are
	 * compared at the end.
	 */
	for (uint64_t n = 1; n <= iterations && run->exit_reason == KVM_EXIT_DEBUG && r->rip == before->rip; n++) {
		rr = kvm_ioctl_once(s->vcpu->fd, KVM_RUN, NULL);
		if (rr == -EINTR || rr == -EAGAIN) {
			struct interp_cpu k;

			/* Some iterations ran in KVM: its state stands (running it again would repeat them). */
			rr = kvm_ioctl(s->vcpu->fd, KVM_GET_REGS, r);
			if (rr < 0)
				return engine_fail(s, "KVM_GET_REGS", -rr), -1;
			soft_interp_from_kvm(&k, r, &run->s.regs.sregs);
			memcpy(cpu->gpr, k.gpr, sizeof(cpu->gpr));
			cpu->rip = k.rip;
			cpu->rflags = k.rflags;
			return 3;
		}
		if (rr < 0)
			return engine_fail(s, "KVM_RUN (--soft-check single-step)", -rr), -1;
	}
	/* The first step's exit, or one of the iterations'. */
	if (run->exit_reason != KVM_EXIT_DEBUG) {
		check_fail(s, "KVM did not single-step the %sinstruction at %llx the interpreter retired (exit reason %u)",
			   iterations ? "REP string " : "", (unsigned long long)before->rip, run->exit_reason);
		return -1;
	}
	s->checked++;
	if (check_ram_log(s) < 0)
		return -1;
	if (frame && s->vcpu->vm->log_dirty)
		check_frame_tf(s, cpu, frame);
	if (!check_compare(s, before, cpu, r))
		return -1;
	/* The pages compared are equal: the copy is RAM again. */
	soft_check_sync(&s->ram, s->vcpu->vm->mem);
	return 1;
}

/*
 * --soft-check, an exception the interpreter found at CPL 0 in 64-bit mode
 * (a fault, or the #UD of UD2): delivered by the interpreter through the
 * guest's IDT on its copy of RAM and by KVM from the same state, where a
 * breakpoint on the handler stops it (delivery through an interrupt or trap
 * gate clears TF, SDM vol. 3 6.12.1.3, so no single-step trap comes), and
 * compared there. *cpu is the state before the instruction; it is at the
 * handler after 1. Returns check_step()'s values, and 2 also when the
 * interpreter leaves the delivery to KVM or it goes to CPL 3 (nothing
 * changed then).
 */
static int check_fault(struct soft_vcpu *s, struct kvm_run *run, struct interp_cpu *cpu,
		       const struct interp_mem *mem, uint8_t vector, bool has_error, uint32_t error, uint64_t cr2)
{
	struct interp_event e = { INTERP_EV_EXCEPTION, vector, has_error, error, cr2 };
	struct interp_cpu d = *cpu;
	struct interp_result res;
	int c;

	if (interp_code_size(cpu) != 64 || interp_cpl(cpu) != 0)
		return 2;
	if (interp_deliver(&d, mem, &e, &res) != INTERP_RETIRED)
		return 2;
	if (interp_cpl(&d) != 0 || interp_code_size(&d) != 64 || d.rip == cpu->rip) {
		soft_check_sync(&s->ram, s->vcpu->vm->mem);	/* the frame in the copy, undone */
		return 2;
	}
	/* SDM vol. 3 6.14.2, figure 6-9: RIP, CS, RFLAGS above the error code. */
	c = check_step(s, run, cpu, &d, 0, d.rip, d.gpr[INTERP_RSP] + (res.has_error ? 24 : 16));
	if (c == 1)
		*cpu = d;
	return c;
}

/*
 * While counting, at a debug exit: execute the guest in the interpreter
 * from the registers KVM handed back, retiring every instruction into the
 * model through retire_at(), the stepping engine's own path. It stops at
 * the first instruction it leaves to KVM (a fall back, a fault for KVM to
 * deliver), when a PMI is due or counting stops, when an interrupt or NMI
 * is pending, and after INTERP_BUDGET instructions. The registers go back
 * with KVM_SET_REGS (and KVM_SET_SREGS when they changed) before
 * KVM_SET_GUEST_DEBUG: KVM keeps TF only for the RIP single-stepping was
 * set at (arch/x86/kvm/x86.c kvm_arch_vcpu_ioctl_set_guest_debug stores
 * singlestep_rip, __kvm_set_rflags tests it), so the sync area, which KVM
 * applies only at the next KVM_RUN, would be too late. The instruction it
 * stopped at is then handed to KVM, single-stepped under the stepping
 * engine's rules (set_pending()).
 */
void interp_run(struct soft_vcpu *s, struct kvm_run *run)
{
	struct kvm_regs *r = &run->s.regs.regs;
	struct kvm_sregs *sr = &run->s.regs.sregs;
	struct vm *vm = s->vcpu->vm;
	/* mem: what the interpreter runs on (the copy under --soft-check); ram: guest RAM itself. */
	struct interp_mem mem = { vm->mem, vm->mem_size, 0 }, ram = mem;
	struct interp_cpu cpu, before;
	struct interp_result res = { 0 };
	struct kvm_vcpu_events events;
	struct interp_fpu fpu = { 0 };
	enum interp_status st = INTERP_RETIRED;
	uint64_t handler, done = 0;	/* instructions and events that changed the state */
	int event = -1, rr;
	bool check = s->check, shadow = false, mov_ss = false, nmi_masked = false, recheck = false, parked = false;

	if (interp_load_msrs(s) < 0)
		return;
	soft_interp_from_kvm(&cpu, r, sr);
	soft_interp_set_msrs(&cpu, s->msr_val);
	cpu.amd = !s->lvtpc_automask;	/* the guest's vendor, the shape's (soft_vcpu_init) */
	if (check) {
		if (check_ram_begin(s) < 0)
			return;
		mem.ram = s->ram.copy;
		mem.written = s->ram.written;
		ram.written = s->ram.written;
	} else {
		/*
		 * The guest ran in KVM since the last run, and another vCPU may
		 * have changed its page tables: start with an empty TLB. Within
		 * the run it may be stale as a processor's is until INVLPG or a
		 * CR3 load, which fall back and empty it (docs/interpreter.md).
		 */
		interp_tlb_flush(&s->tlb);
		mem.tlb = &s->tlb;
	}
	for (unsigned int n = 0;; n++) {
		unsigned int cpl = interp_cpl(&cpu);
		uint64_t rip = cpu.rip;

		/*
		 * Every INTERP_BUDGET instructions: a stop request, then the
		 * pending events. At CPL 0 the guest then goes to KVM for an
		 * instruction; at CPL 3 it stays here (no debug exits there on
		 * some hosts) and the interpreter delivers interrupts itself.
		 */
		if ((n % INTERP_BUDGET == 0 || recheck) && !shadow) {
			bool nmi;

			if (n % INTERP_BUDGET == 0 && n && (atomic_load(&vm->stopping) || cpl == 0))
				break;
			recheck = false;
			event = interp_pending_event(s, cpu.rflags, &events, &nmi);
			if (event < -1)
				break;
			if (!n)
				cpu.nmi_masked = nmi_masked = events.nmi.masked;
			if (event >= 0 && cpl == 3 && !check && interp_deliver_interrupt(s, &cpu, &mem, nmi)) {
				nmi_masked |= nmi;	/* KVM's state says so now */
				event = -1;
				done++;
				continue;
			}
			if (event >= 0)
				break;
		}
		if (check)
			before = cpu;
		st = interp_step(&cpu, &mem, &res);
		if (st == INTERP_INCOMPLETE && !check) {
			done++;
			continue;
		}
		if (st == INTERP_FAULT && !check &&
		    interp_deliver_fault(s, &cpu, &mem, res.vector, res.has_error, res.error, res.cr2)) {
			s->faults++;
			done++;
			continue;
		}
		/* SDM vol. 2B UD2: raises #UD, always; the fault does not retire it. */
		bool ud2 = st == INTERP_FALLBACK && res.cls.map == X86_MAP_0F && res.cls.opcode == 0x0b;

		if (check && (st == INTERP_FAULT || ud2)) {
			int c = ud2 ? check_fault(s, run, &cpu, &mem, X86_UD, false, 0, 0) :
				check_fault(s, run, &cpu, &mem, res.vector, res.has_error, res.error, res.cr2);

			if (c < 0)
				break;
			if (c == 1) {
				s->faults += !ud2;
				s->delivered++;
				done++;
				continue;
			}
			cpu = before;
			if (c == 0)
				break;
		}
		/* Under --soft-check RDTSC's #GP frame goes to guest RAM, which the copy then follows. */
		if (st == INTERP_FALLBACK && (interp_fence(s, &cpu, &res) || interp_rdpmc(s, &cpu, &res) ||
					      interp_rdtsc(s, &cpu, check ? &ram : &mem, &res) ||
					      (!check && interp_x87(s, &cpu, &res, &fpu)))) {
			if (check)
				soft_check_sync(&s->ram, vm->mem);
			done++;
			if (softpmu_pmi_pending(&s->model))
				break;
			continue;
		}
		/* SDM vol. 2B RDPMC: #GP(0) at CPL > 0 without CR4.PCE, or for an index the model refuses. */
		if (st == INTERP_FALLBACK && res.cls.exit == X86_EXIT_RDPMC && !check &&
		    interp_deliver_fault(s, &cpu, &mem, X86_GP, true, 0, 0)) {
			done++;
			continue;
		}
		if (ud2 && !check && interp_deliver_fault(s, &cpu, &mem, X86_UD, false, 0, 0)) {
			done++;
			continue;
		}
		if (st == INTERP_FALLBACK && !check && !shadow && interp_hlt_parked(s, &cpu, &res)) {
			done++;
			parked = true;
			break;
		}
		if (st == INTERP_FALLBACK)
			s->fallbacks[res.reason < INTERP_FB_COUNT ? res.reason : 0]++;
		if (st == INTERP_FAULT)
			s->faults++;
		if (st == INTERP_INCOMPLETE) {
			/* A REP chunk is not one single-step of KVM: left to KVM under --soft-check. */
			cpu = before;
			soft_check_sync(&s->ram, vm->mem);
			break;
		}
		if (st != INTERP_RETIRED)
			break;
		/*
		 * --soft-check at CPL 0 only: KVM gives no debug exit at CPL 3 on
		 * some hosts; not for fences, after which some hosts trap only
		 * after the next instruction (docs/soft-pmu.md); an IRET with a
		 * breakpoint on its target (check_step()); REP string
		 * instructions up to CHECK_REP_MAX iterations, each a single-step
		 * of KVM.
		 */
		uint64_t iterations = res.cls.rep_string ? before.gpr[INTERP_RCX] - cpu.gpr[INTERP_RCX] : 0;
		bool iret = res.cls.branch == X86_BR_IRET;
		bool checkable = cpl == 0 && res.cls.fence == X86_FENCE_NONE && iterations <= CHECK_REP_MAX;
		int c = 2;

		/*
		 * An IRET to CPL 0 in 64-bit mode, stopped at its target by a
		 * breakpoint, unless RF from the frame would suppress it (SDM
		 * vol. 3 18.3.1.1).
		 */
		if (iret && (interp_cpl(&cpu) != 0 || interp_code_size(&cpu) != 64 || (cpu.rflags & RFLAGS_RF) ||
			     cpu.rip == before.rip))
			checkable = false;
		if (check && checkable) {
			c = check_step(s, run, &before, &cpu, iterations, iret ? cpu.rip : 0, 0);
			if (c < 0 || c == 3)
				break;
			if (c == 0) {
				cpu = before;
				break;
			}
			/*
			 * KVM ran the IRET, which unblocked NMIs there: a pending one
			 * goes to KVM before the next instruction, not into its
			 * single-step.
			 */
			if (iret)
				recheck = true;
		}
		if (check && c == 2) {
			/* Unchecked: its writes go to guest RAM as they would without the check. */
			cpu = before;
			interp_step(&cpu, &ram, &res);
			soft_check_sync(&s->ram, vm->mem);
		}
		retire_at(s, &res.cls, cpl, rip, cpu.rip);
		s->interpreted++;
		done++;
		/*
		 * TF from a frame: KVM pushes RFLAGS with the TF of its own
		 * single-stepping when it delivers an event, and an IRET or POPF
		 * brings it back. It is the VMM's, not the guest's (whose own
		 * single-step traps are not delivered while the soft PMU counts:
		 * docs/soft-pmu.md), and would raise a #DB at CPL 3.
		 */
		cpu.rflags &= ~RFLAGS_TF;
		/*
		 * A LOOP to itself that just went round (the calibration loop of
		 * kvm-unit-tests runs 10^9 times): its remaining iterations at
		 * once, as the stepping engine does (docs/soft-pmu.md); under
		 * --soft-check once the first was checked.
		 */
		if (cpu.rip == rip && !softpmu_pmi_pending(&s->model))
			loop_self_bulk(s, &res.cls, cpl, interp_code_size(&cpu), &cpu.rip, &cpu.gpr[INTERP_RCX],
				       cpu.rflags);
		shadow = res.irq_shadow;
		mov_ss = shadow && (res.cls.opcode == 0x8e || res.cls.opcode == 0x17) && res.cls.map == X86_MAP_ONE_BYTE;
		/*
		 * A PMI at CPL 3 goes out through the LVTPC now, and the
		 * interpreter delivers it before the next instruction.
		 */
		if (softpmu_pmi_pending(&s->model) && cpl == 3 && interp_cpl(&cpu) == 3 && !check) {
			if (deliver_pmi(s) < 0)
				break;
			recheck = true;
		}
		if (softpmu_pmi_pending(&s->model) || !soft_follows(s))
			break;
	}
	/* What the interpreter wrote to its copy and KVM did not run (a kick), undone. */
	if (check)
		soft_check_sync(&s->ram, vm->mem);
	if (s->error)
		return;
	if (soft_interp_to_kvm(&cpu, r, sr)) {
		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_SREGS, sr);
		if (rr < 0) {
			engine_fail(s, "KVM_SET_SREGS", -rr);
			return;
		}
	}
	if (fpu.dirty) {
		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_FPU, &fpu.fpu);
		if (rr < 0) {
			engine_fail(s, "KVM_SET_FPU", -rr);
			return;
		}
	}
	if (done || check) {
		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_REGS, r);
		if (rr < 0) {
			engine_fail(s, "KVM_SET_REGS", -rr);
			return;
		}
	}
	if (shadow && interp_set_shadow(s, mov_ss) < 0)
		return;
	/* An IRET the interpreter ran unblocked NMIs; an NMI it delivered is already KVM's. */
	if (cpu.nmi_masked != nmi_masked && interp_set_nmi(s, false, cpu.nmi_masked) < 0)
		return;
	if (event < -1 || !soft_follows(s))
		return;
	if (parked) {
		struct kvm_mp_state mp = { KVM_MP_STATE_HALTED };

		rr = kvm_ioctl(s->vcpu->fd, KVM_SET_MP_STATE, &mp);
		if (rr < 0) {
			engine_fail(s, "KVM_SET_MP_STATE (a HLT with interrupts disabled)", -rr);
			return;
		}
		s->msrs_valid = false;
		set_stepping(s, false);
		return;
	}
	/* Hand the instruction at RIP to KVM, under the stepping engine's rules. */
	s->handed++;
	if (interp_cpl(&cpu) == 3)
		s->handed_cpl3++;
	s->msrs_valid = false;
	set_debug(s, true, false, 0);
	set_pending(s, cpu.rip);
	if (event >= 0) {
		/* KVM delivers it at the next entry: stop at its handler, nothing retired. */
		s->irq_stops++;
		if (gate_handler(s, (unsigned int)event, &handler)) {
			s->pending.retires_into = false;
			pending_breakpoint(s, BP_EVENT, handler, true);
		}
	} else if (st == INTERP_FAULT && gate_handler(s, res.vector, &handler)) {
		/* KVM raises the same fault when it runs the instruction: its handler, nothing retired. */
		s->pending.retires_into = false;
		pending_breakpoint(s, BP_EVENT, handler, true);
	}
}
