// SPDX-License-Identifier: MIT
/*
 * DPPS and DPPD compute in stages, products then sums, and "exceptions
 * are determined separately for each add and multiply operation, in the
 * order of their execution" (SDM vol. 2 DPPS/DPPD): an exception the
 * guest unmasks in the multiply stage stops the instruction there, and
 * #XM reports that stage's flags only. The native executor runs the whole
 * instruction with every exception masked, which ORs the flags of all
 * stages; this file redoes the multiply stage alone (MULPS/MULPD of the
 * lanes imm8[7:4] selects, the others +0.0 and so flagless) on the host
 * under the same masked MXCSR to tell the stages apart.
 */
#include <string.h>

#include "vcpu/soft/fpu.h"
#include "vcpu/soft/fpu_native.h"

#define MXCSR_PRE 0x7u /* invalid, denormal, divide-by-zero: before a computation */

/* MXCSR's flags after a * b lane-wise (floats, or doubles if pd) under mxcsr. */
static uint32_t mul_flags(const uint8_t *a, const uint8_t *b, bool pd, uint32_t mxcsr)
{
	uint32_t host = 0, out = 0, is_pd = pd;

	__asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[m]\n\tmovups %[a], %%xmm0\n\t"
			 "movups %[b], %%xmm1\n\ttest %[pd], %[pd]\n\tjz 1f\n\t"
			 "mulpd %%xmm1, %%xmm0\n\tjmp 2f\n"
			 "1:\tmulps %%xmm1, %%xmm0\n"
			 "2:\tstmxcsr %[o]\n\tldmxcsr %[h]"
			 : [h] "+m"(host), [o] "=m"(out)
			 : [m] "m"(mxcsr), [a] "m"(*(const uint8_t(*)[16])a),
			   [b] "m"(*(const uint8_t(*)[16])b), [pd] "r"(is_pd)
			 : "xmm0", "xmm1", "cc");
	return out & 0x3fu;
}

uint32_t fnat_dp_flags(const struct fnat_info *fi, const uint8_t *fx, const uint8_t *mem,
		       uint32_t mx_run, uint32_t raised, uint32_t unmasked)
{
	uint8_t a[16], b[16];
	unsigned lanes = 16 / fi->dp, i;
	uint32_t m1;

	memcpy(a, fx + FPU_OFF_XMM(fi->dp_dst), 16);
	memcpy(b, fi->dp_src == 0xff ? mem : fx + FPU_OFF_XMM(fi->dp_src), 16);
	for (i = 0; i < lanes; i++) {
		if (!(fi->dp_imm >> (4 + i) & 1)) {
			memset(a + i * fi->dp, 0, fi->dp);
			memset(b + i * fi->dp, 0, fi->dp);
		}
	}
	m1 = mul_flags(a, b, fi->dp == 8, mx_run);
	if (m1 & unmasked)
		return (m1 & unmasked & MXCSR_PRE) ? m1 & MXCSR_PRE : m1;
	/* the sums raised it: the products' flags, and the sums' (pre-computation ones only) */
	return (raised & unmasked & MXCSR_PRE) ? m1 | (raised & MXCSR_PRE) : raised;
}
