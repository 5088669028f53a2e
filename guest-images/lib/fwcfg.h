/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU-style fw_cfg through I/O ports: write a 16-bit key to the selector
 * port, then read the item byte by byte from the data port; each selector
 * write restarts the item at offset 0 (QEMU docs/specs/fw_cfg.rst).
 */
#ifndef GUEST_FWCFG_H
#define GUEST_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03	/* u64, little-endian */
#define FW_CFG_NB_CPUS		0x05	/* u16, little-endian */

/* Reads the first len bytes of item key into buf. */
void fw_cfg_read(uint16_t key, void *buf, size_t len);

/* Little-endian integer items. */
uint16_t fw_cfg_read_u16(uint16_t key);
uint32_t fw_cfg_read_u32(uint16_t key);
uint64_t fw_cfg_read_u64(uint16_t key);

#endif
