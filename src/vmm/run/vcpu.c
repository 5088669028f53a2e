// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/run/vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/run/exit.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/run/vcpu_pmu.h"
#include "vmm/run/vm.h"

int vcpu_create(struct vcpu *vcpu, struct vm *vm, unsigned int id, struct vmm_err *err)
{
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = -1;
	r = kvm_ioctl(vm->fd, KVM_CREATE_VCPU, (void *)(uintptr_t)id);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_CREATE_VCPU", -r,
				     r == -EBUSY ? "the mediated vPMU may have been refused by perf: "
				     "try disabling the NMI watchdog and system-wide perf events" : NULL);
	vcpu->fd = r;
	vcpu->run_size = (size_t)vm->kvm->vcpu_mmap_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return vmm_errf(err, errno, "mmap of vCPU %u's kvm_run area: %s", id, strerror(errno));
	}
	return 0;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->pmu_ops && vcpu->pmu)
		vcpu->pmu_ops->destroy(vcpu->pmu);
	vcpu->pmu_ops = NULL;
	vcpu->pmu = NULL;
	if (vcpu->fresh)
		vcpu_state_free(vcpu->fresh);
	free(vcpu->fresh);
	vcpu->fresh = NULL;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	vcpu->run = NULL;
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->fd = -1;
}

/* SDM vol. 2A CPUID: 01H:EBX[31:24] initial APIC ID; 0BH/1FH:EDX x2APIC ID. */
static void cpuid_set_apic_id(struct cpuid_table *t, unsigned int id)
{
	for (unsigned int i = 0; i < t->nent; i++) {
		struct kvm_cpuid_entry2 *e = &t->ent[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | (id << 24);
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
	}
}

static struct kvm_cpuid2 *cpuid2_alloc(unsigned int nent)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	if (c)
		c->nent = nent;
	return c;
}

int vcpu_set_cpuid(struct vcpu *vcpu, const struct cpuid_table *tmpl, struct cpuid_table *set,
		   struct cpuid_table *got, struct vmm_err *err)
{
	struct kvm_cpuid2 *c = cpuid2_alloc(CPUID_TABLE_MAX);
	int r;

	if (!c)
		return vmm_errf(err, ENOMEM, "out of memory for CPUID");
	*set = *tmpl;
	cpuid_set_apic_id(set, vcpu->id);
	c->nent = set->nent;
	memcpy(c->entries, set->ent, set->nent * sizeof(c->entries[0]));
	r = kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	if (r < 0) {
		vmm_err_ioctl(err, "KVM_SET_CPUID2", -r, NULL);
		goto out;
	}
	c->nent = CPUID_TABLE_MAX;
	r = kvm_ioctl(vcpu->fd, KVM_GET_CPUID2, c);
	if (r < 0) {
		vmm_err_ioctl(err, "KVM_GET_CPUID2", -r, NULL);
		goto out;
	}
	got->nent = c->nent;
	memcpy(got->ent, c->entries, c->nent * sizeof(c->entries[0]));
out:
	free(c);
	return r;
}

bool vcpu_pmu_stats(const struct vcpu *vcpu, struct vcpu_pmu_stats *st)
{
	*st = (struct vcpu_pmu_stats){ 0 };
	if (!vcpu->pmu_ops)
		return false;
	vcpu->pmu_ops->stats(vcpu->pmu, st);
	return true;
}

void vcpu_dump_regs(struct vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (kvm_ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "(registers unavailable: %s)", strerror(errno));
		return;
	}
	snprintf(buf, len,
		 "rip=%016llx rsp=%016llx rflags=%016llx\n"
		 "rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		 "rsi=%016llx rdi=%016llx rbp=%016llx\n"
		 "cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n"
		 "cs=%04x ds=%04x ss=%04x gdt=%016llx/%04x idt=%016llx/%04x",
		 r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
		 s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector, s.ds.selector, s.ss.selector,
		 s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
}

static void vcpu_end_from_outcome(struct vcpu *vcpu, const struct exit_outcome *out)
{
	char regs[1024] = "";

	switch (out->kind) {
	case EXIT_GUEST_STATUS:
		vm_end(vcpu->vm, VM_END_GUEST, out->status, (int)vcpu->id, NULL, NULL);
		break;
	case EXIT_SHUTDOWN:
		vcpu_dump_regs(vcpu, regs, sizeof(regs));
		vm_end(vcpu->vm, VM_END_SHUTDOWN, 0, (int)vcpu->id, out->msg, regs);
		break;
	case EXIT_RESET:
		vm_end(vcpu->vm, VM_END_RESET, 0, (int)vcpu->id, out->msg, NULL);
		break;
	case EXIT_SUSPEND:
		vm_end(vcpu->vm, VM_END_SUSPEND, 0, (int)vcpu->id, out->msg, NULL);
		break;
	default:
		vcpu_dump_regs(vcpu, regs, sizeof(regs));
		vm_end(vcpu->vm, VM_END_ERROR, 0, (int)vcpu->id, out->msg, regs);
		break;
	}
}

void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	const struct vcpu_pmu_ops *pmu = vcpu->pmu_ops;
	/* The engine answers the filtered MSRs; without one, the VM's PMU mode does. */
	const struct exit_msr_ops pmu_msr = { pmu ? pmu->msr_read : NULL, pmu ? pmu->msr_write : NULL, vcpu->pmu };
	const struct exit_ctx ctx = { .bus = &vm->bus, .msr = pmu ? &pmu_msr : vm->msr_ops };
	struct exit_outcome out;
	char msg[256];
	int handled;

	if (vm->seccomp) {
		struct vmm_err err = { 0 };

		if (seccomp_install(vm->seccomp, &err) < 0) {
			vm_end(vm, VM_END_ERROR, 0, (int)vcpu->id, err.msg, NULL);
			return NULL;
		}
	}
	while (!atomic_load(&vm->stopping)) {
		if (pmu)
			pmu->before_run(vcpu->pmu, vcpu->run);
		/* Not kvm_ioctl(): EINTR here means "stop", it must not be retried. */
		if (kvm_ioctl_once(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(msg, sizeof(msg), "KVM_RUN failed on vCPU %u: %s", vcpu->id, strerror(errno));
			vm_end(vm, VM_END_ERROR, 0, (int)vcpu->id, msg, NULL);
			break;
		}
		exit_dispatch(&ctx, vcpu->run, &out);
		if (pmu) {
			struct vmm_err err = { 0 };

			handled = pmu->after_exit(vcpu->pmu, vcpu->run, &err);
			if (handled < 0) {
				vm_end(vm, VM_END_ERROR, 0, (int)vcpu->id, err.msg, NULL);
				break;
			}
			if (handled > 0)
				continue;	/* the engine took care of the exit */
		}
		if (out.kind == EXIT_CONTINUE || out.kind == EXIT_INTERRUPTED ||
		    (out.kind == EXIT_DEBUG && pmu && pmu->owns_debug_exits))
			continue;
		if (out.kind == EXIT_DEBUG)
			snprintf(out.msg, sizeof(out.msg), "unexpected debug exit (no single-stepping was asked for)");
		vcpu_end_from_outcome(vcpu, &out);
		break;
	}
	return NULL;
}
