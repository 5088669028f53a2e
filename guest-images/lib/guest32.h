/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 32-bit runtime for multiboot guests: serial console, printf, exit and
 * the string functions; no IDT (an exception is a triple fault). A guest
 * defines
 *
 *	int main(uint32_t magic, const struct multiboot_info *mbi);
 *
 * which entry32.S calls; its return value goes to guest_exit().
 */
#ifndef GUEST32_H
#define GUEST32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmm/bootinfo.h>

#include "console.h"
#include "exit.h"
#include "io.h"
#include "mem.h"
#include "multiboot.h"

int main(uint32_t magic, const struct multiboot_info *mbi);

#endif
