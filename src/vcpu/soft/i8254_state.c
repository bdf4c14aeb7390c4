// SPDX-License-Identifier: MIT
/*
 * KVM_GET/SET_PIT2 for the 8254: struct kvm_pit_state2 field by field as
 * KVM's in-kernel PIT fills it (count 0x10000 for a written 0, mode 0xff
 * for a counter never programmed, read/write states in KVM's encoding,
 * count_load_time on the VM clock).
 */
#include "vcpu/soft/i8254.h"

#include <string.h>

#include "vcpu/soft/i8254_count.h"

void i8254_get_state(const struct i8254 *p, struct kvm_pit_state2 *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < 3; i++) {
		const struct i8254_channel *c = &p->ch[i];
		struct kvm_pit_channel_state *o = &s->channels[i];

		/* A count still waiting in the count register is the one KVM would hold. */
		o->count = c->null_count ? c->cr : c->count;
		o->latched_count = c->latched_count;
		o->count_latched = c->count_latched;
		o->status_latched = c->status_latched;
		o->status = c->status;
		o->read_state = c->read_state;
		o->write_state = c->write_state;
		o->write_latch = c->write_latch;
		o->rw_mode = c->rw_mode;
		o->mode = c->mode;
		o->bcd = c->bcd;
		o->gate = c->gate;
		o->count_load_time = (int64_t)c->load_ns;
	}
	s->flags = p->flags | (p->speaker_data_on ? KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0);
}

static uint8_t sane_rw_state(uint8_t v)
{
	return v <= I8254_RW_WORD1 ? v : I8254_RW_LSB;
}

static void set_channel(struct i8254_channel *c, const struct kvm_pit_channel_state *o,
			uint64_t now)
{
	uint8_t mode = o->mode;

	c->count = c->cr = o->count && o->count <= 0x10000 ? o->count : 0x10000;
	c->latched_count = o->latched_count;
	c->count_latched = o->count_latched <= I8254_RW_WORD0 ? o->count_latched : 0;
	c->status_latched = o->status_latched ? 1 : 0;
	c->status = o->status;
	c->read_state = sane_rw_state(o->read_state);
	c->write_state = sane_rw_state(o->write_state);
	c->write_latch = o->write_latch;
	c->rw_mode = o->rw_mode & 3;
	c->mode = mode <= 5 ? mode : (mode <= 7 ? mode - 4 : I8254_MODE_UNSET);
	c->bcd = o->bcd & 1;
	c->gate = o->gate ? 1 : 0;
	/* A load time from the future (or before time began) counts from now. */
	c->load_ns = o->count_load_time >= 0 && (uint64_t)o->count_load_time <= now
			 ? (uint64_t)o->count_load_time
			 : now;
	/*
	 * kvm_pit_channel_state has no NULL COUNT or trigger state: a set
	 * counter holds its count and counts (modes 1/5 as if triggered).
	 */
	c->null_count = false;
	c->counting = c->mode != I8254_MODE_UNSET;
	c->transfer_ns = UINT64_MAX;
	c->frozen_ns = UINT64_MAX;
	if ((!c->gate && i8254_gate_suspends(c->mode)) ||
	    (c->mode == 0 && c->write_state == I8254_RW_WORD1))
		c->frozen_ns = now;
}

void i8254_set_state(struct i8254 *p, const struct kvm_pit_state2 *s, uint64_t now)
{
	for (unsigned i = 0; i < 3; i++)
		set_channel(&p->ch[i], &s->channels[i], now);
	p->flags = s->flags & ~(uint32_t)KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	p->speaker_data_on = (s->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON) ? 1 : 0;
	/* A restored timer starts counting edges afresh (KVM drops pending ticks too). */
	p->pending_edges = 0;
	p->irq0_edges_ns = now;
}
