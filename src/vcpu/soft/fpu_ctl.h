/* SPDX-License-Identifier: MIT */
/*
 * Private to the handlers that save and restore the x87/SSE state
 * (exec_fpu_ctl.c, exec_fpu_env.c).
 */
#ifndef MINIVMM_SOFT_FPU_CTL_H
#define MINIVMM_SOFT_FPU_CTL_H

#include "vcpu/soft/sys.h"

/*
 * The memory operand of in: its segment and offset, #UD when it is not
 * memory, #GP(0) when its linear address is not a multiple of align.
 */
int fpu_mem_operand(struct soft_cpu *cpu, const struct insn *in, unsigned align, int *seg,
		    uint64_t *off);

#endif
