/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmm: boot a guest on /dev/kvm with exactly the guest PMU asked for, and
 * read how it ended. The whole life of a VM:
 *
 *   vmm_open() -> vmm_plan() -> vmm_image_open_file() -> vmm_vm_create()
 *   -> vmm_vm_load() -> vmm_vm_run() -> vmm_vm_destroy() -> vmm_close()
 *
 * Every handle is opaque. Every function that can fail returns 0 or a
 * negative errno value and, given a struct vmm_error, fills it with a message
 * that says what failed and, where possible, what to do. The library never
 * prints, never exits and never changes the caller's threads (affinity,
 * signal mask); the one process-wide effect, the vCPU kick signal, is
 * described at vmm_vm_run(). Guide and stability promise: docs/embedding.md.
 * C99; usable from C++.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Raised whenever this header changes incompatibly, grows a field or gains
 * a function; see docs/embedding.md. 2: the exit statuses, the host calls,
 * vmm_open_host_file() and vmm_pmu_options_check().
 */
#define VMM_API_VERSION 2

#if defined(__GNUC__)
#define VMM_API __attribute__((visibility("default")))
#else
#define VMM_API
#endif

#define VMM_MAX_VCPUS 64
#define VMM_MIN_MEM (2ULL << 20)	/* the range of vmm_vm_config.mem_size */
#define VMM_MAX_MEM (3ULL << 30)

/*
 * The exit statuses of the vmm command (docs/cli.md), and what
 * vmm_result.status holds. A guest that writes V to the exit device ends
 * with (V << 1) | 1, an odd number; these are even so the two never collide.
 */
enum vmm_status {
	VMM_STATUS_OK = 0,		/* command succeeded; guest powered off */
	VMM_STATUS_USAGE = 2,		/* bad command line, or a PMU shape the mode cannot have */
	VMM_STATUS_IMAGE = 4,		/* image or input file unreadable or malformed */
	VMM_STATUS_HOST = 6,		/* KVM missing, lacks a feature, or an ioctl failed */
	VMM_STATUS_TRIPLE_FAULT = 8,	/* guest triple-faulted (KVM_EXIT_SHUTDOWN) */
	VMM_STATUS_VCPU_ERROR = 10,	/* KVM could not run the guest: internal error, failed entry */
	VMM_STATUS_RESET_LIMIT = 12,	/* the guest reset more often than max_resets */
	VMM_STATUS_RESET_VERIFY = 14,	/* verify_reset found PMU state a reset left behind */
	VMM_STATUS_TIMEOUT = 124,	/* timeout_ms expired */
	VMM_STATUS_SIGNAL = 130,	/* stopped (vmm: by SIGINT or SIGTERM) */
};

/* What went wrong. */
struct vmm_error {
	int code;		/* positive errno value, 0 when no error */
	int input;		/* nonzero: the caller's input (image, option) is at fault, not the host */
	char message[512];
};

struct vmm;		/* an open /dev/kvm and what its host offers */
struct vmm_plan;	/* a guest PMU the host can give */
struct vmm_image;	/* a parsed guest image */
struct vmm_vm;		/* a VM */

/* VMM_API_VERSION of the library loaded, and its version string ("0.1.0"). */
VMM_API int vmm_api_version(void);
VMM_API const char *vmm_version(void);

/*
 * Open KVM (path NULL: /dev/kvm), check what it must offer and probe the
 * host's PMU. One struct vmm serves any number of VMs, one thread at a time
 * (vmm_plan, vmm_vm_create); its VMs may then run on threads of their own.
 */
VMM_API int vmm_open(const char *path, struct vmm **out, struct vmm_error *err);
VMM_API void vmm_close(struct vmm *vmm);	/* after every VM created from it is destroyed; NULL is a no-op */

/*
 * A struct vmm over a recorded host description (vmm caps --save, or
 * vmm_host_write()) instead of KVM: vmm_plan() and the vmm_host_* calls
 * answer for that host, without /dev/kvm; vmm_vm_create() on it fails with
 * -ENODEV. An unreadable or malformed file is an error with err->input set.
 * Freed by vmm_close().
 */
VMM_API int vmm_open_host_file(const char *path, struct vmm **out, struct vmm_error *err);

/* The host's name: "this-host" when probed, the recorded description's name otherwise ("" if none). */
VMM_API const char *vmm_host_name(const struct vmm *vmm);
/* What the host offers and what each PMU mode would give, as vmm caps prints it (json nonzero: JSON). */
VMM_API int vmm_host_print(const struct vmm *vmm, FILE *f, int json, struct vmm_error *err);
/* The host's description, as vmm caps --save writes it, for vmm_open_host_file(). */
VMM_API int vmm_host_write(const struct vmm *vmm, FILE *f, struct vmm_error *err);

/* One PMU option, as on vmm run's command line without the dashes: { "pmu-gp", "4" } (docs/pmu-modes.md). */
struct vmm_pmu_option {
	const char *name;
	const char *value;
};

/*
 * Plan the guest PMU: mode is "off", "emulated", "mediated", "soft" or "auto"
 * (NULL: auto), refined by n options. The same planner as vmm run. A refusal
 * is -ENOTSUP (or another errno) with the reason in err; -EINVAL, -ERANGE
 * and -E2BIG mean the request itself is invalid (err->input is set).
 */
VMM_API int vmm_plan(struct vmm *vmm, const char *mode, const struct vmm_pmu_option *opts, size_t n,
		     struct vmm_plan **out, struct vmm_error *err);
VMM_API void vmm_plan_free(struct vmm_plan *plan);
/*
 * Check a request as vmm_plan() reads it, without a host: 0, or the error
 * vmm_plan() would give for the first invalid mode or option (-EINVAL;
 * -ENOENT for an unknown option; err->input set). A request that passes
 * may still be refused by a host.
 */
VMM_API int vmm_pmu_options_check(const char *mode, const struct vmm_pmu_option *opts, size_t n,
				  struct vmm_error *err);
/* The mode the plan gives ("off", "emulated", "mediated", "soft"). */
VMM_API const char *vmm_plan_mode(const struct vmm_plan *plan);
/* Why auto did not choose mode, or NULL when it was not passed over. */
VMM_API const char *vmm_plan_rejected(const struct vmm_plan *plan, const char *mode);
/* The plan as vmm plan prints it (json nonzero: as JSON), written to f. */
VMM_API int vmm_plan_print(const struct vmm_plan *plan, FILE *f, int json, struct vmm_error *err);

/* How an image is read: guest RAM it must fit in, and where a raw binary goes. */
struct vmm_image_options {
	uint64_t mem_size;	/* the VMs' RAM: 0 is 128 MiB */
	uint64_t raw_load_addr;	/* 0 is 1 MiB */
};

/*
 * An ELF64, multiboot v1 or raw image (docs/boot.md), from a file or from
 * len bytes at buf (copied). opts may be NULL. A malformed image is an error
 * with err->input set. One image may be loaded into any number of VMs.
 */
VMM_API int vmm_image_open_file(const char *path, const struct vmm_image_options *opts,
				struct vmm_image **out, struct vmm_error *err);
VMM_API int vmm_image_open_buffer(const void *buf, size_t len, const struct vmm_image_options *opts,
				  struct vmm_image **out, struct vmm_error *err);
VMM_API void vmm_image_free(struct vmm_image *img);	/* after the VMs it was loaded into */
/* "ELF64", "multiboot" or "raw". */
VMM_API const char *vmm_image_kind(const struct vmm_image *img);

/* Guest serial output goes to one of these. */
enum vmm_serial {
	VMM_SERIAL_DROP,	/* discarded */
	/*
	 * Written to serial_fd without blocking. Into a pipe, ignore SIGPIPE
	 * (as vmm does) so that a reader that leaves is an EPIPE
	 * (vmm_vm_serial_finish()), not the end of the process.
	 */
	VMM_SERIAL_FD,
	/*
	 * Given to serial_cb on a thread of the library's during vmm_vm_run(),
	 * and on the caller's in vmm_vm_serial_finish() for what is left.
	 */
	VMM_SERIAL_CALLBACK,
};

struct vmm_vm_config {
	uint64_t mem_size;		/* bytes, multiple of 4 KiB, 2 MiB to 3 GiB */
	unsigned int nr_vcpus;		/* 1 to VMM_MAX_VCPUS */
	const struct vmm_plan *pmu;	/* copied; NULL leaves KVM's default PMU */
	int irqchip_full;		/* nonzero: IOAPIC and PIC in KVM too (vmm run --irqchip=full) */
	int no_seccomp;			/* nonzero: vCPU threads without their seccomp filter (docs/security.md) */
	int kick_signal;		/* signal that interrupts vCPU threads; 0 is SIGUSR1 */
	enum vmm_serial serial;
	int serial_fd;			/* VMM_SERIAL_FD; the caller keeps it open until vmm_vm_destroy() */
	void (*serial_cb)(void *opaque, const char *buf, size_t len);	/* VMM_SERIAL_CALLBACK */
	void *serial_opaque;
	FILE *log;			/* diagnostics (unhandled I/O, CPUID KVM changed); NULL is quiet */
};

/* Defaults: 128 MiB, one vCPU, KVM's PMU, split irqchip, seccomp on, SIGUSR1, serial dropped. */
VMM_API void vmm_vm_config_init(struct vmm_vm_config *cfg);

VMM_API int vmm_vm_create(struct vmm *vmm, const struct vmm_vm_config *cfg, struct vmm_vm **out,
			  struct vmm_error *err);
/*
 * Free the VM, writing out what guest output can be written without
 * waiting (vmm_vm_serial_finish()). Not while vmm_vm_run() is going on
 * another thread: vmm_vm_stop() it and let vmm_vm_run() return first.
 * NULL is a no-op.
 */
VMM_API void vmm_vm_destroy(struct vmm_vm *vm);

/* Send guest serial output to fd from now on (VMM_SERIAL_FD); not during a run. */
VMM_API int vmm_vm_set_serial_fd(struct vmm_vm *vm, int fd, struct vmm_error *err);

/* What the guest finds in its boot info (docs/boot.md). Everything is copied. */
struct vmm_boot {
	/*
	 * Guest arguments; NULL is none. The guest's command line is the
	 * image's path (vmm_image_open_file()), a space, then these, as under
	 * QEMU and GRUB.
	 */
	const char *cmdline;
	const void *initrd;		/* multiboot module; NULL is none */
	size_t initrd_len;
	const char *initrd_name;	/* the module's string */
};

/*
 * Put img into guest memory and set up the boot CPU (boot may be NULL). The
 * boot info's PMU mode is the plan's. After a run, this resets the machine
 * first (every vCPU, the PMU, the devices) and boots afresh.
 */
VMM_API int vmm_vm_load(struct vmm_vm *vm, const struct vmm_image *img, const struct vmm_boot *boot,
			struct vmm_error *err);

/* How a run ended. */
enum vmm_end {
	VMM_END_EXIT,		/* the guest wrote its exit value to the exit device */
	VMM_END_TRIPLE_FAULT,	/* with no_reboot; otherwise it is a reset */
	VMM_END_TIMEOUT,
	VMM_END_STOPPED,	/* vmm_vm_stop(), or stop_fd became readable */
	VMM_END_RESET_LIMIT,	/* the guest reset more than max_resets times */
	VMM_END_RESET_VERIFY,	/* verify_reset found PMU state a reset left behind */
	VMM_END_ERROR,		/* KVM could not run the guest (internal error, failed entry) */
};

struct vmm_run_options {
	uint64_t timeout_ms;		/* the whole run, resets included; 0 is none */
	int no_reboot;			/* nonzero: a triple fault ends the run instead of resetting */
	uint64_t max_resets;		/* resets allowed before the run ends with VMM_END_RESET_LIMIT */
	int verify_reset;		/* check after each reset that the PMU reads as fresh (docs/reset.md) */
	int stop_fd;			/* readable: the run stops (-1: none), unless stop_fd_reset says reset */
	/*
	 * Called on the caller's thread when stop_fd became readable: return
	 * why to reset the guest instead of stopping, or NULL to stop.
	 */
	const char *(*stop_fd_reset)(void *opaque, int stop_fd);
	/*
	 * Called on the caller's thread before each reset: n counts from 1;
	 * why is the guest's request, "guest triple fault", or stop_fd_reset's.
	 */
	void (*on_reset)(void *opaque, unsigned int n, const char *why);
	void *opaque;
};

/* Defaults: no timeout, reboot on triple fault, 100 resets, no verification, no stop fd. */
VMM_API void vmm_run_options_init(struct vmm_run_options *o);

#define VMM_SOFT_FALLBACK_REASONS 16

/* What the software PMU did on one vCPU (soft mode). */
struct vmm_soft_stats {
	uint64_t retired;	/* instructions accounted */
	uint64_t executed;	/* of those, executed by the VMM itself (fences, a LOOP to itself) */
	uint64_t pmis;		/* PMIs delivered */
	uint64_t rdpmc_gp;	/* RDPMCs completed from their #GP */
	uint64_t emulated;	/* instructions executed for the host's emulator */
	/* --soft-engine=interp (docs/soft-pmu.md, "The interpreter engine") */
	uint64_t interpreted;	/* of the retired ones, executed by the VMM's interpreter */
	uint64_t handed;	/* instructions handed to a KVM single-step while counting */
	uint64_t handed_cpl3;	/* of those, at CPL 3 */
	uint64_t faults;	/* exceptions the interpreter found, delivered by KVM */
	uint64_t irq_stops;	/* stops for a pending interrupt or NMI */
	uint64_t checked;	/* --soft-check: instructions compared with a KVM single-step */
	uint64_t delivered;	/* faults and interrupts the interpreter delivered through the guest's IDT */
	uint64_t fallbacks[VMM_SOFT_FALLBACK_REASONS];	/* handed over, per reason (vmm_soft_fallback_name) */
};

/* The name of fall-back reason i of vmm_soft_stats.fallbacks ("fpu", "privileged", ...); NULL past the end. */
VMM_API const char *vmm_soft_fallback_name(unsigned int i);

struct vmm_result {
	enum vmm_end end;
	int exit_value;		/* VMM_END_EXIT: the value the guest wrote */
	int status;		/* the exit status vmm run gives for this end (docs/cli.md) */
	int vcpu;		/* the vCPU that ended the run, -1 when none */
	unsigned int resets;	/* resets during the run */
	char reset_reason[256];	/* the last reset's reason */
	char message[512];	/* how it ended, for a person */
	char regs[1024];	/* register dump for VMM_END_TRIPLE_FAULT and VMM_END_ERROR */
	int soft_missed_user_mode;	/* the host gave no debug exit at CPL 3 (docs/soft-pmu.md) */
	unsigned int nr_vcpus;
	int soft_pmu;		/* nonzero: soft[] holds each vCPU's software PMU statistics */
	struct vmm_soft_stats soft[VMM_MAX_VCPUS];
};

/*
 * Run the loaded guest until it ends; reset it (reloading the image, the
 * boot counter going up) on a reset request (0xcf9, 0x64), on a triple fault
 * unless no_reboot, and when stop_fd_reset asks; after ACPI S3 the machine
 * is reset and wakes at the guest's waking vector (docs/boot.md). opts may
 * be NULL (defaults). Returns 0 with *res filled whenever the guest ran,
 * however it ended (ACPI S5 is VMM_END_EXIT with exit_value 0, status 0); -errno when it could not run: -EINVAL (NULL argument), -ENOEXEC
 * (nothing loaded), -EALREADY (this boot has run: vmm_vm_load() again),
 * -EBUSY (already running on another thread), or a host failure.
 *
 * The kick signal: vCPU threads are interrupted out of KVM_RUN with
 * cfg.kick_signal (SIGUSR1 unless set). The first run installs a handler for
 * it that does nothing, process-wide, without SA_RESTART, unless that
 * handler is already there, and unblocks the signal on the vCPU threads
 * only. The embedding program must not use that signal for anything else.
 */
VMM_API int vmm_vm_run(struct vmm_vm *vm, const struct vmm_run_options *opts, struct vmm_result *res,
		       struct vmm_error *err);

/*
 * End the current run with VMM_END_STOPPED, from any thread or a signal
 * handler (async-signal-safe). Asked while no run is going, it ends the next
 * run at once.
 */
VMM_API void vmm_vm_stop(struct vmm_vm *vm);

/* Guest RAM, between runs (during a run the guest may change it under the caller). */
VMM_API uint64_t vmm_vm_mem_size(const struct vmm_vm *vm);
VMM_API int vmm_vm_mem_read(struct vmm_vm *vm, uint64_t gpa, void *buf, size_t len, struct vmm_error *err);
VMM_API int vmm_vm_mem_write(struct vmm_vm *vm, uint64_t gpa, const void *buf, size_t len,
			     struct vmm_error *err);

/* Guest output that could not be written (VMM_SERIAL_FD): bytes lost, and the first write error. */
struct vmm_serial_stats {
	uint64_t dropped;
	int write_errno;
};

/*
 * Write out what guest output can be written without waiting, stop writing
 * to the serial fd, and say what was lost. Before vmm_vm_destroy(), after
 * the last run.
 */
VMM_API void vmm_vm_serial_finish(struct vmm_vm *vm, struct vmm_serial_stats *st);

#ifdef __cplusplus
}
#endif

#endif
