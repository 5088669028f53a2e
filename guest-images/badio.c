// SPDX-License-Identifier: GPL-2.0-only
/*
 * badio: proves that the VMM survives accesses to I/O ports and MMIO that
 * no device claims, and answers them like an empty PC bus: writes are
 * dropped, reads return all-ones. The guest reaching tap_done() at all is
 * the main result.
 */
#include "guest.h"

#define BADIO_MMIO	0xd0000000UL	/* below 4 GiB, above RAM, no device */

static const struct badio_port {
	uint16_t port;
	uint8_t size;		/* 1, 2 or 4 bytes */
	uint32_t garbage;
} badio_ports[] = {
	{ 0x0080, 1, 0xa5 },		/* POST code port */
	{ 0x1234, 1, 0x5a },
	{ 0x1234, 2, 0xa55a },
	{ 0x1234, 4, 0xdeadbeef },
	{ 0x0cf8, 4, 0x80000000 },	/* PCI config address: bus 0 dev 0 fn 0 */
	{ 0x0cfc, 4, 0x12345678 },	/* PCI config data */
	/* 0xcf9 is the reset control register (docs/reset.md), not an empty port. */
	{ 0x0cf8, 1, 0xff }, { 0x0cfa, 1, 0x11 }, { 0x0cfb, 1, 0x22 },
	{ 0x0cfc, 1, 0x33 }, { 0x0cfd, 1, 0x44 }, { 0x0cfe, 1, 0x55 }, { 0x0cff, 1, 0x66 },
};

static uint32_t badio_ones(uint8_t size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static uint32_t badio_access(const struct badio_port *p)
{
	switch (p->size) {
	case 1:
		outb(p->port, (uint8_t)p->garbage);
		return inb(p->port);
	case 2:
		outw(p->port, (uint16_t)p->garbage);
		return inw(p->port);
	default:
		outl(p->port, p->garbage);
		return inl(p->port);
	}
}

static void badio_check_ports(void)
{
	for (size_t i = 0; i < sizeof(badio_ports) / sizeof(badio_ports[0]); i++) {
		const struct badio_port *p = &badio_ports[i];

		report_eq(badio_access(p), badio_ones(p->size),
			  "port %#x %u-bit write %#x, read all-ones", p->port,
			  p->size * 8, p->garbage);
	}
}

static void badio_check_mmio(void)
{
	mmio_write32(BADIO_MMIO, 0xdeadbeef);
	report_eq(mmio_read32(BADIO_MMIO), 0xffffffff,
		  "MMIO %#lx 32-bit write, read all-ones", BADIO_MMIO);
	mmio_write8(BADIO_MMIO + 3, 0x5a);
	report_eq(mmio_read8(BADIO_MMIO + 3), 0xff,
		  "MMIO %#lx 8-bit write, read all-ones", BADIO_MMIO + 3);
}

int main(const struct vmm_bootinfo *bi)
{
	(void)bi;
	badio_check_ports();
	badio_check_mmio();
	tap_done();
}
