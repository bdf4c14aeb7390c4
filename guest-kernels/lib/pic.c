// SPDX-License-Identifier: MIT
/* 8259A pair and 8254 channel 0 (pic.h); port and bit meanings from the Intel 8259A/8254 sheets. */
#include "pic.h"
#include "io.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11 /* edge triggered, cascade mode, ICW4 follows */
#define ICW4_8086 0x01
#define OCW2_EOI 0x20 /* non-specific end of interrupt */
#define CASCADE_IRQ 2

/* The local APIC's registers (SDM vol. 3, 11.4), at its reset base. */
#define LAPIC_BASE 0xfee00000ul
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_SPURIOUS_VECTOR 0xff
#define LVT_EXTINT 0x700

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_LOHI_MODE2 0x34 /* channel 0, low then high byte, mode 2, binary */
#define PIT_CH0_LATCH 0x00
#define PIT_HZ 1193182u
#define PIT_PROBE_READS 1000

static uint8_t masks[2] = {0xff, 0xff};

static void write_masks(void)
{
	outb(PIC1_DATA, masks[0]);
	outb(PIC2_DATA, masks[1]);
}

/*
 * The 8259A's INTR output reaches the CPU through the local APIC's LINT0
 * pin: enable the APIC and make LINT0 ExtINT ("virtual wire" mode, MP
 * spec 3.6.2.2). Out of reset LINT0 is masked, and QEMU (like hardware)
 * then drops the 8259A's requests.
 */
static void lapic_virtual_wire(void)
{
	mmio_write32(LAPIC_BASE + LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	mmio_write32(LAPIC_BASE + LAPIC_LVT_LINT0, LVT_EXTINT);
}

void pic_init(void)
{
	lapic_virtual_wire();
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC1_DATA, 1 << CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC2_DATA, CASCADE_IRQ);
	outb(PIC2_DATA, ICW4_8086);
	masks[0] = (uint8_t) ~(1u << CASCADE_IRQ);
	masks[1] = 0xff;
	write_masks();
}

void pic_unmask(unsigned irq)
{
	masks[irq / 8 & 1] &= (uint8_t) ~(1u << (irq % 8));
	write_masks();
}

void pic_mask(unsigned irq)
{
	masks[irq / 8 & 1] |= (uint8_t)(1u << (irq % 8));
	write_masks();
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

static uint16_t pit_count(void)
{
	uint8_t lo;

	outb(PIT_CMD, PIT_CH0_LATCH);
	lo = inb(PIT_CH0);
	return (uint16_t)(lo | inb(PIT_CH0) << 8);
}

bool pit_start_periodic(unsigned hz)
{
	uint32_t divisor = PIT_HZ / (hz ? hz : 1);
	uint16_t first;

	if (divisor > 0xffff)
		divisor = 0xffff;
	outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
	first = pit_count();
	if (first > divisor)
		return false;
	for (unsigned i = 0; i < PIT_PROBE_READS; i++)
		if (pit_count() != first)
			return true;
	return false;
}
