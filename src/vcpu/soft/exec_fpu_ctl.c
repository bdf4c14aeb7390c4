// SPDX-License-Identifier: MIT
/*
 * Saving, restoring and controlling the x87/SSE state (issue 10):
 * XGETBV/XSETBV, FXSAVE/FXRSTOR (legacy and 64-bit formats),
 * XSAVE/XSAVEOPT/XRSTOR (standard form), LDMXCSR/STMXCSR, FNINIT, FNCLEX
 * and FWAIT, on the image of fpu.h. The x87 environment formats (FNSTENV,
 * FLDENV, FNSAVE, FRSTOR) are in exec_fpu_env.c.
 *
 * Each handler checks everything (availability, alignment, the header and
 * MXCSR of what it loads) and reads all it needs before it changes any
 * state; a store is one mem_write of a buffer built first, so a fault
 * leaves memory and registers as they were.
 *
 * FCS and FDS are stored as 0 (CPUID.(EAX=7,ECX=0):EBX[13], "FPU CS and
 * FPU DS deprecated", is advertised). FIP, FDP and FOP are always saved,
 * as Intel processors do (AMD's FXSAVE writes them only while FSW.ES is
 * set: tests/unit/test_soft_sys_fpu.c says where the host differs).
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/fpu_ctl.h"

/* ---- shared by the save/restore handlers (fpu_ctl.h) ---- */

int fpu_mem_operand(struct soft_cpu *cpu, const struct insn *in, unsigned align, int *seg,
		    uint64_t *off)
{
	const struct operand *o = &in->op[0];
	uint64_t base;

	if (in->nops < 1 || o->kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	*seg = o->seg <= SEG_GS ? o->seg : SEG_DS;
	*off = op_ea(cpu, in, 0);
	base = cpu->code_bits == 64 && *seg != SEG_FS && *seg != SEG_GS ? 0 : cpu->seg[*seg].base;
	if ((base + *off) & (align - 1))
		return cpu_fault(cpu, X_GP, 0);
	return EXEC_OK;
}

/* XMM registers the current mode has: XMM8-15 only in 64-bit mode. */
static unsigned xmm_count(const struct soft_cpu *cpu)
{
	return cpu->code_bits == 64 ? 16 : 8;
}

/* ---- the legacy region in memory: 64-bit format, or 32-bit with FCS/FDS ---- */

/* The legacy region as FXSAVE and XSAVE store it (bytes 0..415). */
static void legacy_store(const struct fpu_state *f, uint8_t *out, bool fmt64)
{
	const uint8_t *a = f->area;

	memcpy(out, a, FPU_OFF_XMM(16));
	fpu_st32(out + FPU_OFF_MXCSR_MASK, FPU_MXCSR_MASK);
	if (!fmt64) {
		/* FIP[31:0], FCS, reserved; FDP[31:0], FDS, reserved */
		memset(out + FPU_OFF_FIP, 0, 16);
		fpu_st32(out + FPU_OFF_FIP, fpu_ld32(a + FPU_OFF_FIP));
		fpu_st32(out + FPU_OFF_FDP, fpu_ld32(a + FPU_OFF_FDP));
	}
}

/* Load the x87 part (bytes 0..23 and the ST registers) of a legacy region. */
static void x87_load(struct fpu_state *f, const uint8_t *m, bool fmt64)
{
	uint8_t *a = f->area;
	unsigned i;

	memcpy(a, m, FPU_OFF_MXCSR);
	a[FPU_OFF_FTW + 1] = 0;
	fpu_st16(a + FPU_OFF_FOP, fpu_ld16(m + FPU_OFF_FOP) & 0x7ff);
	if (!fmt64) {
		fpu_st64(a + FPU_OFF_FIP, fpu_ld32(m + FPU_OFF_FIP));
		fpu_st64(a + FPU_OFF_FDP, fpu_ld32(m + FPU_OFF_FDP));
	}
	for (i = 0; i < 8; i++) {
		memcpy(a + FPU_OFF_ST(i), m + FPU_OFF_ST(i), 10);
		memset(a + FPU_OFF_ST(i) + 10, 0, 6);
	}
	fpu_settle_es(f);
}

static void xmm_load(struct fpu_state *f, const uint8_t *m, unsigned n)
{
	memcpy(f->area + FPU_OFF_XMM(0), m + FPU_OFF_XMM(0), 16 * n);
}

static bool mxcsr_ok(uint32_t v)
{
	return !(v & ~(uint32_t)FPU_MXCSR_MASK);
}

/* ---- FXSAVE/FXRSTOR (SDM vol. 2A, table 3-53) ---- */

int exec_fxsave(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t buf[FPU_OFF_XMM(16)];
	uint64_t off;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 16, &seg, &off);
	if (rc)
		return rc;
	legacy_store(&cpu->fpu, buf, in->mnemonic == ZYDIS_MNEMONIC_FXSAVE64);
	/* bytes 288..511 (416..511 in 64-bit mode) are not written */
	return mem_write(cpu, seg, off, buf, FPU_OFF_XMM(xmm_count(cpu)));
}

int exec_fxrstor(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t m[FPU_OFF_XMM(16)];
	unsigned n = xmm_count(cpu);
	uint64_t off;
	uint32_t mx;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 16, &seg, &off);
	if (!rc)
		rc = mem_read(cpu, seg, off, m, FPU_OFF_XMM(n));
	if (rc)
		return rc;
	mx = fpu_ld32(m + FPU_OFF_MXCSR);
	if (!mxcsr_ok(mx))
		return cpu_fault(cpu, X_GP, 0);
	x87_load(&cpu->fpu, m, in->mnemonic == ZYDIS_MNEMONIC_FXRSTOR64);
	fpu_set_mxcsr(&cpu->fpu, mx);
	xmm_load(&cpu->fpu, m, n);
	fpu_set_xinuse(&cpu->fpu, FPU_XCR0_SUPPORTED);
	return EXEC_OK;
}

/* ---- XSAVE/XSAVEOPT/XRSTOR, standard form (SDM vol. 1, 13.7-13.9) ---- */

static int xsave_check(struct soft_cpu *cpu)
{
	if (!(cpu->cr4 & CR4_OSXSAVE))
		return cpu_fault_noerr(cpu, X_UD);
	return (cpu->cr0 & CR0_TS) ? cpu_fault_noerr(cpu, X_NM) : EXEC_OK;
}

/* RFBM: XCR0 AND EDX:EAX. */
static uint64_t rfbm(const struct soft_cpu *cpu)
{
	return cpu->fpu.xcr0 & (cpu->gpr[R_RDX] << 32 | (uint32_t)cpu->gpr[R_RAX]);
}

static bool fmt64_of(unsigned mnemonic)
{
	return mnemonic == ZYDIS_MNEMONIC_XSAVE64 || mnemonic == ZYDIS_MNEMONIC_XSAVEOPT64 ||
	       mnemonic == ZYDIS_MNEMONIC_XRSTOR64;
}

/*
 * XSAVE writes component i if RFBM[i], MXCSR if RFBM[1] or RFBM[2], and
 * XSTATE_BV = (old AND NOT RFBM) OR (XINUSE AND RFBM); nothing else of the
 * header. The area up to XSTATE_BV is read first and written back in one
 * piece, so a fault leaves it untouched (a not-present page is then
 * reported as a read, not a write, #PF).
 *
 * XSAVEOPT runs as XSAVE: its init and modified optimizations only allow
 * skipping writes whose values XRSTOR would not use (13.9).
 */
int exec_xsave(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t m[FPU_OFF_XSTATE_BV + 8], img[FPU_OFF_XMM(16)];
	uint64_t off, rf = rfbm(cpu), bv;
	int seg, rc;

	rc = xsave_check(cpu);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 64, &seg, &off);
	if (!rc)
		rc = mem_read(cpu, seg, off, m, sizeof(m));
	if (rc)
		return rc;
	legacy_store(&cpu->fpu, img, fmt64_of(in->mnemonic));
	if (rf & 1) {
		memcpy(m, img, FPU_OFF_MXCSR);
		memcpy(m + FPU_OFF_ST(0), img + FPU_OFF_ST(0), FPU_OFF_XMM(0) - FPU_OFF_ST(0));
	}
	if (rf & 6)
		memcpy(m + FPU_OFF_MXCSR, img + FPU_OFF_MXCSR, 8);
	if (rf & 2)
		memcpy(m + FPU_OFF_XMM(0), img + FPU_OFF_XMM(0), 16 * xmm_count(cpu));
	bv = fpu_ld64(m + FPU_OFF_XSTATE_BV);
	fpu_st64(m + FPU_OFF_XSTATE_BV, (bv & ~rf) | (fpu_xinuse(&cpu->fpu) & rf));
	return mem_write(cpu, seg, off, m, sizeof(m));
}

/* #GP(0) for a standard-form header XRSTOR refuses: XSTATE_BV beyond XCR0, bytes 23:8 not 0. */
static bool xrstor_header_ok(const struct soft_cpu *cpu, const uint8_t *m)
{
	unsigned i;

	if (fpu_ld64(m + FPU_OFF_XSTATE_BV) & ~cpu->fpu.xcr0)
		return false;
	for (i = FPU_OFF_XSTATE_BV + 8; i < FPU_OFF_XSTATE_BV + 24; i++)
		if (m[i])
			return false;
	return true;
}

/*
 * Component i in RFBM is loaded if XSTATE_BV[i], else put in its init
 * state; MXCSR is loaded whenever RFBM[1] or RFBM[2] (13.8.1).
 */
int exec_xrstor(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t m[FPU_XSAVE_SIZE];
	struct fpu_state *f = &cpu->fpu;
	uint64_t off, rf = rfbm(cpu), bv;
	uint32_t mx;
	int seg, rc;

	rc = xsave_check(cpu);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 64, &seg, &off);
	if (!rc)
		rc = mem_read(cpu, seg, off, m, sizeof(m));
	if (rc)
		return rc;
	bv = fpu_ld64(m + FPU_OFF_XSTATE_BV);
	mx = fpu_ld32(m + FPU_OFF_MXCSR);
	if (!xrstor_header_ok(cpu, m) || ((rf & 6) && !mxcsr_ok(mx)))
		return cpu_fault(cpu, X_GP, 0);
	if (rf & 1) {
		if (bv & 1)
			x87_load(f, m, fmt64_of(in->mnemonic));
		else
			fpu_init_component(f, 0);
	}
	if (rf & 2) {
		if (bv & 2)
			xmm_load(f, m, xmm_count(cpu));
		else
			fpu_init_component(f, 1);
	}
	if (rf & 6)
		fpu_set_mxcsr(f, mx);
	fpu_set_xinuse(f, (fpu_xinuse(f) & ~rf) | (bv & rf));
	return EXEC_OK;
}

/* ---- XGETBV/XSETBV ---- */

int exec_xgetbv(struct soft_cpu *cpu, const struct insn *in)
{
	if (!(cpu->cr4 & CR4_OSXSAVE))
		return cpu_fault_noerr(cpu, X_UD);
	/* ECX = 1 (XINUSE) only with CPUID.(EAX=0DH,ECX=1):EAX[2], not offered */
	if ((uint32_t)cpu->gpr[R_RCX] != 0)
		return cpu_fault(cpu, X_GP, 0);
	cpu->gpr[R_RAX] = (uint32_t)cpu->fpu.xcr0;
	cpu->gpr[R_RDX] = cpu->fpu.xcr0 >> 32;
	return EXEC_OK;
}

int exec_xsetbv(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v = cpu->gpr[R_RDX] << 32 | (uint32_t)cpu->gpr[R_RAX];

	if (!(cpu->cr4 & CR4_OSXSAVE))
		return cpu_fault_noerr(cpu, X_UD);
	if (cpu->cpl || (uint32_t)cpu->gpr[R_RCX] != 0 ||
	    fpu_set_xcr0(&cpu->fpu, v, cpuid_guest_xcr0(cpu)))
		return cpu_fault(cpu, X_GP, 0);
	return EXEC_OK;
}

/* ---- LDMXCSR/STMXCSR ---- */

int exec_ldmxcsr(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t m[4];
	uint64_t off;
	uint32_t v;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_SSE);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 1, &seg, &off);
	if (!rc)
		rc = mem_read(cpu, seg, off, m, 4);
	if (rc)
		return rc;
	v = fpu_ld32(m);
	if (!mxcsr_ok(v))
		return cpu_fault(cpu, X_GP, 0);
	fpu_set_mxcsr(&cpu->fpu, v);
	/* MXCSR leaving its init value takes SSE out of its init state (as the host does) */
	if (v != FPU_MXCSR_RESET)
		fpu_set_xinuse(&cpu->fpu, fpu_xinuse(&cpu->fpu) | 2);
	return EXEC_OK;
}

int exec_stmxcsr(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t m[4];
	uint64_t off;
	int seg, rc;

	rc = fpu_check(cpu, FPU_UNIT_SSE);
	if (!rc)
		rc = fpu_mem_operand(cpu, in, 1, &seg, &off);
	if (rc)
		return rc;
	fpu_st32(m, fpu_mxcsr(&cpu->fpu));
	return mem_write(cpu, seg, off, m, 4);
}

/* ---- FNINIT, FNCLEX, FWAIT ---- */

int exec_fninit(struct soft_cpu *cpu, const struct insn *in)
{
	int rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);

	if (!rc)
		fpu_finit(&cpu->fpu);
	return rc;
}

int exec_fnclex(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t *a = cpu->fpu.area;
	int rc = fpu_check(cpu, FPU_UNIT_X87_NOWAIT);

	if (rc)
		return rc;
	/* exception flags, SF, ES and B; C0-C3 and TOP stay */
	fpu_st16(a + FPU_OFF_FSW, fpu_ld16(a + FPU_OFF_FSW) & 0x7f00);
	fpu_set_xinuse(&cpu->fpu, fpu_xinuse(&cpu->fpu) | 1);
	return EXEC_OK;
}

/* #NM with CR0.MP and CR0.TS, #MF for a pending unmasked exception, else nothing. */
int exec_fwait(struct soft_cpu *cpu, const struct insn *in)
{
	return fpu_check(cpu, FPU_UNIT_X87_WAIT);
}
