// SPDX-License-Identifier: GPL-2.0-only
/*
 * flood: a guest that misbehaves on purpose, to prove the VMM stays in
 * control. Command line:
 *   io      touches many more distinct unclaimed ports and MMIO addresses
 *           than `vmm run -v` logs (each read must still return all-ones),
 *           then passes.
 *   serial=N  writes N blocks of 4 KiB to the serial port with `rep outsb`
 *           (one exit per block), never waiting for LSR.THRE; N = 0 (or
 *           `serial` alone) floods forever. However slowly the output is
 *           read, the VMM must still end at --timeout or on a signal.
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

/* The number after word= on the command line, def when absent, -1 when word is not there. */
static long arg_num(const struct vmm_bootinfo *bi, const char *word)
{
	const char *s = (const char *)(uintptr_t)bi->cmdline;
	size_t n = strlen(word);
	long v = 0;

	for (; *s; s++) {
		if ((s != (const char *)(uintptr_t)bi->cmdline && s[-1] != ' ') || strncmp(s, word, n))
			continue;
		if (s[n] != '=')
			return s[n] == '\0' || s[n] == ' ' ? 0 : -1;
		for (s += n + 1; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (*s - '0');
		return v;
	}
	return -1;
}

static char flood_block[4096];

static void flood_serial(long blocks)
{
	for (size_t i = 0; i < sizeof(flood_block); i++)
		flood_block[i] = i % 64 == 63 ? '\n' : i % 64 < 2 ? "# "[i % 64] : (char)('a' + i % 26);
	for (long i = 0; !blocks || i < blocks; i++) {
		const char *p = flood_block;
		size_t n = sizeof(flood_block);

		asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"((uint16_t)VMM_PORT_SERIAL) : "memory");
	}
	report(true, "wrote %ld blocks of %zu bytes", blocks, sizeof(flood_block));
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
	long blocks = arg_num(bi, "serial");

	if (has_arg(bi, "io"))
		flood_io();
	else if (blocks >= 0)
		flood_serial(blocks);
	else
		report_skip("flood", "no mode on the command line (io or serial=N)");
	tap_done();
}
