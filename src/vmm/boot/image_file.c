// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/boot/image_file.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* No image vmm can load needs a file this large, however much debug information it carries. */
#define IMAGE_FILE_MAX (1ULL << 40)

/* A buffer the size of the file that costs nothing until read into. */
static int image_buf(const char *path, uint64_t size, struct file_buf *f, struct vmm_err *err)
{
	void *p;

	if (size > IMAGE_FILE_MAX)
		return vmm_errf(err, EFBIG, "%s: %llu bytes is larger than any image vmm loads (1 TiB)", path,
				(unsigned long long)size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return vmm_errf(err, errno, "%s: cannot map %llu bytes for the image: %s", path,
				(unsigned long long)size, strerror(errno));
	f->data = p;
	f->len = size;
	f->mapped = true;
	return 0;
}

static int image_parse_file(const char *path, const struct file_buf *f, uint64_t raw_load_addr,
			    uint64_t mem_size, struct image *img, struct vmm_err *err)
{
	int r = image_parse(f->data, f->len, raw_load_addr, mem_size, img, err);

	if (r < 0) {
		vmm_err_prefix(err, "%s", path);
		if (err)
			err->input = true;
	}
	return r;
}

/* The headers, then (once image_parse() accepted them) the file bytes of each loaded segment. */
static int image_read_sized(int fd, const char *path, uint64_t size, uint64_t raw_load_addr,
			    uint64_t mem_size, struct file_buf *f, struct image *img, struct vmm_err *err)
{
	uint64_t head = size < IMAGE_HEAD_SIZE ? size : IMAGE_HEAD_SIZE, off, len;
	int r = image_buf(path, size, f, err);

	if (!r)
		r = file_pread(fd, path, f->data, head, 0, err);
	if (r < 0)
		return r;
	if (!image_header_range(f->data, head, size, &off, &len) && size > mem_size)
		return vmm_errf(err, EFBIG, "%s: %llu bytes; a raw, multiboot or ELF32 image is loaded from "
				"the whole file, which must fit in guest RAM (%llu MiB)", path,
				(unsigned long long)size, (unsigned long long)(mem_size >> 20));
	r = file_pread(fd, path, f->data + off, len, off, err);
	if (!r)
		r = image_parse_file(path, f, raw_load_addr, mem_size, img, err);
	for (unsigned int i = 0; !r && i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];
		uint64_t at = (uint64_t)(s->data - f->data);

		if (at >= off && at + s->filesz <= off + len)
			continue;	/* already read with the headers */
		r = file_pread(fd, path, f->data + at, s->filesz, at, err);
	}
	return r;
}

int image_file_load(const char *path, uint64_t raw_load_addr, uint64_t mem_size, struct file_buf *f,
		    struct image *img, struct vmm_err *err)
{
	struct stat st;
	int fd, r;

	memset(f, 0, sizeof(*f));
	fd = file_open_regular(path, &st, err);
	if (fd < 0)
		return fd;
	if (st.st_size == 0) {	/* /proc and the like: read it (at most guest RAM), then parse */
		r = file_read_unsized(fd, path, mem_size, "the size of guest RAM", f, err);
		if (!r)
			r = image_parse_file(path, f, raw_load_addr, mem_size, img, err);
	} else {
		r = image_read_sized(fd, path, (uint64_t)st.st_size, raw_load_addr, mem_size, f, img, err);
	}
	close(fd);
	if (r < 0)
		file_free(f);
	return r;
}
