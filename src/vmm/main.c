// SPDX-License-Identifier: GPL-2.0-only
/* vmm: the command-line front end. The only place that prints errors and exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/file.h"
#include "vmm/status.h"
#include "vmm/vm.h"

#ifndef VMM_VERSION
#define VMM_VERSION "unknown"
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
	struct vm_result res;
	struct image img;
	int status, r;

	r = load_inputs(cfg, &f, &img, &err);
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
	struct vm_options opt = {
		.mem_size = cfg->mem_size,
		.nr_vcpus = (unsigned int)cfg->cpus,
		.serial_fd = f.serial_fd,
		.log = cfg->verbose ? stderr : NULL,
	};
	struct boot_params bp = {
		.nr_cpus = (uint32_t)cfg->cpus,
		.cmdline = cfg->cmdline,
		.initrd = f.initrd.data,
		.initrd_len = f.initrd.len,
		.initrd_name = cfg->initrd_path,
	};
	r = kvm_open(&kvm, NULL, &err);
	if (!r)
		r = vm_create(&vm, &kvm, &opt, &err);
	if (!r)
		r = vm_load(&vm, &img, &bp, &err);
	if (!r)
		r = vm_run(&vm, cfg->timeout_ms ? (int)cfg->timeout_ms : -1, f.stop_fd, &res, &err);
	status = r < 0 ? fail(r == -EINVAL || r == -ERANGE || r == -E2BIG ? VMM_STATUS_IMAGE : VMM_STATUS_HOST, &err)
		       : report_result(&res);
	if (!r && vm.serial.write_errno)
		fprintf(stderr, "vmm: writing guest serial output: %s\n", strerror(vm.serial.write_errno));
	vm_destroy(&vm);
	kvm_close(&kvm);
out:
	if (f.serial_fd > STDERR_FILENO)
		close(f.serial_fd);
	if (f.stop_fd >= 0)
		close(f.stop_fd);
	file_free(&f.image);
	file_free(&f.initrd);
	return status;
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
	default:
		cli_usage(stdout, CMD_NONE);
		return VMM_STATUS_OK;
	}
}
