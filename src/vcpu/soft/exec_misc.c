// SPDX-License-Identifier: MIT
/*
 * Data movement and small integer instructions: mov/movzx/movsx/movsxd,
 * lea, cmovcc/setcc, conversions (cbw..cqo), bswap, flag instructions
 * (lahf/sahf/clc/stc/cmc/cld/std), xlat, nops, the BCD adjustments of
 * legacy mode, and moves to and from segment registers.
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

int exec_mov(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	return opw(cpu, in, 0, v);
}

int exec_movzx(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	return opw(cpu, in, 0, v & size_mask(in->op[1].size));
}

int exec_movsx(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	return opw(cpu, in, 0, (uint64_t)sign_extend(v, in->op[1].size));
}

int exec_lea(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t off;

	if (in->op[1].kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	off = op_ea(cpu, in, 1);
	reg_set(cpu, in->op[0].reg, in->op[0].size, off);
	return EXEC_OK;
}

int exec_cmov(struct soft_cpu *cpu, const struct insn *in)
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

int exec_setcc(struct soft_cpu *cpu, const struct insn *in)
{
	return opw(cpu, in, 0, cpu_cond(cpu, in->cc));
}

/* cbw/cwde/cdqe: sign-extend the low half of the accumulator into it */
int exec_cbw(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->opsize;

	reg_set(cpu, R_RAX, size, (uint64_t)sign_extend(cpu->gpr[R_RAX], size / 2));
	return EXEC_OK;
}

/* cwd/cdq/cqo: the accumulator's sign into rDX */
int exec_cwd(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->opsize;
	bool neg = cpu->gpr[R_RAX] & sign_bit(size);

	reg_set(cpu, R_RDX, size, neg ? ~0ULL : 0);
	return EXEC_OK;
}

int exec_bswap(struct soft_cpu *cpu, const struct insn *in)
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

int exec_nop(struct soft_cpu *cpu, const struct insn *in)
{
	return EXEC_OK;
}

int exec_lahf(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t f = (cpu_get_rflags(cpu) & 0xd7) | 2;

	reg_set(cpu, R_AH, 1, f);
	return EXEC_OK;
}

int exec_sahf(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t ah = (cpu->gpr[R_RAX] >> 8) & 0xff;

	lf_update(cpu, FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF, ah);
	return EXEC_OK;
}

int exec_clc(struct soft_cpu *cpu, const struct insn *in)
{
	lf_update(cpu, FL_CF, 0);
	return EXEC_OK;
}

int exec_stc(struct soft_cpu *cpu, const struct insn *in)
{
	lf_update(cpu, FL_CF, FL_CF);
	return EXEC_OK;
}

int exec_cmc(struct soft_cpu *cpu, const struct insn *in)
{
	lf_update(cpu, FL_CF, lf_cf(cpu) ? 0 : FL_CF);
	return EXEC_OK;
}

int exec_cld(struct soft_cpu *cpu, const struct insn *in)
{
	cpu->rflags &= ~FL_DF;
	return EXEC_OK;
}

int exec_std(struct soft_cpu *cpu, const struct insn *in)
{
	cpu->rflags |= FL_DF;
	return EXEC_OK;
}

/* xlat: AL = [seg:rBX + AL], rBX at address size; aux holds the segment */
int exec_xlat(struct soft_cpu *cpu, const struct insn *in)
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

		off = op_ea(cpu, in, 0);
		return mem_write(cpu, d->seg, off, &sel, 2); /* always a 16-bit store */
	}
	reg_set(cpu, d->reg, d->size, v); /* zero-extended into 32/64-bit registers */
	return EXEC_OK;
}

int exec_pop_sreg(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize;
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
int exec_load_far_ptr(struct soft_cpu *cpu, const struct insn *in)
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
	off = op_ea(cpu, in, 1);
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
int exec_bcd(struct soft_cpu *cpu, const struct insn *in)
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
