// SPDX-License-Identifier: GPL-2.0-only
/*
 * Malformed images never crash the loader or the boot preparation: valid
 * ELF64, multiboot ELF32 and a.out-kludge images are mutated many times
 * (deterministically: a fixed-seed generator) and each mutant is parsed and,
 * if accepted, loaded into guest memory. Every outcome must be success or an
 * error with a message; the sanitizer build of the unit tests checks that no
 * access strays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/boot/boot.h"
#include "vmm/bootinfo.h"
#include "vmm/boot/loader.h"

#define MEM_SIZE	(16u << 20)
#define IMG_SIZE	1024
#define ROUNDS		20000

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

/* ELF64, one PT_LOAD of 256 bytes at 1 MiB, entry inside it. */
static size_t make_elf64(uint8_t *b)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(*eh));

	memset(b, 0x90, IMG_SIZE);
	memset(eh, 0, sizeof(*eh) + sizeof(*ph));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x100000;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = 512;
	ph->p_vaddr = ph->p_paddr = 0x100000;
	ph->p_filesz = 256;
	ph->p_memsz = 4096;
	return IMG_SIZE;
}

/* The a.out kludge: a multiboot header with address fields, in a non-ELF file. */
static size_t make_aout(uint8_t *b)
{
	uint32_t h[8] = { 0x1BADB002, 1u << 16 | 3, 0, 0x100000, 0x100000, 0, 0x102000, 0x100020 };

	memset(b, 0x90, IMG_SIZE);
	h[2] = -(h[0] + h[1]);
	memcpy(b, h, sizeof(h));
	return IMG_SIZE;
}

/* A multiboot header inside an ELF32 image. */
static size_t make_mb_elf32(uint8_t *b)
{
	Elf32_Ehdr *eh = (Elf32_Ehdr *)b;
	Elf32_Phdr *ph = (Elf32_Phdr *)(b + sizeof(*eh));
	uint32_t h[3] = { 0x1BADB002, 3, 0 };

	memset(b, 0x90, IMG_SIZE);
	memset(eh, 0, sizeof(*eh) + sizeof(*ph));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x100000;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = 512;
	ph->p_vaddr = ph->p_paddr = 0x100000;
	ph->p_filesz = 256;
	ph->p_memsz = 256;
	h[2] = -(h[0] + h[1]);
	memcpy(b + 128, h, sizeof(h));
	return IMG_SIZE;
}

static void mutate_and_load(size_t (*make)(uint8_t *), uint64_t seed)
{
	static const uint8_t initrd[] = "module";
	uint8_t *mem = calloc(1, MEM_SIZE), *img = malloc(IMG_SIZE), orig[IMG_SIZE];
	size_t len = make(orig);
	unsigned int accepted = 0;

	rng_state = seed;
	assert_non_null(mem);
	for (unsigned int round = 0; round < ROUNDS; round++) {
		struct boot_params bp = { .nr_cpus = 1, .cmdline = "x", .initrd = initrd,
					  .initrd_len = sizeof(initrd), .initrd_name = "m" };
		struct vmm_err err = { 0 };
		struct kvm_sregs sregs = { 0 };
		struct kvm_regs regs;
		struct image im;
		size_t n = len - (rng() % 4 == 0 ? rng() % len : 0);	/* sometimes truncated */
		int r;

		memcpy(img, orig, len);
		for (unsigned int k = 1 + rng() % 6; k; k--) {
			size_t at = rng() % 160;	/* the headers */

			img[at] = rng() % 3 ? (uint8_t)rng() : (uint8_t)(img[at] ^ (1u << (rng() % 8)));
		}
		r = image_parse(img, n, 0x100000, MEM_SIZE, &im, &err);
		if (r) {
			assert_true(r < 0);
			assert_true(err.msg[0] != '\0');
			continue;
		}
		accepted++;
		if (im.kind != IMAGE_MULTIBOOT) {
			bp.initrd = NULL;
			bp.initrd_len = 0;
		}
		r = boot_prepare(mem, MEM_SIZE, &im, &bp, &regs, &sregs, &err);
		assert_true(r == 0 || (r < 0 && err.msg[0]));
	}
	print_message("# %u of %u mutants accepted\n", accepted, ROUNDS);
	free(mem);
	free(img);
}

static void test_mutated_elf64(void **state) { (void)state; mutate_and_load(make_elf64, 1); }
static void test_mutated_aout(void **state) { (void)state; mutate_and_load(make_aout, 2); }
static void test_mutated_mb_elf32(void **state) { (void)state; mutate_and_load(make_mb_elf32, 3); }

/* The unmutated images load: the mutations start from good input. */
static void test_originals_load(void **state)
{
	size_t (*const makers[])(uint8_t *) = { make_elf64, make_aout, make_mb_elf32 };
	static const enum image_kind kinds[] = { IMAGE_ELF64, IMAGE_MULTIBOOT, IMAGE_MULTIBOOT };
	uint8_t img[IMG_SIZE];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct vmm_err err = { 0 };
		struct image im;
		size_t n = makers[i](img);

		if (image_parse(img, n, 0x100000, MEM_SIZE, &im, &err))
			fail_msg("image %zu: %s", i, err.msg);
		assert_int_equal(im.kind, kinds[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_originals_load),
		cmocka_unit_test(test_mutated_elf64),
		cmocka_unit_test(test_mutated_aout),
		cmocka_unit_test(test_mutated_mb_elf32),
	};

	return cmocka_run_group_tests_name("mutate", tests, NULL, NULL);
}
