/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Image loaders: recognise an image by its content and describe what to put
 * where in guest memory. Pure code over a byte buffer: no file descriptors,
 * no guest memory. boot.h turns a parsed image into guest memory and vCPU
 * register state.
 */
#ifndef VMM_VMM_LOADER_H
#define VMM_VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define IMAGE_MAX_SEGMENTS 16

enum image_kind {
	IMAGE_ELF64,		/* ELF64 executable, entered in 64-bit long mode */
	IMAGE_MULTIBOOT,	/* Multiboot v1 (ELF32 or a.out kludge), 32-bit protected mode */
	IMAGE_RAW,		/* flat binary at a load address, entered like ELF64 */
};

struct image_segment {
	uint64_t gpa;		/* guest-physical load address */
	const uint8_t *data;	/* points into the image buffer */
	uint64_t filesz;	/* bytes copied from data */
	uint64_t memsz;		/* >= filesz; the rest is zeroed */
};

struct image {
	enum image_kind kind;
	uint64_t entry;		/* guest-physical entry point */
	unsigned int nr_segments;
	struct image_segment seg[IMAGE_MAX_SEGMENTS];
	uint64_t lowest;	/* lowest and one past the highest loaded byte */
	uint64_t highest;
	uint32_t mb_flags;	/* multiboot header flags (IMAGE_MULTIBOOT only) */
};

const char *image_kind_name(enum image_kind kind);

/*
 * Parse an image. raw_load_addr is where a raw binary goes (ELF and multiboot
 * images say where they go). mem_size is the guest RAM size: every segment
 * must lie in [VMM_BOOT_AREA_END, mem_size) (and below 4 GiB for multiboot).
 * img->seg[].data points into buf, which must outlive img.
 *
 * Recognition: "\x7fELF" is ELF (ELFCLASS64 -> IMAGE_ELF64; ELFCLASS32 only
 * with a multiboot header); otherwise a multiboot header in the first 8192
 * bytes makes IMAGE_MULTIBOOT; anything else is IMAGE_RAW.
 *
 * Errors, each with a message naming the field and its value:
 *   -EINVAL   malformed image (truncated, bad header field, overlapping
 *             segments, entry point outside the loaded executable code, ...)
 *   -ERANGE   a segment outside guest RAM, inside the boot area, beyond
 *             4 GiB (multiboot) or wrapping around the address space
 *   -ENOTSUP  a well-formed request vmm does not provide (multiboot video
 *             mode or other required flag bits, PT_INTERP, PN_XNUM)
 */
int image_parse(const uint8_t *buf, size_t len, uint64_t raw_load_addr, uint64_t mem_size,
		struct image *img, struct vmm_err *err);

/*
 * Which bytes of an image file image_parse() reads besides its first
 * IMAGE_HEAD_SIZE bytes (head, head_len = min(file size, IMAGE_HEAD_SIZE)),
 * so a caller can read a file's headers, parse, and then read only the
 * loaded segments. For an ELF64 file: the program header table, clipped to
 * the file ([*off, *off + *len)); returns 1. For anything else (raw,
 * multiboot, ELF32, which are searched and loaded whole): the whole file;
 * returns 0.
 */
#define IMAGE_HEAD_SIZE 64
int image_header_range(const uint8_t *head, size_t head_len, uint64_t file_size, uint64_t *off,
		       uint64_t *len);

#endif
