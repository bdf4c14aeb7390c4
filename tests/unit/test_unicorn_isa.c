// SPDX-License-Identifier: MIT
/*
 * Instruction semantics of the soft CPU against Unicorn 2 (QEMU's TCG
 * x86-64) as the oracle, in flat 64-bit mode. For every arithmetic,
 * logic, shift/rotate, bit, multiply/divide, conversion and string
 * instruction at every operand size and operand form, a few thousand
 * seeded random operand sets run on both; the result registers, the data
 * page and the six arithmetic flags must agree, except the flags the SDM
 * leaves undefined for that instruction (and count/operands).
 * Instruction bytes come from Zydis' encoder (string and no-operand
 * instructions are spelled out), so neither side chooses the encoding.
 * ISA_ITERS overrides the number of operand sets per case.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>
#include <Zydis/Zydis.h>

#include "test_soft_isa_harness.h"
#include "support/run_suite.h"

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define DF 0x400u
#define ALL6 (CF | PF | AF | ZF | SF | OF)

enum form {
	F_NONE, /* bytes given in the case */
	F_R, F_M, F_RR, F_RI, F_MR, F_RM, F_MI,
	F_R1, F_M1, F_RCL, F_MCL, F_RI8, F_MI8, /* shifts / bt imm8 */
	F_RRI, F_RRCL, F_MRCL, F_MRI8,          /* imul3, shld/shrd */
	F_RRX, F_RMX,                           /* movzx/movsx: src size differs */
	F_LEA,
	F_STR,                                  /* string op, bytes given, rep/DF random */
};

enum rule {
	RU_ALL,    /* flags in .flags compared */
	RU_SHIFT,  /* shl/shr/sar count rules */
	RU_ROT,    /* rol/ror/rcl/rcr */
	RU_SHXD,   /* shld/shrd */
	RU_DIV,    /* div/idiv: make most divisions legal */
	RU_BTMEM,  /* bt* memory with register bit offset: keep the offset near */
	RU_STACK,  /* stack instructions: rbp points into the stack */
};

struct isa_case {
	const char *name;
	ZydisMnemonic mn;
	uint8_t form;
	uint8_t sizes; /* bitmask of 1, 2, 4, 8 */
	uint16_t flags;
	uint8_t rule;
	uint8_t lock;
	uint8_t xsize; /* F_RRX/F_RMX: source size */
	uint8_t nbytes;
	uint8_t bytes[12];
};

#define SZ_ALL 0xf
#define SZ_W 0xe /* 2, 4, 8 */

static const struct isa_case cases[] = {
#define ALU(nm, m, fl)                                                           \
	{ nm " r,r", m, F_RR, SZ_ALL, fl, 0, 0, 0, 0, { 0 } },                    \
	{ nm " r,i", m, F_RI, SZ_ALL, fl, 0, 0, 0, 0, { 0 } },                    \
	{ nm " m,r", m, F_MR, SZ_ALL, fl, 0, 0, 0, 0, { 0 } },                    \
	{ nm " r,m", m, F_RM, SZ_ALL, fl, 0, 0, 0, 0, { 0 } },                    \
	{ nm " m,i", m, F_MI, SZ_ALL, fl, 0, 0, 0, 0, { 0 } }
	ALU("add", ZYDIS_MNEMONIC_ADD, ALL6),
	ALU("or", ZYDIS_MNEMONIC_OR, ALL6 & ~AF),
	ALU("adc", ZYDIS_MNEMONIC_ADC, ALL6),
	ALU("sbb", ZYDIS_MNEMONIC_SBB, ALL6),
	ALU("and", ZYDIS_MNEMONIC_AND, ALL6 & ~AF),
	ALU("sub", ZYDIS_MNEMONIC_SUB, ALL6),
	ALU("xor", ZYDIS_MNEMONIC_XOR, ALL6 & ~AF),
	ALU("cmp", ZYDIS_MNEMONIC_CMP, ALL6),
	{ "test r,r", ZYDIS_MNEMONIC_TEST, F_RR, SZ_ALL, ALL6 & ~AF, 0, 0, 0, 0, { 0 } },
	{ "test r,i", ZYDIS_MNEMONIC_TEST, F_RI, SZ_ALL, ALL6 & ~AF, 0, 0, 0, 0, { 0 } },
	{ "test m,r", ZYDIS_MNEMONIC_TEST, F_MR, SZ_ALL, ALL6 & ~AF, 0, 0, 0, 0, { 0 } },
	{ "lock add m,r", ZYDIS_MNEMONIC_ADD, F_MR, SZ_ALL, ALL6, 0, 1, 0, 0, { 0 } },
	{ "lock adc m,i", ZYDIS_MNEMONIC_ADC, F_MI, SZ_ALL, ALL6, 0, 1, 0, 0, { 0 } },
	{ "lock sbb m,r", ZYDIS_MNEMONIC_SBB, F_MR, SZ_ALL, ALL6, 0, 1, 0, 0, { 0 } },
	{ "lock xor m,r", ZYDIS_MNEMONIC_XOR, F_MR, SZ_ALL, ALL6 & ~AF, 0, 1, 0, 0, { 0 } },
	{ "lock and m,i", ZYDIS_MNEMONIC_AND, F_MI, SZ_ALL, ALL6 & ~AF, 0, 1, 0, 0, { 0 } },
#define UN(nm, m, fl)                                                            \
	{ nm " r", m, F_R, SZ_ALL, fl, 0, 0, 0, 0, { 0 } },                        \
	{ nm " m", m, F_M, SZ_ALL, fl, 0, 0, 0, 0, { 0 } },                        \
	{ "lock " nm " m", m, F_M, SZ_ALL, fl, 0, 1, 0, 0, { 0 } }
	UN("inc", ZYDIS_MNEMONIC_INC, ALL6),
	UN("dec", ZYDIS_MNEMONIC_DEC, ALL6),
	{ "neg r", ZYDIS_MNEMONIC_NEG, F_R, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "neg m", ZYDIS_MNEMONIC_NEG, F_M, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	/* Unicorn 2.0.1 computes lock neg's flags wrongly (the host CPU agrees
	 * with the soft CPU, see test_soft_isa.c): compare the result only */
	{ "lock neg m", ZYDIS_MNEMONIC_NEG, F_M, SZ_ALL, 0, 0, 1, 0, 0, { 0 } },
	UN("not", ZYDIS_MNEMONIC_NOT, ALL6),
#define SH(nm, m, ru)                                                            \
	{ nm " r,1", m, F_R1, SZ_ALL, ALL6, ru, 0, 0, 0, { 0 } },                  \
	{ nm " r,cl", m, F_RCL, SZ_ALL, ALL6, ru, 0, 0, 0, { 0 } },                \
	{ nm " r,i", m, F_RI8, SZ_ALL, ALL6, ru, 0, 0, 0, { 0 } },                 \
	{ nm " m,1", m, F_M1, SZ_ALL, ALL6, ru, 0, 0, 0, { 0 } },                  \
	{ nm " m,cl", m, F_MCL, SZ_ALL, ALL6, ru, 0, 0, 0, { 0 } }
	SH("shl", ZYDIS_MNEMONIC_SHL, RU_SHIFT),
	SH("shr", ZYDIS_MNEMONIC_SHR, RU_SHIFT),
	SH("sar", ZYDIS_MNEMONIC_SAR, RU_SHIFT),
	SH("rol", ZYDIS_MNEMONIC_ROL, RU_ROT),
	SH("ror", ZYDIS_MNEMONIC_ROR, RU_ROT),
	SH("rcl", ZYDIS_MNEMONIC_RCL, RU_ROT),
	SH("rcr", ZYDIS_MNEMONIC_RCR, RU_ROT),
	{ "shld r,r,i", ZYDIS_MNEMONIC_SHLD, F_RRI, SZ_W, ALL6, RU_SHXD, 0, 0, 0, { 0 } },
	{ "shld r,r,cl", ZYDIS_MNEMONIC_SHLD, F_RRCL, SZ_W, ALL6, RU_SHXD, 0, 0, 0, { 0 } },
	{ "shld m,r,cl", ZYDIS_MNEMONIC_SHLD, F_MRCL, SZ_W, ALL6, RU_SHXD, 0, 0, 0, { 0 } },
	{ "shrd r,r,i", ZYDIS_MNEMONIC_SHRD, F_RRI, SZ_W, ALL6, RU_SHXD, 0, 0, 0, { 0 } },
	{ "shrd r,r,cl", ZYDIS_MNEMONIC_SHRD, F_RRCL, SZ_W, ALL6, RU_SHXD, 0, 0, 0, { 0 } },
	{ "shrd m,r,cl", ZYDIS_MNEMONIC_SHRD, F_MRCL, SZ_W, ALL6, RU_SHXD, 0, 0, 0, { 0 } },
	{ "mul r", ZYDIS_MNEMONIC_MUL, F_R, SZ_ALL, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "mul m", ZYDIS_MNEMONIC_MUL, F_M, SZ_ALL, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "imul r", ZYDIS_MNEMONIC_IMUL, F_R, SZ_ALL, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "imul m", ZYDIS_MNEMONIC_IMUL, F_M, SZ_ALL, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "imul r,r", ZYDIS_MNEMONIC_IMUL, F_RR, SZ_W, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "imul r,m", ZYDIS_MNEMONIC_IMUL, F_RM, SZ_W, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "imul r,r,i", ZYDIS_MNEMONIC_IMUL, F_RRI, SZ_W, CF | OF, 0, 0, 0, 0, { 0 } },
	{ "div r", ZYDIS_MNEMONIC_DIV, F_R, SZ_ALL, 0, RU_DIV, 0, 0, 0, { 0 } },
	{ "div m", ZYDIS_MNEMONIC_DIV, F_M, SZ_ALL, 0, RU_DIV, 0, 0, 0, { 0 } },
	{ "idiv r", ZYDIS_MNEMONIC_IDIV, F_R, SZ_ALL, 0, RU_DIV, 0, 0, 0, { 0 } },
	{ "idiv m", ZYDIS_MNEMONIC_IDIV, F_M, SZ_ALL, 0, RU_DIV, 0, 0, 0, { 0 } },
#define BT(nm, m)                                                                \
	{ nm " r,r", m, F_RR, SZ_W, CF, 0, 0, 0, 0, { 0 } },                       \
	{ nm " r,i", m, F_RI8, SZ_W, CF, 0, 0, 0, 0, { 0 } },                      \
	{ nm " m,r", m, F_MR, SZ_W, CF, RU_BTMEM, 0, 0, 0, { 0 } },                \
	{ nm " m,i", m, F_MI8, SZ_W, CF, 0, 0, 0, 0, { 0 } }
	BT("bt", ZYDIS_MNEMONIC_BT),
	BT("bts", ZYDIS_MNEMONIC_BTS),
	BT("btr", ZYDIS_MNEMONIC_BTR),
	BT("btc", ZYDIS_MNEMONIC_BTC),
	{ "lock bts m,r", ZYDIS_MNEMONIC_BTS, F_MR, SZ_W, CF, RU_BTMEM, 1, 0, 0, { 0 } },
	{ "lock btc m,i", ZYDIS_MNEMONIC_BTC, F_MI8, SZ_W, CF, 0, 1, 0, 0, { 0 } },
	{ "bsf r,r", ZYDIS_MNEMONIC_BSF, F_RR, SZ_W, ZF, 0, 0, 0, 0, { 0 } },
	{ "bsf r,m", ZYDIS_MNEMONIC_BSF, F_RM, SZ_W, ZF, 0, 0, 0, 0, { 0 } },
	{ "bsr r,r", ZYDIS_MNEMONIC_BSR, F_RR, SZ_W, ZF, 0, 0, 0, 0, { 0 } },
	{ "bsr r,m", ZYDIS_MNEMONIC_BSR, F_RM, SZ_W, ZF, 0, 0, 0, 0, { 0 } },
	{ "tzcnt r,r", ZYDIS_MNEMONIC_TZCNT, F_RR, SZ_W, CF | ZF, 0, 0, 0, 0, { 0 } },
	{ "lzcnt r,r", ZYDIS_MNEMONIC_LZCNT, F_RR, SZ_W, CF | ZF, 0, 0, 0, 0, { 0 } },
	{ "lzcnt r,m", ZYDIS_MNEMONIC_LZCNT, F_RM, SZ_W, CF | ZF, 0, 0, 0, 0, { 0 } },
	/* popcnt: Unicorn 2.0.1 mis-executes some encodings (16-bit, REX after
	 * F3): checked against the host CPU in test_soft_isa.c instead */
	{ "bswap r", ZYDIS_MNEMONIC_BSWAP, F_R, 0xc, ALL6, 0, 0, 0, 0, { 0 } },
	{ "xadd r,r", ZYDIS_MNEMONIC_XADD, F_RR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "xadd m,r", ZYDIS_MNEMONIC_XADD, F_MR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "lock xadd m,r", ZYDIS_MNEMONIC_XADD, F_MR, SZ_ALL, ALL6, 0, 1, 0, 0, { 0 } },
	{ "cmpxchg r,r", ZYDIS_MNEMONIC_CMPXCHG, F_RR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "cmpxchg m,r", ZYDIS_MNEMONIC_CMPXCHG, F_MR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "lock cmpxchg m,r", ZYDIS_MNEMONIC_CMPXCHG, F_MR, SZ_ALL, ALL6, 0, 1, 0, 0, { 0 } },
	{ "xchg r,r", ZYDIS_MNEMONIC_XCHG, F_RR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "xchg m,r", ZYDIS_MNEMONIC_XCHG, F_MR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "cmpxchg8b m", ZYDIS_MNEMONIC_CMPXCHG8B, F_M, 0x8, ALL6, 0, 0, 0, 0, { 0 } },
	{ "lock cmpxchg8b m", ZYDIS_MNEMONIC_CMPXCHG8B, F_M, 0x8, ALL6, 0, 1, 0, 0, { 0 } },
	{ "mov r,r", ZYDIS_MNEMONIC_MOV, F_RR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "mov r,i", ZYDIS_MNEMONIC_MOV, F_RI, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "mov m,r", ZYDIS_MNEMONIC_MOV, F_MR, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "mov r,m", ZYDIS_MNEMONIC_MOV, F_RM, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "mov m,i", ZYDIS_MNEMONIC_MOV, F_MI, SZ_ALL, ALL6, 0, 0, 0, 0, { 0 } },
	{ "movzx r,r8", ZYDIS_MNEMONIC_MOVZX, F_RRX, SZ_W, ALL6, 0, 0, 1, 0, { 0 } },
	{ "movzx r,m16", ZYDIS_MNEMONIC_MOVZX, F_RMX, 0xc, ALL6, 0, 0, 2, 0, { 0 } },
	{ "movsx r,r8", ZYDIS_MNEMONIC_MOVSX, F_RRX, SZ_W, ALL6, 0, 0, 1, 0, { 0 } },
	{ "movsx r,r16", ZYDIS_MNEMONIC_MOVSX, F_RRX, 0xc, ALL6, 0, 0, 2, 0, { 0 } },
	{ "movsx r,m8", ZYDIS_MNEMONIC_MOVSX, F_RMX, SZ_W, ALL6, 0, 0, 1, 0, { 0 } },
	{ "movsxd r,r32", ZYDIS_MNEMONIC_MOVSXD, F_RRX, 0x8, ALL6, 0, 0, 4, 0, { 0 } },
	{ "lea r,m", ZYDIS_MNEMONIC_LEA, F_LEA, SZ_W, ALL6, 0, 0, 0, 0, { 0 } },
#define CC(nm, m)                                                                \
	{ "cmov" nm " r,r", ZYDIS_MNEMONIC_CMOV##m, F_RR, SZ_W, ALL6, 0, 0, 0, 0, { 0 } }, \
	{ "cmov" nm " r,m", ZYDIS_MNEMONIC_CMOV##m, F_RM, SZ_W, ALL6, 0, 0, 0, 0, { 0 } }, \
	{ "set" nm " r", ZYDIS_MNEMONIC_SET##m, F_R, 0x1, ALL6, 0, 0, 0, 0, { 0 } }
	CC("o", O), CC("no", NO), CC("b", B), CC("nb", NB), CC("z", Z), CC("nz", NZ),
	CC("be", BE), CC("nbe", NBE), CC("s", S), CC("ns", NS), CC("p", P), CC("np", NP),
	CC("l", L), CC("nl", NL), CC("le", LE), CC("nle", NLE),
	{ "cbw", 0, F_NONE, 1, ALL6, 0, 0, 0, 2, { 0x66, 0x98 } },
	{ "cwde", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0x98 } },
	{ "cdqe", 0, F_NONE, 1, ALL6, 0, 0, 0, 2, { 0x48, 0x98 } },
	{ "cwd", 0, F_NONE, 1, ALL6, 0, 0, 0, 2, { 0x66, 0x99 } },
	{ "cdq", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0x99 } },
	{ "cqo", 0, F_NONE, 1, ALL6, 0, 0, 0, 2, { 0x48, 0x99 } },
	{ "lahf", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0x9f } },
	{ "sahf", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0x9e } },
	{ "clc", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0xf8 } },
	{ "stc", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0xf9 } },
	{ "cmc", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0xf5 } },
	{ "xlat", 0, F_NONE, 1, ALL6, 0, 0, 0, 1, { 0xd7 } },
	/* near branches: taken or not, they skip `mov al, 1` or run it */
	{ "jo rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x70, 0x02, 0xb0, 0x01 } },
	{ "jo rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x80, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jno rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x71, 0x02, 0xb0, 0x01 } },
	{ "jno rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x81, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jb rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x72, 0x02, 0xb0, 0x01 } },
	{ "jb rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x82, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jnb rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x73, 0x02, 0xb0, 0x01 } },
	{ "jnb rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x83, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jz rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x74, 0x02, 0xb0, 0x01 } },
	{ "jz rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x84, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jnz rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x75, 0x02, 0xb0, 0x01 } },
	{ "jnz rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x85, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jbe rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x76, 0x02, 0xb0, 0x01 } },
	{ "jbe rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x86, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jnbe rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x77, 0x02, 0xb0, 0x01 } },
	{ "jnbe rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x87, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "js rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x78, 0x02, 0xb0, 0x01 } },
	{ "js rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x88, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jns rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x79, 0x02, 0xb0, 0x01 } },
	{ "jns rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x89, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jp rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x7a, 0x02, 0xb0, 0x01 } },
	{ "jp rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x8a, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jnp rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x7b, 0x02, 0xb0, 0x01 } },
	{ "jnp rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x8b, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jl rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x7c, 0x02, 0xb0, 0x01 } },
	{ "jl rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x8c, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jnl rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x7d, 0x02, 0xb0, 0x01 } },
	{ "jnl rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x8d, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jle rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x7e, 0x02, 0xb0, 0x01 } },
	{ "jle rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x8e, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "jnle rel8", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0x7f, 0x02, 0xb0, 0x01 } },
	{ "jnle rel32", 0, F_NONE, 1, ALL6, 0, 0, 0, 8, { 0x0f, 0x8f, 0x02, 0, 0, 0, 0xb0, 0x01 } },
	{ "loop", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0xe2, 0x02, 0xb0, 0x01 } },
	{ "loope", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0xe1, 0x02, 0xb0, 0x01 } },
	{ "loopne", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0xe0, 0x02, 0xb0, 0x01 } },
	{ "loop a32", 0, F_NONE, 1, ALL6, 0, 0, 0, 5, { 0x67, 0xe2, 0x02, 0xb0, 0x01 } },
	{ "jrcxz", 0, F_NONE, 1, ALL6, 0, 0, 0, 4, { 0xe3, 0x02, 0xb0, 0x01 } },
	{ "jecxz a32", 0, F_NONE, 1, ALL6, 0, 0, 0, 5, { 0x67, 0xe3, 0x02, 0xb0, 0x01 } },
	/* 64-bit only: rip-relative targets (REX.W first, so skipped in 32-bit mode) */
	{ "jmp r", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 9, { 0x48, 0x8d, 0x05, 0x02, 0, 0, 0, 0xff, 0xe0 } },
	{ "call rel32", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 5, { 0xe8, 0x00, 0x00, 0x00, 0x00 } },
	{ "call r", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 9, { 0x48, 0x8d, 0x05, 0x02, 0, 0, 0, 0xff, 0xd0 } },
	{ "ret", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 9, { 0x48, 0x8d, 0x05, 0x02, 0, 0, 0, 0x50, 0xc3 } },
	{ "ret imm", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 11,
	  { 0x48, 0x8d, 0x05, 0x04, 0, 0, 0, 0x50, 0xc2, 0x08, 0x00 } },
	/* the stack (compared below G_STACK) */
	{ "push r", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0x53 } },
	{ "push r16", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 2, { 0x66, 0x55 } },
	{ "push i8", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 2, { 0x6a, 0x85 } },
	{ "push i32", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 5, { 0x68, 0x78, 0x56, 0x34, 0x92 } },
	{ "push m", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 3, { 0xff, 0x76, 0x08 } },
	{ "push [rsp]", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 3, { 0xff, 0x34, 0x24 } },
	{ "push rsp", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0x54 } },
	{ "pop r", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0x59 } },
	{ "pop r16", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 2, { 0x66, 0x5a } },
	{ "pop m", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 3, { 0x8f, 0x46, 0x10 } },
	{ "pop [rsp+8]", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 4, { 0x8f, 0x44, 0x24, 0x08 } },
	{ "pop rsp", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0x5c } },
	{ "enter 0x20,0", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 4, { 0xc8, 0x20, 0x00, 0x00 } },
	{ "enter 0x10,1", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 4, { 0xc8, 0x10, 0x00, 0x01 } },
	{ "enter 8,3", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 4, { 0xc8, 0x08, 0x00, 0x03 } },
	{ "leave", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0xc9 } },
	{ "pusha", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0x60 } },
	{ "popa", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 1, { 0x61 } },
	{ "pushaw", 0, F_NONE, 1, ALL6, RU_STACK, 0, 0, 2, { 0x66, 0x60 } },
	/* BCD adjustments: legacy modes only (#UD in 64-bit mode on both) */
	{ "daa", 0, F_NONE, 1, ALL6 & ~OF, 0, 0, 0, 1, { 0x27 } },
	{ "das", 0, F_NONE, 1, ALL6 & ~OF, 0, 0, 0, 1, { 0x2f } },
	{ "aaa", 0, F_NONE, 1, CF | AF, 0, 0, 0, 1, { 0x37 } },
	{ "aas", 0, F_NONE, 1, CF | AF, 0, 0, 0, 1, { 0x3f } },
	{ "aam", 0, F_NONE, 1, SF | ZF | PF, 0, 0, 0, 2, { 0xd4, 0x0a } },
	{ "aam 7", 0, F_NONE, 1, SF | ZF | PF, 0, 0, 0, 2, { 0xd4, 0x07 } },
	{ "aad", 0, F_NONE, 1, SF | ZF | PF, 0, 0, 0, 2, { 0xd5, 0x0a } },
#define STR(nm, op, fl)                                                          \
	{ nm "b", 0, F_STR, 1, fl, 0, 0, 0, 1, { op } },                           \
	{ nm "w", 0, F_STR, 1, fl, 0, 0, 0, 2, { 0x66, op + 1 } },                 \
	{ nm "d", 0, F_STR, 1, fl, 0, 0, 0, 1, { op + 1 } },                       \
	{ nm "q", 0, F_STR, 1, fl, 0, 0, 0, 2, { 0x48, op + 1 } }
	STR("movs", 0xa4, ALL6),
	STR("cmps", 0xa6, ALL6),
	STR("stos", 0xaa, ALL6),
	STR("lods", 0xac, ALL6),
	STR("scas", 0xae, ALL6),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---- operand generation ---- */
static uint64_t rng_state;
static bool mode32; /* flat 32-bit protected mode instead of 64-bit mode */
static bool mode16; /* real mode (16-bit code), with mode32 also set */

/*
 * Where code, data and stack are: linear addresses, and the offsets the
 * registers hold (the same in the flat modes; segment-relative in real
 * mode, where CS/DS=ES/SS are 0x1000/0x2000/0x3000 on both CPUs).
 */
static uint64_t code_lin = G_CODE, code_off = G_CODE;
static uint64_t data_lin = G_DATA, data_off = G_DATA;
static uint64_t stack_lin = G_STACK, stack_off = G_STACK;

static void layout(bool real)
{
	code_lin = real ? 0x10100 : G_CODE;
	code_off = real ? 0x100 : G_CODE;
	data_lin = real ? 0x20000 : G_DATA;
	data_off = real ? 0 : G_DATA;
	stack_lin = real ? 0x40000 : G_STACK;
	stack_off = real ? 0x10000 : G_STACK;
}

static uint64_t rnd(void)
{
	/* xorshift64*: seeded per case, so every failure is reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_value(void)
{
	static const uint64_t special[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, 0xf, 0x10,
	};
	switch (rnd() % 8) {
	case 0:
		return special[rnd() % (sizeof(special) / sizeof(special[0]))];
	case 1:
		return rnd() % 64;
	case 2:
		return -(rnd() % 64);
	default:
		return rnd();
	}
}

static const ZydisRegister gpr64[16] = {
	ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
	ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI,
	ZYDIS_REGISTER_R8,  ZYDIS_REGISTER_R9,  ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11,
	ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
};

/* A random register of the size, never rsp or rsi (stack and data pointer). */
static ZydisRegister rnd_reg(unsigned size, bool allow_high)
{
	for (;;) {
		unsigned i = rnd() % (mode32 ? 8 : 16);
		unsigned hi = allow_high && size == 1 && i < 4 && ((rnd() & 1) || mode32);

		if (i == 4 || i == 6)
			continue;
		switch (size) {
		case 1:
			if (hi)
				return ZYDIS_REGISTER_AH + i;
			if (i < 4)
				return ZYDIS_REGISTER_AL + i;
			return ZYDIS_REGISTER_SPL + (i - 4);
		case 2:
			return ZYDIS_REGISTER_AX + i;
		case 4:
			return ZYDIS_REGISTER_EAX + i;
		default:
			return gpr64[i];
		}
	}
}

static ZydisRegister reg_cl(void)
{
	return ZYDIS_REGISTER_CL;
}

static int64_t rnd_imm(unsigned size)
{
	int64_t v = (int64_t)rnd_value();

	if (rnd() & 1 || size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	return (int32_t)v;
}

#define STACK_CMP 0x400

struct state {
	uint64_t r[16];
	uint64_t flags;
	uint8_t data[4096];
	uint8_t stack[STACK_CMP]; /* the bytes just below G_STACK */
};

static void op_reg(ZydisEncoderOperand *o, ZydisRegister r)
{
	o->type = ZYDIS_OPERAND_TYPE_REGISTER;
	o->reg.value = r;
}

static void op_imm(ZydisEncoderOperand *o, int64_t v)
{
	o->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
	o->imm.s = v;
}

static void op_mem(ZydisEncoderOperand *o, unsigned size, int64_t disp)
{
	o->type = ZYDIS_OPERAND_TYPE_MEMORY;
	o->mem.base = mode16 ? ZYDIS_REGISTER_SI : mode32 ? ZYDIS_REGISTER_ESI : ZYDIS_REGISTER_RSI;
	o->mem.displacement = disp;
	o->mem.size = size;
}

/* Register index (0..15) a Zydis GPR of any size lives in; -1 for none. */
static int reg_index(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
		return r - ZYDIS_REGISTER_AH;
	r = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		return r - ZYDIS_REGISTER_RAX;
	return -1;
}

/*
 * Build one instruction of case c at size into code[], and the state it
 * starts from. Returns the length, 0 to skip this draw. *count receives
 * the shift count (for the flag rules).
 */
static unsigned build(const struct isa_case *c, unsigned size, uint8_t *code, struct state *st,
		      unsigned *count, uint64_t *rmask)
{
	ZydisEncoderRequest q;
	ZyanUSize len = 15;
	ZydisRegister d = rnd_reg(size, true), s = rnd_reg(size, true);
	int64_t disp = (int64_t)(rnd() % 64) - 32, imm;
	unsigned i, bits = size * 8;

	for (i = 0; i < 16; i++)
		st->r[i] = mode32 ? (i < 8 ? (uint32_t)rnd_value() : 0) : rnd_value();
	st->r[4] = stack_off - 0x100;
	st->r[6] = data_off + 0x800;
	st->flags = 2 | (rnd() & ALL6);
	for (i = 0; i < sizeof(st->data); i++)
		st->data[i] = (uint8_t)rnd();
	for (i = 0; i < sizeof(st->stack); i++)
		st->stack[i] = (uint8_t)rnd();
	if (c->rule == RU_STACK)
		st->r[5] = stack_off - 0x80; /* a frame pointer enter/leave can follow */
	*count = 0;
	for (i = 0; i < 16; i++)
		rmask[i] = ~0ULL;

	if (c->form == F_NONE || c->form == F_STR) {
		unsigned n = 0;

		if (mode32 && c->bytes[0] == 0x48)
			return 0; /* REX.W: a 64-bit-only instruction */
		if (mode16 && strstr(c->name, "[rsp"))
			return 0; /* a SIB byte: no such addressing in 16-bit code */

		if (c->form == F_STR) {
			switch (rnd() % 4) {
			case 1:
				code[n++] = 0xf3;
				break;
			case 2:
				code[n++] = 0xf2;
				break;
			default:
				break;
			}
			st->r[1] = rnd() % 24;
			st->r[7] = data_off + 0x400 + rnd() % 0x800;
			st->r[6] = data_off + 0x400 + rnd() % 0x800;
			if (rnd() % 3 == 0) /* make equal runs likely for repe/repne */
				memmove(st->data + (st->r[7] - data_off), st->data + (st->r[6] - data_off),
					64);
			st->flags |= (rnd() & 1) ? DF : 0;
		}
		if (!strcmp(c->name, "xlat"))
			st->r[3] = data_off + rnd() % 0xf00;
		memcpy(code + n, c->bytes, c->nbytes);
		return n + c->nbytes;
	}

	memset(&q, 0, sizeof(q));
	q.machine_mode = mode16 ? ZYDIS_MACHINE_MODE_REAL_16 :
			 mode32 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LONG_64;
	q.mnemonic = c->mn;
	if (c->lock)
		q.prefixes = ZYDIS_ATTRIB_HAS_LOCK;
	switch (c->form) {
	case F_R:
		q.operand_count = 1;
		op_reg(&q.operands[0], d);
		break;
	case F_M:
		q.operand_count = 1;
		op_mem(&q.operands[0], c->mn == ZYDIS_MNEMONIC_CMPXCHG8B ? 8 : size, disp);
		if (c->mn == ZYDIS_MNEMONIC_CMPXCHG8B && (rnd() & 1))
			memcpy(st->data + 0x800 + disp, &st->r[0], 4),
				memcpy(st->data + 0x804 + disp, &st->r[2], 4);
		break;
	case F_RR:
		q.operand_count = 2;
		op_reg(&q.operands[0], d);
		op_reg(&q.operands[1], s);
		break;
	case F_RI:
		q.operand_count = 2;
		op_reg(&q.operands[0], d);
		imm = c->mn == ZYDIS_MNEMONIC_MOV && size == 8 ? (int64_t)rnd_value() : rnd_imm(size);
		op_imm(&q.operands[1], imm);
		break;
	case F_MR:
		q.operand_count = 2;
		op_mem(&q.operands[0], size, disp);
		op_reg(&q.operands[1], s);
		break;
	case F_RM:
		q.operand_count = 2;
		op_reg(&q.operands[0], d);
		op_mem(&q.operands[1], size, disp);
		break;
	case F_MI:
		q.operand_count = 2;
		op_mem(&q.operands[0], size, disp);
		op_imm(&q.operands[1], rnd_imm(size));
		break;
	case F_R1:
	case F_M1:
		q.operand_count = 2;
		if (c->form == F_R1)
			op_reg(&q.operands[0], d);
		else
			op_mem(&q.operands[0], size, disp);
		op_imm(&q.operands[1], 1);
		*count = 1;
		break;
	case F_RCL:
	case F_MCL:
		q.operand_count = 2;
		if (c->form == F_RCL)
			op_reg(&q.operands[0], d);
		else
			op_mem(&q.operands[0], size, disp);
		op_reg(&q.operands[1], reg_cl());
		st->r[1] = (st->r[1] & ~0xffULL) | (rnd() % (2 * bits + 8));
		break;
	case F_RI8:
	case F_MI8:
		q.operand_count = 2;
		if (c->form == F_RI8)
			op_reg(&q.operands[0], d);
		else
			op_mem(&q.operands[0], size, disp);
		*count = (unsigned)(rnd() % (rnd() & 1 ? 256 : 2 * bits + 2));
		op_imm(&q.operands[1], *count);
		break;
	case F_RRI:
		q.operand_count = 3;
		op_reg(&q.operands[0], d);
		op_reg(&q.operands[1], s);
		if (c->mn == ZYDIS_MNEMONIC_IMUL) {
			op_imm(&q.operands[2], rnd_imm(size));
		} else {
			*count = (unsigned)(rnd() % (2 * bits + 2));
			op_imm(&q.operands[2], *count);
		}
		break;
	case F_RRCL:
	case F_MRCL:
		q.operand_count = 3;
		if (c->form == F_RRCL)
			op_reg(&q.operands[0], d);
		else
			op_mem(&q.operands[0], size, disp);
		op_reg(&q.operands[1], s);
		op_reg(&q.operands[2], reg_cl());
		st->r[1] = (st->r[1] & ~0xffULL) | (rnd() % (2 * bits + 8));
		break;
	case F_RRX:
	case F_RMX:
		q.operand_count = 2;
		op_reg(&q.operands[0], d);
		if (c->form == F_RRX)
			op_reg(&q.operands[1], rnd_reg(c->xsize, true));
		else
			op_mem(&q.operands[1], c->xsize, disp);
		break;
	case F_LEA:
		q.operand_count = 2;
		op_reg(&q.operands[0], d);
		q.operands[1].type = ZYDIS_OPERAND_TYPE_MEMORY;
		q.operands[1].mem.base = rnd_reg(rnd() & 1 && !mode32 ? 8 : 4, false);
		q.operands[1].mem.index = ZydisRegisterGetLargestEnclosing(
			ZYDIS_MACHINE_MODE_LONG_64, q.operands[1].mem.base) == ZYDIS_REGISTER_RAX ?
			ZYDIS_REGISTER_NONE :
			(ZydisRegister)(ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64,
							     q.operands[1].mem.base) == 64 ?
					ZYDIS_REGISTER_RDX : ZYDIS_REGISTER_EDX);
		q.operands[1].mem.scale = q.operands[1].mem.index ? 1 << (rnd() % 4) : 0;
		q.operands[1].mem.displacement = (int32_t)rnd();
		q.operands[1].mem.size = size;
		break;
	default:
		return 0;
	}
	if (c->rule == RU_DIV) {
		/* dividend high half below the divisor mostly, so few draws fault */
		int di = reg_index(d) & 15;
		uint64_t m = size == 8 ? ~0ULL : (1ULL << bits) - 1, dv;

		if (c->form == F_M) {
			dv = 0;
			memcpy(&dv, st->data + 0x800 + disp, size);
		} else {
			dv = (d >= ZYDIS_REGISTER_AH && d <= ZYDIS_REGISTER_BH) ?
				     st->r[di] >> 8 : st->r[di];
		}
		dv &= m;
		/* Unicorn 2.0.1 does not raise #DE for an 8-bit quotient overflow:
		 * draws here are legal divisions; #DE has its own test below */
		if (!dv || (c->mn == ZYDIS_MNEMONIC_IDIV && dv == m))
			return 0;
		if (c->form == F_R && (d == ZYDIS_REGISTER_AH || (size > 1 && di == 2)))
			return 0; /* the divisor is the half we set below */
		{
			uint64_t hi = c->mn == ZYDIS_MNEMONIC_DIV ? rnd() % dv :
				      ((st->r[0] >> (bits - 1)) & 1 ? m : 0);

			if (size == 1)
				st->r[0] = (st->r[0] & ~0xff00ULL) | (hi & 0xff) << 8;
			else
				st->r[2] = (st->r[2] & ~m) | (hi & m);
		}
	}
	if (c->rule == RU_BTMEM) {
		int si = reg_index(s) & 15;

		st->r[si] = (uint64_t)((int64_t)(rnd() % 4096) - 2048);
	}
	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&q, code, &len)))
		return 0;
	/* Unicorn ignores popcnt's 16-bit size when F3 precedes 66; hardware
	 * accepts either order, so give it the order it understands */
	if (len > 2 && code[0] == 0xf3 && code[1] == 0x66) {
		code[0] = 0x66;
		code[1] = 0xf3;
	}
	if ((c->mn == ZYDIS_MNEMONIC_BSF || c->mn == ZYDIS_MNEMONIC_BSR) && c->form == F_RR) {
		/* the SDM leaves the destination undefined for a zero source */
		uint64_t sv = st->r[reg_index(s) & 15];

		if (s >= ZYDIS_REGISTER_AH && s <= ZYDIS_REGISTER_BH)
			sv >>= 8;
		if (!(sv & (size == 8 ? ~0ULL : (1ULL << bits) - 1)))
			rmask[reg_index(d) & 15] = 0;
	}
	if (c->mn == ZYDIS_MNEMONIC_CMPXCHG && size == 4) {
		/* 32-bit cmpxchg: whether the register not written (the destination
		 * on failure, EAX on success) is zero-extended differs between
		 * vendors (this AMD host keeps it, QEMU clears it) */
		rmask[0] = 0xffffffff;
		if (c->form == F_RR)
			rmask[reg_index(d) & 15] = 0xffffffff;
	}
	return (unsigned)len;
}

/* Which flags the SDM defines after this draw (the rest are masked). */
static unsigned defined_flags(const struct isa_case *c, unsigned size, const struct state *st,
			      unsigned count, bool *skip)
{
	unsigned bits = size * 8, m, f = c->flags;

	if (c->form == F_RCL || c->form == F_MCL || c->form == F_RRCL || c->form == F_MRCL)
		count = st->r[1] & 0xff;
	m = count & (size == 8 ? 63 : 31);
	*skip = false;
	switch (c->rule) {
	case RU_SHIFT:
		if (!m)
			return ALL6;
		f = ALL6 & ~AF;
		if (m != 1)
			f &= ~OF;
		if (m > bits && c->mn != ZYDIS_MNEMONIC_SAR)
			f &= ~CF;
		return f;
	case RU_ROT:
		if (!m)
			return ALL6;
		return m == 1 ? ALL6 : ALL6 & ~OF;
	case RU_SHXD:
		if (!m)
			return ALL6;
		if (size == 2 && m > 16)
			*skip = true;
		f = ALL6 & ~AF;
		if (m != 1)
			f &= ~OF;
		return f;
	default:
		return f;
	}
}

/* ---- the two CPUs ---- */
static const int uc_regs[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static const int uc_regs32[8] = {
	UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
	UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI,
};

static int uc_vector;

static void uc_on_intr(uc_engine *uc, uint32_t intno, void *user)
{
	uc_vector = (int)intno;
	uc_emu_stop(uc);
}

static uc_engine *uc_new(void)
{
	uc_engine *uc;
	uc_hook h;

	ck_assert_int_eq(uc_open(UC_ARCH_X86, mode16 ? UC_MODE_16 : mode32 ? UC_MODE_32 : UC_MODE_64,
				 &uc),
			 UC_ERR_OK);
	/* a model with BMI1/LZCNT/POPCNT, as the soft CPU implements them */
	ck_assert_int_eq(uc_ctl_set_cpu_model(uc, UC_CPU_X86_HASWELL), UC_ERR_OK);
	if (mode16) {
		/* the three 64 KiB segments */
		ck_assert_int_eq(uc_mem_map(uc, 0x10000, 0x30000, UC_PROT_ALL), UC_ERR_OK);
	} else {
		ck_assert_int_eq(uc_mem_map(uc, G_CODE, 0x1000, UC_PROT_ALL), UC_ERR_OK);
		ck_assert_int_eq(uc_mem_map(uc, G_DATA, 0x1000, UC_PROT_ALL), UC_ERR_OK);
		ck_assert_int_eq(uc_mem_map(uc, G_STACK - 0x1000, 0x1000, UC_PROT_ALL), UC_ERR_OK);
	}
	ck_assert_int_eq(uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)uc_on_intr, NULL, 1, 0),
			 UC_ERR_OK);
	return uc;
}

/* Returns the exception vector raised, or -1. */
static int run_uc(uc_engine *uc, const uint8_t *code, unsigned len, struct state *st)
{
	unsigned i;
	uint64_t f = st->flags;

	for (i = 0; i < 16; i++) {
		if (mode32 && i < 8) {
			uint32_t v = (uint32_t)st->r[i];

			uc_reg_write(uc, uc_regs32[i], &v);
		} else if (!mode32) {
			uc_reg_write(uc, uc_regs[i], &st->r[i]);
		}
	}
	uc_reg_write(uc, UC_X86_REG_EFLAGS, &f);
	if (mode16) {
		uint16_t cs = 0x1000, ds = 0x2000, ss = 0x3000;

		uc_reg_write(uc, UC_X86_REG_CS, &cs);
		uc_reg_write(uc, UC_X86_REG_DS, &ds);
		uc_reg_write(uc, UC_X86_REG_ES, &ds);
		uc_reg_write(uc, UC_X86_REG_SS, &ss);
	}
	uc_mem_write(uc, data_lin, st->data, sizeof(st->data));
	uc_mem_write(uc, stack_lin - STACK_CMP, st->stack, sizeof(st->stack));
	uc_mem_write(uc, code_lin, code, len);
	uc_ctl_remove_cache(uc, code_lin & ~0xfffULL, (code_lin & ~0xfffULL) + 0x1000);
	uc_vector = -1;
	/* bounded, in case the soft CPU and the bytes disagree on lengths */
	if (uc_emu_start(uc, code_lin, code_lin + len, 0, 100000) != UC_ERR_OK && uc_vector < 0)
		uc_vector = 255; /* stopped by an exception it did not report */
	for (i = 0; i < 16; i++) {
		if (mode32 && i < 8) {
			uint32_t v = 0;

			uc_reg_read(uc, uc_regs32[i], &v);
			st->r[i] = v;
		} else if (!mode32) {
			uc_reg_read(uc, uc_regs[i], &st->r[i]);
		}
	}
	uc_reg_read(uc, UC_X86_REG_EFLAGS, &f);
	st->flags = f;
	uc_mem_read(uc, data_lin, st->data, sizeof(st->data));
	uc_mem_read(uc, stack_lin - STACK_CMP, st->stack, sizeof(st->stack));
	return uc_vector;
}

static int run_soft(struct guest *g, const uint8_t *code, unsigned len, struct state *st)
{
	struct kvm_regs r;
	int exit, vec;

	memset(&r, 0, sizeof(r));
	r.rax = st->r[0];
	r.rcx = st->r[1];
	r.rdx = st->r[2];
	r.rbx = st->r[3];
	r.rsp = st->r[4];
	r.rbp = st->r[5];
	r.rsi = st->r[6];
	r.rdi = st->r[7];
	r.r8 = st->r[8];
	r.r9 = st->r[9];
	r.r10 = st->r[10];
	r.r11 = st->r[11];
	r.r12 = st->r[12];
	r.r13 = st->r[13];
	r.r14 = st->r[14];
	r.r15 = st->r[15];
	r.rip = code_off;
	r.rflags = st->flags;
	soft_cpu_set_regs(g->cpu, &r);
	memcpy(g->ram + data_lin, st->data, sizeof(st->data));
	memcpy(g->ram + stack_lin - STACK_CMP, st->stack, sizeof(st->stack));
	{
		uint8_t buf[32];

		memcpy(buf, code, len);
		buf[len] = 0xf4; /* hlt */
		guest_code(g, code_lin, buf, len + 1);
	}
	exit = guest_run(g, 4);
	soft_cpu_get_regs(g->cpu, &r);
	vec = exit == KVM_EXIT_HLT ? guest_exception(g, r.rip) : -2;
	if (mode16 && exit == KVM_EXIT_HLT) {
		struct kvm_sregs sr;

		soft_cpu_get_sregs(g->cpu, &sr);
		vec = guest_exception(g, sr.cs.base + r.rip);
	}
	if (vec < 0 && (exit != KVM_EXIT_HLT || r.rip != code_off + len + 1))
		return -2;
	st->r[0] = r.rax;
	st->r[1] = r.rcx;
	st->r[2] = r.rdx;
	st->r[3] = r.rbx;
	st->r[4] = r.rsp;
	st->r[5] = r.rbp;
	st->r[6] = r.rsi;
	st->r[7] = r.rdi;
	st->r[8] = r.r8;
	st->r[9] = r.r9;
	st->r[10] = r.r10;
	st->r[11] = r.r11;
	st->r[12] = r.r12;
	st->r[13] = r.r13;
	st->r[14] = r.r14;
	st->r[15] = r.r15;
	st->flags = r.rflags;
	if (mode32) /* the upper halves are not architectural here */
		for (int i = 0; i < 16; i++)
			st->r[i] = i < 8 ? (uint32_t)st->r[i] : 0;
	memcpy(st->data, g->ram + data_lin, sizeof(st->data));
	memcpy(st->stack, g->ram + stack_lin - STACK_CMP, sizeof(st->stack));
	return vec;
}

static unsigned iterations(void)
{
	const char *e = getenv("ISA_ITERS");

	if (e)
		return (unsigned)strtoul(e, NULL, 0);
#ifdef __SANITIZE_ADDRESS__
	return 300; /* the sanitizer build looks for memory errors, not coverage */
#else
	return 2000;
#endif
}

static void describe(char *buf, size_t n, const struct isa_case *c, unsigned size,
		     const uint8_t *code, unsigned len, const struct state *in)
{
	size_t o = (size_t)snprintf(buf, n, "%s size %u bytes", c->name, size);
	unsigned i;

	for (i = 0; i < len && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, " %02x", code[i]);
	for (i = 0; i < 16 && o < n; i++)
		if (i < 8 || in->r[i])
			o += (size_t)snprintf(buf + o, n - o, " r%u=%#llx", i,
					      (unsigned long long)in->r[i]);
	if (o < n)
		snprintf(buf + o, n - o, " fl=%#llx", (unsigned long long)in->flags);
}

static void check_case(const struct isa_case *c)
{
	struct guest g;
	uc_engine *uc;
	unsigned size, it, n = iterations(), ran = 0;
	const char *only = getenv("ISA_CASE");

	if (only && strcmp(only, c->name))
		return;
	uc = uc_new();
	guest_init(&g);
	layout(mode16);
	if (mode16)
		guest_mode16(&g);
	else if (mode32)
		guest_mode32(&g);
	for (size = 1; size <= 8; size <<= 1) {
		if (!(c->sizes & size) || (mode32 && size == 8))
			continue;
		rng_state = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(c - cases) << 8) ^ size;
		for (it = 0; it < n; it++) {
			static struct state in, a, b;
			uint8_t code[32];
			unsigned len, count, i, mask;
			uint64_t rmask[16], rm;
			bool skip;
			int va, vb;
			char msg[1024];

			len = build(c, size, code, &in, &count, rmask);
			if (!len)
				continue;
			mask = defined_flags(c, size, &in, count, &skip);
			if (skip)
				continue;
			a = in;
			b = in;
			va = run_uc(uc, code, len, &a);
			vb = run_soft(&g, code, len, &b);
			describe(msg, sizeof(msg), c, size, code, len, &in);
			ran++;
			if (va >= 0 || vb >= 0) {
				/* Unicorn has no IDT here: it reports the #DF that follows */
				ck_assert_msg(va >= 0 && vb >= 0, "%s: exception unicorn %d soft %d",
					      msg, va, vb);
				if (c->rule == RU_DIV)
					ck_assert_msg(vb == X_DE, "%s: soft raised %d", msg, vb);
				continue;
			}
			ck_assert_msg(vb != -2, "%s: soft cpu did not reach the hlt", msg);
			for (i = 0; i < 16; i++) {
				rm = rmask[i];
				ck_assert_msg((a.r[i] & rm) == (b.r[i] & rm), "%s: r%u unicorn %#llx soft %#llx", msg,
					      i, (unsigned long long)a.r[i],
					      (unsigned long long)b.r[i]);
			}
			ck_assert_msg((a.flags & mask) == (b.flags & mask),
				      "%s: flags unicorn %#llx soft %#llx (compared %#x)", msg,
				      (unsigned long long)a.flags, (unsigned long long)b.flags, mask);
			ck_assert_msg((a.flags & DF) == (b.flags & DF), "%s: DF", msg);
			ck_assert_msg(!memcmp(a.data, b.data, sizeof(a.data)), "%s: data differs",
				      msg);
			ck_assert_msg(!memcmp(a.stack, b.stack, sizeof(a.stack)),
				      "%s: stack differs", msg);
		}
	}
	/* every case runs in 64-bit mode; in 32-bit mode those with a form there */
	ck_assert_msg(ran > 0 || !n || mode32, "%s: no instruction could be encoded", c->name);
	guest_fini(&g);
	uc_close(uc);
}

START_TEST(test_isa_case)
{
	mode32 = false;
	check_case(&cases[_i]);
}
END_TEST

/* The same cases in flat 32-bit protected mode (Unicorn UC_MODE_32). */
START_TEST(test_isa_case32)
{
	mode32 = true;
	check_case(&cases[_i]);
	mode32 = false;
}
END_TEST

/* And in real mode: 16-bit operand and address sizes (Unicorn UC_MODE_16). */
START_TEST(test_isa_case16)
{
	mode32 = mode16 = true;
	check_case(&cases[_i]);
	mode32 = mode16 = false;
	layout(false);
}
END_TEST

/* #DE from div/idiv: zero divisor and quotient overflow, both sizes of form. */
START_TEST(test_divide_error)
{
	static const struct {
		uint8_t code[4];
		unsigned len;
		uint64_t rax, rdx, rbx;
	} t[] = {
		{ { 0xf6, 0xf3 }, 2, 0x1234, 0, 0 },                       /* div bl, bl=0 */
		{ { 0xf6, 0xf3 }, 2, 0x1234, 0, 0x10 },                    /* div bl: 0x123 > 0xff */
		{ { 0x48, 0xf7, 0xf3 }, 3, 5, 1, 1 },                      /* div rbx: 2^64+5 */
		{ { 0x48, 0xf7, 0xfb }, 3, 0x8000000000000000ULL, ~0ULL, ~0ULL }, /* idiv: MIN/-1 */
		{ { 0xf7, 0xfb }, 2, 0x80000000u, 0xffffffffu, 0xffffffffu },   /* idiv ebx */
		{ { 0x66, 0xf7, 0xf3 }, 3, 0, 0, 0 },                      /* div bx, 0 */
	};
	struct guest g;
	unsigned i;
	uc_engine *uc = uc_new();

	guest_init(&g);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct state a, b;

		memset(&a, 0, sizeof(a));
		a.r[0] = t[i].rax;
		a.r[2] = t[i].rdx;
		a.r[3] = t[i].rbx;
		a.r[4] = G_STACK - 0x100;
		a.r[6] = G_DATA + 0x800;
		a.flags = 2;
		b = a;
		ck_assert_int_eq(run_soft(&g, t[i].code, t[i].len, &b), X_DE);
		/* Unicorn 2.0.1 reports #DE only for 64-bit divides (the SDM
		 * expectations above hold for every size) */
		if (t[i].code[0] == 0x48)
			ck_assert_msg(run_uc(uc, t[i].code, t[i].len, &a) >= 0, "case %u", i);
		/* a fault: nothing changed */
		ck_assert_uint_eq(b.r[0], t[i].rax);
		ck_assert_uint_eq(b.r[2], t[i].rdx);
	}
	guest_fini(&g);
	uc_close(uc);
}
END_TEST

static Suite *isa_suite(void)
{
	Suite *s = suite_create("unicorn_isa");
	TCase *tc = tcase_create("isa");

	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_isa_case, 0, (int)NCASES);
	tcase_add_loop_test(tc, test_isa_case32, 0, (int)NCASES);
	tcase_add_loop_test(tc, test_isa_case16, 0, (int)NCASES);
	tcase_add_test(tc, test_divide_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(isa_suite());
}
