// SPDX-License-Identifier: MIT
/*
 * Integer SSE in translated code: moves, logic, integer arithmetic,
 * shifts, shuffles, packs and compares on XMM registers (SSE2..SSE4.1),
 * which raise no SIMD exception, ignore MXCSR and leave RFLAGS alone.
 * Each runs as a copy of itself on host XMM0 (its ModRM.reg register) and
 * XMM1 (its ModRM.rm register), loaded from and stored back to the
 * guest's image (cpu->fpu.area, fpu.h: the one home of that state); a
 * memory operand becomes [ptr] after the usual TLB probe, with the
 * #GP(0) alignment rule of the legacy 16-byte forms tested there (a
 * misaligned address leaves for the interpreter, which raises it).
 *
 * What the interpreter's SSE path does beyond the operation itself is
 * done here too, so that both engines leave the same state:
 *  - XSTATE_BV becomes x87|SSE (fpu_native.c's set_xinuse) after each;
 *  - the x87 part of the image is left as the host's FX round trip makes
 *    it (fpu_native_light.c): translated code cannot change that part, so
 *    a block with native SSE first checks that it is already in that
 *    form (constant bits, FSW's ES and B agreeing with its flags) and
 *    otherwise leaves for the interpreter, whose next SSE instruction
 *    puts it in that form. The check is at the block's start, before any
 *    loop label; after an instruction run by bt_helper_step() (which may
 *    be an FXRSTOR) the block takes no more native SSE (bt_block.c).
 *
 * The CR0.EM/TS and CR4.OSFXSR tests (#UD, #NM) are made at translation:
 * blocks with native SSE exist only while SSE is usable, and are dropped
 * when it stops being (bt_engine.c).
 */
#include <string.h>

#include "vcpu/soft/bt_int.h"
#include "vcpu/soft/fpu.h"
#include "vcpu/soft/fpu_native.h"

#define NONE 0xff
#define FPU_OFF_XBV_BYTE 512 /* XSTATE_BV's low byte */

static bool sse_integer(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOVD: case ZYDIS_MNEMONIC_MOVQ: case ZYDIS_MNEMONIC_MOVDQA:
	case ZYDIS_MNEMONIC_MOVDQU: case ZYDIS_MNEMONIC_MOVAPS: case ZYDIS_MNEMONIC_MOVUPS:
	case ZYDIS_MNEMONIC_MOVAPD: case ZYDIS_MNEMONIC_MOVUPD: case ZYDIS_MNEMONIC_LDDQU:
	case ZYDIS_MNEMONIC_PXOR: case ZYDIS_MNEMONIC_POR: case ZYDIS_MNEMONIC_PAND:
	case ZYDIS_MNEMONIC_PANDN: case ZYDIS_MNEMONIC_XORPS: case ZYDIS_MNEMONIC_XORPD:
	case ZYDIS_MNEMONIC_ANDPS: case ZYDIS_MNEMONIC_ANDPD: case ZYDIS_MNEMONIC_ORPS:
	case ZYDIS_MNEMONIC_ORPD: case ZYDIS_MNEMONIC_ANDNPS: case ZYDIS_MNEMONIC_ANDNPD:
	case ZYDIS_MNEMONIC_PADDB: case ZYDIS_MNEMONIC_PADDW: case ZYDIS_MNEMONIC_PADDD:
	case ZYDIS_MNEMONIC_PADDQ: case ZYDIS_MNEMONIC_PSUBB: case ZYDIS_MNEMONIC_PSUBW:
	case ZYDIS_MNEMONIC_PSUBD: case ZYDIS_MNEMONIC_PSUBQ: case ZYDIS_MNEMONIC_PADDSB:
	case ZYDIS_MNEMONIC_PADDSW: case ZYDIS_MNEMONIC_PADDUSB: case ZYDIS_MNEMONIC_PADDUSW:
	case ZYDIS_MNEMONIC_PSUBSB: case ZYDIS_MNEMONIC_PSUBSW: case ZYDIS_MNEMONIC_PSUBUSB:
	case ZYDIS_MNEMONIC_PSUBUSW: case ZYDIS_MNEMONIC_PMULLW: case ZYDIS_MNEMONIC_PMULHW:
	case ZYDIS_MNEMONIC_PMULHUW: case ZYDIS_MNEMONIC_PMULUDQ: case ZYDIS_MNEMONIC_PMULLD:
	case ZYDIS_MNEMONIC_PMULDQ: case ZYDIS_MNEMONIC_PMADDWD: case ZYDIS_MNEMONIC_PMADDUBSW:
	case ZYDIS_MNEMONIC_PMULHRSW: case ZYDIS_MNEMONIC_PAVGB: case ZYDIS_MNEMONIC_PAVGW:
	case ZYDIS_MNEMONIC_PSADBW: case ZYDIS_MNEMONIC_PMINUB: case ZYDIS_MNEMONIC_PMAXUB:
	case ZYDIS_MNEMONIC_PMINSW: case ZYDIS_MNEMONIC_PMAXSW: case ZYDIS_MNEMONIC_PMINSB:
	case ZYDIS_MNEMONIC_PMAXSB: case ZYDIS_MNEMONIC_PMINUW: case ZYDIS_MNEMONIC_PMAXUW:
	case ZYDIS_MNEMONIC_PMINSD: case ZYDIS_MNEMONIC_PMAXSD: case ZYDIS_MNEMONIC_PMINUD:
	case ZYDIS_MNEMONIC_PMAXUD: case ZYDIS_MNEMONIC_PABSB: case ZYDIS_MNEMONIC_PABSW:
	case ZYDIS_MNEMONIC_PABSD: case ZYDIS_MNEMONIC_PSIGNB: case ZYDIS_MNEMONIC_PSIGNW:
	case ZYDIS_MNEMONIC_PSIGND: case ZYDIS_MNEMONIC_PCMPEQB: case ZYDIS_MNEMONIC_PCMPEQW:
	case ZYDIS_MNEMONIC_PCMPEQD: case ZYDIS_MNEMONIC_PCMPEQQ: case ZYDIS_MNEMONIC_PCMPGTB:
	case ZYDIS_MNEMONIC_PCMPGTW: case ZYDIS_MNEMONIC_PCMPGTD: case ZYDIS_MNEMONIC_PCMPGTQ:
	case ZYDIS_MNEMONIC_PSLLW: case ZYDIS_MNEMONIC_PSLLD: case ZYDIS_MNEMONIC_PSLLQ:
	case ZYDIS_MNEMONIC_PSRLW: case ZYDIS_MNEMONIC_PSRLD: case ZYDIS_MNEMONIC_PSRLQ:
	case ZYDIS_MNEMONIC_PSRAW: case ZYDIS_MNEMONIC_PSRAD: case ZYDIS_MNEMONIC_PSLLDQ:
	case ZYDIS_MNEMONIC_PSRLDQ: case ZYDIS_MNEMONIC_PUNPCKLBW: case ZYDIS_MNEMONIC_PUNPCKLWD:
	case ZYDIS_MNEMONIC_PUNPCKLDQ: case ZYDIS_MNEMONIC_PUNPCKLQDQ:
	case ZYDIS_MNEMONIC_PUNPCKHBW: case ZYDIS_MNEMONIC_PUNPCKHWD:
	case ZYDIS_MNEMONIC_PUNPCKHDQ: case ZYDIS_MNEMONIC_PUNPCKHQDQ:
	case ZYDIS_MNEMONIC_PACKSSWB: case ZYDIS_MNEMONIC_PACKSSDW: case ZYDIS_MNEMONIC_PACKUSWB:
	case ZYDIS_MNEMONIC_PACKUSDW: case ZYDIS_MNEMONIC_PSHUFD: case ZYDIS_MNEMONIC_PSHUFLW:
	case ZYDIS_MNEMONIC_PSHUFHW: case ZYDIS_MNEMONIC_PSHUFB: case ZYDIS_MNEMONIC_PALIGNR:
	case ZYDIS_MNEMONIC_SHUFPS: case ZYDIS_MNEMONIC_SHUFPD: case ZYDIS_MNEMONIC_UNPCKLPS:
	case ZYDIS_MNEMONIC_UNPCKHPS: case ZYDIS_MNEMONIC_UNPCKLPD: case ZYDIS_MNEMONIC_UNPCKHPD:
	case ZYDIS_MNEMONIC_PMOVMSKB: case ZYDIS_MNEMONIC_PEXTRW: case ZYDIS_MNEMONIC_PINSRW:
	case ZYDIS_MNEMONIC_PEXTRB: case ZYDIS_MNEMONIC_PEXTRD: case ZYDIS_MNEMONIC_PEXTRQ:
	case ZYDIS_MNEMONIC_PINSRB: case ZYDIS_MNEMONIC_PINSRD: case ZYDIS_MNEMONIC_PINSRQ:
	case ZYDIS_MNEMONIC_PBLENDW: case ZYDIS_MNEMONIC_PMOVZXBW: case ZYDIS_MNEMONIC_PMOVZXBD:
	case ZYDIS_MNEMONIC_PMOVZXBQ: case ZYDIS_MNEMONIC_PMOVZXWD: case ZYDIS_MNEMONIC_PMOVZXWQ:
	case ZYDIS_MNEMONIC_PMOVZXDQ: case ZYDIS_MNEMONIC_PMOVSXBW: case ZYDIS_MNEMONIC_PMOVSXBD:
	case ZYDIS_MNEMONIC_PMOVSXBQ: case ZYDIS_MNEMONIC_PMOVSXWD: case ZYDIS_MNEMONIC_PMOVSXWQ:
	case ZYDIS_MNEMONIC_PMOVSXDQ:
		return true;
	default:
		return false;
	}
}

static bool is_xmm(ZydisRegister r)
{
	return ZydisRegisterGetClass(r) == ZYDIS_REGCLASS_XMM;
}

/* A 32- or 64-bit GPR's number (the only widths these instructions name), else -1. */
static int gpr_num(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_GPR32 || c == ZYDIS_REGCLASS_GPR64 ? bt_gpr_of(r) : -1;
}

/* One register operand: an XMM or a 32/64-bit GPR (not RSP) in a ModRM field. */
static bool take_reg(const ZydisDecodedOperand *z, struct bt_plan *p)
{
	bool in_reg = z->encoding == ZYDIS_OPERAND_ENCODING_MODRM_REG;
	bool wr = z->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
	int g;

	if (z->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT ||
	    (!in_reg && z->encoding != ZYDIS_OPERAND_ENCODING_MODRM_RM))
		return false;
	if (is_xmm(z->reg.value)) {
		uint8_t n = (uint8_t)ZydisRegisterGetId(z->reg.value);

		if (in_reg)
			p->xreg = n;
		else
			p->xrm = n;
		if (wr)
			p->xwr |= in_reg ? 1 : 2;
		return n < 16;
	}
	g = gpr_num(z->reg.value);
	if (g < 0 || g == 4)
		return false;
	if (z->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
		p->load |= (uint16_t)(1u << g);
	if (wr)
		p->store |= (uint16_t)(1u << g);
	return true;
}

/* The operands into p; false if one is of a kind this file does not translate. */
static bool take_sse_operands(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			      struct bt_plan *p)
{
	unsigned i;

	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *z = &zo[i];

		if (z->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			continue;
		if (z->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (z->mem.type != ZYDIS_MEMOP_TYPE_MEM || !bt_take_mem(zi, z, p, 128))
				return false;
			continue;
		}
		if (z->type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    (z->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN &&
		     ZydisRegisterGetClass(z->reg.value) == ZYDIS_REGCLASS_FLAGS))
			return false;
		if (!take_reg(z, p))
			return false;
	}
	return true;
}

/* REX of the rewrite: W kept; R, B only where they name a GPR (XMM0/1 and ptr need none). */
static uint8_t new_rex(uint8_t rex, const struct bt_plan *p)
{
	uint8_t out = 0x40 | (rex & 0x08);

	if (p->xreg == NONE)
		out |= rex & 0x04;
	if (p->xrm == NONE && p->ptr == NONE)
		out |= rex & 0x01;
	return out;
}

/* The instruction on XMM0 (reg), XMM1 (rm) and [ptr] into p->out. */
static bool rewrite_sse(const ZydisDecodedInstruction *zi, const uint8_t *b, struct bt_plan *p)
{
	unsigned i, n = 0, off = zi->raw.modrm.offset, tail = off + 1;
	uint8_t m = b[off], reg = (m >> 3) & 7, rm = m & 7, mod = m >> 6;

	if (!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM))
		return false;
	for (i = 0; i < zi->raw.prefix_count; i++) {
		uint8_t x = b[i];

		if (x == 0x26 || x == 0x2e || x == 0x36 || x == 0x3e || x == 0x64 || x == 0x65)
			continue; /* the address in ptr is linear */
		p->out[n++] = (x & 0xf0) == 0x40 ? new_rex(x, p) : x;
	}
	for (i = zi->raw.prefix_count; i < off; i++)
		p->out[n++] = b[i];
	if (p->xreg != NONE)
		reg = 0;
	if (p->ptr != NONE) {
		tail += (zi->attributes & ZYDIS_ATTRIB_HAS_SIB) ? 1 : 0;
		tail += zi->raw.disp.size / 8;
		mod = 0;
		rm = p->ptr;
	} else if (p->xrm != NONE) {
		rm = 1;
	}
	p->out[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
	for (i = tail; i < zi->length; i++)
		p->out[n++] = b[i];
	if (n > 15)
		return false;
	p->n = (uint8_t)n;
	return true;
}

static bool same_reg(const ZydisDecodedOperand *a, const ZydisDecodedOperand *c)
{
	if (!is_xmm(a->reg.value))
		return a->reg.value == c->reg.value;
	return c->reg.value == (a->encoding == ZYDIS_OPERAND_ENCODING_MODRM_REG ? ZYDIS_REGISTER_XMM0
										  : ZYDIS_REGISTER_XMM1);
}

/* The rewrite decodes to the same instruction on XMM0/XMM1/[ptr]. */
static bool same_sse(const ZydisDecoder *d, const ZydisDecodedInstruction *zi,
		     const ZydisDecodedOperand *zo, const struct bt_plan *p)
{
	ZydisDecodedOperand no[ZYDIS_MAX_OPERAND_COUNT];
	unsigned i;

	if (!bt_redecode(d, zi, zo, p, no))
		return false;
	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *a = &zo[i], *c = &no[i];

		if (a->type == ZYDIS_OPERAND_TYPE_REGISTER && !same_reg(a, c))
			return false;
		if (a->type == ZYDIS_OPERAND_TYPE_MEMORY && !bt_mem_is_ptr(c, p))
			return false;
	}
	return true;
}

bool bt_plan_sse(const ZydisDecoder *d, const ZydisDecodedInstruction *zi,
		 const ZydisDecodedOperand *zo, const uint8_t *bytes, struct bt_plan *p)
{
	if (!sse_integer(zi->mnemonic) || zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return false;
	p->xreg = p->xrm = NONE;
	p->xwr = 0;
	if (!take_sse_operands(zi, zo, p) || (p->xreg == NONE && p->xrm == NONE))
		return false;
	if (p->memsize) {
		/* the interpreter's rule (fpu_native_rewrite.c): #GP(0) unless aligned */
		p->align16 = p->memsize == 16 && !fnat_unaligned_ok(zi->mnemonic);
		/* not RAX either: it carries the flags around the probe */
		p->ptr = bt_free_legacy(p->load | p->store | 1u << 0 | 1u << 4);
		if (p->ptr == NONE)
			return false;
	}
	if (!rewrite_sse(zi, bytes, p) || !same_sse(d, zi, zo, p))
		return false;
	p->kind = BTK_SSE;
	return true;
}

/* movdqa xmm, [base + disp32] (load) or [base + disp32], xmm (store) */
static void xmm_move(struct bt_buf *b, bool store, unsigned xmm, unsigned base, uint32_t disp)
{
	bt_byte(b, 0x66);
	if (base >= 8)
		bt_byte(b, 0x41);
	bt_bytes(b, (const uint8_t[]){ 0x0f, store ? 0x7f : 0x6f }, 2);
	bt_byte(b, (uint8_t)(0x80 | xmm << 3 | (base & 7)));
	if ((base & 7) == 4)
		bt_byte(b, 0x24); /* SIB: [r12] */
	bt_u32(b, disp);
}

/* mov byte [base + 512], 3: XSTATE_BV = x87 | SSE, as the interpreter's commit sets it */
static void xinuse_store(struct bt_buf *b, unsigned base)
{
	if (base >= 8)
		bt_byte(b, 0x41);
	bt_byte(b, 0xc6);
	bt_byte(b, (uint8_t)(0x80 | (base & 7)));
	if ((base & 7) == 4)
		bt_byte(b, 0x24);
	bt_u32(b, FPU_OFF_XBV_BYTE);
	bt_byte(b, (uint8_t)FPU_XCR0_SUPPORTED);
}

/* A scratch register for the image's address that the instruction does not name. */
static unsigned image_reg(const struct xlat *x, const struct bt_plan *p)
{
	uint16_t named = (uint16_t)(p->load | p->store);

	if (!(named & bt_bit(x->tt)))
		return x->tt;
	return !(named & bt_bit(x->te)) ? x->te : x->tb;
}

void bt_emit_sse(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	const uint64_t image = (uint64_t)(uintptr_t)x->fpu_area;
	struct bt_misses m = { .n = 0 };
	uint16_t miss_dirty = 0;
	unsigned g, base = image_reg(x, p);

	if (p->ptr != NONE)
		miss_dirty = bt_xl_mem(x, p, rip + p->len, &m);
	bt_xl_evict(x, (uint16_t)bt_bit(base));
	for (g = 0; g < 16; g++)
		if (p->load & (1u << g))
			bt_xl_use(x, g);
	bt_mov_imm64(&x->b, base, image);
	if (p->xreg != NONE)
		xmm_move(&x->b, false, 0, base, FPU_OFF_XMM(p->xreg));
	if (p->xrm != NONE)
		xmm_move(&x->b, false, 1, base, FPU_OFF_XMM(p->xrm));
	bt_bytes(&x->b, p->out, p->n);
	if (p->xwr & 1)
		xmm_move(&x->b, true, 0, base, FPU_OFF_XMM(p->xreg));
	if (p->xwr & 2)
		xmm_move(&x->b, true, 1, base, FPU_OFF_XMM(p->xrm));
	xinuse_store(&x->b, base);
	for (g = 0; g < 16; g++) {
		if (p->store & (1u << g)) {
			x->cached |= (uint16_t)(1u << g);
			x->dirty |= (uint16_t)(1u << g);
		}
	}
	if (m.n)
		bt_xl_miss(x, &m, miss_dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
}

/* op xmm, [rip + ctx + off] (66 0F op; xmm 0-7) */
static void xmm_ctx(struct xlat *x, uint8_t op, unsigned xmm, unsigned off)
{
	bt_bytes(&x->b, (const uint8_t[]){ 0x66, 0x0f, op, (uint8_t)(xmm << 3 | 5) }, 4);
	bt_u32(&x->b, (uint32_t)(int32_t)(bt_ctx_addr(x->c, off) - (bt_here(&x->b) + 4)));
}

/*
 * The x87 bytes of the image against the form the interpreter's SSE
 * commit gives them: (byte & M) == V for each (ctx.canon_m/v), all 16
 * lanes of every chunk that has an M bit compared at once.
 */
static void emit_canon_bytes(struct xlat *x, struct bt_misses *m)
{
	const struct bt_ctx *ctx = x->c->ctx;
	static const uint8_t all[] = { 0x66, 0x0f, 0xd7, 0xd0,	     /* pmovmskb edx, xmm0 */
				       0x81, 0xfa, 0xff, 0xff, 0, 0 }; /* cmp edx, 0xffff */
	unsigned j, i, n = 0;

	for (j = 0; j < FNAT_CANON_SIZE / 16; j++) {
		bool any = false;

		for (i = 0; i < 16; i++)
			any |= ctx->canon_m[16 * j + i] != 0;
		if (!any)
			continue;
		xmm_move(&x->b, false, n ? 1 : 0, 1, 16 * j);
		xmm_ctx(x, 0xdb, n ? 1 : 0, offsetof(struct bt_ctx, canon_m) + 16 * j); /* pand */
		xmm_ctx(x, 0x74, n ? 1 : 0, offsetof(struct bt_ctx, canon_v) + 16 * j); /* pcmpeqb */
		if (n++)
			bt_bytes(&x->b, (const uint8_t[]){ 0x66, 0x0f, 0xdb, 0xc1 }, 4); /* pand xmm0, xmm1 */
	}
	if (!n)
		return;
	bt_bytes(&x->b, all, sizeof(all));
	bt_xl_miss_jcc(x, m, 0x5); /* jne */
}

/*
 * FSW's ES and B as the commit leaves them: both set when an exception
 * flag is unmasked in FCW (fpu_x87_pending), else both clear.
 */
static void emit_canon_fsw(struct xlat *x, struct bt_misses *m)
{
	static const uint8_t fsw[] = {
		0x0f, 0xb7, 0x51, 0x02,		    /* movzx edx, word [rcx + 2]: FSW */
		0x0f, 0xb7, 0x31,		    /* movzx esi, word [rcx]: FCW */
		0xf7, 0xd6,			    /* not esi */
		0x21, 0xd6,			    /* and esi, edx */
		0x83, 0xe6, 0x3f,		    /* and esi, 0x3f: pending flags */
		0xf7, 0xde,			    /* neg esi */
		0x19, 0xf6,			    /* sbb esi, esi: -1 when pending */
		0x81, 0xe6, 0x80, 0x80, 0, 0,	    /* and esi, 0x8080 */
		0x81, 0xe2, 0x80, 0x80, 0, 0,	    /* and edx, 0x8080 */
		0x39, 0xf2,			    /* cmp edx, esi */
	};

	bt_bytes(&x->b, fsw, sizeof(fsw));
	bt_xl_miss_jcc(x, m, 0x5); /* jne */
}

void bt_emit_sse_gate(struct xlat *x, uint64_t rip)
{
	static const uint8_t save[] = { 0x9f, 0x0f, 0x90, 0xc0 }; /* lahf; seto al */
	struct bt_misses m = { .n = 0 };

	/* at the block's start no guest register is in a host one: RAX, RCX, RDX, RSI are free */
	bt_xl_evict(x, (uint16_t)(bt_bit(0) | bt_bit(1) | bt_bit(2) | bt_bit(6)));
	bt_bytes(&x->b, save, sizeof(save));
	bt_mov_imm64(&x->b, 1, (uint64_t)(uintptr_t)x->fpu_area);
	emit_canon_bytes(x, &m);
	emit_canon_fsw(x, &m);
	bt_bytes(&x->b, bt_probe_restore, sizeof(bt_probe_restore));
	bt_xl_miss(x, &m, 0, rip, 0, bt_probe_restore, sizeof(bt_probe_restore));
}

void bt_sse_canon_init(struct bt_ctx *ctx, const uint8_t (*canon)[FNAT_CANON_SIZE])
{
	unsigned i;

	/* canonical: (byte & ~keep) == (set & ~keep) and the set bits set, i.e. (byte & M) == V */
	for (i = 0; i < FNAT_CANON_SIZE; i++) {
		ctx->canon_m[i] = (uint8_t)(~canon[0][i] | canon[1][i]);
		ctx->canon_v[i] = canon[1][i];
	}
}
