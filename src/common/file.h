/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading whole input files (images, modules) with size limits; creating output files carefully. */
#ifndef VMM_VMM_FILE_H
#define VMM_VMM_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

struct file_buf {
	uint8_t *data;
	size_t len;
	bool mapped;	/* data is an anonymous mapping of len bytes (file_free() unmaps it) */
};

/*
 * Read path into f; a file larger than max bytes (the message says "%s:
 * N bytes is more than max bytes, <limit>", limit naming it: "the size of
 * guest RAM") or not a regular file (a
 * FIFO, a device: refused without blocking) is an error. A file whose size
 * stat does not know (/proc) is read to its end.
 */
int file_read(const char *path, uint64_t max, const char *limit, struct file_buf *f, struct vmm_err *err);
void file_free(struct file_buf *f);

struct stat;
/* Open path for reading: refused without blocking unless it is a regular file; fstat in *st. */
int file_open_regular(const char *path, struct stat *st, struct vmm_err *err);
/* Read fd to its end into f (at most max bytes): for files whose st_size is 0 (/proc). */
int file_read_unsized(int fd, const char *path, uint64_t max, const char *limit, struct file_buf *f,
		      struct vmm_err *err);
/* Read exactly len bytes at offset off of fd into dst. */
int file_pread(int fd, const char *path, uint8_t *dst, uint64_t len, uint64_t off, struct vmm_err *err);

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
