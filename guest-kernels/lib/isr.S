/* SPDX-License-Identifier: MIT */
/*
 * One entry stub per IDT vector. Vectors where the CPU pushes an error
 * code (8, 10-14, 17, 21, 29, 30) do not push a dummy one, so every frame
 * has the same struct trap_frame layout (lib/idt.h).
 */
	.text
	.code64

.macro ISR_STUB vec
	.balign 16
isr_stub_\vec:
	.if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

/* Also the tail of lib/uspace_entry.S's syscall entry, which builds the same frame. */
	.globl isr_common
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_dispatch
/* Resume the frame at %rsp; lib/uspace_entry.S enters a user thread here. */
	.globl isr_return
isr_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector and error code */
	iretq

	.altmacro
.macro ISR_STUBS from, to
	ISR_STUB %(\from)
	.if \to-\from
	ISR_STUBS %(\from+1), \to
	.endif
.endm
.macro STUB_ADDR vec
	.quad isr_stub_\vec
.endm
.macro STUB_ADDRS from, to
	STUB_ADDR %(\from)
	.if \to-\from
	STUB_ADDRS %(\from+1), \to
	.endif
.endm

	ISR_STUBS 0, 63
	ISR_STUBS 64, 127
	ISR_STUBS 128, 191
	ISR_STUBS 192, 255

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	STUB_ADDRS 0, 63
	STUB_ADDRS 64, 127
	STUB_ADDRS 128, 191
	STUB_ADDRS 192, 255

	.section .note.GNU-stack, "", @progbits
