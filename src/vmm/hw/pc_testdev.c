// SPDX-License-Identifier: GPL-2.0-only
/*
 * pc-testdev with the semantics of QEMU's hw/misc/pc-testdev.c:
 *
 * - 0xe0-0xe3: a 32-bit little-endian register; an access of N bytes at port
 *   0xe0 + k reads or writes its bytes k..k+N-1. kvm-unit-tests' emulator
 *   test moves data through it with IN/OUT/INS/OUTS of every size.
 * - 0xe8-0xeb: the same register, accessed one byte at a time (QEMU's
 *   impl.max_access_size = 1), which gives the same bytes for accesses
 *   inside the four ports. Bytes beyond the fourth port are dropped here
 *   (QEMU has nothing there either) and read as zero.
 * - 0xe4: a 32-bit write of a guest-physical address flushes that page:
 *   QEMU mprotects it to PROT_NONE and back so that KVM drops its mapping
 *   and the next guest access faults in again (eventinj uses it to take
 *   faults during event delivery). Other sizes are ignored, as QEMU's
 *   valid.min/max_access_size = 4 rejects them; reads return all-ones.
 * - 0x2000-0x2017: a byte write sets ISA IRQ line (port - 0x2000) to
 *   !!value; reads return all-ones.
 * - 0xff000000-0xff00ffff: 64 KiB of memory that reads back what was
 *   written, reached only through MMIO exits.
 */
#include "vmm/hw/pc_testdev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PC_TESTDEV_SCRATCH_LEN	4
#define PC_TESTDEV_PAGE		4096ULL

int pc_testdev_init(struct pc_testdev *d, uint64_t mem_size, const struct pc_testdev_ops *ops)
{
	memset(d, 0, sizeof(*d));
	d->mem_size = mem_size;
	if (ops)
		d->ops = *ops;
	d->iomem = calloc(1, PC_TESTDEV_IOMEM_LEN);
	return d->iomem ? 0 : -ENOMEM;
}

void pc_testdev_destroy(struct pc_testdev *d)
{
	free(d->iomem);
	d->iomem = NULL;
}

void pc_testdev_reset(struct pc_testdev *d)
{
	d->scratch = 0;
	if (d->iomem)
		memset(d->iomem, 0, PC_TESTDEV_IOMEM_LEN);
}

/* Both scratch windows: byte a->offset + i of the register, when it is one of its four. */
static void pc_testdev_scratch(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct pc_testdev *d = opaque;

	(void)out;
	for (unsigned int i = 0; i < a->size; i++) {
		uint64_t byte = a->offset + i;
		unsigned int shift = (unsigned int)(8 * byte);

		if (byte >= PC_TESTDEV_SCRATCH_LEN) {
			if (!a->write)
				a->data[i] = 0;
			continue;
		}
		if (a->write)
			d->scratch = (d->scratch & ~(0xffu << shift)) | (uint32_t)a->data[i] << shift;
		else
			a->data[i] = (uint8_t)(d->scratch >> shift);
	}
}

static void pc_testdev_flush(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct pc_testdev *d = opaque;
	uint64_t page;

	(void)out;
	if (!a->write) {
		memset(a->data, 0xff, a->size);
		return;
	}
	if (a->size != 4 || a->offset != 0)
		return;
	page = io_data_get(a) & ~(PC_TESTDEV_PAGE - 1);
	if (page < d->mem_size && d->mem_size - page >= PC_TESTDEV_PAGE && d->ops.flush_page)
		d->ops.flush_page(d->ops.opaque, page);
}

static void pc_testdev_irq(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct pc_testdev *d = opaque;

	(void)out;
	if (!a->write) {
		memset(a->data, 0xff, a->size);
		return;
	}
	if (a->size == 1 && a->offset < PC_TESTDEV_NR_IRQS && d->ops.set_irq)
		d->ops.set_irq(d->ops.opaque, (unsigned int)a->offset, a->data[0] != 0);
}

static void pc_testdev_iomem(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct pc_testdev *d = opaque;

	(void)out;
	for (unsigned int i = 0; i < a->size; i++) {
		uint64_t off = a->offset + i;

		if (off >= PC_TESTDEV_IOMEM_LEN) {
			if (!a->write)
				a->data[i] = 0xff;
			continue;
		}
		if (a->write)
			d->iomem[off] = a->data[i];
		else
			a->data[i] = d->iomem[off];
	}
}

int pc_testdev_register(struct pc_testdev *d, struct io_bus *bus, struct vmm_err *err)
{
	int r = io_bus_register(bus, IO_PIO, PC_TESTDEV_PORT, PC_TESTDEV_SCRATCH_LEN, "pc-testdev",
				pc_testdev_scratch, d, err);

	if (!r)
		r = io_bus_register(bus, IO_PIO, PC_TESTDEV_PORT_FLUSH, 4, "pc-testdev-flush",
				    pc_testdev_flush, d, err);
	if (!r)
		r = io_bus_register(bus, IO_PIO, PC_TESTDEV_PORT_BYTE, PC_TESTDEV_SCRATCH_LEN,
				    "pc-testdev-byte", pc_testdev_scratch, d, err);
	if (!r)
		r = io_bus_register(bus, IO_PIO, PC_TESTDEV_PORT_IRQ, PC_TESTDEV_NR_IRQS, "pc-testdev-irq",
				    pc_testdev_irq, d, err);
	if (!r)
		r = io_bus_register(bus, IO_MMIO, PC_TESTDEV_IOMEM, PC_TESTDEV_IOMEM_LEN, "pc-testdev-iomem",
				    pc_testdev_iomem, d, err);
	return r;
}
