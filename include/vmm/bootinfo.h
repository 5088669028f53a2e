/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot-info structure that vmm hands a 64-bit guest in RDI.
 * This header is shared by the VMM and by freestanding guests: it uses only
 * fixed-width types and no libc. See docs/boot.md.
 */
#ifndef VMM_BOOTINFO_H
#define VMM_BOOTINFO_H

#include <stdint.h>

#define VMM_BOOTINFO_MAGIC	0x4f4f42204d4d56ULL	/* "VMM BOO" */
#define VMM_BOOTINFO_VERSION	1

/* Guest-physical layout of the low boot area (identity-mapped). */
#define VMM_BOOT_GDT		0x1000ULL
#define VMM_BOOT_INFO		0x2000ULL
#define VMM_BOOT_CMDLINE	0x2100ULL	/* NUL-terminated, at most VMM_BOOT_CMDLINE_MAX */
#define VMM_BOOT_CMDLINE_MAX	0xf00ULL
#define VMM_BOOT_PML4		0x3000ULL
#define VMM_BOOT_PDPT		0x4000ULL
#define VMM_BOOT_PD		0x5000ULL	/* four pages: 4 GiB with 2 MiB pages */
#define VMM_BOOT_MBINFO		0x9000ULL	/* multiboot info and its strings */
#define VMM_BOOT_STACK_TOP	0x80000ULL	/* initial RSP for ELF64 and raw images */
#define VMM_BOOT_AREA_END	0x10000ULL	/* images may not load below this */

/*
 * Bits of pmu_flags. CPL3_UNCOUNTED: the soft PMU found that this host's KVM
 * gives no single-step or breakpoint exit while the guest runs at CPL 3, so
 * user-mode instructions went uncounted (set when first seen; docs/soft-pmu.md).
 */
#define VMM_PMU_FLAG_CPL3_UNCOUNTED	(1u << 0)

/* Values of pmu_mode. */
#define VMM_PMU_MODE_OFF	0
#define VMM_PMU_MODE_EMULATED	1
#define VMM_PMU_MODE_MEDIATED	2
#define VMM_PMU_MODE_SOFT	3

struct vmm_bootinfo {
	uint64_t magic;		/* VMM_BOOTINFO_MAGIC */
	uint32_t version;	/* VMM_BOOTINFO_VERSION */
	uint32_t size;		/* sizeof(struct vmm_bootinfo) as written by the VMM */
	uint64_t mem_size;	/* bytes of guest RAM, starting at 0 */
	uint32_t nr_cpus;	/* vCPUs created */
	uint32_t boot_count;	/* 0 on the first boot, +1 on every reset */
	uint64_t cmdline;	/* guest-physical address of the command line */
	uint32_t cmdline_len;	/* bytes, without the terminating NUL */
	uint32_t pmu_mode;	/* VMM_PMU_MODE_* */
	uint32_t pmu_flags;	/* VMM_PMU_FLAG_*; the VMM may set bits while the guest runs */
	uint32_t reserved[7];
};

/* The ports vmm's devices answer on. */
#define VMM_PORT_SERIAL		0x3f8	/* 8250 UART, COM1 */
#define VMM_PORT_EXIT		0xf4	/* isa-debug-exit: status = (value << 1) | 1 */
#define VMM_PORT_FWCFG_SEL	0x510
#define VMM_PORT_FWCFG_DATA	0x511

#endif
