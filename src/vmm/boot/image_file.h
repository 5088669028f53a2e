/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading an image file for the loader: the headers first, sizes checked
 * against guest RAM, then only the bytes that are loaded.
 */
#ifndef VMM_VMM_IMAGE_FILE_H
#define VMM_VMM_IMAGE_FILE_H

#include <stdint.h>

#include "common/err.h"
#include "common/file.h"
#include "vmm/boot/loader.h"

/*
 * Parse the image at path (image_parse() with raw_load_addr and mem_size)
 * into img, whose segments point into f (file_free() it after img). An
 * ELF64 file is read as its header, its program header table and its
 * PT_LOAD file bytes, nothing else, and only once the headers passed every
 * check; any other image is loaded from the whole file, which must then fit
 * in guest RAM. Errors name path; err->input is set for a malformed image.
 */
int image_file_load(const char *path, uint64_t raw_load_addr, uint64_t mem_size, struct file_buf *f,
		    struct image *img, struct vmm_err *err);

#endif
