// SPDX-License-Identifier: MIT
/*
 * The PIT's IRQ 0 (issue 11): counter 0's rising edges become pulses on
 * GSI 0 (PIC IRQ 0 and IOAPIC pin 0), paced by KVM's reinjection
 * (i8254_reinject.c): the PIC's EOI or AEOI of IRQ 0 and a local APIC's
 * EOI of pin 0's vector acknowledge a pulse, as KVM's ack notifier for
 * GSI 0; unmasking IRQ 0 on either chip drops the missed ticks, as its
 * mask notifier, and so does a new count written to counter 0, as KVM's
 * timer restart (create_pit_timer). Every function runs under the
 * irqchip's lock.
 */
#include "vcpu/soft/irqchip.h"
#include "vcpu/soft/soft_cpu.h"

#include <errno.h>

#define RTE_VECTOR 0xffULL	/* 82093AA redirection entry: vector */
#define RTE_MASKED (1ULL << 16) /* and mask */

/* Edge-triggered IRQ 0 on the PIC and pin 0 of the IOAPIC. */
static void pulse(struct soft_irqchip *c)
{
	i8259_set_irq(&c->pic, 0, 1);
	ioapic_set_irq(&c->ioapic, 0, 1);
	i8259_set_irq(&c->pic, 0, 0);
	ioapic_set_irq(&c->ioapic, 0, 0);
	irqchip_wake_all(c);
}

uint64_t irqchip_pit_advance(struct soft_irqchip *c, uint64_t now)
{
	unsigned n;

	if (!c->has_pit)
		return UINT64_MAX;
	n = i8254_advance(&c->pit, now);
	c->pit_edges += n;
	if (i8254_reinject_tick(&c->pit_reinject, n))
		pulse(c);
	return i8254_next_edge(&c->pit, now);
}

static void ack(struct soft_irqchip *c)
{
	if (c->has_pit && i8254_reinject_ack(&c->pit_reinject))
		pulse(c);
}

unsigned irqchip_pit_masks(const struct soft_irqchip *c)
{
	return (c->pic.chip[0].imr & 1u) | ((c->ioapic.redir[0] & RTE_MASKED) ? 2u : 0u);
}

void irqchip_pit_update(struct soft_irqchip *c, unsigned masks)
{
	if (i8259_take_eois(&c->pic) & 1u)
		ack(c);
	if (!c->has_pit)
		return;
	if ((masks & ~irqchip_pit_masks(c)) ||
	    c->pit.ch[0].count_writes != c->pit_count_writes_seen)
		i8254_reinject_reset(&c->pit_reinject);
	c->pit_count_writes_seen = c->pit.ch[0].count_writes;
}

void irqchip_pit_ioapic_eoi(struct soft_irqchip *c, uint8_t vector)
{
	if ((c->ioapic.redir[0] & RTE_VECTOR) == vector)
		ack(c);
}

int soft_vm_pit_reinject(struct soft_vm *vm, bool on)
{
	struct soft_irqchip *c = vm->irqchip;

	if (!c || !c->has_pit)
		return -ENXIO;
	pthread_mutex_lock(&c->lock);
	if (c->pit_reinject.on != on) {
		c->pit_reinject.on = on;
		i8254_reinject_reset(&c->pit_reinject);
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}
