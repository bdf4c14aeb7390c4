/* SPDX-License-Identifier: MIT */
/*
 * Breakpoints and watchpoints gdb asked for (Z/z packets).
 * Software breakpoints are int3 bytes the stub writes into guest memory
 * only while the guest runs (KVM_GUESTDBG_USE_SW_BP makes them exit to
 * us): whenever gdb can look, memory holds the original bytes. Hardware
 * breakpoints and watchpoints occupy the four debug registers DR0-DR3,
 * enabled through DR7 (KVM_GUESTDBG_USE_HW_BP).
 */
#ifndef MINIVMM_GDB_BREAKPOINTS_H
#define MINIVMM_GDB_BREAKPOINTS_H

#include <stdbool.h>
#include <stdint.h>

#include "gdb/target.h"
#include "vcpu/vcpu.h"

#define GDB_MAX_SW_BPS 64
#define GDB_NR_DEBUGREGS 4

/* The Z packet types. */
enum gdb_bp_type {
	GDB_BP_SW = 0,
	GDB_BP_HW = 1,
	GDB_WP_WRITE = 2,
	GDB_WP_READ = 3,
	GDB_WP_ACCESS = 4,
};

struct gdb_sw_bp {
	uint64_t addr;
	uint8_t saved; /* the original byte while the int3 is in memory */
	bool inserted;
};

/*
 * One debug register. A watchpoint x86 cannot cover with one takes
 * several; a software breakpoint on memory not mapped yet takes one too.
 */
struct gdb_hw_slot {
	bool used;
	enum gdb_bp_type type;
	uint64_t addr;	   /* what this register watches */
	unsigned len;	   /* 1, 2, 4 or 8, addr aligned to it */
	uint64_t gdb_addr; /* the Z packet's address and kind, to match z */
	uint64_t gdb_kind;
};

struct gdb_breakpoints {
	struct gdb_sw_bp sw[GDB_MAX_SW_BPS];
	unsigned nr_sw;
	struct gdb_hw_slot hw[GDB_NR_DEBUGREGS];
};

void gdb_bp_init(struct gdb_breakpoints *b);
/*
 * Z: add one. 0, -EINVAL (bad type or kind), -ENOSPC (no room: gdb then
 * says so), -EFAULT (a software breakpoint on memory that does not
 * translate, with no debug register free to stand in for it). Adding one
 * that exists is 0 (gdb may repeat a Z).
 */
int gdb_bp_add(struct gdb_breakpoints *b, struct gdb_target *t, unsigned type, uint64_t addr,
	       uint64_t kind);
/* z: remove one; 0, or -ENOENT/-EINVAL. */
int gdb_bp_remove(struct gdb_breakpoints *b, unsigned type, uint64_t addr, uint64_t kind);
/* Before the guest runs: write int3 at each software breakpoint (unmapped ones wait). */
void gdb_bp_insert_sw(struct gdb_breakpoints *b, struct gdb_target *t);
/* When it stops: put the original bytes back. */
void gdb_bp_remove_sw(struct gdb_breakpoints *b, struct gdb_target *t);
/* Everything for KVM_SET_GUEST_DEBUG; step: single-step too. */
void gdb_bp_guest_debug(const struct gdb_breakpoints *b, bool step, struct vcpu_guest_debug *d);
/* The debug register DR6 (B0-B3) names, or NULL. */
const struct gdb_hw_slot *gdb_bp_hit(const struct gdb_breakpoints *b, uint64_t dr6);
bool gdb_bp_is_sw(const struct gdb_breakpoints *b, uint64_t addr);
/* Forget everything (detach): the caller has removed the int3s. */
void gdb_bp_clear(struct gdb_breakpoints *b);

#endif
