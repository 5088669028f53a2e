/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything a 64-bit guest needs, in one include. A guest defines
 *
 *	int main(const struct vmm_bootinfo *bi);
 *
 * which entry.S calls with the IDT loaded; its return value goes to
 * guest_exit(). See docs/guests.md.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmm/bootinfo.h>

#include "apic.h"
#include "args.h"
#include "console.h"
#include "exit.h"
#include "fwcfg.h"
#include "idt.h"
#include "io.h"
#include "mem.h"
#include "msr.h"
#include "tap.h"

/* The boot-info pointer the VMM passed in RDI, saved by entry.S. */
extern const struct vmm_bootinfo *guest_bootinfo;

int main(const struct vmm_bootinfo *bi);

#endif
