/* SPDX-License-Identifier: MIT */
/*
 * The binary translator of the software CPU (issue 16): guest basic
 * blocks of 64-bit code become host code that runs the guest's integer
 * instructions as (near-)copies of themselves; everything it does not
 * translate runs in the interpreter, which stays the reference.
 *
 *   bt_int.h     the execution model, the context block, shared types
 *   bt_engine.c  the engine choice; the dispatcher called by run.c and the
 *                bounded cache of blocks (lookup, validation, chaining)
 *   bt_code.c    the executable region (W^X double mapping), trampoline
 *   bt_emit.c    host instruction encodings
 *   bt_insn.c    which instructions are translated, and their rewrite
 *   bt_block.c   the translation of one block (register cache, TLB probe,
 *                exits, side exits of Jcc, chains within a page)
 *   bt_special.c PUSH/POP, CALL/RET and DIV/IDIV, which need sequences of their own
 *   bt_jcache.c  the jump cache translated code looks up for RET and for
 *                transfers to another page
 */
#ifndef MINIVMM_SOFT_BT_H
#define MINIVMM_SOFT_BT_H

#include "vcpu/soft/cpu.h"

struct bt;

/* Made when the vCPU is created (the sandbox later forbids executable mappings). */
struct bt *bt_create(struct soft_cpu *cpu);
void bt_destroy(struct bt *bt);
/* In place of the interpreter's block loop (run.c): 0 go on, 1 kvm_run holds an exit. */
int bt_run(struct soft_cpu *cpu);

#endif
