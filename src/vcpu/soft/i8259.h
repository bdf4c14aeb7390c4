/* SPDX-License-Identifier: MIT */
/*
 * The 8259A programmable interrupt controller pair of the PC (master at
 * ports 0x20/0x21 with IRQ 0-7, slave at 0xa0/0xa1 cascaded on master
 * IRQ 2, ELCR at 0x4d0/0x4d1), as the software provider's in-"kernel"
 * device behind KVM_CREATE_IRQCHIP (issue 11). A plain state machine: no
 * clock, no locks, no CPU; irqchip.c owns the instance and its lock.
 */
#ifndef MINIVMM_SOFT_I8259_H
#define MINIVMM_SOFT_I8259_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct i8259_chip {
	uint8_t irr, imr, isr;
	uint8_t last_irr;      /* line levels seen last: edge detection */
	uint8_t priority_add;  /* IR of highest priority (rotation moves it; KVM's meaning) */
	uint8_t irq_base;      /* ICW2 vector base */
	uint8_t read_reg_select, poll, special_mask, init_state, auto_eoi,
		rotate_on_auto_eoi, special_fully_nested_mode, init4, elcr, elcr_mask;
	bool single_mode; /* ICW1 SNGL */
	bool level_all;	  /* ICW1 LTIM: every IR level-sensitive (no field in kvm_pic_state) */
	uint8_t eoi_irs;  /* IRs whose in-service bit an EOI or AEOI cleared: i8259_take_eois() */
};

struct i8259 {
	struct i8259_chip chip[2]; /* 0 master, 1 slave */
};

void i8259_init(struct i8259 *p);

/* Drive ISA line irq (0..15) to level (0/1); edge lines latch on 0->1, ELCR lines are level. */
void i8259_set_irq(struct i8259 *p, unsigned irq, int level);

/* Ports 0x20/0x21/0xa0/0xa1/0x4d0/0x4d1, one byte; false when the port is not the PIC's. */
bool i8259_io(struct i8259 *p, uint16_t port, bool write, uint8_t *val);

/* The master's INT output: an unmasked request of higher priority than any in service. */
bool i8259_int_output(const struct i8259 *p);

/* The INTA cycle: the vector to deliver (IRQ 7/15 spurious vectors if nothing is left). */
uint8_t i8259_acknowledge(struct i8259 *p);

/*
 * The IRQs (bit n = IRQ n) acknowledged since the last call: a specific or
 * non-specific EOI, or an AEOI at the INTA cycle or a poll, as KVM calls its
 * ack notifiers (the PIT's reinjection waits for IRQ 0's).
 */
uint16_t i8259_take_eois(struct i8259 *p);

/* KVM_GET/SET_IRQCHIP (KVM_IRQCHIP_PIC_MASTER = chip 0, _SLAVE = chip 1). */
void i8259_get_chip(const struct i8259 *p, unsigned chip, struct kvm_pic_state *s);
void i8259_set_chip(struct i8259 *p, unsigned chip, const struct kvm_pic_state *s);

#endif
