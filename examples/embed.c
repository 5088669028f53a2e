// SPDX-License-Identifier: GPL-2.0-only
/*
 * Embedding vmm: boot a guest with the software PMU and print what it
 * counted. Build against the installed library:
 *
 *   cc embed.c $(pkg-config --cflags --libs vmm) -o embed
 *   ./embed /usr/local/share/vmm/guest-images/pmu-count.elf
 *
 * The guest's serial output goes to a callback that counts its TAP lines;
 * see docs/embedding.md.
 */
#include <stdio.h>
#include <string.h>

#include <vmm/vmm.h>

struct tap {
	unsigned int ok, not_ok;
	char line[256];
	size_t len;
};

/* Called on a library thread with the guest's output, in pieces. */
static void serial(void *opaque, const char *buf, size_t len)
{
	struct tap *t = opaque;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (t->len < sizeof(t->line) - 1)
				t->line[t->len++] = buf[i];
			continue;
		}
		t->line[t->len] = '\0';
		t->ok += !strncmp(t->line, "ok ", 3);
		t->not_ok += !strncmp(t->line, "not ok ", 7);
		t->len = 0;
	}
}

int main(int argc, char **argv)
{
	struct vmm_error err = { 0 };
	struct vmm *vmm = NULL;
	struct vmm_plan *plan = NULL;
	struct vmm_image *img = NULL;
	struct vmm_vm *vm = NULL;
	struct vmm_vm_config cfg;
	struct vmm_result res;
	struct tap tap = { 0 };
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: embed GUEST-IMAGE\n");
		return 2;
	}
	printf("libvmm %s (API %d)\n", vmm_version(), vmm_api_version());
	r = vmm_open(NULL, &vmm, &err);
	if (!r)
		r = vmm_plan(vmm, "soft", NULL, 0, &plan, &err);
	if (!r)
		r = vmm_image_open_file(argv[1], NULL, &img, &err);
	if (!r) {
		vmm_vm_config_init(&cfg);
		cfg.pmu = plan;
		cfg.serial = VMM_SERIAL_CALLBACK;
		cfg.serial_cb = serial;
		cfg.serial_opaque = &tap;
		r = vmm_vm_create(vmm, &cfg, &vm, &err);
	}
	if (!r)
		r = vmm_vm_load(vm, img, NULL, &err);
	if (!r)
		r = vmm_vm_run(vm, NULL, &res, &err);
	vmm_vm_destroy(vm);	/* the last of the guest's output reaches the callback */
	if (r < 0) {
		fprintf(stderr, "embed: %s\n", err.message);
		r = 1;
	} else {
		printf("PMU mode %s; the guest %s", vmm_plan_mode(plan),
		       res.end == VMM_END_EXIT ? "exited with value" : "ended:");
		if (res.end == VMM_END_EXIT)
			printf(" %d", res.exit_value);
		else
			printf(" %s", res.message);
		printf("; its tests: %u ok, %u not ok\n", tap.ok, tap.not_ok);
		for (unsigned int i = 0; res.soft_pmu && i < res.nr_vcpus; i++)
			printf("vCPU %u: %llu instructions counted, %llu PMIs, %llu RDPMCs completed from their #GP\n",
			       i, (unsigned long long)res.soft[i].retired, (unsigned long long)res.soft[i].pmis,
			       (unsigned long long)res.soft[i].rdpmc_gp);
		r = res.end == VMM_END_EXIT && res.exit_value == 0 ? 0 : 1;
	}
	vmm_image_free(img);
	vmm_plan_free(plan);
	vmm_close(vmm);
	return r;
}
