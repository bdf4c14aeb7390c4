// SPDX-License-Identifier: MIT
/* Descriptor tables and page tables for unit-test guests (see x86_tables.h). */
#include "support/x86_tables.h"

#include <string.h>

void x86_put32(uint8_t *ram, uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

void x86_put64(uint8_t *ram, uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

uint64_t x86_seg_desc(uint32_t base, uint32_t limit, unsigned type, unsigned s, unsigned dpl,
		      unsigned l, unsigned db, unsigned g)
{
	return (limit & 0xffffULL) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)type << 40) |
	       ((uint64_t)s << 44) | ((uint64_t)dpl << 45) | (1ULL << 47) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)l << 53) |
	       ((uint64_t)db << 54) | ((uint64_t)g << 55) | ((uint64_t)(base >> 24) << 56);
}

void x86_flat_seg(struct kvm_segment *k, uint16_t sel, unsigned type, unsigned dpl, unsigned l,
		  unsigned db)
{
	memset(k, 0, sizeof(*k));
	k->limit = 0xffffffff;
	k->selector = sel;
	k->type = (uint8_t)type;
	k->present = 1;
	k->dpl = (uint8_t)dpl;
	k->db = (uint8_t)db;
	k->s = 1;
	k->l = (uint8_t)l;
	k->g = 1;
}

void x86_idt64_gate(uint8_t *ram, uint64_t idt, unsigned vec, uint16_t sel, uint64_t off,
		    unsigned type, unsigned dpl, unsigned ist)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)ist << 32) |
		      ((uint64_t)type << 40) | ((uint64_t)dpl << 45) | (1ULL << 47) |
		      ((off >> 16) & 0xffff) << 48;

	x86_put64(ram, idt + vec * 16, lo);
	x86_put64(ram, idt + vec * 16 + 8, off >> 32);
}

void x86_idt32_gate(uint8_t *ram, uint64_t idt, unsigned vec, uint16_t sel, uint32_t off,
		    unsigned type, unsigned dpl)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)type << 40) |
		      ((uint64_t)dpl << 45) | (1ULL << 47) | (uint64_t)(off >> 16) << 48;

	x86_put64(ram, idt + vec * 8, lo);
}

void x86_identity_map_2m(uint8_t *ram, uint64_t pml4, uint64_t pdpt, uint64_t pd, unsigned n,
			 uint64_t flags)
{
	x86_put64(ram, pml4, pdpt | flags);
	x86_put64(ram, pdpt, pd | flags);
	for (uint64_t i = 0; i < n; i++)
		x86_put64(ram, pd + i * 8, (i << 21) | flags | X86_PTE_PS);
}

void x86_identity_map_4k(uint8_t *ram, uint64_t pt, uint64_t first_phys, unsigned n, uint64_t flags)
{
	for (uint64_t i = 0; i < n; i++)
		x86_put64(ram, pt + i * 8, (first_phys + (i << 12)) | flags);
}
