/* SPDX-License-Identifier: MIT */
/*
 * The software x86-64 CPU: its own small API (create, set state, run until
 * exit). It knows nothing of devices or file descriptors: it only fills
 * the struct kvm_run it was given with exits, exactly as KVM would.
 * soft_kvm.c maps the KVM ioctls onto these calls.
 */
#ifndef MINIVMM_SOFT_CPU_H
#define MINIVMM_SOFT_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct soft_vm;
struct soft_cpu;

/*
 * The execution engine of a soft vCPU (issue 16): the binary translator
 * ("bt", falling back to the interpreter for what it does not translate)
 * or the interpreter alone ("interp"). Chosen when the vCPU is created,
 * from the environment variable below (the CLI's --soft-engine sets it);
 * the translator when it is unset.
 */
enum soft_engine { SOFT_ENGINE_INTERP, SOFT_ENGINE_BT };
#define SOFT_ENGINE_ENV "MINIVMM_SOFT_ENGINE"
/* "interp" or "bt" -> enum soft_engine; -1 for anything else. */
int soft_engine_parse(const char *name);
/* The engine the environment asks for, or the default (one stderr line if unknown). */
enum soft_engine soft_engine_default(void);
/*
 * How many times the translator lets the interpreter run a block before
 * it translates it (default 3: code that runs once or twice, most of a
 * short launch, is cheaper to interpret than to translate). Tests set 1,
 * so that everything they run is translated.
 */
#define SOFT_BT_HOT_ENV "MINIVMM_BT_HOT"

/* Counters of what the CPU handled without leaving to the VMM. */
struct soft_cpu_stats {
	uint64_t insns;        /* guest instructions retired */
	uint64_t cpuid;        /* CPUID executed */
	uint64_t msr_read;     /* RDMSR executed */
	uint64_t msr_write;    /* WRMSR executed */
	uint64_t hlt;          /* HLT executed */
	uint64_t irq_injected; /* external interrupts delivered */
	uint64_t exceptions;   /* exceptions delivered through the IDT */
	uint64_t exits;        /* returns from soft_cpu_run() */
	uint64_t nmi_injected;  /* NMIs delivered */
	uint64_t halt_wakeups;  /* HLTs ended by an event (in-"kernel" irqchip) */
	uint64_t timer_expiries; /* LAPIC timer expiries (each period counts) */
	uint64_t kernel_io;     /* port/MMIO accesses the in-"kernel" devices answered (no exit) */
	uint64_t bt_blocks;     /* guest blocks translated to host code (issue 16) */
	uint64_t bt_flushes;    /* translation cache flushes (full, or mode/slot change) */
	uint64_t bt_fallbacks;  /* instructions the translator left to the interpreter */
};

struct soft_vm *soft_vm_create(void);
void soft_vm_destroy(struct soft_vm *vm);

/* Memory slots a soft VM holds (KVM_CAP_NR_MEMSLOTS of the soft provider). */
#define SOFT_NR_MEMSLOTS 32

/*
 * Install (size > 0) or delete (size == 0) memory slot `slot`. The caller
 * (soft_kvm.c) has validated alignment and overlap as KVM does. The CPU
 * reads and writes guest RAM directly at hva: zero copy, as with KVM.
 * Returns 0 or -errno.
 */
int soft_vm_set_slot(struct soft_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
		     uint32_t flags);

/* run must stay valid (it is the vCPU fd's mmap) until soft_cpu_destroy(). */
struct soft_cpu *soft_cpu_create(struct soft_vm *vm, unsigned id, struct kvm_run *run);
void soft_cpu_destroy(struct soft_cpu *cpu);

void soft_cpu_get_regs(struct soft_cpu *cpu, struct kvm_regs *regs);
void soft_cpu_set_regs(struct soft_cpu *cpu, const struct kvm_regs *regs);
void soft_cpu_get_sregs(struct soft_cpu *cpu, struct kvm_sregs *sregs);
int soft_cpu_set_sregs(struct soft_cpu *cpu, const struct kvm_sregs *sregs); /* 0 or -EINVAL */

/* 0, or -1 when the MSR is not one the CPU implements (KVM stops the batch there). */
int soft_cpu_get_msr(struct soft_cpu *cpu, uint32_t index, uint64_t *value);
int soft_cpu_set_msr(struct soft_cpu *cpu, uint32_t index, uint64_t value);

/* The CPUID leaves this CPU can honour (for KVM_GET_SUPPORTED_CPUID). */
/* Entries a CPUID table may have at most (the kernel's KVM_MAX_CPUID_ENTRIES). */
#define SOFT_MAX_CPUID_ENTRIES 256
int soft_cpu_supported_cpuid(struct kvm_cpuid2 *out, uint32_t max_entries);
int soft_cpu_set_cpuid(struct soft_cpu *cpu, const struct kvm_cpuid2 *cpuid); /* 0 or -errno */

/*
 * KVM_GET/SET_FPU, KVM_GET/SET_XSAVE (also KVM_GET_XSAVE2), KVM_GET/SET_XCRS
 * in the kernel's layouts (fpu_state.c). The setters return 0 or -EINVAL.
 */
/* Bytes KVM_GET_XSAVE2 copies out, reported by KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2). */
#define SOFT_XSAVE_UABI_SIZE ((int)sizeof(struct kvm_xsave))
void soft_cpu_get_fpu(struct soft_cpu *cpu, struct kvm_fpu *fpu);
void soft_cpu_set_fpu(struct soft_cpu *cpu, const struct kvm_fpu *fpu);
void soft_cpu_get_xsave(struct soft_cpu *cpu, struct kvm_xsave *xsave);
int soft_cpu_set_xsave(struct soft_cpu *cpu, const struct kvm_xsave *xsave);
void soft_cpu_get_xcrs(struct soft_cpu *cpu, struct kvm_xcrs *xcrs);
int soft_cpu_set_xcrs(struct soft_cpu *cpu, const struct kvm_xcrs *xcrs);

/* KVM_INTERRUPT: queue external interrupt `vector`, replacing one not yet delivered (as KVM). */
int soft_cpu_interrupt(struct soft_cpu *cpu, unsigned vector);

/* KVM_SET_GUEST_DEBUG: single-step and hardware/software breakpoints. */
int soft_cpu_set_guest_debug(struct soft_cpu *cpu, const struct kvm_guest_debug *dbg);

/* KVM_TRANSLATE: linear -> guest-physical through the guest's page tables, no side effects. */
void soft_cpu_translate(struct soft_cpu *cpu, struct kvm_translation *tr);

/*
 * KVM_RUN: complete a pending IN/MMIO read with the data userspace left
 * in kvm_run, then execute until the next exit, which is described in
 * kvm_run. Returns 0, or -EINTR when run->immediate_exit was set.
 */
int soft_cpu_run(struct soft_cpu *cpu);

/*
 * Make the current or next soft_cpu_run() return -EINTR (KVM_EXIT_INTR) as
 * a signal does with KVM. Async-signal-safe: call it from the handler of
 * the signal the VMM uses to kick its vCPU thread (run.c).
 */
void soft_cpu_kick(struct soft_cpu *cpu);

const struct soft_cpu_stats *soft_cpu_get_stats(const struct soft_cpu *cpu);

/*
 * ---- In-"kernel" interrupt controllers, timers and clocks (irqchip.c, issue 11) ----
 * Each returns 0 or -errno as the KVM ioctl of the same name; the checks
 * that need the fd layer (vCPUs created yet, user pointers) are soft_kvm.c's.
 */
int soft_vm_create_irqchip(struct soft_vm *vm);                     /* KVM_CREATE_IRQCHIP */
bool soft_vm_has_irqchip(const struct soft_vm *vm);
/* KVM_IRQ_LINE(_STATUS): GSI irq to level; *status as KVM's (<0 masked, 0 coalesced, >0 delivered). */
int soft_vm_irq_line(struct soft_vm *vm, uint32_t irq, int level, int32_t *status);
int soft_vm_get_irqchip(struct soft_vm *vm, struct kvm_irqchip *chip);
int soft_vm_set_irqchip(struct soft_vm *vm, const struct kvm_irqchip *chip);
int soft_vm_create_pit(struct soft_vm *vm, uint32_t flags);          /* KVM_CREATE_PIT2 */
int soft_vm_pit_reinject(struct soft_vm *vm, bool on);		     /* KVM_REINJECT_CONTROL */
int soft_vm_get_pit(struct soft_vm *vm, struct kvm_pit_state2 *s);
int soft_vm_set_pit(struct soft_vm *vm, const struct kvm_pit_state2 *s);
int soft_vm_signal_msi(struct soft_vm *vm, const struct kvm_msi *msi); /* 1 delivered, 0 not */
void soft_vm_get_clock(struct soft_vm *vm, struct kvm_clock_data *d);
int soft_vm_set_clock(struct soft_vm *vm, const struct kvm_clock_data *d);
/* Tests: every timer and the TSC read fn(opaque) (ns) instead of CLOCK_MONOTONIC. */
void soft_vm_set_clock_hook(struct soft_vm *vm, uint64_t (*fn)(void *opaque), void *opaque);
/* The guest TSC rate (KVM_GET_TSC_KHZ). */
uint32_t soft_cpu_tsc_khz(void);

int soft_cpu_get_lapic(struct soft_cpu *cpu, struct kvm_lapic_state *s); /* -EINVAL: no irqchip */
int soft_cpu_set_lapic(struct soft_cpu *cpu, const struct kvm_lapic_state *s);
void soft_cpu_get_mp_state(struct soft_cpu *cpu, struct kvm_mp_state *mp);
int soft_cpu_set_mp_state(struct soft_cpu *cpu, const struct kvm_mp_state *mp);
int soft_cpu_nmi(struct soft_cpu *cpu); /* KVM_NMI */

#endif
