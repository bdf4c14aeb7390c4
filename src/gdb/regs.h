/* SPDX-License-Identifier: MIT */
/*
 * The registers gdb sees: one table from which both the target
 * description (qXfer:features:read:target.xml) and the g/G/p/P encodings
 * come, so the two cannot disagree. gdb's amd64 architecture requires the
 * x87 registers in org.gnu.gdb.i386.core; the vCPU has no x87 state yet,
 * so they are described and reported unavailable ('x'), as the protocol
 * allows. SSE is left out of the description altogether (gdb accepts an
 * amd64 target without org.gnu.gdb.i386.sse). Segment bases go in
 * org.gnu.gdb.i386.segments, control registers in a feature of our own.
 */
#ifndef MINIVMM_GDB_REGS_H
#define MINIVMM_GDB_REGS_H

#include <stddef.h>

#include "vcpu/vcpu.h"

/* Bytes the target description needs at most. */
#define GDB_TARGET_XML_MAX 6144

/* Number of registers in the description (remote numbers 0 .. n-1). */
unsigned gdb_regs_count(void);

/* Writes the target description; its length, or 0 if cap is too small. */
size_t gdb_target_xml(char *out, size_t cap);

/* g reply: every register in hex, unavailable ones as 'x'. Length, or 0 if cap is too small. */
size_t gdb_regs_encode_all(const struct vcpu_regs *r, char *out, size_t cap);
/*
 * G: hex of registers in order; a shorter packet sets the registers it
 * covers completely. Unavailable registers are skipped. 0, or -1 on bad hex.
 */
int gdb_regs_decode_all(struct vcpu_regs *r, const char *hex, size_t len);

/* p: one register; length written, or -1 for a register number we do not describe. */
int gdb_reg_encode(const struct vcpu_regs *r, unsigned regno, char *out, size_t cap);
/* P: one register from exactly its size in hex; 0, or -1 (bad number, length or hex). */
int gdb_reg_decode(struct vcpu_regs *r, unsigned regno, const char *hex, size_t len);

#endif
