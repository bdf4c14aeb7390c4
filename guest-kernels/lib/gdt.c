// SPDX-License-Identifier: MIT
/* The GDT and TSS of guests with a ring 3 (gdt.h). */
#include "gdt.h"
#include "kstring.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	/* One bit per port (1 = denied) and the trailing all-ones byte the SDM asks for. */
	uint8_t iomap[65536 / 8 + 1];
} __attribute__((packed));

static struct tss64 tss __attribute__((aligned(16)));
static uint64_t gdt[8] __attribute__((aligned(16))) = {
    0,
    0x00af9a000000ffff, /* 0x08 kernel code, 64-bit */
    0x00cf92000000ffff, /* 0x10 kernel data */
    0x00cffa000000ffff, /* 0x18 user code, 32-bit (unused; STAR base) */
    0x00cff2000000ffff, /* 0x20 user data */
    0x00affa000000ffff, /* 0x28 user code, 64-bit */
    0,			/* 0x30 TSS, low half (filled in below) */
    0,			/* 0x38 TSS, high half */
};

void gdt_init(uint64_t rsp0, uint64_t ist1)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};

	tss.rsp[0] = rsp0;
	tss.ist[0] = ist1;
	tss.iomap_base = __builtin_offsetof(struct tss64, iomap);
	memset(tss.iomap, 0xff, sizeof(tss.iomap));

	/* Available 64-bit TSS (type 9), present, DPL 0 (SDM vol. 3, 8.2.3). */
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
			   ((limit >> 16) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
			 : "rax", "memory");
}

void gdt_allow_ports(unsigned first, unsigned count, bool allow)
{
	for (unsigned p = first; p < first + count && p < 65536; p++) {
		if (allow)
			tss.iomap[p / 8] &= (uint8_t) ~(1u << (p % 8));
		else
			tss.iomap[p / 8] |= (uint8_t)(1u << (p % 8));
	}
}
