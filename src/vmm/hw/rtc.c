// SPDX-License-Identifier: GPL-2.0-only
/*
 * MC146818 RTC as PCs have it (the Motorola MC146818A datasheet, "Address
 * map" and "Registers A-D"): registers 0-9 are seconds, seconds alarm,
 * minutes, minutes alarm, hours, hours alarm, day of week (1 = Sunday), day
 * of month, month and year, in BCD unless register B's DM bit (2) is set.
 * Register A's UIP bit (7) is set for the 244 us before each update of the
 * time, which happens once a second; software waits for it to fall before
 * reading the time. Register C's interrupt flags read 0 (nothing is ever
 * flagged); register D's VRT (7) says the RAM and time are valid.
 * Writes to the time registers are ignored: the clock is the host's.
 */
#include "vmm/hw/rtc.h"

#include <string.h>
#include <time.h>

#define RTC_UIP_NS	244000LL
#define RTC_B_DM	0x04		/* binary, not BCD */
#define RTC_B_SET	0x80

static uint8_t rtc_bcd(const struct rtc *r, int v)
{
	if (r->ram[RTC_REG_B] & RTC_B_DM)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

uint8_t rtc_read_reg(const struct rtc *r, uint8_t reg, int64_t wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000LL);
	int64_t frac = wall_ns % 1000000000LL;
	struct tm tm;

	if (reg >= RTC_NR_REGS)
		return 0xff;
	if (reg <= 9 && !(reg & 1 && reg < 6)) {
		if (!gmtime_r(&secs, &tm))
			return 0;
		switch (reg) {
		case 0: return rtc_bcd(r, tm.tm_sec > 59 ? 59 : tm.tm_sec);
		case 2: return rtc_bcd(r, tm.tm_min);
		case 4: return rtc_bcd(r, tm.tm_hour);
		case 6: return rtc_bcd(r, tm.tm_wday + 1);
		case 7: return rtc_bcd(r, tm.tm_mday);
		case 8: return rtc_bcd(r, tm.tm_mon + 1);
		default: return rtc_bcd(r, tm.tm_year % 100);
		}
	}
	switch (reg) {
	case RTC_REG_A:
		return (uint8_t)((r->ram[RTC_REG_A] & ~RTC_A_UIP) |
				 (frac >= 1000000000LL - RTC_UIP_NS && !(r->ram[RTC_REG_B] & RTC_B_SET) ?
				  RTC_A_UIP : 0));
	case RTC_REG_C:
		return 0;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->ram[reg];
	}
}

void rtc_init(struct rtc *r, int64_t (*wall_ns)(void))
{
	memset(r, 0, sizeof(*r));
	r->wall_ns = wall_ns;
	r->ram[RTC_REG_A] = 0x26;	/* 32.768 kHz time base, 1.024 kHz rate: what PC firmware sets */
	r->ram[RTC_REG_B] = RTC_B_24H;
}

static void rtc_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct rtc *r = opaque;

	(void)out;
	if (a->offset == 0) {		/* index; bit 7 is the NMI mask, which does nothing here */
		if (a->write)
			r->index = a->data[0] & 0x7f;
		else
			memset(a->data, 0xff, a->size);
		return;
	}
	if (!a->write) {
		a->data[0] = rtc_read_reg(r, r->index, r->wall_ns());
		memset(a->data + 1, 0xff, a->size - 1);
		return;
	}
	/* The time registers (even, 0-9 except the alarms), C and D are read-only. */
	if ((r->index <= 9 && !(r->index & 1 && r->index < 6)) || r->index == RTC_REG_C ||
	    r->index == RTC_REG_D)
		return;
	r->ram[r->index] = r->index == RTC_REG_A ? a->data[0] & ~RTC_A_UIP : a->data[0];
}

int rtc_register(struct rtc *r, struct io_bus *bus, struct vmm_err *err)
{
	return io_bus_register(bus, IO_PIO, RTC_PORT, 2, "rtc", rtc_io, r, err);
}
