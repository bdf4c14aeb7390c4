/* SPDX-License-Identifier: MIT */
/*
 * An interrupt line as a device sees it: a wire into the interrupt
 * controller, driven high or low. The device never learns what is on the
 * other end; the VM object connects it to KVM_IRQ_LINE on the line's GSI
 * (the PIC and IOAPIC input of the same number), on either provider.
 *
 * A device keeps its line's level itself and calls irq_line_set() only
 * when it changes, under its own lock: set() may be called from any
 * thread (the vCPU's register accesses, the console's reader thread),
 * and the other end (the in-kernel irqchip) serialises the calls.
 */
#ifndef MINIVMM_DEVICES_IRQ_H
#define MINIVMM_DEVICES_IRQ_H

#include <stdbool.h>
#include <stddef.h>

struct irq_line {
	/* NULL: not connected (no interrupt controller, or a unit test without one). */
	void (*set)(void *ctx, unsigned gsi, int level);
	void *ctx;
	unsigned gsi;
};

static inline bool irq_line_connected(const struct irq_line *line)
{
	return line && line->set;
}

/* Drive the line: level 1 asserts it, 0 releases it. */
static inline void irq_line_set(const struct irq_line *line, bool level)
{
	if (irq_line_connected(line))
		line->set(line->ctx, line->gsi, level);
}

#endif
