// SPDX-License-Identifier: MIT
/* 8259A, 8254 and local APIC programming for the preempt guest (see hw.h). */
#include "hw.h"

#include "io.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_ICW1_INIT_ICW4 0x11 /* edge triggered, cascade, ICW4 follows */
#define PIC_ICW4_8086 0x01
#define PIC_EOI 0x20 /* OCW2 non-specific EOI */

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_LOHI_MODE2 0x34 /* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_CH0_LOHI_MODE0 0x30 /* mode 0 with no count loaded: output stays low */

#define LAPIC_BASE 0xfee00000ul
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LAPIC_SVR_ENABLE 0x100
#define LVT_MASKED 0x10000
#define LVT_PERIODIC 0x20000
#define LVT_EXTINT 0x700
#define LAPIC_DIV_16 0x3

static uint8_t masks[2] = {0xff, 0xff};

static void lapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

static uint32_t lapic_read(unsigned reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static void pic_write_masks(void)
{
	outb(PIC1_DATA, masks[0]);
	outb(PIC2_DATA, masks[1]);
}

void pic_init(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC1_DATA, 1 << 2); /* the slave sits on IR2 */
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC2_DATA, 2); /* its cascade identity */
	outb(PIC2_DATA, PIC_ICW4_8086);
	masks[0] = 0xff & ~(1 << 2); /* everything off but the cascade */
	masks[1] = 0xff;
	pic_write_masks();
}

void pic_unmask(unsigned irq)
{
	masks[irq / 8] &= (uint8_t) ~(1u << (irq % 8));
	pic_write_masks();
}

void pic_mask(unsigned irq)
{
	masks[irq / 8] |= (uint8_t)(1u << (irq % 8));
	pic_write_masks();
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

uint16_t pit_start(unsigned hz)
{
	uint16_t div = (uint16_t)((PIT_HZ + hz / 2) / hz);

	outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, div & 0xff);
	outb(PIT_CH0, div >> 8);
	return div;
}

void pit_stop(void)
{
	/* Mode 0 waits for a count that never comes: no more edges on IRQ 0. */
	outb(PIT_CMD, PIT_CH0_LOHI_MODE0);
}

void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
}

void lapic_timer_count_down(void)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

void lapic_timer_periodic(uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}
