// SPDX-License-Identifier: MIT
/*
 * The 8259A pair after the Intel 8259A datasheet (ICW1-ICW4, OCW1-OCW3,
 * priority rotation, AEOI, poll, special mask, special fully nested mode,
 * spurious IR7) plus the PIIX ELCR at 0x4d0/0x4d1, with the state laid out
 * as KVM's in-kernel PIC reports it in struct kvm_pic_state.
 *
 * Where the datasheet leaves the model a choice, KVM's behaviour is kept,
 * because a guest that runs on /dev/kvm sees that: an edge request stays
 * latched in IRR when its line falls before INTA; the slave's INT output
 * pulses master IR2 whenever the slave has a request to present (so a
 * second slave request is seen after the first is acknowledged); and a
 * fresh controller is all zeros except the ELCR masks.
 */
#include "vcpu/soft/i8259.h"

#include <string.h>

enum { PIC_MASTER = 0, PIC_SLAVE = 1, PIC_CASCADE_IR = 2, PIC_SPURIOUS_IR = 7 };

/* init_state: which ICW the odd port expects next (0: none, OCW1). */
enum { ICW_DONE = 0, ICW_EXPECT2 = 1, ICW_EXPECT3 = 2, ICW_EXPECT4 = 3 };

/* PIIX ELCR: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge. */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE 0xde

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SELECT 0x10
#define OCW3_SELECT 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

void i8259_init(struct i8259 *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[PIC_MASTER].elcr_mask = ELCR_MASK_MASTER;
	p->chip[PIC_SLAVE].elcr_mask = ELCR_MASK_SLAVE;
}

/* IRs whose request follows the line level rather than its rising edge. */
static uint8_t level_mask(const struct i8259_chip *c)
{
	return c->level_all ? 0xff : c->elcr;
}

/* Priority (0 highest) of the best IR in mask under the current rotation; 8 when mask is empty. */
static unsigned best_priority(const struct i8259_chip *c, uint8_t mask)
{
	for (unsigned prio = 0; prio < 8; prio++)
		if (mask & (1u << ((prio + c->priority_add) & 7)))
			return prio;
	return 8;
}

/* The IR this chip presents on INT, or -1: unmasked, requested, above everything in service. */
static int chip_pending_ir(const struct i8259_chip *c, bool is_master)
{
	unsigned req = best_priority(c, c->irr & (uint8_t)~c->imr);
	uint8_t blocking = c->isr;

	if (req == 8)
		return -1;
	/* Special mask mode: a masked in-service level no longer holds lower ones off. */
	if (c->special_mask)
		blocking &= (uint8_t)~c->imr;
	/* Special fully nested: the slave's own ISR orders its requests, not the master's IR2. */
	if (c->special_fully_nested_mode && is_master)
		blocking &= (uint8_t) ~(1u << PIC_CASCADE_IR);
	if (req >= best_priority(c, blocking))
		return -1;
	return (int)((req + c->priority_add) & 7);
}

/* One input line of one chip changes to level (KVM's pic_set_irq1 semantics). */
static void chip_set_line(struct i8259_chip *c, unsigned ir, int level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (level_mask(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->last_irr & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->last_irr |= bit;
	else
		c->last_irr &= (uint8_t)~bit;
}

/* Propagate the slave's INT output to master IR2; call after every state change. */
static void update_cascade(struct i8259 *p)
{
	struct i8259_chip *m = &p->chip[PIC_MASTER];
	bool slave_int = chip_pending_ir(&p->chip[PIC_SLAVE], false) >= 0;

	if (level_mask(m) & (1u << PIC_CASCADE_IR)) {
		chip_set_line(m, PIC_CASCADE_IR, slave_int);
	} else if (slave_int) {
		chip_set_line(m, PIC_CASCADE_IR, 1);
		chip_set_line(m, PIC_CASCADE_IR, 0);
	}
}

void i8259_set_irq(struct i8259 *p, unsigned irq, int level)
{
	if (irq >= 16)
		return;
	chip_set_line(&p->chip[irq >> 3], irq & 7, level);
	update_cascade(p);
}

bool i8259_int_output(const struct i8259 *p)
{
	return chip_pending_ir(&p->chip[PIC_MASTER], true) >= 0;
}

static void clear_isr(struct i8259_chip *c, unsigned ir)
{
	c->isr &= (uint8_t) ~(1u << ir);
	c->eoi_irs |= (uint8_t)(1u << ir);
}

uint16_t i8259_take_eois(struct i8259 *p)
{
	uint16_t irqs = (uint16_t)(p->chip[PIC_MASTER].eoi_irs | p->chip[PIC_SLAVE].eoi_irs << 8);

	p->chip[PIC_MASTER].eoi_irs = 0;
	p->chip[PIC_SLAVE].eoi_irs = 0;
	return irqs;
}

/* The INTA sequence on one chip for IR ir: in service, edge request consumed, AEOI. */
static void chip_acknowledge(struct i8259_chip *c, unsigned ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	c->isr |= bit;
	if (!(level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (uint8_t)((ir + 1) & 7);
		clear_isr(c, ir);
	}
}

uint8_t i8259_acknowledge(struct i8259 *p)
{
	struct i8259_chip *m = &p->chip[PIC_MASTER], *s = &p->chip[PIC_SLAVE];
	int ir = chip_pending_ir(m, true), ir2;
	uint8_t vector;

	if (ir < 0) {
		/* Request gone before INTA: the datasheet's default IR7, not put in service. */
		vector = (uint8_t)(m->irq_base + PIC_SPURIOUS_IR);
	} else {
		chip_acknowledge(m, (unsigned)ir);
		if (ir == PIC_CASCADE_IR && !m->single_mode) {
			ir2 = chip_pending_ir(s, false);
			if (ir2 >= 0)
				chip_acknowledge(s, (unsigned)ir2);
			else
				ir2 = PIC_SPURIOUS_IR;
			vector = (uint8_t)(s->irq_base + ir2);
		} else {
			vector = (uint8_t)(m->irq_base + ir);
		}
	}
	update_cascade(p);
	return vector;
}

/* ICW1: start the initialization sequence (datasheet: "Initialization Command Words"). */
static void write_icw1(struct i8259_chip *c, uint8_t val)
{
	c->init4 = val & ICW1_IC4;
	c->single_mode = val & ICW1_SNGL;
	c->level_all = val & ICW1_LTIM;
	/* Edge sense reset: a line must rise again; level requests stay as the lines hold them. */
	c->last_irr = 0;
	c->irr &= level_mask(c);
	c->imr = 0;
	/* IR7 lowest priority, special mask off, status read IRR. */
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	c->poll = 0;
	/*
	 * The datasheet is silent on the ISR; a re-initialised chip that kept
	 * stale in-service bits would hold lower levels off for good.
	 */
	c->isr = 0;
	/* IC4 = 0: every ICW4 function is zero. */
	if (!c->init4) {
		c->special_fully_nested_mode = 0;
		c->auto_eoi = 0;
	}
	c->init_state = ICW_EXPECT2;
}

static void write_ocw2(struct i8259_chip *c, uint8_t val)
{
	unsigned prio, ir = val & 7;

	switch (val >> 5) {
	case 0: /* rotate in AEOI mode: clear */
	case 4: /* rotate in AEOI mode: set */
		c->rotate_on_auto_eoi = val >> 7;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		prio = best_priority(c, c->isr);
		if (prio == 8)
			break;
		ir = (prio + c->priority_add) & 7;
		if (val >> 7)
			c->priority_add = (uint8_t)((ir + 1) & 7);
		clear_isr(c, ir);
		break;
	case 3: /* specific EOI */
		clear_isr(c, ir);
		break;
	case 6: /* set priority: IR L becomes the lowest */
		c->priority_add = (uint8_t)((ir + 1) & 7);
		break;
	case 7: /* rotate on specific EOI */
		c->priority_add = (uint8_t)((ir + 1) & 7);
		clear_isr(c, ir);
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_ocw3(struct i8259_chip *c, uint8_t val)
{
	if (val & OCW3_POLL)
		c->poll = 1;
	if (val & OCW3_RR)
		c->read_reg_select = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = (val & OCW3_SMM) ? 1 : 0;
}

static void write_even(struct i8259_chip *c, uint8_t val)
{
	if (val & ICW1_SELECT)
		write_icw1(c, val);
	else if (val & OCW3_SELECT)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
}

/* Odd port: ICW2-ICW4 while initializing, OCW1 (the mask) after. */
static void write_odd(struct i8259_chip *c, uint8_t val)
{
	switch (c->init_state) {
	case ICW_EXPECT2:
		c->irq_base = val & 0xf8; /* x86 mode: T7-T3 of the vector */
		if (!c->single_mode)
			c->init_state = ICW_EXPECT3;
		else
			c->init_state = c->init4 ? ICW_EXPECT4 : ICW_DONE;
		break;
	case ICW_EXPECT3:
		/* The cascade wiring is fixed (slave on master IR2, ID 2): nothing to keep. */
		c->init_state = c->init4 ? ICW_EXPECT4 : ICW_DONE;
		break;
	case ICW_EXPECT4:
		c->special_fully_nested_mode = (val & ICW4_SFNM) ? 1 : 0;
		c->auto_eoi = (val & ICW4_AEOI) ? 1 : 0;
		c->init_state = ICW_DONE;
		break;
	default:
		c->imr = val;
		break;
	}
}

/* A read while a poll command is pending: acknowledge and report the best request. */
static uint8_t poll_read(struct i8259_chip *c, bool is_master)
{
	int ir = chip_pending_ir(c, is_master);

	c->poll = 0;
	if (ir < 0)
		return 0; /* bit 7 clear: no request */
	chip_acknowledge(c, (unsigned)ir);
	return (uint8_t)(0x80 | ir);
}

static uint8_t read_port(struct i8259_chip *c, bool is_master, bool odd)
{
	if (c->poll)
		return poll_read(c, is_master);
	if (odd)
		return c->imr;
	return c->read_reg_select ? c->isr : c->irr;
}

bool i8259_io(struct i8259 *p, uint16_t port, bool write, uint8_t *val)
{
	struct i8259_chip *c;

	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		c = &p->chip[port >> 7];
		if (!write)
			*val = read_port(c, c == &p->chip[PIC_MASTER], port & 1);
		else if (port & 1)
			write_odd(c, *val);
		else
			write_even(c, *val);
		break;
	case 0x4d0:
	case 0x4d1:
		c = &p->chip[port & 1];
		if (write)
			c->elcr = *val & c->elcr_mask;
		else
			*val = c->elcr;
		break;
	default:
		return false;
	}
	update_cascade(p);
	return true;
}

void i8259_get_chip(const struct i8259 *p, unsigned chip, struct kvm_pic_state *s)
{
	const struct i8259_chip *c;

	if (chip > PIC_SLAVE)
		return;
	c = &p->chip[chip];
	memset(s, 0, sizeof(*s));
	s->last_irr = c->last_irr;
	s->irr = c->irr;
	s->imr = c->imr;
	s->isr = c->isr;
	s->priority_add = c->priority_add;
	s->irq_base = c->irq_base;
	s->read_reg_select = c->read_reg_select;
	s->poll = c->poll;
	s->special_mask = c->special_mask;
	s->init_state = c->init_state;
	s->auto_eoi = c->auto_eoi;
	s->rotate_on_auto_eoi = c->rotate_on_auto_eoi;
	s->special_fully_nested_mode = c->special_fully_nested_mode;
	s->init4 = c->init4;
	s->elcr = c->elcr;
	s->elcr_mask = c->elcr_mask;
}

/*
 * Values are taken as given, as KVM does, but kept inside their ranges so
 * that no later computation sees an impossible state. The ICW1 SNGL and
 * LTIM bits have no field in kvm_pic_state (KVM does not model them): a set
 * state has them clear.
 */
void i8259_set_chip(struct i8259 *p, unsigned chip, const struct kvm_pic_state *s)
{
	struct i8259_chip *c;

	if (chip > PIC_SLAVE)
		return;
	c = &p->chip[chip];
	c->last_irr = s->last_irr;
	c->irr = s->irr;
	c->imr = s->imr;
	c->isr = s->isr;
	c->priority_add = s->priority_add & 7;
	c->irq_base = s->irq_base & 0xf8;
	c->read_reg_select = s->read_reg_select ? 1 : 0;
	c->poll = s->poll ? 1 : 0;
	c->special_mask = s->special_mask ? 1 : 0;
	c->init_state = s->init_state <= ICW_EXPECT4 ? s->init_state : ICW_DONE;
	c->auto_eoi = s->auto_eoi ? 1 : 0;
	c->rotate_on_auto_eoi = s->rotate_on_auto_eoi ? 1 : 0;
	c->special_fully_nested_mode = s->special_fully_nested_mode ? 1 : 0;
	c->init4 = s->init4 ? 1 : 0;
	c->elcr_mask = s->elcr_mask;
	c->elcr = s->elcr & s->elcr_mask;
	c->single_mode = false;
	c->level_all = false;
	update_cascade(p);
}
