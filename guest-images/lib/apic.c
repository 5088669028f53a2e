// SPDX-License-Identifier: GPL-2.0-only
#include "apic.h"
#include "io.h"
#include "msr.h"

uint32_t apic_read(uint32_t reg)
{
	return mmio_read32(APIC_DEFAULT_BASE + reg);
}

void apic_write(uint32_t reg, uint32_t val)
{
	mmio_write32(APIC_DEFAULT_BASE + reg, val);
}

void apic_enable(uint8_t spurious_vector)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	/*
	 * SDM Vol. 3A 11.12.5: leaving x2APIC mode requires passing through
	 * the disabled state, so clear EXTD together with EN first.
	 */
	if (base & APIC_BASE_X2APIC) {
		base &= ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
}

uint32_t apic_id(void)
{
	/* SDM Vol. 3A 11.4.6: the xAPIC ID is in bits 31:24. */
	return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_set_lvtpc(uint32_t val)
{
	apic_write(APIC_LVTPC, val);
}

uint32_t apic_get_lvtpc(void)
{
	return apic_read(APIC_LVTPC);
}
