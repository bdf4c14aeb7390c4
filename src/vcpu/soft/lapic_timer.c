// SPDX-License-Identifier: MIT
/*
 * The local APIC timer (SDM vol. 3 11.5.4): one-shot and periodic modes
 * counting the bus clock (LAPIC_BUS_HZ, as KVM's 1 ns) through the divide
 * configuration register, and TSC-deadline mode armed by
 * IA32_TSC_DEADLINE. The count is not ticked: the current count is
 * computed from when it was loaded, and the expiry is a VM-clock instant
 * irqchip.c sleeps or polls until (lapic_next_event).
 */
#include "vcpu/soft/lapic.h"

static unsigned timer_mode(const struct lapic *l)
{
	unsigned m = (lapic_reg(l, APIC_LVTT) >> APIC_TIMER_MODE_SHIFT) & 3;

	return m == 3 ? APIC_TIMER_ONESHOT : m; /* 3 is reserved */
}

/* Bus clocks per count: TDCR bits 0, 1 and 3 select 2, 4, ..., 128 or 1 (0b111). */
static uint64_t divide(const struct lapic *l)
{
	uint32_t d = lapic_reg(l, APIC_TDCR);
	unsigned x = (d & 3) | ((d & 8) >> 1);

	return x == 7 ? 1 : 2ULL << x;
}

/* Nanoseconds per count. */
static uint64_t count_ns(const struct lapic *l)
{
	return divide(l) * (1000000000ULL / LAPIC_BUS_HZ);
}

/* Load `remaining` counts of a TMICT-long period: the expiry, and when the period began. */
static void arm(struct lapic *l, uint64_t remaining, uint64_t now)
{
	uint64_t per = count_ns(l);

	if (!remaining) {
		l->timer_expiry_ns = UINT64_MAX;
		return;
	}
	l->timer_expiry_ns = now + remaining * per;
	/* wrapping arithmetic: now - load is the time into the period */
	l->timer_load_ns = l->timer_expiry_ns - (uint64_t)lapic_reg(l, APIC_TMICT) * per;
}

uint32_t lapic_timer_current(const struct lapic *l, uint64_t now)
{
	uint64_t per = count_ns(l), period = (uint64_t)lapic_reg(l, APIC_TMICT) * per, elapsed;

	if (timer_mode(l) == APIC_TIMER_TSCDEADLINE || !period || l->timer_expiry_ns == UINT64_MAX)
		return 0;
	elapsed = now - l->timer_load_ns;
	if (timer_mode(l) == APIC_TIMER_PERIODIC)
		elapsed %= period;
	else if (elapsed >= period)
		return 0;
	/* counts left, rounded up: TMICT right after the load */
	return (uint32_t)((period - elapsed + per - 1) / per);
}

void lapic_timer_write(struct lapic *l, unsigned off, uint32_t v, uint64_t now)
{
	uint32_t cur;
	unsigned old_mode = timer_mode(l);

	switch (off) {
	case APIC_LVTT:
		lapic_set_reg(l, APIC_LVTT, v);
		/* into or out of TSC-deadline mode: the timer stops (as KVM) */
		if ((old_mode == APIC_TIMER_TSCDEADLINE) !=
		    (timer_mode(l) == APIC_TIMER_TSCDEADLINE)) {
			lapic_set_reg(l, APIC_TMICT, 0);
			l->tsc_deadline = 0;
			l->timer_expiry_ns = UINT64_MAX;
		}
		break;
	case APIC_TMICT:
		if (old_mode == APIC_TIMER_TSCDEADLINE)
			break; /* ignored in TSC-deadline mode */
		lapic_set_reg(l, APIC_TMICT, v);
		arm(l, v, now);
		break;
	case APIC_TDCR:
		/* a running count goes on at the new rate from where it is */
		cur = lapic_timer_current(l, now);
		lapic_set_reg(l, APIC_TDCR, v & 0xb);
		if (l->timer_expiry_ns != UINT64_MAX && old_mode != APIC_TIMER_TSCDEADLINE)
			arm(l, cur, now);
		break;
	}
}

uint64_t lapic_tsc_deadline_read(const struct lapic *l)
{
	return timer_mode(l) == APIC_TIMER_TSCDEADLINE ? l->tsc_deadline : 0;
}

/* The VM-clock instant the guest TSC reaches deadline, from the pair (now, tsc). */
static uint64_t tsc_to_expiry(const struct lapic *l, uint64_t deadline, uint64_t now, uint64_t tsc)
{
	unsigned __int128 ns;

	if (deadline <= tsc)
		return now;
	ns = ((unsigned __int128)(deadline - tsc) * 1000000 + l->tsc_khz - 1) / l->tsc_khz;
	return ns > UINT64_MAX - now ? UINT64_MAX - 1 : now + (uint64_t)ns;
}

void lapic_tsc_deadline_write(struct lapic *l, uint64_t v, uint64_t now, uint64_t tsc)
{
	if (timer_mode(l) != APIC_TIMER_TSCDEADLINE)
		return; /* as KVM: ignored unless the LVT timer is in TSC-deadline mode */
	l->tsc_deadline = v;
	l->timer_expiry_ns = v ? tsc_to_expiry(l, v, now, tsc) : UINT64_MAX;
}

bool lapic_advance(struct lapic *l, uint64_t now)
{
	uint64_t period, n = 1;
	bool masked = lapic_reg(l, APIC_LVTT) & APIC_LVT_MASKED;

	if (now < l->timer_expiry_ns)
		return false;
	switch (timer_mode(l)) {
	case APIC_TIMER_PERIODIC:
		period = (uint64_t)lapic_reg(l, APIC_TMICT) * count_ns(l);
		/* periods missed while nobody looked: one interrupt (IRR holds one), all counted */
		n = (now - l->timer_expiry_ns) / period + 1;
		l->timer_expiry_ns += n * period;
		break;
	case APIC_TIMER_TSCDEADLINE:
		l->tsc_deadline = 0; /* cleared when it fires */
		l->timer_expiry_ns = UINT64_MAX;
		break;
	default:
		l->timer_expiry_ns = UINT64_MAX;
		break;
	}
	l->timer_expiries += n;
	lapic_raise_lvt(l, APIC_LVTT);
	return !masked;
}

void lapic_timer_restore(struct lapic *l, uint64_t now, uint64_t tsc)
{
	uint32_t cur = lapic_reg(l, APIC_TMCCT), init = lapic_reg(l, APIC_TMICT);

	lapic_set_reg(l, APIC_TMCCT, 0); /* computed on read, never stored */
	if (timer_mode(l) == APIC_TIMER_TSCDEADLINE) {
		l->timer_expiry_ns =
		    l->tsc_deadline ? tsc_to_expiry(l, l->tsc_deadline, now, tsc) : UINT64_MAX;
		return;
	}
	if (!cur && timer_mode(l) == APIC_TIMER_PERIODIC)
		cur = init;
	arm(l, init ? cur : 0, now);
}
