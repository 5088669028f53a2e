/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's command line. vmm passes "IMAGE ARGS" (docs/boot.md), as QEMU's
 * multiboot loader and GRUB do: the first word is the image path, argv[0].
 */
#ifndef GUEST_ARGS_H
#define GUEST_ARGS_H

#include <vmm/bootinfo.h>

/* The whole command line from the boot info; "" when it has none or it lies above 4 GiB. */
const char *guest_cmdline(const struct vmm_bootinfo *bi);

/* What follows the first word of cmdline and the spaces after it. */
const char *cmdline_skip_argv0(const char *cmdline);

/* The arguments: guest_cmdline() without argv[0]. */
const char *guest_args(const struct vmm_bootinfo *bi);

#endif
