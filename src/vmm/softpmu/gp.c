// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/softpmu/gp.h"

#include <errno.h>
#include <string.h>

/* SDM vol. 1 3.4.3: the RFLAGS bits that exist; the rest are reserved. */
#define RFLAGS_DEFINED	0x3f7fd5ULL
#define RFLAGS_FIXED	(1ULL << 1)
#define RFLAGS_TF	(1ULL << 8)
#define RFLAGS_RF	(1ULL << 16)
#define RFLAGS_VM	(1ULL << 17)

static uint64_t le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

void soft_gp_frame_parse(const uint8_t bytes[SOFT_GP_FRAME_SIZE], struct soft_gp_frame *f)
{
	f->error_code = le64(bytes);
	f->rip = le64(bytes + 8);
	f->cs = le64(bytes + 16) & 0xffff;
	f->rflags = le64(bytes + 24);
	f->rsp = le64(bytes + 32);
	f->ss = le64(bytes + 40) & 0xffff;
}

bool soft_rdpmc_permitted(unsigned int cpl, bool cr4_pce)
{
	return cpl == 0 || cr4_pce;
}

bool soft_canonical(uint64_t addr)
{
	return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

uint64_t soft_gp_resume_rflags(uint64_t frame_rflags, bool vmm_tf)
{
	uint64_t f = (frame_rflags & RFLAGS_DEFINED & ~(RFLAGS_RF | RFLAGS_VM)) | RFLAGS_FIXED;

	return vmm_tf ? f & ~RFLAGS_TF : f;
}

int soft_seg_from_desc(uint64_t desc, uint16_t sel, bool code, struct kvm_segment *seg)
{
	unsigned int rpl = sel & 3, type = (desc >> 40) & 0xf, dpl = (desc >> 45) & 3;
	uint32_t limit = (uint32_t)(desc & 0xffff) | (uint32_t)((desc >> 48) & 0xf) << 16;

	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	if ((sel & ~3u) == 0) {
		/* SDM vol. 3 6.14.4: a null SS is legal in 64-bit mode at CPL 0 only. */
		if (code || rpl != 0)
			return -EINVAL;
		seg->unusable = 1;
		return 0;
	}
	seg->type = (uint8_t)(type | 1);	/* loading sets the accessed bit */
	seg->s = (desc >> 44) & 1;
	seg->dpl = (uint8_t)dpl;
	seg->present = (desc >> 47) & 1;
	seg->avl = (desc >> 52) & 1;
	seg->l = (desc >> 53) & 1;
	seg->db = (desc >> 54) & 1;
	seg->g = (desc >> 55) & 1;
	seg->base = (desc >> 16 & 0xffffff) | (desc >> 56 & 0xff) << 24;
	seg->limit = seg->g ? limit << 12 | 0xfff : limit;
	if (!seg->present || !seg->s)
		return -EINVAL;
	if (code) {
		/* Code: type bit 3 set; non-conforming DPL == RPL, conforming DPL <= RPL; L and D not both. */
		if (!(type & 8) || ((type & 4) ? dpl > rpl : dpl != rpl) || (seg->l && seg->db))
			return -EINVAL;
	} else if ((type & 8) || !(type & 2) || dpl != rpl) {
		return -EINVAL;		/* SS: a writable data segment with DPL == RPL */
	}
	return 0;
}
