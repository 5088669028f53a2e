// SPDX-License-Identifier: GPL-2.0-only
/* vmm run: boot an image with the planned PMU, reset it as asked, report how it ended. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "pmu/plan.h"
#include "vmm/bootinfo.h"
#include "vmm/cmd.h"
#include "vmm/file.h"
#include "vmm/image_file.h"
#include "vmm/soft_engine.h"
#include "vmm/status.h"
#include "vmm/vm.h"

/* SIGINT/SIGTERM become readable on a signalfd that vm_run() watches. */
static int stop_signals_fd(struct vmm_err *err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return vmm_errf(err, errno, "sigprocmask: %s", strerror(errno));
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return vmm_errf(err, errno, "signalfd: %s", strerror(errno));
	return fd;
}

/* --serial FILE, created or truncated only now that the VM exists and is about to run. */
static int open_serial(const struct vmm_config *cfg, struct vm *vm, struct vmm_err *err)
{
	int fd = file_create_output(cfg->serial_path, err);

	if (fd < 0) {
		vmm_err_prefix(err, "--serial");
		return fd;
	}
	if (vm_set_serial_output(vm, fd, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct run_files {
	struct file_buf image, initrd;
	int serial_fd, stop_fd;
};

static int load_inputs(const struct vmm_config *cfg, struct run_files *f, struct image *img,
		       struct vmm_err *err)
{
	int r = image_file_load(cfg->image, cfg->load_addr, cfg->mem_size, &f->image, img, err);

	if (r < 0)
		return r;
	if (cfg->initrd_path && img->kind != IMAGE_MULTIBOOT)
		return vmm_errf(err, EINVAL, "--initrd needs a multiboot image; %s is %s", cfg->image,
				image_kind_name(img->kind));
	if (cfg->initrd_path)
		return file_read(cfg->initrd_path, cfg->mem_size, "the size of guest RAM", &f->initrd, err);
	return 0;
}

/* Probe this host and plan the guest PMU; say on stderr what was chosen and why. */
static int plan_pmu(struct kvm *kvm, const struct vmm_config *cfg, struct pmu_plan *plan,
		    struct vmm_err *err)
{
	const struct cpuid_table *supported;
	struct pmu_host host;
	int r = kvm_get_supported_cpuid(kvm, &supported, err);

	if (!r)
		r = pmu_host_probe(kvm->fd, supported, &host, err);
	if (r < 0)
		return r;
	r = pmu_plan(&host, &cfg->pmu, plan, err);
	if (r < 0) {
		vmm_err_prefix(err, "--pmu=%s", pmu_mode_name(cfg->pmu.mode));
		return r;
	}
	if (cfg->pmu.mode == PMU_MODE_AUTO || cfg->verbose) {
		const char *sep = " (";

		fprintf(stderr, "vmm: PMU mode %s", pmu_mode_name(plan->shape.mode));
		for (int m = 0; m < PMU_MODE_AUTO; m++) {
			if (!plan->rejected[m][0])
				continue;
			fprintf(stderr, "%snot %s: %s", sep, pmu_mode_name(m), plan->rejected[m]);
			sep = "; ";
		}
		fprintf(stderr, "%s\n", sep[0] == ';' ? ")" : "");
	}
	if (cfg->verbose)
		pmu_plan_print(stderr, plan, false);
	return 0;
}

static uint32_t bootinfo_pmu_mode(enum pmu_mode m)
{
	switch (m) {
	case PMU_MODE_EMULATED: return VMM_PMU_MODE_EMULATED;
	case PMU_MODE_MEDIATED: return VMM_PMU_MODE_MEDIATED;
	case PMU_MODE_SOFT: return VMM_PMU_MODE_SOFT;
	default: return VMM_PMU_MODE_OFF;
	}
}

/* Which signal made the stop fd readable (0 if none is queued). */
static int stop_signal(int stop_fd)
{
	struct signalfd_siginfo si;

	if (read(stop_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

/* Why this run should be followed by a reset, or NULL when it ends the VM. */
static const char *reset_reason(const struct vmm_config *cfg, const struct vm_result *res, int stop_fd)
{
	if (res->end == VM_END_RESET)
		return res->msg;
	if (res->end == VM_END_SHUTDOWN && !cfg->no_reboot)
		return "guest triple fault (--no-reboot ends the VM instead)";
	if (res->end == VM_END_STOPPED && stop_signal(stop_fd) == SIGHUP)
		return "SIGHUP";
	return NULL;
}

/*
 * Boot, and boot again after every reset: guest RAM stays, the image is
 * reloaded and the boot counter goes up (docs/reset.md). --timeout covers
 * the whole run.
 */
static int run_loop(const struct vmm_config *cfg, struct vm *vm, const struct image *img,
		    struct boot_params *bp, int stop_fd, struct vm_result *res, struct vmm_err *err)
{
	int64_t deadline = cfg->timeout_ms ? vmm_mono_ms() + (int64_t)cfg->timeout_ms : -1;
	const char *why;
	int r;

	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - vmm_mono_ms();

		r = vm_load(vm, img, bp, err);
		if (!r)
			r = vm_run(vm, deadline < 0 ? -1 : (int)(left > 0 ? left : 0), stop_fd, res, err);
		if (r < 0)
			return r;
		if (res->end == VM_END_TIMEOUT)	/* vm_run() knew only the time left of this boot */
			snprintf(res->msg, sizeof(res->msg), "guest still running after %llu.%03llu s",
				 (unsigned long long)(cfg->timeout_ms / 1000),
				 (unsigned long long)(cfg->timeout_ms % 1000));
		why = reset_reason(cfg, res, stop_fd);
		if (!why)
			return 0;
		if (bp->boot_count >= cfg->max_resets) {
			res->end = VM_END_ERROR;
			snprintf(res->msg, sizeof(res->msg), "the guest reset %u time%s (--max-resets=%llu); "
				 "last: %.200s", bp->boot_count + 1, bp->boot_count ? "s" : "",
				 (unsigned long long)cfg->max_resets, why);
			res->regs[0] = '\0';
			res->status = VMM_STATUS_RESET_LIMIT;
			return 0;
		}
		if (cfg->verbose)
			fprintf(stderr, "vmm: reset %u: %s\n", bp->boot_count + 1, why);
		r = vm_reset(vm, err);
		if (!r && cfg->verify_reset && (r = vm_verify_reset(vm, err)) < 0) {
			res->end = VM_END_ERROR;
			snprintf(res->msg, sizeof(res->msg), "--verify-reset: %.480s", err->msg);
			res->regs[0] = '\0';
			res->status = VMM_STATUS_RESET_VERIFY;
			return 0;
		}
		if (r < 0)
			return r;
		bp->boot_count++;
	}
}

/* With -v: what the run cost, so reset storms can be checked for leaks. */
static void report_usage(unsigned int resets)
{
	struct rusage ru;
	unsigned int fds = 0;
	DIR *d = opendir("/proc/self/fd");

	if (d) {
		while (readdir(d))
			fds++;
		closedir(d);
		fds -= 3;	/* ".", ".." and the directory's own fd */
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "vmm: %u resets, peak RSS %ld KiB, %zu bytes allocated, %u fds open\n", resets,
		ru.ru_maxrss, mallinfo2().uordblks, fds);
}

/* With -v: what the soft PMU engine did on each vCPU. */
static void report_soft_pmu(const struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct soft_vcpu *s = vm->vcpus[i].soft;

		if (s)
			fprintf(stderr, "vmm: vCPU %u: soft PMU accounted %llu instructions, delivered %llu PMIs\n",
				i, (unsigned long long)s->retired, (unsigned long long)s->pmis);
	}
}

/* What became of guest output that could not be written (docs/cli.md, "Guest output"). */
static void report_serial(const struct serial *s)
{
	if (s->write_errno == EPIPE)
		fprintf(stderr, "vmm: guest serial output: the reader closed the pipe; the guest ran on and "
			"%llu bytes of its output were discarded\n", (unsigned long long)s->dropped);
	else if (s->write_errno)
		fprintf(stderr, "vmm: writing guest serial output: %s; %llu bytes of it discarded\n",
			strerror(s->write_errno), (unsigned long long)s->dropped);
	else if (s->dropped)
		fprintf(stderr, "vmm: %llu bytes of guest serial output lost: the reader did not keep up "
			"while the guest wrote past the UART's busy signal (LSR.THRE clear)\n",
			(unsigned long long)s->dropped);
}

static int report_result(const struct vm_result *res)
{
	switch (res->end) {
	case VM_END_GUEST:
		return res->status;
	case VM_END_SHUTDOWN:
		fprintf(stderr, "vmm: vCPU %d: %s\n%s\n", res->vcpu, res->msg, res->regs);
		return VMM_STATUS_TRIPLE_FAULT;
	case VM_END_TIMEOUT:
		fprintf(stderr, "vmm: timeout: %s\n", res->msg);
		return VMM_STATUS_TIMEOUT;
	case VM_END_STOPPED:
		fprintf(stderr, "vmm: stopped by signal\n");
		return VMM_STATUS_SIGNAL;
	default:
		if (res->status) {	/* the run loop's own verdicts carry their status */
			fprintf(stderr, "vmm: %s\n", res->msg);
			return res->status;
		}
		fprintf(stderr, "vmm: vCPU %d: %s\n%s%s", res->vcpu, res->msg, res->regs,
			res->regs[0] ? "\n" : "");
		return VMM_STATUS_VCPU_ERROR;
	}
}

int cmd_run(const struct vmm_config *cfg)
{
	struct run_files f = { .serial_fd = -1, .stop_fd = -1 };
	struct vmm_err err = { 0 };
	struct kvm kvm = { .fd = -1 };
	struct vm vm = { .fd = -1 };
	struct pmu_plan *plan = calloc(1, sizeof(*plan));
	struct vm_result res;
	struct image img;
	int status = VMM_STATUS_HOST, r;

	r = plan ? load_inputs(cfg, &f, &img, &err) : vmm_errf(&err, ENOMEM, "out of memory");
	if (r < 0) {
		status = cmd_fail(VMM_STATUS_IMAGE, &err);
		goto out;
	}
	f.stop_fd = stop_signals_fd(&err);
	if (f.stop_fd < 0) {
		status = cmd_fail(VMM_STATUS_HOST, &err);
		goto out;
	}
	r = kvm_open(&kvm, NULL, &err);
	if (r < 0) {
		status = cmd_fail(VMM_STATUS_HOST, &err);
		goto out;
	}
	r = plan_pmu(&kvm, cfg, plan, &err);
	if (r < 0) {
		status = cmd_fail(cmd_plan_status(r), &err);
		goto out;
	}
	struct vm_options opt = {
		.mem_size = cfg->mem_size,
		.irqchip = cfg->irqchip_full ? VM_IRQCHIP_FULL : VM_IRQCHIP_SPLIT,
		.nr_vcpus = (unsigned int)cfg->cpus,
		.serial_fd = cfg->serial_path ? -1 : STDOUT_FILENO,
		.log = cfg->verbose ? stderr : NULL,
		.pmu = plan,
	};
	struct boot_params bp = {
		.nr_cpus = (uint32_t)cfg->cpus,
		.pmu_mode = bootinfo_pmu_mode(plan->shape.mode),
		.cmdline = cfg->cmdline,
		.initrd = f.initrd.data,
		.initrd_len = f.initrd.len,
		.initrd_name = cfg->initrd_path,
	};
	r = vm_create(&vm, &kvm, &opt, &err);
	if (!r && cfg->serial_path && (f.serial_fd = open_serial(cfg, &vm, &err)) < 0) {
		status = cmd_fail(VMM_STATUS_IMAGE, &err);
		vm_destroy(&vm);
		goto out;
	}
	if (!r)
		r = run_loop(cfg, &vm, &img, &bp, f.stop_fd, &res, &err);
	status = r < 0 ? cmd_fail(err.input ? VMM_STATUS_IMAGE : VMM_STATUS_HOST, &err) : report_result(&res);
	if (!r && vm_soft_pmu_missed_user_mode(&vm))
		fprintf(stderr, "vmm: warning: this host's KVM gave no debug exit while the guest ran at CPL 3: "
			"the soft PMU did not count user-mode instructions (docs/soft-pmu.md)\n");
	if (!r && cfg->verbose) {
		report_soft_pmu(&vm);
		report_usage(bp.boot_count);
	}
	vm_destroy(&vm);	/* first: the last of the guest's output is written or counted as lost */
	if (!r)
		report_serial(&vm.serial);
out:
	kvm_close(&kvm);
	if (f.serial_fd > STDERR_FILENO)
		close(f.serial_fd);
	if (f.stop_fd >= 0)
		close(f.stop_fd);
	file_free(&f.image);
	file_free(&f.initrd);
	free(plan);
	return status;
}

