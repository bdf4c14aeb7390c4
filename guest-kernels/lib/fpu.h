/* SPDX-License-Identifier: MIT */
/* x87/SSE set-up for guests whose C code uses floating point (fpmath, fpbench). */
#ifndef GUEST_FPU_H
#define GUEST_FPU_H

#include <stdint.h>

/*
 * As an OS does before any SSE code (SDM vol. 3 13.1.3): CR0.EM clear,
 * CR0.MP and NE set, CR4.OSFXSR and OSXMMEXCPT set, FNINIT. Returns 0,
 * or -1 (nothing changed) when CPUID leaf 1 lacks FXSR, SSE or SSE2;
 * *edx receives that CPUID word.
 */
int fpu_enable_sse(uint32_t *edx);

#endif
