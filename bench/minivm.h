/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The benchmarks' baselines: the fewest ioctls that run an ELF64 guest in
 * long mode (no irqchip, no devices, no checks beyond failing loudly), so
 * vmm can be measured against bare KVM in the same run.
 */
#ifndef VMM_BENCH_MINIVM_H
#define VMM_BENCH_MINIVM_H

#include <stdint.h>

#include <linux/kvm.h>

struct minivm {
	int kvm, vm, vcpu;
	uint8_t *mem;
	struct kvm_run *run;
};

/* Create the VM, load the ELF at its physical addresses, enter it in long mode. */
void minivm_start(struct minivm *m, const char *elf);

/* KVM_RUN once; exits the process on failure. */
void minivm_run(struct minivm *m);

/* Exit status of a guest writing V to port 0xf4, as vmm reports it. */
int minivm_exit_status(const struct minivm *m);

#endif
