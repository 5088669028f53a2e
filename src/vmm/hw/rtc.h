/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PC's CMOS real-time clock (MC146818, ports 0x70 index and 0x71 data):
 * the time of day from the host's clock in BCD, 24-hour mode, the alarm
 * registers, status registers A-D with the update-in-progress bit, and the
 * rest of the 128 bytes as CMOS RAM. No periodic, alarm or update
 * interrupts are raised.
 */
#ifndef VMM_HW_RTC_H
#define VMM_HW_RTC_H

#include <stdint.h>

#include "vmm/hw/io.h"

#define RTC_PORT		0x70
#define RTC_NR_REGS		128

#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_A_UIP		0x80
#define RTC_B_24H		0x02
#define RTC_D_VRT		0x80

struct rtc {
	int64_t (*wall_ns)(void);	/* nanoseconds since the Unix epoch */
	uint8_t index;
	uint8_t ram[RTC_NR_REGS];	/* alarms, A, B and CMOS RAM; the time is computed on read */
};

/* What register reg reads at time wall_ns (pure, for tests and the device). */
uint8_t rtc_read_reg(const struct rtc *r, uint8_t reg, int64_t wall_ns);

void rtc_init(struct rtc *r, int64_t (*wall_ns)(void));
int rtc_register(struct rtc *r, struct io_bus *bus, struct vmm_err *err);

#endif
