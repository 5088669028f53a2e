/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local APIC access through the xAPIC MMIO page (SDM Vol. 3A chapter 11,
 * "Advanced Programmable Interrupt Controller"). The VMM's in-kernel LAPIC
 * sits at the architectural default base; the boot page tables map it.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdint.h>

#define APIC_DEFAULT_BASE	0xfee00000UL

/* SDM Vol. 3A 11.4.1, table 11-1: register offsets in the APIC page. */
#define APIC_ID		0x020
#define APIC_LVR	0x030	/* version; bits 23:16 = max LVT entry */
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0	/* spurious-interrupt vector register */
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320	/* timer */
#define APIC_LVTTHMR	0x330	/* thermal sensor */
#define APIC_LVTPC	0x340	/* performance-monitoring counters */
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

/* SDM Vol. 3A 11.5.1, figure 11-8: LVT entry fields. */
#define APIC_LVT_VECTOR_MASK	0xffu
#define APIC_DM_FIXED		(0u << 8)
#define APIC_DM_NMI		(4u << 8)
#define APIC_LVT_PENDING	(1u << 12)	/* delivery status */
#define APIC_LVT_MASKED		(1u << 16)

/* SDM Vol. 3A 11.9: SVR bit 8 enables the APIC in software. */
#define APIC_SVR_ENABLE		(1u << 8)

/* SDM Vol. 3A 11.4.4: IA32_APIC_BASE bits. */
#define APIC_BASE_BSP		(1ull << 8)
#define APIC_BASE_X2APIC	(1ull << 10)
#define APIC_BASE_ENABLE	(1ull << 11)

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t val);

/*
 * Globally enables the APIC in xAPIC mode if needed (IA32_APIC_BASE) and
 * software-enables it with spurious_vector in the SVR.
 */
void apic_enable(uint8_t spurious_vector);

uint32_t apic_id(void);
void apic_eoi(void);
void apic_set_lvtpc(uint32_t val);
uint32_t apic_get_lvtpc(void);

#endif
