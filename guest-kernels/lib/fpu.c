// SPDX-License-Identifier: MIT
/* x87/SSE set-up (see fpu.h). Integer-only code: it runs before SSE is on. */
#include "fpu.h"

#include "cpu.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CPUID1_FXSR_SSE_SSE2 0x07000000u

int fpu_enable_sse(uint32_t *edx)
{
	uint32_t a, b, c;
	uint64_t cr0, cr4;

	cpuid(1, 0, &a, &b, &c, edx);
	if ((*edx & CPUID1_FXSR_SSE_SSE2) != CPUID1_FXSR_SSE_SSE2)
		return -1;
	cr0 = (read_cr0() & ~(uint64_t)CR0_EM) | CR0_MP | CR0_NE;
	cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	__asm__ volatile("fninit");
	return 0;
}
