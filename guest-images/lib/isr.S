/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One stub per vector. Each pushes a zero where the CPU pushes no error
 * code, so every frame has the same shape, then its vector number, and
 * jumps to isr_common. idt_stub_table[] holds the stub addresses.
 */

/* SDM Vol. 3A 6.13 / 6.15: the vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

	.code64
	.section .rodata.idt_stubs, "a"
	.balign 8
	.globl idt_stub_table
idt_stub_table:

	.text
	.set vec, 0
	.rept 256
	.balign 16
1:
	.if HAS_ERROR_CODE(vec)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.pushsection .rodata.idt_stubs, "a"
	.quad 1b
	.popsection
	.set vec, vec + 1
	.endr

/*
 * The CPU aligned RSP to 16 before its 5-word frame (SDM 6.14.2); with the
 * error code, the vector and 15 GPRs the stack is 16-byte aligned again at
 * the call, as the SysV ABI wants.
 */
isr_common:
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rbp
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rbx
	push %rax
	cld
	mov %rsp, %rdi
	call idt_dispatch
	pop %rax
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	add $16, %rsp		/* vector and error code */
	iretq

/* No executable stack (the section is dropped at link time anyway). */
	.section .note.GNU-stack, "", @progbits
