// SPDX-License-Identifier: GPL-2.0-only
/*
 * --soft-check: the interpreter's copy of guest RAM, kept equal to RAM
 * page by page rather than copied whole (docs/soft-pmu.md, "Checking the
 * interpreter"). What can make the two differ is tracked in the sets of
 * struct soft_check_ram: the pages the interpreter writes (its
 * interp_mem.written), the pages the VMM writes on the guest's behalf
 * (check_ram_wrote()), and, with one vCPU, the pages KVM's dirty log says
 * the guest or KVM wrote (KVM_MEM_LOG_DIRTY_PAGES on the RAM slot,
 * vm_setup_memory()). With more vCPUs the log is not read (one reader
 * would take the others' bits): the copy is made whole at every run of
 * the interpreter, and RAM is not compared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm/kvm.h"
#include "vmm/run/vcpu.h"
#include "vmm/run/vm.h"
#include "vmm/softpmu/engine_internal.h"

int check_ram_log(struct soft_vcpu *s)
{
	const struct vm *vm = s->vcpu->vm;
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = s->ram.logged };
	int r;

	if (!vm->log_dirty)
		return 0;
	/*
	 * KVM copies the slot's whole bitmap out and clears it (api.rst 4.8;
	 * virt/kvm/kvm_main.c, kvm_get_dirty_log_protect()): s->ram.logged,
	 * empty but between a read and the next soft_check_sync(), takes it.
	 */
	r = kvm_ioctl(s->vm_fd, KVM_GET_DIRTY_LOG, &log);
	if (r < 0)
		return engine_fail(s, "KVM_GET_DIRTY_LOG (the pages the guest wrote, for --soft-check)", -r);
	return 0;
}

int check_ram_begin(struct soft_vcpu *s)
{
	const struct vm *vm = s->vcpu->vm;
	size_t words = soft_check_words(vm->mem_size);

	if (!s->ram.copy) {
		s->ram.copy = malloc(vm->mem_size);
		s->ram.written = calloc(words, sizeof(uint64_t));
		s->ram.logged = calloc(words, sizeof(uint64_t));
		s->ram.size = vm->mem_size;
		if (!s->ram.copy || !s->ram.written || !s->ram.logged) {
			check_ram_free(s);
			return engine_fail(s, "allocating the copy of guest RAM for --soft-check", ENOMEM);
		}
		s->ram_valid = false;
	}
	/* Another vm_run(): the caller may have written RAM in between. */
	if (s->ram_run != vm->runs)
		s->ram_valid = false;
	if (!s->ram_valid || !vm->log_dirty) {
		/* The log from now on, then all of RAM: a page written in between is in both. */
		if (check_ram_log(s) < 0)
			return -1;
		memset(s->ram.written, 0, words * sizeof(uint64_t));
		memset(s->ram.logged, 0, words * sizeof(uint64_t));
		memcpy(s->ram.copy, vm->mem, vm->mem_size);
		s->ram_valid = true;
		s->ram_run = vm->runs;
		return 0;
	}
	if (check_ram_log(s) < 0)
		return -1;
	soft_check_sync(&s->ram, vm->mem);
	return 0;
}

void check_ram_wrote(struct soft_vcpu *s, uint64_t gpa, uint64_t len)
{
	if (s->ram.written)
		interp_mark_pages(s->ram.written, s->ram.size, gpa, len);
}

void check_ram_free(struct soft_vcpu *s)
{
	free(s->ram.copy);
	free(s->ram.written);
	free(s->ram.logged);
	s->ram = (struct soft_check_ram){ 0 };
	s->ram_valid = false;
}
