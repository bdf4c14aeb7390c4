// SPDX-License-Identifier: MIT
/*
 * Specialised handlers for the most common operand forms: the decoder
 * asks fast_specialize() once per decoded instruction, and when the
 * form is one of these (32/64-bit register, register/immediate or simple
 * memory operands, no prefixes that change meaning) the record runs a
 * handler with the size and the form compiled in, instead of the generic
 * one that tests kinds and sizes every time. Semantics are those of the
 * generic handlers (exec_alu.c, exec_misc.c), which the Unicorn test
 * checks; these only skip the dispatching.
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

#define GREG(cpu, r) ((cpu)->gpr[(r)])

/* ---- two-operand ALU, register destination ---- */
#define ALU_OP_add(a, b) ((a) + (b))
#define ALU_OP_sub(a, b) ((a) - (b))
#define ALU_OP_and(a, b) ((a) & (b))
#define ALU_OP_or(a, b) ((a) | (b))
#define ALU_OP_xor(a, b) ((a) ^ (b))
#define ALU_OP_cmp(a, b) ((a) - (b))
#define ALU_OP_test(a, b) ((a) & (b))
#define ALU_LF_add LF_ADD
#define ALU_LF_sub LF_SUB
#define ALU_LF_cmp LF_SUB
#define ALU_LF_and LF_LOGIC
#define ALU_LF_or LF_LOGIC
#define ALU_LF_xor LF_LOGIC
#define ALU_LF_test LF_LOGIC
#define ALU_WB_add 1
#define ALU_WB_sub 1
#define ALU_WB_and 1
#define ALU_WB_or 1
#define ALU_WB_xor 1
#define ALU_WB_cmp 0
#define ALU_WB_test 0

#define T_8 uint64_t
#define T_4 uint32_t

#define DEF_ALU(k, sz)                                                                             \
	static int exec_fast_##k##_rr##sz(struct soft_cpu *cpu, const struct insn *in)             \
	{                                                                                          \
		T_##sz a = (T_##sz)GREG(cpu, in->op[0].reg);                                       \
		T_##sz b = (T_##sz)GREG(cpu, in->op[1].reg);                                       \
		T_##sz r = ALU_OP_##k(a, b);                                                       \
		if (ALU_WB_##k)                                                                    \
			GREG(cpu, in->op[0].reg) = r;                                              \
		lf_set(cpu, ALU_LF_##k, sz, a, b, r);                                              \
		return EXEC_OK;                                                                    \
	}                                                                                          \
	static int exec_fast_##k##_ri##sz(struct soft_cpu *cpu, const struct insn *in)             \
	{                                                                                          \
		T_##sz a = (T_##sz)GREG(cpu, in->op[0].reg);                                       \
		T_##sz b = (T_##sz)in->op[1].disp;                                                 \
		T_##sz r = ALU_OP_##k(a, b);                                                       \
		if (ALU_WB_##k)                                                                    \
			GREG(cpu, in->op[0].reg) = r;                                              \
		lf_set(cpu, ALU_LF_##k, sz, a, b, r);                                              \
		return EXEC_OK;                                                                    \
	}                                                                                          \
	static int exec_fast_##k##_rm##sz(struct soft_cpu *cpu, const struct insn *in)             \
	{                                                                                          \
		T_##sz a = (T_##sz)GREG(cpu, in->op[0].reg), b = 0, r;                             \
		int rc = mem_read(cpu, in->op[1].seg, op_ea(cpu, in, 1), &b, sz);                  \
		if (rc)                                                                            \
			return rc;                                                                 \
		r = ALU_OP_##k(a, b);                                                              \
		if (ALU_WB_##k)                                                                    \
			GREG(cpu, in->op[0].reg) = r;                                              \
		lf_set(cpu, ALU_LF_##k, sz, a, b, r);                                              \
		return EXEC_OK;                                                                    \
	}

#define DEF_ALU_SIZES(k) DEF_ALU(k, 8) DEF_ALU(k, 4)
DEF_ALU_SIZES(add)
DEF_ALU_SIZES(sub)
DEF_ALU_SIZES(and)
DEF_ALU_SIZES(or)
DEF_ALU_SIZES(xor)
DEF_ALU_SIZES(cmp)
DEF_ALU_SIZES(test)

/* ---- mov ---- */
static int exec_fast_mov_rr8(struct soft_cpu *cpu, const struct insn *in)
{
	GREG(cpu, in->op[0].reg) = GREG(cpu, in->op[1].reg);
	return EXEC_OK;
}

static int exec_fast_mov_rr4(struct soft_cpu *cpu, const struct insn *in)
{
	GREG(cpu, in->op[0].reg) = (uint32_t)GREG(cpu, in->op[1].reg);
	return EXEC_OK;
}

static int exec_fast_mov_ri8(struct soft_cpu *cpu, const struct insn *in)
{
	GREG(cpu, in->op[0].reg) = (uint64_t)in->op[1].disp;
	return EXEC_OK;
}

static int exec_fast_mov_ri4(struct soft_cpu *cpu, const struct insn *in)
{
	GREG(cpu, in->op[0].reg) = (uint32_t)in->op[1].disp;
	return EXEC_OK;
}

static int exec_fast_mov_rm8(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = mem_read(cpu, in->op[1].seg, op_ea(cpu, in, 1), &v, 8);

	if (rc)
		return rc;
	GREG(cpu, in->op[0].reg) = v;
	return EXEC_OK;
}

static int exec_fast_mov_rm4(struct soft_cpu *cpu, const struct insn *in)
{
	uint32_t v;
	int rc = mem_read(cpu, in->op[1].seg, op_ea(cpu, in, 1), &v, 4);

	if (rc)
		return rc;
	GREG(cpu, in->op[0].reg) = v;
	return EXEC_OK;
}

static int exec_fast_mov_mr8(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v = GREG(cpu, in->op[1].reg);

	return mem_write(cpu, in->op[0].seg, op_ea(cpu, in, 0), &v, 8);
}

static int exec_fast_mov_mr4(struct soft_cpu *cpu, const struct insn *in)
{
	uint32_t v = (uint32_t)GREG(cpu, in->op[1].reg);

	return mem_write(cpu, in->op[0].seg, op_ea(cpu, in, 0), &v, 4);
}

static int exec_fast_mov_mi8(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v = (uint64_t)in->op[1].disp; /* imm32 sign-extended by the decoder */

	return mem_write(cpu, in->op[0].seg, op_ea(cpu, in, 0), &v, 8);
}

static int exec_fast_mov_mi4(struct soft_cpu *cpu, const struct insn *in)
{
	uint32_t v = (uint32_t)in->op[1].disp;

	return mem_write(cpu, in->op[0].seg, op_ea(cpu, in, 0), &v, 4);
}

static int exec_fast_lea8(struct soft_cpu *cpu, const struct insn *in)
{
	GREG(cpu, in->op[0].reg) = op_ea(cpu, in, 1);
	return EXEC_OK;
}

static int exec_fast_lea4(struct soft_cpu *cpu, const struct insn *in)
{
	GREG(cpu, in->op[0].reg) = (uint32_t)op_ea(cpu, in, 1);
	return EXEC_OK;
}

/* ---- inc/dec: CF is kept ---- */
#define DEF_INCDEC(name, lfop, delta, T, sz)                                    \
	static int name(struct soft_cpu *cpu, const struct insn *in)            \
	{                                                                       \
		T a = (T)GREG(cpu, in->op[0].reg), r = a + (delta);              \
		bool cf = lf_cf(cpu);                                            \
		GREG(cpu, in->op[0].reg) = r;                                    \
		lf_set(cpu, lfop, sz, a, cf, r);                                 \
		return EXEC_OK;                                                  \
	}
DEF_INCDEC(exec_fast_inc8, LF_INC, 1, uint64_t, 8)
DEF_INCDEC(exec_fast_inc4, LF_INC, 1, uint32_t, 4)
DEF_INCDEC(exec_fast_dec8, LF_DEC, -1, uint64_t, 8)
DEF_INCDEC(exec_fast_dec4, LF_DEC, -1, uint32_t, 4)

/* ---- jcc with the common flag producers decided inline ---- */
static int exec_fast_jcc(struct soft_cpu *cpu, const struct insn *in)
{
	bool t;

	if ((in->cc >> 1) == 2 && cpu->lf.op != LF_RAW)
		t = (cpu->lf.res == 0) ^ (in->cc & 1); /* jz/jnz */
	else
		t = cpu_cond(cpu, in->cc);
	if (t) {
		uint64_t target = cpu->next_rip + (uint64_t)in->op[0].disp;

		if (in->opsize != 8)
			target &= size_mask(in->opsize);
		else if (!is_canonical(target))
			return cpu_fault(cpu, X_GP, 0);
		cpu->next_rip = target;
	}
	return EXEC_OK;
}

/* ---- shifts by an immediate or CL, 32/64-bit register ---- */
#define DEF_SHIFT(name, T, sz, expr, cfexpr, ofexpr)                                   \
	static int name(struct soft_cpu *cpu, const struct insn *in)                   \
	{                                                                              \
		T a = (T)GREG(cpu, in->op[0].reg), r;                                   \
		unsigned c = (unsigned)(in->op[1].kind == OP_IMM ? (uint64_t)in->op[1].disp  \
								  : GREG(cpu, R_RCX)) &   \
			     (sz == 8 ? 63 : 31);                                          \
		uint64_t cf, of;                                                        \
		if (!c) {                                                               \
			GREG(cpu, in->op[0].reg) = a; /* 32-bit: still zero-extends */   \
			return EXEC_OK;                                                 \
		}                                                                       \
		r = (expr);                                                             \
		cf = (cfexpr);                                                          \
		of = (ofexpr);                                                          \
		GREG(cpu, in->op[0].reg) = r;                                           \
		lf_result(cpu, sz, r, (cf ? FL_CF : 0) | (of ? FL_OF : 0));             \
		return EXEC_OK;                                                         \
	}
DEF_SHIFT(exec_fast_shl8, uint64_t, 8, a << c, (a >> (64 - c)) & 1, ((r >> 63) & 1) ^ cf)
DEF_SHIFT(exec_fast_shl4, uint32_t, 4, a << c, (a >> (32 - c)) & 1, ((r >> 31) & 1) ^ cf)
DEF_SHIFT(exec_fast_shr8, uint64_t, 8, a >> c, (a >> (c - 1)) & 1, (a >> 63) & 1)
DEF_SHIFT(exec_fast_shr4, uint32_t, 4, a >> c, (a >> (c - 1)) & 1, (a >> 31) & 1)
DEF_SHIFT(exec_fast_sar8, uint64_t, 8, (uint64_t)((int64_t)a >> c), ((int64_t)a >> (c - 1)) & 1, 0)
DEF_SHIFT(exec_fast_sar4, uint32_t, 4, (uint32_t)((int32_t)a >> c), ((int32_t)a >> (c - 1)) & 1, 0)

/* ---- imul r, r/m[, imm] at 32/64 bits ---- */
static int exec_fast_imul8(struct soft_cpu *cpu, const struct insn *in)
{
	int64_t x, y, r;
	uint64_t v;
	bool of;
	int rc;

	rc = opr(cpu, in, in->nops == 3 ? 1 : 0, &v);
	if (rc)
		return rc;
	x = (int64_t)v;
	rc = opr(cpu, in, in->nops == 3 ? 2 : 1, &v);
	if (rc)
		return rc;
	y = (int64_t)v;
	of = __builtin_mul_overflow(x, y, &r);
	GREG(cpu, in->op[0].reg) = (uint64_t)r;
	lf_result(cpu, 8, (uint64_t)r, of ? FL_CF | FL_OF : 0);
	return EXEC_OK;
}

static int exec_fast_imul4(struct soft_cpu *cpu, const struct insn *in)
{
	int64_t p;
	uint64_t v, w;
	int rc;

	rc = opr(cpu, in, in->nops == 3 ? 1 : 0, &v);
	if (rc)
		return rc;
	rc = opr(cpu, in, in->nops == 3 ? 2 : 1, &w);
	if (rc)
		return rc;
	p = (int64_t)(int32_t)v * (int32_t)w;
	GREG(cpu, in->op[0].reg) = (uint32_t)p;
	lf_result(cpu, 4, (uint64_t)p, p != (int32_t)p ? FL_CF | FL_OF : 0);
	return EXEC_OK;
}

static bool plain_reg(const struct operand *o, unsigned size)
{
	return o->kind == OP_REG && o->reg < 16 && o->size == size;
}

static bool plain_mem(const struct operand *o, unsigned size)
{
	return o->kind == OP_MEM && o->size == size;
}

struct fast_alu {
	uint16_t mnemonic;
	insn_fn rr8, ri8, rm8, rr4, ri4, rm4;
};

#define FA(m, k)                                                                                   \
	{                                                                                          \
		ZYDIS_MNEMONIC_##m, exec_fast_##k##_rr8, exec_fast_##k##_ri8, exec_fast_##k##_rm8, \
		    exec_fast_##k##_rr4, exec_fast_##k##_ri4, exec_fast_##k##_rm4                  \
	}

static const struct fast_alu fast_alu[] = {
	FA(ADD, add), FA(SUB, sub), FA(AND, and), FA(OR, or),
	FA(XOR, xor), FA(CMP, cmp), FA(TEST, test),
};

bool mnemonic_is_jcc(unsigned mnemonic)
{
	switch (mnemonic) {
	case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JL:
	case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE:
	case ZYDIS_MNEMONIC_JNL: case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO:
	case ZYDIS_MNEMONIC_JNP: case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ:
	case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP: case ZYDIS_MNEMONIC_JS:
	case ZYDIS_MNEMONIC_JZ:
		return true;
	default:
		return false;
	}
}

/* Two-operand and three-operand forms. */
static insn_fn specialize_binary(const struct insn *in)
{
	const struct operand *a = &in->op[0], *b = &in->op[1];
	unsigned i, sz;

	if (in->prefix & PFX_LOCK)
		return NULL;
	if (mnemonic_is_jcc(in->mnemonic))
		return in->nops == 1 && a->kind == OP_IMM ? exec_fast_jcc : NULL;
	if (in->mnemonic == ZYDIS_MNEMONIC_IMUL && in->nops == 3 && plain_reg(a, a->size) &&
	    (a->size == 8 || a->size == 4) && (plain_reg(b, a->size) || plain_mem(b, a->size)) &&
	    in->op[2].kind == OP_IMM)
		return a->size == 8 ? exec_fast_imul8 : exec_fast_imul4;
	if (in->nops != 2)
		return NULL;
	sz = a->size;
	if (sz != 8 && sz != 4)
		return NULL;
	if (in->mnemonic == ZYDIS_MNEMONIC_MOV) {
		if (plain_reg(a, sz) && plain_reg(b, sz))
			return sz == 8 ? exec_fast_mov_rr8 : exec_fast_mov_rr4;
		if (plain_reg(a, sz) && b->kind == OP_IMM)
			return sz == 8 ? exec_fast_mov_ri8 : exec_fast_mov_ri4;
		if (plain_reg(a, sz) && plain_mem(b, sz))
			return sz == 8 ? exec_fast_mov_rm8 : exec_fast_mov_rm4;
		if (plain_mem(a, sz) && plain_reg(b, sz))
			return sz == 8 ? exec_fast_mov_mr8 : exec_fast_mov_mr4;
		if (plain_mem(a, sz) && b->kind == OP_IMM)
			return sz == 8 ? exec_fast_mov_mi8 : exec_fast_mov_mi4;
		return NULL;
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_LEA && plain_reg(a, sz) && b->kind == OP_MEM)
		return sz == 8 ? exec_fast_lea8 : exec_fast_lea4;
	if (plain_reg(a, sz) && (b->kind == OP_IMM || (b->kind == OP_REG && b->reg == R_RCX))) {
		switch (in->mnemonic) {
		case ZYDIS_MNEMONIC_SHL:
			return sz == 8 ? exec_fast_shl8 : exec_fast_shl4;
		case ZYDIS_MNEMONIC_SHR:
			return sz == 8 ? exec_fast_shr8 : exec_fast_shr4;
		case ZYDIS_MNEMONIC_SAR:
			return sz == 8 ? exec_fast_sar8 : exec_fast_sar4;
		default:
			break;
		}
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_IMUL && plain_reg(a, sz) &&
	    (plain_reg(b, sz) || plain_mem(b, sz)))
		return sz == 8 ? exec_fast_imul8 : exec_fast_imul4;
	for (i = 0; i < sizeof(fast_alu) / sizeof(fast_alu[0]); i++) {
		const struct fast_alu *f = &fast_alu[i];

		if (f->mnemonic != in->mnemonic)
			continue;
		if (!plain_reg(a, sz))
			return NULL;
		if (plain_reg(b, sz))
			return sz == 8 ? f->rr8 : f->rr4;
		if (b->kind == OP_IMM)
			return sz == 8 ? f->ri8 : f->ri4;
		if (plain_mem(b, sz))
			return sz == 8 ? f->rm8 : f->rm4;
		return NULL;
	}
	return NULL;
}

/* One-operand forms: inc/dec. */
static insn_fn specialize_unary(const struct insn *in)
{
	const struct operand *a = &in->op[0];

	if ((in->prefix & PFX_LOCK) || in->nops != 1 || !plain_reg(a, a->size))
		return NULL;
	if (a->size != 8 && a->size != 4)
		return NULL;
	if (in->mnemonic == ZYDIS_MNEMONIC_INC)
		return a->size == 8 ? exec_fast_inc8 : exec_fast_inc4;
	if (in->mnemonic == ZYDIS_MNEMONIC_DEC)
		return a->size == 8 ? exec_fast_dec8 : exec_fast_dec4;
	return NULL;
}

insn_fn fast_specialize(const struct insn *in)
{
	insn_fn f = specialize_binary(in);

	return f ? f : specialize_unary(in);
}
