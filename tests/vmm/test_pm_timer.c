// SPDX-License-Identifier: GPL-2.0-only
/* ACPI PM timer: 3.579545 MHz, 24 bits, read-only, through the I/O bus with a made-up clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/hw/pm_timer.h"

/* Expected values: floor(ns * 3579545 / 10^9) mod 2^24. */
static const struct {
	uint64_t ns;
	uint32_t want;
} count_cases[] = {
	{ 0, 0 },
	{ 279, 0 },				/* one tick is 279.365 ns */
	{ 280, 1 },
	{ 1000000000ULL, 3579545 },		/* one second */
	{ 4687000000ULL, 0x6f },		/* just past the first wrap at 2^24 ticks (4.687 s) */
	{ 10000000000ULL, 0x2231fa },
	{ 86400000000000ULL, 0x16b580 },	/* a day: the product would overflow 64 bits */
	{ UINT64_MAX, 0xa5bec0 },
};

static void test_count(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		print_message("# %llu ns\n", (unsigned long long)count_cases[i].ns);
		assert_int_equal(pm_timer_count(count_cases[i].ns), count_cases[i].want);
	}
}

static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

static uint64_t rd(struct io_bus *bus, uint64_t port, unsigned int size)
{
	uint8_t data[8] = { 0 };
	struct io_access a = { .space = IO_PIO, .addr = port, .size = size, .data = data };
	struct exit_outcome out = { .kind = EXIT_CONTINUE };

	io_bus_access(bus, &a, &out);
	return io_data_get(&a);
}

static void test_port(void **state)
{
	struct pm_timer t;
	struct io_bus bus;
	uint8_t w[4] = { 1, 2, 3, 4 };
	struct io_access a = { .space = IO_PIO, .addr = PM_TIMER_PORT, .size = 4, .write = true, .data = w };
	struct exit_outcome out = { .kind = EXIT_CONTINUE };

	(void)state;
	io_bus_init(&bus, NULL);
	fake_now = 5000000000LL;
	pm_timer_init(&t, fake_clock);
	assert_int_equal(pm_timer_register(&t, &bus, NULL), 0);
	assert_int_equal(rd(&bus, PM_TIMER_PORT, 4), 0);
	fake_now += 1000000000LL;
	assert_int_equal(rd(&bus, PM_TIMER_PORT, 4), 3579545);
	assert_int_equal(rd(&bus, PM_TIMER_PORT, 2), 3579545 & 0xffff);
	assert_int_equal(rd(&bus, PM_TIMER_PORT + 2, 1), (3579545 >> 16) & 0xff);
	assert_int_equal(rd(&bus, PM_TIMER_PORT + 3, 1), 0);	/* bits 31:24 read 0 */
	io_bus_access(&bus, &a, &out);				/* read-only: the write is dropped */
	assert_int_equal(rd(&bus, PM_TIMER_PORT, 4), 3579545);
	fake_now -= 2000000000LL;				/* a clock going back reads as 0 elapsed */
	assert_int_equal(rd(&bus, PM_TIMER_PORT, 4), 0);
	io_bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_port),
	};

	return cmocka_run_group_tests_name("pm-timer", tests, NULL, NULL);
}
