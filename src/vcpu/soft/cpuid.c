// SPDX-License-Identifier: MIT
/*
 * CPUID: answered from the table the VMM set with KVM_SET_CPUID2, and the
 * table of what this CPU implements (KVM_GET_SUPPORTED_CPUID). Only
 * features the interpreter really executes are advertised; the local
 * APIC's bits only with KVM_CREATE_IRQCHIP (issue 11). x87, MMX,
 * SSE..SSE4.2, MOVBE and the x87/SSE state (issue 10): FXSAVE/FXRSTOR,
 * XSAVE with XCR0 x87|SSE (leaf 0xD: both live in the 576 bytes of the
 * legacy region and header), XSAVEOPT, FCS and FDS stored as 0 (leaf 7
 * EBX bit 13); as KVM, OSXSAVE in leaf 1 follows CR4.OSXSAVE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <asm/kvm_para.h>

#include "vcpu/soft/clock.h"
#include "vcpu/soft/lapic.h"
#include "vcpu/soft/sys.h"

#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
/* CPUID.1 EDX: FPU DE PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2 */
#define L1_EDX ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | \
		(1u << 8) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 15) | (1u << 16) | (1u << 17) | \
		(1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26))
/*
 * CPUID.1 ECX: SSE3 SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT XSAVE, hypervisor
 * (the VMM may set it). x87, MMX and SSE..SSE4.2 (with CRC32) run on the
 * host CPU (fpu_native.c); tests/unit/test_fpu_diff.c compares each class
 * advertised here with the host CPU.
 */
#define L1_ECX ((1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 22) | \
		(1u << 23) | CPUID_1_ECX_XSAVE | (1u << 31))
/* CPUID.7.0 EBX: FPU CS and FPU DS deprecated (stored as 0) */
#define L7_EBX (1u << 13)
/* CPUID.7.0 EDX: IA32_SPEC_CTRL/PRED_CMD, IA32_ARCH_CAPABILITIES (msr.c) */
#define L7_EDX ((1u << 26) | (1u << 29))
/* CPUID.0DH.1 EAX: XSAVEOPT */
#define LD1_EAX 1u
/* The local APIC's bits: CPUID.1 EDX.APIC, ECX.x2APIC and ECX.TSC-deadline (irqchip only) */
#define L1_EDX_APIC (1u << 9)
#define L1_ECX_APIC ((1u << 21) | (1u << 24))
/* KVM paravirtual features (0x40000001 EAX): kvmclock MSRs, stable TSC, no I/O delay needed */
#define KVM_FEATURES ((1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_NOP_IO_DELAY) | \
		      (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))
/* CPUID.80000001 ECX: LAHF/SAHF in 64-bit mode, LZCNT */
#define X1_ECX ((1u << 0) | (1u << 5))
/* CPUID.80000001 EDX: SYSCALL, NX, 1 GiB pages, RDTSCP, LM */
#define X1_EDX ((1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29))

static const char brand[48] = "minivmm soft x86-64 CPU";

static void put(struct kvm_cpuid_entry2 *e, uint32_t fn, uint32_t idx, uint32_t flags, uint32_t a,
		uint32_t b, uint32_t c, uint32_t d)
{
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

static unsigned fill_supported(struct kvm_cpuid_entry2 *e)
{
	unsigned n = 0, i;
	uint32_t w[12];

	/* "GenuineIntel", basic leaves up to 0x16 */
	put(&e[n++], 0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	/* family 6, model 6, stepping 3; CLFLUSH line 8 qwords */
	put(&e[n++], 1, 0, 0, 0x663, 8 << 8, L1_ECX | L1_ECX_APIC, L1_EDX | L1_EDX_APIC);
	put(&e[n++], 7, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, L7_EBX, 0, L7_EDX);
	/* XCR0 bits, size for the XCR0 in use, largest size, XCR0 high bits */
	put(&e[n++], 0xd, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, (uint32_t)FPU_XCR0_SUPPORTED,
	    FPU_XSAVE_SIZE, FPU_XSAVE_SIZE, 0);
	put(&e[n++], 0xd, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, LD1_EAX, 0, 0, 0);
	/* TSC = crystal * EBX / EAX, crystal (ECX) = the LAPIC's 1 GHz bus clock (clock.h) */
	put(&e[n++], 0x15, 0, 0, 1, (uint32_t)(SOFT_TSC_KHZ * 1000 / SOFT_CRYSTAL_HZ),
	    (uint32_t)SOFT_CRYSTAL_HZ, 0);
	/* base and maximum MHz, bus MHz */
	put(&e[n++], 0x16, 0, 0, (uint32_t)(SOFT_TSC_KHZ / 1000), (uint32_t)(SOFT_TSC_KHZ / 1000),
	    (uint32_t)(SOFT_CRYSTAL_HZ / 1000000), 0);
	/* the KVM leaves: "KVMKVMKVM\0\0\0" and the paravirtual clock */
	put(&e[n++], KVM_CPUID_SIGNATURE, 0, 0, KVM_CPUID_FEATURES, 0x4b4d564b, 0x564b4d56, 0x4d);
	put(&e[n++], KVM_CPUID_FEATURES, 0, 0, KVM_FEATURES, 0, 0, 0);
	put(&e[n++], 0x80000000, 0, 0, 0x80000008, 0, 0, 0);
	put(&e[n++], 0x80000001, 0, 0, 0, 0, X1_ECX, X1_EDX);
	memcpy(w, brand, sizeof(w));
	for (i = 0; i < 3; i++)
		put(&e[n++], 0x80000002 + i, 0, 0, w[4 * i], w[4 * i + 1], w[4 * i + 2],
		    w[4 * i + 3]);
	put(&e[n++], 0x80000008, 0, 0, (SOFT_MAXLINADDR << 8) | SOFT_MAXPHYADDR, 0, 0, 0);
	return n;
}

int soft_cpu_supported_cpuid(struct kvm_cpuid2 *out, uint32_t max_entries)
{
	struct kvm_cpuid_entry2 e[24];
	unsigned n = fill_supported(e);

	if (max_entries < n)
		return -E2BIG;
	memcpy(out->entries, e, n * sizeof(e[0]));
	out->nent = n;
	return 0;
}

int soft_cpu_set_cpuid(struct soft_cpu *cpu, const struct kvm_cpuid2 *cpuid)
{
	struct kvm_cpuid_entry2 *t = NULL;

	if (cpuid->nent > SOFT_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (cpuid->nent) {
		t = calloc(cpuid->nent, sizeof(*t));
		if (!t)
			return -ENOMEM;
		memcpy(t, cpuid->entries, cpuid->nent * sizeof(*t));
	}
	free(cpu->cpuid);
	cpu->cpuid = t;
	cpu->cpuid_nent = cpuid->nent;
	return 0;
}

static const struct kvm_cpuid_entry2 *find(const struct soft_cpu *cpu, uint32_t fn, uint32_t sub)
{
	uint32_t i;

	for (i = 0; i < cpu->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpu->cpuid[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != sub)
			continue;
		return e;
	}
	return NULL;
}

/*
 * As KVM (kvm_cpuid()): a leaf beyond the maximum of its range answers
 * like the highest basic leaf on Intel; a leaf not in the table is zero.
 */
void cpuid_query(struct soft_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	const struct kvm_cpuid_entry2 *e = find(cpu, leaf, sub), *max;

	if (!e) {
		max = find(cpu, leaf & 0x80000000u, 0);
		if (max && leaf > max->eax) {
			const struct kvm_cpuid_entry2 *basic = find(cpu, 0, 0);

			if (basic)
				e = find(cpu, basic->eax, sub);
		}
	}
	if (!e) {
		out[0] = out[1] = out[2] = out[3] = 0;
		return;
	}
	out[0] = e->eax;
	out[1] = e->ebx;
	out[2] = e->ecx;
	out[3] = e->edx;
	/* as KVM: CPUID.1 shows the APIC as IA32_APIC_BASE enables it; none without an irqchip */
	if (leaf == 1) {
		if (!cpu->lapic || !lapic_hw_enabled(cpu->lapic))
			out[3] &= ~L1_EDX_APIC;
		if (!cpu->lapic)
			out[2] &= ~L1_ECX_APIC;
		/* as KVM's kvm_update_cpuid_runtime: OSXSAVE is CR4.OSXSAVE */
		out[2] &= ~CPUID_1_ECX_OSXSAVE;
		if (cpu->cr4 & CR4_OSXSAVE)
			out[2] |= CPUID_1_ECX_OSXSAVE;
	}
}

/* Exact lookups, as KVM's kvm_find_cpuid_entry (no out-of-range rule). */
uint64_t cpuid_guest_xcr0(const struct soft_cpu *cpu)
{
	const struct kvm_cpuid_entry2 *e = find(cpu, 0xd, 0);

	return e ? (e->eax | (uint64_t)e->edx << 32) & FPU_XCR0_SUPPORTED : 0;
}

bool cpuid_guest_has_xsave(const struct soft_cpu *cpu)
{
	const struct kvm_cpuid_entry2 *e = find(cpu, 1, 0);

	return e && (e->ecx & CPUID_1_ECX_XSAVE);
}
