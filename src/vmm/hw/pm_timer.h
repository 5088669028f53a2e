/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI power management timer (ACPI 6.5, 4.8.3.3 "Power Management
 * Timer" and 4.8.2.1 PM_TMR): a 24-bit free-running counter at 3.579545 MHz,
 * read as a 32-bit port whose bits 31:24 are zero. The FADT's PM_TMR_BLK
 * points at it (src/vmm/boot/acpi.h).
 */
#ifndef VMM_HW_PM_TIMER_H
#define VMM_HW_PM_TIMER_H

#include <stdint.h>

#include "vmm/hw/io.h"

#define PM_TIMER_PORT		0x608		/* PM base 0x600 + 8, where QEMU's PIIX4 puts it */
#define PM_TIMER_LEN		4
#define PM_TIMER_HZ		3579545ULL
#define PM_TIMER_MASK		0xffffffu	/* 24 bits: the FADT leaves TMR_VAL_EXT clear */

struct pm_timer {
	int64_t (*now_ns)(void);	/* a monotonic clock */
	int64_t base_ns;		/* the clock when the counter was 0 */
};

/* The counter value elapsed_ns after it was 0. Pure. */
uint32_t pm_timer_count(uint64_t elapsed_ns);

void pm_timer_init(struct pm_timer *t, int64_t (*now_ns)(void));
int pm_timer_register(struct pm_timer *t, struct io_bus *bus, struct vmm_err *err);

#endif
