// SPDX-License-Identifier: MIT
/*
 * The x87 environment and state images of FNSTENV/FLDENV and
 * FNSAVE/FRSTOR in their four formats (SDM vol. 1, 8.1.10, figures 8-9
 * to 8-12): 14 bytes with a 16-bit operand size, 28 bytes with a 32-bit
 * one (64-bit mode too), each in a protected-mode and a real-mode
 * (real and virtual-8086) layout; FNSAVE/FRSTOR add ST(0)..ST(7) as 80
 * bytes after it.
 *
 * The tag word is the full one (2 bits per physical register, computed
 * from the register's contents, 8.1.7); the image keeps the abridged one.
 * The reserved upper halves of the 32-bit formats are stored as FFFFH,
 * which is what processors store (checked against the host in
 * tests/unit/test_soft_sys_fpu.c). FCS and FDS are 0 (deprecated, fpu.h).
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "arch/x87_tag.h"
#include "vcpu/soft/fpu_ctl.h"

#define FSAVE_REGS 80 /* ST(0)..ST(7), 10 bytes each */

/* The environment's fields, whatever the format. */
struct x87_env {
	uint16_t fcw, fsw, ftw, fop;
	uint32_t fip, fdp;
};

static bool real_format(const struct soft_cpu *cpu)
{
	return !cpu_protected(cpu) || (cpu->rflags & FL_VM);
}

static unsigned env_size(const struct insn *in)
{
	return in->opsize == 2 ? 14 : 28;
}

static void env_store16(const struct x87_env *e, uint8_t *b, bool real)
{
	fpu_st16(b, e->fcw);
	fpu_st16(b + 2, e->fsw);
	fpu_st16(b + 4, e->ftw);
	fpu_st16(b + 6, (uint16_t)e->fip);
	fpu_st16(b + 10, (uint16_t)e->fdp);
	if (real) {
		/* pointer bits 19:16 in bits 15:12, the opcode in 10:0 */
		fpu_st16(b + 8, (uint16_t)((e->fip >> 16 & 0xf) << 12 | e->fop));
		fpu_st16(b + 12, (uint16_t)((e->fdp >> 16 & 0xf) << 12));
	} else {
		fpu_st16(b + 8, 0);  /* FCS */
		fpu_st16(b + 12, 0); /* FDS */
	}
}

static void env_store32(const struct x87_env *e, uint8_t *b, bool real)
{
	fpu_st32(b, 0xffff0000u | e->fcw);
	fpu_st32(b + 4, 0xffff0000u | e->fsw);
	fpu_st32(b + 8, 0xffff0000u | e->ftw);
	if (real) {
		/* pointer bits 31:16 in bits 27:12 of the next dword, the opcode in 10:0 */
		fpu_st32(b + 12, 0xffff0000u | (e->fip & 0xffff));
		fpu_st32(b + 16, (e->fip >> 16) << 12 | e->fop);
		fpu_st32(b + 20, 0xffff0000u | (e->fdp & 0xffff));
		fpu_st32(b + 24, (e->fdp >> 16) << 12);
	} else {
		fpu_st32(b + 12, e->fip);
		fpu_st32(b + 16, (uint32_t)e->fop << 16); /* FCS 0 in bits 15:0 */
		fpu_st32(b + 20, e->fdp);
		fpu_st32(b + 24, 0xffff0000u); /* FDS 0 */
	}
}

static void env_load16(struct x87_env *e, const uint8_t *b, bool real)
{
	e->fcw = fpu_ld16(b);
	e->fsw = fpu_ld16(b + 2);
	e->ftw = fpu_ld16(b + 4);
	e->fip = fpu_ld16(b + 6);
	e->fdp = fpu_ld16(b + 10);
	e->fop = 0;
	if (real) {
		e->fip |= (uint32_t)(fpu_ld16(b + 8) >> 12) << 16;
		e->fop = fpu_ld16(b + 8) & 0x7ff;
		e->fdp |= (uint32_t)(fpu_ld16(b + 12) >> 12) << 16;
	}
}

static void env_load32(struct x87_env *e, const uint8_t *b, bool real)
{
	e->fcw = fpu_ld16(b);
	e->fsw = fpu_ld16(b + 4);
	e->ftw = fpu_ld16(b + 8);
	if (real) {
		e->fip = fpu_ld16(b + 12) | ((fpu_ld32(b + 16) >> 12) & 0xffff) << 16;
		e->fop = fpu_ld32(b + 16) & 0x7ff;
		e->fdp = fpu_ld16(b + 20) | ((fpu_ld32(b + 24) >> 12) & 0xffff) << 16;
	} else {
		e->fip = fpu_ld32(b + 12);
		e->fop = (fpu_ld32(b + 16) >> 16) & 0x7ff;
		e->fdp = fpu_ld32(b + 20);
	}
}

/* Build the environment of the current state at b (env_size bytes). */
static void env_store(const struct soft_cpu *cpu, const struct insn *in, uint8_t *b)
{
	const uint8_t *a = cpu->fpu.area;
	struct x87_env e = {
	    .fcw = fpu_fcw(&cpu->fpu),
	    .fsw = fpu_fsw(&cpu->fpu),
	    .ftw = x87_full_tag_word(cpu->fpu.area),
	    .fop = fpu_ld16(a + FPU_OFF_FOP) & 0x7ff,
	    .fip = fpu_ld32(a + FPU_OFF_FIP),
	    .fdp = fpu_ld32(a + FPU_OFF_FDP),
	};

	if (in->opsize == 2)
		env_store16(&e, b, real_format(cpu));
	else
		env_store32(&e, b, real_format(cpu));
}

/* Commit an environment read from b. */
static void env_load(struct soft_cpu *cpu, const struct insn *in, const uint8_t *b)
{
	uint8_t *a = cpu->fpu.area;
	struct x87_env e;

	if (in->opsize == 2)
		env_load16(&e, b, real_format(cpu));
	else
		env_load32(&e, b, real_format(cpu));
	fpu_retop(&cpu->fpu, (e.fsw >> 11) & 7);
	fpu_st16(a + FPU_OFF_FCW, e.fcw);
	fpu_st16(a + FPU_OFF_FSW, e.fsw);
	a[FPU_OFF_FTW] = x87_abridged_tag_word(e.ftw);
	a[FPU_OFF_FTW + 1] = 0;
	fpu_st16(a + FPU_OFF_FOP, e.fop);
	fpu_st64(a + FPU_OFF_FIP, e.fip);
	fpu_st64(a + FPU_OFF_FDP, e.fdp);
	fpu_settle_es(&cpu->fpu);
	fpu_set_xinuse(&cpu->fpu, fpu_xinuse(&cpu->fpu) | 1);
}

/* FNSTENV stores the environment, then masks every x87 exception. */
int exec_fnstenv(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t b[28];
	uint64_t off;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 1, &seg, &off);
	if (rc)
		return rc;
	env_store(cpu, in, b);
	rc = mem_write(cpu, seg, off, b, env_size(in));
	if (!rc)
		fpu_st16(cpu->fpu.area + FPU_OFF_FCW, fpu_fcw(&cpu->fpu) | 0x3f);
	return rc;
}

int exec_fldenv(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t b[28];
	uint64_t off;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 1, &seg, &off);
	if (!rc)
		rc = mem_read(cpu, seg, off, b, env_size(in));
	if (!rc)
		env_load(cpu, in, b);
	return rc;
}

/* FNSAVE stores the environment and ST(0)..ST(7), then initializes the FPU as FNINIT. */
int exec_fnsave(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t b[28 + FSAVE_REGS];
	unsigned n = env_size(in), i;
	uint64_t off;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 1, &seg, &off);
	if (rc)
		return rc;
	env_store(cpu, in, b);
	for (i = 0; i < 8; i++)
		memcpy(b + n + 10 * i, cpu->fpu.area + FPU_OFF_ST(i), 10);
	rc = mem_write(cpu, seg, off, b, n + FSAVE_REGS);
	if (!rc)
		fpu_finit(&cpu->fpu);
	return rc;
}

int exec_frstor(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t b[28 + FSAVE_REGS];
	unsigned n = env_size(in), i;
	uint64_t off;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 1, &seg, &off);
	if (!rc)
		rc = mem_read(cpu, seg, off, b, n + FSAVE_REGS);
	if (rc)
		return rc;
	env_load(cpu, in, b);
	for (i = 0; i < 8; i++) {
		memcpy(cpu->fpu.area + FPU_OFF_ST(i), b + n + 10 * i, 10);
		memset(cpu->fpu.area + FPU_OFF_ST(i) + 10, 0, 6);
	}
	return EXEC_OK;
}
