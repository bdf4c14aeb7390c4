// SPDX-License-Identifier: MIT
/*
 * The x87/MMX/SSE state of the soft CPU (fpu.h): reset, the checks every
 * floating-point or vector instruction makes first, and the views KVM's
 * ioctls give of it.
 *
 * The image is an XSAVE standard-format area. Its legacy region always
 * holds the registers' actual values; XSTATE_BV at 512 records XINUSE
 * (SDM vol. 1, 13.6): bit i is 0 only while component i is in its init
 * configuration, so XSAVE can write it as the header and XRSTOR can set
 * it from one.
 *
 * One difference from the kernel (arch/x86/kvm/x86.c), whose KVM_GET_FPU
 * leaves kvm_fpu.mxcsr 0 and whose KVM_SET_FPU ignores it: here both
 * carry MXCSR (a reserved bit in it is not applied), which the
 * differential tests and the register dump rely on. The bytes
 * KVM_GET_XSAVE writes at 464..511 (the kernel puts its own software
 * frame there) are zero here.
 */
#include <errno.h>
#include <string.h>

#include "vcpu/soft/sys.h"

#define FSW_ES_B 0x8080u /* error summary and busy */
#define X87_EXC_FLAGS 0x3fu /* FSW IE DE ZE OE UE PE; FCW masks at the same bits */

uint16_t fpu_fcw(const struct fpu_state *f)
{
	return fpu_ld16(f->area + FPU_OFF_FCW);
}

uint16_t fpu_fsw(const struct fpu_state *f)
{
	return fpu_ld16(f->area + FPU_OFF_FSW);
}

uint32_t fpu_mxcsr(const struct fpu_state *f)
{
	return fpu_ld32(f->area + FPU_OFF_MXCSR);
}

void fpu_set_mxcsr(struct fpu_state *f, uint32_t v)
{
	fpu_st32(f->area + FPU_OFF_MXCSR, v);
}

uint64_t fpu_xinuse(const struct fpu_state *f)
{
	return fpu_ld64(f->area + FPU_OFF_XSTATE_BV);
}

void fpu_set_xinuse(struct fpu_state *f, uint64_t v)
{
	fpu_st64(f->area + FPU_OFF_XSTATE_BV, v & FPU_XCR0_SUPPORTED);
}

bool fpu_x87_pending(const struct fpu_state *f)
{
	return fpu_fsw(f) & ~fpu_fcw(f) & X87_EXC_FLAGS;
}

void fpu_settle_es(struct fpu_state *f)
{
	uint16_t fsw = fpu_fsw(f) & (uint16_t)~FSW_ES_B;

	if (fpu_x87_pending(f))
		fsw |= FSW_ES_B;
	fpu_st16(f->area + FPU_OFF_FSW, fsw);
}

/*
 * Init configuration (SDM vol. 1, 13.6): x87 is FCW 037FH, FSW 0, all
 * registers empty and zero, FOP/FIP/FDP 0; SSE is XMM0-15 zero. MXCSR
 * belongs to SSE but is left alone: the standard-form XRSTOR loads it
 * whatever XSTATE_BV says (13.8.1).
 */
void fpu_init_component(struct fpu_state *f, unsigned bit)
{
	uint8_t *a = f->area;

	if (bit == 0) {
		memset(a, 0, FPU_OFF_MXCSR);
		memset(a + FPU_OFF_ST(0), 0, FPU_OFF_XMM(0) - FPU_OFF_ST(0));
		fpu_st16(a + FPU_OFF_FCW, FPU_FCW_RESET);
	} else if (bit == 1) {
		memset(a + FPU_OFF_XMM(0), 0, 16 * 16);
	}
	fpu_set_xinuse(f, fpu_xinuse(f) & ~(1ULL << bit));
}

void fpu_retop(struct fpu_state *f, unsigned top)
{
	uint8_t *a = f->area, old[8][16];
	unsigned old_top = (fpu_fsw(f) >> 11) & 7, j;

	memcpy(old, a + FPU_OFF_ST(0), sizeof(old));
	for (j = 0; j < 8; j++)
		memcpy(a + FPU_OFF_ST(j), old[(top + j - old_top) & 7], 16);
	fpu_st16(a + FPU_OFF_FSW, (uint16_t)((fpu_fsw(f) & ~0x3800u) | (top & 7) << 11));
}

void fpu_finit(struct fpu_state *f)
{
	uint8_t *a = f->area;

	fpu_retop(f, 0);
	memset(a, 0, FPU_OFF_MXCSR);
	fpu_st16(a + FPU_OFF_FCW, FPU_FCW_RESET);
	fpu_set_xinuse(f, fpu_xinuse(f) | 1);
}

/* What KVM_CREATE_VCPU gives (fpstate_init_fxstate): FCW 037FH, MXCSR 1F80H, all else 0. */
void fpu_reset(struct fpu_state *f)
{
	memset(f->area, 0, sizeof(f->area));
	fpu_st16(f->area + FPU_OFF_FCW, FPU_FCW_RESET);
	fpu_st32(f->area + FPU_OFF_MXCSR, FPU_MXCSR_RESET);
	fpu_st32(f->area + FPU_OFF_MXCSR_MASK, FPU_MXCSR_MASK);
	f->xcr0 = 1;
}

/*
 * SDM vol. 3, table 2-2 (CR0.EM/MP/TS) and 13.1 (CR4.OSFXSR). A pending
 * unmasked x87 exception is raised as #MF by the next waiting x87 or MMX
 * instruction. With CR0.NE=0 a PC would signal it on FERR# through the
 * PIC (IRQ 13); this machine has no such wire, so it is #MF in both cases.
 */
int fpu_check(struct soft_cpu *cpu, enum fpu_unit unit)
{
	uint64_t cr0 = cpu->cr0;

	switch (unit) {
	case FPU_UNIT_SSE:
		if ((cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
			return cpu_fault_noerr(cpu, X_UD);
		return (cr0 & CR0_TS) ? cpu_fault_noerr(cpu, X_NM) : EXEC_OK;
	case FPU_UNIT_MMX:
		if (cr0 & CR0_EM)
			return cpu_fault_noerr(cpu, X_UD);
		if (cr0 & CR0_TS)
			return cpu_fault_noerr(cpu, X_NM);
		break;
	case FPU_UNIT_X87_WAIT:
		if ((cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
			return cpu_fault_noerr(cpu, X_NM);
		break;
	case FPU_UNIT_X87_NOWAIT:
		return (cr0 & (CR0_EM | CR0_TS)) ? cpu_fault_noerr(cpu, X_NM) : EXEC_OK;
	default:
		if (cr0 & (CR0_EM | CR0_TS))
			return cpu_fault_noerr(cpu, X_NM);
		break;
	}
	return fpu_x87_pending(&cpu->fpu) ? cpu_fault_noerr(cpu, X_MF) : EXEC_OK;
}

int fpu_simd_fault(struct soft_cpu *cpu)
{
	return cpu_fault_noerr(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? X_XM : X_UD);
}

/* ---- KVM_GET/SET_FPU: the FXSAVE fields of struct kvm_fpu ---- */

void fpu_get_kvm_fpu(const struct fpu_state *f, struct kvm_fpu *out)
{
	const uint8_t *a = f->area;

	memset(out, 0, sizeof(*out));
	memcpy(out->fpr, a + FPU_OFF_ST(0), sizeof(out->fpr));
	out->fcw = fpu_ld16(a + FPU_OFF_FCW);
	out->fsw = fpu_ld16(a + FPU_OFF_FSW);
	out->ftwx = a[FPU_OFF_FTW];
	out->last_opcode = fpu_ld16(a + FPU_OFF_FOP);
	out->last_ip = fpu_ld64(a + FPU_OFF_FIP);
	out->last_dp = fpu_ld64(a + FPU_OFF_FDP);
	memcpy(out->xmm, a + FPU_OFF_XMM(0), sizeof(out->xmm));
	out->mxcsr = fpu_mxcsr(f);
}

void fpu_set_kvm_fpu(struct fpu_state *f, const struct kvm_fpu *in)
{
	uint8_t *a = f->area;

	memcpy(a + FPU_OFF_ST(0), in->fpr, sizeof(in->fpr));
	fpu_st16(a + FPU_OFF_FCW, in->fcw);
	fpu_st16(a + FPU_OFF_FSW, in->fsw);
	a[FPU_OFF_FTW] = in->ftwx;
	a[FPU_OFF_FTW + 1] = 0;
	fpu_st16(a + FPU_OFF_FOP, in->last_opcode);
	fpu_st64(a + FPU_OFF_FIP, in->last_ip);
	fpu_st64(a + FPU_OFF_FDP, in->last_dp);
	memcpy(a + FPU_OFF_XMM(0), in->xmm, sizeof(in->xmm));
	if (!(in->mxcsr & ~(uint32_t)FPU_MXCSR_MASK))
		fpu_set_mxcsr(f, in->mxcsr);
	/* the values must take effect: neither component is in init state any more */
	fpu_set_xinuse(f, FPU_XCR0_SUPPORTED);
}

/* ---- KVM_GET/SET_XSAVE: the XSAVE standard format in kvm_xsave.region ---- */

void fpu_get_kvm_xsave(const struct fpu_state *f, struct kvm_xsave *out)
{
	uint8_t *r = (uint8_t *)out->region;

	memset(out, 0, sizeof(*out));
	/* legacy region up to the reserved bytes (416..511 are left 0), then XSTATE_BV */
	memcpy(r, f->area, FPU_OFF_XMM(16));
	fpu_st64(r + FPU_OFF_XSTATE_BV, fpu_xinuse(f));
}

/*
 * The kernel's checks (copy_uabi_to_xstate, validate_user_xstate_header):
 * no XSTATE_BV bit it cannot restore, XCOMP_BV and the 48 reserved header
 * bytes zero, no reserved MXCSR bit; then a component absent from
 * XSTATE_BV is in its init state.
 */
int fpu_set_kvm_xsave(struct fpu_state *f, const struct kvm_xsave *in)
{
	const uint8_t *r = (const uint8_t *)in->region;
	uint64_t bv = fpu_ld64(r + FPU_OFF_XSTATE_BV);
	uint32_t mxcsr = fpu_ld32(r + FPU_OFF_MXCSR);
	unsigned i;

	if (bv & ~FPU_XCR0_SUPPORTED)
		return -EINVAL;
	for (i = FPU_OFF_XSTATE_BV + 8; i < FPU_XSAVE_SIZE; i++)
		if (r[i])
			return -EINVAL;
	if ((bv & FPU_XCR0_SUPPORTED) && (mxcsr & ~FPU_MXCSR_MASK))
		return -EINVAL;
	if (bv & 1) {
		memcpy(f->area, r, FPU_OFF_MXCSR);
		memcpy(f->area + FPU_OFF_ST(0), r + FPU_OFF_ST(0), FPU_OFF_XMM(0) - FPU_OFF_ST(0));
	} else {
		fpu_init_component(f, 0);
	}
	if (bv & 2)
		memcpy(f->area + FPU_OFF_XMM(0), r + FPU_OFF_XMM(0), 16 * 16);
	else
		fpu_init_component(f, 1);
	fpu_set_mxcsr(f, (bv & FPU_XCR0_SUPPORTED) ? mxcsr : FPU_MXCSR_RESET);
	fpu_set_xinuse(f, bv);
	return 0;
}

/* ---- XCR0 (SDM vol. 1, 13.3; the kernel's __kvm_set_xcr) ---- */

int fpu_set_xcr0(struct fpu_state *f, uint64_t v, uint64_t allowed)
{
	const uint64_t sse = 2, avx = 4;

	if (!(v & 1) || ((v & avx) && !(v & sse)) || (v & ~(allowed | 1)))
		return -EINVAL;
	f->xcr0 = v;
	return 0;
}

/* ---- the soft CPU's API for the ioctls (soft_cpu.h) ---- */

void soft_cpu_get_fpu(struct soft_cpu *cpu, struct kvm_fpu *fpu)
{
	fpu_get_kvm_fpu(&cpu->fpu, fpu);
}

void soft_cpu_set_fpu(struct soft_cpu *cpu, const struct kvm_fpu *fpu)
{
	fpu_set_kvm_fpu(&cpu->fpu, fpu);
}

void soft_cpu_get_xsave(struct soft_cpu *cpu, struct kvm_xsave *xsave)
{
	fpu_get_kvm_xsave(&cpu->fpu, xsave);
}

int soft_cpu_set_xsave(struct soft_cpu *cpu, const struct kvm_xsave *xsave)
{
	return fpu_set_kvm_xsave(&cpu->fpu, xsave);
}

void soft_cpu_get_xcrs(struct soft_cpu *cpu, struct kvm_xcrs *xcrs)
{
	memset(xcrs, 0, sizeof(*xcrs));
	xcrs->nr_xcrs = 1;
	xcrs->xcrs[0].xcr = 0;
	xcrs->xcrs[0].value = cpu->fpu.xcr0;
}

/* As kvm_vcpu_ioctl_x86_set_xcrs: the first entry naming XCR0 is applied, others ignored. */
int soft_cpu_set_xcrs(struct soft_cpu *cpu, const struct kvm_xcrs *xcrs)
{
	uint32_t i;

	if (xcrs->nr_xcrs > KVM_MAX_XCRS || xcrs->flags)
		return -EINVAL;
	for (i = 0; i < xcrs->nr_xcrs; i++)
		if (xcrs->xcrs[i].xcr == 0)
			return fpu_set_xcr0(&cpu->fpu, xcrs->xcrs[i].value, cpuid_guest_xcr0(cpu));
	return 0;
}
