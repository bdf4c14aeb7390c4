// SPDX-License-Identifier: MIT
/*
 * Preemptive switching between two tasks. Each task is a saved interrupt
 * frame (lib/idt.h's struct trap_frame: all registers plus RIP, CS,
 * RFLAGS, RSP, SS); the LAPIC timer handler swaps the frame it was given
 * with the next task's, so the iretq at the end of the interrupt resumes
 * another task on its own stack. The caller (main) is the third context:
 * it sleeps until the first tick, and the last tick hands it back.
 */
#include "preempt.h"

#include "hw.h"
#include "idt.h"
#include "kstring.h"

#define TASK_STACK 8192
#define RFLAGS_IF 0x202 /* IF and the always-one bit 1 */

enum { MAIN = 2 }; /* context index of the caller; tasks are 0 and 1 */

static uint8_t stacks[2][TASK_STACK] __attribute__((aligned(16)));
static struct trap_frame frames[3];
static volatile uint64_t progress[2];
static volatile uint64_t ticks;
static uint64_t ticks_wanted, switches;
static unsigned current = MAIN;

static void __attribute__((noreturn)) task_a(void)
{
	for (;;)
		progress[0]++;
}

static void __attribute__((noreturn)) task_b(void)
{
	for (;;)
		progress[1]++;
}

static void task_frame(unsigned i, void (*fn)(void))
{
	memset(&frames[i], 0, sizeof(frames[i]));
	frames[i].rip = (uint64_t)fn;
	frames[i].cs = KERNEL_CS;
	frames[i].rflags = RFLAGS_IF;
	/* As if called: the return-address slot below a 16-byte aligned top. */
	frames[i].rsp = (uint64_t)(stacks[i] + TASK_STACK) - 8;
	frames[i].ss = KERNEL_DS;
}

static void switch_to(struct trap_frame *tf, unsigned next)
{
	frames[current] = *tf;
	*tf = frames[next];
	current = next;
	switches++;
}

static void on_timer(struct trap_frame *tf)
{
	ticks++;
	if (ticks >= ticks_wanted) {
		lapic_timer_stop();
		lapic_eoi();
		switch_to(tf, MAIN);
		return;
	}
	lapic_eoi();
	switch_to(tf, current == 0 ? 1 : 0);
}

void tasks_run(uint32_t count, uint64_t n, struct task_report *r)
{
	task_frame(0, task_a);
	task_frame(1, task_b);
	ticks = 0;
	ticks_wanted = n;
	switches = 0;
	current = MAIN;
	idt_set_handler(VEC_LAPIC_TIMER, on_timer);
	r->tsc_start = rdtsc();
	lapic_timer_periodic(count);
	while (ticks < ticks_wanted)
		wait_for_interrupt();
	r->tsc_end = rdtsc();
	r->ticks = ticks;
	/* The first switch left main, the last one came back: those two are not task switches. */
	r->switches = switches >= 2 ? switches - 2 : 0;
	r->progress[0] = progress[0];
	r->progress[1] = progress[1];
}
