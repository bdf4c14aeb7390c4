/* SPDX-License-Identifier: MIT */
/*
 * The PC's legacy interrupt hardware for the bundled kernels: the 8259A
 * pair (master on ports 0x20/0x21, slave on 0xa0/0xa1 cascaded on IR2)
 * remapped so IRQ n arrives at vector PIC_VECTOR_BASE + n, and channel 0
 * of the 8254 PIT (IRQ 0) as a periodic timer. QEMU microvm has both
 * (pic=on, pit=on by default), and so does minivmm with an in-kernel
 * irqchip; the lines are edge triggered (ELCR 0, the reset state).
 */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_VECTOR_BASE 0x20
#define IRQ_TIMER 0
#define IRQ_COM1 4

/*
 * Initialise both 8259As (ICW1-4), every line masked but the cascade, and
 * the local APIC's LINT0 as their wire to the CPU.
 */
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
/* End of interrupt for irq (non-specific EOI to the slave too for irq >= 8). */
void pic_eoi(unsigned irq);

/*
 * PIT channel 0 as a rate generator (mode 2) at about hz interrupts a
 * second. Returns whether it counts: its latched count stays within the
 * divisor and changes. False on a machine without a PIT (the ports read
 * as all ones, after one read), so a kernel can stay cooperative there
 * instead of waiting for ticks that never come.
 */
bool pit_start_periodic(unsigned hz);

#endif
