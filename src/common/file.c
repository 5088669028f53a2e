// SPDX-License-Identifier: GPL-2.0-only
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A file whose size stat cannot tell (st_size 0, as for /proc and sysfs
 * files): read to the end, at most max bytes.
 */
int file_read_unsized(int fd, const char *path, uint64_t max, const char *limit, struct file_buf *f,
		      struct vmm_err *err)
{
	size_t cap = 0;

	for (;;) {
		ssize_t n;

		if (f->len == cap) {
			size_t more = cap ? cap * 2 : 4096;
			uint8_t *p;

			if (cap > max)
				return vmm_errf(err, EFBIG, "%s: more than %llu bytes, %s", path,
						(unsigned long long)max, limit);
			p = realloc(f->data, more);
			if (!p)
				return vmm_errf(err, ENOMEM, "%s: out of memory", path);
			f->data = p;
			cap = more;
		}
		n = read(fd, f->data + f->len, cap - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmm_errf(err, errno, "%s: read failed: %s", path, strerror(errno));
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	if (f->len > max)
		return vmm_errf(err, EFBIG, "%s: %zu bytes is more than %llu bytes, %s", path, f->len,
				(unsigned long long)max, limit);
	return 0;
}

/*
 * Open path for reading without blocking: a FIFO or a device could block in
 * open() itself, so open with O_NONBLOCK, refuse anything but a regular
 * file, then make reads blocking again.
 */
int file_open_regular(const char *path, struct stat *st, struct vmm_err *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	int flags;

	if (fd < 0)
		return vmm_errf(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, st) < 0) {
		vmm_errf(err, errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		vmm_errf(err, EINVAL, "%s: not a regular file (%s); give a file's path", path,
			 S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISDIR(st->st_mode) ? "a directory" :
			 S_ISCHR(st->st_mode) ? "a character device" : S_ISBLK(st->st_mode) ? "a block device" :
			 S_ISSOCK(st->st_mode) ? "a socket" : "not a file");
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		vmm_errf(err, errno, "%s: fcntl: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -err->code;
}

int file_pread(int fd, const char *path, uint8_t *dst, uint64_t len, uint64_t off, struct vmm_err *err)
{
	while (len) {
		ssize_t n = pread(fd, dst, len > (1u << 30) ? (1u << 30) : (size_t)len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmm_errf(err, errno, "%s: read failed: %s", path, strerror(errno));
		if (n == 0)
			return vmm_errf(err, EIO, "%s: file shrank while being read", path);
		dst += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

int file_read(const char *path, uint64_t max, const char *limit, struct file_buf *f, struct vmm_err *err)
{
	struct vmm_err local = { 0 };
	struct stat st;
	int fd, r;

	if (!err)
		err = &local;
	f->data = NULL;
	f->len = 0;
	fd = file_open_regular(path, &st, err);
	if (fd < 0)
		return fd;
	if (st.st_size == 0) {
		r = file_read_unsized(fd, path, max, limit, f, err);
		if (r < 0)
			file_free(f);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = vmm_errf(err, EFBIG, "%s: %lld bytes is more than %llu bytes, %s", path,
			     (long long)st.st_size, (unsigned long long)max, limit);
		goto out;
	}
	f->len = (size_t)st.st_size;
	f->data = malloc(f->len);
	if (!f->data) {
		r = vmm_errf(err, ENOMEM, "%s: out of memory", path);
		goto out;
	}
	r = file_pread(fd, path, f->data, f->len, 0, err);
	if (r < 0)
		file_free(f);
out:
	close(fd);
	return r;
}

void file_free(struct file_buf *f)
{
	if (f->mapped && f->data)
		munmap(f->data, f->len);
	else
		free(f->data);
	f->mapped = false;
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
