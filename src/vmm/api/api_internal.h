/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmm's handles, shared by api.c (open, plan, image, VM, memory) and
 * api_run.c (the run policy and its results). Not installed.
 */
#ifndef VMM_VMM_API_INTERNAL_H
#define VMM_VMM_API_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "pmu/host.h"
#include "pmu/plan.h"
#include "common/file.h"
#include "vmm/boot/loader.h"
#include "vmm/run/vm.h"
#include "vmm/vmm.h"

#define DEFAULT_MEM_SIZE (128ULL << 20)
#define DEFAULT_RAW_LOAD_ADDR 0x100000ULL

struct vmm {
	struct kvm kvm;
	struct pmu_host host;
};

struct vmm_plan {
	struct pmu_plan plan;
};

struct vmm_image {
	struct file_buf file;	/* vmm_image_open_file() */
	char *path;		/* vmm_image_open_file(): the first word of the guest's command line */
	uint8_t *copy;		/* vmm_image_open_buffer() */
	struct image img;
};

enum vm_state {
	VM_STATE_EMPTY,		/* nothing loaded */
	VM_STATE_LOADED,	/* ready to run */
	VM_STATE_RAN,		/* a run ended: load again */
};

struct vmm_vm {
	struct vm vm;
	struct pmu_plan plan;
	enum vm_state state;
	atomic_bool running;
	int stop_efd;		/* vmm_vm_stop() writes it */
	int wait_fd;		/* epoll over stop_efd and the run's stop_fd: vm_run()'s stop fd */

	/* VMM_SERIAL_CALLBACK: the guest's output goes into a pipe that a pump thread reads. */
	void (*serial_cb)(void *opaque, const char *buf, size_t len);
	void *serial_opaque;
	int pipe_rd, pipe_wr;
	int pump_quit;		/* eventfd that ends the pump thread */
	pthread_t pump;
	bool pump_started;
	bool serial_finished;

	/* What vmm_vm_load() was given, kept for the boots after each reset. */
	const struct vmm_image *img;
	struct boot_params bp;
	char *cmdline, *initrd_name;
	uint8_t *initrd;
};

/* The internal error into the caller's (which may be NULL); returns r. */
int api_give_err(struct vmm_error *out, const struct vmm_err *in, int r);
/* Record an error with a fixed message; returns -code. */
int api_fail(struct vmm_error *out, int code, bool input, const char *msg);
/* VMM_SERIAL_CALLBACK: hand what is in the pipe to the callback; false once it is empty. */
bool api_pump_once(struct vmm_vm *v);

#endif
