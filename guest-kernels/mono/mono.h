/* SPDX-License-Identifier: MIT */
/* Internal interfaces of mono, the monolithic kernel (see main.c). */
#ifndef MONO_H
#define MONO_H

#include <stdint.h>

#include "idt.h"
#include "uspace.h"

/* A user program: its address space and, while it is not running, its registers. */
struct process {
	const char *name;
	struct uspace as;
	struct trap_frame regs;
	int alive;
	unsigned
	    ticks_without_call; /* timer ticks that found it running since its last system call */
};

/* What mono counts about itself (printed as one "stats:" line). */
struct mono_counts {
	uint64_t syscalls, int80s, faults, interrupts, ring_transitions, as_switches, ctx_switches;
};

/* syscall.c: the system-call table and its service procedures. */
int64_t syscall_dispatch(struct process *p, uint64_t nr, uint64_t a0, uint64_t a1);

/* util.c: utility procedures the services share. */
int util_disk_init(const char *cmdline);
int util_disk_rw(int write, uint64_t sector, void *buf);
void *util_user_ptr(struct process *p, uint64_t va, uint64_t len);
const char *util_cmdline(void);

/* main.c */
void mono_exit_current(int64_t code);

#endif
