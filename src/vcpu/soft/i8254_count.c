// SPDX-License-Identifier: MIT
/*
 * One 8254 counting element as a function of VM time, after the Intel
 * 82C54 datasheet's mode descriptions. A count is taken to enter the
 * counting element at the instant it is written (the datasheet loads it on
 * the next CLK pulse, at most one 838 ns clock later; KVM and QEMU fold that
 * pulse in the same way), and CLK pulse k after that instant falls at
 * load + k / 1.193182 MHz. Counting that is suspended (gate low in modes
 * 0, 2, 3 and 4; mode 0 between the two bytes of a count) stops at
 * frozen_ns.
 */
#include "vcpu/soft/i8254_count.h"

#define NS_PER_SEC 1000000000ULL

typedef unsigned __int128 u128;

uint64_t i8254_clocks(uint32_t raw, bool bcd)
{
	if (raw == 0 || raw >= 0x10000)
		return bcd ? 10000 : 0x10000;
	if (!bcd)
		return raw;
	/* Digits above 9 are not BCD; they keep their place value so that the count stays finite.
	 */
	return (raw >> 12 & 15) * 1000 + (raw >> 8 & 15) * 100 + (raw >> 4 & 15) * 10 + (raw & 15);
}

bool i8254_gate_suspends(uint8_t mode)
{
	return mode == 0 || mode == 2 || mode == 3 || mode == 4;
}

struct i8254_ce i8254_ce_at(const struct i8254_channel *c, uint64_t now)
{
	if (c->null_count && c->transfer_ns <= now)
		return (struct i8254_ce){i8254_clocks(c->cr, c->bcd), c->cr_load_ns, true};
	return (struct i8254_ce){i8254_clocks(c->count, c->bcd), c->load_ns, c->counting};
}

uint64_t i8254_ticks(const struct i8254_channel *c, const struct i8254_ce *ce, uint64_t now)
{
	uint64_t end = now < c->frozen_ns ? now : c->frozen_ns;

	if (end <= ce->load)
		return 0;
	return (uint64_t)((u128)(end - ce->load) * I8254_HZ / NS_PER_SEC);
}

uint64_t i8254_tick_time(uint64_t load, uint64_t k)
{
	u128 t = load + ((u128)k * NS_PER_SEC + I8254_HZ - 1) / I8254_HZ;

	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

/* Mode 3's count: down by two per clock; odd counts spend one extra clock in the high half. */
static uint64_t square_wave_count(uint64_t n, uint64_t d)
{
	uint64_t p = d % n, high = (n + 1) / 2;

	if (!(n & 1))
		return p < n / 2 ? n - 2 * p : n - 2 * (p - n / 2);
	if (p < high)
		return p ? n + 1 - 2 * p : n;
	p -= high;
	return p ? n - 1 - 2 * p : n;
}

static uint16_t to_bcd(uint64_t v)
{
	return (uint16_t)(v / 1000 % 10 << 12 | v / 100 % 10 << 8 | v / 10 % 10 << 4 | v % 10);
}

uint16_t i8254_count_at(const struct i8254_channel *c, uint64_t now)
{
	struct i8254_ce ce = i8254_ce_at(c, now);
	uint64_t mod = c->bcd ? 10000 : 0x10000, d, v;

	if (!ce.counting) {
		v = ce.n;
	} else {
		d = i8254_ticks(c, &ce, now);
		if (c->mode == 2)
			v = ce.n - d % ce.n;
		else if (c->mode == 3)
			v = square_wave_count(ce.n, d);
		else /* one-shot modes: past zero the count wraps and goes on */
			v = ce.n % mod + mod - d % mod;
	}
	v %= mod;
	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

bool i8254_out_at(const struct i8254_channel *c, uint64_t now)
{
	struct i8254_ce ce = i8254_ce_at(c, now);
	uint64_t d = ce.counting ? i8254_ticks(c, &ce, now) : 0;

	switch (c->mode) {
	case 0: /* low from the control word until the count reaches zero */
		return ce.counting && c->write_state != I8254_RW_WORD1 && d >= ce.n;
	case 1: /* low from the trigger until zero */
		return !ce.counting || d >= ce.n;
	case 2: /* low for the one clock at count 1; gate low forces it high */
		return !ce.counting || !c->gate || ce.n < 2 || d % ce.n != ce.n - 1;
	case 3: /* high for the first half (rounded up), low for the rest */
		return !ce.counting || !c->gate || d % ce.n < (ce.n + 1) / 2;
	case 4:
	case 5: /* one clock low when the count reaches zero */
		return !ce.counting || d != ce.n;
	default: /* never programmed: idle high, so a first control word raises no edge */
		return true;
	}
}

/* The clock pulse at which a one-shot mode's OUT rises, or 0 for periodic modes and none. */
static uint64_t one_shot_rise(const struct i8254_channel *c, const struct i8254_ce *ce)
{
	switch (c->mode) {
	case 0:
	case 1:
		return ce->n;
	case 4:
	case 5:
		return ce->n + 1;
	default:
		return 0;
	}
}

static bool periodic(const struct i8254_channel *c, const struct i8254_ce *ce)
{
	/* A count of 1 is illegal in modes 2 and 3: OUT then stays high (as KVM and QEMU show it).
	 */
	return (c->mode == 2 || c->mode == 3) && ce->n >= 2;
}

uint64_t i8254_rises_between(const struct i8254_channel *c, const struct i8254_ce *ce,
			     uint64_t from, uint64_t to)
{
	uint64_t a, b, k;

	if (!ce->counting || to <= from)
		return 0;
	a = i8254_ticks(c, ce, from);
	b = i8254_ticks(c, ce, to);
	if (periodic(c, ce))
		return b / ce->n - a / ce->n;
	k = one_shot_rise(c, ce);
	return k && a < k && k <= b;
}

/* The first rise of OUT after t for the counting element ce. */
static uint64_t rise_after(const struct i8254_channel *c, const struct i8254_ce *ce, uint64_t t)
{
	uint64_t d, k;

	if (!ce->counting || c->frozen_ns != UINT64_MAX)
		return UINT64_MAX;
	d = i8254_ticks(c, ce, t);
	if (periodic(c, ce)) {
		k = (d / ce->n + 1) * ce->n;
	} else {
		k = one_shot_rise(c, ce);
		if (!k || k <= d)
			return UINT64_MAX;
	}
	return i8254_tick_time(ce->load, k);
}

uint64_t i8254_next_rise(const struct i8254_channel *c, uint64_t now)
{
	struct i8254_ce ce = i8254_ce_at(c, now), next;
	uint64_t t = rise_after(c, &ce, now);

	/* A count taken mid-cycle (mode 3's half-cycle) ends the old waveform before its rise. */
	if (c->null_count && c->transfer_ns > now && t > c->transfer_ns) {
		next = (struct i8254_ce){i8254_clocks(c->cr, c->bcd), c->cr_load_ns, true};
		t = rise_after(c, &next, c->transfer_ns);
	}
	return t;
}
