/* SPDX-License-Identifier: MIT */
/*
 * The native executor of x87, MMX and SSE..SSE4.2 instructions (issue 10):
 * the guest's instruction runs on the host CPU, re-encoded as a small stub
 * whose memory operand is a host buffer, with the guest's registers, flags
 * and x87/SSE image loaded around it. Results, flags and exceptions are
 * then the host CPU's own, which no C model of x87 rounding, NaN
 * propagation or PCMPxSTRx could match as exactly in the time we had.
 *
 *   fpu_native_code.c     the executable region (W^X: one memfd mapped RX,
 *                         written through a second RW mapping), the
 *                         trampoline that swaps host and guest state, and
 *                         the bounded cache of stubs
 *   fpu_native_rewrite.c  decode (Zydis, full operands) and re-encode one
 *                         instruction as a stub; what the executor must
 *                         know about it (unit, memory operand, alignment)
 *   fpu_native.c          exec_fpu_native: checks, memory through the MMU,
 *                         the run, exceptions (#XM, x87 deferral), commit
 *   fpu_native_light.c    what the light trampoline (XMM and MXCSR only,
 *                         for SSE) must redo of the full one's FX round trip
 *   fpu_native_arith.c    the flags SSE arithmetic reports at #XM when
 *                         overflow or underflow is unmasked (PE of the
 *                         unbounded result), and DPPS/DPPD's stages
 */
#ifndef MINIVMM_SOFT_FPU_NATIVE_H
#define MINIVMM_SOFT_FPU_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/cpu.h"

/*
 * The context block the trampoline reads and writes, at the start of the
 * RW data page that follows the code (RIP-relative from both). Offsets
 * are shared with the trampoline's assembly, hence macros.
 */
#define FNAT_CODE_SIZE 65536 /* trampoline + slots: the memfd part */
#define FNAT_DATA_SIZE 4096
#define FNAT_D_GPR 0	  /* 16 x u64: guest GPRs (the RSP slot unused) */
#define FNAT_D_FLAGS 128  /* u64: guest arithmetic flags in, RFLAGS out */
#define FNAT_D_SLOT 136	  /* u64: address of the stub to run */
#define FNAT_D_HMXCSR 144 /* u32: the host's MXCSR while the guest's is loaded */
#define FNAT_D_HFCW 148	  /* u16: the host's FCW */
#define FNAT_D_BUF 192	  /* 64 bytes: the memory operand */
#define FNAT_D_IMG 256	  /* 512 bytes: FXSAVE64 image in and out */
#define FNAT_BUF_SIZE 64

#define FNAT_TRAMP_SIZE 2048 /* room for the trampolines at the start of the code */
#define FNAT_CANON_SIZE 160  /* x87 part of the legacy image: FCW .. ST7 */
#define FNAT_SLOT_SIZE 64    /* one stub: the instruction (<= 15 + 1) and a jmp back */
#define FNAT_NSLOTS ((FNAT_CODE_SIZE - FNAT_TRAMP_SIZE) / FNAT_SLOT_SIZE)

/* Which checks an instruction needs before it runs (fpu.h's units, and none). */
enum fnat_unit {
	FNU_X87,	/* waiting x87: #NM, pending #MF */
	FNU_X87_NOWAIT, /* FNSTSW/FNSTCW: #NM only, no #MF */
	FNU_MMX,	/* MMX: #UD if EM, #NM, pending #MF */
	FNU_SSE,	/* SSE..SSE4.2 on XMM registers */
	FNU_SSE_MMX,	/* SSE/SSE2 forms on MMX registers: both checks */
	FNU_INT,	/* general-purpose (CRC32, MOVBE): no FPU checks */
};

enum {
	FNF_MEM_READ = 1,     /* the memory operand is read before the run */
	FNF_MEM_WRITE = 2,    /* ... and written back after it */
	FNF_ALIGN16 = 4,      /* legacy SSE 16-byte operand: #GP(0) unless aligned */
	FNF_FLAGS = 8,	      /* reads or writes the arithmetic flags */
	FNF_X87_CONTROL = 16, /* x87 control instruction: FIP/FDP/FOP stay */
	FNF_MASKMOV = 32,     /* MASKMOVQ/MASKMOVDQU: implicit [rDI], RDI -> buffer */
};

/* SSE arithmetic whose #XM flags fpu_native_arith.c works out lane by lane. */
enum fnat_arith {
	FA_NONE,
	FA_ADD, /* lane i: destination[i] op source[i] */
	FA_SUB,
	FA_MUL,
	FA_DIV,
	FA_ADDSUB, /* even lanes subtract, odd lanes add */
	FA_HADD,   /* adjacent pairs of the destination, then of the source */
	FA_HSUB,
	FA_CVT, /* CVTPD2PS/CVTSD2SS: source[i] narrowed to float */
	FA_DP,	/* DPPS/DPPD: products, then sums */
};

/* What the executor knows about one cached instruction. */
struct fnat_info {
	uint8_t unit;	  /* enum fnat_unit */
	uint8_t flags;	  /* FNF_* */
	uint8_t memsize;  /* bytes of the memory operand, 0 = none */
	uint8_t scratch;  /* GPR that carries guest RSP into the stub, R_NONE if none */
	uint16_t fop;	  /* x87: the 11-bit last-instruction opcode */
	uint8_t arith;	  /* enum fnat_arith: fpu_native_arith.c redoes its lanes at #XM */
	uint8_t ar_lanes; /* lanes computed (scalar forms 1) */
	uint8_t ar_esize; /* bytes of a source element: 4 or 8 */
	uint8_t ar_imm;	  /* DPPS/DPPD: imm8 */
	uint8_t ar_dst;	  /* XMM number of the destination (first source) */
	uint8_t ar_src;	  /* XMM number of the (second) source, 0xff = memory */
	uint8_t light;	  /* runs through the light trampoline (no x87/MMX state) */
	struct insn ea;	  /* op[0] = the memory operand, addrsize: for op_ea() */
};

/* One cached stub: the guest's bytes it was built from, and its facts. */
struct fnat_entry {
	uint8_t bytes[15];
	uint8_t len;
	uint8_t mode; /* code_bits; 0 = empty */
	struct fnat_info info;
};

struct fpu_native {
	uint8_t *rx;   /* code, executable view (trampoline, then slots) */
	uint8_t *rw;   /* the same code, writable view */
	uint8_t *data; /* the context block (FNAT_D_*), right after rx */
	uint32_t host_mxcsr_mask; /* MXCSR bits the host accepts (FXSAVE's MXCSR_MASK) */
	bool light;		  /* the light trampoline may be used (fnat_light_probe) */
	uint8_t x87_canon[2][FNAT_CANON_SIZE]; /* the full path's FX round trip: bits kept, set */
	ZydisDecoder dec16, dec32, dec64;
	struct fnat_entry slot[FNAT_NSLOTS];
};

/* Per-vCPU executor; NULL when the executable mapping cannot be made. */
struct fpu_native *fpu_native_create(void);
void fpu_native_destroy(struct fpu_native *fn);

/* An SSE mnemonic whose 16-byte memory operand may be unaligned (SDM); others #GP(0). */
bool fnat_unaligned_ok(unsigned mnemonic);

/* Whether decode.c sends this instruction here (the x87/MMX/SSE classes). */
bool fpu_native_takes(const ZydisDecodedInstruction *zi);

/*
 * Decode len guest bytes in mode code_bits, fill *info and write the
 * stub for them at code offset `at` (its RW view rw_at). false when the
 * instruction cannot run natively (it then raises #UD, logged once).
 */
bool fnat_rewrite(struct fpu_native *fn, const uint8_t *bytes, unsigned len, unsigned code_bits,
		  unsigned slot, struct fnat_info *info);

/* The stub of (bytes, mode): found, or built into the slot it hashes to; NULL if unbuildable. */
const struct fnat_entry *fnat_lookup(struct fpu_native *fn, const uint8_t *bytes, unsigned len,
				     unsigned code_bits, unsigned *slot);

/* Fill info->arith and its operands if the instruction is one of fpu_native_arith.c's. */
void fnat_arith_form(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
		     struct fnat_info *info);

/*
 * An instruction with info->arith under a guest MXCSR that unmasks
 * `unmasked` (OE or UE; for DPPS/DPPD any): whether it raises #XM, and if
 * so the MXCSR flags it reports in *flags. `fx` is the guest's image
 * before it, `mem` the memory operand, `mx_run` the masked MXCSR the
 * stub runs with (the guest's RC, DAZ, FTZ).
 */
bool fnat_arith_traps(const struct fnat_info *fi, const uint8_t *fx, const uint8_t *mem,
		      uint32_t mx_run, uint32_t unmasked, uint32_t *flags);

/* Run stub `slot` with the context block as the caller filled it (light trampoline or full). */
void fnat_run(struct fpu_native *fn, unsigned slot, bool light);

/* Address of an epilogue (light or full) and of a slot in the executable view (for the jmp). */
uint8_t *fnat_slot_rx(struct fpu_native *fn, unsigned slot);
uint8_t *fnat_epilogue_rx(struct fpu_native *fn, bool light);

/*
 * fpu_native_light.c: whether the host's FXRSTOR64 + FXSAVE64 round trip
 * of the x87 part keeps and sets constant bits, and which: canon[0] the
 * bits kept, canon[1] the bits set (0xff and 0 outside the x87 bytes);
 * the light commit applies them to the guest's image (fnat_light_canon).
 */
bool fnat_light_probe(uint8_t (*canon)[FNAT_CANON_SIZE]);
void fnat_light_canon(const uint8_t (*canon)[FNAT_CANON_SIZE], uint8_t *area);

#endif
