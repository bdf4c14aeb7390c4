/* SPDX-License-Identifier: MIT */
/*
 * The VMM's side of the KVM API: a VM (memory slots) and one vCPU with
 * its run loop. All of it goes through a struct kvm_provider, so the same
 * calls reach /dev/kvm or the in-process soft provider. This header does
 * not include <linux/kvm.h>: code outside src/vcpu/ never sees KVM.
 */
#ifndef MINIVMM_VCPU_H
#define MINIVMM_VCPU_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kvm_provider;
struct kvm_run;
struct guest_mem;
struct boot_state;
struct bus;
struct stats;
struct guest_range;

/* Exit statuses the run loop produces itself (see vm.h for the full table). */
#define VCPU_STATUS_HALT 0
#define VCPU_STATUS_VMM_FAILURE 4
#define VCPU_STATUS_GUEST_CRASH 5
#define VCPU_STATUS_TIMEOUT 124
#define VCPU_STATUS_SIGNAL_BASE 128

/* Guest-physical address of the three pages KVM_SET_TSS_ADDR needs (in the MMIO hole). */
#define KVM_TSS_GPA 0xfffbd000ULL

struct kvm_vm {
	const struct kvm_provider *prov;
	int sys_fd, vm_fd;
	size_t run_size;     /* KVM_GET_VCPU_MMAP_SIZE */
	bool immediate_exit; /* KVM_CAP_IMMEDIATE_EXIT */
};

/*
 * Open the provider, check the API version and capabilities, create the
 * VM and set its TSS address. Prints one line and returns -1 on failure.
 */
int kvm_vm_create(struct kvm_vm *vm, const struct kvm_provider *prov);
/*
 * KVM_SET_USER_MEMORY_REGION for guest RAM, with the ranges in ro (sorted,
 * page aligned, inside RAM) as KVM_MEM_READONLY slots: a guest write there
 * becomes a KVM_EXIT_MMIO write. *ro_mapped says whether they are
 * (false when the provider lacks KVM_CAP_READONLY_MEM: all RAM writable).
 */
int kvm_vm_set_memory(struct kvm_vm *vm, const struct guest_mem *mem,
		      const struct guest_range *ro, unsigned nr_ro, bool *ro_mapped);
void kvm_vm_destroy(struct kvm_vm *vm);

struct vcpu {
	struct kvm_vm *vm;
	int fd;
	struct kvm_run *run; /* mmap of the vCPU fd */
	/* The signal vcpu_kick() asked to stop for (0: none); read by vcpu_run(). */
	volatile sig_atomic_t kick_signal;
};

/* Why the run loop stopped. */
enum vcpu_stop_kind {
	VCPU_STOP_DEVICE,  /* a device asked (debug-exit, i8042 reset): see bus->stop_kind */
	VCPU_STOP_HALT,	   /* HLT, or a shutdown/reset system event */
	VCPU_STOP_SIGNAL,  /* SIGINT/SIGTERM */
	VCPU_STOP_TIMEOUT, /* --timeout expired */
	VCPU_STOP_CRASH,   /* triple fault, entry failure, internal error, unhandled exit */
	VCPU_STOP_FAILURE, /* KVM_RUN itself failed */
};

struct vcpu_stop {
	enum vcpu_stop_kind kind;
	int status;	     /* what minivmm exits with */
	char reason[160];    /* one line, no newline */
	bool dump_registers; /* the reason warrants a register dump */
};

/* KVM_CREATE_VCPU and mmap of its struct kvm_run. Prints one line, -1 on failure. */
int vcpu_create(struct vcpu *cpu, struct kvm_vm *vm, unsigned id);
/* KVM_SET_CPUID2 from KVM_GET_SUPPORTED_CPUID, with the hypervisor bit set. */
int vcpu_set_cpuid(struct vcpu *cpu);
/* KVM_SET_SREGS and KVM_SET_REGS from the loader's boot state. */
int vcpu_apply_boot_state(struct vcpu *cpu, const struct boot_state *boot);
void vcpu_dump_registers(struct vcpu *cpu, FILE *out);
void vcpu_destroy(struct vcpu *cpu);

/*
 * Run until the VM stops; dispatch IO and MMIO exits to the bus. st may
 * be NULL (no accounting). Returns the stop description in *stop.
 */
void vcpu_run(struct vcpu *cpu, struct bus *bus, struct stats *st, struct vcpu_stop *stop);

/*
 * Async-signal-safe: make vcpu_run() on cpu stop at the next opportunity,
 * with VCPU_STOP_TIMEOUT for SIGALRM, else VCPU_STOP_SIGNAL (status
 * 128 + sig). Uses KVM's immediate_exit so a signal that lands just before
 * KVM_RUN is not lost. The first kick's signal is the one reported.
 */
void vcpu_kick(struct vcpu *cpu, int sig);

/* The signal vcpu_kick() recorded and the run loop has yet to act on, or 0. */
int vcpu_pending_signal(const struct vcpu *cpu);

/*
 * The guest's TSC frequency in Hz: KVM_GET_TSC_KHZ, or, for a provider
 * without it (the soft CPU reads the host TSC), the host TSC measured
 * against CLOCK_MONOTONIC over 10 ms.
 */
uint64_t vcpu_tsc_hz(struct vcpu *cpu);

#endif
