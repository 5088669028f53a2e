/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reset-now: resets the machine through port 0xcf9 (SYS_RST | RST_CPU) as
 * its first instructions, on every boot, so a reset storm costs only what
 * the VMM's reset costs: `vmm run --max-resets=N` ends it (status 12) after
 * N resets. Uses exit-now.lds: no library, no stack, no data.
 */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	mov $0x06, %al
	mov $0xcf9, %dx
	out %al, %dx
1:
	cli
	hlt
	jmp 1b

/* No executable stack (the section is dropped at link time anyway). */
	.section .note.GNU-stack, "", @progbits
