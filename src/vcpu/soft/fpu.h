/* SPDX-License-Identifier: MIT */
/*
 * The x87/MMX/SSE state of the software CPU and the checks every
 * floating-point or vector instruction makes before it runs (issue 10).
 *
 * One home for the state: an XSAVE standard-format image, the 512-byte
 * legacy region laid out as FXSAVE64 (FCW at 0, FSW at 2, abridged FTW at
 * 4, FOP at 6, FIP at 8, FDP at 16, MXCSR at 24, MXCSR_MASK at 28, ST/MM
 * registers at 32 + 16*i, XMM registers at 160 + 16*i) followed by the
 * 64-byte XSAVE header (XSTATE_BV at 512). KVM_GET/SET_FPU, KVM_GET/SET_XSAVE,
 * FXSAVE/XSAVE and the native executor (fpu_native.c) all read and write
 * this image, so there is no second copy to keep in step.
 *
 *   fpu_state.c      reset, the KVM ioctl views, the checks below
 *   exec_fpu_ctl.c   XGETBV/XSETBV, FXSAVE/FXRSTOR, XSAVE family,
 *                    FNSAVE/FRSTOR/FNSTENV/FLDENV, FNINIT/FNCLEX, FWAIT, CLTS
 *   fpu_native.c     every other x87/MMX/SSE..SSE4.2 instruction, executed
 *                    on the host CPU with the guest's state loaded around it
 */
#ifndef MINIVMM_SOFT_FPU_H
#define MINIVMM_SOFT_FPU_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Legacy region + XSAVE header: x87 and SSE are the only components (XCR0 = 3). */
#define FPU_LEGACY_SIZE 512
#define FPU_XSAVE_SIZE 576
#define FPU_XCR0_SUPPORTED 3ULL /* x87 | SSE */

/* Offsets in the legacy region (SDM vol. 1, table 10-2, 64-bit format). */
#define FPU_OFF_FCW 0
#define FPU_OFF_FSW 2
#define FPU_OFF_FTW 4 /* abridged: one bit per register, 1 = valid */
#define FPU_OFF_FOP 6
#define FPU_OFF_FIP 8
#define FPU_OFF_FDP 16
#define FPU_OFF_MXCSR 24
#define FPU_OFF_MXCSR_MASK 28
#define FPU_OFF_ST(i) (32 + 16 * (i))
#define FPU_OFF_XMM(i) (160 + 16 * (i))
#define FPU_OFF_XSTATE_BV 512

#define FPU_FCW_RESET 0x037f
#define FPU_MXCSR_RESET 0x1f80
/* MXCSR bits the guest may set (no DAZ on processors without it: the host has it). */
#define FPU_MXCSR_MASK 0xffff

struct fpu_state {
	_Alignas(64) uint8_t area[FPU_XSAVE_SIZE];
	uint64_t xcr0; /* XCR0: bit 0 always set; reset value 1 */
};

struct soft_cpu;

/* Power-on/INIT state (SDM 9.1.1): FCW 0x37F, FTW empty, MXCSR 0x1F80, XCR0 1. */
void fpu_reset(struct fpu_state *f);

/*
 * The image keeps ST(i), relative to TOP, at FPU_OFF_ST(i) (as FXSAVE):
 * set FSW.TOP to top and move the slots so each physical register keeps
 * its contents (FNINIT, FLDENV).
 */
void fpu_retop(struct fpu_state *f, unsigned top);

/* FNINIT: FCW 037FH, FSW 0, all tags empty, FOP/FIP/FDP 0; the ST registers keep their bits. */
void fpu_finit(struct fpu_state *f);

/* Which unit an instruction uses, for the availability checks. */
enum fpu_unit {
	FPU_UNIT_X87,     /* x87 arithmetic/load/store: #NM if CR0.EM or CR0.TS */
	FPU_UNIT_X87_WAIT, /* FWAIT: #NM only if CR0.MP and CR0.TS */
	FPU_UNIT_MMX,     /* MMX: #UD if CR0.EM, #NM if CR0.TS */
	FPU_UNIT_SSE,     /* SSE..SSE4.2: #UD if CR0.EM or !CR4.OSFXSR, #NM if CR0.TS */
	FPU_UNIT_X87_NOWAIT, /* FNINIT, FNSTENV, FNSAVE...: #NM if CR0.EM or CR0.TS, never #MF */
};

/*
 * The checks before any x87/MMX/SSE instruction (SDM vol. 3, table 2-2 and
 * 13.1): EXEC_OK, or EXEC_FAULT with #UD or #NM queued. For x87 units it
 * also raises a pending unmasked x87 exception (FSW.ES) as #MF on a
 * waiting instruction (CR0.NE=1; with NE=0 the FERR# line is not wired
 * and the exception is delivered as #MF too, documented in fpu_state.c).
 */
int fpu_check(struct soft_cpu *cpu, enum fpu_unit unit);

/* An unmasked SIMD floating-point exception: #XM if CR4.OSXMMEXCPT, else #UD. */
int fpu_simd_fault(struct soft_cpu *cpu);

/* Field accessors of the image (little endian, unaligned-safe). */
uint16_t fpu_fcw(const struct fpu_state *f);
uint16_t fpu_fsw(const struct fpu_state *f);
uint32_t fpu_mxcsr(const struct fpu_state *f);
void fpu_set_mxcsr(struct fpu_state *f, uint32_t v);

/* An unmasked x87 exception is pending (FSW exception flags not masked in FCW). */
bool fpu_x87_pending(const struct fpu_state *f);

/*
 * After FLDENV, FRSTOR, FXRSTOR and XRSTOR: FSW.ES and B say whether an
 * unmasked exception is pending under the loaded FCW, whatever the image
 * held (measured on the host CPU, tests/unit/test_fpu_diff.c).
 */
void fpu_settle_es(struct fpu_state *f);

/* XINUSE as the image records it (XSTATE_BV): which components left their init state. */
uint64_t fpu_xinuse(const struct fpu_state *f);
void fpu_set_xinuse(struct fpu_state *f, uint64_t v);

/* Put a component (FPU_XCR0 bit 0: x87, bit 1: SSE) in its init state (SDM vol. 1, 13.6). */
void fpu_init_component(struct fpu_state *f, unsigned bit);

/* KVM_GET/SET_FPU and KVM_GET/SET_XSAVE views of the image (the kernel's layouts). */
void fpu_get_kvm_fpu(const struct fpu_state *f, struct kvm_fpu *out);
void fpu_set_kvm_fpu(struct fpu_state *f, const struct kvm_fpu *in);
void fpu_get_kvm_xsave(const struct fpu_state *f, struct kvm_xsave *out);
int fpu_set_kvm_xsave(struct fpu_state *f, const struct kvm_xsave *in); /* 0 or -EINVAL */

/*
 * XSETBV/KVM_SET_XCRS to XCR0: bit 0 set, AVX only with SSE, nothing
 * outside allowed (what the guest's CPUID leaf 0xD offers). 0 or -EINVAL.
 */
int fpu_set_xcr0(struct fpu_state *f, uint64_t v, uint64_t allowed);

/* Little-endian fields of a guest-visible image, unaligned-safe. */
static inline uint16_t fpu_ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fpu_ld32(const uint8_t *p)
{
	return fpu_ld16(p) | (uint32_t)fpu_ld16(p + 2) << 16;
}

static inline uint64_t fpu_ld64(const uint8_t *p)
{
	return fpu_ld32(p) | (uint64_t)fpu_ld32(p + 4) << 32;
}

static inline void fpu_st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void fpu_st32(uint8_t *p, uint32_t v)
{
	fpu_st16(p, (uint16_t)v);
	fpu_st16(p + 2, (uint16_t)(v >> 16));
}

static inline void fpu_st64(uint8_t *p, uint64_t v)
{
	fpu_st32(p, (uint32_t)v);
	fpu_st32(p + 4, (uint32_t)(v >> 32));
}

#endif
