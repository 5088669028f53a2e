/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot v1 definitions, from the Multiboot Specification version 0.6.96
 * (section 3.1: the OS image header; section 3.3: boot information format).
 * Written from the specification text; only what vmm uses.
 */
#ifndef VMM_VMM_MULTIBOOT_H
#define VMM_VMM_MULTIBOOT_H

#include <stdint.h>

/* 3.1.1: the header lies in the first 8192 bytes, 32-bit aligned. */
#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_HEADER_SEARCH	8192u
#define MB_HEADER_ALIGN		4u
#define MB_HEADER_MIN_SIZE	12u	/* magic, flags, checksum */
#define MB_HEADER_ADDR_SIZE	32u	/* ... plus the five address fields */

/* 3.1.2: header flags. Bits 0-15 are requirements, bits 16-31 optional. */
#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules page aligned */
#define MB_FLAG_MEMORY_INFO	(1u << 1)	/* mem_* fields wanted */
#define MB_FLAG_VIDEO_MODE	(1u << 2)	/* video mode table wanted */
#define MB_FLAG_AOUT_KLUDGE	(1u << 16)	/* address fields valid */
#define MB_FLAGS_REQUIRED_MASK	0x0000ffffu
#define MB_FLAGS_HONOURED	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

/* 3.2: EAX on entry. */
#define MB_BOOTLOADER_MAGIC	0x2BADB002u

/* 3.3: boot information flags. */
#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_BOOT_LOADER_NAME (1u << 9)

struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;
	uint32_t header_addr;	/* valid with MB_FLAG_AOUT_KLUDGE */
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};

/* 3.3: the boot information structure, up to the fields vmm fills. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB from 0 */
	uint32_t mem_upper;	/* KiB from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
};

/* 3.3: one boot module; mod_end is one past the last byte. */
struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};

_Static_assert(sizeof(struct mb_info) == 88, "multiboot info layout (spec 3.3)");
_Static_assert(sizeof(struct mb_module) == 16, "multiboot module layout (spec 3.3)");

#endif
