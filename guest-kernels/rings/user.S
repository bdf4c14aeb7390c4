/* SPDX-License-Identifier: MIT */
/*
 * The ring-3 program of rings, linked at USER_BASE (rings.ld). It only uses
 * RIP-relative addressing. Before each instruction meant to fault it puts
 * its resume address in r15; the kernel's fault policy for ring 3 is to
 * report the fault and continue the program there.
 */
#include "rings.h"

/* A kernel address the user must not read: the kernel image itself. */
#define KERNEL_PROBE 0xffffffff80100000

	.section .user.text, "ax", @progbits
	.code64
	.globl user_entry
user_entry:
	/* write() through syscall */
	movl $SYS_WRITE, %eax
	leaq msg_syscall(%rip), %rdi
	movl $(msg_syscall_end - msg_syscall), %esi
	syscall

	/* write() through the DPL-3 gate int 0x80 */
	movl $SYS_WRITE, %eax
	leaq msg_int80(%rip), %rdi
	movl $(msg_int80_end - msg_int80), %esi
	int $0x80

	/* A privileged instruction: #GP(0) */
	leaq 1f(%rip), %r15
	cli
1:
	/* Reading a supervisor page: #PF, error code P|U (0x5) */
	leaq 2f(%rip), %r15
	movabsq $KERNEL_PROBE, %rbx
	movq (%rbx), %rax
2:
	/* add(40, 2) through syscall, then exit(result) through int 0x80 */
	movl $SYS_ADD, %eax
	movl $40, %edi
	movl $2, %esi
	syscall
	movq %rax, %rdi
	movl $SYS_EXIT, %eax
	int $0x80
	ud2

	.section .user.rodata, "a", @progbits
msg_syscall:
	.ascii "user: hello from ring 3 via syscall\n"
msg_syscall_end:
msg_int80:
	.ascii "user: hello from ring 3 via int 0x80\n"
msg_int80_end:

	.section .note.GNU-stack, "", @progbits
