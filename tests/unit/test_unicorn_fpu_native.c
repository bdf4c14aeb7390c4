// SPDX-License-Identifier: MIT
/*
 * The native FP executor (fpu_native*.c) against Unicorn 2 (QEMU's TCG
 * softfloat) as the independent oracle, in flat 64-bit mode: for a
 * representative set of forms of every class it runs (SSE/SSE2 float and
 * integer, SSE3, SSSE3, SSE4.1, SSE4.2 incl. PCMPxSTRx and CRC32, MOVBE,
 * MMX incl. the SSE forms on MMX registers, x87 loads/stores of every
 * format incl. 80-bit and BCD, arithmetic, compares, FCMOVcc, constants,
 * transcendentals), seeded random operands with NaNs, infinities, zeros
 * and denormals run on both; GPRs, arithmetic flags, XMM, MMX, MXCSR,
 * FSW's condition codes and the data page must agree, with the
 * exceptions named where they are compared (Unicorn's known gaps).
 * FPN_ITERS overrides the number of operand sets per form.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "support/run_suite.h"
#include "test_soft_isa_harness.h"

enum kind {
	K_SSE,	/* SSE..SSE4.2, CRC32, MOVBE: GPRs, flags, XMM, MXCSR, memory */
	K_MMX,	/* MMX and SSE on MMX registers: + MM0-7 (loaded from and stored to [rbx+192]) */
	K_X87,	/* x87: GPRs, flags, memory, FSW condition codes and TOP */
	K_TRIG, /* transcendentals: results within a tolerance (see check_trig) */
};

/*
 * Where Unicorn 2.0.1 is known to differ from the SDM, what a form
 * compares instead (see quirks()).
 */
enum quirk {
	Q_NONE,
	Q_FLAGS_ZPC,   /* FCOMI/FUCOMIP: Unicorn leaves OF, SF, AF; SDM clears them */
	Q_FSW_AX,      /* FNSTSW AX: Unicorn raises no IE/DE/PE and never sets C1 */
	Q_INT_RANGE,   /* FISTTP of NaN/inf/out of range: SDM: the integer indefinite */
	Q_BCD_SIGN,    /* FBSTP of a value that rounds to -0: SDM keeps the sign */
	Q_NORMAL_ONLY, /* FXTRACT: Unicorn is wrong for zeros, denormals, inf, NaN */
	Q_FPREM,       /* FPREM: QEMU computes it in double; C's fmod is exact */
	Q_FPREM1,      /* FPREM1: likewise, against C's remainder() */
	Q_FCW,	       /* FNSTCW: reserved FCW bits; FNSTSW m16: exception flags */
	Q_RN,	       /* DPPD: Unicorn sums in round-to-nearest whatever MXCSR.RC says */
};

struct fcase {
	const char *name;
	uint8_t kind;
	uint8_t quirk;
	uint8_t len;
	uint8_t bytes[48];
};

static const struct fcase cases[] = {
    {"addps xmm0, xmm1", K_SSE, Q_NONE, 3, {0x0f, 0x58, 0xc1}},
    {"addpd xmm2, [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x58, 0x13}},
    {"mulsd xmm3, [rbx+8]", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x59, 0x5b, 0x08}},
    {"divss xmm4, xmm5", K_SSE, Q_NONE, 4, {0xf3, 0x0f, 0x5e, 0xe5}},
    {"divpd xmm11, xmm12", K_SSE, Q_NONE, 5, {0x66, 0x45, 0x0f, 0x5e, 0xdc}},
    {"sqrtpd xmm6, xmm7", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x51, 0xf7}},
    {"sqrtss xmm6, [rbx+4]", K_SSE, Q_NONE, 5, {0xf3, 0x0f, 0x51, 0x73, 0x04}},
    {"subsd xmm8, xmm9", K_SSE, Q_NONE, 5, {0xf2, 0x45, 0x0f, 0x5c, 0xc1}},
    {"maxps xmm10, [rbx+16]", K_SSE, Q_NONE, 5, {0x44, 0x0f, 0x5f, 0x53, 0x10}},
    {"minsd xmm1, xmm2", K_SSE, Q_NONE, 4, {0xf2, 0x0f, 0x5d, 0xca}},
    {"cmpltps xmm0, xmm1", K_SSE, Q_NONE, 4, {0x0f, 0xc2, 0xc1, 0x01}},
    {"cmpsd xmm2, [rbx], 5", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0xc2, 0x13, 0x05}},
    {"comisd xmm0, xmm1", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x2f, 0xc1}},
    {"ucomiss xmm2, [rbx]", K_SSE, Q_NONE, 3, {0x0f, 0x2e, 0x13}},
    {"cvtsd2si rax, xmm0", K_SSE, Q_NONE, 5, {0xf2, 0x48, 0x0f, 0x2d, 0xc0}},
    {"cvttss2si eax, [rbx]", K_SSE, Q_NONE, 4, {0xf3, 0x0f, 0x2c, 0x03}},
    {"cvtsi2sd xmm1, rcx", K_SSE, Q_NONE, 5, {0xf2, 0x48, 0x0f, 0x2a, 0xc9}},
    {"cvtsi2ss xmm2, dword ptr [rbx]", K_SSE, Q_NONE, 4, {0xf3, 0x0f, 0x2a, 0x13}},
    {"cvtps2pd xmm3, xmm4", K_SSE, Q_NONE, 3, {0x0f, 0x5a, 0xdc}},
    {"cvtpd2ps xmm5, [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x5a, 0x2b}},
    {"cvtdq2ps xmm6, xmm7", K_SSE, Q_NONE, 3, {0x0f, 0x5b, 0xf7}},
    {"cvttpd2dq xmm0, xmm1", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xe6, 0xc1}},
    {"cvtss2sd xmm1, xmm2", K_SSE, Q_NONE, 4, {0xf3, 0x0f, 0x5a, 0xca}},
    {"shufps xmm0, xmm1, 0x1b", K_SSE, Q_NONE, 4, {0x0f, 0xc6, 0xc1, 0x1b}},
    {"unpcklpd xmm2, [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x14, 0x13}},
    {"andps xmm3, xmm4", K_SSE, Q_NONE, 3, {0x0f, 0x54, 0xdc}},
    {"xorpd xmm5, [rbx+32]", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x57, 0x6b, 0x20}},
    {"movaps xmm0, [rbx]", K_SSE, Q_NONE, 3, {0x0f, 0x28, 0x03}},
    {"movaps [rbx+32], xmm1", K_SSE, Q_NONE, 4, {0x0f, 0x29, 0x4b, 0x20}},
    {"movups xmm2, [rbx+1]", K_SSE, Q_NONE, 4, {0x0f, 0x10, 0x53, 0x01}},
    {"movupd [rbx+3], xmm3", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x11, 0x5b, 0x03}},
    {"movsd xmm4, [rbx+8]", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x10, 0x63, 0x08}},
    {"movsd [rbx+40], xmm5", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x11, 0x6b, 0x28}},
    {"movss xmm6, xmm7", K_SSE, Q_NONE, 4, {0xf3, 0x0f, 0x10, 0xf7}},
    {"movlps xmm0, [rbx+8]", K_SSE, Q_NONE, 4, {0x0f, 0x12, 0x43, 0x08}},
    {"movhpd [rbx+48], xmm1", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x17, 0x4b, 0x30}},
    {"movq xmm0, rax", K_SSE, Q_NONE, 5, {0x66, 0x48, 0x0f, 0x6e, 0xc0}},
    {"movq rcx, xmm1", K_SSE, Q_NONE, 5, {0x66, 0x48, 0x0f, 0x7e, 0xc9}},
    {"movd xmm2, dword ptr [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x6e, 0x13}},
    {"movd esp, xmm0", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x7e, 0xc4}},
    {"movq xmm0, rsp", K_SSE, Q_NONE, 5, {0x66, 0x48, 0x0f, 0x6e, 0xc4}},
    {"cvtsi2sd xmm3, esp", K_SSE, Q_NONE, 4, {0xf2, 0x0f, 0x2a, 0xdc}},
    {"movmskpd eax, xmm1", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x50, 0xc1}},
    {"movdqa xmm9, [rbx+16]", K_SSE, Q_NONE, 6, {0x66, 0x44, 0x0f, 0x6f, 0x4b, 0x10}},
    {"movdqu [rbx+5], xmm10", K_SSE, Q_NONE, 6, {0xf3, 0x44, 0x0f, 0x7f, 0x53, 0x05}},
    {"movdqa xmm15, [rip+0xffff7]",
     K_SSE,
     Q_NONE,
     9,
     {0x66, 0x44, 0x0f, 0x6f, 0x3d, 0xf7, 0xff, 0x0f, 0x00}},
    {"movapd xmm1, fs:[rbx]", K_SSE, Q_NONE, 5, {0x64, 0x66, 0x0f, 0x28, 0x0b}},
    {"paddb xmm0, xmm1", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xfc, 0xc1}},
    {"paddq xmm2, [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xd4, 0x13}},
    {"psubusw xmm3, xmm4", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xd9, 0xdc}},
    {"pmullw xmm5, xmm6", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xd5, 0xee}},
    {"pmuludq xmm7, xmm8", K_SSE, Q_NONE, 5, {0x66, 0x41, 0x0f, 0xf4, 0xf8}},
    {"pmaddwd xmm0, [rbx+16]", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0xf5, 0x43, 0x10}},
    {"psadbw xmm1, xmm2", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xf6, 0xca}},
    {"pavgb xmm3, xmm4", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xe0, 0xdc}},
    {"pcmpeqd xmm5, xmm6", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x76, 0xee}},
    {"pcmpgtb xmm7, xmm8", K_SSE, Q_NONE, 5, {0x66, 0x41, 0x0f, 0x64, 0xf8}},
    {"pandn xmm9, xmm10", K_SSE, Q_NONE, 5, {0x66, 0x45, 0x0f, 0xdf, 0xca}},
    {"packsswb xmm11, xmm12", K_SSE, Q_NONE, 5, {0x66, 0x45, 0x0f, 0x63, 0xdc}},
    {"packuswb xmm13, [rbx]", K_SSE, Q_NONE, 5, {0x66, 0x44, 0x0f, 0x67, 0x2b}},
    {"punpckhbw xmm14, xmm15", K_SSE, Q_NONE, 5, {0x66, 0x45, 0x0f, 0x68, 0xf7}},
    {"pshufd xmm0, xmm1, 0x4e", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x70, 0xc1, 0x4e}},
    {"pshuflw xmm2, [rbx], 0x1b", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x70, 0x13, 0x1b}},
    {"psllw xmm0, 3", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x71, 0xf0, 0x03}},
    {"psrad xmm1, xmm2", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xe2, 0xca}},
    {"pslldq xmm3, 5", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x73, 0xfb, 0x05}},
    {"psrlq xmm4, [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xd3, 0x23}},
    {"pmovmskb eax, xmm1", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xd7, 0xc1}},
    {"pextrw ecx, xmm2, 3", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0xc5, 0xca, 0x03}},
    {"pinsrw xmm3, word ptr [rbx], 2", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0xc4, 0x1b, 0x02}},
    {"pmaxsw xmm4, xmm5", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xee, 0xe5}},
    {"pminub xmm6, xmm7", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0xda, 0xf7}},
    {"addsubps xmm0, xmm1", K_SSE, Q_NONE, 4, {0xf2, 0x0f, 0xd0, 0xc1}},
    {"haddpd xmm2, [rbx]", K_SSE, Q_NONE, 4, {0x66, 0x0f, 0x7c, 0x13}},
    {"movddup xmm3, [rbx+8]", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x12, 0x5b, 0x08}},
    {"movshdup xmm4, xmm5", K_SSE, Q_NONE, 4, {0xf3, 0x0f, 0x16, 0xe5}},
    {"lddqu xmm0, [rbx+1]", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0xf0, 0x43, 0x01}},
    {"pshufb xmm0, xmm1", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x00, 0xc1}},
    {"phaddw xmm2, [rbx]", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x01, 0x13}},
    {"pmaddubsw xmm3, xmm4", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x04, 0xdc}},
    {"pmulhrsw xmm5, xmm6", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x0b, 0xee}},
    {"palignr xmm0, xmm1, 5", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x05}},
    {"pabsd xmm2, xmm3", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x1e, 0xd3}},
    {"psignb xmm4, xmm5", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x08, 0xe5}},
    {"blendps xmm0, xmm1, 5", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x0c, 0xc1, 0x05}},
    {"blendvpd xmm2, xmm3", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x15, 0xd3}},
    {"pblendvb xmm4, [rbx]", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x10, 0x23}},
    {"dpps xmm0, xmm1, 0x31", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x40, 0xc1, 0x31}},
    {"dppd xmm2, xmm3, 0x31", K_SSE, Q_RN, 6, {0x66, 0x0f, 0x3a, 0x41, 0xd3, 0x31}},
    {"insertps xmm0, xmm1, 0x50", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x21, 0xc1, 0x50}},
    {"extractps eax, xmm1, 2", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x17, 0xc8, 0x02}},
    {"extractps [rbx+4], xmm2, 1", K_SSE, Q_NONE, 7, {0x66, 0x0f, 0x3a, 0x17, 0x53, 0x04, 0x01}},
    {"pextrb [rbx+7], xmm3, 9", K_SSE, Q_NONE, 7, {0x66, 0x0f, 0x3a, 0x14, 0x5b, 0x07, 0x09}},
    {"pextrd ecx, xmm4, 3", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x16, 0xe1, 0x03}},
    {"pextrq rax, xmm1, 1", K_SSE, Q_NONE, 7, {0x66, 0x48, 0x0f, 0x3a, 0x16, 0xc8, 0x01}},
    {"pinsrb xmm0, eax, 3", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x20, 0xc0, 0x03}},
    {"pinsrq xmm1, [rbx+8], 1", K_SSE, Q_NONE, 8, {0x66, 0x48, 0x0f, 0x3a, 0x22, 0x4b, 0x08, 0x01}},
    {"pmovsxbw xmm2, xmm3", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x20, 0xd3}},
    {"pmovzxdq xmm0, [rbx]", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x35, 0x03}},
    {"pmuldq xmm1, xmm2", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x28, 0xca}},
    {"pmulld xmm3, [rbx+16]", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x38, 0x40, 0x5b, 0x10}},
    {"ptest xmm0, xmm1", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x17, 0xc1}},
    {"roundsd xmm0, xmm1, 4", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x0b, 0xc1, 0x04}},
    {"roundps xmm2, [rbx], 1", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x08, 0x13, 0x01}},
    {"mpsadbw xmm3, xmm4, 5", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x42, 0xdc, 0x05}},
    {"phminposuw xmm5, xmm6", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x41, 0xee}},
    {"packusdw xmm7, xmm8", K_SSE, Q_NONE, 6, {0x66, 0x41, 0x0f, 0x38, 0x2b, 0xf8}},
    {"pcmpeqq xmm9, xmm10", K_SSE, Q_NONE, 6, {0x66, 0x45, 0x0f, 0x38, 0x29, 0xca}},
    {"pmaxsd xmm11, xmm12", K_SSE, Q_NONE, 6, {0x66, 0x45, 0x0f, 0x38, 0x3d, 0xdc}},
    {"movntdqa xmm0, [rbx]", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x2a, 0x03}},
    {"pcmpgtq xmm1, xmm2", K_SSE, Q_NONE, 5, {0x66, 0x0f, 0x38, 0x37, 0xca}},
    {"pcmpistri xmm0, xmm1, 0x0c", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x0c}},
    {"pcmpistri xmm2, [rbx+3], 0x40", K_SSE, Q_NONE, 7, {0x66, 0x0f, 0x3a, 0x63, 0x53, 0x03, 0x40}},
    {"pcmpistrm xmm1, [rbx], 0x44", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x62, 0x0b, 0x44}},
    {"pcmpestri xmm2, xmm3, 0x18", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x61, 0xd3, 0x18}},
    {"pcmpestrm xmm4, xmm5, 0x4a", K_SSE, Q_NONE, 6, {0x66, 0x0f, 0x3a, 0x60, 0xe5, 0x4a}},
    {"crc32 eax, byte ptr [rbx]", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x38, 0xf0, 0x03}},
    {"crc32 rax, rcx", K_SSE, Q_NONE, 6, {0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc1}},
    {"crc32 eax, esp", K_SSE, Q_NONE, 5, {0xf2, 0x0f, 0x38, 0xf1, 0xc4}},
    {"crc32 ecx, word ptr [rbx+1]", K_SSE, Q_NONE, 7, {0x66, 0xf2, 0x0f, 0x38, 0xf1, 0x4b, 0x01}},
    {"movnti [rbx+8], rax", K_SSE, Q_NONE, 5, {0x48, 0x0f, 0xc3, 0x43, 0x08}},
    {"paddb mm0, mm1", K_MMX, Q_NONE, 3, {0x0f, 0xfc, 0xc1}},
    {"pmullw mm2, [rbx]", K_MMX, Q_NONE, 3, {0x0f, 0xd5, 0x13}},
    {"punpcklbw mm3, mm4", K_MMX, Q_NONE, 3, {0x0f, 0x60, 0xdc}},
    {"packsswb mm5, mm6", K_MMX, Q_NONE, 3, {0x0f, 0x63, 0xee}},
    {"psllq mm3, 4", K_MMX, Q_NONE, 4, {0x0f, 0x73, 0xf3, 0x04}},
    {"movq mm0, [rbx]", K_MMX, Q_NONE, 3, {0x0f, 0x6f, 0x03}},
    {"movq [rbx+8], mm1", K_MMX, Q_NONE, 4, {0x0f, 0x7f, 0x4b, 0x08}},
    {"movd eax, mm2", K_MMX, Q_NONE, 3, {0x0f, 0x7e, 0xd0}},
    {"pmaddwd mm7, mm0", K_MMX, Q_NONE, 3, {0x0f, 0xf5, 0xf8}},
    {"emms", K_MMX, Q_NONE, 2, {0x0f, 0x77}},
    {"cvtpi2ps xmm0, mm1", K_MMX, Q_NONE, 3, {0x0f, 0x2a, 0xc1}},
    {"cvtps2pi mm0, xmm1", K_MMX, Q_NONE, 3, {0x0f, 0x2d, 0xc1}},
    {"movdq2q mm0, xmm1", K_MMX, Q_NONE, 4, {0xf2, 0x0f, 0xd6, 0xc1}},
    {"pshufw mm0, mm1, 0x1b", K_MMX, Q_NONE, 4, {0x0f, 0x70, 0xc1, 0x1b}},
    {"pmaxub mm0, mm1", K_MMX, Q_NONE, 3, {0x0f, 0xde, 0xc1}},
    {"paddq mm0, mm1", K_MMX, Q_NONE, 3, {0x0f, 0xd4, 0xc1}},
    {"pmuludq mm2, [rbx]", K_MMX, Q_NONE, 3, {0x0f, 0xf4, 0x13}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; faddp st(1), st; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     10,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xde, 0xc1, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fsub qword ptr [rbx+8]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xdc, 0x63, 0x08, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fmul dword ptr [rbx+8]; fstp dword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xd8, 0x4b, 0x08, 0xd9, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fdiv qword ptr [rbx+8]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xdc, 0x73, 0x08, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fdivr qword ptr [rbx+8]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xdc, 0x7b, 0x08, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fiadd dword ptr [rbx+8]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xda, 0x43, 0x08, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fimul word ptr [rbx+8]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xde, 0x4b, 0x08, 0xdd, 0x5b, 0x40}},
    {"fld tbyte ptr [rbx]; fstp tbyte ptr [rbx+64]",
     K_X87,
     Q_NONE,
     5,
     {0xdb, 0x2b, 0xdb, 0x7b, 0x40}},
    {"fld qword ptr [rbx]; fstp tbyte ptr [rbx+64]",
     K_X87,
     Q_NONE,
     5,
     {0xdd, 0x03, 0xdb, 0x7b, 0x40}},
    {"fld dword ptr [rbx]; fst qword ptr [rbx+64]; fstp dword ptr [rbx+72]",
     K_X87,
     Q_NONE,
     8,
     {0xd9, 0x03, 0xdd, 0x53, 0x40, 0xd9, 0x5b, 0x48}},
    {"fild qword ptr [rbx]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     5,
     {0xdf, 0x2b, 0xdd, 0x5b, 0x40}},
    {"fild word ptr [rbx]; fild dword ptr [rbx+4]; fstp qword ptr [rbx+64]; fstp qword ptr "
     "[rbx+72]",
     K_X87,
     Q_NONE,
     11,
     {0xdf, 0x03, 0xdb, 0x43, 0x04, 0xdd, 0x5b, 0x40, 0xdd, 0x5b, 0x48}},
    {"fld qword ptr [rbx]; fistp dword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     5,
     {0xdd, 0x03, 0xdb, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fist word ptr [rbx+64]; fistp qword ptr [rbx+72]",
     K_X87,
     Q_NONE,
     8,
     {0xdd, 0x03, 0xdf, 0x53, 0x40, 0xdf, 0x7b, 0x48}},
    {"fld qword ptr [rbx]; fisttp qword ptr [rbx+64]",
     K_X87,
     Q_INT_RANGE,
     5,
     {0xdd, 0x03, 0xdd, 0x4b, 0x40}},
    {"fbld tbyte ptr [rbx+128]; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     9,
     {0xdf, 0xa3, 0x80, 0x00, 0x00, 0x00, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fbstp tbyte ptr [rbx+64]",
     K_X87,
     Q_BCD_SIGN,
     5,
     {0xdd, 0x03, 0xdf, 0x73, 0x40}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fcomi st, st(1); fstp st(0); fstp st(0)",
     K_X87,
     Q_FLAGS_ZPC,
     11,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xdb, 0xf1, 0xdd, 0xd8, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fucomip st, st(1); fstp st(0)",
     K_X87,
     Q_FLAGS_ZPC,
     9,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xdf, 0xe9, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; fcom qword ptr [rbx+8]; fnstsw ax; fstp st(0)",
     K_X87,
     Q_FSW_AX,
     9,
     {0xdd, 0x03, 0xdc, 0x53, 0x08, 0xdf, 0xe0, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; ftst; fxam; fnstsw ax; fstp st(0)",
     K_X87,
     Q_FSW_AX,
     10,
     {0xdd, 0x03, 0xd9, 0xe4, 0xd9, 0xe5, 0xdf, 0xe0, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fcmovb st, st(1); fstp qword ptr [rbx+64]; fstp "
     "st(0)",
     K_X87,
     Q_NONE,
     12,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xda, 0xc1, 0xdd, 0x5b, 0x40, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fcmovnbe st, st(1); fcmovu st, st(1); fstp qword "
     "ptr [rbx+64]; fstp st(0)",
     K_X87,
     Q_NONE,
     14,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xdb, 0xd1, 0xda, 0xd9, 0xdd, 0x5b, 0x40, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; fsqrt; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     7,
     {0xdd, 0x03, 0xd9, 0xfa, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fabs; fchs; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     9,
     {0xdd, 0x03, 0xd9, 0xe1, 0xd9, 0xe0, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; frndint; fstp qword ptr [rbx+64]",
     K_X87,
     Q_NONE,
     7,
     {0xdd, 0x03, 0xd9, 0xfc, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fscale; fstp qword ptr [rbx+64]; fstp st(0)",
     K_X87,
     Q_NONE,
     12,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xd9, 0xfd, 0xdd, 0x5b, 0x40, 0xdd, 0xd8}},
    {"fld qword ptr [rbx]; fxtract; fstp qword ptr [rbx+64]; fstp qword ptr [rbx+72]",
     K_X87,
     Q_NORMAL_ONLY,
     10,
     {0xdd, 0x03, 0xd9, 0xf4, 0xdd, 0x5b, 0x40, 0xdd, 0x5b, 0x48}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fprem; fstp qword ptr [rbx+64]; fstp st(0); "
     "fnstsw ax",
     K_X87,
     Q_FPREM,
     14,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xd9, 0xf8, 0xdd, 0x5b, 0x40, 0xdd, 0xd8, 0xdf, 0xe0}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fprem1; fstp qword ptr [rbx+64]; fstp st(0); "
     "fnstsw ax",
     K_X87,
     Q_FPREM1,
     14,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xd9, 0xf5, 0xdd, 0x5b, 0x40, 0xdd, 0xd8, 0xdf, 0xe0}},
    {"fld1; fldz; fldpi; fldl2e; fldln2; fldl2t; fldlg2; fstp tbyte ptr [rbx+64]; fstp tbyte ptr "
     "[rbx+80]; fstp tbyte ptr [rbx+96]; fstp tbyte ptr [rbx+112]; fstp st(0); fstp qword ptr "
     "[rbx+48]; fstp qword ptr [rbx+56]",
     K_X87,
     Q_NONE,
     34,
     {0xd9, 0xe8, 0xd9, 0xee, 0xd9, 0xeb, 0xd9, 0xea, 0xd9, 0xed, 0xd9, 0xe9,
      0xd9, 0xec, 0xdb, 0x7b, 0x40, 0xdb, 0x7b, 0x50, 0xdb, 0x7b, 0x60, 0xdb,
      0x7b, 0x70, 0xdd, 0xd8, 0xdd, 0x5b, 0x30, 0xdd, 0x5b, 0x38}},
    {"fld qword ptr [rbx]; fld qword ptr [rbx+8]; fxch st(1); fstp qword ptr [rbx+64]; fstp qword "
     "ptr [rbx+72]",
     K_X87,
     Q_NONE,
     13,
     {0xdd, 0x03, 0xdd, 0x43, 0x08, 0xd9, 0xc9, 0xdd, 0x5b, 0x40, 0xdd, 0x5b, 0x48}},
    {"fld qword ptr [rbx]; ffree st(0); fincstp; fld qword ptr [rbx+8]; fdecstp; fnop; fnstsw ax",
     K_X87,
     Q_FSW_AX,
     15,
     {0xdd, 0x03, 0xdd, 0xc0, 0xd9, 0xf7, 0xdd, 0x43, 0x08, 0xd9, 0xf6, 0xd9, 0xd0, 0xdf, 0xe0}},
    {"fldcw [rbx]; fnstcw [rbx+64]; fnstsw [rbx+66]",
     K_X87,
     Q_FCW,
     8,
     {0xd9, 0x2b, 0xd9, 0x7b, 0x40, 0xdd, 0x7b, 0x42}},
    {"fld qword ptr [rbx+24]; fsin; fstp qword ptr [rbx+64]",
     K_TRIG,
     Q_NONE,
     8,
     {0xdd, 0x43, 0x18, 0xd9, 0xfe, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx+24]; fcos; fstp qword ptr [rbx+64]",
     K_TRIG,
     Q_NONE,
     8,
     {0xdd, 0x43, 0x18, 0xd9, 0xff, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx+24]; fsincos; fstp qword ptr [rbx+64]; fstp qword ptr [rbx+72]",
     K_TRIG,
     Q_NONE,
     11,
     {0xdd, 0x43, 0x18, 0xd9, 0xfb, 0xdd, 0x5b, 0x40, 0xdd, 0x5b, 0x48}},
    {"fld qword ptr [rbx+24]; fptan; fstp qword ptr [rbx+64]; fstp qword ptr [rbx+72]",
     K_TRIG,
     Q_NONE,
     11,
     {0xdd, 0x43, 0x18, 0xd9, 0xf2, 0xdd, 0x5b, 0x40, 0xdd, 0x5b, 0x48}},
    {"fld qword ptr [rbx+24]; fld qword ptr [rbx+32]; fpatan; fstp qword ptr [rbx+64]",
     K_TRIG,
     Q_NONE,
     11,
     {0xdd, 0x43, 0x18, 0xdd, 0x43, 0x20, 0xd9, 0xf3, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx+40]; f2xm1; fstp qword ptr [rbx+64]",
     K_TRIG,
     Q_NONE,
     8,
     {0xdd, 0x43, 0x28, 0xd9, 0xf0, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx+24]; fld qword ptr [rbx+32]; fyl2x; fstp qword ptr [rbx+64]",
     K_TRIG,
     Q_NONE,
     11,
     {0xdd, 0x43, 0x18, 0xdd, 0x43, 0x20, 0xd9, 0xf1, 0xdd, 0x5b, 0x40}},
    {"fld qword ptr [rbx+24]; fld qword ptr [rbx+40]; fyl2xp1; fstp qword ptr [rbx+64]",
     K_TRIG,
     Q_NONE,
     11,
     {0xdd, 0x43, 0x18, 0xdd, 0x43, 0x28, 0xd9, 0xf9, 0xdd, 0x5b, 0x40}},

};

#define NCASES (sizeof(cases) / sizeof(cases[0]))
#define DATA_SIZE 256

struct fstate {
	uint64_t r[16];
	uint64_t flags;
	uint8_t xmm[16][16];
	uint32_t mxcsr;
	uint16_t fsw;
	uint8_t data[DATA_SIZE];
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t dbits(double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	return v;
}

/* A double: specials (signed zeros, infinities, NaNs, denormals), small integers, or random bits.
 */
static uint64_t rnd_double(void)
{
	static const uint64_t special[] = {
	    0,
	    0x8000000000000000ULL,
	    0x7ff0000000000000ULL,
	    0xfff0000000000000ULL,
	    0x7ff8000000000000ULL,
	    0x7ff4000000000000ULL,
	    1,
	    0x000fffffffffffffULL,
	    0x7fefffffffffffffULL,
	    0x0010000000000000ULL,
	};
	switch (rnd() % 6) {
	case 0:
		return special[rnd() % (sizeof(special) / sizeof(special[0]))];
	case 1:
		return dbits((double)((int64_t)(rnd() % 200) - 100));
	case 2:
		return dbits((double)(int64_t)(rnd() % 2000000 - 1000000) / 1024.0);
	case 3: /* two floats */
		return (rnd() & 0x807fffff807fffffULL) | 0x3f0000003f000000ULL;
	default:
		return rnd();
	}
}

static double rnd_range(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rnd() >> 11) / 9007199254740992.0;
}

static void gen_state(struct fstate *st, unsigned kind, unsigned quirk)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 16; i++)
		st->r[i] = rnd() % 4 ? rnd() : rnd() % 64;
	st->r[R_RBX] = G_DATA;
	st->r[R_RSP] = G_STACK - 0x100;
	st->flags = 0x2 | (rnd() & 0x8d5);
	for (i = 0; i < 16; i++) {
		uint64_t lo = rnd_double(), hi = rnd_double();

		memcpy(st->xmm[i], &lo, 8);
		memcpy(st->xmm[i] + 8, &hi, 8);
	}
	/*
	 * Round to nearest mostly, the other modes sometimes. Not FTZ/DAZ:
	 * Unicorn 2.0.1 ignores both (test_fpu_native.c checks them on the host).
	 */
	st->mxcsr = 0x1f80 | (rnd() % 4 == 0 && quirk != Q_RN ? (rnd() % 4) << 13 : 0);
	for (i = 0; i < DATA_SIZE; i += 8) {
		uint64_t v = rnd_double();

		memcpy(st->data + i, &v, 8);
	}
	/* [rbx+24], [rbx+32]: moderate arguments; [rbx+40] in [-1, 1] (f2xm1, fyl2xp1) */
	if (kind == K_TRIG) {
		uint64_t a = dbits(rnd_range(0.01, 20.0)), b = dbits(rnd_range(0.01, 20.0)),
			 c = dbits(rnd_range(-0.25, 0.25));

		memcpy(st->data + 24, &a, 8);
		memcpy(st->data + 32, &b, 8);
		memcpy(st->data + 40, &c, 8);
	}
	/* [rbx+128]: a valid packed BCD integer for fbld */
	for (i = 0; i < 9; i++)
		st->data[128 + i] = (uint8_t)((rnd() % 10) << 4 | rnd() % 10);
	st->data[137] = rnd() & 1 ? 0x80 : 0;
}

/* ---- Unicorn ---- */
static const int uc_regs[16] = {
    UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
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

	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	ck_assert_int_eq(uc_ctl_set_cpu_model(uc, UC_CPU_X86_HASWELL), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_map(uc, G_CODE, 0x1000, UC_PROT_ALL), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_map(uc, G_DATA, 0x1000, UC_PROT_ALL), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_map(uc, G_STACK - 0x1000, 0x1000, UC_PROT_ALL), UC_ERR_OK);
	ck_assert_int_eq(uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)uc_on_intr, NULL, 1, 0),
			 UC_ERR_OK);
	return uc;
}

static int run_uc(uc_engine *uc, const uint8_t *code, unsigned len, struct fstate *st)
{
	uint64_t f = st->flags;
	uint16_t fcw = 0x37f, fsw = 0, ftag = 0xffff;
	unsigned i;

	for (i = 0; i < 16; i++)
		uc_reg_write(uc, uc_regs[i], &st->r[i]);
	uc_reg_write(uc, UC_X86_REG_EFLAGS, &f);
	for (i = 0; i < 16; i++)
		uc_reg_write(uc, UC_X86_REG_XMM0 + i, st->xmm[i]);
	uc_reg_write(uc, UC_X86_REG_MXCSR, &st->mxcsr);
	uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
	uc_reg_write(uc, UC_X86_REG_FPSW, &fsw);
	uc_reg_write(uc, UC_X86_REG_FPTAG, &ftag);
	uc_mem_write(uc, G_DATA, st->data, DATA_SIZE);
	uc_mem_write(uc, G_CODE, code, len);
	uc_ctl_remove_cache(uc, G_CODE, G_CODE + 0x1000);
	uc_vector = -1;
	if (uc_emu_start(uc, G_CODE, G_CODE + len, 0, 1000) != UC_ERR_OK && uc_vector < 0)
		uc_vector = 255;
	for (i = 0; i < 16; i++)
		uc_reg_read(uc, uc_regs[i], &st->r[i]);
	uc_reg_read(uc, UC_X86_REG_EFLAGS, &f);
	st->flags = f;
	for (i = 0; i < 16; i++)
		uc_reg_read(uc, UC_X86_REG_XMM0 + i, st->xmm[i]);
	uc_reg_read(uc, UC_X86_REG_MXCSR, &st->mxcsr);
	uc_reg_read(uc, UC_X86_REG_FPSW, &st->fsw);
	uc_mem_read(uc, G_DATA, st->data, DATA_SIZE);
	return uc_vector;
}

/* ---- the soft CPU ---- */
static void guest_fp_init(struct guest *g)
{
	struct kvm_sregs s;

	soft_cpu_get_sregs(g->cpu, &s);
	s.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	ck_assert_int_eq(soft_cpu_set_sregs(g->cpu, &s), 0);
}

static void set_image(struct soft_cpu *cpu, const struct fstate *st)
{
	uint8_t *a = cpu->fpu.area;
	uint16_t fcw = 0x37f;
	unsigned i;

	memset(a, 0, FPU_XSAVE_SIZE);
	memcpy(a + FPU_OFF_FCW, &fcw, 2);
	memcpy(a + FPU_OFF_MXCSR, &st->mxcsr, 4);
	for (i = 0; i < 16; i++)
		memcpy(a + FPU_OFF_XMM(i), st->xmm[i], 16);
}

static int run_soft(struct guest *g, const uint8_t *code, unsigned len, struct fstate *st)
{
	struct kvm_regs r;
	uint8_t buf[256];
	int exit, vec;
	unsigned i;

	memset(&r, 0, sizeof(r));
	r.rax = st->r[0], r.rcx = st->r[1], r.rdx = st->r[2], r.rbx = st->r[3];
	r.rsp = st->r[4], r.rbp = st->r[5], r.rsi = st->r[6], r.rdi = st->r[7];
	r.r8 = st->r[8], r.r9 = st->r[9], r.r10 = st->r[10], r.r11 = st->r[11];
	r.r12 = st->r[12], r.r13 = st->r[13], r.r14 = st->r[14], r.r15 = st->r[15];
	r.rip = G_CODE;
	r.rflags = st->flags;
	soft_cpu_set_regs(g->cpu, &r);
	set_image(g->cpu, st);
	memcpy(g->ram + G_DATA, st->data, DATA_SIZE);
	memcpy(buf, code, len);
	buf[len] = 0xf4; /* hlt */
	guest_code(g, G_CODE, buf, len + 1u);
	exit = guest_run(g, 4);
	soft_cpu_get_regs(g->cpu, &r);
	vec = exit == KVM_EXIT_HLT ? guest_exception(g, r.rip) : -2;
	if (vec < 0 && (exit != KVM_EXIT_HLT || r.rip != G_CODE + len + 1u))
		return -2;
	st->r[0] = r.rax, st->r[1] = r.rcx, st->r[2] = r.rdx, st->r[3] = r.rbx;
	st->r[4] = r.rsp, st->r[5] = r.rbp, st->r[6] = r.rsi, st->r[7] = r.rdi;
	st->r[8] = r.r8, st->r[9] = r.r9, st->r[10] = r.r10, st->r[11] = r.r11;
	st->r[12] = r.r12, st->r[13] = r.r13, st->r[14] = r.r14, st->r[15] = r.r15;
	st->flags = r.rflags;
	for (i = 0; i < 16; i++)
		memcpy(st->xmm[i], g->cpu->fpu.area + FPU_OFF_XMM(i), 16);
	memcpy(&st->mxcsr, g->cpu->fpu.area + FPU_OFF_MXCSR, 4);
	memcpy(&st->fsw, g->cpu->fpu.area + FPU_OFF_FSW, 2);
	memcpy(st->data, g->ram + G_DATA, DATA_SIZE);
	return vec;
}

/* ---- comparison ---- */
/*
 * Transcendentals: QEMU's x87 computes them through the host's double
 * `sin`/`cos`/... (target/i386 fpu_helper.c), so Unicorn is only good to
 * double precision, while the x87 (and the soft CPU, running the host's
 * own FSIN...) computes with a 64-bit mantissa (SDM vol. 1 8.3.10: results
 * within 1 ulp of extended precision). The stored doubles are compared to
 * within 1e-12 relative, NaNs to NaNs.
 */
static bool close_enough(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return true;
	return fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b));
}

static double as_double(const uint8_t *p)
{
	double d;

	memcpy(&d, p, 8);
	return d;
}

/*
 * XMM registers equal, except 32-bit lanes that are NaN on both: Unicorn
 * does not return the first source's NaN of two (SDM vol. 1 table 11-1,
 * 4.8.3.5), so only NaN-ness is compared there (a double NaN's upper lane
 * is a float NaN too).
 */
static bool same_but_nans(const uint8_t *a, const uint8_t *b)
{
	unsigned i;

	for (i = 0; i < 16; i += 4) {
		uint32_t x, y;

		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		if (x != y && !((x & 0x7fffffff) > 0x7f800000 && (y & 0x7fffffff) > 0x7f800000))
			return false;
	}
	return true;
}

static void skip_bytes(const struct fstate *u, struct fstate *s, unsigned off, unsigned n)
{
	memcpy(s->data + off, u->data + off, n);
}

/*
 * The quirks: check the soft CPU against the SDM or C's exact library
 * where Unicorn is wrong, then take Unicorn's bytes so the common
 * comparison passes over them.
 */
static void quirks(const struct fcase *c, const struct fstate *in, struct fstate *u,
		   struct fstate *s, unsigned iter)
{
	static const uint8_t zero[9];
	double x = as_double(in->data), y = as_double(in->data + 8), want;
	uint64_t got;

	switch (c->quirk) {
	case Q_FLAGS_ZPC:
		u->flags = (u->flags & 0x45) | (s->flags & ~0x45ULL);
		break;
	case Q_FSW_AX:
		ck_assert_msg((u->r[0] & ~0x2ffULL) == (s->r[0] & ~0x2ffULL),
			      "%s #%u: ax %#llx vs %#llx", c->name, iter,
			      (unsigned long long)u->r[0], (unsigned long long)s->r[0]);
		s->r[0] = u->r[0];
		break;
	case Q_INT_RANGE:
		if (!isfinite(x) || fabs(x) >= 9.2e18) {
			memcpy(&got, s->data + 64, 8);
			ck_assert_msg(got == 0x8000000000000000ULL, "%s #%u: %#llx", c->name, iter,
				      (unsigned long long)got);
			skip_bytes(u, s, 64, 8);
		}
		break;
	case Q_BCD_SIGN:
		if (!isfinite(x) || fabs(x) >= 1e18) {
			/* SDM FBSTP: invalid operand, masked: the BCD indefinite FFFF C000 0..0 */
			ck_assert_msg(!memcmp(s->data + 64, zero, 7) && s->data[71] == 0xc0 &&
					  s->data[72] == 0xff && s->data[73] == 0xff,
				      "%s #%u: not the BCD indefinite", c->name, iter);
			skip_bytes(u, s, 64, 10);
		} else if (!memcmp(u->data + 64, zero, 9)) {
			skip_bytes(u, s, 73, 1);
		}
		break;
	case Q_NORMAL_ONLY:
		if (!isnormal(x))
			skip_bytes(u, s, 64, 16);
		break;
	case Q_FPREM:
	case Q_FPREM1:
		/* ST0 = [rbx+8] = y, ST1 = [rbx] = x; a complete reduction (C2 = 0) only */
		if (isfinite(x) && isfinite(y) && x != 0 && !(s->r[0] & 0x400)) {
			want = c->quirk == Q_FPREM ? fmod(y, x) : remainder(y, x);
			ck_assert_msg(as_double(s->data + 64) == want,
				      "%s #%u: %.17g rem %.17g = %.17g, soft %.17g", c->name, iter,
				      y, x, want, as_double(s->data + 64));
		}
		skip_bytes(u, s, 64, 8);
		u->r[0] = s->r[0];
		break;
	case Q_FCW:
		s->data[64] &= 0x3f, u->data[64] &= 0x3f;
		s->data[65] &= 0x1f, u->data[65] &= 0x1f;
		skip_bytes(u, s, 66, 2);
		break;
	default:
		break;
	}
	/*
	 * x87 with a NaN operand: Unicorn neither quiets an SNaN on load (SDM
	 * vol. 1 4.8.3.4: FLD of an SNaN with IE masked gives its QNaN) nor
	 * picks between two NaNs as table 4-7 says: results not compared.
	 */
	if (c->kind == K_X87 && (isnan(x) || isnan(y)))
		skip_bytes(u, s, 64, 16);
}

static void compare(const struct fcase *c, const struct fstate *u, struct fstate *s, unsigned iter)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		ck_assert_msg(u->r[i] == s->r[i], "%s #%u: r%u unicorn %#llx soft %#llx", c->name,
			      iter, i, (unsigned long long)u->r[i], (unsigned long long)s->r[i]);
	ck_assert_msg((u->flags & 0x8d5) == (s->flags & 0x8d5), "%s #%u: flags %#llx vs %#llx",
		      c->name, iter, (unsigned long long)u->flags, (unsigned long long)s->flags);
	if (c->kind == K_TRIG) {
		for (i = 64; i < 80; i += 8)
			ck_assert_msg(close_enough(as_double(u->data + i), as_double(s->data + i)),
				      "%s #%u: [rbx+%u] unicorn %.17g soft %.17g", c->name, iter, i,
				      as_double(u->data + i), as_double(s->data + i));
		return;
	}
	/*
	 * x87 results that are NaN on both: Unicorn does not pick the NaN
	 * with the larger significand of two NaN operands as SDM vol. 1
	 * table 4-7 says the x87 does, so only NaN-ness is compared there.
	 */
	if (c->kind == K_X87 && isnan(as_double(u->data + 64)) && isnan(as_double(s->data + 64))) {
		memcpy(s->data + 64, u->data + 64, 8);
	}
	for (i = 0; i < DATA_SIZE; i++)
		ck_assert_msg(u->data[i] == s->data[i], "%s #%u: data[%u] unicorn %#x soft %#x",
			      c->name, iter, i, u->data[i], s->data[i]);
	for (i = 0; i < 16; i++)
		ck_assert_msg(
		    same_but_nans(u->xmm[i], s->xmm[i]),
		    "%s #%u: xmm%u unicorn %016llx%016llx soft %016llx%016llx", c->name, iter, i,
		    *(unsigned long long *)(u->xmm[i] + 8), *(unsigned long long *)u->xmm[i],
		    *(unsigned long long *)(s->xmm[i] + 8), *(unsigned long long *)s->xmm[i]);
	/*
	 * MXCSR: Unicorn 2.0.1 (QEMU 5's TCG) never sets MXCSR's exception
	 * flags (SDM 11.5.2 requires them): only the control bits are compared
	 * here; the flags are checked against the host CPU in test_fpu_native.c.
	 */
	ck_assert_msg((u->mxcsr & ~0x3fu) == (s->mxcsr & ~0x3fu), "%s #%u: mxcsr %#x vs %#x",
		      c->name, iter, u->mxcsr, s->mxcsr);
	/*
	 * FSW: TOP. The condition codes are undefined after most x87
	 * instructions (SDM vol. 2, each instruction's "FPU Flags Affected"):
	 * the forms that define them end in FNSTSW AX (Q_FSW_AX).
	 */
	ck_assert_msg((u->fsw & 0x3800) == (s->fsw & 0x3800), "%s #%u: fsw %#x vs %#x", c->name,
		      iter, u->fsw, s->fsw);
}

static unsigned iterations(void)
{
	const char *e = getenv("FPN_ITERS");

	if (e)
		return (unsigned)strtoul(e, NULL, 0);
#ifdef __SANITIZE_ADDRESS__
	return 20;
#else
	return 100;
#endif
}

/*
 * The code one draw runs: the form itself, and for MMX forms around it
 * `movq mmN, [rbx+192+8N]` for N = 0..7 before and `movq [rbx+192+8N], mmN`
 * after, so both CPUs' MMX registers are set and compared through memory
 * (Unicorn 2.0.1 does not take MM register writes through uc_reg_write).
 */
static unsigned wrap_mmx(const struct fcase *c, uint8_t *code)
{
	unsigned n = 0, i, pass;

	for (pass = 0; pass < 3; pass++) {
		if (pass == 1) {
			memcpy(code + n, c->bytes, c->len);
			n += c->len;
			continue;
		}
		if (c->kind != K_MMX)
			continue;
		for (i = 0; i < 8; i++) {
			uint32_t disp = 192 + 8 * i;

			code[n++] = 0x0f;
			code[n++] = pass ? 0x7f : 0x6f;
			code[n++] = (uint8_t)(0x83 | i << 3); /* [rbx + disp32] */
			memcpy(code + n, &disp, 4);
			n += 4;
		}
	}
	return n;
}

START_TEST(test_form)
{
	const struct fcase *c = &cases[_i];
	struct guest g;
	uc_engine *uc = uc_new();
	unsigned n = iterations(), it, len;
	uint8_t code[192];

	guest_init(&g);
	guest_fp_init(&g);
	len = wrap_mmx(c, code);
	rng_state = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)_i << 20);
	for (it = 0; it < n; it++) {
		struct fstate in, u, s;
		int vu, vs;

		gen_state(&in, c->kind, c->quirk);
		u = in;
		s = in;
		vu = run_uc(uc, code, len, &u);
		vs = run_soft(&g, code, len, &s);
		ck_assert_msg(vu == vs, "%s #%u: exception unicorn %d soft %d", c->name, it, vu,
			      vs);
		if (vu < 0) {
			quirks(c, &in, &u, &s, it);
			compare(c, &u, &s, it);
		}
	}
	printf("fpu_native: %s: %u draws\n", c->name, n);
	guest_fini(&g);
	uc_close(uc);
}
END_TEST

static Suite *fpu_native_suite(void)
{
	Suite *s = suite_create("unicorn_fpu_native");
	TCase *tc = tcase_create("forms");

	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_form, 0, (int)NCASES);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	printf("fpu_native: %u instruction forms against Unicorn\n", (unsigned)NCASES);
	return test_run_suite(fpu_native_suite());
}
