/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting the other vCPUs (application processors) with INIT-SIPI-SIPI
 * through the local APIC (SDM Vol. 3A 9.4.4). Each AP runs a function on
 * its own stack in 64-bit mode, with the BSP's GDT, IDT and page tables.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#define SMP_MAX_APS		7
#define SMP_TRAMPOLINE		0xe000	/* below 1 MiB, in the boot area's free tail */
#define SMP_SIPI_VECTOR		(SMP_TRAMPOLINE >> 12)

typedef void (*smp_ap_fn)(unsigned int index);

/*
 * Start APs with APIC IDs 1..nr_aps (as vmm numbers them), each running
 * fn(index) with index 1..nr_aps, and wait until all have called
 * smp_ap_ready() or a bounded spin ends. Returns how many did.
 */
unsigned int smp_start_aps(unsigned int nr_aps, smp_ap_fn fn);

/* Called by an AP's fn to say it is up (after its own setup). */
void smp_ap_ready(void);

#endif
