// SPDX-License-Identifier: MIT
/*
 * preempt: a guest that lives on interrupts. It programs the 8259A pair
 * and the 8254 PIT (channel 0, mode 2) and counts PIT ticks while halted,
 * measuring the TSC and the local APIC timer against them; then it runs
 * two tasks switched preemptively by the LAPIC timer (periodic, at the
 * same rate), compares the ticks it took with the TSC time that passed,
 * optionally echoes serial input taken by interrupt, and exits through
 * isa-debug-exit with a report. The "preempt:" lines are the same on
 * every correct VMM (minivmm on either provider, QEMU microvm); the
 * "measure:" line carries the host-dependent numbers: the TSC and LAPIC
 * timer rates, the ticks the TSC says should have come, the tasks' loop
 * counts (bench/preempt_rate.py times the phases on the host instead).
 *
 * Command line: preempt.hz=H (PIT and LAPIC rate, default 1000),
 * preempt.calib=K (PIT ticks to calibrate over, default 100),
 * preempt.ticks=N (LAPIC ticks to run the tasks for, default 300),
 * preempt.echo=B (wait for B bytes of serial input at the end, default 0).
 */
#include <stdbool.h>

#include "bootinfo.h"
#include "guest.h"
#include "hw.h"
#include "idt.h"
#include "preempt.h"
#include "printf.h"

/* Tick count and TSC may disagree by this much (percent) before the report says no. */
#define TOLERANCE_PCT 5

struct config {
	uint64_t hz, calib, ticks, echo;
};

static volatile uint64_t pit_ticks;

static void on_pit(struct trap_frame *tf)
{
	(void)tf;
	pit_ticks++;
	pic_eoi(IRQ_PIT);
}

/* Spurious interrupts (PIC IRQ 7/15, the LAPIC's vector) need no EOI: ignore them. */
static void on_spurious(struct trap_frame *tf)
{
	(void)tf;
}

static int parse(const char *cmdline, struct config *c)
{
	*c = (struct config){.hz = 1000, .calib = 100, .ticks = 300, .echo = 0};
	cmdline_get_u64(cmdline, "preempt.hz", &c->hz);
	cmdline_get_u64(cmdline, "preempt.calib", &c->calib);
	cmdline_get_u64(cmdline, "preempt.ticks", &c->ticks);
	cmdline_get_u64(cmdline, "preempt.echo", &c->echo);
	/* The PIT divisor must fit 16 bits; a handful of ticks proves nothing. */
	if (c->hz < 19 || c->hz > 10000 || c->calib < 10 || c->ticks < 3 || c->echo > ECHO_MAX) {
		kprintf("preempt: bad command line (hz 19..10000, calib >= 10, ticks >= 3, "
			"echo <= %d)\n",
			ECHO_MAX);
		return -1;
	}
	return 0;
}

struct calibration {
	uint64_t tsc_hz, lapic_hz; /* lapic_hz: the timer's count rate after divide-by-16 */
	uint16_t divisor;
};

/* Phase 1: PIT ticks taken in HLT; the TSC and the LAPIC counter measured against them. */
static void calibrate(const struct config *c, struct calibration *cal)
{
	uint64_t start, t0, t1, pit_ns_num, lapic_used;

	idt_set_handler(PIC_VECTOR_BASE + IRQ_PIT, on_pit);
	cal->divisor = pit_start((unsigned)c->hz);
	pic_unmask(IRQ_PIT);
	while (pit_ticks < 1)
		wait_for_interrupt(); /* start on a tick edge */
	t0 = rdtsc();
	lapic_timer_count_down();
	start = pit_ticks;
	while (pit_ticks < start + c->calib)
		wait_for_interrupt();
	t1 = rdtsc();
	lapic_used = 0xffffffffu - lapic_timer_current();
	pic_mask(IRQ_PIT);
	pit_stop();
	/* calib ticks of divisor PIT clocks: calib * divisor / PIT_HZ seconds. */
	pit_ns_num = c->calib * cal->divisor;
	cal->tsc_hz = (t1 - t0) * PIT_HZ / pit_ns_num;
	cal->lapic_hz = lapic_used * PIT_HZ / pit_ns_num;
	kprintf("preempt: pit: %lu ticks at %lu Hz (divisor %u), taken in hlt\n", c->calib, c->hz,
		cal->divisor);
}

static bool within(uint64_t got, uint64_t want, unsigned pct)
{
	uint64_t diff = got > want ? got - want : want - got;

	return diff * 100 <= want * pct;
}

/* Phase 2: two tasks on the LAPIC timer; the tick count against the TSC. */
static void preempt(const struct config *c, const struct calibration *cal)
{
	struct task_report r;
	uint64_t expected;
	uint32_t count = (uint32_t)(cal->lapic_hz / c->hz);

	tasks_run(count ? count : 1, c->ticks, &r);
	expected = cal->tsc_hz ? (r.tsc_end - r.tsc_start) * c->hz / cal->tsc_hz : 0;
	kprintf("preempt: lapic: %lu ticks, %lu task switches\n", r.ticks, r.switches);
	kprintf("preempt: task a ran: %s, task b ran: %s\n", r.progress[0] ? "yes" : "no",
		r.progress[1] ? "yes" : "no");
	/* Host-dependent (a loaded host delays or merges ticks): measured, not part of the report.
	 */
	kprintf("measure: tsc %lu Hz, lapic timer %lu Hz (count %u), %lu ticks where the tsc "
		"says %lu (within %d%%: %s), task a %lu, task b %lu\n",
		cal->tsc_hz, cal->lapic_hz, count, r.ticks, expected, TOLERANCE_PCT,
		within(r.ticks, expected, TOLERANCE_PCT) ? "yes" : "no", r.progress[0],
		r.progress[1]);
}

int guest_main(const char *cmdline)
{
	struct config c;
	struct calibration cal;
	char got[ECHO_MAX + 1];
	unsigned n;

	if (parse(cmdline, &c))
		return 2;
	idt_set_handler(PIC_VECTOR_BASE + 7, on_spurious);
	idt_set_handler(PIC_VECTOR_BASE + 15, on_spurious);
	idt_set_handler(VEC_SPURIOUS, on_spurious);
	pic_init();
	lapic_enable();
	kprintf("preempt: pic remapped to 0x%x, lapic enabled, lint0 extint\n", PIC_VECTOR_BASE);
	calibrate(&c, &cal);
	preempt(&c, &cal);
	if (c.echo) {
		kprintf("preempt: echo: waiting for %lu bytes\n", c.echo);
		echo_start();
		n = echo_wait((unsigned)c.echo, got);
		got[n] = '\0';
		kprintf("\npreempt: echo: got %u bytes \"%s\"\n", n, got);
	}
	kprintf("preempt: done\n");
	return 0;
}
