// SPDX-License-Identifier: MIT
#include "uart.h"
#include "io.h"

/* Register offsets (DLAB=0 unless noted) and bits, from the 16550A data sheet. */
#define UART_THR 0 /* transmit holding (write) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear RX and TX */
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20

/* 1.8432 MHz / 16 / 115200 = 1 */
#define BAUD_DIVISOR 1

void uart_init(void)
{
	outb(UART_COM1 + UART_IER, 0);
	outb(UART_COM1 + UART_LCR, LCR_DLAB);
	outb(UART_COM1 + UART_DLL, BAUD_DIVISOR & 0xff);
	outb(UART_COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(UART_COM1 + UART_LCR, LCR_8N1);
	outb(UART_COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(UART_COM1 + UART_MCR, MCR_DTR_RTS);
}

void uart_putc(char c)
{
	while (!(inb(UART_COM1 + UART_LSR) & LSR_THRE))
		;
	outb(UART_COM1 + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}
