// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I/O bus's unhandled-access log: each address once, a bounded set, and
 * a guest touching more distinct addresses than the set holds changes
 * nothing outside the bus.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/hw/io.h"

/* The bus with something after it, as struct vm has the serial port after its bus. */
struct bus_and_neighbour {
	struct io_bus bus;
	uint64_t neighbour[8];
};

static unsigned int count_lines(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void touch(struct io_bus *bus, enum io_space space, uint64_t addr, bool write)
{
	uint8_t data[4] = { 0x12, 0x34, 0x56, 0x78 };
	struct io_access a = { .space = space, .addr = addr, .size = 4, .write = write, .data = data };
	struct exit_outcome out = { .kind = EXIT_CONTINUE };

	io_bus_access(bus, &a, &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	if (!write)
		assert_memory_equal(data, "\xff\xff\xff\xff", 4);
}

static void test_unhandled_logged_once_and_bounded(void **state)
{
	struct bus_and_neighbour *b = test_calloc(1, sizeof(*b));
	const unsigned int distinct = 4 * IO_MAX_SEEN + 7;
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);

	(void)state;
	assert_non_null(log);
	io_bus_init(&b->bus, log);
	memset(b->neighbour, 0xa5, sizeof(b->neighbour));
	/* Every address twice, ports and MMIO interleaved. */
	for (unsigned int round = 0; round < 2; round++)
		for (unsigned int i = 0; i < distinct; i++)
			touch(&b->bus, i % 2 ? IO_MMIO : IO_PIO, 0x1000 + i, round == 0);
	fflush(log);
	assert_int_equal(b->bus.nr_unhandled, 2 * distinct);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(b->neighbour[i], 0xa5a5a5a5a5a5a5a5ULL);
	assert_int_equal(count_lines(text, "vmm: unhandled "), IO_MAX_SEEN);
	assert_int_equal(count_lines(text, "no longer logging"), 1);
	io_bus_destroy(&b->bus);
	fclose(log);
	free(text);
	test_free(b);
}

static void test_unhandled_silent_without_log(void **state)
{
	struct io_bus *bus = test_malloc(sizeof(*bus));

	(void)state;
	io_bus_init(bus, NULL);
	for (unsigned int i = 0; i < 3 * IO_MAX_SEEN; i++)
		touch(bus, IO_PIO, i, false);
	assert_int_equal(bus->nr_unhandled, 3 * IO_MAX_SEEN);
	assert_int_equal(bus->nr_seen, 0);
	io_bus_destroy(bus);
	test_free(bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unhandled_logged_once_and_bounded),
		cmocka_unit_test(test_unhandled_silent_without_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
