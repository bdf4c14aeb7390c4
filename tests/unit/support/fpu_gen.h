/* SPDX-License-Identifier: MIT */
/*
 * The instruction forms of the floating-point differential test
 * (tests/unit/test_fpu_diff.c) and one random draw of each: instruction
 * bytes, general registers, RFLAGS, an FXSAVE64 image of the x87/MMX/SSE
 * state and the data the memory operand points into. Encodings and
 * operand rules are the Intel SDM's (vol. 2 opcode maps, vol. 1 ch. 4 and
 * 8 for the special values); nothing here comes from the code under test.
 *
 * The memory operand is always [rsi + disp8] inside the two data pages
 * (FPU_DATA_SIZE bytes); rdi also points into them (MASKMOVQ/MASKMOVDQU).
 * rsi, rdi and rsp are never chosen as instruction operands, so every
 * runner may point rsi/rdi at its own copy of the data.
 */
#ifndef TEST_SUPPORT_FPU_GEN_H
#define TEST_SUPPORT_FPU_GEN_H

#include <stdbool.h>
#include <stdint.h>

#define FPU_DATA_SIZE 8192 /* two 4 KiB pages: operands may cross into the second */
#define FPU_FX_SIZE 512

/* The CPUID feature each form needs (what gates it on a CPU). */
enum fpu_class {
	FC_X87,
	FC_MMX,
	FC_SSE,
	FC_SSE2,
	FC_SSE3,
	FC_SSSE3,
	FC_SSE41,
	FC_SSE42,
	FC_POPCNT,
	FC_LZCNT,
	FC_BMI1,
	FC_MOVBE,
	FC_COUNT
};

/* The register file of a ModRM field. */
enum fpu_rf {
	RF_NONE, /* no ModRM (whole instruction in op[]) or memory only */
	RF_XMM,
	RF_MM,
	RF_GPR,
	RF_DIGIT, /* reg field is the opcode extension `digit` */
	RF_ST,	  /* x87 ST(i) in the rm field */
};

/* What the data (register lanes and memory) of a draw looks like. */
enum fpu_kind {
	K_PS,  /* float32 lanes with specials */
	K_PD,  /* float64 lanes with specials */
	K_INT, /* integers: random, small, extremes */
	K_STR, /* bytes/words of short strings with zeros (PCMPxSTRx) */
	K_F80, /* x87: memory holds an 80-bit real */
	K_I16, /* x87 integers in memory */
	K_I32,
	K_I64,
	K_BCD, /* x87 packed BCD */
	K_ENV, /* x87 environment/state image (FLDENV, FRSTOR, FLDCW) */
};

/* Form flags. */
#define FF_IMM8 0x0001 /* an imm8 follows */
#define FF_UNAL                                                                                    \
	0x0002 /* a 16-byte memory operand may be unaligned (others: #GP(0), SDM vol. 1 11.6.7) */
#define FF_W 0x0004	  /* REX.W chosen at random (32/64-bit GPR or movd/movq) */
#define FF_W1 0x0008	  /* REX.W always */
#define FF_OSZ 0x0010	  /* 16-bit operand size (0x66) chosen at random too */
#define FF_REGONLY 0x0020 /* rm must be a register */
#define FF_MEMONLY 0x0040 /* rm must be memory */
#define FF_PEND 0x0080	  /* starts with an unmasked x87 exception pending (FWAIT: #MF) */
#define FF_APPROX 0x0100  /* result is implementation-specific (RCPPS, RSQRTPS) */
#define FF_TRIG 0x0200	  /* x87 transcendental: Unicorn's precision differs */
#define FF_FOP 0x0400	  /* a non-control x87 instruction: it sets FOP/FIP (SDM 8.1.8) */
#define FF_ENVMASK 0x0800 /* memory holds FIP/FOP/FDP (FNSTENV, FNSAVE): not compared */
#define FF_OU 0x1000	  /* SSE arithmetic that can overflow or underflow (SDM vol. 1 11.5.2.5) */

struct fpu_form {
	const char *name;
	uint8_t cls; /* enum fpu_class */
	uint8_t pfx; /* mandatory prefix: 0, 0x66, 0xf2, 0xf3 */
	uint8_t nop; /* opcode bytes in op[] */
	uint8_t op[3];
	uint8_t reg;	/* enum fpu_rf of ModRM.reg */
	uint8_t rm;	/* enum fpu_rf of ModRM.rm when it is a register */
	uint8_t digit;	/* RF_DIGIT: the /digit */
	uint8_t msize;	/* memory operand bytes (0: no memory form) */
	uint8_t kind;	/* enum fpu_kind */
	uint16_t flags; /* FF_* */
	uint16_t undef; /* arithmetic flags the SDM leaves undefined after it (not compared) */
};

extern const struct fpu_form fpu_forms[];
extern const unsigned fpu_nforms;

/* GPR indices (kvm_regs order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15). */
#define FPU_RSP 4
#define FPU_RSI 6
#define FPU_RDI 7

struct fpu_draw {
	uint8_t insn[24];
	unsigned len;
	bool mem;	  /* the instruction has a memory operand */
	uint32_t mem_off; /* its offset in the data pages */
	uint64_t gpr[16]; /* rsi/rdi: offsets into the data pages; rsp unused */
	uint64_t rflags;
	_Alignas(16) uint8_t fx[FPU_FX_SIZE]; /* FXSAVE64 image */
	uint8_t data[FPU_DATA_SIZE];
};

/* xorshift64*: every draw follows from the seed, so failures reproduce. */
uint64_t fpu_rnd(uint64_t *s);

/* Draw number n of form f (deterministic in f's index and n). */
void fpu_draw_make(const struct fpu_form *f, unsigned n, struct fpu_draw *d);

/* "name: bytes ..., mxcsr, fcw ..." for failure messages. */
void fpu_draw_describe(const struct fpu_form *f, const struct fpu_draw *d, char *buf, unsigned cap);

#endif
