// SPDX-License-Identifier: MIT
/*
 * The 8254 PIT's registers after the Intel 82C54 datasheet: control words,
 * LSB/MSB/LSB-then-MSB counts, counter latch and read-back commands (count
 * and status with NULL COUNT), each mode's reaction to a new count and to
 * its gate, and the PC's port 0x61 (counter 2's gate, speaker data, OUT2,
 * the refresh toggle). The counting itself is i8254_count.c, the KVM
 * state i8254_state.c.
 *
 * Rises of OUT0 (IRQ 0) are counted in closed form between calls, and also
 * when a guest's reprogramming raises OUT0 (e.g. a mode 0 count still
 * running when mode 2 is selected), as the chip's output would.
 */
#include "vcpu/soft/i8254.h"

#include <string.h>

#include "vcpu/soft/i8254_count.h"

#define PIT_PORT_CTRL 0x43
#define PC_PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_REFRESH 0x10
#define PORT_B_OUT2 0x20
/* The PC's DRAM refresh request (port 0x61 bit 4) toggles every 15.085 us. */
#define REFRESH_HALF_PERIOD_NS 15085

#define CW_BCD 0x01
#define READBACK_NO_COUNT 0x20
#define READBACK_NO_STATUS 0x10
#define STATUS_OUT 0x80
#define STATUS_NULL_COUNT 0x40

static void channel_reset(struct i8254_channel *c, unsigned idx, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->mode = I8254_MODE_UNSET;
	c->gate = idx != 2; /* the PC ties counters 0 and 1's gates high */
	c->count = c->cr = 0x10000;
	c->load_ns = now;
	c->transfer_ns = c->frozen_ns = UINT64_MAX;
}

void i8254_init(struct i8254 *p, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < 3; i++)
		channel_reset(&p->ch[i], i, now);
	p->irq0_edges_ns = now;
}

/* Let a count register transfer that is due take place. */
static void channel_sync(struct i8254_channel *c, uint64_t now)
{
	if (!c->null_count || c->transfer_ns > now)
		return;
	c->count = c->cr;
	c->load_ns = c->cr_load_ns;
	c->counting = true;
	c->null_count = false;
	c->transfer_ns = UINT64_MAX;
}

/* Count OUT0's rises up to now into pending_edges and make counter 0's state current. */
static void collect_edges(struct i8254 *p, uint64_t now)
{
	struct i8254_channel *c = &p->ch[0];
	uint64_t from = p->irq0_edges_ns, n = 0;
	struct i8254_ce ce;

	if (now <= from) {
		channel_sync(c, now);
		return;
	}
	if (c->null_count && c->transfer_ns <= now) {
		ce = (struct i8254_ce){i8254_clocks(c->count, c->bcd), c->load_ns, c->counting};
		n += i8254_rises_between(c, &ce, from, c->transfer_ns);
		if (c->transfer_ns > from)
			from = c->transfer_ns;
		channel_sync(c, now);
	}
	ce = i8254_ce_at(c, now);
	n += i8254_rises_between(c, &ce, from, now);
	if (p->flags & KVM_PIT_FLAGS_HPET_LEGACY)
		n = 0; /* the HPET drives IRQ 0 instead (KVM starts no PIT timer) */
	n += p->pending_edges;
	p->pending_edges = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	p->irq0_edges_ns = now;
}

unsigned i8254_advance(struct i8254 *p, uint64_t now)
{
	unsigned n;

	collect_edges(p, now);
	n = p->pending_edges;
	p->pending_edges = 0;
	return n;
}

uint64_t i8254_next_edge(const struct i8254 *p, uint64_t now)
{
	if (p->pending_edges)
		return now;
	if (p->flags & KVM_PIT_FLAGS_HPET_LEGACY)
		return UINT64_MAX;
	return i8254_next_rise(&p->ch[0], now);
}

bool i8254_out0(const struct i8254 *p, uint64_t now)
{
	return i8254_out_at(&p->ch[0], now);
}

/*
 * A count written while modes 2 and 3 count is taken at the end of the
 * cycle, or in mode 3 at the end of the current half-cycle (82C54: "the new
 * count will be loaded at the end of the current half-cycle"); taken at the
 * end of a high half, the new count starts with its own low half.
 */
static void schedule_transfer(struct i8254_channel *c, uint64_t now)
{
	struct i8254_ce ce = i8254_ce_at(c, now);
	uint64_t d = i8254_ticks(c, &ce, now), start = d - d % ce.n, high = (ce.n + 1) / 2;
	uint64_t new_high = (i8254_clocks(c->cr, c->bcd) + 1) / 2, back;

	if (c->mode == 3 && d % ce.n < high) {
		c->transfer_ns = i8254_tick_time(ce.load, start + high);
		back = i8254_tick_time(0, new_high);
		c->cr_load_ns = c->transfer_ns > back ? c->transfer_ns - back : 0;
	} else {
		c->transfer_ns = i8254_tick_time(ce.load, start + ce.n);
		c->cr_load_ns = c->transfer_ns;
	}
}

/* A complete count written to the count register: when each mode takes it. */
static void write_count(struct i8254_channel *c, uint32_t raw, uint64_t now)
{
	c->count_writes++;
	c->cr = raw ? raw : 0x10000;
	switch (c->mode) {
	case 1:
	case 5: /* waits for the next trigger */
		c->null_count = true;
		c->transfer_ns = UINT64_MAX;
		return;
	case 2:
	case 3:
		if (!c->counting)
			break;
		c->null_count = true;
		c->transfer_ns = UINT64_MAX; /* gate low: the rising edge reloads */
		if (c->gate)
			schedule_transfer(c, now);
		return;
	default: /* 0 and 4 restart with the new count at once */
		break;
	}
	c->count = c->cr;
	c->load_ns = now;
	c->null_count = false;
	c->counting = c->mode != I8254_MODE_UNSET;
	c->frozen_ns = !c->gate && i8254_gate_suspends(c->mode) ? now : UINT64_MAX;
}

static void write_counter(struct i8254_channel *c, uint8_t val, uint64_t now)
{
	switch (c->write_state) {
	case I8254_RW_MSB:
		write_count(c, (uint32_t)val << 8, now);
		break;
	case I8254_RW_WORD0:
		c->write_latch = val;
		c->write_state = I8254_RW_WORD1;
		c->null_count = true;
		if (c->mode == 0 && c->frozen_ns > now)
			c->frozen_ns = now; /* mode 0: the first byte stops counting */
		break;
	case I8254_RW_WORD1:
		c->write_state = I8254_RW_WORD0;
		write_count(c, c->write_latch | (uint32_t)val << 8, now);
		break;
	default: /* LSB */
		write_count(c, val, now);
		break;
	}
}

static void latch_count(struct i8254_channel *c, uint64_t now)
{
	if (c->count_latched)
		return; /* a second latch before the read is ignored */
	c->latched_count = i8254_count_at(c, now);
	c->count_latched = c->rw_mode ? c->rw_mode : I8254_RW_LSB;
}

static void latch_status(struct i8254_channel *c, uint64_t now)
{
	bool null = c->null_count && c->transfer_ns > now;

	if (c->status_latched)
		return;
	c->status = (uint8_t)((i8254_out_at(c, now) ? STATUS_OUT : 0) |
			      (null ? STATUS_NULL_COUNT : 0) | (c->rw_mode & 3) << 4 |
			      (c->mode == I8254_MODE_UNSET ? 0 : c->mode << 1) | (c->bcd & 1));
	c->status_latched = 1;
}

static void write_control(struct i8254 *p, uint8_t val, uint64_t now)
{
	unsigned sel = val >> 6, rw = (val >> 4) & 3, mode = (val >> 1) & 7;
	struct i8254_channel *c;

	if (sel == 3) { /* read-back: bits 1-3 select counters */
		for (unsigned i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & READBACK_NO_COUNT))
				latch_count(&p->ch[i], now);
			if (!(val & READBACK_NO_STATUS))
				latch_status(&p->ch[i], now);
		}
		return;
	}
	c = &p->ch[sel];
	if (rw == 0) {
		latch_count(c, now);
		return;
	}
	c->rw_mode = (uint8_t)rw;
	c->read_state = c->write_state = (uint8_t)rw;
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* 6 and 7 are 2 and 3 */
	c->bcd = val & CW_BCD;
	/* Reprogramming drops latches and stops the counter until a count arrives. */
	c->count_latched = c->status_latched = 0;
	c->counting = false;
	c->null_count = true;
	c->transfer_ns = c->frozen_ns = UINT64_MAX;
}

static uint8_t read_latched(struct i8254_channel *c)
{
	uint8_t v;

	switch (c->count_latched) {
	case I8254_RW_MSB:
		v = (uint8_t)(c->latched_count >> 8);
		c->count_latched = 0;
		break;
	case I8254_RW_WORD0:
		v = (uint8_t)c->latched_count;
		c->count_latched = I8254_RW_MSB;
		break;
	default:
		v = (uint8_t)c->latched_count;
		c->count_latched = 0;
		break;
	}
	return v;
}

static uint8_t read_counter(struct i8254_channel *c, uint64_t now)
{
	uint16_t count;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched)
		return read_latched(c);
	count = i8254_count_at(c, now);
	switch (c->read_state) {
	case I8254_RW_MSB:
		return (uint8_t)(count >> 8);
	case I8254_RW_WORD0:
		c->read_state = I8254_RW_WORD1;
		return (uint8_t)count;
	case I8254_RW_WORD1:
		c->read_state = I8254_RW_WORD0;
		return (uint8_t)(count >> 8);
	default:
		return (uint8_t)count;
	}
}

/* A gate input changes: trigger (1, 5), reload (2, 3), suspend or resume (0, 2, 3, 4). */
static void set_gate(struct i8254_channel *c, bool level, uint64_t now)
{
	bool half_written = c->mode == 0 && c->write_state == I8254_RW_WORD1;

	channel_sync(c, now);
	if (level == c->gate)
		return;
	c->gate = level;
	if (!level) {
		if (i8254_gate_suspends(c->mode) && c->frozen_ns > now)
			c->frozen_ns = now;
		if (c->mode == 2 || c->mode == 3)
			c->transfer_ns = UINT64_MAX; /* a new count now waits for the rising edge */
		return;
	}
	switch (c->mode) {
	case 1:
	case 2:
	case 3:
	case 5:
		if (!c->counting && !(c->mode == 1 || c->mode == 5))
			break; /* modes 2/3 without a count yet: nothing to reload */
		c->count = c->cr;
		c->load_ns = now;
		c->counting = true;
		c->null_count = false;
		c->transfer_ns = c->frozen_ns = UINT64_MAX;
		break;
	case 0:
	case 4:
		if (c->frozen_ns != UINT64_MAX && !half_written) {
			if (now > c->frozen_ns)
				c->load_ns += now - c->frozen_ns;
			c->frozen_ns = UINT64_MAX;
		}
		break;
	default:
		break;
	}
}

static uint8_t read_port_b(const struct i8254 *p, uint64_t now)
{
	const struct i8254_channel *c2 = &p->ch[2];

	return (uint8_t)((c2->gate ? PORT_B_GATE2 : 0) | (p->speaker_data_on ? PORT_B_SPEAKER : 0) |
			 ((now / REFRESH_HALF_PERIOD_NS) & 1 ? PORT_B_REFRESH : 0) |
			 (i8254_out_at(c2, now) ? PORT_B_OUT2 : 0));
}

/* Counter 0 port traffic: edges so far are counted first, and a rise the write causes after. */
static void counter0_io(struct i8254 *p, uint16_t port, bool write, uint8_t *val, uint64_t now)
{
	bool before;

	collect_edges(p, now);
	before = i8254_out_at(&p->ch[0], now);
	if (!write) {
		*val = read_counter(&p->ch[0], now);
		return;
	}
	if (port == PIT_PORT_CTRL)
		write_control(p, *val, now);
	else
		write_counter(&p->ch[0], *val, now);
	if (!before && i8254_out_at(&p->ch[0], now) && !(p->flags & KVM_PIT_FLAGS_HPET_LEGACY))
		p->pending_edges += p->pending_edges < UINT32_MAX;
}

bool i8254_io(struct i8254 *p, uint16_t port, bool write, uint8_t *val, uint64_t now)
{
	if (port == PC_PORT_B) {
		if (!write) {
			*val = read_port_b(p, now);
		} else {
			p->speaker_data_on = (*val & PORT_B_SPEAKER) ? 1 : 0;
			set_gate(&p->ch[2], *val & PORT_B_GATE2, now);
		}
		return true;
	}
	if (port < 0x40 || port > PIT_PORT_CTRL)
		return false;
	if (port == PIT_PORT_CTRL && !write) {
		*val = 0xff; /* the control word register is write-only */
		return true;
	}
	if (port == 0x40 || (port == PIT_PORT_CTRL && (*val >> 6) != 1 && (*val >> 6) != 2)) {
		/* Counter 0, or a control word that may touch it (its own or a read-back). */
		counter0_io(p, port, write, val, now);
		return true;
	}
	if (port == PIT_PORT_CTRL) {
		write_control(p, *val, now);
		return true;
	}
	channel_sync(&p->ch[port - 0x40], now);
	if (write)
		write_counter(&p->ch[port - 0x40], *val, now);
	else
		*val = read_counter(&p->ch[port - 0x40], now);
	return true;
}
