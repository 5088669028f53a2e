// SPDX-License-Identifier: GPL-2.0-only
/* vmm: the command-line front end. The only place that prints errors and exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pmu/host.h"
#include "pmu/plan.h"
#include "vmm/bootinfo.h"
#include "vmm/cli.h"
#include "vmm/file.h"
#include "vmm/selftest.h"
#include "vmm/status.h"
#include "vmm/vm.h"

#ifndef VMM_VERSION
#define VMM_VERSION "unknown"
#endif
#ifndef VMM_GUEST_DIR
#define VMM_GUEST_DIR "/usr/local/share/vmm/guest-images"
#endif

static int fail(int status, const struct vmm_err *err)
{
	fprintf(stderr, "vmm: %s\n", err->msg);
	return status;
}

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

static int open_serial(const struct vmm_config *cfg, struct vmm_err *err)
{
	int fd;

	if (!cfg->serial_path)
		return STDOUT_FILENO;
	fd = open(cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vmm_errf(err, errno, "--serial %s: %s", cfg->serial_path, strerror(errno));
	return fd;
}

struct run_files {
	struct file_buf image, initrd;
	int serial_fd, stop_fd;
};

static int load_inputs(const struct vmm_config *cfg, struct run_files *f, struct image *img,
		       struct vmm_err *err)
{
	int r = file_read(cfg->image, VM_MAX_MEM, &f->image, err);

	if (r < 0)
		return r;
	r = image_parse(f->image.data, f->image.len, cfg->load_addr, cfg->mem_size, img, err);
	if (r < 0) {
		vmm_err_prefix(err, "%s", cfg->image);
		return r;
	}
	if (cfg->initrd_path && img->kind != IMAGE_MULTIBOOT)
		return vmm_errf(err, EINVAL, "--initrd needs a multiboot image; %s is %s", cfg->image,
				image_kind_name(img->kind));
	if (cfg->initrd_path)
		return file_read(cfg->initrd_path, cfg->mem_size, &f->initrd, err);
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

/*
 * A plan refused because the request itself is invalid (a value out of the
 * mode's range, contradicting options) is a usage error; one refused because
 * this host cannot give it is a host error.
 */
static int plan_status(int r)
{
	return r == -EINVAL || r == -ERANGE || r == -E2BIG ? VMM_STATUS_USAGE : VMM_STATUS_HOST;
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

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	int64_t deadline = cfg->timeout_ms ? mono_ms() + (int64_t)cfg->timeout_ms : -1;
	const char *why;
	int r;

	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - mono_ms();

		r = vm_load(vm, img, bp, err);
		if (!r)
			r = vm_run(vm, deadline < 0 ? -1 : (int)(left > 0 ? left : 0), stop_fd, res, err);
		if (r < 0)
			return r;
		why = reset_reason(cfg, res, stop_fd);
		if (!why)
			return 0;
		if (bp->boot_count >= cfg->max_resets) {
			res->end = VM_END_ERROR;
			snprintf(res->msg, sizeof(res->msg), "the guest reset %u times (--max-resets=%llu); "
				 "last: %.200s", bp->boot_count + 1, (unsigned long long)cfg->max_resets, why);
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

static int cmd_run(const struct vmm_config *cfg)
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
		status = fail(VMM_STATUS_IMAGE, &err);
		goto out;
	}
	f.serial_fd = open_serial(cfg, &err);
	f.stop_fd = f.serial_fd < 0 ? f.serial_fd : stop_signals_fd(&err);
	if (f.stop_fd < 0) {
		status = fail(VMM_STATUS_IMAGE, &err);
		goto out;
	}
	r = kvm_open(&kvm, NULL, &err);
	if (r < 0) {
		status = fail(VMM_STATUS_HOST, &err);
		goto out;
	}
	r = plan_pmu(&kvm, cfg, plan, &err);
	if (r < 0) {
		status = fail(plan_status(r), &err);
		goto out;
	}
	struct vm_options opt = {
		.mem_size = cfg->mem_size,
		.irqchip = cfg->irqchip_full ? VM_IRQCHIP_FULL : VM_IRQCHIP_SPLIT,
		.nr_vcpus = (unsigned int)cfg->cpus,
		.serial_fd = f.serial_fd,
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
	if (!r)
		r = run_loop(cfg, &vm, &img, &bp, f.stop_fd, &res, &err);
	status = r < 0 ? fail(err.input ? VMM_STATUS_IMAGE : VMM_STATUS_HOST, &err) : report_result(&res);
	if (!r && vm_soft_pmu_missed_user_mode(&vm))
		fprintf(stderr, "vmm: warning: this host's KVM gave no debug exit while the guest ran at CPL 3: "
			"the soft PMU did not count user-mode instructions (docs/soft-pmu.md)\n");
	if (!r && cfg->verbose)
		report_usage(bp.boot_count);
	if (!r && vm.serial.write_errno)
		fprintf(stderr, "vmm: writing guest serial output: %s\n", strerror(vm.serial.write_errno));
	vm_destroy(&vm);
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

static int probe_host(struct pmu_host *host, struct vmm_err *err)
{
	struct kvm kvm = { .fd = -1 };
	int r = kvm_open(&kvm, NULL, err);

	if (!r)
		r = pmu_host_probe(kvm.fd, NULL, host, err);
	kvm_close(&kvm);
	return r;
}

static int cmd_caps(const struct vmm_config *cfg)
{
	struct vmm_err err = { 0 };
	struct pmu_host host;
	FILE *f;

	if (probe_host(&host, &err) < 0)
		return fail(VMM_STATUS_HOST, &err);
	if (cfg->save_path) {
		f = fopen(cfg->save_path, "w");
		if (!f || pmu_host_write(f, &host) < 0 || fclose(f) != 0) {
			fprintf(stderr, "vmm: --save %s: %s\n", cfg->save_path, strerror(errno));
			return VMM_STATUS_IMAGE;
		}
	}
	if (pmu_host_print_caps(stdout, &host, cfg->json) < 0)
		return VMM_STATUS_HOST;
	return VMM_STATUS_OK;
}

static int cmd_plan(const struct vmm_config *cfg)
{
	struct vmm_err err = { 0 };
	struct file_buf text;
	struct pmu_host host;
	struct pmu_plan *plan = calloc(1, sizeof(*plan));
	char *nul;
	int r;

	if (!plan)
		return VMM_STATUS_HOST;
	r = file_read(cfg->host_path, 1 << 20, &text, &err);
	if (r < 0) {
		free(plan);
		return fail(VMM_STATUS_IMAGE, &err);
	}
	nul = realloc(text.data, text.len + 1);
	if (nul) {
		text.data = (uint8_t *)nul;
		nul[text.len] = '\0';
		r = pmu_host_parse(nul, &host, &err);
		if (r < 0)
			vmm_err_prefix(&err, "%s", cfg->host_path);
	}
	if (!nul || r < 0) {
		file_free(&text);
		free(plan);
		return fail(VMM_STATUS_IMAGE, &err);
	}
	file_free(&text);
	r = pmu_plan(&host, &cfg->pmu, plan, &err);
	if (r < 0) {
		free(plan);
		fprintf(stderr, "vmm: --pmu=%s on %s: %s\n", pmu_mode_name(cfg->pmu.mode),
			host.name[0] ? host.name : cfg->host_path, err.msg);
		return plan_status(r);
	}
	pmu_plan_print(stdout, plan, cfg->json);
	free(plan);
	return VMM_STATUS_OK;
}

/* The guests sit in guest-images/ beside the binary in a build tree, or in the installed data dir. */
static int find_guest_dir(const char *self, char *dir, size_t len)
{
	const char *slash = strrchr(self, '/');
	struct stat st;

	snprintf(dir, len, "%.*s/guest-images", slash ? (int)(slash - self) : 1, slash ? self : ".");
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(dir, len, "%s", VMM_GUEST_DIR);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -ENOENT;
}

/* Which selftest modes this host can give, by planning each one. */
static void selftest_modes_available(const struct pmu_host *host, struct selftest_env *env)
{
	static const struct { enum pmu_mode mode; bool amd; } req_of[ST_NR_MODES] = {
		[ST_MODE_OFF] = { PMU_MODE_OFF, false },
		[ST_MODE_EMULATED] = { PMU_MODE_EMULATED, false },
		[ST_MODE_MEDIATED] = { PMU_MODE_MEDIATED, false },
		[ST_MODE_SOFT_INTEL] = { PMU_MODE_SOFT, false },
		[ST_MODE_SOFT_AMD] = { PMU_MODE_SOFT, true },
	};
	struct pmu_plan *plan = malloc(sizeof(*plan));

	for (unsigned int m = 0; m < ST_NR_MODES; m++) {
		struct pmu_request req;
		struct vmm_err err = { 0 };

		pmu_request_init(&req);
		req.mode = req_of[m].mode;
		if (req.mode == PMU_MODE_SOFT) {
			req.has_vendor = true;
			req.vendor = req_of[m].amd ? PMU_VENDOR_AMD : PMU_VENDOR_INTEL;
		}
		if (!plan)
			snprintf(env->unavailable[m], sizeof(env->unavailable[m]), "out of memory");
		else if (pmu_plan(host, &req, plan, &err) < 0)
			snprintf(env->unavailable[m], sizeof(env->unavailable[m]), "%s", err.msg);
	}
	free(plan);
}

static void selftest_list(void)
{
	for (unsigned int i = 0; i < selftest_nr_guests; i++)
		printf("%-14s %s\n", selftest_guests[i].name, selftest_guests[i].proves);
}

static int cmd_selftest(const struct vmm_config *cfg)
{
	struct selftest_opts o = {
		.guests = cfg->guests,
		.jobs = cfg->jobs ? (unsigned int)cfg->jobs : (unsigned int)sysconf(_SC_NPROCESSORS_ONLN),
		.json_path = cfg->json_path,
		.tap = cfg->tap,
		.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 60000,
		.progress = isatty(STDERR_FILENO) && !cfg->json_path && !cfg->tap && !cfg->guest_output,
		.guest_output = cfg->guest_output,
	};
	struct selftest_env env = { 0 };
	char self[4096], dir[4096];
	struct vmm_err err = { 0 };
	struct pmu_host host;
	ssize_t n;
	int r;

	if (cfg->list) {
		selftest_list();
		return VMM_STATUS_OK;
	}
	if (selftest_modes_parse(cfg->modes ? cfg->modes : "all", &o.modes, &err) < 0 ||
	    (cfg->guests && selftest_guests_check(cfg->guests, &err) < 0))
		return fail(VMM_STATUS_USAGE, &err);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		fprintf(stderr, "vmm: cannot find my own executable: %s\n", strerror(errno));
		return VMM_STATUS_HOST;
	}
	self[n] = '\0';
	if (cfg->guest_dir)
		snprintf(dir, sizeof(dir), "%s", cfg->guest_dir);
	else if (find_guest_dir(self, dir, sizeof(dir)) < 0) {
		fprintf(stderr, "vmm: no guest images beside %s or in %s (use --guest-dir)\n", self,
			VMM_GUEST_DIR);
		return VMM_STATUS_IMAGE;
	}
	if (probe_host(&host, &err) < 0) {
		fprintf(stderr, "vmm: %s\n", err.msg);
		if (o.guest_output) {	/* TAP: a skip with the reason */
			printf("1..0 # SKIP %s\n", err.msg);
			return VMM_STATUS_OK;
		}
		return 77;
	}
	env.vmm_path = self;
	env.guest_dir = dir;
	selftest_modes_available(&host, &env);
	r = selftest_run(&o, &env, stdout, &err);
	if (r < 0)
		return fail(r == -EINVAL ? VMM_STATUS_USAGE : VMM_STATUS_HOST, &err);
	return r;
}

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	struct vmm_err err = { 0 };

	if (cli_parse(argc, argv, &cfg, &err) < 0 || cli_validate(&cfg, &err) < 0) {
		fprintf(stderr, "vmm: %s\n", err.msg);
		return VMM_STATUS_USAGE;
	}
	switch (cfg.cmd) {
	case CMD_VERSION:
		printf("vmm %s\n", VMM_VERSION);
		return VMM_STATUS_OK;
	case CMD_RUN:
		if (cfg.help) {
			cli_usage(stdout, CMD_RUN);
			return VMM_STATUS_OK;
		}
		return cmd_run(&cfg);
	case CMD_SELFTEST:
	case CMD_CAPS:
	case CMD_PLAN:
		if (cfg.help) {
			cli_usage(stdout, cfg.cmd);
			return VMM_STATUS_OK;
		}
		return cfg.cmd == CMD_SELFTEST ? cmd_selftest(&cfg) :
		       cfg.cmd == CMD_CAPS ? cmd_caps(&cfg) : cmd_plan(&cfg);
	default:
		cli_usage(stdout, CMD_NONE);
		return VMM_STATUS_OK;
	}
}
