/* SPDX-License-Identifier: MIT */
/*
 * mbtest's Multiboot v1 header and entry (Multiboot Specification 0.6.96,
 * 3.1 and 3.2): an ELF32 kernel, so no a.out kludge; entered in 32-bit
 * protected mode with paging off, EAX = magic, EBX = the info structure.
 */
#define ASM_FILE 1
#include <multiboot/multiboot.h>

#define MBTEST_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

	.section .multiboot, "a"
	.align 4
	.long MULTIBOOT_HEADER_MAGIC
	.long MBTEST_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MBTEST_FLAGS)

	.text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	push %ebx /* info */
	push %eax /* magic */
	call mbtest_main
1:	hlt
	jmp 1b

	.bss
	.align 16
	.space 8192
stack_top:
