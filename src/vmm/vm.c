// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/vm.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/clock.h"
#include "cpuid/pmu_leaves.h"
#include "pmu/apply.h"
#include "pmu/msrs.h"
#include "vmm/msr_filter.h"
#include "vmm/hw/debug_exit.h"
#include "vmm/soft_engine.h"
#include "vmm/vcpu_state.h"
#include "vmm/bootinfo.h"

static int vm_setup_memory(struct vm *vm, struct vmm_err *err)
{
	struct kvm_userspace_memory_region region;
	int r;

	/* NORESERVE: a large --mem costs nothing until the guest touches it. */
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return vmm_errf(err, errno, "cannot map %llu MiB of guest RAM: %s",
				(unsigned long long)(vm->mem_size >> 20), strerror(errno));
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	r = kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_USER_MEMORY_REGION", -r, NULL);
	return 0;
}

/*
 * The in-kernel LAPIC: the guest's LVTPC, PMIs and IPIs live there, and KVM's
 * mediated vPMU needs it. Split mode (api.rst 7.14, KVM_CAP_SPLIT_IRQCHIP)
 * keeps only the LAPICs in KVM; the IOAPIC and PIC, which no vmm device uses,
 * are left out, and tearing the VM down costs a tenth of a millisecond
 * instead of the 10-15 ms the full irqchip's teardown takes on some hosts.
 */
static int vm_create_irqchip(struct vm *vm, struct vmm_err *err)
{
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	int r;

	if (vm->opt.irqchip == VM_IRQCHIP_FULL) {
		r = kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL);
		return r < 0 ? vmm_err_ioctl(err, "KVM_CREATE_IRQCHIP", -r, NULL) : 0;
	}
	if (kvm_check_cap(vm->fd, KVM_CAP_SPLIT_IRQCHIP) <= 0)
		return vmm_errf(err, ENOTSUP, "this KVM has no KVM_CAP_SPLIT_IRQCHIP: use --irqchip=full");
	r = kvm_ioctl(vm->fd, KVM_ENABLE_CAP, &split);
	return r < 0 ? vmm_err_ioctl(err, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)", -r, NULL) : 0;
}

/*
 * Order matters: the TSS and identity-map pages must be set before the first
 * vCPU runs (Intel needs them for real-mode emulation), and the irqchip must
 * exist before any vCPU is created so each vCPU gets an in-kernel LAPIC
 * (api.rst 4.24). KVM's mediated vPMU also requires the in-kernel irqchip.
 */
static int vm_setup_platform(struct vm *vm, struct vmm_err *err)
{
	uint64_t ident = VM_IDENTITY_MAP_ADDR;
	int r;

	r = kvm_ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_IDENTITY_MAP_ADDR", -r, NULL);
	r = kvm_ioctl(vm->fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)VM_TSS_ADDR);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_TSS_ADDR", -r, NULL);
	return vm_create_irqchip(vm, err);
}

static int vm_setup_devices(struct vm *vm, struct vmm_err *err)
{
	int r;

	r = serial_init(&vm->serial, vm->opt.serial_fd, err);
	fw_cfg_init(&vm->fw_cfg, vm->mem_size, (uint16_t)vm->nr_vcpus);
	if (!r)
		r = serial_register(&vm->serial, &vm->bus, VMM_PORT_SERIAL, err);
	if (!r)
		r = debug_exit_register(&vm->bus, VMM_PORT_EXIT, err);
	if (!r)
		r = fw_cfg_register(&vm->fw_cfg, &vm->bus, VMM_PORT_FWCFG_SEL, err);
	if (!r)
		r = reset_register(&vm->reset_dev, &vm->bus, err);
	return r;
}

/* The CPUID the guest starts from: what KVM supports, read once per process (struct kvm). */
static int vm_supported_cpuid(struct vm *vm, struct vmm_err *err)
{
	const struct cpuid_table *t;
	int r = kvm_get_supported_cpuid(vm->kvm, &t, err);

	if (!r)
		vm->cpuid = *t;
	return r;
}

/* The CPUID fields that carry the guest's PMU: KVM must keep them exactly as planned. */
static const struct cpuid_field pmu_cpuid_fields[] = {
	{ 0xa, 0, CPUID_EAX, ~0u, "CPUID.0AH:EAX" },
	{ 0xa, 0, CPUID_EBX, ~0u, "CPUID.0AH:EBX" },
	{ 0xa, 0, CPUID_ECX, ~0u, "CPUID.0AH:ECX" },
	{ 0xa, 0, CPUID_EDX, ~0u, "CPUID.0AH:EDX" },
	{ 1, 0, CPUID_ECX, 1u << CPUID_1_ECX_PDCM, "CPUID.01H:ECX[15] PDCM" },
	{ 0x80000001, 0, CPUID_ECX, 1u << CPUID_80000001_ECX_PERFCTR_CORE,
	  "CPUID.80000001H:ECX[23] PERFCTR_CORE" },
	{ 0x80000022, 0, CPUID_EAX, ~0u, "CPUID.80000022H:EAX" },
	{ 0x80000022, 0, CPUID_EBX, ~0u, "CPUID.80000022H:EBX" },
};

static int vm_check_cpuid(struct vm *vm, unsigned int id, const struct cpuid_table *set,
			  const struct cpuid_table *got, struct vmm_err *err)
{
	char diff[1024];

	if (vm->opt.pmu && cpuid_diff_fields(set, got, pmu_cpuid_fields,
					     sizeof(pmu_cpuid_fields) / sizeof(pmu_cpuid_fields[0]),
					     diff, sizeof(diff)))
		return vmm_errf(err, EPROTO, "vCPU %u: KVM did not keep the guest's PMU CPUID (%s); the "
				"guest would not see the planned PMU", id, diff);
	if (vm->opt.log && cpuid_diff(set, got, diff, sizeof(diff)))
		fprintf(vm->opt.log, "vmm: vCPU %u: KVM changed CPUID: %s\n", id, diff);
	return 0;
}

static int vm_create_soft_vcpu(struct vm *vm, struct vcpu *vcpu, struct vmm_err *err)
{
	vcpu->soft = malloc(sizeof(*vcpu->soft));
	if (!vcpu->soft)
		return vmm_errf(err, ENOMEM, "out of memory for the software PMU");
	return soft_vcpu_init(vcpu->soft, vcpu, vm->fd, vm->opt.pmu, err);
}

static bool pmu_in_kvm(const struct vm *vm)
{
	return vm->opt.pmu && (vm->opt.pmu->shape.mode == PMU_MODE_EMULATED ||
			       vm->opt.pmu->shape.mode == PMU_MODE_MEDIATED);
}

/* The configured vCPU's state before it ever ran: what every reset returns it to. */
static int vm_save_fresh(struct vm *vm, struct vcpu *vcpu, struct vmm_err *err)
{
	vcpu->fresh = malloc(sizeof(*vcpu->fresh));
	if (!vcpu->fresh)
		return vmm_errf(err, ENOMEM, "out of memory for vCPU %u's reset state", vcpu->id);
	memset(vcpu->fresh, 0, sizeof(*vcpu->fresh));
	if (pmu_in_kvm(vm)) {
		int r;

		vcpu->nr_fresh_pmu = pmu_reset_msrs(&vm->opt.pmu->shape, vcpu->fresh_pmu);
		r = pmu_get_msrs(vcpu->fd, vcpu->fresh_pmu, vcpu->nr_fresh_pmu, err);
		if (r < 0)
			return r;
	}
	return vcpu_state_save(vm->kvm->fd, vcpu->fd, vcpu->fresh, err);
}

static int vm_create_vcpus(struct vm *vm, struct vmm_err *err)
{
	struct cpuid_table *set = malloc(sizeof(*set)), *got = malloc(sizeof(*got));
	int r = 0;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus || !set || !got) {
		r = vmm_errf(err, ENOMEM, "out of memory for %u vCPUs", vm->nr_vcpus);
		goto out;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned int i = 0; i < vm->nr_vcpus && !r; i++) {
		r = vcpu_create(&vm->vcpus[i], vm, i, err);
		if (!r)
			r = vcpu_set_cpuid(&vm->vcpus[i], &vm->cpuid, set, got, err);
		if (!r && vm->opt.pmu && vm->opt.pmu->soft_msr_filter)
			r = vm_create_soft_vcpu(vm, &vm->vcpus[i], err);
		if (!r)
			r = vm_check_cpuid(vm, i, set, got, err);
		/* PERF_CAPABILITIES after CPUID: KVM checks it against the vCPU's PDCM. */
		if (!r && vm->opt.pmu)
			r = pmu_apply_vcpu(vm->vcpus[i].fd, vm->opt.pmu, err);
		if (!r)
			r = vm_save_fresh(vm, &vm->vcpus[i], err);
	}
out:
	free(set);
	free(got);
	return r;
}

/* Keep the vCPU threads on the CPUs of one host PMU (hybrid hosts): set before any vCPU exists. */
static int vm_pin(const struct pmu_plan *plan, struct vmm_err *err)
{
	struct pmu_cpuset set;
	cpu_set_t cpus;
	int r;

	r = pmu_cpulist_parse(plan->pin_cpus, &set, err);
	if (r < 0)
		return r;
	CPU_ZERO(&cpus);
	for (unsigned int c = 0; c < PMU_CPUSET_WORDS * 64 && c < CPU_SETSIZE; c++)
		if (set.w[c / 64] >> (c % 64) & 1)
			CPU_SET(c, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		return vmm_errf(err, errno, "cannot pin vCPU threads to CPUs %s: %s", plan->pin_cpus,
				strerror(errno));
	return 0;
}

/*
 * With no PMU every PMU MSR must #GP, but KVM answers the P6 and K7 counter
 * MSRs (0xc1, 0x186, 0xc0010000-7) with 0 even with its vPMU off. The MSR
 * filter sends them all to userspace, where the exit dispatch, with no MSR
 * handler, refuses them. Without the filter capabilities, say so and go on.
 */
static int vm_deny_pmu_msrs(struct vm *vm, struct vmm_err *err)
{
	uint32_t msrs[PMU_EVERY_MSR_MAX];
	size_t n = pmu_every_msr(msrs, PMU_EVERY_MSR_MAX);
	struct vmm_err why = { 0 };

	if (msr_filter_install(vm->kvm->fd, vm->fd, msrs, n, &why) == -ENOTSUP) {
		if (vm->opt.log)
			fprintf(vm->opt.log, "vmm: --pmu=off: %s; KVM may answer legacy counter MSRs with 0\n",
				why.msg);
		return 0;
	}
	if (why.code && err)
		*err = why;
	return -why.code;
}

/*
 * The guest PMU, in the order KVM requires: KVM_PMU_CAP_DISABLE and the event
 * filter on the VM before the first vCPU (KVM refuses the cap afterwards and
 * a mediated PMU is created at KVM_CREATE_VCPU), then the CPUID leaves that
 * every vCPU will be given.
 */
static int vm_setup_pmu(struct vm *vm, struct vmm_err *err)
{
	const struct pmu_plan *plan = vm->opt.pmu;
	int r;

	if (!plan)
		return 0;
	r = pmu_apply_vm(vm->fd, plan, err);
	if (!r && plan->soft_msr_filter)
		r = soft_engine_setup_vm(vm->fd, vm->kvm->fd, plan, err);
	if (!r && plan->shape.mode == PMU_MODE_OFF)
		r = vm_deny_pmu_msrs(vm, err);
	if (!r)
		r = cpuid_apply_pmu(&vm->cpuid, &plan->shape, err);
	if (!r && plan->pin)
		r = vm_pin(plan, err);
	return r;
}

int vm_create(struct vm *vm, struct kvm *kvm, const struct vm_options *opt, struct vmm_err *err)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->end_efd = -1;
	vm->kvm = kvm;
	vm->opt = *opt;
	vm->mem_size = opt->mem_size;
	vm->nr_vcpus = opt->nr_vcpus;
	pthread_mutex_init(&vm->end_lock, NULL);
	atomic_init(&vm->stopping, false);
	io_bus_init(&vm->bus, opt->log);	/* first, so vm_destroy() can always tear it down */
	vm->serial.out_fd = vm->serial.own_fd = -1;

	if (vm->mem_size < VM_MIN_MEM || vm->mem_size > VM_MAX_MEM || vm->mem_size % 4096)
		return vmm_errf(err, EINVAL, "guest RAM must be a multiple of 4 KiB between %llu MiB and %llu MiB",
				VM_MIN_MEM >> 20, VM_MAX_MEM >> 20);
	if (vm->nr_vcpus < 1 || vm->nr_vcpus > VM_MAX_VCPUS || (int)vm->nr_vcpus > kvm->max_vcpus)
		return vmm_errf(err, EINVAL, "%u vCPUs requested; this KVM allows 1 to %d",
				vm->nr_vcpus, kvm->max_vcpus < VM_MAX_VCPUS ? kvm->max_vcpus : VM_MAX_VCPUS);
	vm->end_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->end_efd < 0)
		return vmm_errf(err, errno, "eventfd: %s", strerror(errno));
	r = kvm_ioctl(kvm->fd, KVM_CREATE_VM, 0);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_CREATE_VM", -r,
				     r == -EINVAL ? "is another hypervisor holding VT-x/SVM?" : NULL);
	vm->fd = r;
	r = vm_setup_memory(vm, err);
	if (!r)
		r = vm_setup_platform(vm, err);
	if (!r)
		r = vm_setup_devices(vm, err);
	if (!r)
		r = vm_supported_cpuid(vm, err);
	if (!r)
		r = vm_setup_pmu(vm, err);
	if (!r)
		r = vm_create_vcpus(vm, err);
	return r;
}

void vm_destroy(struct vm *vm)
{
	if (vm->vcpus) {
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_destroy(&vm->vcpus[i]);
		free(vm->vcpus);
		vm->vcpus = NULL;
	}
	serial_destroy(&vm->serial);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	vm->mem = NULL;
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	if (vm->end_efd >= 0)
		close(vm->end_efd);
	vm->end_efd = -1;
	io_bus_destroy(&vm->bus);
	pthread_mutex_destroy(&vm->end_lock);
}

int vm_set_serial_output(struct vm *vm, int fd, struct vmm_err *err)
{
	serial_destroy(&vm->serial);
	vm->opt.serial_fd = fd;
	return serial_init(&vm->serial, fd, err);
}

/*
 * Give back the whole pages of each bss: anonymous private memory reads
 * zero again after MADV_DONTNEED (madvise(2)), so a guest with a 3 GiB bss
 * costs no 3 GiB of memset, at the first boot or after a reset. KVM drops
 * its mappings of them through its MMU notifier. False if one failed.
 */
static bool vm_discard_bss(struct vm *vm, const struct image *img)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];
		uint64_t first, last, end;

		if (__builtin_add_overflow(s->gpa, s->memsz, &end) || end > vm->mem_size)
			return false;	/* boot_prepare() refuses it */
		if (boot_bss_pages(s->gpa + s->filesz, end, &first, &last) &&
		    madvise(vm->mem + first, last - first, MADV_DONTNEED) < 0)
			return false;
	}
	return true;
}

int vm_load(struct vm *vm, const struct image *img, const struct boot_params *params,
	    struct vmm_err *err)
{
	struct boot_params bp = *params, *p = &bp;
	struct vcpu *bsp = &vm->vcpus[0];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	r = kvm_ioctl(bsp->fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_GET_SREGS", -r, NULL);
	bp.bss_pages_zero = vm_discard_bss(vm, img);
	r = boot_prepare(vm->mem, vm->mem_size, img, p, &regs, &sregs, err);
	if (r < 0) {
		if (err)
			err->input = true;
		return r;
	}
	r = kvm_ioctl(bsp->fd, KVM_SET_SREGS, &sregs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_SREGS", -r, NULL);
	r = kvm_ioctl(bsp->fd, KVM_SET_REGS, &regs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_REGS", -r, NULL);
	return 0;
}

static int vm_reset_vcpu(struct vm *vm, struct vcpu *vcpu, struct vmm_err *err)
{
	int r = 0;

	if (vcpu->soft && soft_vcpu_reset(vcpu->soft) < 0)
		return vmm_errf(err, -vcpu->soft->error, "vCPU %u: %s", vcpu->id, vcpu->soft->errmsg);
	r = vcpu_state_restore(vcpu->fd, vcpu->fresh, err);
	/* After the MSR restore, so the ordered PMU writes are the last word (docs/reset.md). */
	if (!r && pmu_in_kvm(vm))
		r = pmu_apply_reset(vcpu->fd, &vm->opt.pmu->shape, err);
	if (r < 0)
		vmm_err_prefix(err, "resetting vCPU %u", vcpu->id);
	return r;
}

int vm_reset(struct vm *vm, struct vmm_err *err)
{
	int r;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		r = vm_reset_vcpu(vm, &vm->vcpus[i], err);
		if (r < 0)
			return r;
	}
	serial_flush(&vm->serial);
	serial_reset(&vm->serial);
	fw_cfg_init(&vm->fw_cfg, vm->mem_size, (uint16_t)vm->nr_vcpus);
	vm->reset_dev.rcr = 0;
	return 0;
}

static int vm_verify_kvm_pmu(struct vcpu *vcpu, struct vmm_err *err)
{
	struct pmu_msr_value now[PMU_RESET_MAX_MSRS];
	int r;

	memcpy(now, vcpu->fresh_pmu, sizeof(now));
	r = pmu_get_msrs(vcpu->fd, now, vcpu->nr_fresh_pmu, err);
	for (unsigned int i = 0; !r && i < vcpu->nr_fresh_pmu; i++)
		if (now[i].value != vcpu->fresh_pmu[i].value)
			r = vmm_errf(err, EPROTO, "vCPU %u: after reset MSR 0x%x is 0x%llx, a fresh vCPU has 0x%llx",
				     vcpu->id, now[i].index, (unsigned long long)now[i].value,
				     (unsigned long long)vcpu->fresh_pmu[i].value);
	return r;
}

static int vm_verify_soft_pmu(const struct vm *vm, struct vcpu *vcpu, struct vmm_err *err)
{
	struct softpmu *fresh = malloc(sizeof(*fresh));
	const uint32_t *msrs;
	size_t n;
	int r;

	if (!fresh)
		return vmm_errf(err, ENOMEM, "out of memory");
	r = softpmu_init(fresh, &vm->opt.pmu->shape, NULL, err);
	msrs = softpmu_msr_list(fresh, &n);
	for (size_t i = 0; !r && i < n; i++) {
		uint64_t want = 0, got = 0;
		int rw = softpmu_rdmsr(fresh, msrs[i], &want), rg = softpmu_rdmsr(&vcpu->soft->model, msrs[i], &got);

		if (rw != rg || want != got)
			r = vmm_errf(err, EPROTO, "vCPU %u: after reset soft PMU MSR 0x%x reads 0x%llx (%s), a fresh "
				     "model 0x%llx (%s)", vcpu->id, msrs[i], (unsigned long long)got, rg ? "#GP" : "ok",
				     (unsigned long long)want, rw ? "#GP" : "ok");
	}
	if (!r && (vcpu->soft->stepping || softpmu_pmi_pending(&vcpu->soft->model)))
		r = vmm_errf(err, EPROTO, "vCPU %u: after reset the soft PMU is still %s", vcpu->id,
			     vcpu->soft->stepping ? "single-stepping" : "holding a PMI");
	free(fresh);
	return r;
}

int vm_verify_reset(struct vm *vm, struct vmm_err *err)
{
	int r = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus && !r; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (pmu_in_kvm(vm))
			r = vm_verify_kvm_pmu(v, err);
		else if (v->soft)
			r = vm_verify_soft_pmu(vm, v, err);
	}
	return r;
}

bool vm_soft_pmu_missed_user_mode(const struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].soft && vm->vcpus[i].soft->cpl3_blind)
			return true;
	return false;
}

void vm_end(struct vm *vm, enum vm_end end, int status, int vcpu, const char *msg, const char *regs)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->end_lock);
	if (!vm->ended) {
		vm->ended = true;
		vm->result.end = end;
		vm->result.status = status;
		vm->result.vcpu = vcpu;
		snprintf(vm->result.msg, sizeof(vm->result.msg), "%s", msg ? msg : "");
		snprintf(vm->result.regs, sizeof(vm->result.regs), "%s", regs ? regs : "");
	}
	pthread_mutex_unlock(&vm->end_lock);
	if (write(vm->end_efd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one write per vCPU; nothing to do. */
	}
}

static void vm_kick_handler(int sig)
{
	(void)sig;	/* only interrupts KVM_RUN */
}

/* Stop every vCPU thread: immediate_exit covers a kick that lands before KVM_RUN. */
static void vm_stop_vcpus(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->thread_started)
			continue;
		v->run->immediate_exit = 1;
		pthread_kill(v->thread, vm->opt.kick_signal);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->thread_started)
			pthread_join(v->thread, NULL);
		v->thread_started = false;
		v->run->immediate_exit = 0;
	}
}

/* Wait for a vCPU to end the run, the stop fd, or the deadline. */
static enum vm_end vm_wait(struct vm *vm, int timeout_ms, int stop_fd)
{
	int64_t deadline = timeout_ms >= 0 ? vmm_mono_ms() + timeout_ms : -1;
	struct pollfd pfd[2] = {
		{ .fd = vm->end_efd, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};

	for (;;) {
		int wait = -1;

		if (deadline >= 0) {
			int64_t left = deadline - vmm_mono_ms();

			if (left <= 0)
				return VM_END_TIMEOUT;
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		if (poll(pfd, stop_fd >= 0 ? 2 : 1, wait) < 0 && errno != EINTR)
			return VM_END_ERROR;
		if (pfd[0].revents & POLLIN)
			return VM_END_GUEST;	/* the vCPU recorded the real reason */
		if (stop_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
			return VM_END_STOPPED;
	}
}

int vm_run(struct vm *vm, int timeout_ms, int stop_fd, struct vm_result *res, struct vmm_err *err)
{
	struct sigaction sa = { .sa_handler = vm_kick_handler };
	int64_t deadline = timeout_ms >= 0 ? vmm_mono_ms() + timeout_ms : -1, left;
	sigset_t kick, old;
	enum vm_end why;
	int r = 0;

	if (!vm->opt.kick_signal)
		vm->opt.kick_signal = SIGUSR1;
	/* No SA_RESTART: the kick must make KVM_RUN return EINTR. */
	if (sigaction(vm->opt.kick_signal, &sa, NULL) < 0)
		return vmm_errf(err, errno, "sigaction: %s", strerror(errno));
	/* vCPU threads inherit this mask with the kick signal unblocked. */
	sigemptyset(&kick);
	sigaddset(&kick, vm->opt.kick_signal);
	pthread_sigmask(SIG_UNBLOCK, &kick, &old);

	vm->ended = false;
	atomic_store(&vm->stopping, false);
	/* A previous run's end notification must not end this one. */
	while (read(vm->end_efd, &(uint64_t){ 0 }, sizeof(uint64_t)) > 0)
		;
	for (unsigned int i = 0; i < vm->nr_vcpus && !r; i++) {
		r = -pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (r < 0)
			vmm_errf(err, -r, "cannot start vCPU %u thread: %s", i, strerror(-r));
		else
			vm->vcpus[i].thread_started = true;
	}
	why = r < 0 ? VM_END_ERROR : vm_wait(vm, timeout_ms, stop_fd);
	vm_stop_vcpus(vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;

	pthread_mutex_lock(&vm->end_lock);
	if (!vm->ended) {
		/* Nobody inside ended it: the deadline or the caller did. */
		memset(&vm->result, 0, sizeof(vm->result));
		vm->result.end = why;
		vm->result.vcpu = -1;
		if (why == VM_END_TIMEOUT)
			snprintf(vm->result.msg, sizeof(vm->result.msg),
				 "guest still running after %d.%03d s", timeout_ms / 1000, timeout_ms % 1000);
		vm->ended = true;
	}
	*res = vm->result;
	pthread_mutex_unlock(&vm->end_lock);
	/* The guest's last words, waiting for the reader, but never past the timeout or a stop signal. */
	left = deadline < 0 ? -1 : deadline - vmm_mono_ms();
	serial_drain(&vm->serial, stop_fd, deadline < 0 ? -1 : left > 0 ? (int)left : 0);
	return 0;
}
