/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM: guest RAM, in-kernel irqchip, devices and vCPUs, and how it ends.
 * vm_create(), vm_load(), vm_run(), vm_destroy(): the layer under libvmm's
 * public API (include/vmm/vmm.h, src/vmm/api/api.c), which programs embedding
 * vmm use instead.
 */
#ifndef VMM_VMM_VM_H
#define VMM_VMM_VM_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "pmu/plan.h"
#include "cpuid/table.h"
#include "vmm/hw/acpi_pm1.h"
#include "vmm/hw/fw_cfg.h"
#include "vmm/hw/pc_testdev.h"
#include "vmm/hw/pm_timer.h"
#include "vmm/hw/reset.h"
#include "vmm/hw/rtc.h"
#include "vmm/hw/serial.h"
#include "vmm/hw/io.h"
#include "vmm/kvm/kvm.h"
#include "vmm/boot/boot.h"
#include "vmm/run/exit.h"
#include "vmm/boot/loader.h"
#include "vmm/run/seccomp.h"
#include "vmm/run/vcpu.h"

#define VM_MAX_VCPUS 64
#define VM_MIN_MEM (2ULL << 20)
#define VM_MAX_MEM (3ULL << 30)	/* below the TSS and identity map near 4 GiB */

/* Guest-physical addresses KVM needs for its real-mode helpers on Intel (below 4 GiB, above RAM). */
#define VM_IDENTITY_MAP_ADDR	0xfffbc000ULL
#define VM_TSS_ADDR		0xfffbd000ULL

/* Where the interrupt controllers live (docs/cli.md, --irqchip). */
enum vm_irqchip {
	VM_IRQCHIP_SPLIT,	/* LAPIC in KVM, no IOAPIC/PIC (KVM_CAP_SPLIT_IRQCHIP) */
	VM_IRQCHIP_FULL,	/* LAPIC, IOAPIC and PIC in KVM (KVM_CREATE_IRQCHIP) */
};

struct vm_options {
	uint64_t mem_size;
	enum vm_irqchip irqchip;
	unsigned int nr_vcpus;
	/*
	 * Guest serial output; -1 drops it. Written without blocking
	 * (hw/serial.h); a caller writing to a pipe should ignore SIGPIPE, as
	 * vmm's main() does, so a reader that leaves is an EPIPE, not a kill.
	 */
	int serial_fd;
	FILE *log;		/* VMM diagnostics (unhandled I/O...), NULL = quiet */
	/*
	 * Signal used to kick vCPU threads out of KVM_RUN; 0 = SIGUSR1. vm_run()
	 * installs a do-nothing handler for it, process-wide, unless it is
	 * already installed, and unblocks it on the vCPU threads only.
	 */
	int kick_signal;
	const struct pmu_plan *pmu;	/* the guest PMU (src/pmu/plan.h); NULL leaves KVM's default */
	bool no_seccomp;	/* vCPU threads run without their seccomp filter (docs/security.md) */
};

/* How a run ended. */
enum vm_end {
	VM_END_GUEST,		/* guest wrote the exit device: status */
	VM_END_SHUTDOWN,	/* triple fault */
	VM_END_ERROR,		/* KVM or the VMM failed */
	VM_END_TIMEOUT,
	VM_END_STOPPED,		/* the caller's stop fd became readable */
	VM_END_RESET,		/* the guest asked for a reset (0xcf9, 0x64) */
	VM_END_SUSPEND,		/* the guest entered ACPI S3 (PM1_CNT): vm_reset(), then vm_resume() */
};

struct vm_result {
	enum vm_end end;
	int status;		/* VM_END_GUEST: the process exit status */
	int vcpu;		/* vCPU that ended the run, -1 when none */
	char msg[512];
	char regs[1024];	/* register dump for SHUTDOWN and ERROR */
};

struct vm {
	struct kvm *kvm;
	int fd;
	uint8_t *mem;
	uint64_t mem_size;
	/*
	 * KVM logs the pages the guest writes (KVM_MEM_LOG_DIRTY_PAGES on slot
	 * 0, read with KVM_GET_DIRTY_LOG): for --soft-check with one vCPU,
	 * whose engine is then the log's only reader (docs/soft-pmu.md).
	 */
	bool log_dirty;
	/* vm_run() calls so far: between two, the caller may have written RAM (vmm_vm_mem_write(), vm_load()). */
	uint64_t runs;
	struct vm_options opt;
	struct io_bus bus;
	struct serial serial;
	struct fw_cfg fw_cfg;
	struct reset_dev reset_dev;
	struct pc_testdev testdev;
	struct pm_timer pm_timer;
	struct rtc rtc;
	struct acpi_pm1 pm1;
	uint64_t acpi_facs;		/* guest-physical FACS of the last boot's tables; 0: none */
	struct cpuid_table cpuid;	/* what every vCPU is given (APIC IDs aside) */
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	const struct exit_msr_ops *msr_ops;	/* filtered MSRs of vCPUs without a soft PMU; NULL: #GP */
	struct seccomp_prog *seccomp;	/* installed by each vCPU thread; NULL with no_seccomp */
	cpu_set_t *pin;		/* the vCPU threads' CPUs (the plan's pin_cpus), NULL: not pinned */

	/* End of the run: the first vCPU to end it records the result. */
	pthread_mutex_t end_lock;
	bool ended;
	atomic_bool stopping;
	int end_efd;		/* eventfd written when a vCPU ends the run */
	struct vm_result result;
};

int vm_create(struct vm *vm, struct kvm *kvm, const struct vm_options *opt, struct vmm_err *err);
void vm_destroy(struct vm *vm);

/*
 * Wake the machine from ACPI S3 after vm_reset(): the BSP starts in real
 * mode at the FACS firmware waking vector (ACPI 6.5 5.2.10: CS = vector >> 4,
 * IP = vector & 0xf), RAM as the guest left it. Returns 1 when there is no
 * waking vector (no ACPI tables, or the guest left it 0): boot with vm_load()
 * instead, as firmware does.
 */
int vm_resume(struct vm *vm, struct vmm_err *err);

/*
 * Send the guest's serial output to fd (-1: drop it) from now on, instead of
 * vm_options.serial_fd; before the first vm_run(). The caller keeps fd.
 */
int vm_set_serial_output(struct vm *vm, int fd, struct vmm_err *err);

/*
 * Put the image into guest memory and set up the BSP to enter it. With a
 * vm_options.pmu plan, the boot info's pmu_mode is the plan's mode whatever
 * p->pmu_mode says.
 */
int vm_load(struct vm *vm, const struct image *img, const struct boot_params *p, struct vmm_err *err);

/*
 * Run until the guest ends the VM, a vCPU fails, timeout_ms passes (< 0: no
 * timeout), or stop_fd (-1: none) becomes readable. Returns 0 with *res
 * filled, or -errno when the run could not start.
 */
int vm_run(struct vm *vm, int timeout_ms, int stop_fd, struct vm_result *res, struct vmm_err *err);

/*
 * Reset the machine between runs: every vCPU back to the state it had when
 * created (registers, FPU, debug registers, events, LAPIC, MP state, MSRs),
 * the guest PMU to its RESET values, the devices to theirs. Guest RAM is kept;
 * reload the image with vm_load(). See docs/reset.md.
 */
int vm_reset(struct vm *vm, struct vmm_err *err);

/*
 * The differential check of a reset: every PMU MSR of the guest's shape must
 * read what it read when the vCPU was fresh (KVM modes: KVM_GET_MSRS; soft
 * mode: the model against a freshly initialised one).
 */
int vm_verify_reset(struct vm *vm, struct vmm_err *err);

/* Whether the soft PMU found that this host gives no debug exits at CPL 3 (docs/soft-pmu.md). */
bool vm_soft_pmu_missed_user_mode(const struct vm *vm);

/* Called by a vCPU thread: end the run (first caller wins). */
void vm_end(struct vm *vm, enum vm_end end, int status, int vcpu, const char *msg, const char *regs);

#endif
