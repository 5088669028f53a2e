/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 64-bit entry. The VMM enters here in long mode with paging on (low 4 GiB
 * identity-mapped), interrupts off, RDI = struct vmm_bootinfo * and RSP in
 * the boot area (docs/boot.md). Nothing of the boot area is kept: .bss is
 * cleared (a reset reloads the image, and a reloaded guest must start
 * clean), the stack and the GDT move into the image, and the IDT is built.
 */
#define STACK_SIZE	(16 * 1024)

	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	cli
	cld
	mov %rdi, %rbx			/* boot info: rep stosb clobbers RDI */
	lea __bss_start(%rip), %rdi
	lea __bss_end(%rip), %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	lea stack_top(%rip), %rsp

	lgdt gdt_desc(%rip)
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	/* A far return is the way to reload CS in 64-bit mode. */
	pushq $0x08
	lea 1f(%rip), %rax
	push %rax
	lretq
1:
	mov %rbx, guest_bootinfo(%rip)
	call idt_init
	mov %rbx, %rdi
	call main
	mov %eax, %edi
	call guest_exit

/*
 * The same selectors as the VMM's boot GDT (docs/boot.md), so code that
 * assumes them keeps working. The accessed bits are preset: the CPU does
 * not then write to the table when loading a selector (SDM Vol. 3A 3.4.5.1).
 */
	.data
	.balign 16
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf93000000ffff	/* 0x10: data, 4 GiB */
	.quad 0x00cf9b000000ffff	/* 0x18: 32-bit code, 4 GiB */
	.quad 0x00cf93000000ffff	/* 0x20: 32-bit data, 4 GiB */
gdt_end:

	.section .rodata
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl guest_bootinfo
	.bss
	.balign 8
guest_bootinfo:
	.quad 0

	.balign 16
stack:
	.skip STACK_SIZE
stack_top:

/* No executable stack (the section is dropped at link time anyway). */
	.section .note.GNU-stack, "", @progbits
