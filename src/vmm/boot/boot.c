// SPDX-License-Identifier: GPL-2.0-only
/*
 * Boot state: the guest memory and BSP registers an image starts with.
 * ELF64 and raw images enter 64-bit long mode directly (no firmware, no
 * mode switches in the guest); multiboot images enter 32-bit protected mode
 * with paging off as the Multiboot Specification 0.6.96 section 3.2 says.
 * The boot area below VMM_BOOT_AREA_END is the same for both.
 */
#include "vmm/boot/boot.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmm/boot/multiboot.h"
#include "common/x86.h"

#define PAGE_SIZE	0x1000ULL
#define MIB		(1ULL << 20)
#define FOUR_GIB	(1ULL << 32)

/* SDM Vol. 3A 4.5, tables 4-15 to 4-17: 4-level paging entries. */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)	/* in a PDE: maps a 2 MiB page */
#define PD_PAGES	4		/* 4 x 512 x 2 MiB = 4 GiB */
#define PT_ENTRIES	512

#define RFLAGS_FIXED	0x2ULL		/* bit 1 is always 1; IF clear */

/* SDM Vol. 3A 3.4.5.1: segment types. */
#define SEG_TYPE_CODE_XRA	0xb	/* execute/read, accessed */
#define SEG_TYPE_DATA_RWA	0x3	/* read/write, accessed */
#define SEG_TYPE_TSS_BUSY	0xb	/* 32/64-bit busy TSS (system segment) */

/*
 * The flat segments. The accessed bit is set in the GDT as in the
 * registers, so the descriptors match what the CPU has cached.
 */
static const struct kvm_segment boot_code64 = {
	.base = 0, .limit = 0xffffffff, .selector = BOOT_SEL_CODE64, .type = SEG_TYPE_CODE_XRA,
	.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
};
static const struct kvm_segment boot_data64 = {
	.base = 0, .limit = 0xffffffff, .selector = BOOT_SEL_DATA64, .type = SEG_TYPE_DATA_RWA,
	.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
};
static const struct kvm_segment boot_code32 = {
	.base = 0, .limit = 0xffffffff, .selector = BOOT_SEL_CODE32, .type = SEG_TYPE_CODE_XRA,
	.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
};
static const struct kvm_segment boot_data32 = {
	.base = 0, .limit = 0xffffffff, .selector = BOOT_SEL_DATA32, .type = SEG_TYPE_DATA_RWA,
	.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
};
/*
 * VM entry checks TR even though nothing uses it until the guest loads its
 * own: it must be a present busy TSS (type 11 in IA-32e mode; 3 or 11 in
 * protected mode), so both modes get this one.
 */
static const struct kvm_segment boot_tss = {
	.base = BOOT_TSS, .limit = BOOT_TSS_LIMIT, .selector = BOOT_SEL_TSS,
	.type = SEG_TYPE_TSS_BUSY, .present = 1, .dpl = 0, .s = 0, .g = 0,
};

static void mem_put64(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, sizeof(v));
}

/* SDM Vol. 3A 3.4.5: the 8-byte descriptor the CPU would cache as *s. */
static uint64_t boot_seg_desc(const struct kvm_segment *s)
{
	uint32_t limit = s->g ? s->limit >> 12 : s->limit;
	uint64_t access = s->type | (uint64_t)s->s << 4 | (uint64_t)s->dpl << 5 |
			  (uint64_t)s->present << 7;
	uint64_t flags = (uint64_t)s->avl | (uint64_t)s->l << 1 | (uint64_t)s->db << 2 |
			 (uint64_t)s->g << 3;

	return (limit & 0xffffULL) | (s->base & 0xffffffULL) << 16 | access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | flags << 52 |
	       ((s->base >> 24) & 0xffULL) << 56;
}

static void boot_write_gdt(uint8_t *mem)
{
	uint64_t gdt = VMM_BOOT_GDT;

	mem_put64(mem, gdt + 0, 0);
	mem_put64(mem, gdt + BOOT_SEL_CODE64, boot_seg_desc(&boot_code64));
	mem_put64(mem, gdt + BOOT_SEL_DATA64, boot_seg_desc(&boot_data64));
	mem_put64(mem, gdt + BOOT_SEL_CODE32, boot_seg_desc(&boot_code32));
	mem_put64(mem, gdt + BOOT_SEL_DATA32, boot_seg_desc(&boot_data32));
	/* SDM Vol. 3A "TSS Descriptor in 64-bit Mode": 16 bytes, base[63:32] in the upper half. */
	mem_put64(mem, gdt + BOOT_SEL_TSS, boot_seg_desc(&boot_tss));
	mem_put64(mem, gdt + BOOT_SEL_TSS + 8, boot_tss.base >> 32);
}

/* Identity map [0, 4 GiB) with 2 MiB pages; 1 GiB pages are not available everywhere. */
static void boot_write_page_tables(uint8_t *mem)
{
	mem_put64(mem, VMM_BOOT_PML4, VMM_BOOT_PDPT | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < PD_PAGES; i++) {
		uint64_t pd = VMM_BOOT_PD + i * PAGE_SIZE;

		mem_put64(mem, VMM_BOOT_PDPT + i * 8, pd | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < PT_ENTRIES; j++) {
			uint64_t pa = (i * PT_ENTRIES + j) * 2 * MIB;

			mem_put64(mem, pd + j * 8, pa | PTE_P | PTE_RW | PTE_PS);
		}
	}
}

/*
 * The guest's command line, "ARGV0 ARGS" as QEMU's multiboot loader and GRUB
 * pass it (hw/i386/multiboot.c: the kernel file name, a space, the -append
 * string): either part may be absent, and the space only separates two
 * non-empty parts. Returns its length, or -E2BIG when it does not fit in
 * size bytes with its NUL.
 */
int boot_format_cmdline(const struct boot_params *p, char *buf, size_t size)
{
	const char *argv0 = p->argv0 ? p->argv0 : "", *args = p->cmdline ? p->cmdline : "";
	size_t n0 = strlen(argv0), n1 = strlen(args), sep = n0 && n1 ? 1 : 0;

	if (n0 + sep + n1 >= size || n0 + sep + n1 > INT32_MAX)
		return -E2BIG;
	memcpy(buf, argv0, n0);
	memset(buf + n0, ' ', sep);
	memcpy(buf + n0 + sep, args, n1 + 1);
	return (int)(n0 + sep + n1);
}

/* The formatted command line; boot_check() has made sure it fits. */
static size_t boot_cmdline(const struct boot_params *p, char buf[VMM_BOOT_CMDLINE_MAX])
{
	int n = boot_format_cmdline(p, buf, VMM_BOOT_CMDLINE_MAX);

	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

static void boot_write_info(uint8_t *mem, uint64_t mem_size, const struct boot_params *p)
{
	char cmdline[VMM_BOOT_CMDLINE_MAX];
	size_t len = boot_cmdline(p, cmdline);
	struct vmm_bootinfo bi = {
		.magic = VMM_BOOTINFO_MAGIC,
		.version = VMM_BOOTINFO_VERSION,
		.size = sizeof(bi),
		.mem_size = mem_size,
		.nr_cpus = p->nr_cpus,
		.boot_count = p->boot_count,
		.cmdline = VMM_BOOT_CMDLINE,
		.cmdline_len = (uint32_t)len,
		.pmu_mode = p->pmu_mode,
		.pmu_flags = 0,
	};

	memcpy(mem + VMM_BOOT_INFO, &bi, sizeof(bi));
	memcpy(mem + VMM_BOOT_CMDLINE, cmdline, len + 1);
}

/*
 * Zero [start, end) of guest RAM. With whole_pages_zero the caller made sure
 * the whole pages inside it already read zero (boot_bss_pages()), so only
 * the partial pages at either end are written: a huge bss costs nothing.
 */
static void boot_zero(uint8_t *mem, uint64_t start, uint64_t end, bool whole_pages_zero)
{
	uint64_t first, last;

	if (!boot_bss_pages(start, end, &first, &last) || !whole_pages_zero) {
		memset(mem + start, 0, end - start);
		return;
	}
	memset(mem + start, 0, first - start);
	memset(mem + last, 0, end - last);
}

static void boot_copy_segments(uint8_t *mem, const struct image *img, bool bss_pages_zero)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];

		memcpy(mem + s->gpa, s->data, s->filesz);
		boot_zero(mem, s->gpa + s->filesz, s->gpa + s->memsz, bss_pages_zero);	/* bss */
	}
}

bool boot_bss_pages(uint64_t start, uint64_t end, uint64_t *first, uint64_t *last)
{
	*first = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	*last = end & ~(PAGE_SIZE - 1);
	return *first < *last;
}

/*
 * The module goes on the first page boundary above the image (spec 3.1.2
 * bit 0 asks for page alignment; vmm always does it), which is also above
 * the boot area.
 */
static uint64_t boot_module_addr(const struct image *img)
{
	uint64_t above = img->highest > VMM_BOOT_AREA_END ? img->highest : VMM_BOOT_AREA_END;

	return (above + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* ---- Checks: everything that can fail, before anything is written ---------- */

static int boot_check_segments(uint64_t mem_size, const struct image *img, struct vmm_err *err)
{
	if (img->nr_segments > IMAGE_MAX_SEGMENTS)
		return vmm_errf(err, EINVAL, "image has %u segments, more than %u",
				img->nr_segments, IMAGE_MAX_SEGMENTS);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];
		uint64_t end;

		if (s->filesz > s->memsz || __builtin_add_overflow(s->gpa, s->memsz, &end) ||
		    s->gpa < VMM_BOOT_AREA_END || end > mem_size)
			return vmm_errf(err, ERANGE,
					"image segment %u (gpa 0x%" PRIx64 ", filesz 0x%" PRIx64 ", memsz 0x%" PRIx64 ") does not fit guest RAM [0x%llx, 0x%" PRIx64 ")",
					i, s->gpa, s->filesz, s->memsz, VMM_BOOT_AREA_END, mem_size);
	}
	return 0;
}

static int boot_check_module(uint64_t mem_size, const struct image *img,
			     const struct boot_params *p, struct vmm_err *err)
{
	uint64_t addr = boot_module_addr(img), end;
	/* mod_end is 32 bits wide, so the module must end below 4 GiB. */
	uint64_t limit = mem_size < FOUR_GIB - 1 ? mem_size : FOUR_GIB - 1;

	if (img->kind != IMAGE_MULTIBOOT)
		return vmm_errf(err, EINVAL,
				"an initrd can only be passed to multiboot images (as a module), not to %s images",
				image_kind_name(img->kind));
	if (p->initrd_name && strlen(p->initrd_name) > BOOT_MB_MODSTR_MAX - 1)
		return vmm_errf(err, E2BIG, "initrd name is %zu bytes; the limit is %llu",
				strlen(p->initrd_name), BOOT_MB_MODSTR_MAX - 1);
	if (__builtin_add_overflow(addr, (uint64_t)p->initrd_len, &end) || end > limit)
		return vmm_errf(err, ERANGE,
				"initrd of %zu bytes does not fit: it would go at 0x%" PRIx64 " (the first page above the image, which ends at 0x%" PRIx64 ") but usable RAM ends at 0x%" PRIx64 "; give the guest more memory",
				p->initrd_len, addr, img->highest, limit);
	return 0;
}

static int boot_check(uint64_t mem_size, const struct image *img, const struct boot_params *p,
		      struct vmm_err *err)
{
	char cmdline[VMM_BOOT_CMDLINE_MAX];
	int ret = boot_format_cmdline(p, cmdline, sizeof(cmdline));
	size_t argv0_len = p->argv0 ? strlen(p->argv0) : 0, args_len = p->cmdline ? strlen(p->cmdline) : 0;

	if (mem_size < VMM_BOOT_STACK_TOP)
		return vmm_errf(err, EINVAL,
				"guest RAM of %" PRIu64 " bytes is too small: the boot area and initial stack need 0x%llx bytes",
				mem_size, VMM_BOOT_STACK_TOP);
	if (ret < 0)
		return vmm_errf(err, E2BIG, "command line is %zu bytes (the image path %zu and the arguments %zu); "
				"the limit is %llu bytes", argv0_len + (argv0_len && args_len) + args_len,
				argv0_len, args_len, VMM_BOOT_CMDLINE_MAX - 1);
	ret = boot_check_segments(mem_size, img, err);
	if (ret)
		return ret;
	if (p->initrd)
		return boot_check_module(mem_size, img, p, err);
	return 0;
}

/* ---- Multiboot ------------------------------------------------------------ */

/* Spec 3.3: mem_lower is KiB below 640 KiB, mem_upper KiB from 1 MiB. */
static void boot_mb_memory(uint64_t mem_size, struct mb_info *mbi)
{
	uint64_t lower = mem_size / 1024 < 640 ? mem_size / 1024 : 640;
	uint64_t upper = mem_size > MIB ? (mem_size - MIB) / 1024 : 0;

	mbi->flags |= MB_INFO_MEMORY;
	mbi->mem_lower = (uint32_t)lower;
	mbi->mem_upper = upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper;
}

static void boot_mb_module(uint8_t *mem, const struct image *img, const struct boot_params *p,
			   struct mb_info *mbi)
{
	uint64_t addr = boot_module_addr(img);
	struct mb_module mod = {
		.mod_start = (uint32_t)addr,
		.mod_end = (uint32_t)(addr + p->initrd_len),
		.string = 0,		/* spec 3.3: 0 when the module has no string */
	};

	if (p->initrd_name) {
		memcpy(mem + BOOT_MB_MODSTR, p->initrd_name, strlen(p->initrd_name) + 1);
		mod.string = (uint32_t)BOOT_MB_MODSTR;
	}
	memcpy(mem + addr, p->initrd, p->initrd_len);
	memcpy(mem + BOOT_MB_MODS, &mod, sizeof(mod));
	mbi->flags |= MB_INFO_MODS;
	mbi->mods_count = 1;
	mbi->mods_addr = (uint32_t)BOOT_MB_MODS;
}

static void boot_write_multiboot(uint8_t *mem, uint64_t mem_size, const struct image *img,
				 const struct boot_params *p)
{
	static const char loader_name[] = "vmm";
	char cmdline[VMM_BOOT_CMDLINE_MAX];
	size_t len = boot_cmdline(p, cmdline);
	struct mb_info mbi = { 0 };

	boot_mb_memory(mem_size, &mbi);
	memcpy(mem + BOOT_MB_CMDLINE, cmdline, len + 1);
	mbi.flags |= MB_INFO_CMDLINE;
	mbi.cmdline = (uint32_t)BOOT_MB_CMDLINE;
	memcpy(mem + BOOT_MB_LOADER_NAME, loader_name, sizeof(loader_name));
	mbi.flags |= MB_INFO_BOOT_LOADER_NAME;
	mbi.boot_loader_name = (uint32_t)BOOT_MB_LOADER_NAME;
	if (p->initrd)
		boot_mb_module(mem, img, p, &mbi);
	memcpy(mem + VMM_BOOT_MBINFO, &mbi, sizeof(mbi));
}

/* ---- Registers ------------------------------------------------------------ */

static void boot_sregs_tables(struct kvm_sregs *sregs)
{
	sregs->gdt.base = VMM_BOOT_GDT;
	sregs->gdt.limit = BOOT_GDT_LIMIT;
	sregs->idt.base = 0;		/* the guest installs its own IDT */
	sregs->idt.limit = 0;
	sregs->tr = boot_tss;
	sregs->ldt = (struct kvm_segment){ .unusable = 1 };	/* no LDT */
	sregs->cr2 = 0;
	sregs->cr8 = 0;
}

static void boot_sregs_data(struct kvm_sregs *sregs, const struct kvm_segment *data)
{
	sregs->ds = *data;
	sregs->es = *data;
	sregs->fs = *data;
	sregs->gs = *data;
	sregs->ss = *data;
}

/* SDM Vol. 3A "Initializing IA-32e Mode": the state after that sequence, set at once. */
static void boot_sregs_long(struct kvm_sregs *sregs)
{
	boot_sregs_tables(sregs);
	sregs->cs = boot_code64;
	boot_sregs_data(sregs, &boot_data64);
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs->cr3 = VMM_BOOT_PML4;
	sregs->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;	/* SSE usable at once */
	sregs->efer = EFER_LME | EFER_LMA;
}

/* Multiboot spec 3.2: 32-bit protected mode, paging off, flat 4 GiB segments. */
static void boot_sregs_prot32(struct kvm_sregs *sregs)
{
	boot_sregs_tables(sregs);
	sregs->cs = boot_code32;
	boot_sregs_data(sregs, &boot_data32);
	sregs->cr0 = CR0_PE | CR0_ET | CR0_NE;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}

static void boot_regs(const struct image *img, struct kvm_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = img->entry;
	regs->rflags = RFLAGS_FIXED;
	regs->rsp = VMM_BOOT_STACK_TOP;
	if (img->kind == IMAGE_MULTIBOOT) {
		regs->rax = MB_BOOTLOADER_MAGIC;	/* spec 3.2 */
		regs->rbx = VMM_BOOT_MBINFO;
	} else {
		regs->rdi = VMM_BOOT_INFO;
	}
}

int boot_prepare(uint8_t *mem, uint64_t mem_size, const struct image *img,
		 const struct boot_params *p, struct kvm_regs *regs, struct kvm_sregs *sregs,
		 struct vmm_err *err)
{
	int ret;

	ret = boot_check(mem_size, img, p, err);
	if (ret)
		return ret;
	memset(mem, 0, VMM_BOOT_AREA_END);
	boot_write_gdt(mem);
	boot_write_page_tables(mem);
	boot_write_info(mem, mem_size, p);
	boot_copy_segments(mem, img, p->bss_pages_zero);
	if (img->kind == IMAGE_MULTIBOOT) {
		boot_write_multiboot(mem, mem_size, img, p);
		boot_sregs_prot32(sregs);
	} else {
		boot_sregs_long(sregs);
	}
	boot_regs(img, regs);
	return 0;
}
