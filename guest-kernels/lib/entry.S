/* SPDX-License-Identifier: MIT */
/*
 * PVH entry shared by every bundled guest.
 *
 * The loader (minivmm, or QEMU + qboot) enters pvh_start32 as the PVH ABI
 * says: 32-bit protected mode, paging off, flat CS/DS, EBX = guest-physical
 * address of struct hvm_start_info. We write the marker to port 0x80 first
 * (the exit accounting of issue 5 starts counting there), build page tables,
 * enter long mode and call lib_start(start_info) at its link address.
 *
 * Page tables: the first 4 GiB identity mapped with 2 MiB pages (RAM and the
 * 32-bit MMIO hole for virtio-mmio), and physical 0..1 GiB aliased again at
 * KERNEL_VBASE (0xffffffff80000000) for kernels linked in the higher half.
 * Everything used before the jump to the link address lives in the .boot.*
 * sections, which every linker script places at low, identity addresses.
 */
#include <xen/elfnote.h>

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define IDENT_GIB	4

	.section .note.Xen, "a", @note
	.balign 4
	.long 4			/* namesz: "Xen\0" */
	.long 8			/* descsz: a 64-bit address, as QEMU reads it for ELF64 */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start32
	.balign 4

	.section .boot.text, "ax", @progbits
	.code32
	.globl pvh_start32
pvh_start32:
	movb $0xa5, %al
	outb %al, $0x80
	cli
	cld

	/* PD entries: 2 MiB pages for 0 .. IDENT_GIB GiB, in IDENT_GIB consecutive PD pages. */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $(IDENT_GIB * 512), %ecx
	jb 1b

	/* Low PDPT: one entry per identity GiB. */
	movl $boot_pdpt_low, %edi
	movl $(boot_pd + PTE_P + PTE_W), %eax
	xorl %ecx, %ecx
2:	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $IDENT_GIB, %ecx
	jb 2b

	/* High PDPT: entry 510 (0xffffffff80000000) -> the first GiB's PD. */
	movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8
	movl $0, boot_pdpt_high + 510 * 8 + 4

	/* PML4: entry 0 -> low PDPT, entry 511 -> high PDPT. */
	movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
	movl $0, boot_pml4 + 4
	movl $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8
	movl $0, boot_pml4 + 511 * 8 + 4

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	lgdt boot_gdt_ptr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	ljmp $0x08, $boot_long

	.code64
boot_long:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl %ebx, %edi		/* start_info paddr */
	movabsq $lib_start, %rax
	call *%rax
3:	cli
	hlt
	jmp 3b

	.section .boot.rodata, "a", @progbits
	.balign 8
boot_gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096 * IDENT_GIB

	.section .bss
	.balign 16
boot_stack:	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
