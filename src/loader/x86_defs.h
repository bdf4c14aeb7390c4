/* SPDX-License-Identifier: MIT */
/* x86 control-register, paging and descriptor bits the boot protocols set (Intel SDM vol. 3). */
#ifndef MINIVMM_X86_DEFS_H
#define MINIVMM_X86_DEFS_H

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_MP (1ULL << 1)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_NE (1ULL << 5)
#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_AM (1ULL << 18)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_CR4_OSFXSR (1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)
#define X86_RFLAGS_RESERVED (1ULL << 1)

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)
#define PAGE_SIZE 0x1000ULL
#define GIB (1ULL << 30)

#define SEG_TYPE_CODE_RX_ACCESSED 0xb
#define SEG_TYPE_DATA_RW_ACCESSED 0x3
#define SEG_TYPE_TSS_BUSY 0xb

#endif
