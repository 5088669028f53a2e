/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading whole input files (images, modules) with size limits; creating output files carefully. */
#ifndef VMM_VMM_FILE_H
#define VMM_VMM_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

struct file_buf {
	uint8_t *data;
	size_t len;
};

/*
 * Read path into f; a file larger than max bytes or not a regular file (a
 * FIFO, a device: refused without blocking) is an error. A file whose size
 * stat does not know (/proc) is read to its end.
 */
int file_read(const char *path, uint64_t max, struct file_buf *f, struct vmm_err *err);
void file_free(struct file_buf *f);

/*
 * Create or truncate path for writing and return its fd; a symbolic link at
 * path is refused (-ELOOP, O_NOFOLLOW) rather than followed.
 */
int file_create_output(const char *path, struct vmm_err *err);

/*
 * Write path whole with write_fn (0 or -errno): into a temporary file in
 * the same folder, then renamed over path, so path is either the old file
 * or the complete new one. A symbolic link at path is refused (-ELOOP).
 */
int file_write_atomic(const char *path, int (*write_fn)(FILE *f, void *ctx), void *ctx,
		      struct vmm_err *err);

#endif
