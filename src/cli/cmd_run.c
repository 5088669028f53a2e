// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmm run: a client of libvmm (include/vmm/vmm.h). It reads the inputs,
 * turns SIGINT/SIGTERM/SIGHUP into a stop fd, and says on stderr how the
 * run ended; the run policy (resets, their limit, verification, the
 * timeout) is the library's.
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "common/file.h"
#include "vmm/vmm.h"

static int fail(int status, const struct vmm_error *e)
{
	struct vmm_err r = cmd_err(e);

	return cmd_fail(status, &r);
}

/* SIGINT/SIGTERM become readable on a signalfd that the run watches. */
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

/* The stop fd became readable: SIGHUP resets the guest, SIGINT and SIGTERM stop it. */
static const char *stop_fd_reset(void *opaque, int stop_fd)
{
	struct signalfd_siginfo si;

	(void)opaque;
	if (read(stop_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return NULL;
	return si.ssi_signo == SIGHUP ? "SIGHUP" : NULL;
}

/* A reset's reason as the command line words it. */
static const char *cli_reason(const char *why)
{
	return strcmp(why, "guest triple fault") ? why : "guest triple fault (--no-reboot ends the VM instead)";
}

static void on_reset(void *opaque, unsigned int n, const char *why)
{
	(void)opaque;
	fprintf(stderr, "vmm: reset %u: %s\n", n, cli_reason(why));
}

struct run_files {
	struct vmm_image *image;
	struct file_buf initrd;
	int serial_fd, stop_fd;
};

static int load_inputs(const struct vmm_config *cfg, struct run_files *f, struct vmm_err *err)
{
	struct vmm_image_options o = { .mem_size = cfg->mem_size, .raw_load_addr = cfg->load_addr };
	struct vmm_error e = { 0 };

	if (vmm_image_open_file(cfg->image, &o, &f->image, &e) < 0) {
		*err = cmd_err(&e);
		return -e.code;
	}
	if (cfg->initrd_path && strcmp(vmm_image_kind(f->image), "multiboot"))
		return vmm_errf(err, EINVAL, "--initrd needs a multiboot image; %s is %s", cfg->image,
				vmm_image_kind(f->image));
	if (cfg->initrd_path)
		return file_read(cfg->initrd_path, cfg->mem_size, "the size of guest RAM", &f->initrd, err);
	return 0;
}

static const char *const mode_names[] = { "off", "emulated", "mediated", "soft" };

/* Plan the guest PMU; say on stderr what was chosen and why. */
static int plan_pmu(struct vmm *vmm, const struct vmm_config *cfg, struct vmm_plan **plan,
		    struct vmm_error *err)
{
	const char *sep = " (";
	int r = vmm_plan(vmm, NULL, cfg->pmu, cfg->nr_pmu, plan, err);

	if (r < 0) {
		char msg[sizeof(err->message)];

		snprintf(msg, sizeof(msg), "--pmu=%s: %.480s", cfg->pmu_mode, err->message);
		memcpy(err->message, msg, sizeof(msg));
		return r;
	}
	if (strcmp(cfg->pmu_mode, "auto") && !cfg->verbose)
		return 0;
	fprintf(stderr, "vmm: PMU mode %s", vmm_plan_mode(*plan));
	for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++) {
		const char *why = vmm_plan_rejected(*plan, mode_names[m]);

		if (!why)
			continue;
		fprintf(stderr, "%snot %s: %s", sep, mode_names[m], why);
		sep = "; ";
	}
	fprintf(stderr, "%s\n", sep[0] == ';' ? ")" : "");
	if (cfg->verbose)
		vmm_plan_print(*plan, stderr, 0, NULL);
	return 0;
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
static void report_soft_pmu(const struct vmm_result *res)
{
	for (unsigned int i = 0; res->soft_pmu && i < res->nr_vcpus; i++) {
		const struct vmm_soft_stats *s = &res->soft[i];

		fprintf(stderr, "vmm: vCPU %u: soft PMU accounted %llu instructions (%llu executed by "
			"the VMM), delivered %llu PMIs, completed %llu RDPMCs from their #GP, executed %llu "
			"instructions the host could not run\n", i, (unsigned long long)s->retired,
			(unsigned long long)s->executed, (unsigned long long)s->pmis,
			(unsigned long long)s->rdpmc_gp, (unsigned long long)s->emulated);
		if (!s->interpreted && !s->handed)
			continue;
		fprintf(stderr, "vmm: vCPU %u: interpreter: %llu instructions, %llu handed to KVM (%llu at CPL 3), "
			"%llu faults, %llu stops for an interrupt, %llu events delivered, %llu checked against KVM; "
			"fall backs:", i,
			(unsigned long long)s->interpreted, (unsigned long long)s->handed,
			(unsigned long long)s->handed_cpl3, (unsigned long long)s->faults,
			(unsigned long long)s->irq_stops, (unsigned long long)s->delivered,
			(unsigned long long)s->checked);
		for (unsigned int k = 0; vmm_soft_fallback_name(k); k++)
			if (s->fallbacks[k])
				fprintf(stderr, " %s: %llu;", vmm_soft_fallback_name(k), (unsigned long long)s->fallbacks[k]);
		fputc('\n', stderr);
	}
}

/* What became of guest output that could not be written (docs/cli.md, "Guest output"). */
static void report_serial(const struct vmm_serial_stats *s)
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

static int report_result(const struct vmm_config *cfg, const struct vmm_result *res)
{
	switch (res->end) {
	case VMM_END_EXIT:
		break;
	case VMM_END_TRIPLE_FAULT:
		fprintf(stderr, "vmm: vCPU %d: %s\n%s\n", res->vcpu, res->message, res->regs);
		break;
	case VMM_END_TIMEOUT:
		fprintf(stderr, "vmm: timeout: %s\n", res->message);
		break;
	case VMM_END_STOPPED:
		fprintf(stderr, "vmm: stopped by signal\n");
		break;
	case VMM_END_RESET_LIMIT:
		fprintf(stderr, "vmm: the guest reset %u time%s (--max-resets=%llu); last: %.200s\n",
			res->resets + 1, res->resets ? "s" : "", (unsigned long long)cfg->max_resets,
			cli_reason(res->reset_reason));
		break;
	case VMM_END_RESET_VERIFY:
		fprintf(stderr, "vmm: --verify-reset: %.480s\n", res->message);
		break;
	default:
		fprintf(stderr, "vmm: vCPU %d: %s\n%s%s", res->vcpu, res->message, res->regs,
			res->regs[0] ? "\n" : "");
		break;
	}
	return res->status;
}

/* --serial FILE, created or truncated only now that the VM exists and is about to run. */
static int open_serial(const struct vmm_config *cfg, struct vmm_vm *vm, struct vmm_error *e)
{
	struct vmm_err err = { 0 };
	int fd = file_create_output(cfg->serial_path, &err);

	if (fd < 0) {
		vmm_err_prefix(&err, "--serial");
		e->code = err.code;
		snprintf(e->message, sizeof(e->message), "%s", err.msg);
		return fd;
	}
	if (vmm_vm_set_serial_fd(vm, fd, e) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int cmd_run(const struct vmm_config *cfg)
{
	struct run_files f = { .serial_fd = -1, .stop_fd = -1 };
	struct vmm_err err = { 0 };
	struct vmm_error e = { 0 };
	struct vmm *vmm = NULL;
	struct vmm_plan *plan = NULL;
	struct vmm_vm *vm = NULL;
	struct vmm_vm_config vc;
	struct vmm_run_options ro;
	struct vmm_serial_stats st;
	struct vmm_result *res = malloc(sizeof(*res));
	int status = VMM_STATUS_HOST, r;

	r = res ? load_inputs(cfg, &f, &err) : vmm_errf(&err, ENOMEM, "out of memory");
	if (r < 0) {
		status = cmd_fail(res ? VMM_STATUS_IMAGE : VMM_STATUS_HOST, &err);
		goto out;
	}
	f.stop_fd = stop_signals_fd(&err);
	if (f.stop_fd < 0) {
		status = cmd_fail(VMM_STATUS_HOST, &err);
		goto out;
	}
	if (vmm_open(NULL, &vmm, &e) < 0) {
		status = fail(VMM_STATUS_HOST, &e);
		goto out;
	}
	r = plan_pmu(vmm, cfg, &plan, &e);
	if (r < 0) {
		status = fail(cmd_plan_status(e.input), &e);
		goto out;
	}
	vmm_vm_config_init(&vc);
	vc.mem_size = cfg->mem_size;
	vc.nr_vcpus = (unsigned int)cfg->cpus;
	vc.pmu = plan;
	vc.irqchip_full = cfg->irqchip_full;
	vc.no_seccomp = cfg->no_seccomp;
	vc.serial = cfg->serial_path ? VMM_SERIAL_DROP : VMM_SERIAL_FD;
	vc.serial_fd = cfg->serial_path ? -1 : STDOUT_FILENO;
	vc.log = cfg->verbose ? stderr : NULL;
	r = vmm_vm_create(vmm, &vc, &vm, &e);
	if (!r && cfg->serial_path && (f.serial_fd = open_serial(cfg, vm, &e)) < 0) {
		status = fail(VMM_STATUS_IMAGE, &e);
		goto out;
	}
	struct vmm_boot boot = {
		.cmdline = cfg->cmdline,
		.initrd = f.initrd.data,
		.initrd_len = f.initrd.len,
		.initrd_name = cfg->initrd_path,
	};
	vmm_run_options_init(&ro);
	ro.timeout_ms = cfg->timeout_ms;
	ro.no_reboot = cfg->no_reboot;
	ro.max_resets = cfg->max_resets;
	ro.verify_reset = cfg->verify_reset;
	ro.stop_fd = f.stop_fd;
	ro.stop_fd_reset = stop_fd_reset;
	ro.on_reset = cfg->verbose ? on_reset : NULL;
	if (!r)
		r = vmm_vm_load(vm, f.image, &boot, &e);
	if (!r)
		r = vmm_vm_run(vm, &ro, res, &e);
	status = r < 0 ? fail(e.input ? VMM_STATUS_IMAGE : VMM_STATUS_HOST, &e) : report_result(cfg, res);
	if (!r && res->soft_missed_user_mode)
		fprintf(stderr, "vmm: warning: this host's KVM gave no debug exit while the guest ran at CPL 3: "
			"the soft PMU did not count user-mode instructions (docs/soft-pmu.md)\n");
	if (!r && cfg->verbose) {
		report_soft_pmu(res);
		report_usage(res->resets);
	}
	if (vm) {	/* first: the last of the guest's output is written or counted as lost */
		vmm_vm_serial_finish(vm, &st);
		if (!r)
			report_serial(&st);
	}
out:
	vmm_vm_destroy(vm);
	vmm_plan_free(plan);
	vmm_close(vmm);
	if (f.serial_fd > STDERR_FILENO)
		close(f.serial_fd);
	if (f.stop_fd >= 0)
		close(f.stop_fd);
	vmm_image_free(f.image);
	file_free(&f.initrd);
	free(res);
	return status;
}
