// SPDX-License-Identifier: GPL-2.0-only
/*
 * pc-testdev through the I/O bus, as a guest sees it: the scratch register
 * at 0xe0 and 0xe8 for every access size and offset, the page flush, the IRQ
 * lines and the MMIO scratch memory, with out-of-range inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/hw/pc_testdev.h"

#define MEM_SIZE (16ULL << 20)

struct calls {
	unsigned int flushes, irqs;
	uint64_t last_gpa;
	unsigned int last_line;
	int last_level;
};

static void flush_page(void *opaque, uint64_t gpa)
{
	struct calls *c = opaque;

	c->flushes++;
	c->last_gpa = gpa;
}

static void set_irq(void *opaque, unsigned int line, int level)
{
	struct calls *c = opaque;

	c->irqs++;
	c->last_line = line;
	c->last_level = level;
}

struct fixture {
	struct io_bus bus;
	struct pc_testdev dev;
	struct calls calls;
};

static int setup(void **state)
{
	static struct fixture f;
	const struct pc_testdev_ops ops = { .flush_page = flush_page, .set_irq = set_irq, .opaque = &f.calls };

	memset(&f, 0, sizeof(f));
	io_bus_init(&f.bus, NULL);
	if (pc_testdev_init(&f.dev, MEM_SIZE, &ops) || pc_testdev_register(&f.dev, &f.bus, NULL))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pc_testdev_destroy(&f->dev);
	io_bus_destroy(&f->bus);
	return 0;
}

static uint64_t access(struct fixture *f, enum io_space space, uint64_t addr, unsigned int size, bool write,
		       uint64_t val)
{
	uint8_t data[8] = { 0 };
	struct io_access a = { .space = space, .addr = addr, .size = size, .write = write, .data = data };
	struct exit_outcome out = { .kind = EXIT_CONTINUE };

	io_data_set(&a, val);
	io_bus_access(&f->bus, &a, &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	return io_data_get(&a);
}

static uint64_t in(struct fixture *f, uint16_t port, unsigned int size)
{
	return access(f, IO_PIO, port, size, false, 0);
}

static void out(struct fixture *f, uint16_t port, unsigned int size, uint64_t v)
{
	access(f, IO_PIO, port, size, true, v);
}

static const struct {
	uint16_t port;
	unsigned int size;
	uint32_t value, want;	/* register after writing value over 0x11223344 */
	uint64_t read_back;	/* the same access, read */
} scratch_cases[] = {
	{ 0xe0, 4, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef },
	{ 0xe0, 2, 0xbeef, 0x1122beef, 0xbeef },
	{ 0xe0, 1, 0xef, 0x112233ef, 0xef },
	{ 0xe1, 1, 0xab, 0x1122ab44, 0xab },
	{ 0xe2, 2, 0xcafe, 0xcafe3344, 0xcafe },
	{ 0xe3, 1, 0x99, 0x99223344, 0x99 },
	{ 0xe2, 4, 0xaabbccdd, 0xccdd3344, 0xccdd },	/* the two bytes past 0xe3 are not the register */
	{ 0xe8, 4, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef },	/* byte-wise window, same register */
	{ 0xe9, 2, 0x7788, 0x11778844, 0x7788 },
	{ 0xeb, 1, 0x55, 0x55223344, 0x55 },
};

static void test_scratch(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(scratch_cases) / sizeof(scratch_cases[0]); i++) {
		print_message("# out%u to %#x\n", scratch_cases[i].size, scratch_cases[i].port);
		out(f, 0xe0, 4, 0x11223344);
		out(f, scratch_cases[i].port, scratch_cases[i].size, scratch_cases[i].value);
		assert_int_equal(in(f, 0xe0, 4), scratch_cases[i].want);
		assert_int_equal(in(f, 0xe8, 4), scratch_cases[i].want);
		assert_int_equal(in(f, scratch_cases[i].port, scratch_cases[i].size), scratch_cases[i].read_back);
	}
	/* What emulator.flat's string I/O test does: outw, then byte reads see the low byte. */
	out(f, 0xe0, 2, 0x9999);
	assert_int_equal(in(f, 0xe0, 1), 0x99);
	pc_testdev_reset(&f->dev);
	assert_int_equal(in(f, 0xe0, 4), 0);
}

static void test_flush(void **state)
{
	struct fixture *f = *state;

	out(f, 0xe4, 4, 0x123456);
	assert_int_equal(f->calls.flushes, 1);
	assert_int_equal(f->calls.last_gpa, 0x123000);
	/* Not 4 bytes, or a page beyond RAM: ignored. */
	out(f, 0xe4, 2, 0x5000);
	out(f, 0xe4, 1, 0x5000);
	out(f, 0xe4, 4, MEM_SIZE);
	out(f, 0xe4, 4, 0xfffff000);
	assert_int_equal(f->calls.flushes, 1);
	out(f, 0xe4, 4, MEM_SIZE - 1);
	assert_int_equal(f->calls.flushes, 2);
	assert_int_equal(f->calls.last_gpa, MEM_SIZE - 4096);
	assert_int_equal(in(f, 0xe4, 4), 0xffffffff);
}

static void test_irq(void **state)
{
	struct fixture *f = *state;

	out(f, 0x2000 + 4, 1, 1);
	assert_int_equal(f->calls.irqs, 1);
	assert_int_equal(f->calls.last_line, 4);
	assert_int_equal(f->calls.last_level, 1);
	out(f, 0x2000 + 23, 1, 0x80);
	assert_int_equal(f->calls.last_line, 23);
	assert_int_equal(f->calls.last_level, 1);
	out(f, 0x2000 + 23, 1, 0);
	assert_int_equal(f->calls.last_level, 0);
	/* Wider writes and the port after the last line: ignored. */
	out(f, 0x2000, 2, 1);
	out(f, 0x2000 + 24, 1, 1);
	assert_int_equal(f->calls.irqs, 3);
}

static void test_iomem(void **state)
{
	struct fixture *f = *state;

	access(f, IO_MMIO, PC_TESTDEV_IOMEM, 8, true, 0x0102030405060708ULL);
	assert_int_equal(access(f, IO_MMIO, PC_TESTDEV_IOMEM, 8, false, 0), 0x0102030405060708ULL);
	assert_int_equal(access(f, IO_MMIO, PC_TESTDEV_IOMEM + 1, 2, false, 0), 0x0607);
	access(f, IO_MMIO, PC_TESTDEV_IOMEM + 0xfffe, 2, true, 0xbeef);
	assert_int_equal(access(f, IO_MMIO, PC_TESTDEV_IOMEM + 0xfffe, 2, false, 0), 0xbeef);
	/* An access that runs past the end keeps the bytes inside and reads all-ones beyond. */
	access(f, IO_MMIO, PC_TESTDEV_IOMEM + 0xfffc, 8, true, 0x1122334455667788ULL);
	assert_int_equal(access(f, IO_MMIO, PC_TESTDEV_IOMEM + 0xfffc, 8, false, 0), 0xffffffff55667788ULL);
	pc_testdev_reset(&f->dev);
	assert_int_equal(access(f, IO_MMIO, PC_TESTDEV_IOMEM, 8, false, 0), 0);
}

static void test_no_irqchip(void **state)
{
	struct pc_testdev d;
	struct io_bus bus;

	(void)state;
	io_bus_init(&bus, NULL);
	assert_int_equal(pc_testdev_init(&d, MEM_SIZE, NULL), 0);
	assert_int_equal(pc_testdev_register(&d, &bus, NULL), 0);
	{
		uint8_t v = 1;
		struct io_access a = { .space = IO_PIO, .addr = 0x2001, .size = 1, .write = true, .data = &v };
		struct exit_outcome o = { .kind = EXIT_CONTINUE };

		io_bus_access(&bus, &a, &o);	/* no callback: dropped, no crash */
		a.addr = 0xe4;
		io_bus_access(&bus, &a, &o);
		assert_int_equal(o.kind, EXIT_CONTINUE);
	}
	pc_testdev_destroy(&d);
	io_bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iomem, setup, teardown),
		cmocka_unit_test(test_no_irqchip),
	};

	return cmocka_run_group_tests_name("pc-testdev", tests, NULL, NULL);
}
