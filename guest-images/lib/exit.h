/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ending the VM. A write of V to the isa-debug-exit port (VMM_PORT_EXIT)
 * makes the VMM exit with status (V << 1) | 1, so the codes below become
 * the statuses meson's test runner understands.
 */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#include <stdint.h>

#define GUEST_EXIT_PASS	0	/* VMM status 1 */
#define GUEST_EXIT_FAIL	1	/* VMM status 3 */
#define GUEST_EXIT_SKIP	38	/* VMM status 77: meson's "skipped" */

/* Writes code to the exit port; if the VMM carries on, halts forever. */
__attribute__((noreturn)) void guest_exit(uint32_t code);

/* Halts with interrupts off; only an NMI or a reset ends it. */
__attribute__((noreturn)) void guest_halt(void);

#endif
