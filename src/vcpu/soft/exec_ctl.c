// SPDX-License-Identifier: MIT
/*
 * Near control transfers and the stack: jmp/jcc/call/ret (ret imm),
 * loop/loope/loopne/jcxz/jecxz/jrcxz, push/pop in all forms, pusha/popa,
 * enter/leave. A branch only sets cpu->next_rip; the loop commits it.
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

/* Set the branch target: #GP(0) for a non-canonical target in 64-bit mode. */
static inline int branch_to(struct soft_cpu *cpu, uint64_t target, unsigned opsize)
{
	target = ip_mask(target, opsize);
	if (cpu->code_bits == 64 && __builtin_expect(!is_canonical(target), 0))
		return cpu_fault(cpu, X_GP, 0);
	cpu->next_rip = target;
	return EXEC_OK;
}

/* Target of a near branch: relative immediate or register/memory operand. */
static inline int target_of(struct soft_cpu *cpu, const struct insn *in, uint64_t *t)
{
	if (in->op[0].kind == OP_IMM) {
		*t = cpu->next_rip + (uint64_t)in->op[0].disp;
		return EXEC_OK;
	}
	return opr(cpu, in, 0, t);
}

int exec_jmp(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t t;
	int rc = target_of(cpu, in, &t);

	if (rc)
		return rc;
	return branch_to(cpu, t, in->opsize);
}

int exec_jcc(struct soft_cpu *cpu, const struct insn *in)
{
	if (!cpu_cond(cpu, in->cc))
		return EXEC_OK;
	return branch_to(cpu, cpu->next_rip + (uint64_t)in->op[0].disp, in->opsize);
}

int exec_call(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t t;
	int rc = target_of(cpu, in, &t);

	if (rc)
		return rc;
	t = ip_mask(t, in->opsize);
	if (cpu->code_bits == 64 && !is_canonical(t))
		return cpu_fault(cpu, X_GP, 0);
	rc = stack_push(cpu, cpu->next_rip, in->opsize);
	if (rc)
		return rc;
	cpu->next_rip = t;
	return EXEC_OK;
}

int exec_ret(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize;
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(ss), t = 0;
	int rc;

	rc = mem_read(cpu, SEG_SS, sp, &t, size);
	if (rc)
		return rc;
	t = ip_mask(t, size);
	if (cpu->code_bits == 64 && !is_canonical(t))
		return cpu_fault(cpu, X_GP, 0);
	sp += size;
	if (in->nops && in->op[0].kind == OP_IMM)
		sp += (uint64_t)in->op[0].disp & 0xffff;
	reg_set(cpu, R_RSP, ss, sp);
	cpu->next_rip = t;
	return EXEC_OK;
}

/* loop/loope/loopne and jcxz: the counter is rCX at the address size */
int exec_loop(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned as = in->addrsize;
	uint64_t cx = (cpu->gpr[R_RCX] - 1) & size_mask(as);
	bool take = cx != 0;

	if (in->mnemonic == ZYDIS_MNEMONIC_LOOPE)
		take = take && cpu_cond(cpu, 4);
	else if (in->mnemonic == ZYDIS_MNEMONIC_LOOPNE)
		take = take && !cpu_cond(cpu, 4);
	if (take) {
		int rc = branch_to(cpu, cpu->next_rip + (uint64_t)in->op[0].disp, in->opsize);

		if (rc)
			return rc;
	}
	reg_set(cpu, R_RCX, as, cx);
	return EXEC_OK;
}

int exec_jcxz(struct soft_cpu *cpu, const struct insn *in)
{
	if (cpu->gpr[R_RCX] & size_mask(in->addrsize))
		return EXEC_OK;
	return branch_to(cpu, cpu->next_rip + (uint64_t)in->op[0].disp, in->opsize);
}

int exec_push(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = op_read(cpu, in, 0, &v); /* generic: also segment registers */

	if (rc)
		return rc;
	return stack_push(cpu, v & size_mask(in->opsize), in->opsize);
}

int exec_pop(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize;
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(ss), old = cpu->gpr[R_RSP], v = 0;
	int rc;

	rc = mem_read(cpu, SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	/* pop [rsp+x] addresses with the incremented stack pointer */
	reg_set(cpu, R_RSP, ss, sp + size);
	rc = opw(cpu, in, 0, v);
	if (rc)
		cpu->gpr[R_RSP] = old;
	return rc;
}

int exec_pusha(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize, i;
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(ss);
	int rc;

	if (cpu->code_bits == 64)
		return cpu_fault_noerr(cpu, X_UD);
	for (i = 0; i < 8; i++) {
		uint64_t v = i == R_RSP ? sp : cpu->gpr[i];

		rc = mem_write(cpu, SEG_SS, (sp - (i + 1) * size) & size_mask(ss), &v, size);
		if (rc)
			return rc;
	}
	reg_set(cpu, R_RSP, ss, sp - 8 * size);
	return EXEC_OK;
}

int exec_popa(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize, i;
	uint64_t sp = cpu->gpr[R_RSP] & size_mask(ss), v[8] = { 0 };
	int rc;

	if (cpu->code_bits == 64)
		return cpu_fault_noerr(cpu, X_UD);
	for (i = 0; i < 8; i++) {
		rc = mem_read(cpu, SEG_SS, (sp + (7 - i) * size) & size_mask(ss), &v[i], size);
		if (rc)
			return rc;
	}
	for (i = 0; i < 8; i++)
		if (i != R_RSP)
			reg_set(cpu, i, size, v[i]);
	reg_set(cpu, R_RSP, ss, sp + 8 * size);
	return EXEC_OK;
}

int exec_enter(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize, level, i;
	uint64_t sm = size_mask(ss), alloc, sp = cpu->gpr[R_RSP] & sm;
	uint64_t bp = cpu->gpr[R_RBP] & sm, frame, v;
	int rc;

	alloc = (uint64_t)in->op[0].disp & 0xffff;
	level = (unsigned)in->op[1].disp & 31;
	v = cpu->gpr[R_RBP];
	sp = (sp - size) & sm;
	rc = mem_write(cpu, SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	frame = sp;
	if (level) {
		for (i = 1; i < level; i++) {
			bp = (bp - size) & sm;
			v = 0;
			rc = mem_read(cpu, SEG_SS, bp, &v, size);
			if (rc)
				return rc;
			sp = (sp - size) & sm;
			rc = mem_write(cpu, SEG_SS, sp, &v, size);
			if (rc)
				return rc;
		}
		sp = (sp - size) & sm;
		rc = mem_write(cpu, SEG_SS, sp, &frame, size);
		if (rc)
			return rc;
	}
	sp = (sp - alloc) & sm;
	reg_set(cpu, R_RBP, size, frame);
	reg_set(cpu, R_RSP, ss, sp);
	return EXEC_OK;
}

int exec_leave(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned ss = stack_width(cpu), size = in->opsize;
	uint64_t sp = cpu->gpr[R_RBP] & size_mask(ss), v = 0;
	int rc;

	rc = mem_read(cpu, SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	reg_set(cpu, R_RSP, ss, sp + size);
	reg_set(cpu, R_RBP, size, v);
	return EXEC_OK;
}
