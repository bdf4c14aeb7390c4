// SPDX-License-Identifier: MIT
/*
 * The stack: SS:RSP at the width SS gives (SDM vol. 1 6.2.3), pushes and
 * pops through mem_read/mem_write (so SS's type and limit checks raise
 * #SS there), accesses that do not move RSP for instructions that may
 * still fault, and the SS check of a return to an outer privilege level
 * that far RET and IRET share.
 */
#include "vcpu/soft/sys.h"

int stack_read(struct soft_cpu *cpu, uint64_t off, unsigned size, uint64_t *v)
{
	*v = 0;
	return mem_read(cpu, SEG_SS, (cpu->gpr[R_RSP] + off) & stack_mask(cpu), v, size);
}

int stack_write(struct soft_cpu *cpu, uint64_t depth, unsigned size, uint64_t v)
{
	return mem_write(cpu, SEG_SS, (cpu->gpr[R_RSP] - depth) & stack_mask(cpu), &v, size);
}

int stack_push(struct soft_cpu *cpu, uint64_t v, unsigned size)
{
	unsigned w = stack_width(cpu);
	uint64_t sp = (cpu->gpr[R_RSP] - size) & size_mask(w);
	int rc;

	rc = mem_write(cpu, SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	stack_set_sp(cpu, w, sp);
	return EXEC_OK;
}

int stack_pop(struct soft_cpu *cpu, uint64_t *v, unsigned size)
{
	unsigned w = stack_width(cpu);
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(w), x = 0;
	int rc;

	rc = mem_read(cpu, SEG_SS, sp, &x, size);
	if (rc)
		return rc;
	stack_set_sp(cpu, w, sp + size);
	*v = x;
	return EXEC_OK;
}

int stack_return_ss(struct soft_cpu *cpu, uint16_t ssel, unsigned rpl, const struct seg *cs,
		    struct seg *ss, uint64_t *desc)
{
	int rc;

	if ((ssel & ~3u) == 0) {
		/* null SS only when returning to 64-bit code below ring 3 */
		if (!(cpu_long_mode(cpu) && cs->l && rpl < 3))
			return cpu_fault(cpu, X_GP, 0);
		seg_load_null(ss, ssel);
		ss->dpl = (uint8_t)rpl;
		*desc = 0;
		return EXEC_OK;
	}
	rc = seg_read_desc(cpu, ssel, desc, X_GP);
	if (rc)
		return rc;
	seg_from_desc(ss, ssel, *desc);
	if ((ssel & 3) != rpl || !ss->s ||
	    (ss->type & (SEG_TYPE_CODE | SEG_TYPE_WR)) != SEG_TYPE_WR || ss->dpl != rpl)
		return cpu_fault(cpu, X_GP, ssel & 0xfffc);
	if (!ss->present)
		return cpu_fault(cpu, X_SS, ssel & 0xfffc);
	return EXEC_OK;
}
