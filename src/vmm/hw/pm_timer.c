// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI PM timer. ACPI 6.5 4.8.3.3: the timer counts at 3.579545 MHz and
 * wraps; software reads it from the port the FADT names (PM_TMR_BLK,
 * PM_TMR_LEN 4). Writes are ignored (the register is read-only). The
 * overflow status bit and its SCI (TMR_STS/TMR_EN in PM1) are not
 * implemented: vmm has no PM1 event block.
 */
#include "vmm/hw/pm_timer.h"

#include <string.h>

uint32_t pm_timer_count(uint64_t elapsed_ns)
{
	/* Split so that the product never overflows: ns = s * 1e9 + rest. */
	uint64_t s = elapsed_ns / 1000000000ULL, rest = elapsed_ns % 1000000000ULL;
	uint64_t ticks = s * PM_TIMER_HZ + rest * PM_TIMER_HZ / 1000000000ULL;

	return (uint32_t)(ticks & PM_TIMER_MASK);
}

void pm_timer_init(struct pm_timer *t, int64_t (*now_ns)(void))
{
	t->now_ns = now_ns;
	t->base_ns = now_ns();
}

static void pm_timer_io(void *opaque, struct io_access *a, struct exit_outcome *out)
{
	struct pm_timer *t = opaque;
	int64_t now = t->now_ns();
	uint32_t v = pm_timer_count(now > t->base_ns ? (uint64_t)(now - t->base_ns) : 0);

	(void)out;
	if (a->write)
		return;
	/* Narrower or offset reads see the matching bytes of the 32-bit register. */
	for (unsigned int i = 0; i < a->size; i++) {
		uint64_t byte = a->offset + i;

		a->data[i] = byte < 4 ? (uint8_t)(v >> (8 * byte)) : 0xff;
	}
}

int pm_timer_register(struct pm_timer *t, struct io_bus *bus, struct vmm_err *err)
{
	return io_bus_register(bus, IO_PIO, PM_TIMER_PORT, PM_TIMER_LEN, "acpi-pm-timer", pm_timer_io, t, err);
}
