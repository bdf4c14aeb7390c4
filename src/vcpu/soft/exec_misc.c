// SPDX-License-Identifier: MIT
/*
 * Data movement and small integer instructions: mov/movzx/movsx/movsxd,
 * lea, cmovcc/setcc, conversions (cbw..cqo), bswap, flag instructions
 * (lahf/sahf/clc/stc/cmc/cld/std), xlat, nops, the BCD adjustments of
 * legacy mode, and moves to and from segment registers.
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

static int h_mov(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	return opw(cpu, in, 0, v);
}

static int h_movzx(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	return opw(cpu, in, 0, v & size_mask(in->op[1].size));
}

static int h_movsx(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	return opw(cpu, in, 0, (uint64_t)sign_extend(v, in->op[1].size));
}

static int h_lea(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t off;

	if (in->op[1].kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	op_addr(cpu, in, 1, &off);
	reg_set(cpu, in->op[0].reg, in->op[0].size, off);
	return EXEC_OK;
}

static int h_cmov(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v); /* the source is read (and may fault) either way */

	if (rc)
		return rc;
	if (cpu_cond(cpu, in->cc))
		reg_set(cpu, in->op[0].reg, in->op[0].size, v);
	else if (in->op[0].size == 4) /* a 32-bit cmov zero-extends even when false */
		reg_set(cpu, in->op[0].reg, 4, cpu->gpr[in->op[0].reg]);
	return EXEC_OK;
}

static int h_setcc(struct soft_cpu *cpu, const struct insn *in)
{
	return opw(cpu, in, 0, cpu_cond(cpu, in->cc));
}

/* cbw/cwde/cdqe: sign-extend the low half of the accumulator into it */
static int h_cbw(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->opsize;

	reg_set(cpu, R_RAX, size, (uint64_t)sign_extend(cpu->gpr[R_RAX], size / 2));
	return EXEC_OK;
}

/* cwd/cdq/cqo: the accumulator's sign into rDX */
static int h_cwd(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->opsize;
	bool neg = cpu->gpr[R_RAX] & sign_bit(size);

	reg_set(cpu, R_RDX, size, neg ? ~0ULL : 0);
	return EXEC_OK;
}

static int h_bswap(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned r = in->op[0].reg, size = in->op[0].size;
	uint64_t v = cpu->gpr[r];

	if (size == 8)
		v = __builtin_bswap64(v);
	else if (size == 4)
		v = __builtin_bswap32((uint32_t)v);
	else
		v = 0; /* 16-bit bswap is undefined; hardware clears the register */
	reg_set(cpu, r, size, v);
	return EXEC_OK;
}

static int h_nop(struct soft_cpu *cpu, const struct insn *in)
{
	return EXEC_OK;
}

static int h_lahf(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t f = (cpu_get_rflags(cpu) & 0xd7) | 2;

	reg_set(cpu, R_AH, 1, f);
	return EXEC_OK;
}

static int h_sahf(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t ah = (cpu->gpr[R_RAX] >> 8) & 0xff;

	lf_update(cpu, FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF, ah);
	return EXEC_OK;
}

static int h_clc(struct soft_cpu *cpu, const struct insn *in)
{
	lf_update(cpu, FL_CF, 0);
	return EXEC_OK;
}

static int h_stc(struct soft_cpu *cpu, const struct insn *in)
{
	lf_update(cpu, FL_CF, FL_CF);
	return EXEC_OK;
}

static int h_cmc(struct soft_cpu *cpu, const struct insn *in)
{
	lf_update(cpu, FL_CF, lf_cf(cpu) ? 0 : FL_CF);
	return EXEC_OK;
}

static int h_cld(struct soft_cpu *cpu, const struct insn *in)
{
	cpu->rflags &= ~FL_DF;
	return EXEC_OK;
}

static int h_std(struct soft_cpu *cpu, const struct insn *in)
{
	cpu->rflags |= FL_DF;
	return EXEC_OK;
}

/* xlat: AL = [seg:rBX + AL], rBX at address size; aux holds the segment */
static int h_xlat(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t off = (cpu->gpr[R_RBX] + (cpu->gpr[R_RAX] & 0xff)) & size_mask(in->addrsize);
	uint8_t v;
	int rc = mem_read(cpu, in->aux, off, &v, 1);

	if (rc)
		return rc;
	reg_set(cpu, R_RAX, 1, v);
	return EXEC_OK;
}

/* ---- segment registers (the descriptor load itself is seg_load's) ---- */
int exec_mov_sreg(struct soft_cpu *cpu, const struct insn *in);
int exec_pop_sreg(struct soft_cpu *cpu, const struct insn *in);

int exec_mov_sreg(struct soft_cpu *cpu, const struct insn *in)
{
	const struct operand *d = &in->op[0];
	uint64_t v;
	int rc;

	if (d->kind == OP_REG && d->reg >= R_ES && d->reg <= R_GS) {
		if (d->reg == R_CS)
			return cpu_fault_noerr(cpu, X_UD);
		rc = opr(cpu, in, 1, &v);
		if (rc)
			return rc;
		rc = seg_load(cpu, d->reg - R_ES, (uint16_t)v);
		if (rc)
			return rc;
		if (d->reg == R_SS)
			cpu->int_shadow = true;
		return EXEC_OK;
	}
	v = cpu->seg[in->op[1].reg - R_ES].sel;
	if (d->kind == OP_MEM) {
		uint64_t off;
		uint16_t sel = v;

		op_addr(cpu, in, 0, &off);
		return mem_write(cpu, d->seg, off, &sel, 2); /* always a 16-bit store */
	}
	reg_set(cpu, d->reg, d->size, v); /* zero-extended into 32/64-bit registers */
	return EXEC_OK;
}

int exec_pop_sreg(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_size(cpu), size = in->opsize;
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(ss), v = 0;
	int s = in->op[0].reg - R_ES, rc;

	rc = mem_read(cpu, SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	rc = seg_load(cpu, s, (uint16_t)v);
	if (rc)
		return rc;
	reg_set(cpu, R_RSP, ss, sp + size);
	if (s == SEG_SS)
		cpu->int_shadow = true;
	return EXEC_OK;
}

/* lds/les/lfs/lgs/lss reg, m16:16/32/64: offset first, then the selector */
static int h_load_far_ptr(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t off, v = 0;
	uint16_t sel = 0;
	int seg, rc;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_LDS:
		seg = SEG_DS;
		break;
	case ZYDIS_MNEMONIC_LES:
		seg = SEG_ES;
		break;
	case ZYDIS_MNEMONIC_LFS:
		seg = SEG_FS;
		break;
	case ZYDIS_MNEMONIC_LGS:
		seg = SEG_GS;
		break;
	default:
		seg = SEG_SS;
	}
	if (in->op[1].kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	op_addr(cpu, in, 1, &off);
	rc = mem_read(cpu, in->op[1].seg, off, &v, size);
	if (rc)
		return rc;
	rc = mem_read(cpu, in->op[1].seg, (off + size) & size_mask(in->addrsize), &sel, 2);
	if (rc)
		return rc;
	rc = seg_load(cpu, seg, sel);
	if (rc)
		return rc;
	reg_set(cpu, in->op[0].reg, size, v);
	return EXEC_OK;
}

/* ---- BCD adjustments (invalid in 64-bit mode) ---- */
static int h_bcd(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t al = cpu->gpr[R_RAX] & 0xff, ax = cpu->gpr[R_RAX] & 0xffff;
	bool cf = lf_cf(cpu), af = lf_arith(cpu) & FL_AF, ncf = false, naf = false;
	unsigned base;

	if (cpu->code_bits == 64)
		return cpu_fault_noerr(cpu, X_UD);
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_DAA:
		if ((al & 0xf) > 9 || af) {
			ncf = cf || al > 0xf9;
			al += 6;
			naf = true;
		}
		if ((ax & 0xff) > 0x99 || cf) {
			al += 0x60;
			ncf = true;
		}
		reg_set(cpu, R_RAX, 1, al);
		lf_result(cpu, 1, al, (ncf ? FL_CF : 0) | (naf ? FL_AF : 0));
		return EXEC_OK;
	case ZYDIS_MNEMONIC_DAS:
		if ((al & 0xf) > 9 || af) {
			ncf = cf || al < 6;
			al -= 6;
			naf = true;
		}
		if ((ax & 0xff) > 0x99 || cf) {
			al -= 0x60;
			ncf = true;
		}
		reg_set(cpu, R_RAX, 1, al);
		lf_result(cpu, 1, al, (ncf ? FL_CF : 0) | (naf ? FL_AF : 0));
		return EXEC_OK;
	case ZYDIS_MNEMONIC_AAA:
	case ZYDIS_MNEMONIC_AAS:
		if ((al & 0xf) > 9 || af) {
			if (in->mnemonic == ZYDIS_MNEMONIC_AAA)
				ax += 0x106;
			else
			{
				ax = (ax - 6) & 0xffff; /* SDM: AX -= 6, then AH -= 1 */
				ax = (ax & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
			}
			naf = ncf = true;
		}
		ax = (ax & 0xff0f);
		reg_set(cpu, R_RAX, 2, ax);
		lf_result(cpu, 1, ax & 0xff, (ncf ? FL_CF : 0) | (naf ? FL_AF : 0));
		return EXEC_OK;
	case ZYDIS_MNEMONIC_AAM:
		base = (unsigned)in->op[0].disp & 0xff;
		if (!base)
			return cpu_fault_noerr(cpu, X_DE);
		ax = ((al / base) << 8) | (al % base);
		reg_set(cpu, R_RAX, 2, ax);
		lf_result(cpu, 1, ax & 0xff, 0);
		return EXEC_OK;
	default: /* AAD */
		base = (unsigned)in->op[0].disp & 0xff;
		al = (al + ((ax >> 8) & 0xff) * base) & 0xff;
		reg_set(cpu, R_RAX, 2, al);
		lf_result(cpu, 1, al, 0);
		return EXEC_OK;
	}
}

void exec_misc_register(insn_fn *t)
{
	t[ZYDIS_MNEMONIC_MOV] = h_mov;
	t[ZYDIS_MNEMONIC_MOVZX] = h_movzx;
	t[ZYDIS_MNEMONIC_MOVSX] = h_movsx;
	t[ZYDIS_MNEMONIC_MOVSXD] = h_movsx;
	t[ZYDIS_MNEMONIC_LEA] = h_lea;
	t[ZYDIS_MNEMONIC_CMOVB] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVBE] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVL] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVLE] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNB] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNBE] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNL] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNLE] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNO] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNP] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNS] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVNZ] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVO] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVP] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVS] = h_cmov;
	t[ZYDIS_MNEMONIC_CMOVZ] = h_cmov;
	t[ZYDIS_MNEMONIC_SETB] = h_setcc;
	t[ZYDIS_MNEMONIC_SETBE] = h_setcc;
	t[ZYDIS_MNEMONIC_SETL] = h_setcc;
	t[ZYDIS_MNEMONIC_SETLE] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNB] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNBE] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNL] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNLE] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNO] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNP] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNS] = h_setcc;
	t[ZYDIS_MNEMONIC_SETNZ] = h_setcc;
	t[ZYDIS_MNEMONIC_SETO] = h_setcc;
	t[ZYDIS_MNEMONIC_SETP] = h_setcc;
	t[ZYDIS_MNEMONIC_SETS] = h_setcc;
	t[ZYDIS_MNEMONIC_SETZ] = h_setcc;
	t[ZYDIS_MNEMONIC_CBW] = h_cbw;
	t[ZYDIS_MNEMONIC_CWDE] = h_cbw;
	t[ZYDIS_MNEMONIC_CDQE] = h_cbw;
	t[ZYDIS_MNEMONIC_CWD] = h_cwd;
	t[ZYDIS_MNEMONIC_CDQ] = h_cwd;
	t[ZYDIS_MNEMONIC_CQO] = h_cwd;
	t[ZYDIS_MNEMONIC_BSWAP] = h_bswap;
	t[ZYDIS_MNEMONIC_NOP] = h_nop;
	t[ZYDIS_MNEMONIC_ENDBR32] = h_nop;
	t[ZYDIS_MNEMONIC_ENDBR64] = h_nop;
	t[ZYDIS_MNEMONIC_PREFETCHT0] = h_nop;
	t[ZYDIS_MNEMONIC_PREFETCHT1] = h_nop;
	t[ZYDIS_MNEMONIC_PREFETCHT2] = h_nop;
	t[ZYDIS_MNEMONIC_PREFETCHNTA] = h_nop;
	t[ZYDIS_MNEMONIC_PREFETCHW] = h_nop;
	t[ZYDIS_MNEMONIC_LAHF] = h_lahf;
	t[ZYDIS_MNEMONIC_SAHF] = h_sahf;
	t[ZYDIS_MNEMONIC_CLC] = h_clc;
	t[ZYDIS_MNEMONIC_STC] = h_stc;
	t[ZYDIS_MNEMONIC_CMC] = h_cmc;
	t[ZYDIS_MNEMONIC_CLD] = h_cld;
	t[ZYDIS_MNEMONIC_STD] = h_std;
	t[ZYDIS_MNEMONIC_XLAT] = h_xlat;
	t[ZYDIS_MNEMONIC_LDS] = h_load_far_ptr;
	t[ZYDIS_MNEMONIC_LES] = h_load_far_ptr;
	t[ZYDIS_MNEMONIC_LFS] = h_load_far_ptr;
	t[ZYDIS_MNEMONIC_LGS] = h_load_far_ptr;
	t[ZYDIS_MNEMONIC_LSS] = h_load_far_ptr;
	t[ZYDIS_MNEMONIC_DAA] = h_bcd;
	t[ZYDIS_MNEMONIC_DAS] = h_bcd;
	t[ZYDIS_MNEMONIC_AAA] = h_bcd;
	t[ZYDIS_MNEMONIC_AAS] = h_bcd;
	t[ZYDIS_MNEMONIC_AAM] = h_bcd;
	t[ZYDIS_MNEMONIC_AAD] = h_bcd;
}
