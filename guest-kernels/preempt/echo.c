// SPDX-License-Identifier: MIT
/*
 * Serial input by interrupt: COM1's "received data available" interrupt
 * (IER bit 0; MCR OUT2 connects the UART to IRQ 4 on a PC) goes through
 * the 8259A to vector 0x24. The handler drains the receive FIFO while LSR
 * says data is ready and echoes every byte.
 */
#include "preempt.h"

#include "hw.h"
#include "idt.h"
#include "io.h"
#include "uart.h"

#define COM1_RBR 0
#define COM1_IER 1
#define COM1_IIR 2
#define COM1_MCR 4
#define COM1_LSR 5
#define IER_RX 0x01
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DR 0x01

static char got[ECHO_MAX];
static volatile unsigned nr_got;

static void on_com1(struct trap_frame *tf)
{
	(void)tf;
	(void)inb(UART_COM1 + COM1_IIR); /* identify, as a driver does */
	while (inb(UART_COM1 + COM1_LSR) & LSR_DR) {
		char c = (char)inb(UART_COM1 + COM1_RBR);

		if (nr_got < ECHO_MAX)
			got[nr_got] = c;
		nr_got++;
		uart_putc(c);
	}
	pic_eoi(IRQ_COM1);
}

void echo_start(void)
{
	idt_set_handler(PIC_VECTOR_BASE + IRQ_COM1, on_com1);
	outb(UART_COM1 + COM1_MCR, MCR_DTR_RTS_OUT2);
	outb(UART_COM1 + COM1_IER, IER_RX);
	pic_unmask(IRQ_COM1);
}

unsigned echo_wait(unsigned n, char *buf)
{
	unsigned have;

	while (nr_got < n)
		wait_for_interrupt();
	have = nr_got < ECHO_MAX ? nr_got : ECHO_MAX;
	for (unsigned i = 0; i < have; i++)
		buf[i] = got[i];
	return have;
}
