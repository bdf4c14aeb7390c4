/* SPDX-License-Identifier: MIT */
/*
 * Polling driver for the 16550A UART at COM1 (0x3f8): no interrupts, no
 * receive buffering. uart_putc() waits for THRE before every byte.
 */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#define UART_COM1 0x3f8

/* 115200 8N1, FIFOs enabled and cleared, interrupts off. */
void uart_init(void);
/* Send one byte as is (no newline translation). */
void uart_putc(char c);
/* Send a NUL-terminated string, "\n" sent as "\r\n" for terminals in raw mode. */
void uart_puts(const char *s);

#endif
