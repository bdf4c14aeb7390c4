// SPDX-License-Identifier: MIT
/*
 * Every x87/MMX/SSE..SSE4.2/POPCNT/LZCNT/TZCNT/MOVBE instruction form the
 * differential test draws (see fpu_gen.h). Opcodes, prefixes and operand
 * sizes from the Intel SDM vol. 2 (appendix A opcode maps); a form with
 * both a register and a memory rm is drawn with either.
 */
#include "support/fpu_gen.h"

#define CF 0x001
#define PF 0x004
#define AF 0x010
#define ZF 0x040
#define SF 0x080
#define OF 0x800

/* 0F xx, 0F 38 xx, 0F 3A xx ib */
#define F0(nm, c, p, o, r, m, ms, k, fl) { nm, c, p, 2, { 0x0f, o }, r, m, 0, ms, k, fl, 0 }
#define F38(nm, c, p, o, r, m, ms, k, fl) { nm, c, p, 3, { 0x0f, 0x38, o }, r, m, 0, ms, k, fl, 0 }
#define F3A(nm, c, p, o, r, m, ms, k, fl)                                                    \
	{ nm, c, p, 3, { 0x0f, 0x3a, o }, r, m, 0, ms, k, (fl) | FF_IMM8, 0 }

/* Packed/scalar float arithmetic: ps ss (SSE), pd sd (SSE2). */
#define FA4(nm, o, fl)                                                                       \
	F0(nm "ps", FC_SSE, 0, o, RF_XMM, RF_XMM, 16, K_PS, fl), F0(nm "ss", FC_SSE, 0xf3, o, RF_XMM, RF_XMM, 4, K_PS, fl), \
	F0(nm "pd", FC_SSE2, 0x66, o, RF_XMM, RF_XMM, 16, K_PD, fl),                                     \
	F0(nm "sd", FC_SSE2, 0xf2, o, RF_XMM, RF_XMM, 8, K_PD, fl)
#define FA2(nm, o, fl)                                                                       \
	F0(nm "ps", FC_SSE, 0, o, RF_XMM, RF_XMM, 16, K_PS, fl), F0(nm "pd", FC_SSE2, 0x66, o, RF_XMM, RF_XMM, 16, K_PD, fl)
/* Integer op on MMX (class mc) and on XMM (SSE2, 66 prefix). */
#define PI(nm, o, mc, k)                                                                     \
	F0(nm " mm", mc, 0, o, RF_MM, RF_MM, 8, k, 0), F0(nm " xmm", FC_SSE2, 0x66, o, RF_XMM, RF_XMM, 16, k, 0)
/* SSSE3 on MMX and XMM. */
#define P38(nm, o)                                                                           \
	F38(nm " mm", FC_SSSE3, 0, o, RF_MM, RF_MM, 8, K_INT, 0),                            \
	F38(nm " xmm", FC_SSSE3, 0x66, o, RF_XMM, RF_XMM, 16, K_INT, 0)
/* SSE4.1 66 0F 38 xx */
#define P41(nm, o, ms, k) F38(nm, FC_SSE41, 0x66, o, RF_XMM, RF_XMM, ms, k, 0)
/* MMX/SSE2 shift by immediate: 0F 71..73 /digit ib, register only. */
#define SHI(nm, o, dg)                                                                       \
	{ nm " mm,i", FC_MMX, 0, 2, { 0x0f, o }, RF_DIGIT, RF_MM, dg, 0, K_INT,                \
	  FF_IMM8 | FF_REGONLY, 0 },                                                         \
	{ nm " xmm,i", FC_SSE2, 0x66, 2, { 0x0f, o }, RF_DIGIT, RF_XMM, dg, 0, K_INT,         \
	  FF_IMM8 | FF_REGONLY, 0 }

/* x87: memory /digit, register ST(i) /digit, no ModRM. */
#define XM(nm, o, dg, ms, k) { nm, FC_X87, 0, 1, { o }, RF_DIGIT, RF_NONE, dg, ms, k, FF_FOP | FF_MEMONLY, 0 }
#define XR(nm, o, dg) { nm, FC_X87, 0, 1, { o }, RF_DIGIT, RF_ST, dg, 0, K_F80, FF_FOP | FF_REGONLY, 0 }
#define XN(nm, o2, fl) { nm, FC_X87, 0, 2, { 0xd9, o2 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_FOP | (fl), 0 }
/* The eight arithmetic operations of D8/DC/DA/DE /0../7. */
#define XARITH(sfx, o, ms, k)                                                                \
	XM("fadd " sfx, o, 0, ms, k), XM("fmul " sfx, o, 1, ms, k), XM("fcom " sfx, o, 2, ms, k), \
	XM("fcomp " sfx, o, 3, ms, k), XM("fsub " sfx, o, 4, ms, k), XM("fsubr " sfx, o, 5, ms, k), \
	XM("fdiv " sfx, o, 6, ms, k), XM("fdivr " sfx, o, 7, ms, k)

const struct fpu_form fpu_forms[] = {
	/* ---- x87 loads and stores of every format ---- */
	XM("fld m32", 0xd9, 0, 4, K_PS), XM("fld m64", 0xdd, 0, 8, K_PD),
	XM("fld m80", 0xdb, 5, 10, K_F80), XR("fld st(i)", 0xd9, 0),
	XM("fild m16", 0xdf, 0, 2, K_I16), XM("fild m32", 0xdb, 0, 4, K_I32),
	XM("fild m64", 0xdf, 5, 8, K_I64), XM("fbld m80", 0xdf, 4, 10, K_BCD),
	XM("fst m32", 0xd9, 2, 4, K_PS), XM("fstp m32", 0xd9, 3, 4, K_PS),
	XM("fst m64", 0xdd, 2, 8, K_PD), XM("fstp m64", 0xdd, 3, 8, K_PD),
	XM("fstp m80", 0xdb, 7, 10, K_F80), XR("fst st(i)", 0xdd, 2), XR("fstp st(i)", 0xdd, 3),
	XM("fist m16", 0xdf, 2, 2, K_I16), XM("fistp m16", 0xdf, 3, 2, K_I16),
	XM("fist m32", 0xdb, 2, 4, K_I32), XM("fistp m32", 0xdb, 3, 4, K_I32),
	XM("fistp m64", 0xdf, 7, 8, K_I64), XM("fbstp m80", 0xdf, 6, 10, K_BCD),
	{ "fisttp m16", FC_SSE3, 0, 1, { 0xdf }, RF_DIGIT, RF_NONE, 1, 2, K_I16, FF_FOP | FF_MEMONLY, 0 },
	{ "fisttp m32", FC_SSE3, 0, 1, { 0xdb }, RF_DIGIT, RF_NONE, 1, 4, K_I32, FF_FOP | FF_MEMONLY, 0 },
	{ "fisttp m64", FC_SSE3, 0, 1, { 0xdd }, RF_DIGIT, RF_NONE, 1, 8, K_I64, FF_FOP | FF_MEMONLY, 0 },
	XN("fld1", 0xe8, 0), XN("fldl2t", 0xe9, 0), XN("fldl2e", 0xea, 0), XN("fldpi", 0xeb, 0),
	XN("fldlg2", 0xec, 0), XN("fldln2", 0xed, 0), XN("fldz", 0xee, 0),
	/* ---- x87 arithmetic ---- */
	XARITH("m32", 0xd8, 4, K_PS), XARITH("m64", 0xdc, 8, K_PD),
	XARITH("m32int", 0xda, 4, K_I32), XARITH("m16int", 0xde, 2, K_I16),
	XR("fadd st,st(i)", 0xd8, 0), XR("fmul st,st(i)", 0xd8, 1), XR("fcom st(i)", 0xd8, 2),
	XR("fcomp st(i)", 0xd8, 3), XR("fsub st,st(i)", 0xd8, 4), XR("fsubr st,st(i)", 0xd8, 5),
	XR("fdiv st,st(i)", 0xd8, 6), XR("fdivr st,st(i)", 0xd8, 7),
	XR("fadd st(i),st", 0xdc, 0), XR("fmul st(i),st", 0xdc, 1), XR("fsubr st(i),st", 0xdc, 4),
	XR("fsub st(i),st", 0xdc, 5), XR("fdivr st(i),st", 0xdc, 6), XR("fdiv st(i),st", 0xdc, 7),
	XR("faddp", 0xde, 0), XR("fmulp", 0xde, 1), XR("fsubrp", 0xde, 4), XR("fsubp", 0xde, 5),
	XR("fdivrp", 0xde, 6), XR("fdivp", 0xde, 7),
	XN("fchs", 0xe0, 0), XN("fabs", 0xe1, 0), XN("fsqrt", 0xfa, 0), XN("fscale", 0xfd, 0),
	XN("frndint", 0xfc, 0), XN("fxtract", 0xf4, 0), XN("fprem", 0xf8, 0),
	XN("fprem1", 0xf5, 0), XN("fdecstp", 0xf6, 0), XN("fincstp", 0xf7, 0), XN("fnop", 0xd0, 0),
	XR("fxch", 0xd9, 1), XR("ffree", 0xdd, 0),
	/* ---- x87 compares ---- */
	XN("ftst", 0xe4, 0), XN("fxam", 0xe5, 0),
	{ "fcompp", FC_X87, 0, 2, { 0xde, 0xd9 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_FOP, 0 },
	{ "fucompp", FC_X87, 0, 2, { 0xda, 0xe9 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_FOP, 0 },
	XR("fucom", 0xdd, 4), XR("fucomp", 0xdd, 5),
	XR("fucomi", 0xdb, 5), XR("fcomi", 0xdb, 6), XR("fucomip", 0xdf, 5), XR("fcomip", 0xdf, 6),
	XR("fcmovb", 0xda, 0), XR("fcmove", 0xda, 1), XR("fcmovbe", 0xda, 2), XR("fcmovu", 0xda, 3),
	XR("fcmovnb", 0xdb, 0), XR("fcmovne", 0xdb, 1), XR("fcmovnbe", 0xdb, 2),
	XR("fcmovnu", 0xdb, 3),
	/* ---- x87 transcendentals ---- */
	XN("fsin", 0xfe, FF_TRIG), XN("fcos", 0xff, FF_TRIG), XN("fsincos", 0xfb, FF_TRIG),
	XN("fptan", 0xf2, FF_TRIG), XN("fpatan", 0xf3, FF_TRIG), XN("f2xm1", 0xf0, FF_TRIG),
	XN("fyl2x", 0xf1, FF_TRIG), XN("fyl2xp1", 0xf9, FF_TRIG),
	/* ---- x87 control ---- */
	{ "fldcw", FC_X87, 0, 1, { 0xd9 }, RF_DIGIT, RF_NONE, 5, 2, K_ENV, FF_MEMONLY, 0 },
	{ "fnstcw", FC_X87, 0, 1, { 0xd9 }, RF_DIGIT, RF_NONE, 7, 2, K_INT, FF_MEMONLY, 0 },
	{ "fnstsw m16", FC_X87, 0, 1, { 0xdd }, RF_DIGIT, RF_NONE, 7, 2, K_INT, FF_MEMONLY, 0 },
	{ "fnstsw ax", FC_X87, 0, 2, { 0xdf, 0xe0 }, RF_NONE, RF_NONE, 0, 0, K_F80, 0, 0 },
	{ "fnclex", FC_X87, 0, 2, { 0xdb, 0xe2 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_PEND, 0 },
	{ "fninit", FC_X87, 0, 2, { 0xdb, 0xe3 }, RF_NONE, RF_NONE, 0, 0, K_F80, 0, 0 },
	{ "fwait", FC_X87, 0, 1, { 0x9b }, RF_NONE, RF_NONE, 0, 0, K_F80, 0, 0 },
	{ "fwait pending", FC_X87, 0, 1, { 0x9b }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_PEND, 0 },
	/* the 8087/287 control instructions, no-ops that do not wait on later CPUs */
	{ "fneni pending", FC_X87, 0, 2, { 0xdb, 0xe0 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_PEND, 0 },
	{ "fndisi pending", FC_X87, 0, 2, { 0xdb, 0xe1 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_PEND, 0 },
	{ "fnsetpm pending", FC_X87, 0, 2, { 0xdb, 0xe4 }, RF_NONE, RF_NONE, 0, 0, K_F80, FF_PEND, 0 },
	{ "cvtpi2ps m64 pending", FC_SSE, 0, 2, { 0x0f, 0x2a }, RF_XMM, RF_MM, 0, 8, K_INT,
	  FF_MEMONLY | FF_PEND, 0 },
	{ "fadd m32 pending", FC_X87, 0, 1, { 0xd8 }, RF_DIGIT, RF_NONE, 0, 4, K_PS,
	  FF_MEMONLY | FF_PEND, 0 },
	{ "fnstenv", FC_X87, 0, 1, { 0xd9 }, RF_DIGIT, RF_NONE, 6, 28, K_INT, FF_MEMONLY | FF_ENVMASK, 0 },
	{ "fldenv", FC_X87, 0, 1, { 0xd9 }, RF_DIGIT, RF_NONE, 4, 28, K_ENV, FF_MEMONLY, 0 },
	{ "fnsave", FC_X87, 0, 1, { 0xdd }, RF_DIGIT, RF_NONE, 6, 108, K_INT, FF_MEMONLY | FF_ENVMASK, 0 },
	{ "frstor", FC_X87, 0, 1, { 0xdd }, RF_DIGIT, RF_NONE, 4, 108, K_ENV, FF_MEMONLY, 0 },

	/* ---- SSE/SSE2 floating point ---- */
	FA4("add", 0x58, FF_OU), FA4("mul", 0x59, FF_OU), FA4("sub", 0x5c, FF_OU),
	FA4("min", 0x5d, 0), FA4("div", 0x5e, FF_OU), FA4("max", 0x5f, 0), FA4("sqrt", 0x51, 0),
	F0("rsqrtps", FC_SSE, 0, 0x52, RF_XMM, RF_XMM, 16, K_PS, FF_APPROX),
	F0("rsqrtss", FC_SSE, 0xf3, 0x52, RF_XMM, RF_XMM, 4, K_PS, FF_APPROX),
	F0("rcpps", FC_SSE, 0, 0x53, RF_XMM, RF_XMM, 16, K_PS, FF_APPROX),
	F0("rcpss", FC_SSE, 0xf3, 0x53, RF_XMM, RF_XMM, 4, K_PS, FF_APPROX),
	FA2("and", 0x54, 0), FA2("andn", 0x55, 0), FA2("or", 0x56, 0), FA2("xor", 0x57, 0),
	FA2("unpckl", 0x14, 0), FA2("unpckh", 0x15, 0), FA4("cmp", 0xc2, FF_IMM8),
	FA2("shuf", 0xc6, FF_IMM8),
	F0("movaps", FC_SSE, 0, 0x28, RF_XMM, RF_XMM, 16, K_PS, 0),
	F0("movaps st", FC_SSE, 0, 0x29, RF_XMM, RF_XMM, 16, K_PS, 0),
	F0("movapd", FC_SSE2, 0x66, 0x28, RF_XMM, RF_XMM, 16, K_PD, 0),
	F0("movapd st", FC_SSE2, 0x66, 0x29, RF_XMM, RF_XMM, 16, K_PD, 0),
	F0("movups", FC_SSE, 0, 0x10, RF_XMM, RF_XMM, 16, K_PS, FF_UNAL),
	F0("movups st", FC_SSE, 0, 0x11, RF_XMM, RF_XMM, 16, K_PS, FF_UNAL),
	F0("movupd", FC_SSE2, 0x66, 0x10, RF_XMM, RF_XMM, 16, K_PD, FF_UNAL),
	F0("movupd st", FC_SSE2, 0x66, 0x11, RF_XMM, RF_XMM, 16, K_PD, FF_UNAL),
	F0("movss", FC_SSE, 0xf3, 0x10, RF_XMM, RF_XMM, 4, K_PS, 0),
	F0("movss st", FC_SSE, 0xf3, 0x11, RF_XMM, RF_XMM, 4, K_PS, 0),
	F0("movsd", FC_SSE2, 0xf2, 0x10, RF_XMM, RF_XMM, 8, K_PD, 0),
	F0("movsd st", FC_SSE2, 0xf2, 0x11, RF_XMM, RF_XMM, 8, K_PD, 0),
	F0("movlps/movhlps", FC_SSE, 0, 0x12, RF_XMM, RF_XMM, 8, K_PS, 0),
	F0("movlps st", FC_SSE, 0, 0x13, RF_XMM, RF_XMM, 8, K_PS, FF_MEMONLY),
	F0("movhps/movlhps", FC_SSE, 0, 0x16, RF_XMM, RF_XMM, 8, K_PS, 0),
	F0("movhps st", FC_SSE, 0, 0x17, RF_XMM, RF_XMM, 8, K_PS, FF_MEMONLY),
	F0("movlpd", FC_SSE2, 0x66, 0x12, RF_XMM, RF_XMM, 8, K_PD, FF_MEMONLY),
	F0("movlpd st", FC_SSE2, 0x66, 0x13, RF_XMM, RF_XMM, 8, K_PD, FF_MEMONLY),
	F0("movhpd", FC_SSE2, 0x66, 0x16, RF_XMM, RF_XMM, 8, K_PD, FF_MEMONLY),
	F0("movhpd st", FC_SSE2, 0x66, 0x17, RF_XMM, RF_XMM, 8, K_PD, FF_MEMONLY),
	F0("movmskps", FC_SSE, 0, 0x50, RF_GPR, RF_XMM, 0, K_PS, FF_REGONLY),
	F0("movmskpd", FC_SSE2, 0x66, 0x50, RF_GPR, RF_XMM, 0, K_PD, FF_REGONLY),
	F0("movntps", FC_SSE, 0, 0x2b, RF_XMM, RF_XMM, 16, K_PS, FF_MEMONLY),
	F0("movntpd", FC_SSE2, 0x66, 0x2b, RF_XMM, RF_XMM, 16, K_PD, FF_MEMONLY),
	F0("ucomiss", FC_SSE, 0, 0x2e, RF_XMM, RF_XMM, 4, K_PS, 0), F0("comiss", FC_SSE, 0, 0x2f, RF_XMM, RF_XMM, 4, K_PS, 0),
	F0("ucomisd", FC_SSE2, 0x66, 0x2e, RF_XMM, RF_XMM, 8, K_PD, 0),
	F0("comisd", FC_SSE2, 0x66, 0x2f, RF_XMM, RF_XMM, 8, K_PD, 0),
	/* conversions */
	F0("cvtsi2ss", FC_SSE, 0xf3, 0x2a, RF_XMM, RF_GPR, 8, K_INT, FF_W),
	F0("cvtsi2sd", FC_SSE2, 0xf2, 0x2a, RF_XMM, RF_GPR, 8, K_INT, FF_W),
	F0("cvtss2si", FC_SSE, 0xf3, 0x2d, RF_GPR, RF_XMM, 4, K_PS, FF_W),
	F0("cvttss2si", FC_SSE, 0xf3, 0x2c, RF_GPR, RF_XMM, 4, K_PS, FF_W),
	F0("cvtsd2si", FC_SSE2, 0xf2, 0x2d, RF_GPR, RF_XMM, 8, K_PD, FF_W),
	F0("cvttsd2si", FC_SSE2, 0xf2, 0x2c, RF_GPR, RF_XMM, 8, K_PD, FF_W),
	F0("cvtpi2ps", FC_SSE, 0, 0x2a, RF_XMM, RF_MM, 8, K_INT, 0),
	F0("cvtpi2pd", FC_SSE2, 0x66, 0x2a, RF_XMM, RF_MM, 8, K_INT, 0),
	F0("cvtps2pi", FC_SSE, 0, 0x2d, RF_MM, RF_XMM, 8, K_PS, 0),
	F0("cvttps2pi", FC_SSE, 0, 0x2c, RF_MM, RF_XMM, 8, K_PS, 0),
	F0("cvtpd2pi", FC_SSE2, 0x66, 0x2d, RF_MM, RF_XMM, 16, K_PD, 0),
	F0("cvttpd2pi", FC_SSE2, 0x66, 0x2c, RF_MM, RF_XMM, 16, K_PD, 0),
	F0("cvtps2pd", FC_SSE2, 0, 0x5a, RF_XMM, RF_XMM, 8, K_PS, 0),
	F0("cvtpd2ps", FC_SSE2, 0x66, 0x5a, RF_XMM, RF_XMM, 16, K_PD, FF_OU),
	F0("cvtss2sd", FC_SSE2, 0xf3, 0x5a, RF_XMM, RF_XMM, 4, K_PS, 0),
	F0("cvtsd2ss", FC_SSE2, 0xf2, 0x5a, RF_XMM, RF_XMM, 8, K_PD, FF_OU),
	F0("cvtdq2ps", FC_SSE2, 0, 0x5b, RF_XMM, RF_XMM, 16, K_INT, 0),
	F0("cvtps2dq", FC_SSE2, 0x66, 0x5b, RF_XMM, RF_XMM, 16, K_PS, 0),
	F0("cvttps2dq", FC_SSE2, 0xf3, 0x5b, RF_XMM, RF_XMM, 16, K_PS, 0),
	F0("cvtdq2pd", FC_SSE2, 0xf3, 0xe6, RF_XMM, RF_XMM, 8, K_INT, 0),
	F0("cvtpd2dq", FC_SSE2, 0xf2, 0xe6, RF_XMM, RF_XMM, 16, K_PD, 0),
	F0("cvttpd2dq", FC_SSE2, 0x66, 0xe6, RF_XMM, RF_XMM, 16, K_PD, 0),
	{ "ldmxcsr", FC_SSE, 0, 2, { 0x0f, 0xae }, RF_DIGIT, RF_NONE, 2, 4, K_ENV, FF_MEMONLY, 0 },
	{ "stmxcsr", FC_SSE, 0, 2, { 0x0f, 0xae }, RF_DIGIT, RF_NONE, 3, 4, K_INT, FF_MEMONLY, 0 },
	/* ---- SSE3 ---- */
	F0("addsubps", FC_SSE3, 0xf2, 0xd0, RF_XMM, RF_XMM, 16, K_PS, FF_OU),
	F0("addsubpd", FC_SSE3, 0x66, 0xd0, RF_XMM, RF_XMM, 16, K_PD, FF_OU),
	F0("haddps", FC_SSE3, 0xf2, 0x7c, RF_XMM, RF_XMM, 16, K_PS, FF_OU),
	F0("hsubps", FC_SSE3, 0xf2, 0x7d, RF_XMM, RF_XMM, 16, K_PS, FF_OU),
	F0("haddpd", FC_SSE3, 0x66, 0x7c, RF_XMM, RF_XMM, 16, K_PD, FF_OU),
	F0("hsubpd", FC_SSE3, 0x66, 0x7d, RF_XMM, RF_XMM, 16, K_PD, FF_OU),
	F0("movsldup", FC_SSE3, 0xf3, 0x12, RF_XMM, RF_XMM, 16, K_PS, 0),
	F0("movshdup", FC_SSE3, 0xf3, 0x16, RF_XMM, RF_XMM, 16, K_PS, 0),
	F0("movddup", FC_SSE3, 0xf2, 0x12, RF_XMM, RF_XMM, 8, K_PD, 0),
	F0("lddqu", FC_SSE3, 0xf2, 0xf0, RF_XMM, RF_XMM, 16, K_INT, FF_MEMONLY | FF_UNAL),

	/* ---- MMX and SSE2 integer ---- */
	PI("punpcklbw", 0x60, FC_MMX, K_INT), PI("punpcklwd", 0x61, FC_MMX, K_INT),
	PI("punpckldq", 0x62, FC_MMX, K_INT), PI("packsswb", 0x63, FC_MMX, K_INT),
	PI("pcmpgtb", 0x64, FC_MMX, K_INT), PI("pcmpgtw", 0x65, FC_MMX, K_INT),
	PI("pcmpgtd", 0x66, FC_MMX, K_INT), PI("packuswb", 0x67, FC_MMX, K_INT),
	PI("punpckhbw", 0x68, FC_MMX, K_INT), PI("punpckhwd", 0x69, FC_MMX, K_INT),
	PI("punpckhdq", 0x6a, FC_MMX, K_INT), PI("packssdw", 0x6b, FC_MMX, K_INT),
	F0("punpcklqdq", FC_SSE2, 0x66, 0x6c, RF_XMM, RF_XMM, 16, K_INT, 0),
	F0("punpckhqdq", FC_SSE2, 0x66, 0x6d, RF_XMM, RF_XMM, 16, K_INT, 0),
	PI("pcmpeqb", 0x74, FC_MMX, K_INT), PI("pcmpeqw", 0x75, FC_MMX, K_INT),
	PI("pcmpeqd", 0x76, FC_MMX, K_INT),
	PI("psrlw", 0xd1, FC_MMX, K_INT), PI("psrld", 0xd2, FC_MMX, K_INT),
	PI("psrlq", 0xd3, FC_MMX, K_INT), PI("paddq", 0xd4, FC_SSE2, K_INT),
	PI("pmullw", 0xd5, FC_MMX, K_INT), PI("psubusb", 0xd8, FC_MMX, K_INT),
	PI("psubusw", 0xd9, FC_MMX, K_INT), PI("pminub", 0xda, FC_SSE, K_INT),
	PI("pand", 0xdb, FC_MMX, K_INT), PI("paddusb", 0xdc, FC_MMX, K_INT),
	PI("paddusw", 0xdd, FC_MMX, K_INT), PI("pmaxub", 0xde, FC_SSE, K_INT),
	PI("pandn", 0xdf, FC_MMX, K_INT), PI("pavgb", 0xe0, FC_SSE, K_INT),
	PI("psraw", 0xe1, FC_MMX, K_INT), PI("psrad", 0xe2, FC_MMX, K_INT),
	PI("pavgw", 0xe3, FC_SSE, K_INT), PI("pmulhuw", 0xe4, FC_SSE, K_INT),
	PI("pmulhw", 0xe5, FC_MMX, K_INT), PI("psubsb", 0xe8, FC_MMX, K_INT),
	PI("psubsw", 0xe9, FC_MMX, K_INT), PI("pminsw", 0xea, FC_SSE, K_INT),
	PI("por", 0xeb, FC_MMX, K_INT), PI("paddsb", 0xec, FC_MMX, K_INT),
	PI("paddsw", 0xed, FC_MMX, K_INT), PI("pmaxsw", 0xee, FC_SSE, K_INT),
	PI("pxor", 0xef, FC_MMX, K_INT), PI("psllw", 0xf1, FC_MMX, K_INT),
	PI("pslld", 0xf2, FC_MMX, K_INT), PI("psllq", 0xf3, FC_MMX, K_INT),
	PI("pmuludq", 0xf4, FC_SSE2, K_INT), PI("pmaddwd", 0xf5, FC_MMX, K_INT),
	PI("psadbw", 0xf6, FC_SSE, K_INT), PI("psubb", 0xf8, FC_MMX, K_INT),
	PI("psubw", 0xf9, FC_MMX, K_INT), PI("psubd", 0xfa, FC_MMX, K_INT),
	PI("psubq", 0xfb, FC_SSE2, K_INT), PI("paddb", 0xfc, FC_MMX, K_INT),
	PI("paddw", 0xfd, FC_MMX, K_INT), PI("paddd", 0xfe, FC_MMX, K_INT),
	SHI("psrlw", 0x71, 2), SHI("psraw", 0x71, 4), SHI("psllw", 0x71, 6),
	SHI("psrld", 0x72, 2), SHI("psrad", 0x72, 4), SHI("pslld", 0x72, 6),
	SHI("psrlq", 0x73, 2), SHI("psllq", 0x73, 6),
	{ "psrldq xmm,i", FC_SSE2, 0x66, 2, { 0x0f, 0x73 }, RF_DIGIT, RF_XMM, 3, 0, K_INT,
	  FF_IMM8 | FF_REGONLY, 0 },
	{ "pslldq xmm,i", FC_SSE2, 0x66, 2, { 0x0f, 0x73 }, RF_DIGIT, RF_XMM, 7, 0, K_INT,
	  FF_IMM8 | FF_REGONLY, 0 },
	F0("movd/q mm,r/m", FC_MMX, 0, 0x6e, RF_MM, RF_GPR, 8, K_INT, FF_W),
	F0("movd/q xmm,r/m", FC_SSE2, 0x66, 0x6e, RF_XMM, RF_GPR, 8, K_INT, FF_W),
	F0("movd/q r/m,mm", FC_MMX, 0, 0x7e, RF_MM, RF_GPR, 8, K_INT, FF_W),
	F0("movd/q r/m,xmm", FC_SSE2, 0x66, 0x7e, RF_XMM, RF_GPR, 8, K_INT, FF_W),
	F0("movq mm,mm/m64", FC_MMX, 0, 0x6f, RF_MM, RF_MM, 8, K_INT, 0),
	F0("movq mm/m64,mm", FC_MMX, 0, 0x7f, RF_MM, RF_MM, 8, K_INT, 0),
	F0("movdqa", FC_SSE2, 0x66, 0x6f, RF_XMM, RF_XMM, 16, K_INT, 0),
	F0("movdqa st", FC_SSE2, 0x66, 0x7f, RF_XMM, RF_XMM, 16, K_INT, 0),
	F0("movdqu", FC_SSE2, 0xf3, 0x6f, RF_XMM, RF_XMM, 16, K_INT, FF_UNAL),
	F0("movdqu st", FC_SSE2, 0xf3, 0x7f, RF_XMM, RF_XMM, 16, K_INT, FF_UNAL),
	F0("movq xmm,xmm/m64", FC_SSE2, 0xf3, 0x7e, RF_XMM, RF_XMM, 8, K_INT, 0),
	F0("movq xmm/m64,xmm", FC_SSE2, 0x66, 0xd6, RF_XMM, RF_XMM, 8, K_INT, 0),
	F0("movdq2q", FC_SSE2, 0xf2, 0xd6, RF_MM, RF_XMM, 0, K_INT, FF_REGONLY),
	F0("movq2dq", FC_SSE2, 0xf3, 0xd6, RF_XMM, RF_MM, 0, K_INT, FF_REGONLY),
	F0("pshufw", FC_SSE, 0, 0x70, RF_MM, RF_MM, 8, K_INT, FF_IMM8),
	F0("pshufd", FC_SSE2, 0x66, 0x70, RF_XMM, RF_XMM, 16, K_INT, FF_IMM8),
	F0("pshufhw", FC_SSE2, 0xf3, 0x70, RF_XMM, RF_XMM, 16, K_INT, FF_IMM8),
	F0("pshuflw", FC_SSE2, 0xf2, 0x70, RF_XMM, RF_XMM, 16, K_INT, FF_IMM8),
	F0("pextrw r,mm", FC_SSE, 0, 0xc5, RF_GPR, RF_MM, 0, K_INT, FF_IMM8 | FF_REGONLY),
	F0("pextrw r,xmm", FC_SSE2, 0x66, 0xc5, RF_GPR, RF_XMM, 0, K_INT, FF_IMM8 | FF_REGONLY),
	F0("pinsrw mm", FC_SSE, 0, 0xc4, RF_MM, RF_GPR, 2, K_INT, FF_IMM8),
	F0("pinsrw xmm", FC_SSE2, 0x66, 0xc4, RF_XMM, RF_GPR, 2, K_INT, FF_IMM8),
	F0("pmovmskb r,mm", FC_SSE, 0, 0xd7, RF_GPR, RF_MM, 0, K_INT, FF_REGONLY),
	F0("pmovmskb r,xmm", FC_SSE2, 0x66, 0xd7, RF_GPR, RF_XMM, 0, K_INT, FF_REGONLY),
	F0("maskmovq", FC_SSE, 0, 0xf7, RF_MM, RF_MM, 0, K_INT, FF_REGONLY),
	F0("maskmovdqu", FC_SSE2, 0x66, 0xf7, RF_XMM, RF_XMM, 0, K_INT, FF_REGONLY),
	F0("movntq", FC_SSE, 0, 0xe7, RF_MM, RF_MM, 8, K_INT, FF_MEMONLY),
	F0("movntdq", FC_SSE2, 0x66, 0xe7, RF_XMM, RF_XMM, 16, K_INT, FF_MEMONLY),
	F0("movnti", FC_SSE2, 0, 0xc3, RF_GPR, RF_GPR, 8, K_INT, FF_MEMONLY | FF_W),
	{ "emms", FC_MMX, 0, 2, { 0x0f, 0x77 }, RF_NONE, RF_NONE, 0, 0, K_INT, 0, 0 },

	/* ---- SSSE3 ---- */
	P38("pshufb", 0x00), P38("phaddw", 0x01), P38("phaddd", 0x02), P38("phaddsw", 0x03),
	P38("pmaddubsw", 0x04), P38("phsubw", 0x05), P38("phsubd", 0x06), P38("phsubsw", 0x07),
	P38("psignb", 0x08), P38("psignw", 0x09), P38("psignd", 0x0a), P38("pmulhrsw", 0x0b),
	P38("pabsb", 0x1c), P38("pabsw", 0x1d), P38("pabsd", 0x1e),
	F3A("palignr mm", FC_SSSE3, 0, 0x0f, RF_MM, RF_MM, 8, K_INT, 0),
	F3A("palignr xmm", FC_SSSE3, 0x66, 0x0f, RF_XMM, RF_XMM, 16, K_INT, 0),

	/* ---- SSE4.1 ---- */
	P41("pblendvb", 0x10, 16, K_INT), P41("blendvps", 0x14, 16, K_PS),
	P41("blendvpd", 0x15, 16, K_PD), P41("ptest", 0x17, 16, K_INT),
	P41("pmovsxbw", 0x20, 8, K_INT), P41("pmovsxbd", 0x21, 4, K_INT),
	P41("pmovsxbq", 0x22, 2, K_INT), P41("pmovsxwd", 0x23, 8, K_INT),
	P41("pmovsxwq", 0x24, 4, K_INT), P41("pmovsxdq", 0x25, 8, K_INT),
	P41("pmuldq", 0x28, 16, K_INT), P41("pcmpeqq", 0x29, 16, K_INT),
	F38("movntdqa", FC_SSE41, 0x66, 0x2a, RF_XMM, RF_XMM, 16, K_INT, FF_MEMONLY),
	P41("packusdw", 0x2b, 16, K_INT),
	P41("pmovzxbw", 0x30, 8, K_INT), P41("pmovzxbd", 0x31, 4, K_INT),
	P41("pmovzxbq", 0x32, 2, K_INT), P41("pmovzxwd", 0x33, 8, K_INT),
	P41("pmovzxwq", 0x34, 4, K_INT), P41("pmovzxdq", 0x35, 8, K_INT),
	P41("pminsb", 0x38, 16, K_INT), P41("pminsd", 0x39, 16, K_INT),
	P41("pminuw", 0x3a, 16, K_INT), P41("pminud", 0x3b, 16, K_INT),
	P41("pmaxsb", 0x3c, 16, K_INT), P41("pmaxsd", 0x3d, 16, K_INT),
	P41("pmaxuw", 0x3e, 16, K_INT), P41("pmaxud", 0x3f, 16, K_INT),
	P41("pmulld", 0x40, 16, K_INT), P41("phminposuw", 0x41, 16, K_INT),
	F3A("roundps", FC_SSE41, 0x66, 0x08, RF_XMM, RF_XMM, 16, K_PS, 0),
	F3A("roundpd", FC_SSE41, 0x66, 0x09, RF_XMM, RF_XMM, 16, K_PD, 0),
	F3A("roundss", FC_SSE41, 0x66, 0x0a, RF_XMM, RF_XMM, 4, K_PS, 0),
	F3A("roundsd", FC_SSE41, 0x66, 0x0b, RF_XMM, RF_XMM, 8, K_PD, 0),
	F3A("blendps", FC_SSE41, 0x66, 0x0c, RF_XMM, RF_XMM, 16, K_PS, 0),
	F3A("blendpd", FC_SSE41, 0x66, 0x0d, RF_XMM, RF_XMM, 16, K_PD, 0),
	F3A("pblendw", FC_SSE41, 0x66, 0x0e, RF_XMM, RF_XMM, 16, K_INT, 0),
	F3A("pextrb", FC_SSE41, 0x66, 0x14, RF_XMM, RF_GPR, 1, K_INT, 0),
	F3A("pextrw r/m16", FC_SSE41, 0x66, 0x15, RF_XMM, RF_GPR, 2, K_INT, 0),
	F3A("pextrd/q", FC_SSE41, 0x66, 0x16, RF_XMM, RF_GPR, 8, K_INT, FF_W),
	F3A("extractps", FC_SSE41, 0x66, 0x17, RF_XMM, RF_GPR, 4, K_PS, 0),
	F3A("pinsrb", FC_SSE41, 0x66, 0x20, RF_XMM, RF_GPR, 1, K_INT, 0),
	F3A("insertps", FC_SSE41, 0x66, 0x21, RF_XMM, RF_XMM, 4, K_PS, 0),
	F3A("pinsrd/q", FC_SSE41, 0x66, 0x22, RF_XMM, RF_GPR, 8, K_INT, FF_W),
	F3A("dpps", FC_SSE41, 0x66, 0x40, RF_XMM, RF_XMM, 16, K_PS, FF_OU),
	F3A("dppd", FC_SSE41, 0x66, 0x41, RF_XMM, RF_XMM, 16, K_PD, FF_OU),
	F3A("mpsadbw", FC_SSE41, 0x66, 0x42, RF_XMM, RF_XMM, 16, K_INT, 0),

	/* ---- SSE4.2 ---- */
	F38("pcmpgtq", FC_SSE42, 0x66, 0x37, RF_XMM, RF_XMM, 16, K_INT, 0),
	F3A("pcmpestrm", FC_SSE42, 0x66, 0x60, RF_XMM, RF_XMM, 16, K_STR, FF_UNAL),
	F3A("pcmpestri", FC_SSE42, 0x66, 0x61, RF_XMM, RF_XMM, 16, K_STR, FF_UNAL),
	F3A("pcmpistrm", FC_SSE42, 0x66, 0x62, RF_XMM, RF_XMM, 16, K_STR, FF_UNAL),
	F3A("pcmpistri", FC_SSE42, 0x66, 0x63, RF_XMM, RF_XMM, 16, K_STR, FF_UNAL),
	F38("crc32 r,r/m8", FC_SSE42, 0xf2, 0xf0, RF_GPR, RF_GPR, 1, K_INT, FF_W),
	F38("crc32 r,r/m", FC_SSE42, 0xf2, 0xf1, RF_GPR, RF_GPR, 8, K_INT, FF_W | FF_OSZ),

	/* ---- POPCNT, LZCNT, TZCNT (BMI1), MOVBE ---- */
	F0("popcnt", FC_POPCNT, 0xf3, 0xb8, RF_GPR, RF_GPR, 8, K_INT, FF_W | FF_OSZ),
	{ "lzcnt", FC_LZCNT, 0xf3, 2, { 0x0f, 0xbd }, RF_GPR, RF_GPR, 0, 8, K_INT, FF_W | FF_OSZ,
	  OF | SF | PF | AF },
	{ "tzcnt", FC_BMI1, 0xf3, 2, { 0x0f, 0xbc }, RF_GPR, RF_GPR, 0, 8, K_INT, FF_W | FF_OSZ,
	  OF | SF | PF | AF },
	F38("movbe r,m", FC_MOVBE, 0, 0xf0, RF_GPR, RF_GPR, 8, K_INT, FF_MEMONLY | FF_W | FF_OSZ),
	F38("movbe m,r", FC_MOVBE, 0, 0xf1, RF_GPR, RF_GPR, 8, K_INT, FF_MEMONLY | FF_W | FF_OSZ),
};

const unsigned fpu_nforms = sizeof(fpu_forms) / sizeof(fpu_forms[0]);
