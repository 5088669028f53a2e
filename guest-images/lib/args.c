// SPDX-License-Identifier: GPL-2.0-only
#include "args.h"

#include <stdint.h>

const char *guest_cmdline(const struct vmm_bootinfo *bi)
{
	if (!bi || bi->magic != VMM_BOOTINFO_MAGIC || !bi->cmdline || bi->cmdline >= (1ULL << 32))
		return "";
	return (const char *)(uintptr_t)bi->cmdline;
}

const char *cmdline_skip_argv0(const char *s)
{
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

const char *guest_args(const struct vmm_bootinfo *bi)
{
	return cmdline_skip_argv0(guest_cmdline(bi));
}
