// SPDX-License-Identifier: GPL-2.0-only
/*
 * The boot info's PMU mode comes from the VM's plan, not from its caller: a
 * program that boots pmu-count through vm_create()/vm_load()/vm_run() with a
 * soft plan and leaves boot_params.pmu_mode alone must see the guest count
 * exactly (its exact checks are on only when the boot info says soft).
 *   bootinfo-pmu PMU-COUNT-IMAGE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmu/host.h"
#include "pmu/plan.h"
#include "common/file.h"
#include "vmm/run/vm.h"

/* 0 when the guest passed; the guest's output goes to stderr, as TAP comments do not matter here. */
static int boot(const char *image, char *why, size_t len)
{
	struct vmm_err err = { 0 };
	struct kvm kvm = { .fd = -1 };
	struct vm vm = { .fd = -1 };
	struct pmu_plan *plan = calloc(1, sizeof(*plan));
	struct pmu_host *host = calloc(1, sizeof(*host));
	struct pmu_request req;
	const struct cpuid_table *supported;
	struct boot_params bp = { .nr_cpus = 1 };	/* pmu_mode left 0 (off) on purpose */
	struct file_buf f = { 0 };
	struct vm_result res = { .end = VM_END_ERROR };
	struct image img;
	bool created = false;
	int r = plan && host ? 0 : vmm_errf(&err, ENOMEM, "out of memory");

	pmu_request_init(&req);
	req.mode = PMU_MODE_SOFT;
	if (!r)
		r = file_read(image, 64 << 20, "the size of guest RAM", &f, &err);
	if (!r)
		r = image_parse(f.data, f.len, 0x100000, 64 << 20, &img, &err);
	if (!r)
		r = kvm_open(&kvm, NULL, &err);
	if (!r)
		r = kvm_get_supported_cpuid(&kvm, &supported, &err);
	if (!r)
		r = pmu_host_probe(kvm.fd, supported, host, &err);
	if (!r)
		r = pmu_plan(host, &req, plan, &err);
	struct vm_options opt = { .mem_size = 64 << 20, .nr_vcpus = 1, .serial_fd = STDERR_FILENO, .pmu = plan };
	if (!r)
		created = !(r = vm_create(&vm, &kvm, &opt, &err));
	if (!r)
		r = vm_load(&vm, &img, &bp, &err);
	if (!r)
		r = vm_run(&vm, 20000, -1, &res, &err);
	if (r < 0)
		snprintf(why, len, "%s", err.msg);
	else if (res.end != VM_END_GUEST)
		snprintf(why, len, "the run ended with %d: %s", (int)res.end, res.msg);
	else
		snprintf(why, len, "the guest exited with status %d", res.status);
	if (created)
		vm_destroy(&vm);
	kvm_close(&kvm);
	file_free(&f);
	free(plan);
	free(host);
	return r < 0 ? -1 : res.end == VM_END_GUEST && res.status == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char why[600];
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: bootinfo-pmu PMU-COUNT-IMAGE\n");
		return 99;
	}
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	printf("1..1\n");
	fflush(stdout);
	r = boot(argv[1], why, sizeof(why));
	printf("%sok 1 - pmu-count in soft mode through vm_load() with the plan's boot info (%s)\n",
	       r ? "not " : "", why);
	return r ? 1 : 0;
}
