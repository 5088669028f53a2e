// SPDX-License-Identifier: GPL-2.0-only
/*
 * image_parse: every image is built in memory from a description (ELF64,
 * multiboot ELF32, multiboot a.out kludge, raw), optionally corrupted by
 * byte patches, and parsed. Good images check the segments and entry point
 * the parser found; malformed ones check the error code and message.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/bootinfo.h"
#include "vmm/boot/loader.h"
#include "vmm/boot/multiboot.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIB		(1ULL << 20)
#define GIB		(1ULL << 30)
#define BUF_CAP		0x3000
#define DATA_OFF	0x800		/* segment data starts here in built ELF files */
#define RAW_ADDR	0x100000ULL
#define MEM_DEFAULT	(64 * MIB)
#define MAX_TSEG	(IMAGE_MAX_SEGMENTS + 2)

/* Offsets of header fields, for patches. */
#define EH64(f)		offsetof(Elf64_Ehdr, f)
#define PH64(i, f)	(sizeof(Elf64_Ehdr) + (i) * sizeof(Elf64_Phdr) + offsetof(Elf64_Phdr, f))
#define EH32(f)		offsetof(Elf32_Ehdr, f)
#define MBH(off, f)	((off) + offsetof(struct mb_header, f))

enum tkind { T_ELF64, T_ELF32, T_KLUDGE, T_RAW, T_EMPTY };

struct tseg {
	uint32_t type, flags;
	uint64_t paddr, vaddr;	/* vaddr 0: same as paddr */
	uint64_t filesz, memsz;
};

struct tpatch {
	size_t off;
	unsigned int size;	/* 0 ends the list */
	uint64_t val;
};

/* Multiboot header fields; the builder computes the checksum from flags. */
struct tmb {
	int present;
	size_t off;
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct timage {
	enum tkind kind;
	uint64_t entry;
	unsigned int nseg;
	struct tseg seg[MAX_TSEG];
	struct tmb mb;
	size_t len;		/* 0: as built; otherwise truncated or extended to this */
	struct tpatch patch[3];
};

/* A built image and where the builder put each segment's bytes. */
struct tbuilt {
	uint8_t buf[BUF_CAP];
	size_t len;
	size_t seg_off[MAX_TSEG];
};

#define X	(PF_R | PF_X)
#define RW	(PF_R | PF_W)
#define LOAD(pa, fs, ms, fl)	{ PT_LOAD, fl, pa, 0, fs, ms }

/* A byte pattern that never looks like ELF or multiboot magic. */
static uint8_t pattern(size_t off)
{
	return (uint8_t)(off * 7 + 3);
}

static void put(uint8_t *buf, size_t off, unsigned int size, uint64_t val)
{
	assert_true(off + size <= BUF_CAP);
	memcpy(buf + off, &val, size);
}

static void build_ident(uint8_t *buf, unsigned int cls)
{
	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = cls;
	buf[EI_DATA] = ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	memset(buf + EI_PAD, 0, EI_NIDENT - EI_PAD);
}

static size_t build_elf64(const struct timage *t, struct tbuilt *b)
{
	Elf64_Ehdr eh = { 0 };
	size_t off = DATA_OFF;

	build_ident(b->buf, ELFCLASS64);
	memcpy(eh.e_ident, b->buf, EI_NIDENT);
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = t->entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = t->nseg;
	memcpy(b->buf, &eh, sizeof(eh));
	for (unsigned int i = 0; i < t->nseg; i++) {
		const struct tseg *s = &t->seg[i];
		Elf64_Phdr ph = { s->type, s->flags, off, s->vaddr ? s->vaddr : s->paddr, s->paddr,
				  s->filesz, s->memsz, 0x1000 };

		memcpy(b->buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		b->seg_off[i] = off;
		off += s->filesz;
	}
	return off;
}

static size_t build_elf32(const struct timage *t, struct tbuilt *b)
{
	Elf32_Ehdr eh = { 0 };
	size_t off = DATA_OFF;

	build_ident(b->buf, ELFCLASS32);
	memcpy(eh.e_ident, b->buf, EI_NIDENT);
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = (uint32_t)t->entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = t->nseg;
	memcpy(b->buf, &eh, sizeof(eh));
	for (unsigned int i = 0; i < t->nseg; i++) {
		const struct tseg *s = &t->seg[i];
		Elf32_Phdr ph = { s->type, off, (uint32_t)(s->vaddr ? s->vaddr : s->paddr),
				  (uint32_t)s->paddr, (uint32_t)s->filesz, (uint32_t)s->memsz,
				  s->flags, 0x1000 };

		memcpy(b->buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		b->seg_off[i] = off;
		off += s->filesz;
	}
	return off;
}

static size_t build_mb(const struct tmb *mb, struct tbuilt *b)
{
	struct mb_header h = {
		.magic = MB_HEADER_MAGIC, .flags = mb->flags,
		.checksum = -(MB_HEADER_MAGIC + mb->flags),
		.header_addr = mb->header_addr, .load_addr = mb->load_addr,
		.load_end_addr = mb->load_end_addr, .bss_end_addr = mb->bss_end_addr,
		.entry_addr = mb->entry_addr,
	};

	assert_true(mb->off + sizeof(h) <= BUF_CAP);
	memcpy(b->buf + mb->off, &h, sizeof(h));
	return mb->off + sizeof(h);
}

static void build(const struct timage *t, struct tbuilt *b)
{
	size_t len = 0, mb_end = 0;

	for (size_t i = 0; i < BUF_CAP; i++)
		b->buf[i] = pattern(i);
	if (t->kind == T_ELF64)
		len = build_elf64(t, b);
	else if (t->kind == T_ELF32)
		len = build_elf32(t, b);
	if (t->mb.present)
		mb_end = build_mb(&t->mb, b);
	if (mb_end > len)
		len = mb_end;
	if (t->len)
		len = t->len;
	if (t->kind == T_EMPTY)
		len = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(t->patch) && t->patch[i].size; i++)
		put(b->buf, t->patch[i].off, t->patch[i].size, t->patch[i].val);
	assert_true(len <= BUF_CAP);
	b->len = len;
}

/* ---- Good images -------------------------------------------------------- */

struct good_case {
	const char *name;
	struct timage t;
	uint64_t mem_size;	/* 0: MEM_DEFAULT */
	enum image_kind kind;
	uint64_t entry, lowest, highest;
	uint32_t mb_flags;
	/* Expected segments: which built segment each one is, and its gpa. */
	unsigned int nr;
	struct { unsigned int from; uint64_t gpa, filesz, memsz; } seg[4];
};

#define KLUDGE_HDR	0x40	/* header offset in built a.out-kludge images */
#define KLUDGE_LOAD	0x200000u

static const struct good_case good_cases[] = {
	{
		.name = "ELF64, one segment",
		.t = { T_ELF64, .entry = 0x100010, .nseg = 1, .seg = { LOAD(0x100000, 0x80, 0x80, X) } },
		.kind = IMAGE_ELF64, .entry = 0x100010, .lowest = 0x100000, .highest = 0x100080,
		.nr = 1, .seg = { { 0, 0x100000, 0x80, 0x80 } },
	},
	{
		.name = "ELF64, text + data + bss, empty PT_LOAD and PT_NOTE skipped",
		.t = { T_ELF64, .entry = 0x200000, .nseg = 5, .seg = {
			LOAD(0x200000, 0x100, 0x100, X),
			{ PT_NOTE, PF_R, 0x300000, 0, 0x20, 0x20 },
			LOAD(0x400000, 0, 0, RW),
			LOAD(0x201000, 0x40, 0x40, RW),
			LOAD(0x202000, 0x10, 0x3000, RW),
		} },
		.kind = IMAGE_ELF64, .entry = 0x200000, .lowest = 0x200000, .highest = 0x205000,
		.nr = 3, .seg = { { 0, 0x200000, 0x100, 0x100 }, { 3, 0x201000, 0x40, 0x40 },
				  { 4, 0x202000, 0x10, 0x3000 } },
	},
	{
		.name = "ELF64 linked high: entry translated from vaddr to paddr",
		.t = { T_ELF64, .entry = 0xffffffff80100020ULL, .nseg = 1, .seg = {
			{ PT_LOAD, X, 0x100000, 0xffffffff80100000ULL, 0x40, 0x40 } } },
		.kind = IMAGE_ELF64, .entry = 0x100020, .lowest = 0x100000, .highest = 0x100040,
		.nr = 1, .seg = { { 0, 0x100000, 0x40, 0x40 } },
	},
	{
		.name = "ELF64 ending exactly at the end of RAM",
		.t = { T_ELF64, .entry = 0x3fff000, .nseg = 1, .seg = { LOAD(0x3fff000, 0x20, 0x1000, X) } },
		.kind = IMAGE_ELF64, .entry = 0x3fff000, .lowest = 0x3fff000, .highest = 0x4000000,
		.nr = 1, .seg = { { 0, 0x3fff000, 0x20, 0x1000 } },
	},
	{
		.name = "ELF64 with a multiboot header is ELF64",
		.t = { T_ELF64, .entry = 0x100000, .nseg = 1, .seg = { LOAD(0x100000, 0x20, 0x20, X) },
		       .mb = { 1, 0x600, MB_FLAG_MEMORY_INFO } },
		.kind = IMAGE_ELF64, .entry = 0x100000, .lowest = 0x100000, .highest = 0x100020,
		.nr = 1, .seg = { { 0, 0x100000, 0x20, 0x20 } },
	},
	{
		.name = "multiboot ELF32 with bss",
		.t = { T_ELF32, .entry = 0x100000, .nseg = 2, .seg = {
			LOAD(0x100000, 0x100, 0x100, X), LOAD(0x101000, 0x20, 0x2000, RW) },
		       .mb = { 1, 0x400, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO } },
		.kind = IMAGE_MULTIBOOT, .entry = 0x100000, .lowest = 0x100000, .highest = 0x103000,
		.mb_flags = MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO,
		.nr = 2, .seg = { { 0, 0x100000, 0x100, 0x100 }, { 1, 0x101000, 0x20, 0x2000 } },
	},
	{
		.name = "multiboot a.out kludge, load_end 0 (to end of file), bss",
		.t = { T_KLUDGE, .len = 0x1000, .mb = { 1, KLUDGE_HDR, MB_FLAG_AOUT_KLUDGE | MB_FLAG_MEMORY_INFO,
			KLUDGE_LOAD + KLUDGE_HDR, KLUDGE_LOAD, 0, KLUDGE_LOAD + 0x3000, KLUDGE_LOAD + 0x80 } },
		.kind = IMAGE_MULTIBOOT, .entry = KLUDGE_LOAD + 0x80, .lowest = KLUDGE_LOAD,
		.highest = KLUDGE_LOAD + 0x3000, .mb_flags = MB_FLAG_AOUT_KLUDGE | MB_FLAG_MEMORY_INFO,
		.nr = 1, .seg = { { 0, KLUDGE_LOAD, 0x1000, 0x3000 } },
	},
	{
		.name = "multiboot a.out kludge, header not at the start of the text, no bss",
		.t = { T_KLUDGE, .len = 0x1000, .mb = { 1, 0x100, MB_FLAG_AOUT_KLUDGE,
			KLUDGE_LOAD + 0x20, KLUDGE_LOAD - 0xe0, KLUDGE_LOAD + 0x500, 0, KLUDGE_LOAD } },
		.kind = IMAGE_MULTIBOOT, .entry = KLUDGE_LOAD, .lowest = KLUDGE_LOAD - 0xe0,
		.highest = KLUDGE_LOAD + 0x500, .mb_flags = MB_FLAG_AOUT_KLUDGE,
		.nr = 1, .seg = { { 0, KLUDGE_LOAD - 0xe0, 0x5e0, 0x5e0 } },
	},
	{
		.name = "raw binary",
		.t = { T_RAW, .len = 0x123 },
		.kind = IMAGE_RAW, .entry = RAW_ADDR, .lowest = RAW_ADDR, .highest = RAW_ADDR + 0x123,
		.nr = 1, .seg = { { 0, RAW_ADDR, 0x123, 0x123 } },
	},
	{
		.name = "raw binary of 1 byte",
		.t = { T_RAW, .len = 1 },
		.kind = IMAGE_RAW, .entry = RAW_ADDR, .lowest = RAW_ADDR, .highest = RAW_ADDR + 1,
		.nr = 1, .seg = { { 0, RAW_ADDR, 1, 1 } },
	},
};

/* Where the expected segment's bytes come from in the built file. */
static size_t good_file_off(const struct good_case *c, const struct tbuilt *b, unsigned int i)
{
	if (c->t.kind == T_RAW)
		return 0;
	if (c->t.kind == T_KLUDGE)	/* spec 3.1.3: header_offset - (header_addr - load_addr) */
		return c->t.mb.off - (c->t.mb.header_addr - c->t.mb.load_addr);
	return b->seg_off[c->seg[i].from];
}

static void test_good(void **state)
{
	const struct good_case *c = *state;
	struct tbuilt b;
	struct vmm_err err = { 0 };
	struct image img;
	int ret;

	build(&c->t, &b);
	ret = image_parse(b.buf, b.len, RAW_ADDR, c->mem_size ? c->mem_size : MEM_DEFAULT, &img, &err);
	if (ret)
		fail_msg("%s: unexpected error %d: %s", c->name, ret, err.msg);
	assert_int_equal(img.kind, c->kind);
	assert_int_equal(img.entry, c->entry);
	assert_int_equal(img.lowest, c->lowest);
	assert_int_equal(img.highest, c->highest);
	assert_int_equal(img.mb_flags, c->mb_flags);
	assert_int_equal(img.nr_segments, c->nr);
	for (unsigned int i = 0; i < c->nr; i++) {
		assert_int_equal(img.seg[i].gpa, c->seg[i].gpa);
		assert_int_equal(img.seg[i].filesz, c->seg[i].filesz);
		assert_int_equal(img.seg[i].memsz, c->seg[i].memsz);
		assert_ptr_equal(img.seg[i].data, b.buf + good_file_off(c, &b, i));
	}
}

/* ---- Malformed images --------------------------------------------------- */

struct bad_case {
	const char *name;
	struct timage t;
	uint64_t mem_size;	/* 0: MEM_DEFAULT */
	uint64_t raw_addr;	/* 0: RAW_ADDR */
	int code;
	const char *msg;	/* a substring of the message */
};

#define ONE_SEG		.entry = 0x100000, .nseg = 1, .seg = { LOAD(0x100000, 0x40, 0x40, X) }
#define MB_AT(o, fl)	.mb = { 1, o, fl }
#define KLUDGE(hdr, load, end, bss, ent) \
	.mb = { 1, KLUDGE_HDR, MB_FLAG_AOUT_KLUDGE, hdr, load, end, bss, ent }

static const struct bad_case bad_cases[] = {
	{ "empty file", { T_EMPTY }, .code = EINVAL, .msg = "image is empty (0 bytes)" },
	{ "truncated e_ident", { T_ELF64, ONE_SEG, .len = 10 }, .code = EINVAL,
	  .msg = "ELF identification truncated: file is 10 bytes, e_ident needs 16" },
	{ "truncated ELF64 header", { T_ELF64, ONE_SEG, .len = 40 }, .code = EINVAL,
	  .msg = "ELF header truncated: file is 40 bytes, an ELF64 header needs 64" },
	{ "bad class", { T_ELF64, ONE_SEG, .patch = { { EI_CLASS, 1, 3 } } }, .code = EINVAL,
	  .msg = "ELF class 3 is neither ELFCLASS32 (1) nor ELFCLASS64 (2)" },
	{ "big-endian", { T_ELF64, ONE_SEG, .patch = { { EI_DATA, 1, ELFDATA2MSB } } },
	  .code = EINVAL, .msg = "ELF data encoding 2 is not little-endian" },
	{ "bad machine", { T_ELF64, ONE_SEG, .patch = { { EH64(e_machine), 2, EM_AARCH64 } } },
	  .code = EINVAL, .msg = "ELF machine 183 is not EM_X86_64 (62)" },
	{ "ET_DYN", { T_ELF64, ONE_SEG, .patch = { { EH64(e_type), 2, ET_DYN } } }, .code = EINVAL,
	  .msg = "ELF type 3 is not ET_EXEC (2)" },
	{ "ET_REL", { T_ELF64, ONE_SEG, .patch = { { EH64(e_type), 2, ET_REL } } }, .code = EINVAL,
	  .msg = "ELF type 1 is not ET_EXEC" },
	{ "bad e_ehsize", { T_ELF64, ONE_SEG, .patch = { { EH64(e_ehsize), 2, 52 } } },
	  .code = EINVAL, .msg = "e_ehsize 52, expected 64 for ELF64" },
	{ "bad e_phentsize", { T_ELF64, ONE_SEG, .patch = { { EH64(e_phentsize), 2, 32 } } },
	  .code = EINVAL, .msg = "e_phentsize 32, expected 56" },
	{ "phoff beyond the file", { T_ELF64, ONE_SEG, .patch = { { EH64(e_phoff), 8, 0x100000 } } },
	  .code = EINVAL,
	  .msg = "program header table (offset 0x100000, 56 x 1 bytes) extends past end of file (2112 bytes)" },
	{ "phnum too large for the file", { T_ELF64, ONE_SEG, .patch = { { EH64(e_phnum), 2, 0xfff0 } } },
	  .code = EINVAL, .msg = "(offset 0x40, 56 x 65520 bytes) extends past end of file" },
	{ "phoff + table wraps", { T_ELF64, ONE_SEG,
	  .patch = { { EH64(e_phoff), 8, UINT64_MAX - 8 } } }, .code = EINVAL,
	  .msg = "(offset 0xfffffffffffffff7, 56 x 1 bytes) wraps around" },
	{ "PN_XNUM", { T_ELF64, ONE_SEG, .patch = { { EH64(e_phnum), 2, PN_XNUM } } },
	  .code = ENOTSUP, .msg = "extended program header numbering" },
	{ "no program headers", { T_ELF64, ONE_SEG, .patch = { { EH64(e_phnum), 2, 0 } } },
	  .code = EINVAL, .msg = "no program headers (e_phnum 0)" },
	{ "p_offset + p_filesz past EOF", { T_ELF64, ONE_SEG, .patch = { { PH64(0, p_filesz), 8, 0x1000 },
	  { PH64(0, p_memsz), 8, 0x1000 } } }, .code = EINVAL,
	  .msg = "segment 0 (p_offset 0x800, p_filesz 0x1000) extends past end of file (2112 bytes)" },
	{ "p_offset + p_filesz wraps", { T_ELF64, ONE_SEG, .patch = { { PH64(0, p_offset), 8, UINT64_MAX - 0x10 } } },
	  .code = EINVAL, .msg = "segment 0 (p_offset 0xffffffffffffffef, p_filesz 0x40) wraps around" },
	{ "p_filesz > p_memsz", { T_ELF64, .entry = 0x100000, .nseg = 2, .seg = {
	  LOAD(0x100000, 0x40, 0x40, X), LOAD(0x101000, 0x40, 0x20, RW) } }, .code = EINVAL,
	  .msg = "segment 1 has p_filesz 0x40 larger than p_memsz 0x20" },
	{ "segment beyond RAM", { T_ELF64, .entry = 0x100000, .nseg = 2, .seg = {
	  LOAD(0x100000, 0x40, 0x40, X), LOAD(0x7ff0000, 0x40, 0x20000, RW) } },
	  .mem_size = 128 * MIB, .code = ERANGE,
	  .msg = "segment 1 (paddr 0x7ff0000, memsz 0x20000) ends beyond guest RAM (128 MiB)" },
	{ "segment beyond odd-sized RAM", { T_ELF64, .entry = 0x100000, .nseg = 1, .seg = {
	  LOAD(0x100000, 0x40, 0x40, X) } }, .mem_size = 0x100020, .code = ERANGE,
	  .msg = "ends beyond guest RAM (1048608 bytes)" },
	{ "segment below the boot area", { T_ELF64, .entry = 0x8000, .nseg = 1, .seg = {
	  LOAD(0x8000, 0x40, 0x40, X) } }, .code = ERANGE,
	  .msg = "segment 0 (paddr 0x8000, memsz 0x40) starts below 0x10000" },
	{ "segment in page 0", { T_ELF64, .entry = 0x0, .nseg = 1, .seg = {
	  LOAD(0x0, 0x40, 0x40, X) } }, .code = ERANGE, .msg = "starts below 0x10000" },
	{ "overlapping segments", { T_ELF64, .entry = 0x100000, .nseg = 3, .seg = {
	  LOAD(0x100000, 0x40, 0x1000, X), LOAD(0x200000, 0x40, 0x40, RW),
	  LOAD(0x100800, 0x40, 0x1000, RW) } }, .code = EINVAL,
	  .msg = "segments 0 [0x100000, 0x101000) and 2 [0x100800, 0x101800) overlap" },
	{ "address overflow", { T_ELF64, .entry = 0x100000, .nseg = 2, .seg = {
	  LOAD(0x100000, 0x40, 0x40, X), LOAD(0xfffffffffffff000ULL, 0x40, 0x2000, RW) } },
	  .code = ERANGE,
	  .msg = "segment 1 (paddr 0xfffffffffffff000, memsz 0x2000) wraps around the end of the address space" },
	{ "entry outside every segment", { T_ELF64, .entry = 0x200000, .nseg = 1, .seg = {
	  LOAD(0x100000, 0x40, 0x1000, X) } }, .code = EINVAL,
	  .msg = "entry point 0x200000 is not inside any loaded PT_LOAD segment" },
	{ "entry one past the end of a segment", { T_ELF64, .entry = 0x101000, .nseg = 1, .seg = {
	  LOAD(0x100000, 0x40, 0x1000, X) } }, .code = EINVAL,
	  .msg = "entry point 0x101000 is not inside" },
	{ "entry in a data segment", { T_ELF64, .entry = 0x101000, .nseg = 2, .seg = {
	  LOAD(0x100000, 0x40, 0x40, X), LOAD(0x101000, 0x40, 0x40, RW) } }, .code = EINVAL,
	  .msg = "entry point 0x101000 lies in segment 1, which is not executable (p_flags 0x6)" },
	{ "no PT_LOAD", { T_ELF64, .entry = 0x100000, .nseg = 1, .seg = {
	  { PT_NOTE, PF_R, 0x100000, 0, 0x40, 0x40 } } }, .code = EINVAL,
	  .msg = "no PT_LOAD segment with p_memsz > 0 (1 program headers)" },
	{ "only empty PT_LOADs", { T_ELF64, .entry = 0x100000, .nseg = 2, .seg = {
	  LOAD(0x100000, 0, 0, X), LOAD(0x200000, 0, 0, RW) } }, .code = EINVAL,
	  .msg = "no PT_LOAD segment" },
	{ "too many segments", { T_ELF64, .entry = 0x100000, .nseg = IMAGE_MAX_SEGMENTS + 1, .seg = {
	  LOAD(0x100000, 1, 1, X), LOAD(0x101000, 1, 1, X), LOAD(0x102000, 1, 1, X),
	  LOAD(0x103000, 1, 1, X), LOAD(0x104000, 1, 1, X), LOAD(0x105000, 1, 1, X),
	  LOAD(0x106000, 1, 1, X), LOAD(0x107000, 1, 1, X), LOAD(0x108000, 1, 1, X),
	  LOAD(0x109000, 1, 1, X), LOAD(0x10a000, 1, 1, X), LOAD(0x10b000, 1, 1, X),
	  LOAD(0x10c000, 1, 1, X), LOAD(0x10d000, 1, 1, X), LOAD(0x10e000, 1, 1, X),
	  LOAD(0x10f000, 1, 1, X), LOAD(0x110000, 1, 1, X) } }, .code = EINVAL,
	  .msg = "more than 16 non-empty PT_LOAD segments (segment 16 is one too many)" },
	{ "PT_INTERP", { T_ELF64, .entry = 0x100000, .nseg = 2, .seg = {
	  { PT_INTERP, PF_R, 0x100000, 0, 0x10, 0x10 }, LOAD(0x100000, 0x40, 0x40, X) } },
	  .code = ENOTSUP, .msg = "segment 0 is PT_INTERP" },
	{ "ELF32 without multiboot header", { T_ELF32, ONE_SEG }, .code = EINVAL,
	  .msg = "ELF32 image without a multiboot header" },
	{ "multiboot ELF32 for x86-64", { T_ELF32, ONE_SEG, MB_AT(0x400, 0),
	  .patch = { { EH32(e_machine), 2, EM_X86_64 } } }, .code = EINVAL,
	  .msg = "ELF machine 62 is not EM_386 (3)" },
	{ "multiboot ELF32 beyond 4 GiB", { T_ELF32, .entry = 0x100000, .nseg = 2, .seg = {
	  LOAD(0x100000, 0x40, 0x40, X), LOAD(0xfffff000, 0x40, 0x2000, RW) }, MB_AT(0x400, 0) },
	  .mem_size = 8 * GIB, .code = ERANGE,
	  .msg = "segment 1 (paddr 0xfffff000, memsz 0x2000) ends beyond 4 GiB" },
	{ "multiboot bad checksum", { T_ELF32, ONE_SEG, MB_AT(0x400, 0),
	  .patch = { { MBH(0x400, checksum), 4, 0x12345678 } } }, .code = EINVAL,
	  .msg = "multiboot header at offset 0x400 has a bad checksum: magic 0x1badb002 + flags 0x0 + checksum 0x12345678 = 0x2de2067a, must be 0" },
	{ "multiboot bad checksum in a non-ELF file", { T_RAW, .len = 0x100, MB_AT(0x20, 0),
	  .patch = { { MBH(0x20, checksum), 4, 0 } } }, .code = EINVAL,
	  .msg = "multiboot header at offset 0x20 has a bad checksum" },
	{ "multiboot header beyond 8192 bytes", { T_ELF32, ONE_SEG, MB_AT(0x2000, 0) }, .code = EINVAL,
	  .msg = "multiboot header at offset 0x2000 (12 bytes) is not within the first 8192 bytes" },
	{ "multiboot header straddling 8192 bytes", { T_RAW, .len = 0x2100, MB_AT(0x1ff8, MB_FLAG_AOUT_KLUDGE) },
	  .code = EINVAL, .msg = "multiboot header at offset 0x1ff8 (32 bytes) is not within the first 8192" },
	{ "multiboot video mode", { T_ELF32, ONE_SEG, MB_AT(0x400, MB_FLAG_VIDEO_MODE | MB_FLAG_MEMORY_INFO) },
	  .code = ENOTSUP, .msg = "multiboot header flags 0x6 request a video mode (bit 2)" },
	{ "multiboot unknown required flag", { T_ELF32, ONE_SEG, MB_AT(0x400, 1u << 5 | MB_FLAG_PAGE_ALIGN) },
	  .code = ENOTSUP, .msg = "flags 0x21 require features vmm does not provide (bits 0x20" },
	{ "multiboot non-ELF without address fields", { T_RAW, .len = 0x100, MB_AT(0x20, 0) },
	  .code = EINVAL, .msg = "multiboot header at offset 0x20 has no address fields" },
	{ "multiboot kludge: header_addr below load_addr", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD, KLUDGE_LOAD + 0x100, 0, 0, KLUDGE_LOAD + 0x100) }, .code = EINVAL,
	  .msg = "header_addr 0x200000 is below load_addr 0x200100: the header must lie in the loaded text" },
	{ "multiboot kludge: text before the file", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD + 0x100, KLUDGE_LOAD, 0, 0, KLUDGE_LOAD) }, .code = EINVAL,
	  .msg = "header_addr 0x200100, load_addr 0x200000: the text would start 0xc0 bytes before the file" },
	{ "multiboot kludge: load_end below load_addr", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD + KLUDGE_HDR, KLUDGE_LOAD, KLUDGE_LOAD - 1, 0, KLUDGE_LOAD) },
	  .code = EINVAL, .msg = "load_end_addr 0x1fffff is not above load_addr 0x200000" },
	{ "multiboot kludge: load_end past the file", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD + KLUDGE_HDR, KLUDGE_LOAD, KLUDGE_LOAD + 0x2000, 0, KLUDGE_LOAD) },
	  .code = EINVAL,
	  .msg = "load_end_addr 0x202000 asks for 0x2000 bytes from file offset 0x0, but the file has only 0x1000 there" },
	{ "multiboot kludge: bss_end below load_end", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD + KLUDGE_HDR, KLUDGE_LOAD, KLUDGE_LOAD + 0x800, KLUDGE_LOAD + 0x400, KLUDGE_LOAD) },
	  .code = EINVAL, .msg = "bss_end_addr 0x200400 is below the end of the loaded data 0x200800" },
	{ "multiboot kludge: entry outside the text", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD + KLUDGE_HDR, KLUDGE_LOAD, 0, KLUDGE_LOAD + 0x4000, KLUDGE_LOAD + 0x2000) },
	  .code = EINVAL, .msg = "entry_addr 0x202000 is outside the loaded text and data [0x200000, 0x201000)" },
	{ "multiboot kludge: below the boot area", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(0x1000 + KLUDGE_HDR, 0x1000, 0, 0, 0x1000) }, .code = ERANGE,
	  .msg = "multiboot load area (paddr 0x1000, memsz 0x1000) starts below 0x10000" },
	{ "multiboot kludge: bss beyond RAM", { T_KLUDGE, .len = 0x1000,
	  KLUDGE(KLUDGE_LOAD + KLUDGE_HDR, KLUDGE_LOAD, 0, 0x4000000 + 1, KLUDGE_LOAD) }, .code = ERANGE,
	  .msg = "multiboot load area (paddr 0x200000, memsz 0x3e00001) ends beyond guest RAM (64 MiB)" },
	{ "raw beyond RAM", { T_RAW, .len = 0x100 }, .raw_addr = 0x3ffff80, .code = ERANGE,
	  .msg = "raw image (paddr 0x3ffff80, memsz 0x100) ends beyond guest RAM (64 MiB)" },
	{ "raw in the boot area", { T_RAW, .len = 0x100 }, .raw_addr = 0x7000, .code = ERANGE,
	  .msg = "raw image (paddr 0x7000, memsz 0x100) starts below 0x10000" },
};

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	struct tbuilt b;
	struct vmm_err err = { 0 };
	struct image img;
	int ret;

	build(&c->t, &b);
	ret = image_parse(b.buf, b.len, c->raw_addr ? c->raw_addr : RAW_ADDR,
			  c->mem_size ? c->mem_size : MEM_DEFAULT, &img, &err);
	if (ret != -c->code || !strstr(err.msg, c->msg))
		fail_msg("%s: got %d \"%s\", want %d with \"%s\"", c->name, ret, err.msg, -c->code, c->msg);
	assert_int_equal(err.code, c->code);
}

/* ---- Names -------------------------------------------------------------- */

static void test_kind_names(void **state)
{
	static const struct { enum image_kind kind; const char *name; } names[] = {
		{ IMAGE_ELF64, "ELF64" }, { IMAGE_MULTIBOOT, "multiboot" }, { IMAGE_RAW, "raw" },
		{ (enum image_kind)99, "unknown" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_string_equal(image_kind_name(names[i].kind), names[i].name);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(good_cases) + ARRAY_SIZE(bad_cases) + 1];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(good_cases); i++)
		tests[n++] = (struct CMUnitTest){ good_cases[i].name, test_good, NULL, NULL,
						  (void *)&good_cases[i] };
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){ bad_cases[i].name, test_bad, NULL, NULL,
						  (void *)&bad_cases[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kind_names);
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
