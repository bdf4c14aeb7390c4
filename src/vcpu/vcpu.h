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
	bool irqchip;	     /* KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2 done */
	bool vcpu_events;    /* KVM_CAP_VCPU_EVENTS: the halt check can see a pending NMI */
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

/*
 * The in-kernel interrupt controllers and PIT (kvm_irqchip.c), before any
 * vCPU. A provider lacking a capability is one line on stderr and -1,
 * unless it runs without them (irqchip_optional): then 0 and vm->irqchip
 * stays false, and HLT exits to the VMM as before.
 */
int kvm_vm_create_irqchip(struct kvm_vm *vm);
/* KVM_IRQ_LINE: drive GSI gsi (PIC and IOAPIC pin) to level. 0 or -errno. Any thread. */
int kvm_vm_irq_line(struct kvm_vm *vm, unsigned gsi, int level);

struct vcpu_debugger;

struct vcpu {
	struct kvm_vm *vm;
	int fd;
	struct kvm_run *run; /* mmap of the vCPU fd */
	/* The signal vcpu_kick() asked to stop for (0: none); read by vcpu_run(). */
	volatile sig_atomic_t kick_signal;
	/* NULL unless a debugger (--gdb) is attached to the run loop; see vcpu_debugger. */
	const struct vcpu_debugger *debugger;
	/* Set by vcpu_request_debug_stop() (from a SIGIO handler); read by vcpu_run(). */
	volatile sig_atomic_t debug_request;
	/*
	 * The idle tick (vcpu_idle_tick) with an irqchip: exits counts KVM_RUN
	 * returns with an exit, exits_at_tick is its value at the last tick,
	 * and halt_check asks the run loop to look whether the guest halted
	 * for good (HLT with interrupts off).
	 */
	volatile sig_atomic_t exits, exits_at_tick, halt_check;
};

/* Why the run loop stopped. */
enum vcpu_stop_kind {
	VCPU_STOP_DEVICE,  /* a device asked (debug-exit, i8042 reset): see bus->stop_kind */
	VCPU_STOP_HALT,	   /* HLT, or a shutdown/reset system event */
	VCPU_STOP_SIGNAL,  /* SIGINT/SIGTERM */
	VCPU_STOP_TIMEOUT, /* --timeout expired */
	VCPU_STOP_CRASH,   /* triple fault, entry failure, internal error, unhandled exit */
	VCPU_STOP_FAILURE, /* KVM_RUN itself failed */
	VCPU_STOP_KILLED,  /* the debugger (gdb's kill) ended the VM */
};

struct vcpu_stop {
	enum vcpu_stop_kind kind;
	int status;	     /* what minivmm exits with */
	char reason[160];    /* one line, no newline */
	bool dump_registers; /* the reason warrants a register dump */
	/*
	 * The guest reset the machine: the i8042 or ACPI reset, a reset system
	 * event, or a triple fault (KVM_EXIT_SHUTDOWN), which a PC answers with
	 * a reset. --reboot restarts the VM for these; kind and status stay as
	 * they are (a triple fault is still a crash, status 5, without it).
	 */
	bool reset;
};

/* KVM_CREATE_VCPU and mmap of its struct kvm_run. Prints one line, -1 on failure. */
int vcpu_create(struct vcpu *cpu, struct kvm_vm *vm, unsigned id);
/* With an irqchip: LINT0 ExtINT (the PIC), LINT1 NMI through KVM_GET/SET_LAPIC. */
int vcpu_setup_lapic(struct vcpu *cpu);
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

/*
 * Async-signal-safe, called every VCPU_IDLE_TICK_MS by a timer signal on
 * the vCPU's thread. With an irqchip, HLT never exits (the provider sleeps
 * until an interrupt), so a guest that halts with interrupts off would
 * sleep forever: when the vCPU has not exited since the last tick, this
 * makes KVM_RUN return and the run loop checks KVM_GET_MP_STATE and
 * RFLAGS.IF; halted with IF = 0 and no NMI pending ends the VM as a HLT
 * exit did. A busy vCPU costs nothing, an idle one a few ioctls per tick.
 */
void vcpu_idle_tick(struct vcpu *cpu);
#define VCPU_IDLE_TICK_MS 20

/* The signal vcpu_kick() recorded and the run loop has yet to act on, or 0. */
int vcpu_pending_signal(const struct vcpu *cpu);

/*
 * The guest's TSC frequency in Hz: KVM_GET_TSC_KHZ, or, for a provider
 * without it (the soft CPU reads the host TSC), the host TSC measured
 * against CLOCK_MONOTONIC over 10 ms.
 */
uint64_t vcpu_tsc_hz(struct vcpu *cpu);
/* ---- what a debugger (src/gdb/) needs: plain structs, no KVM types (vcpu_debug.c) ---- */

/* Registers in gdb's amd64 order; all return 0 or -errno. */
struct vcpu_regs {
	uint64_t gpr[16]; /* rax rbx rcx rdx rsi rdi rbp rsp r8 .. r15 */
	uint64_t rip, rflags;
	uint16_t sel[6]; /* cs ss ds es fs gs */
	uint64_t fs_base, gs_base;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
};

int vcpu_get_regs(struct vcpu *cpu, struct vcpu_regs *r);
/*
 * Writes everything but the selectors, which only a descriptor load can
 * change: a selector other than the current one is -EINVAL, nothing written.
 */
int vcpu_set_regs(struct vcpu *cpu, const struct vcpu_regs *r);

/*
 * The x87/MMX/SSE state as an FXSAVE image (SDM vol. 1, table 10-2, the
 * 64-bit format), over KVM_GET/SET_XSAVE on either provider. Setting
 * replaces the legacy region and marks x87 and SSE in use in the XSAVE
 * header, so every byte given takes effect; -EINVAL if the provider
 * refuses it (a reserved MXCSR bit).
 */
#define VCPU_FXSAVE_SIZE 512
int vcpu_get_fxsave(struct vcpu *cpu, uint8_t fx[VCPU_FXSAVE_SIZE]);
int vcpu_set_fxsave(struct vcpu *cpu, const uint8_t fx[VCPU_FXSAVE_SIZE]);

/* KVM_SET_GUEST_DEBUG: addr[] and dr7 as the x86 debug registers DR0-3, DR7. */
struct vcpu_guest_debug {
	bool single_step; /* KVM_EXIT_DEBUG after one instruction */
	bool sw_bp;	  /* int3 exits to the VMM instead of the guest's #BP */
	bool hw_bp;	  /* addr[]/dr7 are breakpoints and watchpoints */
	uint64_t addr[4];
	uint64_t dr7;
};

int vcpu_set_guest_debug(struct vcpu *cpu, const struct vcpu_guest_debug *d);

/* KVM_TRANSLATE: guest-virtual to guest-physical by the page tables; -EFAULT if unmapped. */
int vcpu_translate(struct vcpu *cpu, uint64_t gva, uint64_t *gpa);

/* Why the run loop handed the vCPU to the debugger. */
struct vcpu_debug_event {
	bool trap;	    /* KVM_EXIT_DEBUG (breakpoint, watchpoint, step), else requested */
	unsigned exception; /* trap: 1 (#DB) or 3 (#BP) */
	uint64_t pc, dr6;   /* trap: linear rip; DR6 bits B0-B3 name the debug register that hit */
};

/*
 * A debugger hooked into the run loop (struct vcpu's debugger). stopped()
 * is called with the guest stopped, on KVM_EXIT_DEBUG and after
 * vcpu_request_debug_stop(); it returns when the guest may run again
 * (false) or when the VM must end (true, *stop set).
 */
struct vcpu_debugger {
	void *ctx;
	bool (*stopped)(void *ctx, struct vcpu *cpu, const struct vcpu_debug_event *ev,
			struct vcpu_stop *stop);
};

/*
 * Async-signal-safe: the running vCPU stops at the next opportunity and
 * its debugger's stopped() is called (a no-op without a debugger).
 */
void vcpu_request_debug_stop(struct vcpu *cpu);

/* A KVM ioctl the vCPU makes once the guest runs: for the sandbox's allowlist. */
struct vcpu_ioctl {
	int fd;
	unsigned long request;
};

#define VCPU_MAX_RUNTIME_IOCTLS 10

/* Fill out[VCPU_MAX_RUNTIME_IOCTLS] with those ioctls; returns how many. */
unsigned vcpu_runtime_ioctls(const struct vcpu *cpu, struct vcpu_ioctl *out);

/* The same for a debugger attached to the vCPU (vcpu_debug.c's calls, --gdb). */
unsigned vcpu_debugger_ioctls(const struct vcpu *cpu, struct vcpu_ioctl *out);

/*
 * The subset other threads make: a device thread driving an interrupt
 * line (the console reader, the RTC timer), for their narrower lists.
 */
unsigned vcpu_irq_line_ioctls(const struct vcpu *cpu, struct vcpu_ioctl *out);

#endif
