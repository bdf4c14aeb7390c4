/* SPDX-License-Identifier: MIT */
/* kvmclock of a soft vCPU (pvclock.c). */
#ifndef MINIVMM_SOFT_PVCLOCK_H
#define MINIVMM_SOFT_PVCLOCK_H

#include <stdint.h>

struct soft_cpu;

/* MSR_KVM_SYSTEM_TIME_NEW / MSR_KVM_WALL_CLOCK_NEW: 0, or 1 when index is neither. */
int pvclock_msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v);
int pvclock_msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v);
/* Before running: rewrite the time record if the KVM clock or the TSC offset moved. */
void pvclock_refresh(struct soft_cpu *cpu);
/* The pvclock multiplier and shift converting ticks of tsc_hz to ns. */
void pvclock_scale(uint64_t tsc_hz, int8_t *shift, uint32_t *mul);

#endif
