// SPDX-License-Identifier: MIT
/*
 * Random draws for the floating-point differential test (see fpu_gen.h):
 * operand values biased towards the cases the SDM singles out (vol. 1
 * 4.8 and 8.2: signed zeros, denormals, infinities, quiet and signalling
 * NaNs, x87 unsupported encodings, integer and BCD limits), random MXCSR
 * and FCW rounding/precision/mask settings, and memory operands placed
 * aligned, misaligned, or across the boundary of the two data pages.
 */
#include "support/fpu_gen.h"

#include <stdio.h>
#include <string.h>

/* FXSAVE64 image offsets (SDM vol. 1, table 10-2). */
#define FX_FCW 0
#define FX_FSW 2
#define FX_FTW 4
#define FX_MXCSR 24
#define FX_ST(i) (32 + 16 * (i))
#define FX_XMM(i) (160 + 16 * (i))

uint64_t fpu_rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static unsigned pick(uint64_t *s, unsigned n)
{
	return (unsigned)(fpu_rnd(s) % n);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* A float32 bit pattern: specials one time in two. */
static uint32_t f32(uint64_t *s)
{
	uint32_t sign = (uint32_t)(fpu_rnd(s) & 1) << 31, r = (uint32_t)fpu_rnd(s);

	switch (pick(s, 16)) {
	case 0:
		return sign; /* ±0 */
	case 1:
		return sign | 0x7f800000; /* ±inf */
	case 2:
		return sign | 0x7fc00000 | (r & 0x3fffff); /* QNaN */
	case 3:
		return sign | 0x7f800000 | ((r & 0x3fffff) | 1); /* SNaN */
	case 4:
		return sign | (r & 0x7fffff); /* denormal */
	case 5:
		return sign | 0x3f800000; /* ±1 */
	case 6:
		return sign | 0x7f7fffff; /* max */
	case 7:
		return sign | 0x00800000 | (r & 0xf); /* smallest normals */
	case 8: /* near the int32 limits (conversion overflow) */
		return sign | (0x4efffff0 + (r & 0x1f));
	default: /* moderate exponents: inexact, rounding */
		return sign | ((127 - 24 + (r >> 27)) << 23) | (r & 0x7fffff);
	}
}

static uint64_t f64(uint64_t *s)
{
	uint64_t sign = (fpu_rnd(s) & 1) << 63, r = fpu_rnd(s), m = r & 0xfffffffffffffULL;

	switch (pick(s, 16)) {
	case 0:
		return sign;
	case 1:
		return sign | 0x7ff0000000000000ULL;
	case 2:
		return sign | 0x7ff8000000000000ULL | (m >> 1);
	case 3:
		return sign | 0x7ff0000000000000ULL | (m >> 1) | 1;
	case 4:
		return sign | m;
	case 5:
		return sign | 0x3ff0000000000000ULL;
	case 6:
		return sign | 0x7fefffffffffffffULL;
	case 7:
		return sign | 0x0010000000000000ULL | (m & 0xf);
	case 8: /* near 2^31 and 2^63 */
		return sign |
		       ((r & 1 ? 0x41dfffffffffff00ULL : 0x43dfffffffffff00ULL) + (m & 0x1ff));
	default:
		return sign | ((uint64_t)(1023 - 53 + (r >> 58)) << 52) | m;
	}
}

/* An 80-bit x87 value: mantissa (with the J bit 63) and sign|exponent. */
static void f80(uint64_t *s, uint8_t *out)
{
	uint64_t r = fpu_rnd(s), m = fpu_rnd(s);
	uint16_t se = (uint16_t)((r & 1) << 15), e;

	switch (pick(s, 20)) {
	case 0:
		m = 0, e = 0; /* ±0 */
		break;
	case 1:
		m = 1ULL << 63, e = 0x7fff; /* ±inf */
		break;
	case 2:
		m |= 3ULL << 62, e = 0x7fff; /* QNaN */
		break;
	case 3:
		m = (m & ~(3ULL << 62)) | (1ULL << 63) | 1, e = 0x7fff; /* SNaN */
		break;
	case 4:
		m &= ~(1ULL << 63), e = 0; /* denormal */
		break;
	case 5:
		m |= 1ULL << 63, e = 0; /* pseudo-denormal */
		break;
	case 6:
		m &= ~(1ULL << 63), e = (uint16_t)(0x3fff + (r >> 60)); /* unnormal: unsupported */
		break;
	case 7:
		m = 1ULL << 63, e = 0x3fff; /* ±1 */
		break;
	case 8: /* an integer value below 2^16 (FRNDINT, FIST, FPREM) */
		e = (uint16_t)(0x3fff + pick(s, 16));
		m = (m | (1ULL << 63)) & ~((1ULL << (63 - (e - 0x3fff))) - 1);
		break;
	case 9: /* huge: beyond 2^63 (FSIN's C2, FIST's overflow) */
		m |= 1ULL << 63, e = (uint16_t)(0x3fff + 62 + pick(s, 8));
		break;
	case 10: /* multiples of about pi/4 */
		m = 0xc90fdaa22168c235ULL + (r & 0xff), e = (uint16_t)(0x3ffe + pick(s, 4));
		break;
	case 11: /* tiny or extreme exponents */
		m |= 1ULL << 63, e = (uint16_t)(r & 1 ? 1 + pick(s, 64) : 0x7ffe - pick(s, 64));
		break;
	default: /* moderate */
		m |= 1ULL << 63, e = (uint16_t)(0x3fff - 40 + pick(s, 80));
		break;
	}
	put64(out, m);
	put16(out + 8, se | e);
}

static uint64_t int64(uint64_t *s)
{
	static const uint64_t special[] = {
	    0,
	    1,
	    ~0ULL,
	    0x7fffffffffffffffULL,
	    0x8000000000000000ULL,
	    0x7fffffff,
	    0x80000000,
	    0xffffffff,
	    0x7fff,
	    0x8000,
	    0xffff,
	    0x7f7f7f7f80808080ULL,
	    0x00ff00ff00ff00ffULL,
	};
	uint64_t r = fpu_rnd(s);

	switch (pick(s, 8)) {
	case 0:
		return special[pick(s, sizeof(special) / sizeof(special[0]))];
	case 1:
		return r % 64;
	case 2:
		return -(r % 64);
	case 3: /* small per 16-bit lane, either sign */
		return r & 0x800f800f000f800fULL;
	default:
		return r;
	}
}

/* 16 bytes of a short string over a tiny alphabet with a zero somewhere. */
static void str16(uint64_t *s, uint8_t *out)
{
	static const uint8_t alpha[] = {'a', 'b', 'c', 'z', 'A', '0', 0x80, 0xff};
	unsigned i, end = pick(s, 20);

	for (i = 0; i < 16; i++)
		out[i] = i == end ? 0 : alpha[pick(s, sizeof(alpha))];
}

/* n bytes of data of kind k at p (whole lanes; a short tail is random). */
static void fill(uint64_t *s, unsigned k, uint8_t *p, unsigned n)
{
	unsigned i = 0;

	switch (k) {
	case K_PS:
		for (; i + 4 <= n; i += 4)
			put32(p + i, f32(s));
		break;
	case K_PD:
		for (; i + 8 <= n; i += 8)
			put64(p + i, f64(s));
		break;
	case K_STR:
		for (; i + 16 <= n; i += 16)
			str16(s, p + i);
		break;
	case K_F80:
		for (; i + 10 <= n; i += 10)
			f80(s, p + i);
		break;
	case K_BCD:
		for (; i + 10 <= n; i += 10) {
			for (unsigned j = 0; j < 9; j++)
				p[i + j] = (uint8_t)(pick(s, 10) | pick(s, 10) << 4);
			p[i + 9] = (uint8_t)(pick(s, 8) ? fpu_rnd(s) & 0x80 : fpu_rnd(s));
			if (!pick(s, 8)) /* an invalid digit */
				p[i + pick(s, 9)] |= 0xa0;
		}
		break;
	default: /* integers of every width */
		for (; i + 8 <= n; i += 8)
			put64(p + i, int64(s));
		break;
	}
	for (; i < n; i++)
		p[i] = (uint8_t)fpu_rnd(s);
}

/* FCW: reserved bit 6 as after FINIT, masks, precision 24/53/64 bits, rounding. */
static uint16_t rnd_fcw(uint64_t *s)
{
	static const uint16_t pc[] = {0, 2, 3, 3};
	uint16_t masks = pick(s, 4) ? 0x3f : (uint16_t)(fpu_rnd(s) & 0x3f);

	return (uint16_t)(0x40 | masks | pc[pick(s, 4)] << 8 | pick(s, 4) << 10);
}

static uint32_t rnd_mxcsr(uint64_t *s)
{
	uint32_t m = pick(s, 4) ? 0x1f80 : (uint32_t)(fpu_rnd(s) & 0x1f80);

	m |= pick(s, 4) << 13;				     /* RC */
	m |= pick(s, 2) ? (uint32_t)(fpu_rnd(s) & 0x3f) : 0; /* sticky flags */
	m |= pick(s, 4) ? 0 : 0x40;			     /* DAZ */
	m |= pick(s, 4) ? 0 : 0x8000;			     /* FTZ */
	return m;
}

/* The x87/MMX/SSE state: FCW, FSW (TOP, condition codes), tags, ST, XMM, MXCSR. */
static void make_state(const struct fpu_form *f, uint64_t *s, struct fpu_draw *d)
{
	unsigned i, xk = f->kind <= K_STR ? f->kind : K_INT;
	uint16_t fcw = rnd_fcw(s), fsw = (uint16_t)(pick(s, 8) << 11 | (fpu_rnd(s) & 0x4700));

	memset(d->fx, 0, sizeof(d->fx));
	if (f->flags & FF_PEND) { /* invalid-operation unmasked and pending */
		fcw &= (uint16_t)~1;
		fsw |= 0x8081;
	}
	put16(d->fx + FX_FCW, fcw);
	put16(d->fx + FX_FSW, fsw);
	/* all registers in use (a push overflows), ST6/ST7 free, or a random set */
	switch (pick(s, 3)) {
	case 0:
		d->fx[FX_FTW] = 0xff;
		break;
	case 1:
		d->fx[FX_FTW] =
		    (uint8_t) ~(1u << ((fsw >> 11) + 7) % 8 | 1u << ((fsw >> 11) + 6) % 8);
		break;
	default:
		d->fx[FX_FTW] = (uint8_t)fpu_rnd(s);
		break;
	}
	put32(d->fx + FX_MXCSR, rnd_mxcsr(s));
	for (i = 0; i < 8; i++) {
		if (f->cls == FC_MMX || f->rm == RF_MM || f->reg == RF_MM)
			fill(s, K_INT, d->fx + FX_ST(i), 10);
		else
			f80(s, d->fx + FX_ST(i));
	}
	for (i = 0; i < 16; i++)
		fill(s, xk, d->fx + FX_XMM(i), 16);
}

/* GPRs usable as ModRM operands: not rsp, rsi, rdi (stack and data pointers). */
static unsigned rnd_gpr(uint64_t *s)
{
	static const uint8_t ok[] = {0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15};

	return ok[pick(s, sizeof(ok))];
}

static unsigned rnd_reg(uint64_t *s, unsigned rf)
{
	switch (rf) {
	case RF_XMM:
		return pick(s, 16);
	case RF_GPR:
		return rnd_gpr(s);
	default: /* MM, ST */
		return pick(s, 8);
	}
}

/* Where the memory operand goes: aligned forms mostly aligned; others often across the page. */
static uint32_t mem_place(const struct fpu_form *f, uint64_t *s)
{
	uint32_t off = 0x100 + pick(s, 0x1d00);
	bool aligned = f->msize == 16 && !(f->flags & FF_UNAL);

	if (aligned) {
		off &= ~15u;
		if (!pick(s, 16))
			off += 1 + pick(s, 15); /* #GP(0) expected */
	} else if (f->msize > 1 && !pick(s, 3)) {
		off = 0x1000 - 1 - pick(s, f->msize - 1u); /* crosses into the second page */
	}
	return off;
}

static void imm8_of(const struct fpu_form *f, uint64_t *s, uint8_t *imm)
{
	*imm = (uint8_t)fpu_rnd(s);
	if (f->nop == 2 && f->op[1] >= 0x71 && f->op[1] <= 0x73 && pick(s, 4))
		*imm = (uint8_t)pick(s, 20); /* shift counts near the lane widths */
	if (f->nop == 2 && f->op[1] == 0xc2 && pick(s, 4))
		*imm &= 7; /* CMPPS predicates; higher bits are ignored */
}

static void make_insn(const struct fpu_form *f, uint64_t *s, struct fpu_draw *d)
{
	uint8_t *p = d->insn, rex = 0;
	unsigned reg = f->reg == RF_DIGIT ? f->digit : f->reg ? rnd_reg(s, f->reg) : 0, rm = 0;
	bool w = (f->flags & FF_W1) || ((f->flags & FF_W) && pick(s, 2));
	bool osz = !w && (f->flags & FF_OSZ) && !pick(s, 3);
	bool has_modrm = f->reg != RF_NONE;
	int8_t disp = 0;

	d->mem = has_modrm && f->msize &&
		 ((f->flags & FF_MEMONLY) || (!(f->flags & FF_REGONLY) && pick(s, 2)));
	if (has_modrm && !d->mem)
		rm = rnd_reg(s, f->rm);
	if (osz)
		*p++ = 0x66;
	if (f->pfx)
		*p++ = f->pfx;
	if (f->cls != FC_X87 && f->nop > 1) {
		rex = (uint8_t)((w ? 8 : 0) | (reg & 8 ? 4 : 0) | (rm & 8 ? 1 : 0));
		if (f->reg == RF_MM || f->reg == RF_DIGIT)
			rex &= (uint8_t)~4;
		if (rex || !pick(s, 4)) /* a bare REX now and then: byte registers change meaning */
			*p++ = (uint8_t)(0x40 | rex);
	}
	memcpy(p, f->op, f->nop);
	p += f->nop;
	if (has_modrm) {
		if (d->mem) {
			disp = (int8_t)fpu_rnd(s);
			*p++ = (uint8_t)(0x46 | (reg & 7) << 3); /* mod 01, rm 110: [rsi + disp8] */
			*p++ = (uint8_t)disp;
			d->mem_off = mem_place(f, s);
			d->gpr[FPU_RSI] = (uint64_t)((int64_t)d->mem_off - disp);
		} else {
			*p++ = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
		}
	}
	if (f->flags & FF_IMM8)
		imm8_of(f, s, p++);
	d->len = (unsigned)(p - d->insn);
}

/* Plausible environment images for FLDENV/FRSTOR/FLDCW/LDMXCSR. */
static void fill_env(const struct fpu_form *f, uint64_t *s, uint8_t *p)
{
	unsigned i;

	if (f->msize == 4) { /* LDMXCSR: a reserved bit now and then (#GP) */
		put32(p, rnd_mxcsr(s) | (pick(s, 16) ? 0 : 1u << (16 + pick(s, 16))));
		return;
	}
	put16(p, rnd_fcw(s));
	if (f->msize == 2)
		return;
	put16(p + 4, (uint16_t)(fpu_rnd(s) & 0x47ff));	       /* FSW: no pending ES */
	put16(p + 8, (uint16_t)(pick(s, 2) ? 0 : fpu_rnd(s))); /* full tag word */
	for (i = 28; i + 10 <= f->msize; i += 10)
		f80(s, p + i);
}

/*
 * An IEEE binary value (ebits exponent, mbits fraction bits) near either
 * end of its exponent range, or around `mid` (biased): products, sums and
 * quotients of such values overflow or are tiny. The fraction is often
 * short, so that a result rounded with an unbounded exponent may be exact
 * while its denormal or infinite delivery is not (SDM vol. 1 4.9.1.5).
 */
static uint64_t edge_value(uint64_t *s, unsigned ebits, unsigned mbits, unsigned mid)
{
	static const unsigned keep[] = {0, 2, 8, 64};
	uint64_t emax = (1ULL << ebits) - 2, e, m = fpu_rnd(s) & ((1ULL << mbits) - 1);
	unsigned k = keep[pick(s, 4)];

	switch (pick(s, 6)) {
	case 0:
		e = emax - pick(s, 3);
		break;
	case 1:
		e = emax - pick(s, (unsigned)(emax / 4));
		break;
	case 2:
		e = 1 + pick(s, 3);
		break;
	case 3:
		e = 1 + pick(s, (unsigned)(emax / 4));
		break;
	case 4:
		e = 0;
		break;
	default:
		e = mid + pick(s, 61) - 30;
		break;
	}
	if (k < mbits)
		m &= ~((1ULL << (mbits - k)) - 1);
	return (fpu_rnd(s) & 1) << (ebits + mbits) | e << mbits | m;
}

/* n bytes of form f's lanes at p, edge_value()s (CVTPD2PS/SD2SS: doubles near float's range). */
static void fill_edge(const struct fpu_form *f, uint64_t *s, uint8_t *p, unsigned n)
{
	bool narrow = !strncmp(f->name, "cvtpd2ps", 8) || !strncmp(f->name, "cvtsd2ss", 8);
	unsigned i;

	for (i = 0; i + 8 <= n; i += 8) {
		if (f->kind == K_PS) {
			put32(p + i, (uint32_t)edge_value(s, 8, 23, 127));
			put32(p + i + 4, (uint32_t)edge_value(s, 8, 23, 127));
		} else {
			put64(p + i, edge_value(s, 11, 52, narrow ? 1023 + 127 : 1023));
			if (narrow && pick(s, 2))
				put64(p + i, edge_value(s, 11, 52, 1023 - 126));
		}
	}
}

/*
 * A draw of a form that can overflow or underflow (FF_OU), one in two:
 * MXCSR with OM, UM or both clear and every operand an edge_value(), so
 * the unmasked responses (#XM, and the flags it reports) are exercised.
 */
static void edge_draw(const struct fpu_form *f, uint64_t *s, struct fpu_draw *d)
{
	static const uint32_t clear[] = {0x400, 0x800, 0xc00};
	uint32_t mx = rnd_mxcsr(s) & ~clear[pick(s, 3)];
	unsigned i;

	put32(d->fx + FX_MXCSR, mx);
	for (i = 0; i < 16; i++)
		fill_edge(f, s, d->fx + FX_XMM(i), 16);
	if (d->mem)
		fill_edge(f, s, d->data + d->mem_off, 16);
}

void fpu_draw_make(const struct fpu_form *f, unsigned n, struct fpu_draw *d)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(f - fpu_forms) << 32) ^ n, *w;
	unsigned i;

	for (i = 0; i < 16; i++)
		d->gpr[i] = int64(&s);
	if (f->kind == K_STR) { /* PCMPESTRx lengths in RAX/RDX, mostly within the string */
		d->gpr[0] = pick(&s, 8) ? (uint64_t)(int64_t)(pick(&s, 40) - 20) : int64(&s);
		d->gpr[2] = pick(&s, 8) ? (uint64_t)(int64_t)(pick(&s, 40) - 20) : int64(&s);
	}
	d->gpr[FPU_RSP] = 0;
	d->gpr[FPU_RSI] = 0x800;
	d->gpr[FPU_RDI] = 0x100 + pick(&s, 0x1d00); /* MASKMOVQ/MASKMOVDQU target */
	d->rflags = 2 | (fpu_rnd(&s) & 0x8d5);
	d->mem = false;
	d->mem_off = 0;
	make_state(f, &s, d);
	/* the data pages: cheap noise, then typed values around the operand */
	for (w = (uint64_t *)(void *)d->data, i = 0; i < FPU_DATA_SIZE / 8; i++)
		w[i] = fpu_rnd(&s);
	make_insn(f, &s, d);
	if (d->mem) { /* lanes start at the operand; x87 integers are plain integers */
		unsigned k =
		    f->kind == K_I16 || f->kind == K_I32 || f->kind == K_I64 ? K_INT : f->kind;

		if (k == K_ENV)
			fill_env(f, &s, d->data + d->mem_off);
		else
			fill(&s, k, d->data + d->mem_off, f->msize < 16 ? 16 : f->msize);
	}
	if ((f->flags & FF_OU) && !pick(&s, 2))
		edge_draw(f, &s, d);
}

void fpu_draw_describe(const struct fpu_form *f, const struct fpu_draw *d, char *buf, unsigned cap)
{
	unsigned i, o;
	uint16_t fcw, fsw;
	uint32_t mx;

	memcpy(&fcw, d->fx + FX_FCW, 2);
	memcpy(&fsw, d->fx + FX_FSW, 2);
	memcpy(&mx, d->fx + FX_MXCSR, 4);
	o = (unsigned)snprintf(buf, cap, "%s [", f->name);
	for (i = 0; i < d->len && o < cap; i++)
		o += (unsigned)snprintf(buf + o, cap - o, i ? " %02x" : "%02x", d->insn[i]);
	if (o < cap)
		snprintf(buf + o, cap - o, "] fcw=%#x fsw=%#x ftw=%#x mxcsr=%#x rflags=%#llx%s%#x",
			 fcw, fsw, d->fx[FX_FTW], mx, (unsigned long long)d->rflags,
			 d->mem ? " mem at data+" : " no mem ", d->mem ? d->mem_off : 0);
}
