/* SPDX-License-Identifier: MIT */
/*
 * The `syscall` way into a kernel from ring 3 (lib/uspace.h). syscall
 * leaves the user rip in rcx, rflags in r11 and rsp untouched; we move to
 * the kernel stack and build the very frame an interrupt gate would have
 * pushed (ss, rsp, rflags, cs, rip, error code, vector) so that the
 * exception path of lib/isr.S does the rest and returns with iretq.
 * One CPU and IF = 0 on entry (FMASK), so a plain variable can hold the
 * user rsp for the two instructions it needs (no swapgs needed).
 */
#include "uspace.h"

	.bss
	.balign 8
saved_user_rsp:	.quad 0

	.text
	.code64
	.globl uspace_syscall_entry
uspace_syscall_entry:
	movq %rsp, saved_user_rsp(%rip)
	movq uspace_kernel_rsp(%rip), %rsp
	pushq $SEL_UDATA
	pushq saved_user_rsp(%rip)
	pushq %r11
	pushq $SEL_UCODE
	pushq %rcx
	pushq $0
	pushq $USER_SYSCALL_VEC
	jmp isr_common

/* void uspace_resume(const struct trap_frame *tf): copy tf to the stack top, iretq from it. */
	.globl uspace_resume
uspace_resume:
	movq uspace_kernel_rsp(%rip), %rsp
	subq $(22 * 8), %rsp
	movq %rdi, %rsi
	movq %rsp, %rdi
	movl $22, %ecx
	cld
	rep movsq
	jmp isr_return

	.section .note.GNU-stack, "", @progbits
