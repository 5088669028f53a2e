// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest page walker (src/interp/gva.c) over a small fuzzed guest memory.
 * The input: a paging mode (CR0.PG, CR4.PSE/PAE/LA57, EFER.LMA), CR3, four
 * guest-virtual addresses and a length, then the guest memory itself, in a
 * buffer of exactly its size (a walk reading outside it is an ASan report).
 * Checked: gva_read copies at most what was asked; every byte it copied is
 * the byte of guest memory gva_translate gives for that address; it stops
 * only where translation fails or leaves guest memory; with paging off the
 * address is the linear one, truncated to 32 bits.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "common/x86.h"
#include "interp/gva.h"

#define MAX_READ 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in);
	struct gva_ctx c = {
		.cr0 = mode & 1 ? CR0_PG : 0,
		.cr4 = (mode & 2 ? CR4_PSE : 0) | (mode & 4 ? CR4_PAE : 0) | (mode & 8 ? CR4_LA57 : 0),
		.efer = mode & 16 ? EFER_LMA : 0,
	};
	uint64_t gva[4];
	size_t len;
	static uint8_t buf[MAX_READ];
	uint8_t *mem;

	/* CR3 near the start of memory, sometimes anywhere. */
	c.cr3 = mode & 32 ? fuzz_u64(&in) : fuzz_u16(&in);
	for (int i = 0; i < 4; i++)
		gva[i] = mode & 64 ? fuzz_u64(&in) : fuzz_u32(&in);
	len = fuzz_u16(&in) % MAX_READ;
	mem = malloc(in.n ? in.n : 1);
	FUZZ_CHECK(mem, "out of memory");
	memcpy(mem, in.p, in.n);
	c.mem = mem;
	c.mem_size = in.n;

	for (int i = 0; i < 4; i++) {
		uint64_t gpa;
		int r = gva_translate(&c, gva[i], &gpa);
		size_t done;

		FUZZ_CHECK(r == 0 || r == -EFAULT, "gva_translate returned %d", r);
		if (!(c.cr0 & CR0_PG))
			FUZZ_CHECK(!r && gpa == (gva[i] & 0xffffffffULL), "paging off: 0x%llx -> 0x%llx",
				   (unsigned long long)gva[i], (unsigned long long)gpa);
		done = gva_read(&c, gva[i], buf, len);
		FUZZ_CHECK(done <= len, "read %zu of %zu bytes", done, len);
		/* Within a 4 KiB page the translation is contiguous (every page size is a multiple). */
		for (size_t k = 0, chunk; k < done; k += chunk) {
			uint64_t va = gva[i] + k;

			chunk = 4096 - (va & 0xfff);
			if (chunk > done - k)
				chunk = done - k;
			r = gva_translate(&c, va, &gpa);
			FUZZ_CHECK(!r && gpa < c.mem_size && chunk <= c.mem_size - gpa &&
				   !memcmp(buf + k, mem + gpa, chunk),
				   "bytes %zu+%zu of the read at 0x%llx are not guest memory at their translation",
				   k, chunk, (unsigned long long)gva[i]);
		}
		if (done < len) {
			r = gva_translate(&c, gva[i] + done, &gpa);
			FUZZ_CHECK(r || gpa >= c.mem_size, "the read at 0x%llx stopped at %zu of %zu bytes, "
				   "where 0x%llx is mapped in RAM", (unsigned long long)gva[i], done, len,
				   (unsigned long long)(gva[i] + done));
		}
	}
	free(mem);
	return 0;
}
