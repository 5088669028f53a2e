// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

int file_create_output(const char *path, struct vmm_err *err)
{
	/* O_NOFOLLOW: a symbolic link planted at path must not make vmm truncate its target. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0 && errno == ELOOP)
		return vmm_errf(err, ELOOP, "%s is a symbolic link: vmm does not write through one "
				"(give the path of the file itself)", path);
	if (fd < 0)
		return vmm_errf(err, errno, "%s: %s", path, strerror(errno));
	return fd;
}

/* path's folder, for a temporary file beside it ("." for a bare name). */
static void file_dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int file_write_atomic(const char *path, int (*write_fn)(FILE *f, void *ctx), void *ctx,
		      struct vmm_err *err)
{
	char dir[4096], tmp[4200];
	struct stat st;
	FILE *f;
	int fd, r;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return vmm_errf(err, ELOOP, "%s is a symbolic link: vmm does not write through one "
				"(give the path of the file itself)", path);
	if (strlen(path) >= sizeof(dir))
		return vmm_errf(err, ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
	/* The whole file appears at once, or not at all: written beside it, then renamed over it. */
	file_dir_of(path, dir, sizeof(dir));
	snprintf(tmp, sizeof(tmp), "%s/.vmm-XXXXXX", dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return vmm_errf(err, errno, "%s: cannot create a temporary file in %s: %s", path, dir,
				strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		r = vmm_errf(err, errno, "%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	r = write_fn(f, ctx);
	if (r < 0)
		vmm_errf(err, -r, "%s: %s", path, strerror(-r));
	else if (fflush(f) != 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		r = vmm_errf(err, errno, "%s: %s", path, strerror(errno));
	if (fclose(f) != 0 && r >= 0)
		r = vmm_errf(err, errno, "%s: %s", path, strerror(errno));
	if (r >= 0 && rename(tmp, path) < 0)
		r = vmm_errf(err, errno, "%s: %s", path, strerror(errno));
	if (r >= 0)
		return 0;
fail:
	unlink(tmp);
	return r;
}
