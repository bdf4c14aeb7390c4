// SPDX-License-Identifier: MIT
/*
 * The MXCSR flags of an SSE arithmetic instruction that traps (#XM) with
 * the numeric overflow or underflow exception unmasked, and the stages of
 * DPPS/DPPD. The native executor runs every SSE instruction with all
 * MXCSR exceptions masked; for most of them the flags of that run are the
 * flags of the unmasked run too. Not for these:
 *
 *  - unmasked overflow or underflow (SDM vol. 1 11.5.2.4, 11.5.2.5, 4.9.1.5)
 *    report PE for the result rounded to the destination's precision with
 *    an unbounded exponent, where the masked run reports it for the
 *    infinite, largest or denormal result it delivers; an unmasked
 *    underflow is raised for any tiny result, exact or not;
 *  - DPPS/DPPD "determine exceptions separately for each add and multiply
 *    operation, in the order of their execution" (vol. 2 DPPS): an
 *    unmasked exception of the products stops the sums.
 *
 * So such an instruction is redone lane by lane: each lane's masked flags
 * (and result, for DPPS/DPPD's next stage) come from the host's scalar
 * SSE operation under the guest's rounding, DAZ and FTZ; whether the lane
 * overflows or is tiny, and whether its result is inexact with an
 * unbounded exponent, come from the host's x87 computing in extended
 * range (15-bit exponent: no overflow or underflow for these operands)
 * with precision control 24 or 53 bits, which rounds the exact result
 * once to that precision (SDM vol. 1 8.1.5.2). Only the instructions the
 * SDM lists for #O/#U (11.5.2.5) and DPPS/DPPD come here.
 */
#include <string.h>

#include "vcpu/soft/fpu.h"
#include "vcpu/soft/fpu_native.h"

#define MX_PRE 0x7u /* invalid, denormal, divide-by-zero: before a computation */
#define MX_OE 0x8u
#define MX_UE 0x10u
#define MX_PE 0x20u
#define MX_DAZ 0x40u
#define FSW_PE 0x20u

/* ---- the forms (SDM vol. 1 11.5.2.5's list, and DPPS/DPPD) ---- */
static const struct {
	uint16_t mnemonic;
	uint8_t arith, lanes, esize;
} forms[] = {
    {ZYDIS_MNEMONIC_ADDPS, FA_ADD, 4, 4},	{ZYDIS_MNEMONIC_ADDSS, FA_ADD, 1, 4},
    {ZYDIS_MNEMONIC_ADDPD, FA_ADD, 2, 8},	{ZYDIS_MNEMONIC_ADDSD, FA_ADD, 1, 8},
    {ZYDIS_MNEMONIC_SUBPS, FA_SUB, 4, 4},	{ZYDIS_MNEMONIC_SUBSS, FA_SUB, 1, 4},
    {ZYDIS_MNEMONIC_SUBPD, FA_SUB, 2, 8},	{ZYDIS_MNEMONIC_SUBSD, FA_SUB, 1, 8},
    {ZYDIS_MNEMONIC_MULPS, FA_MUL, 4, 4},	{ZYDIS_MNEMONIC_MULSS, FA_MUL, 1, 4},
    {ZYDIS_MNEMONIC_MULPD, FA_MUL, 2, 8},	{ZYDIS_MNEMONIC_MULSD, FA_MUL, 1, 8},
    {ZYDIS_MNEMONIC_DIVPS, FA_DIV, 4, 4},	{ZYDIS_MNEMONIC_DIVSS, FA_DIV, 1, 4},
    {ZYDIS_MNEMONIC_DIVPD, FA_DIV, 2, 8},	{ZYDIS_MNEMONIC_DIVSD, FA_DIV, 1, 8},
    {ZYDIS_MNEMONIC_ADDSUBPS, FA_ADDSUB, 4, 4}, {ZYDIS_MNEMONIC_ADDSUBPD, FA_ADDSUB, 2, 8},
    {ZYDIS_MNEMONIC_HADDPS, FA_HADD, 4, 4},	{ZYDIS_MNEMONIC_HADDPD, FA_HADD, 2, 8},
    {ZYDIS_MNEMONIC_HSUBPS, FA_HSUB, 4, 4},	{ZYDIS_MNEMONIC_HSUBPD, FA_HSUB, 2, 8},
    {ZYDIS_MNEMONIC_CVTPD2PS, FA_CVT, 2, 8},	{ZYDIS_MNEMONIC_CVTSD2SS, FA_CVT, 1, 8},
    {ZYDIS_MNEMONIC_DPPS, FA_DP, 4, 4},		{ZYDIS_MNEMONIC_DPPD, FA_DP, 2, 8},
};

void fnat_arith_form(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
		     struct fnat_info *info)
{
	unsigned i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (forms[i].mnemonic != zi->mnemonic)
			continue;
		if (zo[0].type != ZYDIS_OPERAND_TYPE_REGISTER)
			return;
		info->arith = forms[i].arith;
		info->ar_lanes = forms[i].lanes;
		info->ar_esize = forms[i].esize;
		info->ar_dst = (uint8_t)(zo[0].reg.value - ZYDIS_REGISTER_XMM0);
		info->ar_src = zo[1].type == ZYDIS_OPERAND_TYPE_REGISTER
				   ? (uint8_t)(zo[1].reg.value - ZYDIS_REGISTER_XMM0)
				   : 0xff;
		info->ar_imm = zi->operand_count_visible > 2 ? (uint8_t)zo[2].imm.value.u : 0;
		return;
	}
}

/* ---- one lane ---- */
struct lane {
	uint8_t op; /* FA_ADD, FA_SUB, FA_MUL, FA_DIV, FA_CVT; FA_NONE: +0.0, no flags */
	uint64_t a, b;
};

#define LANE_ASM(insn)                                                                             \
	__asm__ volatile("stmxcsr %[h]\n\tldmxcsr %[m]\n\tmovq %[a], %%xmm0\n\t"                   \
			 "movq %[b], %%xmm1\n\t" insn " %%xmm1, %%xmm0\n\t"                        \
			 "movq %%xmm0, %[r]\n\tstmxcsr %[o]\n\tldmxcsr %[h]"                       \
			 : [h] "+m"(host), [o] "=m"(out), [r] "=r"(r)                              \
			 : [m] "m"(mx), [a] "r"(a), [b] "r"(b)                                     \
			 : "xmm0", "xmm1")

/* The host's scalar SSE a op b (CVT: b narrowed) under mx (all masked): flags, result in *res. */
static uint32_t sse_lane(unsigned op, bool dbl, uint64_t a, uint64_t b, uint32_t mx, uint64_t *res)
{
	uint32_t host = 0, out = 0;
	uint64_t r = 0;

	switch (op * 2 + dbl) {
	case FA_ADD * 2:
		LANE_ASM("addss");
		break;
	case FA_ADD * 2 + 1:
		LANE_ASM("addsd");
		break;
	case FA_SUB * 2:
		LANE_ASM("subss");
		break;
	case FA_SUB * 2 + 1:
		LANE_ASM("subsd");
		break;
	case FA_MUL * 2:
		LANE_ASM("mulss");
		break;
	case FA_MUL * 2 + 1:
		LANE_ASM("mulsd");
		break;
	case FA_DIV * 2:
		LANE_ASM("divss");
		break;
	case FA_DIV * 2 + 1:
		LANE_ASM("divsd");
		break;
	case FA_CVT * 2 + 1:
		LANE_ASM("cvtsd2ss");
		break;
	default:
		break; /* FA_NONE: +0.0 */
	}
	*res = dbl && op != FA_CVT ? r : (uint32_t)r;
	return out & 0x3fu;
}

/* float or double bits as an x87 extended value (exact), zero if DAZ makes it one. */
static long double ext_of(uint64_t v, bool dbl, bool daz)
{
	float f;
	double d;

	if (dbl) {
		if (daz && !(v >> 52 & 0x7ff))
			v &= 1ULL << 63;
		memcpy(&d, &v, 8);
		return d;
	}
	if (daz && !(v >> 23 & 0xff))
		v &= 1u << 31;
	memcpy(&f, &(uint32_t){(uint32_t)v}, 4);
	return f;
}

/* What the x87 says of the lane: inexact, overflow, tiny, all with an unbounded exponent. */
struct unbounded {
	bool pe, ovf, tiny;
};

static struct unbounded x87_lane(unsigned op, bool dbl, uint64_t a, uint64_t b, uint32_t mx)
{
	bool dst_dbl = dbl && op != FA_CVT, daz = mx & MX_DAZ;
	/* all masked, precision 24 or 53 bits, MXCSR's rounding control */
	uint16_t cw = (uint16_t)(0x7f | (dst_dbl ? 2u : 0u) << 8 | (mx >> 13 & 3) << 10), hcw,
		 sw = 0;
	long double x = ext_of(op == FA_CVT ? b : a, dbl, daz),
		    y = op == FA_CVT ? 1.0L : ext_of(b, dbl, daz), r;
	struct unbounded u = {false, false, false};
	uint8_t bits[10];
	uint16_t se;
	uint64_t m;
	int e, emax = dst_dbl ? 1023 : 127;

#define X87_ASM(insn)                                                                              \
	__asm__ volatile(                                                                          \
	    "fnstcw %[hcw]\n\tfldcw %[cw]\n\tfldt %[y]\n\tfldt %[x]\n\tfnclex\n\t" insn            \
	    "\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)\n\tfldcw %[hcw]"                       \
	    : [hcw] "=m"(hcw), [sw] "=m"(sw), [r] "=m"(r)                                          \
	    : [cw] "m"(cw), [x] "m"(x), [y] "m"(y)                                                 \
	    : "st", "st(1)")
	switch (op) {
	case FA_ADD:
		X87_ASM("fadd %%st(1), %%st");
		break;
	case FA_SUB:
		X87_ASM("fsub %%st(1), %%st");
		break;
	case FA_DIV:
		X87_ASM("fdiv %%st(1), %%st");
		break;
	case FA_MUL:
	case FA_CVT:
		X87_ASM("fmul %%st(1), %%st");
		break;
	default:
		return u;
	}
	memcpy(bits, &r, 10);
	memcpy(&m, bits, 8);
	memcpy(&se, bits + 8, 2);
	u.pe = sw & FSW_PE;
	if ((se & 0x7fff) == 0x7fff || !m)
		return u; /* NaN, infinity (exact) or zero */
	e = (se & 0x7fff) - 16383;
	u.ovf = e > emax;
	u.tiny = e < 1 - emax;
	return u;
}

/*
 * One stage of lanes: results into res[], and the OR of the lanes' flags
 * as the CPU raises them under the guest's masks: a lane that overflows
 * with OE unmasked or is tiny with UE unmasked reports OE or UE and PE
 * of its unbounded result (the masked response's PE does not apply).
 */
static uint32_t stage(const struct lane *l, unsigned n, bool dbl, uint32_t mx_run,
		      uint32_t unmasked, uint64_t *res)
{
	uint32_t all = 0, f;
	struct unbounded u;
	unsigned i;

	for (i = 0; i < n; i++) {
		f = sse_lane(l[i].op, dbl, l[i].a, l[i].b, mx_run, &res[i]);
		if (l[i].op == FA_NONE || !(unmasked & (MX_OE | MX_UE))) {
			all |= f;
			continue;
		}
		u = x87_lane(l[i].op, dbl, l[i].a, l[i].b, mx_run);
		if ((u.ovf && (unmasked & MX_OE)) || (u.tiny && (unmasked & MX_UE)))
			f = (f & ~MX_PE) | (u.ovf ? MX_OE : MX_UE) | (u.pe ? MX_PE : 0);
		all |= f;
	}
	return all;
}

/* Whether a stage's flags trap; the flags reported (pre-computation ones win, 11.5.2). */
static bool traps(uint32_t f, uint32_t unmasked, uint32_t before, uint32_t *flags)
{
	if (!(f & unmasked))
		return false;
	*flags = before | ((f & unmasked & MX_PRE) ? f & MX_PRE : f);
	return true;
}

static uint64_t elem(const uint8_t *v, unsigned i, unsigned esize)
{
	uint64_t x = 0;

	memcpy(&x, v + i * esize, esize);
	return x;
}

/* DPPS/DPPD (vol. 2 DP_primitive): products of the lanes imm8[7:4] selects, then the sums. */
static bool dp_traps(const struct fnat_info *fi, const uint8_t *d, const uint8_t *s,
		     uint32_t mx_run, uint32_t unmasked, uint32_t *flags)
{
	unsigned es = fi->ar_esize, n = 16 / es, i;
	struct lane l[4];
	uint64_t t[4], u[2], v;
	uint32_t f, before;
	bool dbl = es == 8;

	for (i = 0; i < n; i++) {
		l[i].op = (fi->ar_imm >> (4 + i) & 1) ? FA_MUL : FA_NONE;
		l[i].a = elem(d, i, es);
		l[i].b = elem(s, i, es);
	}
	f = stage(l, n, dbl, mx_run, unmasked, t);
	if (traps(f, unmasked, 0, flags))
		return true;
	before = f;
	for (i = 0; i < n / 2; i++)
		l[i] = (struct lane){FA_ADD, t[2 * i], t[2 * i + 1]};
	f = stage(l, n / 2, dbl, mx_run, unmasked, u);
	if (traps(f, unmasked, before, flags))
		return true;
	if (n == 2)
		return false;
	before |= f;
	l[0] = (struct lane){FA_ADD, u[0], u[1]};
	f = stage(l, 1, dbl, mx_run, unmasked, &v);
	return traps(f, unmasked, before, flags);
}

bool fnat_arith_traps(const struct fnat_info *fi, const uint8_t *fx, const uint8_t *mem,
		      uint32_t mx_run, uint32_t unmasked, uint32_t *flags)
{
	const uint8_t *d = fx + FPU_OFF_XMM(fi->ar_dst);
	const uint8_t *s = fi->ar_src == 0xff ? mem : fx + FPU_OFF_XMM(fi->ar_src);
	unsigned es = fi->ar_esize, n = fi->ar_lanes, half = 8 / es, i;
	struct lane l[4];
	uint64_t res[4];

	if (fi->arith == FA_DP)
		return dp_traps(fi, d, s, mx_run, unmasked, flags);
	for (i = 0; i < n; i++) {
		l[i].op = fi->arith;
		l[i].a = elem(d, i, es);
		l[i].b = elem(s, i, es);
		switch (fi->arith) {
		case FA_ADDSUB: /* even lanes subtract, odd lanes add */
			l[i].op = i & 1 ? FA_ADD : FA_SUB;
			break;
		case FA_HADD:
		case FA_HSUB: /* adjacent pairs of the destination, then of the source */
			l[i].op = fi->arith == FA_HADD ? FA_ADD : FA_SUB;
			l[i].a = elem(i < half ? d : s, 2 * (i % half), es);
			l[i].b = elem(i < half ? d : s, 2 * (i % half) + 1, es);
			break;
		case FA_CVT:
			l[i].a = l[i].b = elem(s, i, es);
			break;
		default:
			break;
		}
	}
	return traps(stage(l, n, es == 8, mx_run, unmasked, res), unmasked, 0, flags);
}
