/* SPDX-License-Identifier: MIT */
/* The preempt guest's parts: two preempted tasks (tasks.c), interrupt-driven serial echo (echo.c).
 */
#ifndef PREEMPT_H
#define PREEMPT_H

#include <stdint.h>

struct task_report {
	uint64_t ticks;	      /* LAPIC timer interrupts taken */
	uint64_t switches;    /* task switches made by the timer handler */
	uint64_t progress[2]; /* loop iterations of task a and task b */
	uint64_t tsc_start, tsc_end;
};

/*
 * Run tasks a and b, switched by the LAPIC timer every `count` timer ticks
 * (periodic), until `ticks` interrupts have been taken; the caller sleeps
 * in HLT meanwhile and gets control back after the last one.
 */
void tasks_run(uint32_t count, uint64_t ticks, struct task_report *r);

#define ECHO_MAX 64

/* Enable COM1's receive interrupt (IER, MCR OUT2, PIC IRQ 4) and echo what arrives. */
void echo_start(void);
/* Sleep in HLT until n bytes have arrived; the bytes so far are in buf, returns how many. */
unsigned echo_wait(unsigned n, char *buf);

#endif
