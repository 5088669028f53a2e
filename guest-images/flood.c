// SPDX-License-Identifier: GPL-2.0-only
/*
 * flood: a guest that misbehaves on purpose, to prove the VMM stays in
 * control. Command line:
 *   io      touches many more distinct unclaimed ports and MMIO addresses
 *           than `vmm run -v` logs (each read must still return all-ones),
 *           then passes.
 */
#include "guest.h"

#define FLOOD_PORT	0x2000		/* 0x2000-0x27ff: no device */
#define FLOOD_PORTS	1024
#define FLOOD_MMIO	0xd0000000UL	/* below 4 GiB, above RAM, no device */
#define FLOOD_MMIOS	1024

static bool has_arg(const struct vmm_bootinfo *bi, const char *word)
{
	const char *s = (const char *)(uintptr_t)bi->cmdline;
	size_t n = strlen(word);

	for (; *s; s++)
		if ((s == (const char *)(uintptr_t)bi->cmdline || s[-1] == ' ') && !strncmp(s, word, n) &&
		    (s[n] == '\0' || s[n] == ' '))
			return true;
	return false;
}

static void flood_io(void)
{
	unsigned int bad_ports = 0, bad_mmio = 0;

	for (unsigned int i = 0; i < FLOOD_PORTS; i++) {
		outb((uint16_t)(FLOOD_PORT + i), (uint8_t)i);
		bad_ports += inb((uint16_t)(FLOOD_PORT + i)) != 0xff;
	}
	for (unsigned int i = 0; i < FLOOD_MMIOS; i++) {
		mmio_write32(FLOOD_MMIO + 4 * i, i);
		bad_mmio += mmio_read32(FLOOD_MMIO + 4 * i) != 0xffffffffu;
	}
	report_eq(bad_ports, 0, "%u distinct unclaimed ports read all-ones", FLOOD_PORTS);
	report_eq(bad_mmio, 0, "%u distinct unclaimed MMIO addresses read all-ones", FLOOD_MMIOS);
}

int main(const struct vmm_bootinfo *bi)
{
	if (has_arg(bi, "io"))
		flood_io();
	else
		report_skip("flood", "no mode on the command line (io)");
	tap_done();
}
