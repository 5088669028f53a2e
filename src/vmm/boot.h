/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot state: copy a parsed image into guest memory, write the boot
 * structures (GDT, page tables, boot info, multiboot info) and compute the
 * BSP's registers. Pure code over a memory buffer.
 */
#ifndef VMM_VMM_BOOT_H
#define VMM_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/err.h"
#include "vmm/loader.h"

struct boot_params {
	uint32_t nr_cpus;
	uint32_t boot_count;
	uint32_t pmu_mode;		/* VMM_PMU_MODE_* */
	const char *cmdline;		/* may be NULL */
	const uint8_t *initrd;		/* multiboot module, may be NULL */
	size_t initrd_len;
	const char *initrd_name;	/* module string, may be NULL */
};

/*
 * Load img into mem (mem_size bytes of guest RAM at guest-physical 0) and
 * prepare the BSP: regs is filled from scratch; the segment, descriptor-table
 * and control-register fields of sregs are set for the image's entry mode and
 * the other fields (apic_base, interrupt_bitmap) are left as the caller read
 * them with KVM_GET_SREGS.
 */
int boot_prepare(uint8_t *mem, uint64_t mem_size, const struct image *img,
		 const struct boot_params *p, struct kvm_regs *regs, struct kvm_sregs *sregs,
		 struct vmm_err *err);

#endif
