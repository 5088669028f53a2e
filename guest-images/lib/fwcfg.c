// SPDX-License-Identifier: GPL-2.0-only
#include <vmm/bootinfo.h>

#include "fwcfg.h"
#include "io.h"

void fw_cfg_read(uint16_t key, void *buf, size_t len)
{
	uint8_t *p = buf;

	outw(VMM_PORT_FWCFG_SEL, key);
	for (size_t i = 0; i < len; i++)
		p[i] = inb(VMM_PORT_FWCFG_DATA);
}

/* Assembles a little-endian item of n bytes, whatever the guest's order. */
static uint64_t fw_cfg_read_le(uint16_t key, size_t n)
{
	uint8_t b[8];
	uint64_t v = 0;

	fw_cfg_read(key, b, n);
	while (n--)
		v = v << 8 | b[n];
	return v;
}

uint16_t fw_cfg_read_u16(uint16_t key)
{
	return (uint16_t)fw_cfg_read_le(key, 2);
}

uint32_t fw_cfg_read_u32(uint16_t key)
{
	return (uint32_t)fw_cfg_read_le(key, 4);
}

uint64_t fw_cfg_read_u64(uint16_t key)
{
	return fw_cfg_read_le(key, 8);
}
