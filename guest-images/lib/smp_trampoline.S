/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Application-processor start-up code (SDM Vol. 3A 9.4.4, 10.4.4): an AP
 * leaves INIT in real mode at SIPI_VECTOR << 12 with CS = SIPI_VECTOR << 8,
 * IP = 0. smp.c copies this block there and fills its data: the BSP's GDT
 * and IDT registers, CR3, the code selector, the entry point and the stacks.
 * The AP turns on PAE, long mode and paging exactly like the BSP runs, takes
 * the next stack and calls the entry point with its index in EDI.
 */
#define TRAMPOLINE_BASE	0xe000
#define OFF(x)		((x) - smp_trampoline)

	.section .rodata
	.globl smp_trampoline, smp_trampoline_end
	.globl smp_tr_gdtr, smp_tr_idtr, smp_tr_cr3, smp_tr_cs, smp_tr_ds, smp_tr_entry
	.globl smp_tr_stacks, smp_tr_stack_size, smp_tr_next
	.code16
smp_trampoline:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl OFF(smp_tr_gdtr)
	mov %cr4, %eax
	or $0x20, %eax				/* CR4.PAE */
	mov %eax, %cr4
	mov OFF(smp_tr_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx			/* IA32_EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax			/* CR0.PG | CR0.PE */
	mov %eax, %cr0
	/* A far jump with a 32-bit offset: the code selector is patched in below. */
	.byte 0x66, 0xea
	.long TRAMPOLINE_BASE + OFF(smp_long)
smp_tr_cs:
	.word 0x08

	.code64
smp_long:
	movzwl TRAMPOLINE_BASE + OFF(smp_tr_ds), %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	lidt TRAMPOLINE_BASE + OFF(smp_tr_idtr)
	mov $1, %edi
	lock xadd %edi, TRAMPOLINE_BASE + OFF(smp_tr_next)	/* this AP's index, from 1 */
	mov %edi, %eax
	imul TRAMPOLINE_BASE + OFF(smp_tr_stack_size), %eax
	mov TRAMPOLINE_BASE + OFF(smp_tr_stacks), %rsp
	add %rax, %rsp				/* the top of ap_stacks[index - 1] */
	mov TRAMPOLINE_BASE + OFF(smp_tr_entry), %rax
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
smp_tr_gdtr:	.word 0
		.quad 0
smp_tr_idtr:	.word 0
		.quad 0
smp_tr_cr3:	.quad 0
smp_tr_entry:	.quad 0
smp_tr_stacks:	.quad 0
smp_tr_stack_size: .long 0
smp_tr_next:	.long 1
smp_tr_ds:	.word 0x10
smp_trampoline_end:
