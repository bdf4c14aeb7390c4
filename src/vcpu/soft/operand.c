// SPDX-License-Identifier: MIT
/*
 * Operands: registers (high-byte registers, 32-bit writes zero-extend),
 * effective addresses (ModRM/SIB/displacement, RIP-relative, address-size
 * wrap), memory operands through mem_read/mem_write, and the stack.
 */
#include "vcpu/soft/exec.h"

uint64_t reg_read(struct soft_cpu *cpu, unsigned reg, unsigned size)
{
	if (reg >= R_ES && reg <= R_GS)
		return cpu->seg[reg - R_ES].sel;
	if (reg == R_RIP)
		return cpu->next_rip & size_mask(size);
	if (reg > R_BH)
		return 0;
	return reg_get(cpu, reg, size);
}

void reg_write(struct soft_cpu *cpu, unsigned reg, unsigned size, uint64_t v)
{
	if (reg > R_BH)
		return;
	reg_set(cpu, reg, size, v);
}

int op_addr(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *off)
{
	const struct operand *o = &in->op[i];
	uint64_t a = (uint64_t)o->disp;

	if (o->base == R_RIP)
		a += cpu->next_rip;
	else if (o->base < 16)
		a += cpu->gpr[o->base];
	if (o->index < 16)
		a += cpu->gpr[o->index] * o->scale;
	*off = a & size_mask(in->addrsize);
	return EXEC_OK;
}

int op_read_mem(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v)
{
	const struct operand *o = &in->op[i];
	uint64_t off, x = 0;
	int rc;

	if (o->kind != OP_MEM) {
		*v = 0;
		return EXEC_OK;
	}
	op_addr(cpu, in, i, &off);
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
	op_addr(cpu, in, i, &off);
	return mem_write(cpu, o->seg, off, &v, o->size > 8 ? 8 : o->size);
}

int op_read(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v)
{
	const struct operand *o = &in->op[i];

	if (o->kind == OP_REG) {
		*v = reg_read(cpu, o->reg, o->size);
		return EXEC_OK;
	}
	return opr(cpu, in, i, v);
}

int op_write(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t v)
{
	const struct operand *o = &in->op[i];

	if (o->kind == OP_REG) {
		reg_write(cpu, o->reg, o->size, v);
		return EXEC_OK;
	}
	return op_write_mem(cpu, in, i, v);
}

unsigned stack_size(const struct soft_cpu *cpu)
{
	if (cpu->code_bits == 64)
		return 8;
	return cpu->seg[SEG_SS].db ? 4 : 2;
}

int cpu_push(struct soft_cpu *cpu, uint64_t v, unsigned size)
{
	unsigned ss = stack_size(cpu);
	uint64_t sp = (cpu->gpr[R_RSP] - size) & size_mask(ss);
	int rc;

	rc = mem_write(cpu, SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	reg_set(cpu, R_RSP, ss, sp);
	return EXEC_OK;
}

int cpu_pop(struct soft_cpu *cpu, uint64_t *v, unsigned size)
{
	unsigned ss = stack_size(cpu);
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(ss), x = 0;
	int rc;

	rc = mem_read(cpu, SEG_SS, sp, &x, size);
	if (rc)
		return rc;
	reg_set(cpu, R_RSP, ss, sp + size);
	*v = x;
	return EXEC_OK;
}
