/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's pc-testdev (hw/misc/pc-testdev.c), the test device kvm-unit-tests'
 * x86 images expect: a 32-bit scratch register at ports 0xe0-0xe3 (any
 * access size) and 0xe8-0xeb (the same register, byte by byte), a page
 * flush at 0xe4, ISA IRQ lines at 0x2000-0x2017 and 64 KiB of scratch
 * memory at 0xff000000.
 */
#ifndef VMM_HW_PC_TESTDEV_H
#define VMM_HW_PC_TESTDEV_H

#include <stdint.h>

#include "vmm/hw/io.h"

#define PC_TESTDEV_PORT		0xe0	/* scratch register, 4 ports */
#define PC_TESTDEV_PORT_FLUSH	0xe4	/* 32-bit write: flush the guest page at that address */
#define PC_TESTDEV_PORT_BYTE	0xe8	/* scratch register again, byte-wise */
#define PC_TESTDEV_PORT_IRQ	0x2000	/* byte write to 0x2000 + n: ISA IRQ n level = !!value */
#define PC_TESTDEV_NR_IRQS	24
#define PC_TESTDEV_IOMEM	0xff000000ULL
#define PC_TESTDEV_IOMEM_LEN	0x10000

/* What the device needs from the VM: guest RAM (for the flush) and the IRQ lines. */
struct pc_testdev_ops {
	/* Make the host drop its mappings of the guest page at gpa (page-aligned, inside RAM). */
	void (*flush_page)(void *opaque, uint64_t gpa);
	/* Set ISA IRQ line (0-23) to level; NULL when the VM has no IOAPIC/PIC to raise. */
	void (*set_irq)(void *opaque, unsigned int line, int level);
	void *opaque;
};

struct pc_testdev {
	uint32_t scratch;		/* the register behind 0xe0-0xe3 and 0xe8-0xeb */
	uint64_t mem_size;		/* guest RAM: flushes of pages beyond it are ignored */
	struct pc_testdev_ops ops;
	uint8_t *iomem;			/* PC_TESTDEV_IOMEM_LEN bytes */
};

/* -ENOMEM when the scratch memory cannot be allocated. */
int pc_testdev_init(struct pc_testdev *d, uint64_t mem_size, const struct pc_testdev_ops *ops);
void pc_testdev_destroy(struct pc_testdev *d);
/* Back to the power-on state: the register and the scratch memory zero. */
void pc_testdev_reset(struct pc_testdev *d);
int pc_testdev_register(struct pc_testdev *d, struct io_bus *bus, struct vmm_err *err);

#endif
