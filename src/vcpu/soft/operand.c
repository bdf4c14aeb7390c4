// SPDX-License-Identifier: MIT
/*
 * Operands: registers (high-byte registers, 32-bit writes zero-extend),
 * effective addresses (ModRM/SIB/displacement, RIP-relative, address-size
 * wrap), memory operands through mem_read/mem_write.
 */
#include "vcpu/soft/exec.h"

int op_read_mem(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v)
{
	const struct operand *o = &in->op[i];
	uint64_t off, x = 0;
	int rc;

	if (o->kind != OP_MEM) {
		*v = 0;
		return EXEC_OK;
	}
	off = op_ea(cpu, in, i);
	rc = mem_read(cpu, o->seg, off, &x, o->size > 8 ? 8 : o->size);
	if (rc)
		return rc;
	*v = x;
	return EXEC_OK;
}

int op_write_mem(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t v)
{
	const struct operand *o = &in->op[i];
	uint64_t off;

	if (o->kind != OP_MEM)
		return EXEC_OK;
	off = op_ea(cpu, in, i);
	return mem_write(cpu, o->seg, off, &v, o->size > 8 ? 8 : o->size);
}

/* Registers beyond the GPRs read through operands: segment selectors and RIP. */
int op_read(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v)
{
	const struct operand *o = &in->op[i];

	if (o->kind != OP_REG || o->reg <= R_BH)
		return opr(cpu, in, i, v);
	if (o->reg >= R_ES && o->reg <= R_GS)
		*v = cpu->seg[o->reg - R_ES].sel;
	else if (o->reg == R_RIP)
		*v = cpu->next_rip & size_mask(o->size);
	else
		*v = 0;
	return EXEC_OK;
}

/* Only GPRs are written through operands (system handlers write the others). */
int op_write(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t v)
{
	const struct operand *o = &in->op[i];

	if (o->kind == OP_REG && o->reg > R_BH)
		return EXEC_OK;
	return opw(cpu, in, i, v);
}
