/* SPDX-License-Identifier: MIT */
/*
 * What the command layer may do to the machine: registers and
 * guest-virtual memory. target_vcpu.c implements it over the vcpu API and
 * guest RAM; tests and the fuzz target can supply their own.
 */
#ifndef MINIVMM_GDB_TARGET_H
#define MINIVMM_GDB_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "vcpu/vcpu.h"

struct guest_mem;

struct gdb_target {
	int (*get_regs)(struct gdb_target *t, struct vcpu_regs *r); /* 0 or -errno */
	int (*set_regs)(struct gdb_target *t, const struct vcpu_regs *r);
	/* The x87/SSE state as an FXSAVE image; either may be NULL (registers unavailable). */
	int (*get_fx)(struct gdb_target *t, uint8_t fx[VCPU_FXSAVE_SIZE]);
	int (*set_fx)(struct gdb_target *t, const uint8_t fx[VCPU_FXSAVE_SIZE]);
	/*
	 * Guest-virtual memory, translated through the guest's page tables.
	 * Return the bytes done from the start of the range: short when a
	 * page is unmapped or not RAM.
	 */
	size_t (*read_mem)(struct gdb_target *t, uint64_t gva, void *buf, size_t n);
	size_t (*write_mem)(struct gdb_target *t, uint64_t gva, const void *buf, size_t n);
};

/* The real machine: one vCPU (KVM_TRANSLATE) and guest RAM (guest_mem_ptr). */
struct gdb_vcpu_target {
	struct gdb_target ops;
	struct vcpu *cpu;
	const struct guest_mem *mem;
};

void gdb_vcpu_target_init(struct gdb_vcpu_target *t, struct vcpu *cpu, const struct guest_mem *mem);

#endif
