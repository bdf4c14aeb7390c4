// SPDX-License-Identifier: MIT
/* The Multiboot guests' output (io.h). */
#include "io.h"

#define COM1 0x3f8

void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20)) /* LSR: transmitter holding register empty */
		;
	outb(COM1, (uint8_t)c);
}

void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

void put_hex(uint32_t v)
{
	puts_serial("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		putc_serial("0123456789abcdef"[(v >> shift) & 0xf]);
}

void put_dec(uint32_t v)
{
	char buf[11];
	int n = 0;

	do
		buf[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		putc_serial(buf[--n]);
}

void put_contents(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len && i < MAX_SHOWN; i++)
		putc_serial(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
}
