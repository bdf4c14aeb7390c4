/* SPDX-License-Identifier: MIT */
/*
 * minivmm's only process-wide state: signal handling while a guest runs.
 *
 * It is process-wide because POSIX makes it so: a signal disposition
 * belongs to the process, and a handler receives only the signal number,
 * so it can reach the running VM's vCPU (to stop it) and console (to give
 * the terminal back) only through pointers kept here. Everything else
 * lives in the VM object (src/vm.c) and the objects it owns.
 *
 * The one other process-wide table is below the KVM API: the soft
 * provider's fd -> object table (src/vcpu/soft/soft_kvm.c), process-wide
 * for the same reason the kernel's fd table is (an ioctl names its object
 * by fd number alone). And the sandbox's (src/sandbox/): the seccomp
 * filter is per process in the kernel, and its SIGSYS handler is signal
 * plumbing too.
 */
#ifndef MINIVMM_VM_SIGNALS_H
#define MINIVMM_VM_SIGNALS_H

struct vcpu;
struct uart_console;

/*
 * While the guest runs: SIGINT, SIGTERM, SIGHUP and SIGALRM (--timeout)
 * kick `cpu` out of KVM_RUN; a crash of minivmm itself (SIGSEGV, SIGABRT,
 * ...) first restores the terminal of `console`, then dies of the same
 * signal; SIGPIPE is ignored (a closed stdout is the reader's business).
 * One VM per process runs at a time. timeout_s > 0 arms the --timeout alarm.
 */
void vm_signals_install(struct vcpu *cpu, struct uart_console *console, double timeout_s);

/*
 * With an in-kernel irqchip: call vcpu_idle_tick() on the installed vCPU
 * every VCPU_IDLE_TICK_MS, by a POSIX timer whose signal (SIGRTMIN) goes
 * to the calling thread, which must be the one that runs the vCPU. Not
 * SA_RESTART: a provider asleep in HLT (the soft provider's futex) must
 * return to see immediate_exit; the vCPU thread's other blocking calls
 * (console writes, Solo5's poll sleep, the gdb stub) already handle EINTR.
 * 0 or -errno.
 */
int vm_signals_start_idle_tick(void);

/* Disarm the alarm and the idle tick, restore the default dispositions, forget the VM. */
void vm_signals_restore(void);

struct sandbox;

/* Let the sandbox allow what the above does once the guest runs (rt_sigaction per signal). */
void vm_signals_sandbox_allow(struct sandbox *sb);

/* Async-signal-safe: give the running VM's terminal back (the sandbox's SIGSYS handler). */
void vm_signals_restore_tty(void);

#endif
