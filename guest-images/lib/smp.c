// SPDX-License-Identifier: GPL-2.0-only
#include "smp.h"

#include <stdint.h>

#include "apic.h"
#include "io.h"
#include "mem.h"

#define AP_STACK_SIZE	8192

extern const uint8_t smp_trampoline[], smp_trampoline_end[];
extern const uint8_t smp_tr_gdtr[], smp_tr_idtr[], smp_tr_cr3[], smp_tr_cs[], smp_tr_ds[];
extern const uint8_t smp_tr_entry[], smp_tr_stacks[], smp_tr_stack_size[], smp_tr_next[];

static uint8_t ap_stacks[SMP_MAX_APS][AP_STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned int ap_ready;

/* Where a field of the trampoline lands in its low-memory copy. */
static void *tr_field(const uint8_t *sym)
{
	return (void *)(uintptr_t)(SMP_TRAMPOLINE + (uintptr_t)(sym - smp_trampoline));
}

static void tr_fill(smp_ap_fn fn)
{
	uint64_t cr3, stacks = (uint64_t)(uintptr_t)ap_stacks;
	uint16_t cs, ds;

	memcpy((void *)(uintptr_t)SMP_TRAMPOLINE, smp_trampoline, (size_t)(smp_trampoline_end - smp_trampoline));
	asm volatile("sgdt %0" : "=m"(*(uint8_t (*)[10])tr_field(smp_tr_gdtr)));
	asm volatile("sidt %0" : "=m"(*(uint8_t (*)[10])tr_field(smp_tr_idtr)));
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile("mov %%cs, %0" : "=r"(cs));
	asm volatile("mov %%ds, %0" : "=r"(ds));
	memcpy(tr_field(smp_tr_cr3), &cr3, 8);
	memcpy(tr_field(smp_tr_cs), &cs, 2);
	memcpy(tr_field(smp_tr_ds), &ds, 2);
	memcpy(tr_field(smp_tr_entry), &fn, 8);
	memcpy(tr_field(smp_tr_stacks), &stacks, 8);	/* AP #i's stack top: stacks + i * size */
	*(uint32_t *)tr_field(smp_tr_stack_size) = AP_STACK_SIZE;
	*(uint32_t *)tr_field(smp_tr_next) = 1;
}

/* SDM Vol. 3A 10.6.1: ICR delivery modes INIT (101b) and Start-Up (110b), level assert. */
static void send_ipi(uint32_t apic, uint32_t low)
{
	apic_write(APIC_ICR2, apic << 24);
	apic_write(APIC_ICR, low);
	for (unsigned int i = 0; i < 100000 && (apic_read(APIC_ICR) & (1u << 12)); i++)
		pause();	/* delivery status: send pending */
}

void smp_ap_ready(void)
{
	__atomic_add_fetch(&ap_ready, 1, __ATOMIC_SEQ_CST);
}

unsigned int smp_start_aps(unsigned int nr_aps, smp_ap_fn fn)
{
	if (nr_aps > SMP_MAX_APS)
		nr_aps = SMP_MAX_APS;
	ap_ready = 0;
	tr_fill(fn);
	apic_enable(0xff);
	for (uint32_t id = 1; id <= nr_aps; id++) {
		send_ipi(id, 0x4500);				/* INIT, assert */
		send_ipi(id, 0x4600 | SMP_SIPI_VECTOR);		/* Start-Up */
		send_ipi(id, 0x4600 | SMP_SIPI_VECTOR);		/* and again, as the SDM says */
	}
	for (unsigned long spin = 0; spin < 50000000UL && ap_ready < nr_aps; spin++)
		pause();
	return ap_ready;
}
