// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/run/vm.h"

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
#include "vmm/boot/acpi.h"
#include "vmm/kvm/msr_filter.h"
#include "vmm/hw/acpi_pm1.h"
#include "vmm/hw/debug_exit.h"
#include "vmm/hw/pc_testdev.h"
#include "vmm/hw/pm_timer.h"
#include "vmm/hw/rtc.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/run/vcpu_pmu.h"
#include "vmm/bootinfo.h"

static int vm_setup_memory(struct vm *vm, struct vmm_err *err)
{
	struct kvm_userspace_memory_region region;
	int fd, r;

	/*
	 * Shared memory of a memfd rather than private anonymous memory, so
	 * that dropping the host's mappings of a page (pc-testdev's flush,
	 * vm_flush_page()) keeps its contents and never takes write access
	 * away. NORESERVE: a large --mem costs nothing until the guest
	 * touches it. The mapping keeps the file; the fd is not needed.
	 */
	fd = memfd_create("vmm-guest-ram", MFD_CLOEXEC);
	if (fd < 0)
		return vmm_errf(err, errno, "cannot create the guest RAM (memfd_create): %s", strerror(errno));
	if (ftruncate(fd, (off_t)vm->mem_size) < 0) {
		r = errno;
		close(fd);
		return vmm_errf(err, r, "cannot size the guest RAM to %llu MiB: %s",
				(unsigned long long)(vm->mem_size >> 20), strerror(r));
	}
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	r = errno;
	close(fd);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return vmm_errf(err, r, "cannot map %llu MiB of guest RAM: %s",
				(unsigned long long)(vm->mem_size >> 20), strerror(r));
	}
	vm->log_dirty = vm->opt.pmu && vm->opt.pmu->soft_check && vm->nr_vcpus == 1;
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.flags = vm->log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
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

/*
 * pc-testdev's page flush: MADV_DONTNEED on the shared mapping removes the
 * page from this process's page tables, which makes KVM drop its mapping
 * (the MMU notifier's invalidation), so the guest's next access faults in
 * again, as QEMU's PROT_NONE round trip does. The page stays in the memfd
 * (madvise(2): shared mappings keep their contents), and no access by
 * another vCPU or by the VMM itself ever finds it read-only or missing.
 */
static void vm_flush_page(void *opaque, uint64_t gpa)
{
	struct vm *vm = opaque;

	if (madvise(vm->mem + gpa, 4096, MADV_DONTNEED) < 0 && vm->opt.log)
		fprintf(vm->opt.log, "vmm: pc-testdev: cannot flush guest page 0x%llx: %s\n",
			(unsigned long long)gpa, strerror(errno));
}

/* pc-testdev's ISA IRQ lines, with --irqchip=full: KVM_IRQ_LINE to the in-kernel IOAPIC and PIC. */
static void vm_set_irq(void *opaque, unsigned int line, int level)
{
	struct vm *vm = opaque;
	struct kvm_irq_level irq = { .irq = line, .level = (uint32_t)level };
	int r = kvm_ioctl(vm->fd, KVM_IRQ_LINE, &irq);

	if (r < 0 && vm->opt.log)
		fprintf(vm->opt.log, "vmm: KVM_IRQ_LINE(%u, %d) failed: %s\n", line, level, strerror(-r));
}

static int vm_setup_devices(struct vm *vm, struct vmm_err *err)
{
	const struct pc_testdev_ops testdev_ops = {
		.flush_page = vm_flush_page,
		.set_irq = vm->opt.irqchip == VM_IRQCHIP_FULL ? vm_set_irq : NULL,
		.opaque = vm,
	};
	int r;

	r = serial_init(&vm->serial, vm->opt.serial_fd, err);
	fw_cfg_init(&vm->fw_cfg, vm->mem_size, (uint16_t)vm->nr_vcpus);
	pm_timer_init(&vm->pm_timer, vmm_mono_ns);
	rtc_init(&vm->rtc, vmm_wall_ns);
	acpi_pm1_reset(&vm->pm1);
	if (!r && pc_testdev_init(&vm->testdev, vm->mem_size, &testdev_ops) < 0)
		r = vmm_errf(err, ENOMEM, "out of memory for pc-testdev's scratch memory");
	if (!r)
		r = serial_register(&vm->serial, &vm->bus, VMM_PORT_SERIAL, err);
	if (!r)
		r = debug_exit_register(&vm->bus, VMM_PORT_EXIT, err);
	if (!r)
		r = fw_cfg_register(&vm->fw_cfg, &vm->bus, VMM_PORT_FWCFG_SEL, err);
	if (!r)
		r = reset_register(&vm->reset_dev, &vm->bus, err);
	if (!r)
		r = pc_testdev_register(&vm->testdev, &vm->bus, err);
	if (!r)
		r = pm_timer_register(&vm->pm_timer, &vm->bus, err);
	if (!r)
		r = rtc_register(&vm->rtc, &vm->bus, err);
	if (!r)
		r = acpi_pm1_register(&vm->pm1, &vm->bus, err);
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

/* The PMU engine of the plan's mode, if it has one, attached to the vCPU. */
static int vm_attach_pmu_engine(struct vm *vm, struct vcpu *vcpu, struct vmm_err *err)
{
	const struct vcpu_pmu_ops *ops = vcpu_pmu_ops_for(vm->opt.pmu);
	int r;

	if (!ops)
		return 0;
	r = ops->create(vcpu, vm->fd, vm->opt.pmu, &vcpu->pmu, err);
	if (!r)
		vcpu->pmu_ops = ops;
	return r;
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

/* The vCPU threads' filter, built once; each thread installs it when it starts. */
static int vm_build_seccomp(struct vm *vm, struct vmm_err *err)
{
	const struct seccomp_rule *rules;
	size_t n;

	if (vm->opt.no_seccomp)
		return 0;
	vm->seccomp = malloc(sizeof(*vm->seccomp));
	if (!vm->seccomp)
		return vmm_errf(err, ENOMEM, "out of memory for the seccomp filter");
	rules = seccomp_vcpu_rules(&n);
	return seccomp_build(rules, n, SECCOMP_VCPU_DENY, vm->seccomp, err);
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
		if (!r)
			r = vm_attach_pmu_engine(vm, &vm->vcpus[i], err);
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

/*
 * Keep the vCPU threads on the CPUs of one host PMU (hybrid hosts). Only the
 * vCPU threads: vm_run() creates them with this affinity in their attributes
 * (pthread_attr_setaffinity_np), the caller's thread is left as it is.
 */
static int vm_pin(struct vm *vm, const struct pmu_plan *plan, struct vmm_err *err)
{
	struct pmu_cpuset set;
	int r;

	r = pmu_cpulist_parse(plan->pin_cpus, &set, err);
	if (r < 0)
		return r;
	vm->pin = malloc(sizeof(*vm->pin));
	if (!vm->pin)
		return vmm_errf(err, ENOMEM, "out of memory");
	CPU_ZERO(vm->pin);
	for (unsigned int c = 0; c < PMU_CPUSET_WORDS * 64 && c < CPU_SETSIZE; c++)
		if (set.w[c / 64] >> (c % 64) & 1)
			CPU_SET(c, vm->pin);
	if (!CPU_COUNT(vm->pin))
		return vmm_errf(err, EINVAL, "cannot pin vCPU threads to CPUs %s: no CPU in it", plan->pin_cpus);
	return 0;
}

static int vm_off_rdmsr(void *opaque, uint32_t index, uint64_t *val)
{
	(void)opaque;
	return pmu_off_rdmsr(index, val);
}

static int vm_off_wrmsr(void *opaque, uint32_t index, uint64_t val)
{
	(void)opaque;
	return pmu_off_wrmsr(index, val);
}

static const struct exit_msr_ops vm_off_msr_ops = { .rdmsr = vm_off_rdmsr, .wrmsr = vm_off_wrmsr };

/*
 * With no PMU, a PMU MSR behaves as under KVM with its vPMU off, whatever
 * KVM's own vPMU would do: the legacy P6 and K7 counter MSRs read 0 and drop
 * writes, every other one #GPs (src/pmu/msrs.h). The MSR filter sends them
 * all to userspace, to vm_off_msr_ops. Without the filter capabilities, say
 * so and leave them to KVM.
 */
static int vm_filter_pmu_msrs(struct vm *vm, struct vmm_err *err)
{
	uint32_t msrs[PMU_EVERY_MSR_MAX];
	size_t n = pmu_every_msr(msrs, PMU_EVERY_MSR_MAX);
	struct vmm_err why = { 0 };

	if (msr_filter_install(vm->kvm->fd, vm->fd, msrs, n, &why) == -ENOTSUP) {
		if (vm->opt.log)
			fprintf(vm->opt.log, "vmm: --pmu=off: %s; the PMU MSRs are left to KVM\n", why.msg);
		return 0;
	}
	if (why.code) {
		if (err)
			*err = why;
		return -why.code;
	}
	vm->msr_ops = &vm_off_msr_ops;
	return 0;
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
	const struct vcpu_pmu_ops *engine = vcpu_pmu_ops_for(plan);
	int r;

	if (!plan)
		return 0;
	r = pmu_apply_vm(vm->fd, plan, err);
	if (!r && engine)
		r = engine->setup_vm(vm->fd, vm->kvm->fd, plan, err);
	if (!r && plan->shape.mode == PMU_MODE_OFF)
		r = vm_filter_pmu_msrs(vm, err);
	if (!r)
		r = cpuid_apply_pmu(&vm->cpuid, &plan->shape, err);
	if (!r && plan->pin)
		r = vm_pin(vm, plan, err);
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
	if (!r)
		r = vm_build_seccomp(vm, err);
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
	pc_testdev_destroy(&vm->testdev);
	free(vm->seccomp);
	vm->seccomp = NULL;
	free(vm->pin);
	vm->pin = NULL;
	pthread_mutex_destroy(&vm->end_lock);
}

int vm_set_serial_output(struct vm *vm, int fd, struct vmm_err *err)
{
	serial_destroy(&vm->serial);
	vm->opt.serial_fd = fd;
	return serial_init(&vm->serial, fd, err);
}

/*
 * Give back the whole pages of each bss: the memfd's pages read zero again
 * after MADV_REMOVE frees them (madvise(2)), so a guest with a 3 GiB bss
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
		    madvise(vm->mem + first, last - first, MADV_REMOVE) < 0)
			return false;
	}
	return true;
}

/* What the boot info tells the guest about its PMU: the mode of the VM's plan (docs/boot.md). */
static uint32_t vm_bootinfo_pmu_mode(const struct vm *vm, uint32_t asked)
{
	if (!vm->opt.pmu)
		return asked;	/* KVM's default PMU: only the caller knows what it meant */
	switch (vm->opt.pmu->shape.mode) {
	case PMU_MODE_EMULATED: return VMM_PMU_MODE_EMULATED;
	case PMU_MODE_MEDIATED: return VMM_PMU_MODE_MEDIATED;
	case PMU_MODE_SOFT: return VMM_PMU_MODE_SOFT;
	default: return VMM_PMU_MODE_OFF;
	}
}

/*
 * The ACPI tables at ACPI_BASE (docs/boot.md), rewritten on every boot like
 * the boot area. An image that occupies [ACPI_BASE, ACPI_AREA_END), or RAM
 * that ends below it, gets none (-v says so).
 */
static void vm_write_acpi(struct vm *vm, const struct image *img, const struct boot_params *p)
{
	uint64_t mod = (img->highest + 0xfff) & ~0xfffULL;	/* where boot.c puts the module */
	const struct acpi_config c = {
		.nr_cpus = vm->nr_vcpus,
		.ioapic = vm->opt.irqchip == VM_IRQCHIP_FULL,
		.pic = vm->opt.irqchip == VM_IRQCHIP_FULL,
		.pm_timer_port = PM_TIMER_PORT,
		.pm1_evt_port = ACPI_PM1_EVT_PORT,
		.pm1_cnt_port = ACPI_PM1_CNT_PORT,
		.reset_port = RESET_PORT_RCR,
		.reset_value = 0x06,		/* RCR: full reset (RST_CPU | SYS_RST) */
		.sci_irq = 9,
	};
	const char *why = NULL;
	struct acpi_layout l;

	vm->acpi_facs = 0;
	if (vm->mem_size < ACPI_AREA_END)
		why = "guest RAM ends below 1 MiB";
	for (unsigned int i = 0; !why && i < img->nr_segments; i++)
		if (img->seg[i].gpa < ACPI_AREA_END && img->seg[i].gpa + img->seg[i].memsz > ACPI_BASE)
			why = "the image occupies 0xe0000-0xfffff";
	if (!why && p->initrd && mod < ACPI_AREA_END && mod + p->initrd_len > ACPI_BASE)
		why = "the multiboot module occupies 0xe0000-0xfffff";
	if (!why && acpi_build(vm->mem + ACPI_BASE, ACPI_AREA_END - ACPI_BASE, ACPI_BASE, &c, &l) < 0)
		why = "the tables do not fit below 1 MiB";
	if (!why)
		vm->acpi_facs = ACPI_BASE + l.facs;
	if (why && vm->opt.log)
		fprintf(vm->opt.log, "vmm: no ACPI tables: %s\n", why);
}

/* Where the BSP starts: its segment and control registers, then its general ones. */
static int vm_set_entry(struct vcpu *bsp, const struct kvm_regs *regs, const struct kvm_sregs *sregs,
			struct vmm_err *err)
{
	int r = kvm_ioctl(bsp->fd, KVM_SET_SREGS, (void *)sregs);

	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_SREGS", -r, NULL);
	r = kvm_ioctl(bsp->fd, KVM_SET_REGS, (void *)regs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_SET_REGS", -r, NULL);
	return 0;
}

int vm_resume(struct vm *vm, struct vmm_err *err)
{
	struct vcpu *bsp = &vm->vcpus[0];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint32_t vector;
	int r;

	if (!vm->acpi_facs || vm->acpi_facs + ACPI_FACS_WAKING_VECTOR + 4 > vm->mem_size)
		return 1;
	memcpy(&vector, vm->mem + vm->acpi_facs + ACPI_FACS_WAKING_VECTOR, sizeof(vector));
	if (!vector || vector >= 0x100000)	/* a real-mode address */
		return 1;
	r = kvm_ioctl(bsp->fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_GET_SREGS", -r, NULL);
	r = kvm_ioctl(bsp->fd, KVM_GET_REGS, &regs);
	if (r < 0)
		return vmm_err_ioctl(err, "KVM_GET_REGS", -r, NULL);
	/* After vm_reset() the BSP is in real mode at its RESET state; only CS:IP change. */
	sregs.cs.selector = (uint16_t)(vector >> 4);
	sregs.cs.base = (uint64_t)(vector >> 4) << 4;
	regs.rip = vector & 0xf;
	return vm_set_entry(bsp, &regs, &sregs, err);
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
	bp.pmu_mode = vm_bootinfo_pmu_mode(vm, params->pmu_mode);
	r = boot_prepare(vm->mem, vm->mem_size, img, p, &regs, &sregs, err);
	if (r < 0) {
		if (err)
			err->input = true;
		return r;
	}
	vm_write_acpi(vm, img, p);
	return vm_set_entry(bsp, &regs, &sregs, err);
}

static int vm_reset_vcpu(struct vm *vm, struct vcpu *vcpu, struct vmm_err *err)
{
	int r = 0;

	if (vcpu->pmu_ops && (r = vcpu->pmu_ops->reset(vcpu->pmu, err)) < 0) {
		vmm_err_prefix(err, "vCPU %u", vcpu->id);
		return r;
	}
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
	pc_testdev_reset(&vm->testdev);
	acpi_pm1_reset(&vm->pm1);
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

int vm_verify_reset(struct vm *vm, struct vmm_err *err)
{
	int r = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus && !r; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (pmu_in_kvm(vm)) {
			r = vm_verify_kvm_pmu(v, err);
		} else if (v->pmu_ops) {
			r = v->pmu_ops->verify(v->pmu, vm->opt.pmu, err);
			if (r < 0)
				vmm_err_prefix(err, "vCPU %u", v->id);
		}
	}
	return r;
}

bool vm_soft_pmu_missed_user_mode(const struct vm *vm)
{
	struct vcpu_pmu_stats st;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vcpu_pmu_stats(&vm->vcpus[i], &st) && st.missed_user_mode)
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

/*
 * The kick signal's handler, process-wide (vm.h): installed unless it is
 * already there. No SA_RESTART: the kick must make KVM_RUN return EINTR.
 */
static int vm_install_kick_handler(int sig, struct vmm_err *err)
{
	struct sigaction sa = { .sa_handler = vm_kick_handler }, cur;

	if (sigaction(sig, NULL, &cur) < 0)
		return vmm_errf(err, errno, "sigaction(%d): %s", sig, strerror(errno));
	if (cur.sa_handler == vm_kick_handler && !(cur.sa_flags & SA_RESTART))
		return 0;
	if (sigaction(sig, &sa, NULL) < 0)
		return vmm_errf(err, errno, "sigaction(%d): %s", sig, strerror(errno));
	return 0;
}

/*
 * Start the vCPU threads, on the plan's CPUs if it has some, with the
 * caller's signal mask but the kick signal unblocked: set in the threads'
 * attributes, so the caller's own thread keeps its affinity and mask.
 */
static int vm_start_vcpus(struct vm *vm, struct vmm_err *err)
{
	pthread_attr_t attr;
	sigset_t mask;
	int r = -pthread_attr_init(&attr);

	if (r < 0)
		return vmm_errf(err, -r, "pthread_attr_init: %s", strerror(-r));
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	sigdelset(&mask, vm->opt.kick_signal);
	r = -pthread_attr_setsigmask_np(&attr, &mask);
	if (r < 0) {
		pthread_attr_destroy(&attr);
		return vmm_errf(err, -r, "pthread_attr_setsigmask_np: %s", strerror(-r));
	}
	if (vm->pin)
		r = -pthread_attr_setaffinity_np(&attr, sizeof(*vm->pin), vm->pin);
	if (r < 0) {
		pthread_attr_destroy(&attr);
		return vmm_errf(err, -r, "cannot pin vCPU threads to CPUs %s: %s", vm->opt.pmu->pin_cpus,
				strerror(-r));
	}
	for (unsigned int i = 0; i < vm->nr_vcpus && !r; i++) {
		r = -pthread_create(&vm->vcpus[i].thread, &attr, vcpu_thread, &vm->vcpus[i]);
		if (r < 0)
			vmm_errf(err, -r, "cannot start vCPU %u thread: %s", i, strerror(-r));
		else
			vm->vcpus[i].thread_started = true;
	}
	pthread_attr_destroy(&attr);
	return r;
}

int vm_run(struct vm *vm, int timeout_ms, int stop_fd, struct vm_result *res, struct vmm_err *err)
{
	int64_t deadline = timeout_ms >= 0 ? vmm_mono_ms() + timeout_ms : -1, left;
	enum vm_end why;
	int r = 0;

	if (!vm->opt.kick_signal)
		vm->opt.kick_signal = SIGUSR1;
	r = vm_install_kick_handler(vm->opt.kick_signal, err);
	if (r < 0)
		return r;

	vm->ended = false;
	vm->runs++;
	atomic_store(&vm->stopping, false);
	/* A previous run's end notification must not end this one. */
	while (read(vm->end_efd, &(uint64_t){ 0 }, sizeof(uint64_t)) > 0)
		;
	r = vm_start_vcpus(vm, err);
	why = r < 0 ? VM_END_ERROR : vm_wait(vm, timeout_ms, stop_fd);
	vm_stop_vcpus(vm);
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
