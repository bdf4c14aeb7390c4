// SPDX-License-Identifier: MIT
/*
 * Model-specific registers the soft CPU implements (RDMSR/WRMSR from the
 * guest, KVM_GET/SET_MSRS from the VMM). Anything else raises #GP in the
 * guest and stops a KVM_GET/SET_MSRS batch, as KVM does.
 *
 * IA32_BIOS_SIGN_ID (0x8b): software reads the microcode revision by
 * writing 0, executing CPUID leaf 1 and reading bits 63:32 (SDM vol. 3
 * "Microcode Update Facilities"). No update is ever loaded here, so the
 * guest's writes are accepted and change nothing; the VMM may set the
 * revision with KVM_SET_MSRS. Both as KVM (MSR_IA32_UCODE_REV).
 *
 * IA32_PLATFORM_ID (0x17): read-only, the processor flag that selects a
 * microcode update (Xen and Linux read it with the revision). KVM reads 0
 * and refuses writes; so does this.
 *
 * Machine check (SDM vol. 3 ch. 16): IA32_MCG_CAP (0x179) reads 0 — no
 * error-reporting banks, no IA32_MCG_CTL — and is read-only; IA32_MCG_STATUS
 * (0x17a) holds what is written; IA32_MCG_CTL (0x17b) raises #GP as its
 * MCG_CAP.MCG_CTL_P bit is clear. As KVM with a vCPU whose MCG_CAP is 0
 * (it answers these MSRs whatever CPUID says: Xen reads MCG_CAP for its
 * dom0's XEN_MC_physcpuinfo on a CPU without MCE/MCA in CPUID).
 *
 * IA32_ARCH_CAPABILITIES (0x10a, CPUID.7.0:EDX[29]): read-only. This CPU
 * does not speculate (each instruction completes before the next is
 * fetched; no buffers outlive an instruction), so every "not affected"
 * bit the SDM defines is true, and a kernel then leaves out the
 * mitigations that would cost it most here: page-table isolation (RDCL_NO),
 * VERW buffer clearing (MDS_NO, TAA_NO, the MMIO stale data _NO bits,
 * RFDS_NO), the BHB clearing loop (BHI_NO) and ITS return thunks (ITS_NO,
 * the bit VMMs synthesize for guests). For Spectre v2 the architecture
 * has no "not affected" bit; the one that says indirect branches need no
 * retpolines is IBRS_ALL (enhanced IBRS: protection while SPEC_CTRL.IBRS
 * is set), true of a CPU without branch prediction whatever IBRS holds,
 * so it is set along with IA32_SPEC_CTRL and IA32_PRED_CMD (CPUID.7.0:
 * EDX[26]): SPEC_CTRL holds IBRS (STIBP and SSBD are not enumerated:
 * other bits #GP, as KVM), PRED_CMD takes IBPB, a no-op here. Other
 * capabilities that name a control the CPU lacks (TSX_CTRL, FB_CLEAR,
 * ...) stay clear.
 */
#include "vcpu/soft/irqchip.h"
#include "vcpu/soft/pvclock.h"
#include "vcpu/soft/sys.h"

enum {
	MSR_TSC = 0x10,
	MSR_PLATFORM_ID = 0x17,
	MSR_APIC_BASE = 0x1b,
	MSR_SPEC_CTRL = 0x48,
	MSR_PRED_CMD = 0x49,
	MSR_BIOS_SIGN_ID = 0x8b,
	MSR_ARCH_CAPABILITIES = 0x10a,
	MSR_SYSENTER_CS = 0x174,
	MSR_SYSENTER_ESP = 0x175,
	MSR_SYSENTER_EIP = 0x176,
	MSR_MCG_CAP = 0x179,
	MSR_MCG_STATUS = 0x17a,
	MSR_MISC_ENABLE = 0x1a0,
	MSR_PAT = 0x277,
	MSR_EFER = 0xc0000080,
	MSR_STAR = 0xc0000081,
	MSR_LSTAR = 0xc0000082,
	MSR_CSTAR = 0xc0000083,
	MSR_FMASK = 0xc0000084,
	MSR_FS_BASE = 0xc0000100,
	MSR_GS_BASE = 0xc0000101,
	MSR_KERNEL_GS_BASE = 0xc0000102,
	MSR_TSC_AUX = 0xc0000103,
};

/* RDCL_NO IBRS_ALL SKIP_L1DFL SSB_NO MDS_NO PSCHANGE_MC_NO TAA_NO SBDR_SSDP_NO FBSDP_NO
 * PSDP_NO BHI_NO PBRSB_NO GDS_NO RFDS_NO ITS_NO */
#define ARCH_CAPS ((1ULL << 0) | (1ULL << 1) | (1ULL << 3) | (1ULL << 4) | (1ULL << 5) | (1ULL << 6) | \
		   (1ULL << 8) | (1ULL << 13) | (1ULL << 14) | (1ULL << 15) | (1ULL << 20) | \
		   (1ULL << 24) | (1ULL << 26) | (1ULL << 27) | (1ULL << 62))

/* The guest TSC: SOFT_TSC_KHZ from host time (clock.h), plus the vCPU's offset. */
uint64_t cpu_tsc(struct soft_cpu *cpu)
{
	return soft_tsc_from_ns(soft_clock_host_ns(&cpu->vm->clock)) + cpu->tsc_offset;
}

/* MSRs of other homes: the local APIC's and kvmclock's. 1 when none of them. */
static int msr_read_elsewhere(struct soft_cpu *cpu, uint32_t index, uint64_t *v)
{
	int rc = cpu->lapic ? irqchip_msr_read(cpu, index, v) : 1;

	if (rc == 1)
		rc = mtrr_msr_read(&cpu->mtrr, index, v);
	return rc == 1 ? pvclock_msr_read(cpu, index, v) : rc;
}

int msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v)
{
	int rc = msr_read_elsewhere(cpu, index, v);

	if (rc != 1)
		return rc;
	switch (index) {
	case MSR_TSC:
		*v = cpu_tsc(cpu);
		break;
	case MSR_APIC_BASE:
		*v = cpu->apic_base;
		break;
	case MSR_BIOS_SIGN_ID:
		*v = cpu->ucode_rev;
		break;
	case MSR_PLATFORM_ID:
	case MSR_MCG_CAP:
		*v = 0;
		break;
	case MSR_ARCH_CAPABILITIES:
		*v = ARCH_CAPS;
		break;
	case MSR_SPEC_CTRL:
		*v = cpu->spec_ctrl;
		break;
	case MSR_MCG_STATUS:
		*v = cpu->mcg_status;
		break;
	case MSR_SYSENTER_CS:
		*v = cpu->sysenter_cs;
		break;
	case MSR_SYSENTER_ESP:
		*v = cpu->sysenter_esp;
		break;
	case MSR_SYSENTER_EIP:
		*v = cpu->sysenter_eip;
		break;
	case MSR_MISC_ENABLE:
		*v = cpu->misc_enable;
		break;
	case MSR_PAT:
		*v = cpu->pat;
		break;
	case MSR_EFER:
		*v = cpu->efer;
		break;
	case MSR_STAR:
		*v = cpu->star;
		break;
	case MSR_LSTAR:
		*v = cpu->lstar;
		break;
	case MSR_CSTAR:
		*v = cpu->cstar;
		break;
	case MSR_FMASK:
		*v = cpu->fmask;
		break;
	case MSR_FS_BASE:
		*v = cpu->seg[SEG_FS].base;
		break;
	case MSR_GS_BASE:
		*v = cpu->seg[SEG_GS].base;
		break;
	case MSR_KERNEL_GS_BASE:
		*v = cpu->kernel_gs_base;
		break;
	case MSR_TSC_AUX:
		*v = cpu->tsc_aux;
		break;
	default:
		return -1;
	}
	return 0;
}

/* Each PAT byte must name a memory type: UC, WC, WT, WP, WB or UC-. */
static bool pat_valid(uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++) {
		unsigned t = (v >> (8 * i)) & 0xff;

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

static int write_efer(struct soft_cpu *cpu, uint64_t v)
{
	uint64_t old = cpu->efer;

	if (v & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return -1;
	/* LME cannot change while paging is on; LMA is the CPU's to set */
	if ((cpu->cr0 & CR0_PG) && ((v ^ old) & EFER_LME))
		return -1;
	v = (v & ~EFER_LMA) | (old & EFER_LMA);
	cpu->efer = v;
	if ((old ^ v) & EFER_NXE)
		tlb_flush(cpu);
	return 0;
}

int msr_write_host(struct soft_cpu *cpu, uint32_t index, uint64_t v, bool host)
{
	int rc = cpu->lapic ? irqchip_msr_write(cpu, index, v, host) : 1;

	if (rc == 1)
		rc = mtrr_msr_write(&cpu->mtrr, index, v, SOFT_MAXPHYADDR);
	if (rc == 1)
		rc = pvclock_msr_write(cpu, index, v);
	if (rc != 1)
		return rc;
	switch (index) {
	case MSR_TSC:
		cpu->tsc_offset = v - soft_tsc_from_ns(soft_clock_host_ns(&cpu->vm->clock));
		cpu->pvclock_generation = cpu->vm->clock.generation - 1; /* republish */
		break;
	case MSR_APIC_BASE:
		/* BSP (8), enable (11) and the base below MAXPHYADDR; no x2APIC */
		if (v & ~(((1ULL << SOFT_MAXPHYADDR) - 1) & ~0x6ffULL))
			return -1;
		cpu->apic_base = v;
		break;
	case MSR_BIOS_SIGN_ID:
		if (host)
			cpu->ucode_rev = v;
		break;
	case MSR_MCG_STATUS:
		cpu->mcg_status = v;
		break;
	case MSR_SPEC_CTRL:
		if (v & ~1ULL) /* IBRS only */
			return -1;
		cpu->spec_ctrl = v;
		break;
	case MSR_PRED_CMD:
		if (v & ~1ULL) /* IBPB: nothing to flush */
			return -1;
		break;
	case MSR_SYSENTER_CS:
		cpu->sysenter_cs = v & 0xffff;
		break;
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!is_canonical(v))
			return -1;
		if (index == MSR_SYSENTER_ESP)
			cpu->sysenter_esp = v;
		else if (index == MSR_SYSENTER_EIP)
			cpu->sysenter_eip = v;
		else if (index == MSR_LSTAR)
			cpu->lstar = v;
		else if (index == MSR_CSTAR)
			cpu->cstar = v;
		else if (index == MSR_FS_BASE)
			cpu->seg[SEG_FS].base = v;
		else if (index == MSR_GS_BASE)
			cpu->seg[SEG_GS].base = v;
		else
			cpu->kernel_gs_base = v;
		break;
	case MSR_MISC_ENABLE:
		cpu->misc_enable = v;
		break;
	case MSR_PAT:
		if (!pat_valid(v))
			return -1;
		cpu->pat = v;
		break;
	case MSR_EFER:
		return write_efer(cpu, v);
	case MSR_STAR:
		cpu->star = v;
		break;
	case MSR_FMASK:
		cpu->fmask = (uint32_t)v;
		break;
	case MSR_TSC_AUX:
		if (v >> 32)
			return -1;
		cpu->tsc_aux = v;
		break;
	default:
		return -1;
	}
	return 0;
}

int msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v)
{
	return msr_write_host(cpu, index, v, false);
}
