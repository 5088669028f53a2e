/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exit dispatch: from the kvm_run area KVM filled to what the vCPU does next.
 * A free function over plain data so that unit tests can feed it made-up
 * kvm_run contents; it never calls ioctl().
 */
#ifndef VMM_VMM_EXIT_H
#define VMM_VMM_EXIT_H

#include <linux/kvm.h>

#include "vmm/hw/io.h"

/*
 * MSR accesses that KVM's MSR filter sends to userspace. Return 0 and fill
 * *val (reads), or a negative value to inject #GP.
 */
struct exit_msr_ops {
	int (*rdmsr)(void *opaque, uint32_t index, uint64_t *val);
	int (*wrmsr)(void *opaque, uint32_t index, uint64_t val);
	void *opaque;
};

struct exit_ctx {
	struct io_bus *bus;
	const struct exit_msr_ops *msr;	/* NULL: every filtered MSR access #GPs */
};

/* Name of a KVM_EXIT_* reason, for messages. */
const char *exit_reason_name(uint32_t reason);

/* Dispatch the exit described by run. */
void exit_dispatch(const struct exit_ctx *ctx, struct kvm_run *run, struct exit_outcome *out);

#endif
