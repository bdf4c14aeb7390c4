/* SPDX-License-Identifier: MIT */
/*
 * The registers gdb sees: one table from which both the target
 * description (qXfer:features:read:target.xml) and the g/G/p/P encodings
 * come, so the two cannot disagree: the general registers, the x87
 * registers in org.gnu.gdb.i386.core and XMM0-15 and MXCSR in
 * org.gnu.gdb.i386.sse (from the vCPU's FXSAVE image; reported
 * unavailable, 'x', when a target has none), segment bases in
 * org.gnu.gdb.i386.segments, control registers in a feature of our own.
 */
#ifndef MINIVMM_GDB_REGS_H
#define MINIVMM_GDB_REGS_H

#include <stddef.h>

#include "vcpu/vcpu.h"

/* Everything gdb sees: the vCPU's registers and its x87/SSE state as an FXSAVE image. */
struct gdb_regs {
	struct vcpu_regs cpu;
	uint8_t fx[VCPU_FXSAVE_SIZE];
	bool fx_valid; /* the target gave fx */
};

/* Bytes the target description needs at most. */
#define GDB_TARGET_XML_MAX 10240

/* Number of registers in the description (remote numbers 0 .. n-1). */
unsigned gdb_regs_count(void);

/* Writes the target description; its length, or 0 if cap is too small. */
size_t gdb_target_xml(char *out, size_t cap);

/* g reply: every register in hex, unavailable ones as 'x'. Length, or 0 if cap is too small. */
size_t gdb_regs_encode_all(const struct gdb_regs *r, char *out, size_t cap);
/*
 * G: hex of registers in order; a shorter packet sets the registers it
 * covers completely. Unavailable registers are skipped. 0, or -1 on bad hex.
 */
int gdb_regs_decode_all(struct gdb_regs *r, const char *hex, size_t len);

/* p: one register; length written, or -1 for a register number we do not describe. */
int gdb_reg_encode(const struct gdb_regs *r, unsigned regno, char *out, size_t cap);
/* P: one register from exactly its size in hex; 0, or -1 (bad number, length or hex). */
int gdb_reg_decode(struct gdb_regs *r, unsigned regno, const char *hex, size_t len);

#endif
