// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot_prepare: the guest memory and registers it produces, decoded the
 * way the CPU would read them (page walk, segment descriptors) rather than
 * compared with the code's own encoders.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/boot/boot.h"
#include "vmm/bootinfo.h"
#include "vmm/boot/multiboot.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KIB		1024ULL
#define MIB		(1ULL << 20)
#define MEM_SIZE	(8 * MIB)
#define FILL		0xaa		/* what "untouched" memory holds */

struct fixture {
	uint8_t *mem;
	uint64_t mem_size;
	uint8_t text[0x100];		/* image bytes the segments point at */
	struct image img;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct vmm_err err;
};

static uint64_t get64(const uint8_t *mem, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, mem + gpa, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *mem, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, mem + gpa, sizeof(v));
	return v;
}

/* An image with text at 0x100000 and data + bss at 0x200000. */
static void image_two_segments(struct fixture *f, enum image_kind kind)
{
	for (size_t i = 0; i < sizeof(f->text); i++)
		f->text[i] = (uint8_t)(i + 1);
	f->img = (struct image){
		.kind = kind, .entry = 0x100010, .nr_segments = 2,
		.seg = { { 0x100000, f->text, 0x80, 0x80 }, { 0x200000, f->text + 0x80, 0x20, 0x1800 } },
		.lowest = 0x100000, .highest = 0x201800,
	};
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->mem_size = MEM_SIZE;
	f->mem = malloc(f->mem_size);
	if (!f->mem) {
		free(f);
		return -1;
	}
	memset(f->mem, FILL, f->mem_size);
	memset(&f->sregs, 0xff, sizeof(f->sregs));	/* stale state from before a reset */
	memset(&f->regs, 0xff, sizeof(f->regs));
	image_two_segments(f, IMAGE_ELF64);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->mem);
	free(f);
	return 0;
}

static void boot_ok(struct fixture *f, const struct boot_params *p)
{
	int ret = boot_prepare(f->mem, f->mem_size, &f->img, p, &f->regs, &f->sregs, &f->err);

	if (ret)
		fail_msg("boot_prepare failed: %d %s", ret, f->err.msg);
}

/* ---- Page tables ---------------------------------------------------------- */

/* SDM Vol. 3A 4.5: a 4-level walk that stops at a 2 MiB page; ~0 when not mapped. */
static uint64_t walk(const uint8_t *mem, uint64_t cr3, uint64_t va)
{
	const uint64_t addr_mask = 0x000ffffffffff000ULL;
	uint64_t pml4e = get64(mem, (cr3 & addr_mask) + ((va >> 39) & 511) * 8);
	uint64_t pdpte, pde;

	if (!(pml4e & 1))
		return ~0ULL;
	pdpte = get64(mem, (pml4e & addr_mask) + ((va >> 30) & 511) * 8);
	if (!(pdpte & 1) || (pdpte & 0x80))	/* no 1 GiB pages expected */
		return ~0ULL;
	pde = get64(mem, (pdpte & addr_mask) + ((va >> 21) & 511) * 8);
	if (!(pde & 1) || !(pde & 0x80))
		return ~0ULL;
	return (pde & 0x000fffffffe00000ULL) | (va & 0x1fffff);
}

static void test_page_tables(void **state)
{
	static const uint64_t mapped[] = {
		0, 0x1000, 0x1fffff, 0x200000, 0x100010, 0x3fffffff, 0x40000000, 0x7654321,
		0xbffff000, 0xfee00000, 0xffffffff,
	};
	static const uint64_t unmapped[] = { 0x100000000ULL, 0x8000000000ULL };
	struct fixture *f = *state;
	struct boot_params p = { .nr_cpus = 1 };

	boot_ok(f, &p);
	assert_int_equal(f->sregs.cr3, VMM_BOOT_PML4);
	/* One PML4 entry, four PDPT entries, present + writable, no PS in the PDPT. */
	assert_int_equal(get64(f->mem, VMM_BOOT_PML4), VMM_BOOT_PDPT | 0x3);
	assert_int_equal(get64(f->mem, VMM_BOOT_PML4 + 8), 0);
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(get64(f->mem, VMM_BOOT_PDPT + i * 8), (VMM_BOOT_PD + i * 0x1000) | 0x3);
	assert_int_equal(get64(f->mem, VMM_BOOT_PDPT + 4 * 8), 0);
	/* Every PDE: a 2 MiB page, P | RW | PS, identity. */
	assert_int_equal(get64(f->mem, VMM_BOOT_PD), 0x83);
	assert_int_equal(get64(f->mem, VMM_BOOT_PD + 8), 0x200000 | 0x83);
	assert_int_equal(get64(f->mem, VMM_BOOT_PD + 3 * 0x1000 + 511 * 8), 0xffe00000 | 0x83);
	for (size_t i = 0; i < ARRAY_SIZE(mapped); i++)
		assert_int_equal(walk(f->mem, f->sregs.cr3, mapped[i]), mapped[i]);
	for (size_t i = 0; i < ARRAY_SIZE(unmapped); i++)
		assert_int_equal(walk(f->mem, f->sregs.cr3, unmapped[i]), ~0ULL);
}

/* ---- GDT ------------------------------------------------------------------ */

struct desc {
	uint64_t base;
	uint32_t limit;		/* in bytes, after granularity */
	unsigned int type, s, dpl, p, avl, l, db, g;
};

/* SDM Vol. 3A 3.4.5, figure 3-8. */
static struct desc desc_decode(uint64_t d)
{
	struct desc r = {
		.base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24,
		.limit = (uint32_t)((d & 0xffff) | ((d >> 48) & 0xf) << 16),
		.type = (d >> 40) & 0xf, .s = (d >> 44) & 1, .dpl = (d >> 45) & 3,
		.p = (d >> 47) & 1, .avl = (d >> 52) & 1, .l = (d >> 53) & 1,
		.db = (d >> 54) & 1, .g = (d >> 55) & 1,
	};

	if (r.g)
		r.limit = r.limit << 12 | 0xfff;
	return r;
}

static void test_gdt(void **state)
{
	static const struct { uint16_t sel; struct desc want; } rows[] = {
		{ BOOT_SEL_CODE64, { 0, 0xffffffff, 0xb, 1, 0, 1, 0, 1, 0, 1 } },
		{ BOOT_SEL_DATA64, { 0, 0xffffffff, 0x3, 1, 0, 1, 0, 0, 1, 1 } },
		{ BOOT_SEL_CODE32, { 0, 0xffffffff, 0xb, 1, 0, 1, 0, 0, 1, 1 } },
		{ BOOT_SEL_DATA32, { 0, 0xffffffff, 0x3, 1, 0, 1, 0, 0, 1, 1 } },
		{ BOOT_SEL_TSS, { BOOT_TSS, 0x67, 0xb, 0, 0, 1, 0, 0, 0, 0 } },
	};
	struct fixture *f = *state;
	struct boot_params p = { .nr_cpus = 1 };

	boot_ok(f, &p);
	assert_int_equal(f->sregs.gdt.base, VMM_BOOT_GDT);
	assert_int_equal(f->sregs.gdt.limit, BOOT_GDT_LIMIT);
	assert_int_equal(get64(f->mem, VMM_BOOT_GDT), 0);	/* null descriptor */
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct desc d = desc_decode(get64(f->mem, VMM_BOOT_GDT + rows[i].sel));
		const struct desc *w = &rows[i].want;

		print_message("# GDT selector 0x%x\n", rows[i].sel);
		assert_int_equal(d.base, w->base);
		assert_int_equal(d.limit, w->limit);
		assert_int_equal(d.type, w->type);
		assert_int_equal(d.s, w->s);
		assert_int_equal(d.dpl, w->dpl);
		assert_int_equal(d.p, w->p);
		assert_int_equal(d.avl, w->avl);
		assert_int_equal(d.l, w->l);
		assert_int_equal(d.db, w->db);
		assert_int_equal(d.g, w->g);
	}
	/* The TSS descriptor is 16 bytes in long mode: base[63:32], then zero. */
	assert_int_equal(get64(f->mem, VMM_BOOT_GDT + BOOT_SEL_TSS + 8), 0);
	assert_true(BOOT_SEL_TSS + 15 <= BOOT_GDT_LIMIT);
	/* The TSS itself is zero and inside the boot area. */
	for (uint64_t a = BOOT_TSS; a <= BOOT_TSS + BOOT_TSS_LIMIT; a++)
		assert_int_equal(f->mem[a], 0);
	assert_true(BOOT_TSS + BOOT_TSS_LIMIT < VMM_BOOT_INFO);
}

/* The registers' hidden parts agree with the descriptors their selectors name. */
static void assert_seg_matches_gdt(const uint8_t *mem, const struct kvm_segment *s)
{
	struct desc d = desc_decode(get64(mem, VMM_BOOT_GDT + s->selector));

	assert_int_equal(s->base, d.base);
	assert_int_equal(s->limit, d.limit);
	assert_int_equal(s->type, d.type);
	assert_int_equal(s->s, d.s);
	assert_int_equal(s->dpl, d.dpl);
	assert_int_equal(s->present, d.p);
	assert_int_equal(s->l, d.l);
	assert_int_equal(s->db, d.db);
	assert_int_equal(s->g, d.g);
	assert_int_equal(s->unusable, 0);
}

/* ---- Registers, both entry modes ----------------------------------------- */

struct regs_case {
	const char *name;
	enum image_kind kind;
	uint64_t rax, rbx, rdi;
	uint64_t cr0, cr3, cr4, efer;
	uint16_t cs, ds;
	unsigned int cs_l, cs_db;
};

static const struct regs_case regs_cases[] = {
	{ "ELF64", IMAGE_ELF64, 0, 0, VMM_BOOT_INFO,
	  0x80010033, VMM_BOOT_PML4, 0x620, 0x500, BOOT_SEL_CODE64, BOOT_SEL_DATA64, 1, 0 },
	{ "raw", IMAGE_RAW, 0, 0, VMM_BOOT_INFO,
	  0x80010033, VMM_BOOT_PML4, 0x620, 0x500, BOOT_SEL_CODE64, BOOT_SEL_DATA64, 1, 0 },
	{ "multiboot", IMAGE_MULTIBOOT, 0x2badb002, VMM_BOOT_MBINFO, 0,
	  0x31, 0, 0, 0, BOOT_SEL_CODE32, BOOT_SEL_DATA32, 0, 1 },
};

static void test_registers(void **state)
{
	struct fixture *f = *state;
	struct boot_params p = { .nr_cpus = 2 };

	for (size_t i = 0; i < ARRAY_SIZE(regs_cases); i++) {
		const struct regs_case *c = &regs_cases[i];
		const struct kvm_segment *data[] = { &f->sregs.ds, &f->sregs.es, &f->sregs.fs,
						     &f->sregs.gs, &f->sregs.ss };

		print_message("# registers: %s\n", c->name);
		memset(&f->sregs, 0xff, sizeof(f->sregs));
		memset(&f->regs, 0xff, sizeof(f->regs));
		f->sregs.apic_base = 0xfee00900;
		image_two_segments(f, c->kind);
		boot_ok(f, &p);
		assert_int_equal(f->regs.rip, 0x100010);
		assert_int_equal(f->regs.rflags, 0x2);
		assert_int_equal(f->regs.rsp, VMM_BOOT_STACK_TOP);
		assert_int_equal(f->regs.rax, c->rax);
		assert_int_equal(f->regs.rbx, c->rbx);
		assert_int_equal(f->regs.rdi, c->rdi);
		assert_int_equal(f->regs.rsi | f->regs.rcx | f->regs.rdx | f->regs.r15, 0);
		assert_int_equal(f->sregs.cr0, c->cr0);
		assert_int_equal(f->sregs.cr3, c->cr3);
		assert_int_equal(f->sregs.cr4, c->cr4);
		assert_int_equal(f->sregs.efer, c->efer);
		assert_int_equal(f->sregs.cr2 | f->sregs.cr8, 0);
		assert_int_equal(f->sregs.cs.selector, c->cs);
		assert_int_equal(f->sregs.cs.l, c->cs_l);
		assert_int_equal(f->sregs.cs.db, c->cs_db);
		assert_seg_matches_gdt(f->mem, &f->sregs.cs);
		for (size_t j = 0; j < ARRAY_SIZE(data); j++) {
			assert_int_equal(data[j]->selector, c->ds);
			assert_seg_matches_gdt(f->mem, data[j]);
		}
		assert_int_equal(f->sregs.tr.selector, BOOT_SEL_TSS);
		assert_seg_matches_gdt(f->mem, &f->sregs.tr);
		assert_int_equal(f->sregs.ldt.unusable, 1);
		assert_int_equal(f->sregs.ldt.present, 0);
		assert_int_equal(f->sregs.idt.base, 0);
		assert_int_equal(f->sregs.idt.limit, 0);
		/* Left as the caller read them. */
		assert_int_equal(f->sregs.apic_base, 0xfee00900);
		assert_int_equal(f->sregs.interrupt_bitmap[0], ~0ULL);
	}
}

/* ---- Boot info and command line ------------------------------------------ */

struct info_case {
	const char *name;
	struct boot_params p;
	const char *want_cmdline;
};

static const struct info_case info_cases[] = {
	{ "defaults", { .nr_cpus = 1 }, "" },
	{ "two cpus, reset twice, mediated PMU",
	  { .nr_cpus = 2, .boot_count = 2, .pmu_mode = VMM_PMU_MODE_MEDIATED, .cmdline = "quiet pmu=on" },
	  "quiet pmu=on" },
	{ "soft PMU, empty command line",
	  { .nr_cpus = 1, .pmu_mode = VMM_PMU_MODE_SOFT, .cmdline = "" }, "" },
	{ "image path and arguments", { .nr_cpus = 1, .argv0 = "x86/vmexit.flat", .cmdline = "cpuid" },
	  "x86/vmexit.flat cpuid" },
	{ "image path alone", { .nr_cpus = 1, .argv0 = "/tmp/hello.elf", .cmdline = "" }, "/tmp/hello.elf" },
};

static const struct {
	const char *argv0, *args;
	size_t size;
	int want;
	const char *line;
} format_cases[] = {
	{ NULL, NULL, 16, 0, "" },
	{ "", "", 1, 0, "" },
	{ "img", NULL, 16, 3, "img" },
	{ NULL, "a b", 16, 3, "a b" },
	{ "", "a b", 16, 3, "a b" },
	{ "img", "a b", 16, 7, "img a b" },
	{ "img", "a b", 8, 7, "img a b" },	/* exactly fits with its NUL */
	{ "img", "a b", 7, -E2BIG, NULL },
	{ "img", NULL, 3, -E2BIG, NULL },
	{ NULL, NULL, 0, -E2BIG, NULL },
};

static void test_format_cmdline(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(format_cases); i++) {
		struct boot_params p = { .argv0 = format_cases[i].argv0, .cmdline = format_cases[i].args };
		char buf[32];

		memset(buf, '#', sizeof(buf));
		assert_int_equal(boot_format_cmdline(&p, buf, format_cases[i].size), format_cases[i].want);
		if (format_cases[i].line)
			assert_string_equal(buf, format_cases[i].line);
		else
			assert_int_equal(buf[0], '#');
	}
}

static void test_bootinfo(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(info_cases); i++) {
		const struct info_case *c = &info_cases[i];
		struct vmm_bootinfo bi;

		print_message("# bootinfo: %s\n", c->name);
		memset(f->mem, FILL, f->mem_size);
		boot_ok(f, &c->p);
		memcpy(&bi, f->mem + VMM_BOOT_INFO, sizeof(bi));
		assert_int_equal(bi.magic, VMM_BOOTINFO_MAGIC);
		assert_int_equal(bi.version, VMM_BOOTINFO_VERSION);
		assert_int_equal(bi.size, sizeof(bi));
		assert_int_equal(bi.mem_size, f->mem_size);
		assert_int_equal(bi.nr_cpus, c->p.nr_cpus);
		assert_int_equal(bi.boot_count, c->p.boot_count);
		assert_int_equal(bi.pmu_mode, c->p.pmu_mode);
		assert_int_equal(bi.pmu_flags, 0);
		assert_int_equal(bi.cmdline, VMM_BOOT_CMDLINE);
		assert_int_equal(bi.cmdline_len, strlen(c->want_cmdline));
		assert_string_equal((const char *)f->mem + bi.cmdline, c->want_cmdline);
		for (size_t j = 0; j < ARRAY_SIZE(bi.reserved); j++)
			assert_int_equal(bi.reserved[j], 0);
	}
}

static void test_cmdline_limits(void **state)
{
	struct fixture *f = *state;
	char *line = malloc(VMM_BOOT_CMDLINE_MAX + 1);
	struct boot_params p = { .nr_cpus = 1, .cmdline = line };
	int ret;

	assert_non_null(line);
	/* The longest that fits: VMM_BOOT_CMDLINE_MAX - 1 bytes and the NUL. */
	memset(line, 'x', VMM_BOOT_CMDLINE_MAX - 1);
	line[VMM_BOOT_CMDLINE_MAX - 1] = '\0';
	boot_ok(f, &p);
	assert_int_equal(strlen((const char *)f->mem + VMM_BOOT_CMDLINE), VMM_BOOT_CMDLINE_MAX - 1);
	assert_int_equal(get32(f->mem, VMM_BOOT_INFO + offsetof(struct vmm_bootinfo, cmdline_len)),
			 VMM_BOOT_CMDLINE_MAX - 1);
	/* One more byte is an error, and nothing is written. */
	memset(f->mem, FILL, f->mem_size);
	line[VMM_BOOT_CMDLINE_MAX - 1] = 'x';
	line[VMM_BOOT_CMDLINE_MAX] = '\0';
	ret = boot_prepare(f->mem, f->mem_size, &f->img, &p, &f->regs, &f->sregs, &f->err);
	assert_int_equal(ret, -E2BIG);
	assert_non_null(strstr(f->err.msg, "command line is 3840 bytes (the image path 0 and the arguments 3840); "
				       "the limit is 3839 bytes"));
	assert_int_equal(f->mem[VMM_BOOT_GDT + 8], FILL);
	assert_int_equal(f->mem[0x100000], FILL);
	/* The image path counts, with the space after it. */
	line[VMM_BOOT_CMDLINE_MAX - 4] = '\0';
	p.argv0 = "abc";
	ret = boot_prepare(f->mem, f->mem_size, &f->img, &p, &f->regs, &f->sregs, &f->err);
	assert_int_equal(ret, -E2BIG);
	assert_non_null(strstr(f->err.msg, "command line is 3840 bytes (the image path 3 and the arguments 3836)"));
	p.argv0 = "ab";
	boot_ok(f, &p);
	assert_int_equal(strlen((const char *)f->mem + VMM_BOOT_CMDLINE), VMM_BOOT_CMDLINE_MAX - 1);
	free(line);
}

/* ---- Segments ------------------------------------------------------------- */

static void test_segments_and_bss(void **state)
{
	struct fixture *f = *state;
	struct boot_params p = { .nr_cpus = 1 };

	boot_ok(f, &p);
	assert_memory_equal(f->mem + 0x100000, f->text, 0x80);
	assert_int_equal(f->mem[0x100080], FILL);		/* past memsz: untouched */
	assert_memory_equal(f->mem + 0x200000, f->text + 0x80, 0x20);
	for (uint64_t a = 0x200020; a < 0x201800; a++)	/* bss */
		assert_int_equal(f->mem[a], 0);
	assert_int_equal(f->mem[0x201800], FILL);
	assert_int_equal(f->mem[0x1fffff], FILL);
	/* The boot area is rewritten as a whole, other RAM is not. */
	assert_int_equal(f->mem[0], 0);
	assert_int_equal(f->mem[VMM_BOOT_AREA_END - 1], 0);
	assert_int_equal(f->mem[VMM_BOOT_AREA_END], FILL);
}

/*
 * With bss_pages_zero the caller has zeroed the whole pages of each bss
 * itself (vm_load() discards them), so boot_prepare() writes only the
 * partial pages at the ends: the whole ones keep what they hold (FILL here,
 * to see it), the partial ones are zero, and boot_bss_pages() names exactly
 * the pages left alone.
 */
static void test_bss_whole_pages_left_to_the_caller(void **state)
{
	struct fixture *f = *state;
	struct boot_params p = { .nr_cpus = 1, .bss_pages_zero = true };
	uint64_t first, last;

	/* Segment 1: file bytes [0x200000, 0x200020), bss to 0x203800. */
	f->img.seg[1].memsz = 0x3800;
	f->img.highest = 0x203800;
	boot_ok(f, &p);
	assert_true(boot_bss_pages(0x200020, 0x203800, &first, &last));
	assert_int_equal(first, 0x201000);
	assert_int_equal(last, 0x203000);
	for (uint64_t a = 0x200020; a < 0x201000; a++)
		assert_int_equal(f->mem[a], 0);
	for (uint64_t a = 0x201000; a < 0x203000; a++)
		assert_int_equal(f->mem[a], FILL);
	for (uint64_t a = 0x203000; a < 0x203800; a++)
		assert_int_equal(f->mem[a], 0);
	assert_int_equal(f->mem[0x203800], FILL);
	/* A bss inside one page has no whole page: it is zeroed as a whole. */
	assert_false(boot_bss_pages(0x200020, 0x200fff, &first, &last));
	assert_false(boot_bss_pages(0x201000, 0x201fff, &first, &last));
	assert_true(boot_bss_pages(0x201000, 0x202000, &first, &last));
}

/* ---- Multiboot ------------------------------------------------------------ */

struct mb_case {
	const char *name;
	uint64_t mem_size;
	uint64_t highest;		/* where the image ends */
	size_t initrd_len;		/* 0: no module */
	const char *initrd_name;
	uint32_t mem_lower, mem_upper;
	uint64_t mod_start;
};

static const struct mb_case mb_cases[] = {
	{ "no module", 8 * MIB, 0x201800, 0, NULL, 640, 7 * 1024, 0 },
	{ "module after an unaligned end", 8 * MIB, 0x201801, 0x1234, "initrd.img", 640, 7 * 1024, 0x202000 },
	{ "module after an aligned end", 8 * MIB, 0x202000, 0x10, "m", 640, 7 * 1024, 0x202000 },
	{ "module without a string", 16 * MIB, 0x201800, 0x3000, NULL, 640, 15 * 1024, 0x202000 },
	{ "module filling RAM", 8 * MIB, 0x201800, 8 * MIB - 0x202000, "big", 640, 7 * 1024, 0x202000 },
	{ "odd RAM size", 8 * MIB + 1536, 0x201800, 0, NULL, 640, 7 * 1024 + 1, 0 },
};

static void check_mb_module(const struct fixture *f, const struct mb_case *c, const uint8_t *initrd,
			    const struct mb_info *mbi)
{
	struct mb_module mod;

	assert_int_equal(mbi->mods_count, 1);
	assert_int_equal(mbi->mods_addr, BOOT_MB_MODS);
	assert_true(mbi->mods_addr < VMM_BOOT_AREA_END);
	memcpy(&mod, f->mem + mbi->mods_addr, sizeof(mod));
	assert_int_equal(mod.mod_start, c->mod_start);
	assert_int_equal(mod.mod_start % 0x1000, 0);
	assert_true(mod.mod_start >= c->highest);
	assert_int_equal(mod.mod_end, c->mod_start + c->initrd_len);
	assert_memory_equal(f->mem + mod.mod_start, initrd, c->initrd_len);
	if (c->initrd_name) {
		assert_true(mod.string > 0 && mod.string < VMM_BOOT_AREA_END);
		assert_string_equal((const char *)f->mem + mod.string, c->initrd_name);
	} else {
		assert_int_equal(mod.string, 0);
	}
}

static void run_mb_case(struct fixture *f, const struct mb_case *c, const uint8_t *initrd)
{
	struct boot_params p = { .nr_cpus = 1, .argv0 = "kernel.elf", .cmdline = "console=ttyS0",
				 .initrd = c->initrd_len ? initrd : NULL,
				 .initrd_len = c->initrd_len, .initrd_name = c->initrd_name };
	uint32_t want_flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_BOOT_LOADER_NAME |
			      (c->initrd_len ? MB_INFO_MODS : 0);
	struct mb_info mbi;

	f->mem_size = c->mem_size;
	image_two_segments(f, IMAGE_MULTIBOOT);
	f->img.highest = c->highest;
	boot_ok(f, &p);
	assert_int_equal(f->regs.rbx, VMM_BOOT_MBINFO);
	memcpy(&mbi, f->mem + f->regs.rbx, sizeof(mbi));
	assert_int_equal(mbi.flags, want_flags);
	assert_int_equal(mbi.mem_lower, c->mem_lower);
	assert_int_equal(mbi.mem_upper, c->mem_upper);
	assert_true(mbi.cmdline >= VMM_BOOT_MBINFO && mbi.cmdline < VMM_BOOT_AREA_END);
	assert_string_equal((const char *)f->mem + mbi.cmdline, "kernel.elf console=ttyS0");
	assert_string_equal((const char *)f->mem + mbi.boot_loader_name, "vmm");
	if (c->initrd_len)
		check_mb_module(f, c, initrd, &mbi);
	else
		assert_int_equal(mbi.mods_count, 0);
	/* The 64-bit boot info is there too. */
	assert_int_equal(get64(f->mem, VMM_BOOT_INFO), VMM_BOOTINFO_MAGIC);
}

static void test_multiboot_info(void **state)
{
	struct fixture *f = *state;
	uint8_t *initrd = malloc(8 * MIB);
	uint8_t *big = realloc(f->mem, 16 * MIB);

	assert_non_null(initrd);
	assert_non_null(big);
	f->mem = big;
	for (size_t i = 0; i < 8 * MIB; i++)
		initrd[i] = (uint8_t)(i * 13 + 5);
	for (size_t i = 0; i < ARRAY_SIZE(mb_cases); i++) {
		print_message("# multiboot: %s\n", mb_cases[i].name);
		memset(f->mem, FILL, 16 * MIB);
		run_mb_case(f, &mb_cases[i], initrd);
	}
	free(initrd);
}

/* ---- Errors --------------------------------------------------------------- */

struct err_case {
	const char *name;
	enum image_kind kind;
	uint64_t mem_size;
	uint64_t seg1_gpa;		/* 0: the usual 0x200000 */
	size_t initrd_len;		/* 0: none */
	size_t initrd_name_len;		/* 0: no name */
	int code;
	const char *msg;
};

static const struct err_case err_cases[] = {
	{ "module one byte too big", IMAGE_MULTIBOOT, 8 * MIB, 0, 8 * MIB - 0x202000 + 1, 0, ERANGE,
	  "initrd of 6283265 bytes does not fit: it would go at 0x202000 (the first page above the image, which ends at 0x201800) but usable RAM ends at 0x800000" },
	{ "module for an ELF64 image", IMAGE_ELF64, 8 * MIB, 0, 0x100, 0, EINVAL,
	  "an initrd can only be passed to multiboot images (as a module), not to ELF64 images" },
	{ "module for a raw image", IMAGE_RAW, 8 * MIB, 0, 0x100, 0, EINVAL, "not to raw images" },
	{ "module name too long", IMAGE_MULTIBOOT, 8 * MIB, 0, 0x100, BOOT_MB_MODSTR_MAX, E2BIG,
	  "initrd name is 3584 bytes; the limit is 3583" },
	{ "RAM too small", IMAGE_ELF64, 0x7f000, 0x20000, 0, 0, EINVAL,
	  "guest RAM of 520192 bytes is too small" },
	{ "segment beyond RAM", IMAGE_ELF64, 2 * MIB, 0, 0, 0, ERANGE,
	  "image segment 1 (gpa 0x200000, filesz 0x20, memsz 0x1800) does not fit guest RAM [0x10000, 0x200000)" },
	{ "segment in the boot area", IMAGE_ELF64, 8 * MIB, 0xf000, 0, 0, ERANGE,
	  "image segment 1 (gpa 0xf000" },
};

static void test_errors(void **state)
{
	struct fixture *f = *state;
	uint8_t *initrd = calloc(1, 8 * MIB);
	char *name = malloc(BOOT_MB_MODSTR_MAX + 1);

	assert_non_null(initrd);
	assert_non_null(name);
	for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *c = &err_cases[i];
		struct boot_params p = { .nr_cpus = 1, .initrd = c->initrd_len ? initrd : NULL,
					 .initrd_len = c->initrd_len };
		int ret;

		print_message("# error: %s\n", c->name);
		memset(name, 'n', c->initrd_name_len);
		name[c->initrd_name_len] = '\0';
		p.initrd_name = c->initrd_name_len ? name : NULL;
		image_two_segments(f, c->kind);
		if (c->seg1_gpa)
			f->img.seg[1].gpa = c->seg1_gpa;
		memset(f->mem, FILL, MEM_SIZE);
		ret = boot_prepare(f->mem, c->mem_size, &f->img, &p, &f->regs, &f->sregs, &f->err);
		if (ret != -c->code || !strstr(f->err.msg, c->msg))
			fail_msg("%s: got %d \"%s\", want %d with \"%s\"", c->name, ret, f->err.msg,
				 -c->code, c->msg);
		assert_int_equal(f->mem[VMM_BOOT_INFO], FILL);	/* nothing written */
	}
	free(name);
	free(initrd);
}

/* ---- Reset ---------------------------------------------------------------- */

static void test_second_boot(void **state)
{
	struct fixture *f = *state;
	struct boot_params p = { .nr_cpus = 2, .cmdline = "first" };
	struct vmm_bootinfo bi;
	uint8_t gdt[BOOT_GDT_LIMIT + 1], pml4[0x1000];

	boot_ok(f, &p);
	memcpy(gdt, f->mem + VMM_BOOT_GDT, sizeof(gdt));
	memcpy(pml4, f->mem + VMM_BOOT_PML4, sizeof(pml4));
	/* The guest ran: it scribbled over its boot area, its data and registers. */
	memset(f->mem, 0x5a, 0x300000);
	f->regs.rip = 0x123456;
	f->sregs.cr4 |= 1ULL << 7;
	p.boot_count = 1;
	p.cmdline = "second";
	boot_ok(f, &p);
	memcpy(&bi, f->mem + VMM_BOOT_INFO, sizeof(bi));
	assert_int_equal(bi.boot_count, 1);
	assert_int_equal(bi.cmdline_len, strlen("second"));
	assert_string_equal((const char *)f->mem + VMM_BOOT_CMDLINE, "second");
	assert_memory_equal(f->mem + VMM_BOOT_GDT, gdt, sizeof(gdt));
	assert_memory_equal(f->mem + VMM_BOOT_PML4, pml4, sizeof(pml4));
	assert_int_equal(f->mem[VMM_BOOT_CMDLINE + 7], 0);	/* old bytes gone with the area */
	assert_memory_equal(f->mem + 0x100000, f->text, 0x80);
	assert_int_equal(f->mem[0x200100], 0);			/* bss zeroed again */
	assert_int_equal(f->regs.rip, 0x100010);
	assert_int_equal(f->sregs.cr4, 0x620);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bootinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_limits, setup, teardown),
		cmocka_unit_test(test_format_cmdline),
		cmocka_unit_test_setup_teardown(test_segments_and_bss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bss_whole_pages_left_to_the_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_boot, setup, teardown),
	};

	return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
