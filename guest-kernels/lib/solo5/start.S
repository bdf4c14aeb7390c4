/* SPDX-License-Identifier: MIT */
/*
 * Solo5 hvt entry: the tender has already set up long mode, its page
 * tables and GDT, RSP near the top of RAM and RDI = the boot info, so the
 * library OS has nothing to switch: clear the frame pointer and go to C.
 */
	.section .text.entry, "ax", @progbits
	.code64
	.globl _start
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call hvt_start
1:	hlt
	jmp 1b
