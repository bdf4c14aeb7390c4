// SPDX-License-Identifier: MIT
/*
 * The PIT's tick reinjection, as KVM's in-kernel PIT does it in its
 * default mode (arch/x86/kvm/i8254.c: the timer counts ticks in pending,
 * a pulse goes only when the previous one was acknowledged, and the
 * acknowledge sends the next while ticks are left). A guest that keeps
 * time by counting IRQ 0 sees every tick, late, rather than losing those
 * that fell while it could not take the interrupt. irqchip_pit.c wires
 * it to the PIC, the IOAPIC and the clock.
 */
#include "vcpu/soft/i8254.h"

void i8254_reinject_reset(struct i8254_reinject *r)
{
	r->pending = 0;
	r->irq_ack = true;
}

bool i8254_reinject_tick(struct i8254_reinject *r, unsigned n)
{
	if (!n)
		return false;
	if (!r->on)
		return true; /* coalesced: one pulse stands for all */
	r->pending = n > I8254_MAX_PENDING - r->pending ? I8254_MAX_PENDING : r->pending + n;
	if (!r->irq_ack)
		return false;
	r->irq_ack = false;
	return true;
}

bool i8254_reinject_ack(struct i8254_reinject *r)
{
	r->irq_ack = true;
	if (!r->pending)
		return false;
	if (!--r->pending)
		return false;
	r->irq_ack = false;
	return true;
}
