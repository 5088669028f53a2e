/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading whole input files (images, modules) with size limits. */
#ifndef VMM_VMM_FILE_H
#define VMM_VMM_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct file_buf {
	uint8_t *data;
	size_t len;
};

/* Read path into f; a file larger than max bytes or not a regular file is an error. */
int file_read(const char *path, uint64_t max, struct file_buf *f, struct vmm_err *err);
void file_free(struct file_buf *f);

#endif
