// SPDX-License-Identifier: GPL-2.0-only
/* CMOS RTC: the time in BCD and binary, UIP in the last 244 us of a second, read-only registers, CMOS RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/hw/rtc.h"

/* 2026-12-01 11:49:12 UTC, a Tuesday. */
#define T0 (1796125752LL * 1000000000LL)

static int64_t now;

static int64_t fake_wall(void)
{
	return now;
}

static uint8_t cmos(struct io_bus *bus, uint8_t reg, bool write, uint8_t v)
{
	struct io_access a = { .space = IO_PIO, .addr = RTC_PORT, .size = 1, .write = true, .data = &reg };
	struct exit_outcome out = { .kind = EXIT_CONTINUE };

	io_bus_access(bus, &a, &out);
	a = (struct io_access){ .space = IO_PIO, .addr = RTC_PORT + 1, .size = 1, .write = write, .data = &v };
	io_bus_access(bus, &a, &out);
	return v;
}

static void test_time(void **state)
{
	static const struct {
		uint8_t reg, bcd, bin;
	} want[] = {
		{ 0, 0x12, 12 }, { 2, 0x49, 49 }, { 4, 0x11, 11 }, { 6, 0x03, 3 },
		{ 7, 0x01, 1 }, { 8, 0x12, 12 }, { 9, 0x26, 26 },
	};
	struct io_bus bus;
	struct rtc r;

	(void)state;
	io_bus_init(&bus, NULL);
	rtc_init(&r, fake_wall);
	assert_int_equal(rtc_register(&r, &bus, NULL), 0);
	now = T0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(cmos(&bus, want[i].reg, false, 0), want[i].bcd);
	cmos(&bus, RTC_REG_B, true, RTC_B_24H | 0x04);		/* DM: binary */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(cmos(&bus, want[i].reg, false, 0), want[i].bin);
	/* The time is the host's: writes do not change it. */
	cmos(&bus, 0, true, 0x33);
	assert_int_equal(cmos(&bus, 0, false, 0), 12);
	io_bus_destroy(&bus);
}

static void test_status(void **state)
{
	struct io_bus bus;
	struct rtc r;

	(void)state;
	io_bus_init(&bus, NULL);
	rtc_init(&r, fake_wall);
	assert_int_equal(rtc_register(&r, &bus, NULL), 0);
	now = T0 + 999755000LL;		/* 245 us before the update: not yet */
	assert_int_equal(cmos(&bus, RTC_REG_A, false, 0), 0x26);
	now = T0 + 999757000LL;		/* 243 us before: update in progress */
	assert_int_equal(cmos(&bus, RTC_REG_A, false, 0), 0x26 | RTC_A_UIP);
	now = T0 + 1000000000LL;
	assert_int_equal(cmos(&bus, RTC_REG_A, false, 0), 0x26);
	cmos(&bus, RTC_REG_A, true, 0xff);		/* UIP is read-only */
	assert_int_equal(cmos(&bus, RTC_REG_A, false, 0), 0x7f);
	assert_int_equal(cmos(&bus, RTC_REG_B, false, 0), RTC_B_24H);
	assert_int_equal(cmos(&bus, RTC_REG_C, false, 0), 0);
	assert_int_equal(cmos(&bus, RTC_REG_D, false, 0), RTC_D_VRT);
	cmos(&bus, RTC_REG_D, true, 0);
	assert_int_equal(cmos(&bus, RTC_REG_D, false, 0), RTC_D_VRT);
	/* Alarms and CMOS RAM hold what is written; the index ignores bit 7 (NMI mask). */
	cmos(&bus, 1, true, 0xc0);
	assert_int_equal(cmos(&bus, 1, false, 0), 0xc0);
	cmos(&bus, 0x80 | 0x40, true, 0x5a);
	assert_int_equal(cmos(&bus, 0x40, false, 0), 0x5a);
	cmos(&bus, 0x7f, true, 0xa5);
	assert_int_equal(cmos(&bus, 0x7f, false, 0), 0xa5);
	assert_int_equal(rtc_read_reg(&r, 0x80, now), 0xff);
	io_bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests_name("rtc", tests, NULL, NULL);
}
