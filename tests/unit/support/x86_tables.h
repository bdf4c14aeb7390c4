/* SPDX-License-Identifier: MIT */
/*
 * The x86 structures unit-test guests need in their RAM, built in one
 * place for every harness: segment descriptors and their KVM form, IDT
 * gates, and identity-mapped page tables. Field layouts are the Intel
 * SDM's (vol. 3A: 3.4.5 segment descriptors, 6.11 and 6.14.1 IDT gates,
 * 4.5 4-level paging); nothing here comes from the code under test.
 *
 * Guest addresses are offsets into `ram`, a host mapping of guest-physical
 * address 0; the caller keeps them inside its RAM.
 */
#ifndef TEST_SUPPORT_X86_TABLES_H
#define TEST_SUPPORT_X86_TABLES_H

#include <stdint.h>
#include <linux/kvm.h>

/* Page-table entry bits (SDM vol. 3A, 4.5). */
#define X86_PTE_P 1ULL
#define X86_PTE_W 2ULL
#define X86_PTE_U 4ULL
#define X86_PTE_A 0x20ULL
#define X86_PTE_D 0x40ULL
#define X86_PTE_PS 0x80ULL
#define X86_PTE_NX (1ULL << 63)

/* Little-endian stores into guest RAM. */
void x86_put32(uint8_t *ram, uint64_t gpa, uint32_t v);
void x86_put64(uint8_t *ram, uint64_t gpa, uint64_t v);

/*
 * An 8-byte segment descriptor: limit in units of the granularity (g=1:
 * 4 KiB), type the 4-bit type field, s=1 for code/data, l the 64-bit code
 * flag, db the default size; always present.
 */
uint64_t x86_seg_desc(uint32_t base, uint32_t limit, unsigned type, unsigned s, unsigned dpl,
		      unsigned l, unsigned db, unsigned g);

/* The same flat (base 0, 4 GiB) code or data segment as KVM's struct kvm_segment. */
void x86_flat_seg(struct kvm_segment *k, uint16_t sel, unsigned type, unsigned dpl, unsigned l,
		  unsigned db);

/* A 16-byte long-mode gate for vector vec in the IDT at idt (type 0xe interrupt, 0xf trap). */
void x86_idt64_gate(uint8_t *ram, uint64_t idt, unsigned vec, uint16_t sel, uint64_t off,
		    unsigned type, unsigned dpl, unsigned ist);

/* An 8-byte protected-mode gate (type 0xe 32-bit interrupt, 0xf 32-bit trap). */
void x86_idt32_gate(uint8_t *ram, uint64_t idt, unsigned vec, uint16_t sel, uint32_t off,
		    unsigned type, unsigned dpl);

/*
 * 4-level paging identity map of the first n * 2 MiB with 2 MiB pages:
 * PML4[0] -> pdpt, PDPT[0] -> pd, PD[i] -> i * 2 MiB. flags (at least
 * X86_PTE_P) go on every entry; the leaves also get X86_PTE_PS.
 */
void x86_identity_map_2m(uint8_t *ram, uint64_t pml4, uint64_t pdpt, uint64_t pd, unsigned n,
			 uint64_t flags);

/* n 4 KiB page-table entries at pt mapping first_phys, first_phys + 4 KiB, ... with flags. */
void x86_identity_map_4k(uint8_t *ram, uint64_t pt, uint64_t first_phys, unsigned n,
			 uint64_t flags);

#endif
