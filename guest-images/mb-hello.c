// SPDX-License-Identifier: GPL-2.0-only
/*
 * mb-hello: proves that the VMM boots a 32-bit multiboot image: it is
 * entered with the bootloader magic, and the command line and module it was
 * given are where the multiboot information says. Output:
 *
 *	cmdline: <command line>
 *	module: <name> <length> bytes: <text>	(text if printable, <= 256 bytes)
 */
#include "guest32.h"

#define MB_HELLO_TEXT_MAX	256

/* Printable ASCII only, so a module's text stays on one output line. */
static bool mb_hello_printable(const char *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	}
	return true;
}

static void mb_hello_module(const struct multiboot_module *m)
{
	const char *name = m->string ? (const char *)(uintptr_t)m->string : "";
	const char *data = (const char *)(uintptr_t)m->mod_start;
	uint32_t len = m->mod_end - m->mod_start;
	uint32_t shown = len < MB_HELLO_TEXT_MAX ? len : MB_HELLO_TEXT_MAX;

	/* A text file's final newline is not part of what it says. */
	while (shown && (data[shown - 1] == '\n' || data[shown - 1] == '\r'))
		shown--;
	printf("module: %s %u bytes", name, len);
	if (mb_hello_printable(data, shown))
		printf(": %.*s\n", (int)shown, data);
	else
		printf(" (binary)\n");
}

int main(uint32_t magic, const struct multiboot_info *mbi)
{
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		printf("bad multiboot magic %#x (expected %#x)\n", magic,
		       MULTIBOOT_BOOTLOADER_MAGIC);
		return GUEST_EXIT_FAIL;
	}
	if (mbi->flags & MULTIBOOT_INFO_MEMORY)
		printf("memory: lower %u KiB, upper %u KiB\n", mbi->mem_lower,
		       mbi->mem_upper);
	printf("cmdline: %s\n", (mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline ?
	       (const char *)(uintptr_t)mbi->cmdline : "");
	if (mbi->flags & MULTIBOOT_INFO_MODS) {
		const struct multiboot_module *mods =
			(const struct multiboot_module *)(uintptr_t)mbi->mods_addr;

		for (uint32_t i = 0; i < mbi->mods_count; i++)
			mb_hello_module(&mods[i]);
	}
	return GUEST_EXIT_PASS;
}
