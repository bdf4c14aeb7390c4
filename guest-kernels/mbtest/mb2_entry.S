/* SPDX-License-Identifier: MIT */
/*
 * mb2test's Multiboot2 header and entry (The Multiboot2 Specification 2.0,
 * 3.1 and 3.3), written from the specification's text, not from minivmm's
 * sources: magic 0xE85250D6, architecture 0 (i386), header_length and
 * checksum, then tags at 8-byte boundaries: a required information
 * request, an entry address tag naming mb2_entry (e_entry is a trap that
 * fails the test: the tag must win), an optional console flags tag that
 * requires nothing, a module alignment tag, and the end tag.
 */
#define MB2_MAGIC 0xe85250d6

	.section .multiboot2, "a"
	.align 8
hdr_start:
	.long MB2_MAGIC
	.long 0			/* architecture: i386 */
	.long hdr_end - hdr_start
	.long -(MB2_MAGIC + 0 + (hdr_end - hdr_start))

	.align 8		/* information request, required */
	.short 1, 0
	.long req_end - req_start + 8
req_start:
	.long 1, 2, 3, 4, 6, 14, 15 /* cmdline, loader name, modules, meminfo, mmap, RSDPs */
req_end:

	.align 8		/* entry address */
	.short 3, 0
	.long 12
	.long mb2_entry

	.align 8		/* console flags, optional: no console required */
	.short 4, 1
	.long 12
	.long 0

	.align 8		/* module alignment */
	.short 6, 0
	.long 8

	.align 8		/* end */
	.short 0, 0
	.long 8
hdr_end:

	.text
	.globl _start
_start:				/* e_entry: reached only if the entry tag was ignored */
	cli
	mov $stack_top, %esp
	call mb2test_wrong_entry
1:	hlt
	jmp 1b

	.globl mb2_entry
mb2_entry:
	cli
	mov $stack_top, %esp
	push %ebx /* the boot information */
	push %eax /* magic */
	call mb2test_main
2:	hlt
	jmp 2b

	.bss
	.align 16
	.space 8192
stack_top:
