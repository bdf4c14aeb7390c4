/* SPDX-License-Identifier: MIT */
/*
 * The PC's interrupt and timer hardware as the preempt guest programs it:
 * the 8259A pair (remapped to vectors 0x20-0x2f), the 8254 PIT's channel 0
 * in mode 2 on IRQ 0, and the local APIC at its reset address with its
 * timer. Register layouts from the 8259A and 8254 datasheets and the
 * Intel SDM vol. 3A chapter 11; nothing here is specific to one VMM.
 */
#ifndef PREEMPT_HW_H
#define PREEMPT_HW_H

#include <stdint.h>

#define PIC_VECTOR_BASE 0x20 /* IRQ n -> vector 0x20 + n */
#define IRQ_PIT 0
#define IRQ_COM1 4
#define PIT_HZ 1193182u /* the 8254's input clock */

#define VEC_LAPIC_TIMER 0x40
#define VEC_SPURIOUS 0xff

void pic_init(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);

/* Channel 0, mode 2 (rate generator), binary: divisor = PIT_HZ / hz, rounded. */
uint16_t pit_start(unsigned hz);
void pit_stop(void);

/* Software-enable the LAPIC (spurious vector 0xff) with LINT0 as ExtINT: the PIC still reaches us.
 */
void lapic_enable(void);
/* One-shot, masked, divide by 16, from 0xffffffff: a free-running down-counter to calibrate. */
void lapic_timer_count_down(void);
uint32_t lapic_timer_current(void);
/* Periodic on VEC_LAPIC_TIMER, divide by 16, every `count` timer ticks. */
void lapic_timer_periodic(uint32_t count);
void lapic_timer_stop(void);
void lapic_eoi(void);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Sleep until an interrupt with IF set, then return with IF clear (no lost wake-up). */
static inline void wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

#endif
