/* SPDX-License-Identifier: MIT */
/* Internal interfaces of micro, the microkernel (see main.c). */
#ifndef MICRO_H
#define MICRO_H

#include <stdbool.h>
#include <stdint.h>

#include "idt.h"
#include "uspace.h"

#define MAX_THREADS 8

enum thread_state {
	T_READY,
	T_SENDING,     /* blocked until partner receives (msg holds the message) */
	T_RECEIVING,   /* blocked until anyone sends */
	T_AWAIT_REPLY, /* called partner, waiting for its reply */
	T_IRQ_WAIT,    /* waiting for its interrupt line's message */
	T_DEAD,
};

/* A message in flight: four register words and, for a call, maybe one granted page. */
struct ipc_msg {
	uint64_t w[4];
	bool grant;
	uint64_t grant_pa; /* the page's physical address (checked against its owner) */
};

/* The page a thread holds at GRANT_VA while it serves the call that granted it. */
struct held_grant {
	bool held;
	unsigned from; /* the caller whose reply ends it */
	uint64_t pa;
};

/* A thread, in its own address space (one thread per process here). */
struct thread {
	const char *name;
	struct uspace as;
	struct trap_frame regs; /* saved user registers while not running */
	enum thread_state state;
	unsigned partner;
	bool is_call;
	struct ipc_msg msg; /* while T_SENDING */
	struct held_grant grant;
	uint64_t window;  /* user address of the IPC window, 0 before SYS_WINDOW */
	bool uart_ports;  /* granted COM1 through the TSS I/O bitmap */
	bool dma;	  /* trusted with DMA: learns granted pages' physical addresses */
	bool server;	  /* a server: runs until it blocks, never preempted */
	int irq;	  /* the interrupt line whose messages it gets, or -1 */
	bool irq_pending; /* that line fired while the thread was not waiting */
	unsigned ticks_without_call; /* timer ticks that found it running since its last call */
};

struct micro_counts {
	uint64_t syscalls, messages, bytes_copied, grants, interrupts, ring_transitions,
	    as_switches, ctx_switches;
};

struct kernel {
	struct thread threads[MAX_THREADS];
	unsigned nthreads, current;
	struct micro_counts counts;
};

/* ipc.c: carry out system call nr of the current thread; the thread to run next, or -1: none. */
int ipc_syscall(struct kernel *k, uint64_t nr);
/* ipc.c: the next ready thread after the current one, or -1 (then main.c finishes). */
int ipc_schedule(struct kernel *k);
/* ipc.c: interrupt line irq fired: its thread gets the message now, or at its next wait. */
void ipc_irq(struct kernel *k, unsigned irq);
/* ipc.c: thread t is gone: release everyone blocked on it. */
void ipc_thread_died(struct kernel *k, unsigned t);

/* interrupts.c: PIT and 8259A; the driver gets line (if < 16) as messages. False: no PIT. */
bool irq_start(struct kernel *k, struct thread *driver, unsigned line);
/* interrupts.c: the next ready thread, halting until one is if some thread waits for its IRQ. */
int irq_idle(struct kernel *k);

/* main.c */
void micro_thread_exited(struct kernel *k, unsigned t, int64_t code);
/* main.c: thread t broke the rules (its fault or the timer's verdict was printed). */
void micro_thread_killed(struct kernel *k, unsigned t);
/* main.c: make thread next (< 0: none ready) current, its registers in tf. */
void micro_run(int next, struct trap_frame *tf);

#endif
