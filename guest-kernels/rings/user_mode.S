/* SPDX-License-Identifier: MIT */
/*
 * Ring transitions for rings: the syscall entry point (swapgs, switch to
 * the kernel stack, sysretq back), the iretq into ring 3 and the way back
 * to the kernel code that entered user mode.
 */
#include "rings.h"

#define MSR_EFER	0xc0000080
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define MSR_GS_BASE	0xc0000101
#define MSR_KGS_BASE	0xc0000102
#define EFER_SCE	1
/* Cleared on syscall entry: TF, IF, DF, NT. */
#define FMASK_BITS	0x4700

/* Per-CPU block reached through %gs after swapgs. */
#define PERCPU_KERNEL_RSP	0
#define PERCPU_USER_RSP		8

	.data
	.balign 16
	.globl percpu_kernel_rsp
percpu:
percpu_kernel_rsp:	.quad 0
percpu_user_rsp:	.quad 0
kernel_resume_rsp:	.quad 0

	.text
	.code64

/* void syscall_init_msrs(void) */
	.globl syscall_init_msrs
syscall_init_msrs:
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_SCE, %eax
	wrmsr
	movl $MSR_STAR, %ecx
	xorl %eax, %eax
	movl $((SEL_USER_BASE << 16) | SEL_KCODE), %edx
	wrmsr
	movl $MSR_LSTAR, %ecx
	leaq syscall_entry(%rip), %rax
	movq %rax, %rdx
	shrq $32, %rdx
	wrmsr
	movl $MSR_FMASK, %ecx
	movl $FMASK_BITS, %eax
	xorl %edx, %edx
	wrmsr
	/* Kernel runs with GS base 0; swapgs brings in the per-CPU block. */
	movl $MSR_GS_BASE, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	movl $MSR_KGS_BASE, %ecx
	leaq percpu(%rip), %rax
	movq %rax, %rdx
	shrq $32, %rdx
	wrmsr
	ret

/* Entered by syscall from ring 3: rcx = user rip, r11 = user rflags, rsp = user stack. */
syscall_entry:
	swapgs
	movq %rsp, %gs:PERCPU_USER_RSP
	movq %gs:PERCPU_KERNEL_RSP, %rsp
	pushq %rcx
	pushq %r11
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	/* syscall_dispatch(nr = rax, a0 = rdi, a1 = rsi, path = 0) */
	movq %rsi, %rdx
	movq %rdi, %rsi
	movq %rax, %rdi
	xorl %ecx, %ecx
	call syscall_dispatch
	popq %r10
	popq %r9
	popq %r8
	popq %rdx
	popq %rsi
	popq %rdi
	popq %r11
	popq %rcx
	movq %gs:PERCPU_USER_RSP, %rsp
	swapgs
	sysretq

/* uint64_t enter_user(uint64_t rip, uint64_t rsp) */
	.globl enter_user
enter_user:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, kernel_resume_rsp(%rip)
	pushq $SEL_UDATA		/* ss */
	pushq %rsi			/* rsp */
	pushq $0x2			/* rflags: IF=0, IOPL=0 */
	pushq $SEL_UCODE		/* cs */
	pushq %rdi			/* rip */
	/* Hand ring 3 no kernel values. */
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	movl $SEL_UDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	xorl %eax, %eax
	iretq

/* void return_to_kernel(uint64_t value): unwind to enter_user's caller. */
	.globl return_to_kernel
return_to_kernel:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq kernel_resume_rsp(%rip), %rsp
	movq %rdi, %rax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.section .note.GNU-stack, "", @progbits
