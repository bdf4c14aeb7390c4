/* SPDX-License-Identifier: MIT */
/* The memory type range registers of the soft CPU (mtrr.c). */
#ifndef MINIVMM_SOFT_MTRR_H
#define MINIVMM_SOFT_MTRR_H

#include <stdbool.h>
#include <stdint.h>

#define MTRR_NR_VAR 8	 /* variable ranges, as KVM offers (MTRRcap.VCNT) */
#define MTRR_NR_FIXED 11 /* 64K_00000, 16K_80000, 16K_A0000, 4K_C0000..4K_F8000 */

struct soft_mtrr {
	uint64_t def_type;
	uint64_t fixed[MTRR_NR_FIXED];
	uint64_t var[2 * MTRR_NR_VAR]; /* PhysBase0, PhysMask0, PhysBase1, ... */
};

/* 0 done, -1 #GP, 1 not an MTRR (the caller looks elsewhere). */
int mtrr_msr_read(const struct soft_mtrr *m, uint32_t index, uint64_t *v);
int mtrr_msr_write(struct soft_mtrr *m, uint32_t index, uint64_t v, unsigned maxphyaddr);

#endif
