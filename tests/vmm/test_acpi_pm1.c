// SPDX-License-Identifier: GPL-2.0-only
/* ACPI PM1 event and control blocks: register semantics and the sleep states they enter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/hw/acpi_pm1.h"

struct fixture {
	struct io_bus bus;
	struct acpi_pm1 pm1;
};

static int setup(void **state)
{
	static struct fixture f;

	io_bus_init(&f.bus, NULL);
	acpi_pm1_reset(&f.pm1);
	if (acpi_pm1_register(&f.pm1, &f.bus, NULL))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	io_bus_destroy(&f->bus);
	return 0;
}

static uint64_t pio(struct fixture *f, uint16_t port, unsigned int size, bool write, uint64_t v,
		    struct exit_outcome *out)
{
	uint8_t data[8] = { 0 };
	struct io_access a = { .space = IO_PIO, .addr = port, .size = size, .write = write, .data = data };

	*out = (struct exit_outcome){ .kind = EXIT_CONTINUE };
	io_data_set(&a, v);
	io_bus_access(&f->bus, &a, out);
	return io_data_get(&a);
}

static void test_event_block(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;

	assert_int_equal(pio(f, ACPI_PM1_EVT_PORT, 4, false, 0, &out), 0);
	pio(f, ACPI_PM1_EVT_PORT + 2, 2, true, 0x0521, &out);		/* PM1_EN */
	assert_int_equal(pio(f, ACPI_PM1_EVT_PORT + 2, 2, false, 0, &out), 0x0521);
	assert_int_equal(pio(f, ACPI_PM1_EVT_PORT, 4, false, 0, &out), 0x05210000);
	f->pm1.sts = 0x8011;
	pio(f, ACPI_PM1_EVT_PORT, 2, true, 0x0010, &out);		/* write 1 to clear */
	assert_int_equal(pio(f, ACPI_PM1_EVT_PORT, 2, false, 0, &out), 0x8001);
	pio(f, ACPI_PM1_EVT_PORT, 4, true, 0x00ff8001, &out);		/* both at once */
	assert_int_equal(pio(f, ACPI_PM1_EVT_PORT, 4, false, 0, &out), 0x00ff0000);
	assert_int_equal(out.kind, EXIT_CONTINUE);
}

static void test_control_block(void **state)
{
	struct fixture *f = *state;
	struct exit_outcome out;

	/* SCI_EN always reads 1; SLP_EN reads 0; SLP_TYP without SLP_EN only sets the field. */
	assert_int_equal(pio(f, ACPI_PM1_CNT_PORT, 2, false, 0, &out), ACPI_PM1_CNT_SCI_EN);
	pio(f, ACPI_PM1_CNT_PORT, 2, true, 1u << 10, &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	assert_int_equal(pio(f, ACPI_PM1_CNT_PORT, 2, false, 0, &out), (1u << 10) | ACPI_PM1_CNT_SCI_EN);
	/* S3: what kvm-unit-tests' s3 writes. */
	pio(f, ACPI_PM1_CNT_PORT, 2, true, 0x2400, &out);
	assert_int_equal(out.kind, EXIT_SUSPEND);
	assert_non_null(strstr(out.msg, "ACPI S3"));
	assert_int_equal(pio(f, ACPI_PM1_CNT_PORT, 2, false, 0, &out) & ACPI_PM1_CNT_SLP_EN, 0);
	/* S5: power off, status 0. */
	pio(f, ACPI_PM1_CNT_PORT, 2, true, ACPI_PM1_CNT_SLP_EN, &out);
	assert_int_equal(out.kind, EXIT_GUEST_STATUS);
	assert_int_equal(out.status, 0);
	/* Other sleep types, and the high byte alone with SLP_EN (0x20 = bit 13) and type 5: ignored. */
	pio(f, ACPI_PM1_CNT_PORT, 2, true, ACPI_PM1_CNT_SLP_EN | (5u << 10), &out);
	assert_int_equal(out.kind, EXIT_CONTINUE);
	pio(f, ACPI_PM1_CNT_PORT + 1, 1, true, 0x24, &out);		/* byte write of the high byte: S3 */
	assert_int_equal(out.kind, EXIT_SUSPEND);
	acpi_pm1_reset(&f->pm1);
	assert_int_equal(pio(f, ACPI_PM1_CNT_PORT, 2, false, 0, &out), ACPI_PM1_CNT_SCI_EN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_block, setup, teardown),
	};

	return cmocka_run_group_tests_name("acpi-pm1", tests, NULL, NULL);
}
