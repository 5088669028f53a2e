/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of 32-bit multiboot guests. A multiboot loader enters in 32-bit
 * protected mode with paging off, EAX = 0x2BADB002 and EBX = the physical
 * address of the multiboot information (Multiboot Specification 3.2). The
 * GDTR may be invalid, so a GDT is loaded before any segment register is.
 * Then: .bss cleared, own stack, main(magic, info), guest_exit(result).
 */
#include "multiboot.h"

#define STACK_SIZE	(8 * 1024)
#define MB_FLAGS	(MULTIBOOT_HEADER_PAGE_ALIGN | MULTIBOOT_HEADER_MEMORY_INFO)

	.code32
	.section .text.entry, "ax"
	/* Spec 3.1.1: the header lies 4-byte aligned in the first 8 KiB. */
	.balign 4
multiboot_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

	.globl _start
_start:
	cli
	cld
	mov %eax, %esi			/* magic and info survive rep stosb */
	mov %ebx, %ebp
	lgdt gdt32_desc
	ljmp $0x08, $1f
1:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $stack_top, %esp
	push %ebp
	push %esi
	call main
	mov %eax, (%esp)
	call guest_exit

	.data
	.balign 8
gdt32:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code, 4 GiB */
	.quad 0x00cf93000000ffff	/* 0x10: data, 4 GiB */
gdt32_end:

	.section .rodata
	.balign 4
gdt32_desc:
	.word gdt32_end - gdt32 - 1
	.long gdt32

	.bss
	.balign 16
stack:
	.skip STACK_SIZE
stack_top:

/* No executable stack (the section is dropped at link time anyway). */
	.section .note.GNU-stack, "", @progbits
