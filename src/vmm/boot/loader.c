// SPDX-License-Identifier: GPL-2.0-only
/*
 * Image loaders. An image is recognised by its content: "\x7fELF" is ELF
 * (ELF64 executables boot in long mode; ELF32 only through a multiboot
 * header), a multiboot header in the first 8192 bytes makes a multiboot
 * image, anything else is a raw binary. Every check that fails says what
 * is wrong with numbers, so the user can compare with `readelf -lh`.
 */
#include "vmm/boot/loader.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/bootinfo.h"
#include "vmm/boot/multiboot.h"

#define FOUR_GIB (1ULL << 32)

/* One ELF header, class-independent. */
struct elf_info {
	unsigned int cls;	/* ELFCLASS32 or ELFCLASS64 */
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff;
	uint16_t ehsize, phentsize, phnum;
};

/* One program header, class-independent. */
struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* What the entry-point check needs to know about each loaded segment. */
struct elf_load {
	unsigned int phdr;	/* index in the program header table */
	uint64_t vaddr;
	uint32_t flags;
};

/* What an ELF class or multiboot mode allows. */
struct load_rules {
	uint64_t mem_size;
	uint64_t addr_limit;	/* segments must end at or below this */
};

const char *image_kind_name(enum image_kind kind)
{
	switch (kind) {
	case IMAGE_ELF64:
		return "ELF64";
	case IMAGE_MULTIBOOT:
		return "multiboot";
	case IMAGE_RAW:
		return "raw";
	}
	return "unknown";
}

/* "128 MiB", "1 GiB", "3000 bytes": sizes as a user would write them. */
static const char *size_str(char *buf, size_t n, uint64_t size)
{
	static const struct { uint64_t unit; const char *name; } units[] = {
		{ 1ULL << 30, "GiB" }, { 1ULL << 20, "MiB" }, { 1ULL << 10, "KiB" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (size && size % units[i].unit == 0) {
			snprintf(buf, n, "%" PRIu64 " %s", size / units[i].unit, units[i].name);
			return buf;
		}
	}
	snprintf(buf, n, "%" PRIu64 " bytes", size);
	return buf;
}

/*
 * Where a segment of memsz bytes at gpa may go: in guest RAM, above the
 * boot area, below rules->addr_limit, without wrapping. what names the
 * segment in messages ("segment 2").
 */
static int seg_check_place(const char *what, uint64_t gpa, uint64_t memsz,
			   const struct load_rules *rules, struct vmm_err *err)
{
	char sz[32];
	uint64_t end;

	if (__builtin_add_overflow(gpa, memsz, &end))
		return vmm_errf(err, ERANGE,
				"%s (paddr 0x%" PRIx64 ", memsz 0x%" PRIx64 ") wraps around the end of the address space",
				what, gpa, memsz);
	if (gpa < VMM_BOOT_AREA_END)
		return vmm_errf(err, ERANGE,
				"%s (paddr 0x%" PRIx64 ", memsz 0x%" PRIx64 ") starts below 0x%llx, inside the VMM's boot area; link the image at 1 MiB (0x100000) or above",
				what, gpa, memsz, VMM_BOOT_AREA_END);
	if (end > rules->mem_size)
		return vmm_errf(err, ERANGE,
				"%s (paddr 0x%" PRIx64 ", memsz 0x%" PRIx64 ") ends beyond guest RAM (%s); give the guest more memory",
				what, gpa, memsz, size_str(sz, sizeof(sz), rules->mem_size));
	if (end > rules->addr_limit)
		return vmm_errf(err, ERANGE,
				"%s (paddr 0x%" PRIx64 ", memsz 0x%" PRIx64 ") ends beyond 4 GiB, out of reach of a 32-bit multiboot kernel",
				what, gpa, memsz);
	return 0;
}

/* lowest/highest over all segments. */
static void image_set_bounds(struct image *img)
{
	img->lowest = UINT64_MAX;
	img->highest = 0;
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];

		if (s->gpa < img->lowest)
			img->lowest = s->gpa;
		if (s->gpa + s->memsz > img->highest)
			img->highest = s->gpa + s->memsz;
	}
}

/* ---- ELF ---------------------------------------------------------------- */

static void elf_read_info64(const uint8_t *buf, struct elf_info *eh)
{
	Elf64_Ehdr h;

	memcpy(&h, buf, sizeof(h));
	*eh = (struct elf_info){
		.cls = ELFCLASS64, .type = h.e_type, .machine = h.e_machine,
		.version = h.e_version, .entry = h.e_entry, .phoff = h.e_phoff,
		.ehsize = h.e_ehsize, .phentsize = h.e_phentsize, .phnum = h.e_phnum,
	};
}

static void elf_read_info32(const uint8_t *buf, struct elf_info *eh)
{
	Elf32_Ehdr h;

	memcpy(&h, buf, sizeof(h));
	*eh = (struct elf_info){
		.cls = ELFCLASS32, .type = h.e_type, .machine = h.e_machine,
		.version = h.e_version, .entry = h.e_entry, .phoff = h.e_phoff,
		.ehsize = h.e_ehsize, .phentsize = h.e_phentsize, .phnum = h.e_phnum,
	};
}

/* Read the ELF header of the class in e_ident, which the caller checked. */
static int elf_read_info(const uint8_t *buf, size_t len, unsigned int cls, struct elf_info *eh,
			 struct vmm_err *err)
{
	size_t need = cls == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);

	if (len < need)
		return vmm_errf(err, EINVAL, "ELF header truncated: file is %zu bytes, an ELF%u header needs %zu",
				len, cls == ELFCLASS64 ? 64 : 32, need);
	if (cls == ELFCLASS64)
		elf_read_info64(buf, eh);
	else
		elf_read_info32(buf, eh);
	return 0;
}

/* e_ident past the magic and class: byte order and version. */
static int elf_check_ident(const uint8_t *buf, struct vmm_err *err)
{
	if (buf[EI_DATA] != ELFDATA2LSB)
		return vmm_errf(err, EINVAL, "ELF data encoding %u is not little-endian (ELFDATA2LSB = %u)",
				buf[EI_DATA], ELFDATA2LSB);
	if (buf[EI_VERSION] != EV_CURRENT)
		return vmm_errf(err, EINVAL, "ELF identification version %u is not EV_CURRENT (%u)",
				buf[EI_VERSION], EV_CURRENT);
	return 0;
}

/* The fixed fields of the ELF header, for an x86 executable of eh->cls. */
static int elf_check_header(const struct elf_info *eh, struct vmm_err *err)
{
	int is64 = eh->cls == ELFCLASS64;
	uint16_t machine = is64 ? EM_X86_64 : EM_386;
	uint16_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);

	if (eh->type != ET_EXEC)
		return vmm_errf(err, EINVAL,
				"ELF type %u is not ET_EXEC (%u): vmm loads statically linked executables at their physical addresses%s",
				eh->type, ET_EXEC, eh->type == ET_DYN ? " (ET_DYN, position-independent, needs relocation)" : "");
	if (eh->machine != machine)
		return vmm_errf(err, EINVAL, "ELF machine %u is not %s (%u)", eh->machine,
				is64 ? "EM_X86_64" : "EM_386", machine);
	if (eh->version != EV_CURRENT)
		return vmm_errf(err, EINVAL, "ELF version %u is not EV_CURRENT (%u)", eh->version, EV_CURRENT);
	if (eh->ehsize != ehsize)
		return vmm_errf(err, EINVAL, "ELF header size e_ehsize %u, expected %u for ELF%u",
				eh->ehsize, ehsize, is64 ? 64 : 32);
	return 0;
}

/* The program header table lies inside the file and has the right entry size. */
static int elf_check_phdr_table(const struct elf_info *eh, size_t len, struct vmm_err *err)
{
	uint16_t phentsize = eh->cls == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t end;

	if (eh->phnum == 0)
		return vmm_errf(err, EINVAL, "ELF file has no program headers (e_phnum 0), so nothing to load");
	/* gABI: e_phnum PN_XNUM means the count is in section header 0. */
	if (eh->phnum == PN_XNUM)
		return vmm_errf(err, ENOTSUP, "ELF file uses extended program header numbering (e_phnum 0x%x); vmm supports at most 0x%x program headers",
				PN_XNUM, PN_XNUM - 1);
	if (eh->phentsize != phentsize)
		return vmm_errf(err, EINVAL, "program header entry size e_phentsize %u, expected %u",
				eh->phentsize, phentsize);
	if (__builtin_add_overflow(eh->phoff, (uint64_t)eh->phnum * phentsize, &end))
		return vmm_errf(err, EINVAL,
				"program header table (offset 0x%" PRIx64 ", %u x %u bytes) wraps around the 64-bit offset range",
				eh->phoff, phentsize, eh->phnum);
	if (end > len)
		return vmm_errf(err, EINVAL,
				"program header table (offset 0x%" PRIx64 ", %u x %u bytes) extends past end of file (%zu bytes)",
				eh->phoff, phentsize, eh->phnum, len);
	return 0;
}

static void elf_read_phdr(const uint8_t *buf, const struct elf_info *eh, unsigned int i,
			  struct elf_phdr *ph)
{
	const uint8_t *p = buf + eh->phoff + (uint64_t)i * eh->phentsize;

	if (eh->cls == ELFCLASS64) {
		Elf64_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct elf_phdr){ h.p_type, h.p_flags, h.p_offset, h.p_vaddr, h.p_paddr,
					 h.p_filesz, h.p_memsz };
	} else {
		Elf32_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct elf_phdr){ h.p_type, h.p_flags, h.p_offset, h.p_vaddr, h.p_paddr,
					 h.p_filesz, h.p_memsz };
	}
}

/* The file part of program header i lies inside the file and fits its memory part. */
static int elf_check_phdr_file(unsigned int i, const struct elf_phdr *ph, size_t len,
			       struct vmm_err *err)
{
	uint64_t end;

	if (ph->filesz > ph->memsz)
		return vmm_errf(err, EINVAL,
				"segment %u has p_filesz 0x%" PRIx64 " larger than p_memsz 0x%" PRIx64,
				i, ph->filesz, ph->memsz);
	if (__builtin_add_overflow(ph->offset, ph->filesz, &end))
		return vmm_errf(err, EINVAL,
				"segment %u (p_offset 0x%" PRIx64 ", p_filesz 0x%" PRIx64 ") wraps around the 64-bit offset range",
				i, ph->offset, ph->filesz);
	if (end > len)
		return vmm_errf(err, EINVAL,
				"segment %u (p_offset 0x%" PRIx64 ", p_filesz 0x%" PRIx64 ") extends past end of file (%zu bytes)",
				i, ph->offset, ph->filesz, len);
	return 0;
}

/* Add PT_LOAD program header i to img (ld keeps what the entry check needs). */
static int elf_add_load(const uint8_t *buf, size_t len, unsigned int i, const struct elf_phdr *ph,
			const struct load_rules *rules, struct image *img, struct elf_load *ld,
			struct vmm_err *err)
{
	char what[32];
	int ret;

	ret = elf_check_phdr_file(i, ph, len, err);
	if (ret)
		return ret;
	if (ph->memsz == 0)
		return 0;	/* nothing to load; some linkers emit these */
	snprintf(what, sizeof(what), "segment %u", i);
	ret = seg_check_place(what, ph->paddr, ph->memsz, rules, err);
	if (ret)
		return ret;
	if (img->nr_segments == IMAGE_MAX_SEGMENTS)
		return vmm_errf(err, EINVAL, "more than %u non-empty PT_LOAD segments (segment %u is one too many)",
				IMAGE_MAX_SEGMENTS, i);
	ld[img->nr_segments] = (struct elf_load){ .phdr = i, .vaddr = ph->vaddr, .flags = ph->flags };
	img->seg[img->nr_segments++] = (struct image_segment){
		.gpa = ph->paddr, .data = buf + ph->offset, .filesz = ph->filesz, .memsz = ph->memsz,
	};
	return 0;
}

/* No two loaded segments share a byte of guest memory. */
static int elf_check_overlaps(const struct image *img, const struct elf_load *ld,
			      struct vmm_err *err)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *a = &img->seg[i];

		for (unsigned int j = i + 1; j < img->nr_segments; j++) {
			const struct image_segment *b = &img->seg[j];

			if (a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz)
				return vmm_errf(err, EINVAL,
						"segments %u [0x%" PRIx64 ", 0x%" PRIx64 ") and %u [0x%" PRIx64 ", 0x%" PRIx64 ") overlap in guest memory",
						ld[i].phdr, a->gpa, a->gpa + a->memsz,
						ld[j].phdr, b->gpa, b->gpa + b->memsz);
		}
	}
	return 0;
}

/*
 * e_entry is a virtual address; it must fall in an executable loaded
 * segment, and the guest is entered at the matching physical address (as
 * GRUB does for multiboot ELF kernels). With vaddr == paddr, the usual
 * case, the two are equal.
 */
static int elf_set_entry(const struct elf_info *eh, const struct elf_load *ld, struct image *img,
			 struct vmm_err *err)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];

		if (eh->entry < ld[i].vaddr || eh->entry - ld[i].vaddr >= s->memsz)
			continue;
		if (!(ld[i].flags & PF_X))
			return vmm_errf(err, EINVAL,
					"entry point 0x%" PRIx64 " lies in segment %u, which is not executable (p_flags 0x%x)",
					eh->entry, ld[i].phdr, ld[i].flags);
		img->entry = s->gpa + (eh->entry - ld[i].vaddr);
		return 0;
	}
	return vmm_errf(err, EINVAL, "entry point 0x%" PRIx64 " is not inside any loaded PT_LOAD segment",
			eh->entry);
}

/* Walk the program headers of a checked ELF header into img. */
static int elf_load_segments(const uint8_t *buf, size_t len, const struct elf_info *eh,
			     const struct load_rules *rules, struct image *img, struct vmm_err *err)
{
	struct elf_load ld[IMAGE_MAX_SEGMENTS];
	struct elf_phdr ph;
	int ret;

	ret = elf_check_phdr_table(eh, len, err);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < eh->phnum; i++) {
		elf_read_phdr(buf, eh, i, &ph);
		if (ph.type == PT_INTERP)
			return vmm_errf(err, ENOTSUP, "segment %u is PT_INTERP: the executable is dynamically linked; link it statically",
					i);
		if (ph.type != PT_LOAD)
			continue;
		ret = elf_add_load(buf, len, i, &ph, rules, img, ld, err);
		if (ret)
			return ret;
	}
	if (img->nr_segments == 0)
		return vmm_errf(err, EINVAL, "ELF file has no PT_LOAD segment with p_memsz > 0 (%u program headers)",
				eh->phnum);
	ret = elf_check_overlaps(img, ld, err);
	if (ret)
		return ret;
	ret = elf_set_entry(eh, ld, img, err);
	if (ret)
		return ret;
	image_set_bounds(img);
	return 0;
}

/* A whole ELF executable of class cls (header, program headers, entry). */
static int elf_parse_exec(const uint8_t *buf, size_t len, unsigned int cls,
			  const struct load_rules *rules, struct image *img, struct vmm_err *err)
{
	struct elf_info eh = { 0 };
	int ret;

	ret = elf_read_info(buf, len, cls, &eh, err);
	if (ret)
		return ret;
	ret = elf_check_header(&eh, err);
	if (ret)
		return ret;
	return elf_load_segments(buf, len, &eh, rules, img, err);
}

/* ---- Multiboot ------------------------------------------------------------ */

static void mb_read_header(const uint8_t *buf, size_t len, size_t off, struct mb_header *h)
{
	size_t n = len - off < sizeof(*h) ? len - off : sizeof(*h);

	memset(h, 0, sizeof(*h));
	memcpy(h, buf + off, n);
}

static int mb_checksum_ok(const struct mb_header *h)
{
	return (uint32_t)(h->magic + h->flags + h->checksum) == 0;
}

/*
 * Find the multiboot header (spec 3.1.1: 32-bit aligned, wholly within the
 * first 8192 bytes). Returns 1 with the offset and header filled in when
 * found, 0 when the image has none. The whole file is searched so that a
 * valid header past the window is reported (by mb_check_header) rather than
 * ignored, and a header with a bad checksum inside the window is an error:
 * such images were meant to be multiboot, and booting them any other way
 * would fail obscurely.
 */
static int mb_find(const uint8_t *buf, size_t len, size_t *off, struct mb_header *h,
		   struct vmm_err *err)
{
	struct mb_header bad = { 0 };
	size_t bad_off = SIZE_MAX;

	for (size_t o = 0; len >= MB_HEADER_MIN_SIZE && o <= len - MB_HEADER_MIN_SIZE; o += MB_HEADER_ALIGN) {
		uint32_t magic;

		memcpy(&magic, buf + o, sizeof(magic));
		if (magic != MB_HEADER_MAGIC)
			continue;
		mb_read_header(buf, len, o, h);
		if (mb_checksum_ok(h)) {
			*off = o;
			return 1;
		}
		if (bad_off == SIZE_MAX && o < MB_HEADER_SEARCH) {
			bad_off = o;
			bad = *h;
		}
	}
	if (bad_off != SIZE_MAX)
		return vmm_errf(err, EINVAL,
				"multiboot header at offset 0x%zx has a bad checksum: magic 0x%x + flags 0x%x + checksum 0x%x = 0x%x, must be 0",
				bad_off, bad.magic, bad.flags, bad.checksum,
				(uint32_t)(bad.magic + bad.flags + bad.checksum));
	return 0;
}

/* Flags and size of a header found at off (spec 3.1.2). */
static int mb_check_header(const struct mb_header *h, size_t off, size_t len, struct vmm_err *err)
{
	uint32_t unsupported = h->flags & MB_FLAGS_REQUIRED_MASK & ~MB_FLAGS_HONOURED;
	size_t need = h->flags & MB_FLAG_AOUT_KLUDGE ? MB_HEADER_ADDR_SIZE : MB_HEADER_MIN_SIZE;

	if (off + need > MB_HEADER_SEARCH)
		return vmm_errf(err, EINVAL,
				"multiboot header at offset 0x%zx (%zu bytes) is not within the first %u bytes of the image",
				off, need, MB_HEADER_SEARCH);
	if (h->flags & MB_FLAG_VIDEO_MODE)
		return vmm_errf(err, ENOTSUP,
				"multiboot header flags 0x%x request a video mode (bit 2); vmm has no display, clear that flag",
				h->flags);
	if (unsupported)
		return vmm_errf(err, ENOTSUP,
				"multiboot header flags 0x%x require features vmm does not provide (bits 0x%x; only bits 0 and 1 of 0-15 are supported)",
				h->flags, unsupported);
	if (off + need > len)
		return vmm_errf(err, EINVAL,
				"multiboot header at offset 0x%zx (%zu bytes) extends past end of file (%zu bytes)",
				off, need, len);
	return 0;
}

/* Size in the file and in memory of an a.out-kludge image (spec 3.1.3). */
static int mb_kludge_sizes(const struct mb_header *h, size_t off, size_t len, uint64_t *file_off,
			   uint64_t *filesz, uint64_t *memsz, struct vmm_err *err)
{
	uint64_t hdr_delta = (uint64_t)h->header_addr - h->load_addr;

	if (h->header_addr < h->load_addr)
		return vmm_errf(err, EINVAL,
				"multiboot header_addr 0x%x is below load_addr 0x%x: the header must lie in the loaded text",
				h->header_addr, h->load_addr);
	if (hdr_delta > off)
		return vmm_errf(err, EINVAL,
				"multiboot header at offset 0x%zx says header_addr 0x%x, load_addr 0x%x: the text would start 0x%" PRIx64 " bytes before the file",
				off, h->header_addr, h->load_addr, hdr_delta - off);
	if (h->load_end_addr && h->load_end_addr <= h->load_addr)
		return vmm_errf(err, EINVAL, "multiboot load_end_addr 0x%x is not above load_addr 0x%x",
				h->load_end_addr, h->load_addr);
	/* load_end_addr 0: the text and data run to the end of the file. */
	*file_off = off - hdr_delta;
	*filesz = h->load_end_addr ? (uint64_t)h->load_end_addr - h->load_addr : len - *file_off;
	if (*filesz > len - *file_off)
		return vmm_errf(err, EINVAL,
				"multiboot load_end_addr 0x%x asks for 0x%" PRIx64 " bytes from file offset 0x%" PRIx64 ", but the file has only 0x%" PRIx64 " there",
				h->load_end_addr, *filesz, *file_off, len - *file_off);
	*memsz = *filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + *filesz)
			return vmm_errf(err, EINVAL, "multiboot bss_end_addr 0x%x is below the end of the loaded data 0x%" PRIx64,
					h->bss_end_addr, h->load_addr + *filesz);
		*memsz = (uint64_t)h->bss_end_addr - h->load_addr;
	}
	return 0;
}

/* An image whose multiboot header carries the load addresses (flags bit 16). */
static int mb_parse_kludge(const uint8_t *buf, size_t len, size_t off, const struct mb_header *h,
			   const struct load_rules *rules, struct image *img, struct vmm_err *err)
{
	uint64_t file_off = 0, filesz = 0, memsz = 0;
	int ret;

	ret = mb_kludge_sizes(h, off, len, &file_off, &filesz, &memsz, err);
	if (ret)
		return ret;
	ret = seg_check_place("multiboot load area", h->load_addr, memsz, rules, err);
	if (ret)
		return ret;
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= filesz)
		return vmm_errf(err, EINVAL,
				"multiboot entry_addr 0x%x is outside the loaded text and data [0x%x, 0x%" PRIx64 ")",
				h->entry_addr, h->load_addr, h->load_addr + filesz);
	img->seg[0] = (struct image_segment){
		.gpa = h->load_addr, .data = buf + file_off, .filesz = filesz, .memsz = memsz,
	};
	img->nr_segments = 1;
	img->entry = h->entry_addr;
	image_set_bounds(img);
	return 0;
}

/* A multiboot image with its header at off: a.out kludge or ELF32. */
static int mb_parse(const uint8_t *buf, size_t len, size_t off, const struct mb_header *h,
		    uint64_t mem_size, struct image *img, struct vmm_err *err)
{
	const struct load_rules rules = { .mem_size = mem_size, .addr_limit = FOUR_GIB };
	int is_elf = len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
	int ret;

	ret = mb_check_header(h, off, len, err);
	if (ret)
		return ret;
	img->kind = IMAGE_MULTIBOOT;
	img->mb_flags = h->flags;
	/* Spec 3.1.3: with bit 16 the address fields win over any ELF header. */
	if (h->flags & MB_FLAG_AOUT_KLUDGE)
		return mb_parse_kludge(buf, len, off, h, &rules, img, err);
	if (!is_elf)
		return vmm_errf(err, EINVAL,
				"multiboot header at offset 0x%zx has no address fields (flags 0x%x lacks bit 16) and the image is not ELF, so its load address is unknown",
				off, h->flags);
	return elf_parse_exec(buf, len, ELFCLASS32, &rules, img, err);
}

/* ---- Top level ------------------------------------------------------------- */

static int elf_parse(const uint8_t *buf, size_t len, uint64_t mem_size, struct image *img,
		     struct vmm_err *err)
{
	const struct load_rules rules64 = { .mem_size = mem_size, .addr_limit = UINT64_MAX };
	struct mb_header h;
	size_t off;
	int ret;

	if (len < EI_NIDENT)
		return vmm_errf(err, EINVAL, "ELF identification truncated: file is %zu bytes, e_ident needs %u",
				len, EI_NIDENT);
	if (buf[EI_CLASS] != ELFCLASS64 && buf[EI_CLASS] != ELFCLASS32)
		return vmm_errf(err, EINVAL, "ELF class %u is neither ELFCLASS32 (1) nor ELFCLASS64 (2)",
				buf[EI_CLASS]);
	ret = elf_check_ident(buf, err);
	if (ret)
		return ret;
	if (buf[EI_CLASS] == ELFCLASS64) {
		img->kind = IMAGE_ELF64;
		return elf_parse_exec(buf, len, ELFCLASS64, &rules64, img, err);
	}
	ret = mb_find(buf, len, &off, &h, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return vmm_errf(err, EINVAL,
				"ELF32 image without a multiboot header: 32-bit kernels boot through multiboot (a header in the first %u bytes), 64-bit ones as ELF64",
				MB_HEADER_SEARCH);
	return mb_parse(buf, len, off, &h, mem_size, img, err);
}

static int raw_parse(const uint8_t *buf, size_t len, uint64_t load_addr, uint64_t mem_size,
		     struct image *img, struct vmm_err *err)
{
	const struct load_rules rules = { .mem_size = mem_size, .addr_limit = UINT64_MAX };
	int ret;

	ret = seg_check_place("raw image", load_addr, len, &rules, err);
	if (ret)
		return ret;
	img->kind = IMAGE_RAW;
	img->seg[0] = (struct image_segment){ .gpa = load_addr, .data = buf, .filesz = len, .memsz = len };
	img->nr_segments = 1;
	img->entry = load_addr;
	image_set_bounds(img);
	return 0;
}

int image_parse(const uint8_t *buf, size_t len, uint64_t raw_load_addr, uint64_t mem_size,
		struct image *img, struct vmm_err *err)
{
	struct mb_header h;
	size_t off;
	int ret;

	memset(img, 0, sizeof(*img));
	if (len == 0)
		return vmm_errf(err, EINVAL, "image is empty (0 bytes)");
	/* Anything that starts like ELF is judged as ELF, never as raw. */
	if (len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0)
		return elf_parse(buf, len, mem_size, img, err);
	ret = mb_find(buf, len, &off, &h, err);
	if (ret < 0)
		return ret;
	if (ret == 1)
		return mb_parse(buf, len, off, &h, mem_size, img, err);
	return raw_parse(buf, len, raw_load_addr, mem_size, img, err);
}

int image_header_range(const uint8_t *head, size_t head_len, uint64_t file_size, uint64_t *off,
		       uint64_t *len)
{
	Elf64_Ehdr h;
	uint64_t end;

	*off = 0;
	*len = file_size;
	if (head_len < sizeof(h) || memcmp(head, ELFMAG, SELFMAG) || head[EI_CLASS] != ELFCLASS64)
		return 0;	/* raw, multiboot or ELF32: image_parse() reads the whole file */
	memcpy(&h, head, sizeof(h));
	/* The program header table; where it lies outside the file, image_parse() says so. */
	if (__builtin_add_overflow(h.e_phoff, (uint64_t)h.e_phnum * h.e_phentsize, &end) || end > file_size)
		end = file_size;
	*off = h.e_phoff < end ? h.e_phoff : end;
	*len = end - *off;
	return 1;
}

