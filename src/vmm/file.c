// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_read_fd(int fd, const char *path, struct file_buf *f, struct vmm_err *err)
{
	size_t off = 0;

	while (off < f->len) {
		ssize_t n = read(fd, f->data + off, f->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmm_errf(err, errno, "%s: read failed: %s", path, strerror(errno));
		if (n == 0)
			return vmm_errf(err, EIO, "%s: file shrank while being read", path);
		off += (size_t)n;
	}
	return 0;
}

int file_read(const char *path, uint64_t max, struct file_buf *f, struct vmm_err *err)
{
	struct stat st;
	int fd, r;

	f->data = NULL;
	f->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmm_errf(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = vmm_errf(err, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = vmm_errf(err, EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = vmm_errf(err, EFBIG, "%s: %lld bytes is larger than guest RAM (%llu bytes)", path,
			     (long long)st.st_size, (unsigned long long)max);
		goto out;
	}
	f->len = (size_t)st.st_size;
	f->data = malloc(f->len ? f->len : 1);
	if (!f->data) {
		r = vmm_errf(err, ENOMEM, "%s: out of memory", path);
		goto out;
	}
	r = file_read_fd(fd, path, f, err);
	if (r < 0)
		file_free(f);
out:
	close(fd);
	return r;
}

void file_free(struct file_buf *f)
{
	free(f->data);
	f->data = NULL;
	f->len = 0;
}
