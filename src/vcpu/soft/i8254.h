/* SPDX-License-Identifier: MIT */
/*
 * The 8254 programmable interval timer (ports 0x40-0x43, counter 0 on
 * IRQ 0, counter 2's gate and output on port 0x61), as the software
 * provider's in-"kernel" device behind KVM_CREATE_PIT2 (issue 11).
 * Time is passed in: `now` is the VM clock in nanoseconds (irqchip.c reads
 * it; unit tests use a virtual clock), the input clock is 1.193182 MHz.
 */
#ifndef MINIVMM_SOFT_I8254_H
#define MINIVMM_SOFT_I8254_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#define I8254_HZ 1193182ULL

struct i8254_channel {
	uint32_t count;	  /* count in the counting element (a written 0 is kept as 0x10000) */
	uint64_t load_ns; /* when counting started from count (moved on by time spent suspended) */
	uint16_t latched_count;
	uint8_t count_latched, status_latched, status, read_state, write_state, write_latch,
	    rw_mode, mode, bcd, gate;
	bool null_count;      /* a written count not yet in the counting element */
	bool counting;	      /* the counting element holds a count (modes 1/5: triggered) */
	uint32_t cr;	      /* count register: the last count written, 0x10000 for 0 */
	uint64_t transfer_ns; /* when cr enters the counting element (UINT64_MAX: at a gate edge) */
	uint64_t cr_load_ns;  /* the load_ns cr starts with then (earlier if it starts mid-cycle) */
	uint64_t frozen_ns;   /* counting stopped since (gate low, half a count), or UINT64_MAX */
	uint32_t count_writes; /* complete counts written (KVM restarts its timer on each) */
};

struct i8254 {
	struct i8254_channel ch[3];
	uint64_t irq0_edges_ns;	 /* time up to which i8254_advance() counted edges */
	unsigned pending_edges;	 /* OUT0 rises counted there, or caused by a reprogramming */
	uint32_t flags;		 /* KVM_PIT_FLAGS_*, as in struct kvm_pit_state2 */
	uint8_t speaker_data_on; /* port 0x61 bit 1 */
};

void i8254_init(struct i8254 *p, uint64_t now);

/* Ports 0x40-0x43 and 0x61, one byte; false when the port is not the PIT's. */
bool i8254_io(struct i8254 *p, uint16_t port, bool write, uint8_t *val, uint64_t now);

/*
 * Rising edges of counter 0's output (the IRQ 0 line) in (last call, now];
 * the caller pulses IRQ 0 that many times (the PIC coalesces them).
 */
unsigned i8254_advance(struct i8254 *p, uint64_t now);

/*
 * The VM-clock time of counter 0's next rising edge after now, or UINT64_MAX;
 * now itself when edges wait for i8254_advance() (a reprogramming raised OUT0).
 */
uint64_t i8254_next_edge(const struct i8254 *p, uint64_t now);

/* Counter 0's output level at now (for the PIC line between edges). */
bool i8254_out0(const struct i8254 *p, uint64_t now);

/*
 * KVM's reinject mode (the default of KVM_CREATE_PIT2, KVM_REINJECT_CONTROL):
 * ticks missed while IRQ 0 waits for its acknowledge are counted and sent
 * one per acknowledge (a PIC EOI or AEOI of IRQ 0, an IOAPIC EOI of pin
 * 0's vector) instead of coalescing in the PIC. Off: one pulse per look.
 */
#define I8254_MAX_PENDING 1000 /* ticks kept for reinjection: a second at 1 kHz */

struct i8254_reinject {
	unsigned pending; /* ticks counted and not yet acknowledged (the one in flight too) */
	bool irq_ack;	  /* the last pulse was acknowledged: the next may go */
	bool on;
};

/* Nothing pending, the next tick may pulse (KVM: creation, SET_PIT2, unmask). */
void i8254_reinject_reset(struct i8254_reinject *r);
/* n more ticks (OUT0 rises): true when IRQ 0 is to be pulsed now. */
bool i8254_reinject_tick(struct i8254_reinject *r, unsigned n);
/* IRQ 0 acknowledged: true when the next pending tick is to be pulsed now. */
bool i8254_reinject_ack(struct i8254_reinject *r);

/* KVM_GET/SET_PIT2 (struct kvm_pit_state2; count_load_time in the VM clock's ns). */
void i8254_get_state(const struct i8254 *p, struct kvm_pit_state2 *s);
void i8254_set_state(struct i8254 *p, const struct kvm_pit_state2 *s, uint64_t now);

#endif
