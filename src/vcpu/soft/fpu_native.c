// SPDX-License-Identifier: MIT
/*
 * exec_fpu_native: one x87/MMX/SSE..SSE4.2 (or CRC32/MOVBE/MOVNTI)
 * instruction on the host CPU, under the rules of cpu.h:
 *
 *   1. the availability checks of its unit (fpu_check: #UD, #NM, #MF);
 *   2. its memory operand: alignment (#GP(0) for the aligned legacy SSE
 *      forms), then read through the MMU into the host buffer, so a #PF
 *      comes before anything changes;
 *   3. the run, with the guest's GPRs, arithmetic flags and x87/SSE image
 *      loaded; SSE runs with every MXCSR exception masked and its flags
 *      cleared, so the host never traps and the flags it raises are
 *      exactly this instruction's;
 *   4. SIMD exceptions: a raised flag the guest leaves unmasked commits
 *      nothing but MXCSR's flags, then #XM (or #UD without OSXMMEXCPT).
 *      x87 exceptions are deferred by the architecture (FSW.ES, #MF on
 *      the next waiting instruction), so the guest's FCW is used as is;
 *      a store whose unmasked exception suppressed it is not written;
 *   5. the memory write, then the commit of the image, GPRs and flags.
 *
 * FIP/FDP/FOP never come from the host (they would name the stub, and an
 * AMD host's FXSAVE omits them): a non-control x87 instruction sets FIP to
 * the guest RIP, FOP to its opcode and, with a memory operand, FDP to its
 * offset (SDM vol. 1 8.1.8-8.1.9); FCS/FDS are not tracked (the FXSAVE64
 * image has no room for them, as on CPUs that deprecate them).
 */
#include <stdio.h>
#include <string.h>

#include "vcpu/soft/exec.h"
#include "vcpu/soft/fpu_native.h"

#define MXCSR_FLAGS 0x3fu
#define MXCSR_PRE 0x7u /* invalid, denormal, divide-by-zero: before the computation */
#define MXCSR_OE 0x8u
#define MXCSR_UE 0x10u
#define MXCSR_UM 0x800u /* underflow mask: unmasked, an exact tiny result raises UE */
#define MXCSR_MASKS 0x1f80u
#define MXCSR_MM (1u << 17)	 /* AMD misaligned-SSE mode: never enabled for the guest */
#define FSW_STORE_SUPPRESS 0x1fu /* IE DE ZE OE UE: an unmasked one leaves memory unwritten */
#define FSW_ES_B 0x8080u	 /* error summary and busy */
#define FPU_LEGACY_ARCH 416	 /* control words, ST/MM and XMM registers */

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The len bytes of the instruction at RIP (it was just decoded from them). */
static int insn_bytes(struct soft_cpu *cpu, unsigned len, uint8_t *b)
{
	uint64_t wrap = lin_wrap_mask(cpu->code_bits);
	uint64_t lin = (cpu->seg[SEG_CS].base + cpu->rip) & wrap, gpa;
	const uint8_t *h;
	unsigned avail, n;
	int rc;

	rc = mem_fetch_translate(cpu, lin, &gpa, &h, &avail);
	if (rc)
		return rc;
	n = avail < len ? avail : len;
	memcpy(b, h, n);
	if (n == len)
		return EXEC_OK;
	rc = mem_fetch_translate(cpu, (lin + n) & wrap, &gpa, &h, &avail);
	if (rc)
		return rc;
	memcpy(b + n, h, len - n);
	return EXEC_OK;
}

static int unit_check(struct soft_cpu *cpu, unsigned unit)
{
	int rc = EXEC_OK;

	switch (unit) {
	case FNU_X87:
		rc = fpu_check(cpu, FPU_UNIT_X87);
		break;
	case FNU_X87_NOWAIT:
		return fpu_check(cpu, FPU_UNIT_X87_NOWAIT); /* FNSTSW/FNSTCW: never #MF */
	case FNU_MMX:
		rc = fpu_check(cpu, FPU_UNIT_MMX);
		break;
	case FNU_SSE:
		return fpu_check(cpu, FPU_UNIT_SSE);
	case FNU_SSE_MMX:
		rc = fpu_check(cpu, FPU_UNIT_SSE);
		if (!rc)
			rc = fpu_check(cpu, FPU_UNIT_MMX);
		break;
	default:
		return EXEC_OK;
	}
	/*
	 * A waiting x87 or MMX instruction with an unmasked exception pending
	 * would trap on the host: it must have been #MF here (fpu_check), and
	 * this keeps the host safe whatever the check decided.
	 */
	if (!rc && fpu_x87_pending(&cpu->fpu))
		rc = cpu_fault_noerr(cpu, X_MF);
	return rc;
}

static uint64_t seg_base_of(const struct soft_cpu *cpu, unsigned seg)
{
	if (seg > SEG_GS || (cpu->code_bits == 64 && seg != SEG_FS && seg != SEG_GS))
		return 0;
	return cpu->seg[seg].base;
}

/*
 * The host's x87 traps on FSW.ES as restored, whatever the masks: load
 * ES and B as the flags and masks say, which is what pending means
 * here (fpu_x87_pending), so a waiting instruction only ever runs
 * with nothing pending.
 */
static uint16_t fsw_loaded(const struct fpu_state *f)
{
	uint16_t fsw = get16(f->area + FPU_OFF_FSW) & ~FSW_ES_B;

	return fpu_x87_pending(f) ? fsw | FSW_ES_B : fsw;
}

/*
 * x87 and MMX instructions neither read nor write XMM0-15 or MXCSR: their
 * image needs only the x87 part in and out (FXRSTOR64 may load stale XMM
 * values into the host's registers: caller-saved, and never committed).
 */
static bool x87_only(unsigned unit)
{
	return unit == FNU_X87 || unit == FNU_X87_NOWAIT || unit == FNU_MMX;
}

/* Load the context block: GPRs (guest RSP in the scratch register), flags, the image. */
static void load_context(struct soft_cpu *cpu, struct fpu_native *fn, const struct fnat_info *fi,
			 uint32_t mxcsr_run)
{
	uint8_t *d = fn->data;
	uint64_t flags = (fi->flags & FNF_FLAGS) ? lf_arith(cpu) : 0;

	memcpy(d + FNAT_D_GPR, cpu->gpr, sizeof(cpu->gpr));
	if (fi->scratch != R_NONE)
		put64(d + FNAT_D_GPR + 8 * fi->scratch, cpu->gpr[R_RSP]);
	if (fi->flags & FNF_MASKMOV)
		put64(d + FNAT_D_GPR + 8 * R_RDI, (uint64_t)(uintptr_t)(d + FNAT_D_BUF));
	put64(d + FNAT_D_FLAGS, flags);
	put32(d + FNAT_D_IMG + FPU_OFF_MXCSR, mxcsr_run);
	if (fi->light) { /* the light trampoline reads XMM0-15 and MXCSR only */
		memcpy(d + FNAT_D_IMG + FPU_OFF_XMM(0), cpu->fpu.area + FPU_OFF_XMM(0), 16 * 16);
		return;
	}
	memcpy(d + FNAT_D_IMG, cpu->fpu.area, FPU_OFF_MXCSR);
	memcpy(d + FNAT_D_IMG + FPU_OFF_MXCSR + 4, cpu->fpu.area + FPU_OFF_MXCSR + 4,
	       x87_only(fi->unit) ? FPU_OFF_XMM(0) - FPU_OFF_MXCSR - 4
				  : FPU_OFF_XMM(16) - FPU_OFF_MXCSR - 4);
	memcpy(d + FNAT_D_IMG + FPU_OFF_FSW, (uint16_t[]){fsw_loaded(&cpu->fpu)}, 2);
}

static bool is_sse(unsigned unit)
{
	return unit == FNU_SSE || unit == FNU_SSE_MMX;
}

/*
 * Whether the run raised an SIMD exception the guest unmasks; if so the
 * flags the SDM sets for it (11.5.2) go into *raised. A pre-computation
 * exception (IE, DE, ZE) stops the instruction before any result, so the
 * masked run's flags are exact for it; so they are for every instruction
 * that cannot overflow or underflow. The arithmetic that can, with OE or
 * UE unmasked, and DPPS/DPPD with anything unmasked, are worked out lane
 * by lane (fpu_native_arith.c).
 */
static bool simd_exception(struct soft_cpu *cpu, const struct fnat_info *fi, uint32_t mx_guest,
			   uint32_t mx_run, const uint8_t *buf, uint32_t *raised)
{
	uint32_t unmasked = ~(mx_guest >> 7) & MXCSR_FLAGS, r = *raised;

	if ((r & unmasked & MXCSR_PRE) && fi->arith != FA_DP) {
		*raised = r & MXCSR_PRE; /* post-computation exceptions are not evaluated */
		return true;
	}
	if (fi->arith == FA_DP || (fi->arith && (unmasked & (MXCSR_OE | MXCSR_UE))))
		return fnat_arith_traps(fi, cpu->fpu.area, buf, mx_run, unmasked, raised);
	return (r & unmasked) != 0;
}

/*
 * An SSE instruction on an MMX register that raises an unmasked SIMD
 * exception has already switched the x87 unit to MMX mode when it traps
 * (TOP 0, every tag valid: SDM vol. 1 9.5.1; measured on the host CPU).
 */
static void mmx_transition(struct soft_cpu *cpu)
{
	fpu_retop(&cpu->fpu, 0);
	cpu->fpu.area[FPU_OFF_FTW] = 0xff;
	fpu_set_xinuse(&cpu->fpu, fpu_xinuse(&cpu->fpu) | 1);
}

/*
 * x87 instructions run with the guest's own FCW: an unmasked exception
 * is deferred by the architecture (the host sets FSW.ES and B and traps
 * only at its next waiting instruction, SDM vol. 1 8.6; the trampoline
 * follows the stub with FXSAVE64 and FNCLEX, which do not wait), so the
 * host produces the unmasked response itself: operands and TOP kept for
 * IE/DE/ZE (8.5.1-3), the re-biased result of OE/UE on a register
 * (8.5.4-5), the flags and C1 of each case. A memory store the host
 * suppressed (an unmasked IE/DE/ZE/OE/UE that this instruction raised:
 * nothing was pending when it started, unit_check) must not be written
 * back from the buffer.
 */
static bool x87_store_suppressed(const struct fpu_native *fn)
{
	const uint8_t *img = fn->data + FNAT_D_IMG;

	return get16(img + FPU_OFF_FSW) & ~get16(img + FPU_OFF_FCW) & FSW_STORE_SUPPRESS;
}

/* x87 and SSE are no longer in their init state (XSAVE's XSTATE_BV). */
static void set_xinuse(uint8_t *a)
{
	uint64_t xbv;

	memcpy(&xbv, a + FPU_OFF_XSTATE_BV, 8);
	xbv |= FPU_XCR0_SUPPORTED;
	put64(a + FPU_OFF_XSTATE_BV, xbv);
}

/*
 * The image after the light trampoline: XMM0-15 and MXCSR from the run;
 * the x87 part as the full path's FX round trip would have left it
 * (fpu_native_light.c; FSW's ES and B as loaded, FOP/FIP/FDP kept).
 */
static void light_commit(struct soft_cpu *cpu, struct fpu_native *fn, uint32_t mx_final)
{
	uint8_t *a = cpu->fpu.area;
	uint16_t fsw = fsw_loaded(&cpu->fpu);

	memcpy(a + FPU_OFF_FSW, &fsw, 2);
	fnat_light_canon((const uint8_t(*)[FNAT_CANON_SIZE])fn->x87_canon, a);
	memcpy(a + FPU_OFF_XMM(0), fn->data + FNAT_D_IMG + FPU_OFF_XMM(0), 16 * 16);
	put32(a + FPU_OFF_MXCSR, mx_final);
	set_xinuse(a);
}

/* The image, GPRs and flags after a successful run (memory is already written). */
static void commit(struct soft_cpu *cpu, struct fpu_native *fn, const struct fnat_info *fi,
		   uint32_t mx_final, uint64_t ea)
{
	uint8_t *a = cpu->fpu.area, *img = fn->data + FNAT_D_IMG, keep[24];
	const uint8_t *g = fn->data + FNAT_D_GPR;
	uint64_t flags;
	unsigned i;

	if (fi->light && fi->unit != FNU_INT) {
		light_commit(cpu, fn, mx_final);
	} else if (fi->unit != FNU_INT) {
		uint32_t mask = get32(a + FPU_OFF_MXCSR_MASK);

		memcpy(keep, a + FPU_OFF_FOP, sizeof(keep)); /* FOP, FIP, FDP */
		memcpy(a, img, x87_only(fi->unit) ? FPU_OFF_XMM(0) : FPU_LEGACY_ARCH);
		memcpy(a + FPU_OFF_FOP, keep, sizeof(keep));
		put32(a + FPU_OFF_MXCSR, mx_final);
		put32(a + FPU_OFF_MXCSR_MASK, mask);
		if ((fi->unit == FNU_X87 || fi->unit == FNU_X87_NOWAIT) &&
		    !(fi->flags & FNF_X87_CONTROL)) {
			memcpy(a + FPU_OFF_FOP, &fi->fop, 2);
			put64(a + FPU_OFF_FIP, cpu->rip);
			if (fi->memsize)
				put64(a + FPU_OFF_FDP, ea);
		}
		set_xinuse(a);
	}
	for (i = 0; i < 16; i++) {
		if (i == R_RSP || i == fi->scratch || (i == R_RDI && (fi->flags & FNF_MASKMOV)))
			continue;
		memcpy(&cpu->gpr[i], g + 8 * i, 8);
	}
	if (fi->scratch != R_NONE)
		memcpy(&cpu->gpr[R_RSP], g + 8 * fi->scratch, 8);
	if (fi->flags & FNF_FLAGS) {
		memcpy(&flags, fn->data + FNAT_D_FLAGS, 8);
		lf_update(cpu, FL_ARITH, flags & FL_ARITH);
	}
}

/* Look up or build the stub of the instruction at RIP; #UD when it cannot run natively. */
static int stub_for(struct soft_cpu *cpu, const struct insn *in, const struct fnat_entry **e,
		    unsigned *slot)
{
	uint8_t b[16];
	int rc;

	if (!cpu->fnat || in->len > 15)
		return cpu_undefined(cpu, in);
	rc = insn_bytes(cpu, in->len, b);
	if (rc)
		return rc;
	*e = fnat_lookup(cpu->fnat, b, in->len, cpu->code_bits, slot);
	return *e ? EXEC_OK : cpu_undefined(cpu, in);
}

int exec_fpu_native(struct soft_cpu *cpu, const struct insn *in)
{
	struct fpu_native *fn = cpu->fnat;
	const struct fnat_entry *e;
	const struct fnat_info *fi;
	uint8_t buf[FNAT_BUF_SIZE];
	uint32_t mx_guest, mx_run, raised = 0, mx_final;
	uint64_t ea = 0;
	unsigned slot, seg = SEG_NONE;
	bool store = false;
	int rc;

	rc = stub_for(cpu, in, &e, &slot);
	if (rc)
		return rc;
	fi = &e->info;
	rc = unit_check(cpu, fi->unit);
	if (rc)
		return rc;
	if (fi->memsize) {
		ea = op_ea(cpu, &fi->ea, 0);
		seg = fi->ea.op[0].seg;
		if ((fi->flags & FNF_ALIGN16) && ((seg_base_of(cpu, seg) + ea) & 15))
			return cpu_fault(cpu, X_GP, 0);
		memset(buf, 0, sizeof(buf));
		if (fi->flags & FNF_MEM_READ) {
			rc = mem_read(cpu, seg, ea, buf, fi->memsize);
			if (rc)
				return rc;
		}
	}
	mx_guest = get32(cpu->fpu.area + FPU_OFF_MXCSR) & ~MXCSR_MM;
	mx_run = ((mx_guest & fn->host_mxcsr_mask) | MXCSR_MASKS) & ~MXCSR_FLAGS & ~MXCSR_MM;
	load_context(cpu, fn, fi, mx_run);
	memcpy(fn->data + FNAT_D_BUF, buf, sizeof(buf));
	fnat_run(fn, slot, fi->light);
	mx_final = mx_guest;
	if (is_sse(fi->unit)) {
		raised = get32(fn->data + FNAT_D_IMG + FPU_OFF_MXCSR) & MXCSR_FLAGS;
		if ((raised || !(mx_guest & MXCSR_UM)) &&
		    simd_exception(cpu, fi, mx_guest, mx_run, buf, &raised)) {
			put32(cpu->fpu.area + FPU_OFF_MXCSR, mx_guest | raised);
			if (fi->unit == FNU_SSE_MMX)
				mmx_transition(cpu);
			return fpu_simd_fault(cpu);
		}
		mx_final |= raised;
	}
	store = fi->flags & FNF_MEM_WRITE;
	if (store && fi->unit == FNU_X87 && x87_store_suppressed(fn))
		store = false;
	if (store) {
		rc = mem_write(cpu, seg, ea, fn->data + FNAT_D_BUF, fi->memsize);
		if (rc)
			return rc;
	}
	commit(cpu, fn, fi, mx_final, ea);
	return EXEC_OK;
}
