/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of the Multiboot Specification 0.6.96 that the 32-bit guests
 * use: the header magic and the start of the boot information structure.
 */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC		0x1badb002u	/* spec 3.1.2 */
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002u	/* in EAX, spec 3.2 */

/* Spec 3.1.2: header flags bit 0 = page-align modules, bit 1 = memory info. */
#define MULTIBOOT_HEADER_PAGE_ALIGN	(1u << 0)
#define MULTIBOOT_HEADER_MEMORY_INFO	(1u << 1)

/* Spec 3.3: which fields of the information structure are valid. */
#define MULTIBOOT_INFO_MEMORY		(1u << 0)
#define MULTIBOOT_INFO_CMDLINE		(1u << 2)
#define MULTIBOOT_INFO_MODS		(1u << 3)

/* Entry code includes this header for the constants above. */
#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB below 1 MiB */
	uint32_t mem_upper;	/* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;	/* physical address of a C string */
	uint32_t mods_count;
	uint32_t mods_addr;	/* physical address of mods_count entries */
};

struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end;	/* exclusive */
	uint32_t string;	/* physical address of a C string */
	uint32_t reserved;
};
#endif /* __ASSEMBLER__ */

#endif
