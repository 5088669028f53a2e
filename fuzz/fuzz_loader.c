// SPDX-License-Identifier: GPL-2.0-only
/*
 * Image loaders (src/vmm/boot/loader.c: ELF64, multiboot ELF32 and a.out kludge,
 * raw) and the boot preparation that copies a parsed image into guest memory
 * (src/vmm/boot/boot.c). The input is the image. A parsed image must describe
 * segments inside guest RAM, above the boot area, not overlapping, with their
 * data inside the input and the entry point in a segment. Loading it into a
 * small guest memory (with guard areas on both sides, all filled with a
 * pattern) must write only the boot area, the segments and the module, and
 * put exactly the image's bytes there. For ELF64, image_parse() must read only
 * what image_header_range() names.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "vmm/boot/boot.h"
#include "vmm/bootinfo.h"
#include "vmm/boot/loader.h"

#define MEM_SIZE	(2ULL << 20)		/* guest RAM: 2 MiB */
#define GUARD		(64ULL << 10)		/* pattern before and after it */
#define RAW_LOAD_ADDR	0x100000ULL
#define PATTERN		0xa5
#define PAGE		4096ULL

static const uint8_t module[100] = "a multiboot module";

static uint8_t *arena;	/* GUARD + MEM_SIZE + GUARD, kept across runs */

/* Where an accepted image may write, as [start, end) ranges of guest memory. */
struct range {
	uint64_t start, end;
};

static void check_image(const struct image *img, const uint8_t *buf, size_t len)
{
	bool entry_in = false;

	FUZZ_CHECK(img->kind == IMAGE_ELF64 || img->kind == IMAGE_MULTIBOOT || img->kind == IMAGE_RAW,
		   "kind %d", img->kind);
	FUZZ_CHECK(img->nr_segments >= 1 && img->nr_segments <= IMAGE_MAX_SEGMENTS, "%u segments",
		   img->nr_segments);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];

		FUZZ_CHECK(s->filesz <= s->memsz, "segment %u: filesz 0x%llx > memsz 0x%llx", i,
			   (unsigned long long)s->filesz, (unsigned long long)s->memsz);
		FUZZ_CHECK(s->gpa >= VMM_BOOT_AREA_END && s->gpa <= MEM_SIZE &&
			   s->memsz <= MEM_SIZE - s->gpa, "segment %u at 0x%llx+0x%llx outside RAM", i,
			   (unsigned long long)s->gpa, (unsigned long long)s->memsz);
		FUZZ_CHECK(!s->filesz || (s->data >= buf && s->data <= buf + len &&
					  s->filesz <= (uint64_t)(buf + len - s->data)),
			   "segment %u: data outside the image", i);
		FUZZ_CHECK(img->lowest <= s->gpa && s->gpa + s->memsz <= img->highest,
			   "segment %u outside [lowest, highest)", i);
		for (unsigned int j = 0; j < i; j++) {
			const struct image_segment *t = &img->seg[j];

			FUZZ_CHECK(!s->memsz || !t->memsz || s->gpa >= t->gpa + t->memsz ||
				   t->gpa >= s->gpa + s->memsz, "segments %u and %u overlap", j, i);
		}
		if (img->entry >= s->gpa && img->entry - s->gpa < s->memsz)
			entry_in = true;
	}
	FUZZ_CHECK(entry_in, "entry 0x%llx is in no segment", (unsigned long long)img->entry);
	if (img->kind == IMAGE_MULTIBOOT)
		FUZZ_CHECK(img->highest <= 1ULL << 32, "multiboot image above 4 GiB");
}

static uint8_t pattern[GUARD];

/* Every byte of [start, end) still holds the pattern. */
static bool untouched(const uint8_t *p, uint64_t start, uint64_t end)
{
	while (start < end) {
		uint64_t n = end - start < GUARD ? end - start : GUARD;

		if (memcmp(p + start, pattern, n))
			return false;
		start += n;
	}
	return true;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Everything in guest RAM outside the n ranges w (sorted here) still holds the pattern. */
static void check_only_written(const uint8_t *mem, struct range *w, unsigned int n)
{
	uint64_t at = 0;

	qsort(w, n, sizeof(*w), range_cmp);
	for (unsigned int i = 0; i < n; i++) {
		if (w[i].start > at)
			FUZZ_CHECK(untouched(mem, at, w[i].start),
				   "boot_prepare wrote in [0x%llx, 0x%llx), outside the boot area, "
				   "segments and module", (unsigned long long)at,
				   (unsigned long long)w[i].start);
		if (w[i].end > at)
			at = w[i].end;
	}
	FUZZ_CHECK(untouched(mem, at, MEM_SIZE), "boot_prepare wrote above 0x%llx",
		   (unsigned long long)at);
}

static void check_boot(const struct image *img, bool with_module)
{
	uint8_t *mem = arena + GUARD;
	struct range w[IMAGE_MAX_SEGMENTS + 2];
	struct boot_params p = {
		.nr_cpus = 1, .cmdline = "console=ttyS0 fuzz", .pmu_mode = VMM_PMU_MODE_OFF,
	};
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct vmm_err err = { 0 };
	unsigned int n = 0;
	uint64_t mod_addr = 0;
	int r;

	if (with_module) {
		p.initrd = module;
		p.initrd_len = sizeof(module);
		p.initrd_name = "module";
	}
	memset(arena, PATTERN, GUARD + MEM_SIZE + GUARD);
	memset(&sregs, 0, sizeof(sregs));
	r = boot_prepare(mem, MEM_SIZE, img, &p, &regs, &sregs, &err);
	if (r) {
		FUZZ_CHECK(err.code == -r && err.msg[0], "boot_prepare %d without a message", r);
		FUZZ_CHECK(untouched(arena, 0, GUARD + MEM_SIZE + GUARD),
			   "a failed boot_prepare wrote to memory");
		return;
	}
	w[n++] = (struct range){ 0, VMM_BOOT_AREA_END };
	for (unsigned int i = 0; i < img->nr_segments; i++)
		w[n++] = (struct range){ img->seg[i].gpa, img->seg[i].gpa + img->seg[i].memsz };
	if (with_module) {
		uint64_t above = img->highest > VMM_BOOT_AREA_END ? img->highest : VMM_BOOT_AREA_END;

		mod_addr = (above + PAGE - 1) & ~(PAGE - 1);
		FUZZ_CHECK(img->kind == IMAGE_MULTIBOOT, "a module accepted for a %s image",
			   image_kind_name(img->kind));
		FUZZ_CHECK(mod_addr + sizeof(module) <= MEM_SIZE, "module beyond RAM");
		FUZZ_CHECK(!memcmp(mem + mod_addr, module, sizeof(module)), "module not at 0x%llx",
			   (unsigned long long)mod_addr);
		w[n++] = (struct range){ mod_addr, mod_addr + sizeof(module) };
	}
	FUZZ_CHECK(untouched(arena, 0, GUARD) && untouched(arena, GUARD + MEM_SIZE, GUARD + MEM_SIZE + GUARD),
		   "boot_prepare wrote outside guest RAM");
	check_only_written(mem, w, n);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];

		FUZZ_CHECK(!s->filesz || !memcmp(mem + s->gpa, s->data, s->filesz),
			   "segment %u not copied", i);
		for (uint64_t k = s->filesz; k < s->memsz; k++)
			FUZZ_CHECK(mem[s->gpa + k] == 0, "segment %u: bss byte 0x%llx not zero", i,
				   (unsigned long long)k);
	}
	FUZZ_CHECK(regs.rip == img->entry, "rip 0x%llx, entry 0x%llx", (unsigned long long)regs.rip,
		   (unsigned long long)img->entry);
}

/*
 * image_header_range(): the range lies in the file, and image_parse() of an
 * ELF64 file reads nothing but the first IMAGE_HEAD_SIZE bytes and that
 * range, so with every other byte changed it gives the same image.
 */
static void check_header_range(const uint8_t *buf, size_t len, int r, const struct image *img)
{
	uint64_t off, n;
	int elf64 = image_header_range(buf, len < IMAGE_HEAD_SIZE ? len : IMAGE_HEAD_SIZE, len, &off, &n);
	struct vmm_err err = { 0 };
	struct image other;
	uint8_t *copy;
	int r2;

	FUZZ_CHECK(off <= len && n <= len - off, "header range 0x%llx+0x%llx of a %zu-byte file",
		   (unsigned long long)off, (unsigned long long)n, len);
	FUZZ_CHECK(elf64 == 1 || (elf64 == 0 && off == 0 && n == len), "non-ELF64 range 0x%llx+0x%llx",
		   (unsigned long long)off, (unsigned long long)n);
	FUZZ_CHECK(elf64 == 0 || r || img->kind == IMAGE_ELF64, "an ELF64 range for a %s image",
		   image_kind_name(img->kind));
	if (!elf64)
		return;
	copy = malloc(len);
	FUZZ_CHECK(copy, "out of memory");
	for (size_t i = 0; i < len; i++)
		copy[i] = i < IMAGE_HEAD_SIZE || (i >= off && i - off < n) ? buf[i] : (uint8_t)~buf[i];
	r2 = image_parse(copy, len, RAW_LOAD_ADDR, MEM_SIZE, &other, &err);
	FUZZ_CHECK(r2 == r, "image_parse read outside the header range: %d, then %d (%s)", r, r2, err.msg);
	if (!r) {
		FUZZ_CHECK(other.kind == img->kind && other.entry == img->entry &&
			   other.nr_segments == img->nr_segments, "a different image from the header range");
		for (unsigned int i = 0; i < img->nr_segments; i++)
			FUZZ_CHECK(other.seg[i].gpa == img->seg[i].gpa && other.seg[i].filesz == img->seg[i].filesz &&
				   other.seg[i].memsz == img->seg[i].memsz &&
				   other.seg[i].data - copy == img->seg[i].data - buf,
				   "segment %u differs when only the header range is the file's", i);
	}
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	arena = malloc(GUARD + MEM_SIZE + GUARD);
	FUZZ_CHECK(arena, "out of memory");
	memset(pattern, PATTERN, sizeof(pattern));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so reading past the image is an ASan report. */
	uint8_t *buf = malloc(size ? size : 1);
	struct vmm_err err = { 0 };
	struct image img;
	int r;

	FUZZ_CHECK(buf, "out of memory");
	memcpy(buf, data, size);
	r = image_parse(buf, size, RAW_LOAD_ADDR, MEM_SIZE, &img, &err);
	if (r) {
		FUZZ_CHECK((r == -EINVAL || r == -ERANGE || r == -ENOTSUP) && err.code == -r,
			   "image_parse returned %d, error code %d", r, err.code);
		FUZZ_CHECK(err.msg[0], "image_parse error %d without a message", r);
	} else {
		check_image(&img, buf, size);
		check_boot(&img, false);
		if (img.kind == IMAGE_MULTIBOOT || (size & 1))
			check_boot(&img, true);
	}
	check_header_range(buf, size, r, &img);
	free(buf);
	return 0;
}
