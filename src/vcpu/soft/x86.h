/* SPDX-License-Identifier: MIT */
/*
 * The x86 architecture as the software CPU sees it (Intel SDM vol. 3):
 * EFLAGS, CR0, CR4 and EFER bits, page-table entries and #PF error
 * codes, exception vectors, and the address-width rules every file
 * shares (canonical addresses, operand-size masks, instruction-pointer
 * and linear-address wrap). The one definition of each: no other header
 * of src/vcpu/soft defines these.
 */
#ifndef MINIVMM_SOFT_X86_H
#define MINIVMM_SOFT_X86_H

#include <stdbool.h>
#include <stdint.h>

/* ---- EFLAGS ---- */
#define FL_CF (1ULL << 0)
#define FL_FIXED (1ULL << 1) /* reads as 1 */
#define FL_PF (1ULL << 2)
#define FL_AF (1ULL << 4)
#define FL_ZF (1ULL << 6)
#define FL_SF (1ULL << 7)
#define FL_TF (1ULL << 8)
#define FL_IF (1ULL << 9)
#define FL_DF (1ULL << 10)
#define FL_OF (1ULL << 11)
#define FL_IOPL (3ULL << 12)
#define FL_NT (1ULL << 14)
#define FL_RF (1ULL << 16)
#define FL_VM (1ULL << 17)
#define FL_AC (1ULL << 18)
#define FL_VIF (1ULL << 19)
#define FL_VIP (1ULL << 20)
#define FL_ID (1ULL << 21)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* ---- control registers and EFER ---- */
#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)

#define CR4_VME (1ULL << 0)
#define CR4_PVI (1ULL << 1)
#define CR4_TSD (1ULL << 2)
#define CR4_DE (1ULL << 3)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_MCE (1ULL << 6)
#define CR4_PGE (1ULL << 7)
#define CR4_PCE (1ULL << 8)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE (1ULL << 16)
#define CR4_OSXSAVE (1ULL << 18)

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

/* ---- paging ---- */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)

/* #PF error code */
#define PF_P 1u
#define PF_W 2u
#define PF_U 4u
#define PF_RSVD 8u
#define PF_ID 16u

/* Physical and linear address widths this CPU implements (CPUID 0x80000008). */
#define SOFT_MAXPHYADDR 48
#define SOFT_MAXLINADDR 48

/* ---- descriptors: the type field of a code or data segment (S=1) ---- */
#define SEG_TYPE_ACCESSED 1u
#define SEG_TYPE_WR 2u /* data: writable; code: readable */
#define SEG_TYPE_DC 4u /* data: expand-down; code: conforming */
#define SEG_TYPE_CODE 8u

/* ---- exception vectors ---- */
enum {
	X_DE = 0,
	X_DB = 1,
	X_NMI = 2,
	X_BP = 3,
	X_OF = 4,
	X_BR = 5,
	X_UD = 6,
	X_NM = 7,
	X_DF = 8,
	X_TS = 10,
	X_NP = 11,
	X_SS = 12,
	X_GP = 13,
	X_PF = 14,
	X_MF = 16,
	X_AC = 17,
	X_MC = 18,
	X_XM = 19,
};

/* ---- address and operand widths ---- */

/* The low size bytes (1, 2, 4, 8). */
static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Bits 63:47 all equal (48-bit linear addresses). */
static inline bool is_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << (64 - SOFT_MAXLINADDR)) >> (64 - SOFT_MAXLINADDR)) == a;
}

/* A near branch target at operand size opsize (64-bit ones are not cut). */
static inline uint64_t ip_mask(uint64_t ip, unsigned opsize)
{
	return opsize == 8 ? ip : ip & size_mask(opsize);
}

/* RIP wraps at the code size: 16, 32 or 64 bits. */
static inline uint64_t rip_wrap_mask(unsigned code_bits)
{
	return size_mask(code_bits / 8);
}

/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
static inline uint64_t lin_wrap_mask(unsigned code_bits)
{
	return code_bits == 64 ? ~0ULL : 0xffffffffULL;
}

#endif
