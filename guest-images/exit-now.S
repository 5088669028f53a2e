/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exit-now: the smallest guest. Its first instructions write 0 to the exit
 * port, so the VMM's status is 1 and launch-to-exit time is all VMM. No
 * library, no stack, no data.
 */
#define VMM_PORT_EXIT	0xf4	/* include/vmm/bootinfo.h */

	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	xor %eax, %eax
	out %eax, $VMM_PORT_EXIT
1:
	cli
	hlt
	jmp 1b

/* No executable stack (the section is dropped at link time anyway). */
	.section .note.GNU-stack, "", @progbits
