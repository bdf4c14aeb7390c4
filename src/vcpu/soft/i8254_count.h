/* SPDX-License-Identifier: MIT */
/*
 * The counting element of one 8254 counter as a function of time (internal
 * to i8254.c and i8254_state.c): what the count and OUT are at a given VM time, and when OUT
 * rises, computed in closed form from (count, load time) so that no CLK
 * pulse is ever stepped through one by one.
 */
#ifndef MINIVMM_SOFT_I8254_COUNT_H
#define MINIVMM_SOFT_I8254_COUNT_H

#include "vcpu/soft/i8254.h"

#define I8254_MODE_UNSET 0xff /* never programmed (KVM reports mode 0xff) */

/* read_state, write_state and count_latched, in KVM's encoding (RW field values, then WORD1). */
enum { I8254_RW_LSB = 1, I8254_RW_MSB = 2, I8254_RW_WORD0 = 3, I8254_RW_WORD1 = 4 };

/* What the counting element runs at some time: a count register transfer may be due. */
struct i8254_ce {
	uint64_t n;    /* clocks per count cycle (the count as a number, BCD decoded) */
	uint64_t load; /* VM time the cycle started */
	bool counting;
};

/* Modes whose counting stops while the gate is low (0, 2, 3, 4; 1 and 5 use it as a trigger). */
bool i8254_gate_suspends(uint8_t mode);

/* The counting element in effect at now (a pending transfer counts once due). */
struct i8254_ce i8254_ce_at(const struct i8254_channel *c, uint64_t now);

/* The raw count (1..0x10000, as written, 0 kept as 0x10000) as a number of clocks. */
uint64_t i8254_clocks(uint32_t raw, bool bcd);

/* CLK pulses of the counting element up to now (stops where counting was suspended). */
uint64_t i8254_ticks(const struct i8254_channel *c, const struct i8254_ce *ce, uint64_t now);

/* The VM time of clock pulse k after load (the first ns at which i8254_ticks reaches k). */
uint64_t i8254_tick_time(uint64_t load, uint64_t k);

bool i8254_out_at(const struct i8254_channel *c, uint64_t now);

/* The count as the counter's read path shows it (binary or BCD, 16 bits). */
uint16_t i8254_count_at(const struct i8254_channel *c, uint64_t now);

/* OUT's rising edges in (from, to] for the counting element ce. */
uint64_t i8254_rises_between(const struct i8254_channel *c, const struct i8254_ce *ce,
			     uint64_t from, uint64_t to);

/* The first rising edge of OUT after now, or UINT64_MAX. */
uint64_t i8254_next_rise(const struct i8254_channel *c, uint64_t now);

#endif
