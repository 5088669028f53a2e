/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot state: copy a parsed image into guest memory, write the boot
 * structures (GDT, page tables, boot info, multiboot info) and compute the
 * BSP's registers. Pure code over a memory buffer.
 */
#ifndef VMM_VMM_BOOT_H
#define VMM_VMM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "common/err.h"
#include "vmm/bootinfo.h"
#include "vmm/boot/loader.h"

/*
 * The GDT at VMM_BOOT_GDT (flat segments, base 0, limit 4 GiB) and the
 * selectors the BSP starts with. See docs/boot.md.
 */
#define BOOT_SEL_CODE64		0x08	/* 64-bit code, DPL 0 (ELF64, raw) */
#define BOOT_SEL_DATA64		0x10	/* data for the 64-bit entry */
#define BOOT_SEL_CODE32		0x18	/* 32-bit code (multiboot) */
#define BOOT_SEL_DATA32		0x20	/* data for the 32-bit entry */
#define BOOT_SEL_TSS		0x28	/* 16-byte TSS descriptor */
#define BOOT_GDT_LIMIT		0x37
#define BOOT_TSS		(VMM_BOOT_GDT + 0x800)	/* 104-byte TSS, all zero */
#define BOOT_TSS_LIMIT		0x67

/* Inside the multiboot area at VMM_BOOT_MBINFO. */
#define BOOT_MB_MODS		(VMM_BOOT_MBINFO + 0x100)	/* the module list */
#define BOOT_MB_LOADER_NAME	(VMM_BOOT_MBINFO + 0x180)	/* "vmm" */
#define BOOT_MB_MODSTR		(VMM_BOOT_MBINFO + 0x200)	/* the module's string */
#define BOOT_MB_MODSTR_MAX	0xe00ULL			/* with its NUL */
#define BOOT_MB_CMDLINE		(VMM_BOOT_MBINFO + 0x1000)	/* VMM_BOOT_CMDLINE_MAX bytes */

struct boot_params {
	uint32_t nr_cpus;
	uint32_t boot_count;
	uint32_t pmu_mode;		/* VMM_PMU_MODE_* */
	const char *argv0;		/* first word of the command line, the image path; may be NULL */
	const char *cmdline;		/* the arguments after it; may be NULL */
	const uint8_t *initrd;		/* multiboot module, may be NULL */
	size_t initrd_len;
	const char *initrd_name;	/* module string, may be NULL */
	/*
	 * The whole pages inside each segment's bss (boot_bss_pages()) already
	 * read zero, e.g. discarded by the caller: only the partial pages at
	 * the ends of a bss are cleared, so a large bss is not touched.
	 */
	bool bss_pages_zero;
};

/* The whole pages [*first, *last) inside guest-physical [start, end); false if there are none. */
bool boot_bss_pages(uint64_t start, uint64_t end, uint64_t *first, uint64_t *last);

/*
 * The command line the guest is given: "ARGV0 ARGS" (p->argv0 and
 * p->cmdline, each optional; one space between them when both are
 * non-empty). Writes it with its NUL into buf and returns its length, or
 * -E2BIG when it needs more than size bytes.
 */
int boot_format_cmdline(const struct boot_params *p, char *buf, size_t size);

/*
 * Load img into mem (mem_size bytes of guest RAM at guest-physical 0) and
 * prepare the BSP: regs is filled from scratch; the segment, descriptor-table
 * and control-register fields of sregs are set for the image's entry mode and
 * the other fields (apic_base, interrupt_bitmap) are left as the caller read
 * them with KVM_GET_SREGS.
 *
 * Everything is checked before anything is written, so on error mem, regs
 * and sregs are untouched: -EINVAL (RAM smaller than the boot area and
 * stack, an initrd for a non-multiboot image), -ERANGE (a segment outside
 * RAM, a module that does not fit), -E2BIG (command line or module string
 * too long). Callable again on the same memory to reset the guest: the boot
 * area [0, VMM_BOOT_AREA_END), the segments and the module are rewritten;
 * other RAM is left as it is.
 */
int boot_prepare(uint8_t *mem, uint64_t mem_size, const struct image *img,
		 const struct boot_params *p, struct kvm_regs *regs, struct kvm_sregs *sregs,
		 struct vmm_err *err);

#endif
